"""What happens to a stored review: the provider's response to a bad review's follow-up and its public reply;
staff closing follow-ups, hiding text or marking a review invalid, and approving or rejecting held reviews
(see :mod:`directory.reviews.trust`). Every staff action carries a recorded reason and is audited."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import col, select

from directory.accounts import permissions
from directory.accounts import services as accounts
from directory.audit import services as audit
from directory.core.errors import InvalidInput, NotAllowed
from directory.core.paging import Page, paginate
from directory.core.time import utcnow
from directory.extensions import db
from directory.notifications import services as notifications
from directory.reviews.models import Approval, FollowUpStatus, Review
from directory.reviews.rating import recompute_rating


def _text(value: str, field: str) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput(_l("This field is required."), field=field)
    if len(value) > 2000:
        raise InvalidInput(_l("The text is too long (at most 2,000 characters)."), field=field)
    return value


def respond_to_followup(*, user: Any, review: Review, text: str) -> Review:
    """The provider answers a bad review's follow-up (what went wrong, what was done)."""
    if not permissions.is_review_provider(user, review):
        raise NotAllowed()
    if review.followup_status != FollowUpStatus.OPEN:
        raise InvalidInput(_l("This review has no open follow-up."), field="review")
    review.provider_response = _text(text, "text")
    review.provider_responded_at = utcnow()
    review.followup_status = FollowUpStatus.RESPONDED
    db.session.add(review)
    db.session.flush()
    audit.record(actor_id=user.id, action="review.respond", entity_type="review", entity_id=review.id)
    notifications.notify(users=accounts.staff_users(), kind="review.responded",
                         title=_("A provider responded to a bad review"), link="/admin/reviews")
    return review


def close_followup(*, user: Any, review: Review, note: str) -> Review:
    """Staff close a bad review's follow-up with a note (整改办结)."""
    if not permissions.is_staff(user):
        raise NotAllowed()
    if review.followup_status not in (FollowUpStatus.OPEN, FollowUpStatus.RESPONDED):
        raise InvalidInput(_l("This review has no open follow-up."), field="review")
    review.followup_note = _text(note, "note")
    review.followup_status = FollowUpStatus.CLOSED
    review.followup_closed_at = utcnow()
    review.followup_closed_by_id = user.id
    db.session.add(review)
    db.session.flush()
    audit.record(actor_id=user.id, action="review.close_followup", entity_type="review", entity_id=review.id,
                 changes={"note": review.followup_note})
    return review


def reply(*, user: Any, review: Review, text: str) -> Review:
    """The provider's public reply under a review (one, editable)."""
    if not permissions.is_review_provider(user, review):
        raise NotAllowed()
    text = _text(text, "text")
    if text == review.reply:
        return review  # saved unchanged: the reply keeps its date, no audit entry
    review.reply = text
    review.replied_at = utcnow()
    db.session.add(review)
    db.session.flush()
    audit.record(actor_id=user.id, action="review.reply", entity_type="review", entity_id=review.id)
    return review


def moderate(*, user: Any, review: Review, action: str, reason: str) -> Review:
    """Staff hide abusive text (the rating still counts it), show it again, or mark a review invalid (it stops
    counting) or valid again; always with a recorded reason."""
    if not permissions.is_staff(user):
        raise NotAllowed()
    reason = _text(reason, "reason")
    changes: dict[str, Any]
    if action == "hide":
        review.hidden, review.hidden_reason = True, reason
        changes = {"hidden": True}
    elif action == "show":
        review.hidden, review.hidden_reason = False, ""
        changes = {"hidden": False}
    elif action == "invalidate":
        review.invalid, review.invalid_reason = True, reason
        changes = {"invalid": True}
    elif action == "validate":
        review.invalid, review.invalid_reason = False, ""
        changes = {"invalid": False}
    else:
        raise InvalidInput(_l("Unknown action."), field="action")
    review.moderated_by_id = user.id
    db.session.add(review)
    db.session.flush()
    audit.record(actor_id=user.id, action=f"review.{action}", entity_type="review", entity_id=review.id,
                 changes={**changes, "reason": reason})
    recompute_rating(institution_id=review.institution_id, expert_id=review.expert_id)
    return review


def decide(*, user: Any, review: Review, approve: bool, reason: str = "") -> Review:
    """Staff approve a held review (it counts from now: the rating is recomputed, which queues the provider
    for the index) or reject it with a reason (it never counts). Raises :class:`NotAllowed` for non-staff,
    :class:`InvalidInput` when the review is not waiting or a rejection has no reason."""
    if not permissions.is_staff(user):
        raise NotAllowed()
    if review.approval != Approval.PENDING:
        raise InvalidInput(_l("This review is not waiting for approval."), field="reason")
    if approve:
        review.approval, review.approval_reason = Approval.APPROVED, reason.strip()[:2000]
    else:
        review.approval, review.approval_reason = Approval.REJECTED, _text(reason, "reason")
    review.approved_by_id = user.id
    db.session.add(review)
    db.session.flush()
    audit.record(actor_id=user.id, action="review.approve" if approve else "review.reject", entity_type="review",
                 entity_id=review.id, changes={"approval": review.approval, "reason": review.approval_reason,
                                               "conflict": review.conflict})
    recompute_rating(institution_id=review.institution_id, expert_id=review.expert_id)
    return review


def pending_reviews(*, page: int = 1, per_page: int | None = None) -> Page[Review]:
    """Reviews waiting for staff: those flagged for a conflict first, then the longest waiting."""
    from sqlalchemy import case

    return paginate(select(Review).where(Review.approval == Approval.PENDING).order_by(
        case((col(Review.conflict) == "", 1), else_=0), col(Review.created_at), col(Review.id)),
        page=page, per_page=per_page, param="pending_page")


def open_followups(*, page: int = 1, per_page: int | None = None) -> Page[Review]:
    """Bad reviews whose follow-up is not closed, oldest first (the longest waiting on top), for staff."""
    return paginate(select(Review).where(
        col(Review.followup_status).in_((FollowUpStatus.OPEN, FollowUpStatus.RESPONDED)))
        .order_by(col(Review.created_at), col(Review.id)), page=page, per_page=per_page, param="followups_page")
