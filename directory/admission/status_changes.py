"""Staff suspend, reinstate or remove an admitted institution or expert, always with a reason: for an
institution a confirmed screening action (动态筛选), for either audited and told to the record's users."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import select

from directory.accounts import permissions
from directory.accounts.models import User
from directory.admission.errors import ReasonRequired, StatusForbidsAction
from directory.audit import services as audit
from directory.core.errors import InvalidInput, NotAllowed
from directory.core.time import utcnow
from directory.evaluation.models import ScreeningAction
from directory.experts.models import Expert
from directory.extensions import db
from directory.institutions.models import Institution, RecordStatus
from directory.notifications import services as notifications

STATUS_ACTIONS = {
    "suspend": (RecordStatus.ADMITTED,),
    "reinstate": (RecordStatus.SUSPENDED, RecordStatus.REMOVED),
    "remove": (RecordStatus.ADMITTED, RecordStatus.SUSPENDED),
}
STATUS_AFTER = {"suspend": RecordStatus.SUSPENDED, "reinstate": RecordStatus.ADMITTED, "remove": RecordStatus.REMOVED}


def _check(*, record: Any, action: str, reason: str, actor: Any, whom: Any) -> str:
    """The checks every status change passes, the same for institutions and experts; returns the reason."""
    if not permissions.is_staff(actor):
        raise NotAllowed()
    if action not in STATUS_ACTIONS:
        raise InvalidInput(_l("Unknown action."), field="action")
    if not reason.strip():
        raise ReasonRequired(whom)
    if record.status not in STATUS_ACTIONS[action]:
        raise StatusForbidsAction()
    return reason.strip()


def change_status(*, institution: Institution, action: str, reason: str, actor: Any) -> Any:
    """Suspend, reinstate or remove an institution, always with a reason; recorded as a confirmed screening
    action (动态筛选), audited and told to the institution's users. Suspended and removed records leave the
    public site and the index (through the outbox) but stay in the database.

    Raises :class:`NotAllowed` for non-staff, :class:`InvalidInput` without a reason or for an action the
    current status does not allow.
    """
    reason = _check(record=institution, action=action, reason=reason, actor=actor,
                    whom=_l("Give the reason; the institution will see it."))
    before = institution.status
    institution.status = STATUS_AFTER[action]
    now = utcnow()
    record = ScreeningAction(institution_id=institution.id, kind=action, status="confirmed", reason=reason,  # type: ignore[arg-type]
                             decision_reason=reason, proposed_by_id=actor.id, decided_by_id=actor.id,
                             decided_at=now)
    db.session.add_all([institution, record])
    db.session.flush()
    audit.record(actor_id=actor.id, action=f"institution.{action}", entity_type="institution",
                 entity_id=institution.id, changes={"status": [before, institution.status], "reason": reason})
    titles = {"suspend": _("Your institution's listing has been suspended."),
              "reinstate": _("Your institution's listing has been reinstated."),
              "remove": _("Your institution has been removed from the directory.")}
    notifications.notify(users=list(db.session.exec(select(User).where(User.institution_id == institution.id)).all()),
                         kind=f"institution.{action}", title=titles[action], body=reason)
    return record


def change_expert_status(*, expert: Expert, action: str, reason: str, actor: Any) -> Expert:
    """Suspend, reinstate or remove an expert, with the same rules as :func:`change_status`: staff only, always
    with a reason, only from a status that allows the action; audited and told to the expert's users. The
    screening-action table is the institutions' evaluation record (it needs an institution), so the audit
    log is the expert's record of the decision. A suspended or removed expert leaves the public site and the
    index (through the outbox) but stays in the database.

    Raises :class:`NotAllowed` for non-staff, :class:`InvalidInput` without a reason or for an action the
    current status does not allow.
    """
    reason = _check(record=expert, action=action, reason=reason, actor=actor,
                    whom=_l("Give the reason; the expert will see it."))
    before = expert.status
    expert.status = STATUS_AFTER[action]
    db.session.add(expert)
    db.session.flush()
    audit.record(actor_id=actor.id, action=f"expert.{action}", entity_type="expert", entity_id=expert.id,
                 changes={"status": [before, expert.status], "reason": reason})
    titles = {"suspend": _("Your expert listing has been suspended."),
              "reinstate": _("Your expert listing has been reinstated."),
              "remove": _("You have been removed from the expert database.")}
    notifications.notify(users=list(db.session.exec(select(User).where(User.expert_id == expert.id)).all()),
                         kind=f"expert.{action}", title=titles[action], body=reason)
    return expert
