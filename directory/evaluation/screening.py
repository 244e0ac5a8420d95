"""Screening (动态筛选): the proposals a run makes, staff's decisions on them, and the badge (示范服务机构).

A confirmed warning, suspension or removal takes effect at once; a commendation or a withdrawal confirmed while
its period is unpublished takes effect when the period is published (:func:`apply_badge_decisions`), with the
grades behind it. Staff may also withdraw a badge at once, with a reason (:func:`withdraw_badge`).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete
from sqlmodel import col, select

from directory.accounts import permissions
from directory.accounts.models import User
from directory.audit import services as audit
from directory.core.errors import InvalidInput, NotAllowed, NotFound
from directory.core.time import utcnow
from directory.evaluation import compute
from directory.evaluation.models import (
    Evaluation,
    EvaluationPeriod,
    PeriodStatus,
    ScreeningAction,
    ScreeningKind,
)
from directory.extensions import db
from directory.institutions.models import Institution, RecordStatus
from directory.notifications import services as notifications

MODEL_BADGE = "示范服务机构"


KIND_LABELS = {ScreeningKind.COMMEND: _l("Commend as a model institution"), ScreeningKind.WARN: _l("Warn"),
               ScreeningKind.SUSPEND: _l("Suspend"), ScreeningKind.REMOVE: _l("Remove"),
               ScreeningKind.REINSTATE: _l("Reinstate"),
               ScreeningKind.WITHDRAW: _l("Withdraw the model institution badge")}


BADGE_KINDS = (ScreeningKind.COMMEND, ScreeningKind.WITHDRAW)


REASON_LABELS = {"grade_a": _l("Grade A in this period"), "grade_d": _l("Grade D in this period"),
                 "two_d": _l("Grade D in two consecutive periods"), "three_d": _l("Grade D in three consecutive periods"),
                 "serious_complaint": _l("A verified serious complaint (非常不满意, not found invalid), whether or not its follow-up was closed"),
                 "inactive": _l("No service activity in the period"),
                 "badge_grade": _l("A model institution graded C or D in this period")}


def propose(period: EvaluationPeriod, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Screening proposals (动态筛选) for staff to confirm or reject:

    - grade A → commend as 示范服务机构 (unless already so);
    - a 示范服务机构 graded C or D, or with a serious complaint → withdraw the badge;
    - grade D → warn; D in this and the previous published period of the same length → suspend; a third →
      remove;
    - a verified serious complaint in the period (a 非常不满意 review staff did not find invalid) → suspend,
      whether or not its follow-up was closed: a closed follow-up does not undo the complaint, staff decide;
    - no service activity at all in the period (no request, no event meeting) → warn (flagged as inactive).
    """
    actions = ScreeningAction.__table__.c  # type: ignore[attr-defined]
    db.session.execute(delete(ScreeningAction).where(actions.period_id == period.id, actions.status == "proposed"))
    decided = {(a.institution_id, a.kind) for a in db.session.exec(select(ScreeningAction).where(
        ScreeningAction.period_id == period.id, ScreeningAction.status != "proposed")).all()}
    previous = _previous_grades(period, 2)
    badges = {i: b for i, b in db.session.exec(select(Institution.id, Institution.badge)).all()}
    complaints = _serious_complaints(period)
    counts: dict[str, int] = {}
    new = []
    for row in rows:
        inst_id, grade, inputs = row["institution_id"], row["grade"], row["inputs"]
        wanted: list[tuple[str, str]] = []
        history = [grade, *[previous[k].get(inst_id) for k in range(len(previous))]]
        if grade == "A" and badges.get(inst_id) != MODEL_BADGE:
            wanted.append((ScreeningKind.COMMEND, "grade_a"))
        if badges.get(inst_id) == MODEL_BADGE and grade in ("C", "D"):
            wanted.append((ScreeningKind.WITHDRAW, "badge_grade"))
        elif badges.get(inst_id) == MODEL_BADGE and inst_id in complaints:
            wanted.append((ScreeningKind.WITHDRAW, "serious_complaint"))
        if grade == "D":
            if history[:3] == ["D", "D", "D"]:
                wanted.append((ScreeningKind.REMOVE, "three_d"))
            elif history[:2] == ["D", "D"]:
                wanted.append((ScreeningKind.SUSPEND, "two_d"))
            else:
                wanted.append((ScreeningKind.WARN, "grade_d"))
        if inst_id in complaints and not any(k == ScreeningKind.SUSPEND for k, _r in wanted):
            wanted.append((ScreeningKind.SUSPEND, "serious_complaint"))
        if inputs["engagements"] == 0 and inputs["meetings_held"] == 0 and not any(
                k == ScreeningKind.WARN for k, _r in wanted):
            wanted.append((ScreeningKind.WARN, "inactive"))
        for kind, reason in wanted:
            if (inst_id, kind) in decided:
                continue
            new.append({"institution_id": inst_id, "period_id": period.id, "kind": kind, "status": "proposed",
                        "reason": reason, "decision_reason": "", "created_at": utcnow()})
            counts[kind] = counts.get(kind, 0) + 1
    from sqlalchemy import insert

    for start in range(0, len(new), compute.BATCH):
        db.session.execute(insert(ScreeningAction), new[start:start + compute.BATCH])
    return counts


def _previous_grades(period: EvaluationPeriod, how_many: int) -> list[dict[int, str]]:
    """Grades of the ``how_many`` earlier published periods of the same length (years with years): only a
    published grade is an institution's record, so an unpublished draft never counts towards a suspension."""
    same_kind = [p for p in db.session.exec(select(EvaluationPeriod).where(
        EvaluationPeriod.ends_on < period.starts_on, EvaluationPeriod.status == PeriodStatus.PUBLISHED)
        .order_by(col(EvaluationPeriod.ends_on).desc())).all() if len(p.code) == len(period.code)][:how_many]
    return [{i: g for i, g in db.session.exec(select(Evaluation.institution_id, Evaluation.grade)
                                              .where(Evaluation.period_id == p.id)).all()} for p in same_kind]


def _serious_complaints(period: EvaluationPeriod) -> set[int]:
    from directory.reviews.models import Review

    lo, hi = compute._ts(period.starts_on), compute._ts(period.ends_on) + compute.timedelta(days=1)
    return set(db.session.exec(select(Review.institution_id).where(
        Review.verdict == "very_dissatisfied", col(Review.invalid).is_(False), Review.approval == "approved",
        Review.created_at >= lo, Review.created_at < hi, col(Review.institution_id).is_not(None))).all())


def proposals(period: EvaluationPeriod, *, status: str | None = "proposed") -> list[tuple[ScreeningAction, Institution]]:
    query = select(ScreeningAction, Institution).join(Institution).where(ScreeningAction.period_id == period.id)
    if status:
        query = query.where(ScreeningAction.status == status)
    return list(db.session.exec(query.order_by(col(ScreeningAction.kind), col(ScreeningAction.id))).all())


def _titles() -> dict[str, str]:
    return {ScreeningKind.COMMEND: _("Your institution is commended as a model service institution (示范服务机构)"),
            ScreeningKind.WITHDRAW: _("Your institution's model service institution badge (示范服务机构) has been withdrawn"),
            ScreeningKind.WARN: _("The service center has issued a warning to your institution"),
            ScreeningKind.SUSPEND: _("Your institution's listing has been suspended."),
            ScreeningKind.REMOVE: _("Your institution has been removed from the directory."),
            ScreeningKind.REINSTATE: _("Your institution's listing has been reinstated.")}


def _tell(inst: Institution, kind: str, reason: str) -> None:
    notifications.notify(users=list(db.session.exec(select(User).where(User.institution_id == inst.id)).all()),
                         kind=f"screening.{kind}", title=_titles()[ScreeningKind(kind)], body=reason,
                         link="/my/evaluation")


def _apply(inst: Institution, kind: str) -> None:
    """A confirmed action's effect on the record (a plain ORM change, so the outbox captures it)."""
    if kind == ScreeningKind.COMMEND:
        inst.badge = MODEL_BADGE
    elif kind == ScreeningKind.WITHDRAW:
        inst.badge = None
    elif kind == ScreeningKind.SUSPEND and inst.status == RecordStatus.ADMITTED:
        inst.status = RecordStatus.SUSPENDED
    elif kind == ScreeningKind.REMOVE and inst.status in (RecordStatus.ADMITTED, RecordStatus.SUSPENDED):
        inst.status = RecordStatus.REMOVED
    db.session.add(inst)


def decide(*, user: Any, action: ScreeningAction, confirm: bool, reason: str) -> ScreeningAction:
    """Staff confirm or reject a proposal, always with a reason. A confirmed action takes effect: a warning or
    the listing's status at once; the badge (and its ranking boost) when the period is published — at once
    if it already is. The index follows through the outbox; the institution's users are told when the action
    takes effect; everything is audited.

    Raises :class:`NotAllowed` for non-staff, :class:`InvalidInput` without a reason or if already decided."""
    if not permissions.is_staff(user):
        raise NotAllowed()
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_l("Give the reason; the institution will see it."), field="reason")
    if action.status != "proposed":
        raise InvalidInput(_l("This proposal has already been decided."), field="action")
    inst = db.session.get_one(Institution, action.institution_id)
    period = db.session.get(EvaluationPeriod, action.period_id) if action.period_id else None
    on_publish = action.kind in BADGE_KINDS and period is not None and period.status != PeriodStatus.PUBLISHED
    action.status = "confirmed" if confirm else "rejected"
    action.decision_reason = reason
    action.decided_by_id = user.id
    action.decided_at = utcnow()
    before = {"status": inst.status, "badge": inst.badge}
    if confirm and not on_publish:
        _apply(inst, action.kind)
    db.session.add(action)
    db.session.flush()
    audit.record(actor_id=user.id, action=f"screening.{action.status}", entity_type="institution", entity_id=inst.id,
                 changes={"kind": action.kind, "reason": reason, "before": before,
                          "after": {"status": inst.status, "badge": inst.badge},
                          **({"takes_effect": "on_publish"} if confirm and on_publish else {})})
    if confirm and not on_publish:
        _tell(inst, action.kind, reason)
    return action


def withdraw_badge(*, user: Any, institution: Institution, reason: str) -> ScreeningAction:
    """Staff withdraw an institution's 示范服务机构 badge at once, with a reason (a confirmed screening action of
    no period): the badge and its ranking boost leave the public pages, and the index through the outbox; the
    institution's users are told; audited.

    Raises :class:`NotAllowed` for non-staff, :class:`InvalidInput` without a reason or without a badge."""
    if not permissions.is_staff(user):
        raise NotAllowed()
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_l("Give the reason; the institution will see it."), field="reason")
    if not institution.badge:
        raise InvalidInput(_l("This institution holds no badge."), field="reason")
    before = institution.badge
    action = ScreeningAction(institution_id=institution.id, kind=ScreeningKind.WITHDRAW, status="confirmed",  # type: ignore[arg-type]
                             reason=reason, decision_reason=reason, proposed_by_id=user.id, decided_by_id=user.id,
                             decided_at=utcnow())
    _apply(institution, ScreeningKind.WITHDRAW)
    db.session.add(action)
    db.session.flush()
    audit.record(actor_id=user.id, action="screening.confirmed", entity_type="institution", entity_id=institution.id,
                 changes={"kind": ScreeningKind.WITHDRAW, "reason": reason, "before": {"badge": before},
                          "after": {"badge": institution.badge}})
    _tell(institution, ScreeningKind.WITHDRAW, reason)
    return action


def get_action(action_id: int) -> ScreeningAction:
    action = db.session.get(ScreeningAction, action_id)
    if action is None:
        raise NotFound()
    return action


def _badge_decisions(period: EvaluationPeriod) -> list[ScreeningAction]:
    """The period's confirmed commendations and withdrawals, in the order they were decided."""
    return list(db.session.exec(select(ScreeningAction).where(
        ScreeningAction.period_id == period.id, ScreeningAction.status == "confirmed",
        col(ScreeningAction.kind).in_(BADGE_KINDS)).order_by(col(ScreeningAction.decided_at),
                                                             col(ScreeningAction.id))).all())


def apply_badge_decisions(*, period: EvaluationPeriod, user: Any = None) -> int:
    """On publishing ``period``: its confirmed commendations and withdrawals take effect, unless a later period
    is published already, and the institutions are told; audited. Returns how many badges changed."""
    badges = 0
    for action in _badge_decisions(period) if compute.is_latest_published(period) else []:
        inst = db.session.get_one(Institution, action.institution_id)
        before = inst.badge
        _apply(inst, action.kind)
        if inst.badge == before:
            continue  # already so (staff withdrew the badge meanwhile): nothing to apply or tell
        db.session.flush()
        audit.record(actor_id=getattr(user, "id", None), action="screening.applied", entity_type="institution",
                     entity_id=inst.id, changes={"kind": action.kind, "period": period.code,
                                                 "before": {"badge": before}, "after": {"badge": inst.badge}})
        _tell(inst, action.kind, action.decision_reason)
        badges += 1
    return badges


MAX_BULK = 5000  # proposals decided in one go; a run proposes far fewer


def decide_many(*, user: Any, period: EvaluationPeriod, action_ids: list[int] | None, confirm: bool,
                reason: str) -> int:
    """Staff confirm or reject many of a period's proposals with one reason: the listed ones, or every waiting
    one when ``action_ids`` is None. All or nothing: each goes through :func:`decide` (its effect, its audit
    entry, its notification), and any refusal — a proposal already decided, of another period, unknown —
    raises before the request commits, so none of them is decided. Returns how many were decided.

    Raises :class:`NotAllowed` for non-staff, :class:`InvalidInput` without a reason, with nothing chosen, or
    when a chosen proposal cannot be decided."""
    if not permissions.is_staff(user):
        raise NotAllowed()
    if not reason.strip():
        raise InvalidInput(_l("Give the reason; the institution will see it."), field="reason")
    query = select(ScreeningAction).where(ScreeningAction.period_id == period.id)
    if action_ids is None:
        query = query.where(ScreeningAction.status == "proposed")
    else:
        wanted = sorted(set(action_ids))
        if len(wanted) > MAX_BULK:
            raise InvalidInput(_l("Choose at most %(n)s proposals at once.", n=MAX_BULK), field="action_ids")
        query = query.where(col(ScreeningAction.id).in_(wanted))
    actions = list(db.session.exec(query.order_by(col(ScreeningAction.id))).all())
    if not actions:
        raise InvalidInput(_l("Choose the proposals to decide."), field="action_ids")
    if action_ids is not None and len(actions) != len(set(action_ids)):
        raise InvalidInput(_l("Some of the chosen proposals are not of this period; nothing was decided."),
                           field="action_ids")
    if any(a.status != "proposed" for a in actions):
        raise InvalidInput(_l("Some of the chosen proposals have already been decided; nothing was decided."),
                           field="action_ids")
    for action in actions:
        decide(user=user, action=action, confirm=confirm, reason=reason)
    return len(actions)
