"""Verified reviews (服务评价), the 差评 follow-up loop, moderation, and the dynamic rating.

The dynamic rating (how ratings work, also explained on /ratings):

    rating = (PRIOR_MEAN × PRIOR_WEIGHT + Σ wᵢ·sᵢ) / (PRIOR_WEIGHT + Σ wᵢ)

- sᵢ is a review's mean over the five dimensions (服务质量, 服务效率, 专业能力, 服务态度, 价格合理), 1–5;
- wᵢ = ½^(ageᵢ / HALF_LIFE_DAYS): a review a year old counts half as much as today's, so the rating follows
  how a provider serves now (time decay);
- the prior (PRIOR_MEAN counted PRIOR_WEIGHT times) damps the first few reviews: one 5-star review gives
  4.0, not 5.0, and one angry review cannot sink a newcomer (Bayesian damping);
- when the enterprise gave a follow-up review after a bad one was dealt with, the follow-up replaces the
  first for the rating (the latest word of the same client); reviews staff found invalid do not count, while
  merely hidden (abusive) text still counts;
- a review waiting for staff (``approval`` pending: its enterprise or account is not verified, or it shares
  an e-mail domain, a phone number or an account with the provider) or rejected by staff does not count.
The rating is recomputed on every change and written to the provider, which queues it for the index.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from directory.accounts import permissions
from directory.audit import services as audit
from directory.core.errors import AlreadyExists, InvalidInput, NotAllowed, NotFound
from directory.core.paging import Page, paginate
from directory.core.time import utcnow
from directory.engagements.models import Engagement
from directory.engagements.services import provider_users
from directory.experts.models import Expert
from directory.extensions import db
from directory.institutions.models import Institution
from directory.notifications import services as notifications
from directory.reviews.models import BAD_VERDICTS, Approval, FollowUpStatus, Review, ReviewKind, Verdict

# Free mail providers: two strangers may share them, so a shared domain there proves nothing.
PUBLIC_MAIL_DOMAINS = frozenset({
    "qq.com", "vip.qq.com", "foxmail.com", "163.com", "126.com", "yeah.net", "vip.163.com", "sina.com", "sina.cn",
    "sohu.com", "aliyun.com", "139.com", "189.cn", "wo.cn", "gmail.com", "outlook.com", "hotmail.com", "live.com",
    "yahoo.com", "icloud.com",
    "demo.yk",  # every account the demo seed makes shares this made-up host; it ties nobody to anybody
})

PRIOR_MEAN = 3.5
PRIOR_WEIGHT = 2.0
HALF_LIFE_DAYS = 365.0
DIMENSIONS = ("quality", "efficiency", "expertise", "attitude", "price")
DIMENSION_LABELS = {"quality": _l("Service quality"), "efficiency": _l("Efficiency"),
                    "expertise": _l("Professional competence"), "attitude": _l("Attitude"), "price": _l("Fair price")}
VERDICT_LABELS = {Verdict.VERY_SATISFIED: _l("Very satisfied"), Verdict.SATISFIED: _l("Satisfied"),
                  Verdict.BASICALLY_SATISFIED: _l("Basically satisfied"), Verdict.DISSATISFIED: _l("Dissatisfied"),
                  Verdict.VERY_DISSATISFIED: _l("Very dissatisfied")}
FOLLOWUP_LABELS = {FollowUpStatus.OPEN: _l("Waiting for the provider's response"),
                   FollowUpStatus.RESPONDED: _l("Provider responded; staff to close"),
                   FollowUpStatus.CLOSED: _l("Closed")}


@dataclass
class ReviewInput:
    quality: int
    efficiency: int
    expertise: int
    attitude: int
    price: int
    verdict: str
    comment: str = ""
    recommend: bool | None = None


def review_score(review: Review) -> float:
    return sum(getattr(review, d) for d in DIMENSIONS) / len(DIMENSIONS)


def counted(reviews: Iterable[Review]) -> list[Review]:
    """The reviews the rating counts: valid ones, a follow-up replacing the first review of its engagement."""
    reviews = [r for r in reviews if not r.invalid and r.approval == Approval.APPROVED]
    followed = {r.engagement_id or -(r.meeting_id or 0) for r in reviews if r.kind == ReviewKind.FOLLOWUP}
    return [r for r in reviews if r.kind == ReviewKind.FOLLOWUP
            or (r.engagement_id or -(r.meeting_id or 0)) not in followed]


def dynamic_rating(reviews: Iterable[Review], *, now: datetime | None = None) -> tuple[float | None, int]:
    """``(rating, count)`` by the formula in this module's docstring; ``(None, 0)`` without reviews."""
    now = now or utcnow()
    items = counted(reviews)
    if not items:
        return None, 0
    weights = [0.5 ** (max(0.0, (now - r.created_at).total_seconds()) / 86400 / HALF_LIFE_DAYS) for r in items]
    total = PRIOR_MEAN * PRIOR_WEIGHT + sum(w * review_score(r) for w, r in zip(weights, items, strict=True))
    return round(total / (PRIOR_WEIGHT + sum(weights)), 2), len(items)


# Reviews are listed newest first by when they were written (an import or a late follow-up can give an
# older review a higher id); the id only breaks ties.
NEWEST_FIRST = (col(Review.created_at).desc(), col(Review.id).desc())


def provider_reviews(*, institution_id: int | None = None, expert_id: int | None = None) -> list[Review]:
    key = col(Review.institution_id) == institution_id if institution_id else col(Review.expert_id) == expert_id
    return list(db.session.exec(select(Review).where(key).order_by(*NEWEST_FIRST)).all())


def recompute_rating(*, institution_id: int | None = None, expert_id: int | None = None) -> tuple[float | None, int]:
    """Recompute and store one provider's dynamic rating (the outbox then updates the index)."""
    record: Any = db.session.get_one(Institution, institution_id) if institution_id else \
        db.session.get_one(Expert, expert_id)
    value, count = dynamic_rating(provider_reviews(institution_id=institution_id, expert_id=expert_id))
    if (record.rating_value, record.rating_count) != (value, count):
        record.rating_value, record.rating_count = value, count
        db.session.add(record)
        db.session.flush()
    return value, count


def _validate(data: ReviewInput) -> None:
    for dim in DIMENSIONS:
        value = getattr(data, dim)
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise InvalidInput(_l("Rate every dimension from 1 to 5."), field=dim)
    if data.verdict not in tuple(Verdict):
        raise InvalidInput(_l("Choose how satisfied you are."), field="verdict")
    if len(data.comment) > 2000:
        raise InvalidInput(_l("The comment is too long (at most 2,000 characters)."), field="comment")


def _insert_unique(record: Any, message: Any) -> Any:
    """Insert inside a savepoint: the database's unique constraint decides between concurrent submissions,
    and the loser gets :class:`AlreadyExists` with ``message`` while the rest of the request stays intact."""
    try:
        with db.session.begin_nested():
            db.session.add(record)
            db.session.flush()
    except IntegrityError:
        raise AlreadyExists(message) from None
    return record


def _insert(review: Review) -> Review:
    return _insert_unique(review, _l("This service has already been reviewed."))  # type: ignore[no-any-return]


def _domain(email: str | None) -> str:
    domain = (email or "").rpartition("@")[2].strip().lower()
    return "" if domain in PUBLIC_MAIL_DOMAINS else domain


def _phone(phone: str | None) -> str:
    digits = "".join(c for c in (phone or "") if c.isdigit())
    return digits[-11:] if len(digits) >= 7 else ""


def conflicts(*, enterprise_id: int, institution_id: int | None, expert_id: int | None) -> list[str]:
    """What ties the reviewing enterprise to the provider (its accounts' or records' e-mail domain outside
    :data:`PUBLIC_MAIL_DOMAINS`, phone number, or an account on both sides or that created the enterprise);
    one line per tie, empty when none."""
    from directory.accounts.models import User
    from directory.enterprises.models import Enterprise

    enterprise = db.session.get_one(Enterprise, enterprise_id)
    ours = list(db.session.exec(select(User).where(User.enterprise_id == enterprise_id)).all())
    key = col(User.institution_id) == institution_id if institution_id else col(User.expert_id) == expert_id
    theirs = list(db.session.exec(select(User).where(key)).all())
    record: Any = db.session.get_one(Institution, institution_id) if institution_id else \
        db.session.get_one(Expert, expert_id)
    our_mails = {u.email for u in ours} | {enterprise.email}
    their_mails = {u.email for u in theirs} | {record.email}
    our_phones = {u.phone for u in ours} | {enterprise.contact_phone}
    their_phones = {u.phone for u in theirs} | {getattr(record, "contact_phone", None) or getattr(record, "phone", "")}
    found = []
    domains = ({_domain(m) for m in our_mails} & {_domain(m) for m in their_mails}) - {""}
    if domains:
        found.append(f"e-mail domain: {', '.join(sorted(domains))}")
    phones = ({_phone(p) for p in our_phones} & {_phone(p) for p in their_phones}) - {""}
    if phones:
        found.append(f"phone: {', '.join(sorted(phones))}")
    their_ids = {u.id for u in theirs}
    shared = sorted(i for i in ({u.id for u in ours} | {enterprise.created_by_id}) & their_ids if i is not None)
    if shared:
        found.append(f"account: {', '.join(f'#{i}' for i in shared)}")
    return found


def _hold(review: Review, user: Any) -> Review:
    """Hold a review for staff (before it is stored) when its author is not a trusted account of a verified
    enterprise or when the enterprise is tied to the provider; otherwise it counts at once."""
    from directory.enterprises import services as enterprises
    from directory.enterprises.models import Enterprise

    found = conflicts(enterprise_id=review.enterprise_id, institution_id=review.institution_id,
                      expert_id=review.expert_id)
    review.conflict = "\n".join(found)
    if found or not enterprises.is_trusted(user, db.session.get_one(Enterprise, review.enterprise_id)):
        review.approval = Approval.PENDING
    return review


def _held(review: Review) -> None:
    if review.approval == Approval.PENDING:
        notifications.notify(users=notifications.staff_users(), kind="review.pending",
                             title=_("A review waits for your approval"), link="/admin/reviews")


def submit_review(*, user: Any, engagement: Engagement, data: ReviewInput) -> Review:
    """The enterprise of a completed engagement reviews it, once. A bad verdict opens a follow-up.

    Raises :class:`NotAllowed` for anyone else or before completion, :class:`InvalidInput` for bad values,
    :class:`AlreadyExists` for a second review (also when two arrive at the same moment)."""
    if not permissions.can_review(user, engagement):
        raise NotAllowed(_l("Only the enterprise of a completed service can review it."))
    _validate(data)
    exists = db.session.exec(select(Review.id).where(Review.engagement_id == engagement.id,
                                                     Review.kind == ReviewKind.INITIAL)).first()
    if exists is not None:
        raise AlreadyExists(_l("This service has already been reviewed."))
    bad = data.verdict in BAD_VERDICTS
    review = _insert(_hold(Review(
        engagement_id=engagement.id, kind=ReviewKind.INITIAL, enterprise_id=engagement.enterprise_id,
        institution_id=engagement.institution_id, expert_id=engagement.expert_id,
        quality=data.quality, efficiency=data.efficiency, expertise=data.expertise, attitude=data.attitude,
        price=data.price, verdict=data.verdict, comment=data.comment.strip(), recommend=data.recommend,
        followup_status=FollowUpStatus.OPEN if bad else FollowUpStatus.NONE), user))
    audit.record(actor_id=user.id, action="review.submit", entity_type="review", entity_id=review.id,
                 changes={"engagement_id": engagement.id, "verdict": data.verdict, "approval": review.approval})
    _held(review)
    recompute_rating(institution_id=engagement.institution_id, expert_id=engagement.expert_id)
    link = f"/engagements/{engagement.id}"
    if bad:
        notifications.notify(users=provider_users(engagement), kind="review.bad",
                             title=_("A client was dissatisfied: please respond to the follow-up"), link=link)
        notifications.notify(users=notifications.staff_users(), kind="review.bad",
                             title=_("A bad review needs follow-up"), link="/admin/reviews")
    else:
        notifications.notify(users=provider_users(engagement), kind="review.new",
                             title=_("You received a new review"), link=link)
    return review


def submit_meeting_review(*, user: Any, meeting: Any, enterprise_id: int, institution_id: int | None,
                          expert_id: int | None, data: ReviewInput) -> Review:
    """The enterprise's review of the provider it met at a held event meeting (checked by the events area),
    once; it counts in the rating like any other."""
    _validate(data)
    if db.session.exec(select(Review.id).where(Review.meeting_id == meeting.id,
                                               Review.kind == ReviewKind.INITIAL)).first() is not None:
        raise AlreadyExists(_l("This meeting has already been reviewed."))
    bad = data.verdict in BAD_VERDICTS
    review = _insert_unique(_hold(Review(
        meeting_id=meeting.id, kind=ReviewKind.INITIAL, enterprise_id=enterprise_id, institution_id=institution_id,
        expert_id=expert_id, quality=data.quality, efficiency=data.efficiency, expertise=data.expertise,
        attitude=data.attitude, price=data.price, verdict=data.verdict, comment=data.comment.strip(),
        recommend=data.recommend, followup_status=FollowUpStatus.OPEN if bad else FollowUpStatus.NONE), user),
        _l("This meeting has already been reviewed."))
    audit.record(actor_id=user.id, action="review.submit", entity_type="review", entity_id=review.id,
                 changes={"meeting_id": meeting.id, "verdict": data.verdict, "approval": review.approval})
    _held(review)
    recompute_rating(institution_id=institution_id, expert_id=expert_id)
    from directory.accounts.models import User

    provider_key = col(User.institution_id) == institution_id if institution_id else col(User.expert_id) == expert_id
    providers = list(db.session.exec(select(User).where(provider_key, User.active)).all())
    link = f"/reviews/{review.id}"
    if bad:
        notifications.notify(users=providers, kind="review.bad",
                             title=_("A client was dissatisfied: please respond to the follow-up"), link=link)
        notifications.notify(users=notifications.staff_users(), kind="review.bad",
                             title=_("A bad review needs follow-up"), link="/admin/reviews")
    else:
        notifications.notify(users=providers, kind="review.new", title=_("You received a new review"), link=link)
    return review  # type: ignore[no-any-return]


def submit_followup_review(*, user: Any, review: Review, data: ReviewInput) -> Review:
    """After a bad review was responded to, the enterprise may review once more; it replaces the first in
    the rating. Raises :class:`NotAllowed` / :class:`InvalidInput` / :class:`AlreadyExists`."""
    if not (getattr(user, "role", None) == "enterprise" and user.enterprise_id == review.enterprise_id) \
            or review.kind != ReviewKind.INITIAL:
        raise NotAllowed()
    if review.followup_status not in (FollowUpStatus.RESPONDED, FollowUpStatus.CLOSED):
        raise InvalidInput(_l("A follow-up review is possible once the provider has responded."), field="review")
    _validate(data)
    followup = _insert(_hold(Review(
        engagement_id=review.engagement_id, meeting_id=review.meeting_id, kind=ReviewKind.FOLLOWUP, enterprise_id=review.enterprise_id,
        institution_id=review.institution_id, expert_id=review.expert_id, quality=data.quality,
        efficiency=data.efficiency, expertise=data.expertise, attitude=data.attitude, price=data.price,
        verdict=data.verdict, comment=data.comment.strip(), recommend=data.recommend), user))
    audit.record(actor_id=user.id, action="review.followup", entity_type="review", entity_id=followup.id,
                 changes={"replaces": review.id, "verdict": data.verdict, "approval": followup.approval})
    _held(followup)
    recompute_rating(institution_id=review.institution_id, expert_id=review.expert_id)
    return followup


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
    notifications.notify(users=notifications.staff_users(), kind="review.responded",
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


def thanks(review: Review) -> str:
    """What the enterprise is told after writing a review: published, or waiting for staff."""
    if review.approval == Approval.PENDING:
        return _("Thank you: your review was received. It waits for the platform's staff to check it and "
                 "counts in the rating once approved.")
    return _("Thank you: your review is published.")


def get_review(review_id: int) -> Review:
    review = db.session.get(Review, review_id)
    if review is None:
        raise NotFound()
    return review


def review_link(review: Review) -> str:
    """Where a review is discussed: its engagement's page, or (for an event meeting) its own page."""
    if review.engagement_id:
        return f"/engagements/{review.engagement_id}"
    initial, _followup = thread(review)
    return f"/reviews/{initial.id}"


def thread(review: Review) -> tuple[Review, Review | None]:
    """The first review of an engagement or meeting and its follow-up review, if any."""
    key = col(Review.engagement_id) == review.engagement_id if review.engagement_id else \
        col(Review.meeting_id) == review.meeting_id
    rows = db.session.exec(select(Review).where(key).order_by(col(Review.id))).all()
    initial = next((r for r in rows if r.kind == ReviewKind.INITIAL), review)
    return initial, next((r for r in rows if r.kind == ReviewKind.FOLLOWUP), None)


def can_see_review(user: Any, review: Review) -> bool:
    """Staff, the provider reviewed, and the enterprise that wrote it."""
    if permissions.is_staff(user) or permissions.is_review_provider(user, review):
        return True
    return getattr(user, "role", None) == "enterprise" and user.enterprise_id == review.enterprise_id


def engagement_reviews(engagement: Engagement) -> list[Review]:
    return list(db.session.exec(select(Review).where(Review.engagement_id == engagement.id)
                                .order_by(col(Review.id))).all())


@dataclass
class Distribution:
    """What a detail page shows: the rating, bars per verdict and per star, and each dimension's mean."""

    rating: float | None
    count: int
    verdicts: list[tuple[str, Any, int]]
    stars: list[tuple[int, int]]
    dimensions: list[tuple[Any, float]]

    def share(self, n: int) -> int:
        return round(100 * n / self.count) if self.count else 0


def distribution(record: Institution | Expert) -> Distribution:
    is_inst = isinstance(record, Institution)
    items = counted(provider_reviews(institution_id=record.id if is_inst else None,
                                     expert_id=None if is_inst else record.id))
    verdicts = [(v.value, VERDICT_LABELS[v], sum(1 for r in items if r.verdict == v)) for v in Verdict]
    stars = [(s, sum(1 for r in items if round(review_score(r)) == s)) for s in (5, 4, 3, 2, 1)]
    dims = [(DIMENSION_LABELS[d], round(sum(getattr(r, d) for r in items) / len(items), 1) if items else 0.0)
            for d in DIMENSIONS]
    return Distribution(rating=record.rating_value, count=record.rating_count, verdicts=verdicts, stars=stars,
                        dimensions=dims)


REVIEWS_PER_PAGE = 20  # on a provider's public page


def public_reviews(record: Institution | Expert, *, page: int = 1, per_page: int | None = None) -> Page[Review]:
    """A provider's reviews for its public page, newest first, one page with the total; templates show
    hidden text as hidden."""
    is_inst = isinstance(record, Institution)
    key = col(Review.institution_id) == record.id if is_inst else col(Review.expert_id) == record.id
    return paginate(select(Review).where(key, col(Review.invalid).is_(False), Review.approval == Approval.APPROVED)
                    .order_by(*NEWEST_FIRST),
                    page=page, per_page=per_page or REVIEWS_PER_PAGE, param="reviews_page")


def open_followups(*, page: int = 1, per_page: int | None = None) -> Page[Review]:
    """Bad reviews whose follow-up is not closed, oldest first (the longest waiting on top), for staff."""
    return paginate(select(Review).where(
        col(Review.followup_status).in_((FollowUpStatus.OPEN, FollowUpStatus.RESPONDED)))
        .order_by(col(Review.created_at), col(Review.id)), page=page, per_page=per_page, param="followups_page")


def recent_reviews(*, page: int = 1, per_page: int | None = None) -> Page[Review]:
    """Every review for staff, newest first, one page with the total."""
    return paginate(select(Review).order_by(*NEWEST_FIRST), page=page, per_page=per_page)


def recompute_all_ratings() -> int:
    """Recompute the rating of every reviewed provider (time decay moves them even without new reviews).
    Returns how many changed; only those are written, so the index is only told about real changes."""
    changed = 0
    for column, kind in ((Review.institution_id, "institution_id"), (Review.expert_id, "expert_id")):
        ids = db.session.exec(select(column).where(col(column).is_not(None)).distinct()).all()
        for provider_id in ids:
            record: Any = db.session.get_one(Institution if kind == "institution_id" else Expert, provider_id)
            before = (record.rating_value, record.rating_count)
            if recompute_rating(**{kind: provider_id}) != before:
                changed += 1
    return changed
