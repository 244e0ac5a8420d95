"""The monitoring dashboard (运行监测): institutions by category and grade, SMEs served, needs, engagements and
response times, the satisfaction trend, event outcomes and stale records, for a year or a quarter and optionally
one district. The period and region filters are in :mod:`.periods`, the Excel export in :mod:`.export`.

Every figure is a set-based aggregate computed by the database (COUNT / conditional SUM / AVG / GROUP BY, and a
median query); nothing here loops over rows in Python, so the page stays fast at 10^5 institutions and 10^6
engagements. The same SQL runs on SQLite and PostgreSQL: the two places where the dialects differ (seconds
between two timestamps, the weekday of a timestamp, the median) are isolated in small helpers below.

Region filter: institutions by the district they sit in; SMEs served, engagements, reviews and event meetings
by the enterprise's district; needs by the need's own region, else its enterprise's (as recommendations do).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Float, Integer, and_, case, cast, extract, func, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from directory.core.time import utcnow
from directory.demands.models import Demand, DemandStatus
from directory.engagements.models import Engagement, EngagementStatus
from directory.enterprises.models import Enterprise
from directory.events.models import (
    Event,
    EventParticipant,
    EventStatus,
    Meeting,
    MeetingFeedback,
    MeetingOutcome,
    MeetingRequest,
    MeetingStatus,
    ParticipantStatus,
)
from directory.extensions import db
from directory.institutions.models import Institution, RecordStatus
from directory.institutions.services import published_by_top_category
from directory.monitoring.models import MonitoringDaily, MonitoringDuration, MonitoringServedCount
from directory.monitoring.periods import Period, district, local_zone, parse_period
from directory.reviews.models import Review as ReviewModel
from directory.reviews.models import Verdict
from directory.taxonomy.models import Category, Region

DAY = 86400
STALE_AFTER = timedelta(days=365)
STALE_LIST_LIMIT = 20
GRADES = ("A", "B", "C", "D", "")  # "" = not rated yet (未评)
SERVED = (EngagementStatus.ACCEPTED, EngagementStatus.IN_PROGRESS, EngagementStatus.COMPLETED)
GOOD = (Verdict.VERY_SATISFIED, Verdict.SATISFIED)  # 好评
BAD = (Verdict.DISSATISFIED, Verdict.VERY_DISSATISFIED)  # 差评
EVENTS_HELD = (EventStatus.RUNNING, EventStatus.COMPLETED)


@dataclass
class Durations:
    """How long something took, in seconds: how many have a time, their mean and median."""

    count: int = 0
    mean: float | None = None
    median: float | None = None


@dataclass
class InstitutionFigures:
    total: int = 0
    by_category: list[tuple[int, str, int]] = field(default_factory=list)  # (top category id, label, count)
    by_grade: dict[str, int] = field(default_factory=dict)  # "A" … "D", "" = not rated
    with_badge: int = 0
    stale: int = 0
    stale_oldest: list[tuple[int, str, datetime | None]] = field(default_factory=list)  # (id, name, confirmed_at)


@dataclass
class DemandFigures:
    posted: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    answer_time: Durations = field(default_factory=Durations)


@dataclass
class EngagementFigures:
    total: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    response_time: Durations = field(default_factory=Durations)
    within_two_working_days: int = 0

    @property
    def share_within_two_working_days(self) -> float | None:
        """Of the answered requests, the share answered within two working days."""
        return self.within_two_working_days / self.response_time.count if self.response_time.count else None


@dataclass
class SatisfactionMonth:
    label: str
    reviews: int = 0
    good: int = 0  # 好评: very satisfied + satisfied
    bad: int = 0  # 差评: dissatisfied + very dissatisfied

    @property
    def good_share(self) -> float | None:
        return self.good / self.reviews if self.reviews else None

    @property
    def bad_share(self) -> float | None:
        return self.bad / self.reviews if self.reviews else None


@dataclass
class EventFigures:
    events_held: int = 0
    meetings_held: int = 0
    no_shows: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)  # signed / intent / none, one per meeting (the best)
    amount_signed: float = 0.0
    amount_intended: float = 0.0

    @property
    def no_show_rate(self) -> float | None:
        settled = self.meetings_held + self.no_shows
        return self.no_shows / settled if settled else None


@dataclass
class DistrictFigures:
    """One district's share of the dashboard: what the dashboard shows when filtered by that district."""

    region_id: int
    label: str
    institutions: int = 0  # admitted institutions sitting in the district (today)
    engagements: int = 0  # engagements requested in the period by enterprises of the district


@dataclass
class Dashboard:
    period: Period
    region_id: int | None
    region_label: str | None
    institutions: InstitutionFigures
    smes_served: int
    demands: DemandFigures
    engagements: EngagementFigures
    satisfaction: list[SatisfactionMonth]
    events: EventFigures
    generated_at: datetime
    by_district: list[DistrictFigures] = field(default_factory=list)

    def bar(self, value: int | float | None, of: int | float | None) -> int:
        """Width in percent for the dashboard's bars."""
        return round(100 * (value or 0) / of) if of else 0

    @property
    def reviews_total(self) -> int:
        return sum(m.reviews for m in self.satisfaction)


# -- dialect helpers ------------------------------------------------------------------------------------

def _postgres() -> bool:
    return bool(db.session.get_bind().dialect.name == "postgresql")


def _seconds_between(later: Any, earlier: Any) -> ColumnElement[Any]:
    """``later - earlier`` in seconds (NULL when either is NULL)."""
    if _postgres():
        return cast(extract("epoch", later - earlier), Float)
    # SQLite stores UTC timestamps as ISO text; julianday() reads them (with microseconds).
    return (func.julianday(later) - func.julianday(earlier)) * float(DAY)


def _weekday(column: Any) -> ColumnElement[Any]:
    """0 = Sunday … 6 = Saturday, of the timestamp in UTC (as ``add_working_days`` counts)."""
    if _postgres():
        return cast(extract("dow", func.timezone("UTC", column)), Integer)
    return cast(func.strftime("%w", column), Integer)


def _median(value: ColumnElement[Any], *, table: Any, where: list[Any], count: int) -> float | None:
    """The median of ``value`` over the rows of ``table`` matching ``where`` (NULLs ignored); ``count`` is how many
    non-NULL values there are (the caller has just counted them in its aggregate query).

    PostgreSQL computes it with ``percentile_cont(0.5)``; SQLite, which lacks it, sorts and reads the middle
    value (the mean of the two middle values for an even count) with LIMIT/OFFSET — the same definition.
    """
    if count <= 0:
        return None
    if _postgres():
        result = db.session.execute(select(func.percentile_cont(0.5).within_group(value)).select_from(table)
                                    .where(*where, value.is_not(None))).scalar()
        return float(result) if result is not None else None
    middle = db.session.execute(select(value).select_from(table).where(*where, value.is_not(None))
                                .order_by(value).offset((count - 1) // 2).limit(1 if count % 2 else 2)).scalars().all()
    return sum(float(v) for v in middle) / len(middle) if middle else None


def _count_if(condition: Any) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _enterprises_in(region_id: int) -> Any:
    return select(col(Enterprise.id)).where(col(Enterprise.region_id) == region_id)


# -- the daily summary (directory/monitoring/models.py) ------------------------------------------------------

SUMMARY_ZONE = "Asia/Shanghai"  # the zone of the summary's days (the triggers of migration 0023)


def _summary_usable() -> bool:
    """The summary's days are Shanghai days; were the platform's zone ever another, its periods would not be
    whole ranges of them, and the raw queries answer instead."""
    return local_zone().key == SUMMARY_ZONE


def _local_day(instant: datetime) -> date:
    return instant.astimezone(local_zone()).date()


SummaryRows = dict[tuple[str, str], tuple[int, int, float, int]]
SUMMARY_KINDS = ("engagement", "demand", "engagement_h", "demand_h")


def _summary_rows(*, period: Period, region_id: int | None) -> SummaryRows:
    """Per (kind, status), the period's (n, answered, seconds, within) from the summary, for the engagements,
    the needs and the two duration histograms in one read: a few hundred rows per district and year, read
    through the primary key (kind, day, …). :func:`dashboard` reads it once for every section."""
    s = MonitoringDaily
    where: list[Any] = [col(s.kind).in_(SUMMARY_KINDS), col(s.day) >= period.first_day, col(s.day) < period.end_day]
    if region_id is not None:
        where.append(col(s.region_id) == region_id)
    rows = db.session.execute(select(col(s.kind), col(s.status), func.sum(col(s.n)), func.sum(col(s.answered)),
                                     func.sum(col(s.seconds)), func.sum(col(s.within)))
                              .where(*where).group_by(col(s.kind), col(s.status))).all()
    return {(str(kind), str(status)): (int(n or 0), int(answered or 0), float(seconds or 0.0), int(within or 0))
            for kind, status, n, answered, seconds, within in rows}


def _summary_counts(kind: str, rows: SummaryRows) -> dict[str, tuple[int, int, float, int]]:
    return {status: value for (k, status), value in rows.items() if k == kind}


def _summary_median(kind: str, *, period: Period, region_id: int | None, count: int, rows: SummaryRows,
                    raw: Callable[[], float | None]) -> float | None:
    """The median of the period's durations of ``kind`` (engagement / demand), the raw :func:`_median`'s value
    without sorting them: the per-month histogram of hour buckets gives the bucket holding each middle rank and
    the rank within it; the bucket's rows come sorted from ix_monitoring_duration_bucket (a few thousand at
    most, read up to the rank). ``count`` is how many there are (the summary's ``answered``); ``raw`` computes
    it from the raw rows, should the histogram not hold them all."""
    if count <= 0:
        return None
    m = MonitoringDuration
    histogram = sorted((int(bucket), n) for bucket, (n, _a, _s, _w) in _summary_counts(f"{kind}_h", rows).items())
    if sum(n for _b, n in histogram) != count:  # cannot happen while the triggers run; the raw figure then
        return raw()

    def values(rank: int, many: int) -> list[float]:
        """The ``many`` (1 or 2) values from ``rank`` on, in one read when they share a bucket."""
        below = 0
        for bucket, n in histogram:
            if rank < below + n:
                scope: list[Any] = [col(m.kind) == kind, col(m.bucket) == bucket, col(m.day) >= period.first_day,
                                    col(m.day) < period.end_day]
                if region_id is not None:
                    scope.append(col(m.region_id) == region_id)
                found = [float(v) for v in db.session.execute(
                    select(col(m.seconds)).where(*scope).order_by(col(m.seconds))
                    .offset(rank - below).limit(min(many, below + n - rank))).scalars()]
                return found if len(found) == many else found + values(rank + len(found), many - len(found))
            below += n
        raise AssertionError("rank beyond the histogram")

    if count % 2:
        return values((count - 1) // 2, 1)[0]
    low, high = values(count // 2 - 1, 2)
    # As each raw query computes it: PostgreSQL's percentile_cont interpolates, SQLite's path averages.
    return low + (high - low) * 0.5 if _postgres() else (low + high) / 2


def served_count(*, period: Period, region_id: int | None) -> int:
    """The SMEs served in the period (optionally one district) from monitoring_served (migration 0025): its
    rows for the period's code (and district) are one per enterprise, so the distinct count is their count,
    which monitoring_served_count keeps per period and district (a sum of at most one row per district)."""
    s = MonitoringServedCount
    where: list[Any] = [col(s.period) == period.code]
    if region_id is not None:
        where.append(col(s.region_id) == region_id)
    return int(db.session.execute(select(func.coalesce(func.sum(col(s.n)), 0)).where(*where)).scalar_one())


# -- the sections ---------------------------------------------------------------------------------------

def institution_figures(*, region_id: int | None, now: datetime | None = None,
                        summary: bool = True) -> InstitutionFigures:
    """Admitted institutions (today, not per period): total, by top-level category (the home page's
    definition, :func:`published_by_top_category`), by grade, with a badge, and
    stale records — not confirmed for 365 days or never confirmed — with the oldest few listed."""
    inst = Institution
    scope: list[Any] = [col(inst.status) == RecordStatus.ADMITTED]
    if region_id is not None:
        scope.append(col(inst.region_id) == region_id)
    cutoff = (now or utcnow()) - STALE_AFTER
    confirmed = col(inst.confirmed_at)
    # The total, the badges and the grades in one pass in grade order (ix_institution_grade, or for one
    # district ix_institution_monitoring); the stale ones as two range counts of ix_institution_stale (an OR
    # of the two would scan every admitted institution).
    by_grade = dict.fromkeys(GRADES, 0)
    total = with_badge = 0
    for grade, n, badged in db.session.execute(
            select(col(inst.grade), func.count(), _count_if(and_(col(inst.badge).is_not(None), col(inst.badge) != "")))
            .where(*scope).group_by(col(inst.grade))).all():
        by_grade[grade if grade in GRADES else ""] += int(n)
        total, with_badge = total + int(n), with_badge + int(badged)
    n_stale = int(db.session.execute(select(
        select(func.count()).select_from(inst).where(*scope, confirmed.is_(None)).scalar_subquery()
        + select(func.count()).select_from(inst).where(*scope, confirmed < cutoff).scalar_subquery())).scalar_one())
    counts = published_by_top_category(region_id=region_id, summary=summary)
    tops = db.session.execute(select(Category).where(col(Category.parent_id).is_(None))
                              .order_by(col(Category.sort_order), col(Category.id))).scalars().all()
    # The oldest: never confirmed first (by id), then the longest unconfirmed. Two reads in the order of
    # ix_institution_stale (status, confirmed_at, id), each stopping at the limit, rather than one ORDER BY
    # confirmed_at NULLS FIRST, which PostgreSQL's ascending index (NULLs last) cannot give without a sort.
    columns = (col(inst.id), col(inst.name), confirmed)
    oldest = list(db.session.execute(select(*columns).where(*scope, confirmed.is_(None))
                                     .order_by(col(inst.id)).limit(STALE_LIST_LIMIT)).all())
    if len(oldest) < STALE_LIST_LIMIT:
        oldest += db.session.execute(select(*columns).where(*scope, confirmed < cutoff).order_by(confirmed, col(inst.id))
                                     .limit(STALE_LIST_LIMIT - len(oldest))).all()
    return InstitutionFigures(
        total=total, with_badge=with_badge, stale=n_stale, by_grade=by_grade,
        by_category=[(c.id, c.label, int(counts.get(c.id, 0))) for c in tops if c.id is not None],
        stale_oldest=[(int(i or 0), str(name), confirmed) for i, name, confirmed in oldest])


def engagement_figures(*, period: Period, region_id: int | None, summary: bool = True,
                       rows: SummaryRows | None = None) -> tuple[EngagementFigures, int]:
    """Engagements requested in the period, by status; response times (responded_at − requested_at) and the
    share answered within two working days; and the SMEs served: distinct enterprises with an engagement
    accepted, in progress or completed that was requested in the period.

    With ``summary`` (and the platform in Asia/Shanghai) the counts, the mean and the two-working-day share are
    read from the daily summary (``rows``: :func:`_summary_rows`, read here when not given), the median from its
    histogram; the SMEs served (a distinct count does not add up over days) from :func:`served_count`."""
    e = Engagement
    requested = col(e.requested_at)
    scope: list[Any] = [requested >= period.start, requested < period.end]
    if region_id is not None:
        scope.append(col(e.enterprise_id).in_(_enterprises_in(region_id)))
    response = _seconds_between(col(e.responded_at), requested)
    weekday = _weekday(requested)
    # add_working_days(requested_at, 2): Thursday and Friday requests have the weekend in between, Saturday's
    # one Sunday; Sunday's and Monday–Wednesday's two plain days.
    allowance = case((weekday.in_((4, 5)), 4 * DAY), (weekday == 6, 3 * DAY), else_=2 * DAY)
    statuses = list(EngagementStatus)
    served_smes = func.count(case((col(e.status).in_(SERVED), col(e.enterprise_id))).distinct())
    # One pass over the period's engagements. PostgreSQL cannot run a DISTINCT aggregate with parallel workers,
    # so there the SMEs are counted in a query of their own and the big aggregate runs in parallel; SQLite has
    # no parallel scans and is faster with everything in one pass.
    if summary and _summary_usable():
        rows = rows if rows is not None else _summary_rows(period=period, region_id=region_id)
        counts = _summary_counts("engagement", rows)
        per_status = [counts.get(s.value, (0, 0, 0.0, 0))[0] for s in statuses]
        responded = sum(c[1] for c in counts.values())
        seconds = sum(c[2] for c in counts.values())
        return EngagementFigures(
            total=sum(per_status), by_status={s.value: n for s, n in zip(statuses, per_status, strict=True)},
            response_time=Durations(count=responded, mean=seconds / responded if responded else None,
                                    median=_summary_median(
                                        "engagement", period=period, region_id=region_id, count=responded, rows=rows,
                                        raw=lambda: _median(response, table=e, where=scope, count=responded))),
            within_two_working_days=sum(c[3] for c in counts.values())), served_count(period=period,
                                                                                       region_id=region_id)
    apart = _postgres()
    row = db.session.execute(select(
        func.count(),
        *(_count_if(col(e.status) == s) for s in statuses),
        func.count(col(e.responded_at)),
        func.avg(response),
        _count_if(and_(col(e.responded_at).is_not(None), response < allowance)),
        *(() if apart else (served_smes,)),
    ).select_from(e).where(*scope)).one()
    total, *per_status = row[:1 + len(statuses)]
    responded, mean, within = row[1 + len(statuses):4 + len(statuses)]
    served = db.session.execute(select(func.count(col(e.enterprise_id).distinct())).where(
        *scope, col(e.status).in_(SERVED))).scalar_one() if apart else row[-1]
    figures = EngagementFigures(
        total=int(total), by_status={s.value: int(n) for s, n in zip(statuses, per_status, strict=True)},
        response_time=Durations(count=int(responded), mean=float(mean) if mean is not None else None,
                                median=_median(response, table=e, where=scope, count=int(responded))),
        within_two_working_days=int(within))
    return figures, int(served)


def demand_figures(*, period: Period, region_id: int | None, summary: bool = True,
                   rows: SummaryRows | None = None) -> DemandFigures:
    """Needs posted in the period by status, and the time to first answer (answered_at − created_at); with
    ``summary`` all but the median from the daily summary."""
    d = Demand
    created = col(d.created_at)
    scope: list[Any] = [created >= period.start, created < period.end]
    if region_id is not None:
        scope.append(or_(col(d.region_id) == region_id,
                         and_(col(d.region_id).is_(None), col(d.enterprise_id).in_(_enterprises_in(region_id)))))
    answer = _seconds_between(col(d.answered_at), created)
    statuses = list(DemandStatus)
    if summary and _summary_usable():
        rows = rows if rows is not None else _summary_rows(period=period, region_id=region_id)
        counts = _summary_counts("demand", rows)
        per_status = [counts.get(s.value, (0, 0, 0.0, 0))[0] for s in statuses]
        answered = sum(c[1] for c in counts.values())
        seconds = sum(c[2] for c in counts.values())
        return DemandFigures(
            posted=sum(per_status), by_status={s.value: n for s, n in zip(statuses, per_status, strict=True)},
            answer_time=Durations(count=answered, mean=seconds / answered if answered else None,
                                  median=_summary_median(
                                      "demand", period=period, region_id=region_id, count=answered, rows=rows,
                                      raw=lambda: _median(answer, table=d, where=scope, count=answered))))
    row = db.session.execute(select(
        func.count(), *(_count_if(col(d.status) == s) for s in statuses), func.count(col(d.answered_at)),
        func.avg(answer)).select_from(d).where(*scope)).one()
    total, *per_status = row[:1 + len(statuses)]
    answered, mean = row[1 + len(statuses):]
    return DemandFigures(
        posted=int(total), by_status={s.value: int(n) for s, n in zip(statuses, per_status, strict=True)},
        answer_time=Durations(count=int(answered), mean=float(mean) if mean is not None else None,
                              median=_median(answer, table=d, where=scope, count=int(answered))))


def satisfaction_trend(*, period: Period, region_id: int | None, summary: bool = True) -> list[SatisfactionMonth]:
    """Per month of the period: valid reviews (not marked invalid), and how many were 好评 and 差评 (with
    ``summary`` from the daily summary: the months are whole ranges of its days)."""
    if summary and _summary_usable():
        s = MonitoringDaily
        day = col(s.day)
        where: list[Any] = [col(s.kind) == "review", day >= period.first_day, day < period.end_day]
        if region_id is not None:
            where.append(col(s.region_id) == region_id)
        month_of = case(*((day < _local_day(m.end), i) for i, m in enumerate(period.months)),
                        else_=len(period.months))
        found: dict[int, list[int]] = {}
        for m, status, n in db.session.execute(select(month_of, col(s.status), func.sum(col(s.n)))
                                               .where(*where).group_by(month_of, col(s.status))).all():
            cell = found.setdefault(int(m), [0, 0, 0])
            cell[0] += int(n)
            cell[1] += int(n) if status == "good" else 0
            cell[2] += int(n) if status == "bad" else 0
        return [SatisfactionMonth(m.label, *found.get(i, (0, 0, 0))) for i, m in enumerate(period.months)]
    r = ReviewModel
    created = col(r.created_at)
    scope: list[Any] = [col(r.invalid).is_(False), r.approval == "approved", created >= period.start, created < period.end]
    if region_id is not None:
        scope.append(col(r.enterprise_id).in_(_enterprises_in(region_id)))
    # The month number from the month bounds (in the platform's time zone), so no date functions are needed.
    month = case(*((created < m.end, i) for i, m in enumerate(period.months)), else_=len(period.months))
    rows = select(month.label("month"), case((col(r.verdict).in_(GOOD), 1), else_=0).label("good"),
                  case((col(r.verdict).in_(BAD), 1), else_=0).label("bad")).where(*scope).subquery()
    counts = {int(m): (int(n), int(good), int(bad)) for m, n, good, bad in db.session.execute(
        select(rows.c.month, func.count(), func.sum(rows.c.good), func.sum(rows.c.bad))
        .group_by(rows.c.month)).all()}
    return [SatisfactionMonth(m.label, *counts.get(i, (0, 0, 0))) for i, m in enumerate(period.months)]


def event_figures(*, period: Period, region_id: int | None) -> EventFigures:
    """Events held in the period (running or completed, starting in it), their meetings held and no-shows, and
    the outcomes of held meetings: per meeting the best either side reported in its latest answer (the
    three-month follow-up where given; 签约 beats 达成意向 beats 无进展) with its amount (the larger figure when
    both sides give one), as :func:`directory.events.report.build` counts them. With a region: events with a registered
    enterprise of the region, and the meetings of such enterprises."""
    in_period = [col(Event.starts_on) >= period.first_day, col(Event.starts_on) < period.end_day,
                 col(Event.status).in_(EVENTS_HELD)]
    event_scope = list(in_period)
    meeting_scope: list[Any] = [col(Meeting.event_id).in_(select(col(Event.id)).where(*in_period))]
    if region_id is not None:
        participants = select(col(EventParticipant.id)).where(
            col(EventParticipant.enterprise_id).in_(_enterprises_in(region_id)))
        event_scope.append(col(Event.id).in_(select(col(EventParticipant.event_id)).where(
            col(EventParticipant.enterprise_id).in_(_enterprises_in(region_id)),
            col(EventParticipant.status) == ParticipantStatus.REGISTERED)))
        meeting_scope.append(col(Meeting.request_id).in_(select(col(MeetingRequest.id)).where(or_(
            col(MeetingRequest.requester_id).in_(participants), col(MeetingRequest.recipient_id).in_(participants)))))
    events_held = db.session.execute(select(func.count()).select_from(Event).where(*event_scope)).scalar_one()
    held, no_shows = db.session.execute(select(
        _count_if(col(Meeting.status) == MeetingStatus.HELD), _count_if(col(Meeting.status) == MeetingStatus.NO_SHOW))
        .select_from(Meeting).where(*meeting_scope)).one()
    fb = MeetingFeedback
    later = aliased(MeetingFeedback)
    outcome = col(fb.outcome)
    # each side's latest answer: the three-month follow-up where given (the first answer stays stored)
    superseded = select(col(later.id)).where(col(later.meeting_id) == col(fb.meeting_id),
                                              col(later.participant_id) == col(fb.participant_id),
                                              col(later.kind) == "followup", col(fb.kind) != "followup")
    best = select(
        col(fb.meeting_id),
        func.max(case((outcome == MeetingOutcome.SIGNED, 2), (outcome == MeetingOutcome.INTENT, 1), else_=0))
        .label("best"),
        func.max(case((outcome == MeetingOutcome.SIGNED, col(fb.amount)))).label("signed"),
        func.max(case((outcome == MeetingOutcome.INTENT, col(fb.amount)))).label("intent"),
    ).where(~superseded.exists(), col(fb.meeting_id).in_(
        select(col(Meeting.id)).where(*meeting_scope, col(Meeting.status) == MeetingStatus.HELD))
    ).group_by(col(fb.meeting_id)).subquery()
    signed, intent, none, amount_signed, amount_intended = db.session.execute(select(
        _count_if(best.c.best == 2), _count_if(best.c.best == 1), _count_if(best.c.best == 0),
        func.coalesce(func.sum(case((best.c.best == 2, best.c.signed))), 0),
        func.coalesce(func.sum(case((best.c.best == 1, best.c.intent))), 0))).one()
    return EventFigures(
        events_held=int(events_held), meetings_held=int(held), no_shows=int(no_shows),
        outcomes={MeetingOutcome.SIGNED.value: int(signed), MeetingOutcome.INTENT.value: int(intent),
                  MeetingOutcome.NONE.value: int(none)},
        amount_signed=float(amount_signed), amount_intended=float(amount_intended))


def district_figures(*, period: Period, summary: bool = True) -> list[DistrictFigures]:
    """Per district, the admitted institutions and the engagements requested in the period, by the same
    definitions as :func:`institution_figures` and :func:`engagement_figures` filtered by that district (so
    each bar equals the dashboard's figure for its district): one query, a count per district in each of two
    correlated subqueries (the districts are a dozen; both counts use the region indexes)."""
    requested = col(Engagement.requested_at)
    if summary and _summary_usable():
        # Two GROUP BYs (one pass over the period's summary rows, one over the institution index) instead of a
        # dozen correlated counts, each of which would read the whole period's summary rows again.
        daily = MonitoringDaily
        counts: dict[int, int] = dict(db.session.execute(  # type: ignore[arg-type]
            select(col(daily.region_id), func.sum(col(daily.n)))
            .where(col(daily.kind) == "engagement", col(daily.day) >= period.first_day,
                   col(daily.day) < period.end_day).group_by(col(daily.region_id))).all())
        admitted = (select(func.count()).select_from(Institution)
                    .where(col(Institution.status) == RecordStatus.ADMITTED, col(Institution.region_id) == col(Region.id))
                    .correlate(Region).scalar_subquery())
        districts = db.session.execute(select(Region, admitted).where(col(Region.kind) == "district")
                                       .order_by(col(Region.sort_order), col(Region.id))).all()
        return [DistrictFigures(region_id=int(r.id or 0), label=r.label, institutions=int(n_inst),
                                engagements=int(counts.get(r.id or 0, 0) or 0)) for r, n_inst in districts]
    engagements = (select(func.count()).select_from(Engagement)
                   .join(Enterprise, col(Enterprise.id) == col(Engagement.enterprise_id))
                   .where(col(Enterprise.region_id) == col(Region.id), requested >= period.start,
                          requested < period.end)
                   .correlate(Region).scalar_subquery())
    institutions = (select(func.count()).select_from(Institution)
                    .where(col(Institution.status) == RecordStatus.ADMITTED, col(Institution.region_id) == col(Region.id))
                    .correlate(Region).scalar_subquery())
    rows = db.session.execute(select(Region, institutions, engagements).where(col(Region.kind) == "district")
                              .order_by(col(Region.sort_order), col(Region.id))).all()
    return [DistrictFigures(region_id=int(region.id or 0), label=region.label, institutions=int(n_inst),
                            engagements=int(n_eng)) for region, n_inst, n_eng in rows]


def dashboard(*, period: str | None, region_id: int | None, now: datetime | None = None,
              summary: bool = True) -> Dashboard:
    """The monitoring dashboard for ``period`` (``"2026"``, ``"2026Q3"``; the current year when empty) and
    optionally one district. ``summary=False`` computes every figure from the raw rows (the benchmark's and the
    tests' reference: the two must agree).

    Raises :class:`InvalidFilter` (400) for a period that is not a year or quarter, or an unknown region.
    """
    parsed = parse_period(period, now=now)
    region = district(region_id)
    rows = _summary_rows(period=parsed, region_id=region_id) if summary and _summary_usable() else None
    engagements, served = engagement_figures(period=parsed, region_id=region_id, summary=summary, rows=rows)
    return Dashboard(
        period=parsed, region_id=region_id, region_label=region.label if region else None,
        institutions=institution_figures(region_id=region_id, now=now, summary=summary), smes_served=served,
        demands=demand_figures(period=parsed, region_id=region_id, summary=summary, rows=rows),
        engagements=engagements,
        satisfaction=satisfaction_trend(period=parsed, region_id=region_id, summary=summary),
        events=event_figures(period=parsed, region_id=region_id), generated_at=now or utcnow(),
        by_district=district_figures(period=parsed, summary=summary))


# -- presentation helpers -------------------------------------------------------------------------------

def duration_label(seconds: float | None) -> str:
    """A duration for people: hours below two days, days above; an em dash when there is none."""
    if seconds is None:
        return "—"
    if seconds < 2 * DAY:
        return _("%(value).1f hours", value=seconds / 3600)
    return _("%(value).1f days", value=seconds / DAY)
