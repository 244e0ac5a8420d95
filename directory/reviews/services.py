"""Verified reviews (服务评价): the enterprise writes one review of a completed engagement or a held event
meeting, and a follow-up review once a bad one was dealt with; the reads that the review panels and a
provider's page show.

The jobs around them live beside this module: :mod:`.rating` (the dynamic rating and its formula),
:mod:`.trust` (which reviews wait for staff: unverified authors, conflicts of interest) and
:mod:`.moderation` (the provider's response and reply, staff moderation, follow-up closing, approval).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from directory.accounts import permissions
from directory.accounts import services as accounts
from directory.audit import services as audit
from directory.core.errors import AlreadyExists, InvalidInput, NotAllowed, NotFound
from directory.core.paging import Page, paginate
from directory.engagements.models import Engagement
from directory.engagements.services import provider_users
from directory.experts.models import Expert
from directory.extensions import db
from directory.institutions.models import Institution
from directory.notifications import services as notifications
from directory.reviews.models import BAD_VERDICTS, Approval, FollowUpStatus, Review, ReviewKind, Verdict
from directory.reviews.rating import (
    DIMENSIONS,
    NEWEST_FIRST,
    counted,
    provider_reviews,
    recompute_rating,
    review_score,
)
from directory.reviews.trust import hold_if_untrusted, tell_staff_if_held

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
    review = _insert(hold_if_untrusted(Review(
        engagement_id=engagement.id, kind=ReviewKind.INITIAL, enterprise_id=engagement.enterprise_id,
        institution_id=engagement.institution_id, expert_id=engagement.expert_id,
        quality=data.quality, efficiency=data.efficiency, expertise=data.expertise, attitude=data.attitude,
        price=data.price, verdict=data.verdict, comment=data.comment.strip(), recommend=data.recommend,
        followup_status=FollowUpStatus.OPEN if bad else FollowUpStatus.NONE), user))
    audit.record(actor_id=user.id, action="review.submit", entity_type="review", entity_id=review.id,
                 changes={"engagement_id": engagement.id, "verdict": data.verdict, "approval": review.approval})
    tell_staff_if_held(review)
    recompute_rating(institution_id=engagement.institution_id, expert_id=engagement.expert_id)
    link = f"/engagements/{engagement.id}"
    if bad:
        notifications.notify(users=provider_users(engagement), kind="review.bad",
                             title=_("A client was dissatisfied: please respond to the follow-up"), link=link)
        notifications.notify(users=accounts.staff_users(), kind="review.bad",
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
    review = _insert_unique(hold_if_untrusted(Review(
        meeting_id=meeting.id, kind=ReviewKind.INITIAL, enterprise_id=enterprise_id, institution_id=institution_id,
        expert_id=expert_id, quality=data.quality, efficiency=data.efficiency, expertise=data.expertise,
        attitude=data.attitude, price=data.price, verdict=data.verdict, comment=data.comment.strip(),
        recommend=data.recommend, followup_status=FollowUpStatus.OPEN if bad else FollowUpStatus.NONE), user),
        _l("This meeting has already been reviewed."))
    audit.record(actor_id=user.id, action="review.submit", entity_type="review", entity_id=review.id,
                 changes={"meeting_id": meeting.id, "verdict": data.verdict, "approval": review.approval})
    tell_staff_if_held(review)
    recompute_rating(institution_id=institution_id, expert_id=expert_id)
    from directory.accounts.models import User

    provider_key = col(User.institution_id) == institution_id if institution_id else col(User.expert_id) == expert_id
    providers = list(db.session.exec(select(User).where(provider_key, User.active)).all())
    link = f"/reviews/{review.id}"
    if bad:
        notifications.notify(users=providers, kind="review.bad",
                             title=_("A client was dissatisfied: please respond to the follow-up"), link=link)
        notifications.notify(users=accounts.staff_users(), kind="review.bad",
                             title=_("A bad review needs follow-up"), link="/admin/reviews")
    else:
        notifications.notify(users=providers, kind="review.new", title=_("You received a new review"), link=link)
    return review  # type: ignore[no-any-return]


def submit_followup_review(*, user: Any, review: Review, data: ReviewInput) -> Review:
    """After a bad review was responded to, the enterprise may review once more; it replaces the first in
    the rating. Raises :class:`NotAllowed` / :class:`InvalidInput` / :class:`AlreadyExists`."""
    if not (permissions.is_enterprise_user(user) and user.enterprise_id == review.enterprise_id) \
            or review.kind != ReviewKind.INITIAL:
        raise NotAllowed()
    if review.followup_status not in (FollowUpStatus.RESPONDED, FollowUpStatus.CLOSED):
        raise InvalidInput(_l("A follow-up review is possible once the provider has responded."), field="review")
    _validate(data)
    followup = _insert(hold_if_untrusted(Review(
        engagement_id=review.engagement_id, meeting_id=review.meeting_id, kind=ReviewKind.FOLLOWUP, enterprise_id=review.enterprise_id,
        institution_id=review.institution_id, expert_id=review.expert_id, quality=data.quality,
        efficiency=data.efficiency, expertise=data.expertise, attitude=data.attitude, price=data.price,
        verdict=data.verdict, comment=data.comment.strip(), recommend=data.recommend), user))
    audit.record(actor_id=user.id, action="review.followup", entity_type="review", entity_id=followup.id,
                 changes={"replaces": review.id, "verdict": data.verdict, "approval": followup.approval})
    tell_staff_if_held(followup)
    recompute_rating(institution_id=review.institution_id, expert_id=review.expert_id)
    return followup


def thanks(review: Review) -> str:
    """What the enterprise is told after writing a review: published, or waiting for staff."""
    if review.approval == Approval.PENDING:
        return _("Thank you: your review was received. It waits for the platform's staff to check it and "
                 "counts in the rating once approved.")
    return _("Thank you: your review is published.")


def get_review(review_id: int) -> Review:
    """The review with this id. Raises :class:`NotFound`."""
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
    return permissions.is_enterprise_user(user) and user.enterprise_id == review.enterprise_id


def engagement_reviews(engagement: Engagement) -> list[Review]:
    """An engagement's review and follow-up review, first written first."""
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
    """The rating panel of a provider's page, over the reviews the rating counts."""
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


def recent_reviews(*, page: int = 1, per_page: int | None = None) -> Page[Review]:
    """Every review for staff, newest first, one page with the total."""
    return paginate(select(Review).order_by(*NEWEST_FIRST), page=page, per_page=per_page)


@dataclass
class PartyNames:
    """The names of the enterprises and providers some reviews are about (staff lists show names, not ids)."""

    enterprises: dict[int, str]
    institutions: dict[int, str]
    experts: dict[int, str]

    def provider(self, review: Review) -> str:
        if review.institution_id:
            return self.institutions.get(review.institution_id, "")
        return self.experts.get(review.expert_id or 0, "")


def party_names(*pages: Any) -> PartyNames:
    """One query per kind for the reviews of the given pages (or lists)."""
    from directory.enterprises.models import Enterprise

    reviews = [r for p in pages for r in p]

    def names(model: Any, ids: set[int]) -> dict[int, str]:
        if not ids:
            return {}
        return {row.id: row.name for row in db.session.exec(select(model).where(col(model.id).in_(ids))).all()}

    return PartyNames(enterprises=names(Enterprise, {r.enterprise_id for r in reviews}),
                      institutions=names(Institution, {r.institution_id for r in reviews if r.institution_id}),
                      experts=names(Expert, {r.expert_id for r in reviews if r.expert_id}))


def reviewed_services(reviews: Any) -> dict[int, str]:
    """What each review was for, in words: the service product (or the need) of its engagement, or the event
    of its meeting; the public pages show it beside the review."""
    from directory.events.models import Event, Meeting

    items = list(reviews)
    out: dict[int, str] = {}
    engagement_ids = {r.engagement_id for r in items if r.engagement_id}
    engagements = {e.id: e for e in db.session.exec(
        select(Engagement).where(col(Engagement.id).in_(engagement_ids))).all()} if engagement_ids else {}
    meeting_ids = {r.meeting_id for r in items if r.meeting_id}
    events = {m.id: ev.title for m, ev in db.session.exec(
        select(Meeting, Event).join(Event, col(Event.id) == Meeting.event_id)
        .where(col(Meeting.id).in_(meeting_ids))).all()} if meeting_ids else {}
    for r in items:
        if r.engagement_id and r.engagement_id in engagements:
            e = engagements[r.engagement_id]
            out[r.id] = e.offering.title if e.offering else \
                _("Need: %(title)s", title=e.demand.title) if e.demand else _("Service request")
        elif r.meeting_id and r.meeting_id in events:
            out[r.id] = _("Meeting at %(event)s", event=events[r.meeting_id])
    return out
