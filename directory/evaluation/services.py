"""Evaluation periods (考核评价), screening proposals and decisions (动态筛选), and what institutions, the
public and the API see of them. The computation itself is in :mod:`.compute`.

A period's results are public only once staff publish it. ``run`` computes the period's rows and proposes
screening actions, and changes nothing anyone outside the service center sees; ``publish`` makes the grades
and composites the institutions' public ones (detail page, API ``evaluation``, index and its ranking,
recommendations), applies the badge decisions of the period (commendation, withdrawal), shows the graded list
at ``/evaluation/PERIOD`` and the period in the institutions' own ``/my/evaluation``. Publishing freezes the
period: it cannot be re-weighted or re-run afterwards, so what the public saw stays what was decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from io import BytesIO
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func
from sqlmodel import col, select

from directory.accounts import permissions
from directory.accounts.models import User
from directory.audit import services as audit
from directory.core.errors import InvalidInput, NotAllowed, NotFound
from directory.core.paging import Page, paginate
from directory.core.time import utcnow
from directory.evaluation import compute
from directory.evaluation.models import (
    DIMENSIONS,
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
DIMENSION_LABELS = {"strength": _l("Overall strength"), "coverage": _l("Market coverage"),
                    "quality": _l("Service quality"), "efficiency": _l("Service efficiency"),
                    "satisfaction": _l("Enterprise satisfaction")}
KIND_LABELS = {ScreeningKind.COMMEND: _l("Commend as a model institution"), ScreeningKind.WARN: _l("Warn"),
               ScreeningKind.SUSPEND: _l("Suspend"), ScreeningKind.REMOVE: _l("Remove"),
               ScreeningKind.REINSTATE: _l("Reinstate"),
               ScreeningKind.WITHDRAW: _l("Withdraw the model institution badge")}
BADGE_KINDS = (ScreeningKind.COMMEND, ScreeningKind.WITHDRAW)
GRADE_LABELS = {"A": _l("Excellent"), "B": _l("Good"), "C": _l("Pass"), "D": _l("Fail")}


def latest_evaluation_json(institution_id: int) -> dict[str, Any] | None:
    """The newest published evaluation of an institution in the API's shape, or None if no period it was
    evaluated in has been published."""
    row = db.session.exec(
        select(Evaluation, EvaluationPeriod).join(EvaluationPeriod)
        .where(Evaluation.institution_id == institution_id, EvaluationPeriod.status == PeriodStatus.PUBLISHED)
        .order_by(col(EvaluationPeriod.ends_on).desc(), col(EvaluationPeriod.id).desc())
    ).first()
    if row is None:
        return None
    evaluation, period = row
    return {"period": period.code, "composite": evaluation.composite, "grade": evaluation.grade,
            "dimensions": {d: getattr(evaluation, d) for d in DIMENSIONS}}


# -- periods ---------------------------------------------------------------------------------------------

def _check_weights(weights: dict[str, float], thresholds: dict[str, float]) -> None:
    if set(weights) != set(DIMENSIONS) or any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
        raise InvalidInput(_l("Give a weight of 0 or more to each of the five dimensions."), field="weights")
    if not 0 <= thresholds.get("C", -1) <= thresholds.get("B", -1) <= thresholds.get("A", -1) <= 100:
        raise InvalidInput(_l("The grade thresholds must rise from C to A, between 0 and 100."), field="thresholds")


def open_period(*, code: str, user: Any = None, weights: dict[str, float] | None = None,
                thresholds: dict[str, float] | None = None) -> EvaluationPeriod:
    """Open (or re-weight, while not yet published) the period ``code`` (``2026`` or ``2026Q3``). Re-weighting a
    computed period discards its computation (``computed_at``): it must be run again before it can be published,
    so the published numbers always follow the weights shown with the period.

    Raises :class:`InvalidInput` for a bad code, weights or thresholds, :class:`NotAllowed` for non-staff."""
    if user is not None and not permissions.is_staff(user):
        raise NotAllowed()
    try:
        starts_on, ends_on = compute.period_bounds(code)
    except ValueError:
        raise InvalidInput(_l("A period is a year (2026) or a quarter (2026Q3)."), field="code") from None
    weights = {**compute.DEFAULT_WEIGHTS, **(weights or {})}
    thresholds = {**compute.DEFAULT_THRESHOLDS, **(thresholds or {})}
    _check_weights(weights, thresholds)
    code = code.strip().upper()
    period = db.session.exec(select(EvaluationPeriod).where(EvaluationPeriod.code == code)).first()
    if period is None:
        period = EvaluationPeriod(code=code, starts_on=starts_on, ends_on=ends_on)
    elif period.status == PeriodStatus.PUBLISHED:
        raise InvalidInput(_l("A published period cannot change."), field="code")
    elif (period.weights, period.thresholds) != (weights, thresholds):
        period.computed_at = None
    period.weights, period.thresholds = weights, thresholds
    db.session.add(period)
    db.session.flush()
    audit.record(actor_id=getattr(user, "id", None), action="evaluation.open", entity_type="evaluation_period",
                 entity_id=period.id, changes={"code": code, "weights": weights, "thresholds": thresholds})
    return period


def get_period(code: str) -> EvaluationPeriod:
    period = db.session.exec(select(EvaluationPeriod).where(EvaluationPeriod.code == code.strip().upper())).first()
    if period is None:
        raise NotFound()
    return period


def periods() -> list[EvaluationPeriod]:
    return list(db.session.exec(select(EvaluationPeriod).order_by(col(EvaluationPeriod.ends_on).desc())).all())


@dataclass
class RunReport:
    evaluated: int
    grades: dict[str, int]
    proposals: dict[str, int]


def run(*, code: str, user: Any = None, today: date | None = None) -> RunReport:
    """Compute every admitted institution's evaluation for the period and propose screening actions.
    Re-running replaces the period's evaluations and its unconfirmed proposals; confirmed decisions stay.
    Nothing public changes: the results stay with the service center until :func:`publish`. The inputs are
    read as they stood at the period's end and stored with each row (:mod:`.compute`), so re-running on the
    same records gives the same numbers.

    Raises :class:`InvalidInput` for a published period or one that has not started."""
    period = db.session.exec(select(EvaluationPeriod).where(EvaluationPeriod.code == code.strip().upper())).first()
    period = period or open_period(code=code, user=user)
    if period.status == PeriodStatus.PUBLISHED:
        raise InvalidInput(_l("A published period cannot change."), field="code")
    if period.starts_on > (today or utcnow().date()):
        raise InvalidInput(_l("This period has not started yet."), field="code")
    rows = compute.compute(period)
    compute.write(period, rows)
    period.computed_at = utcnow()
    db.session.add(period)
    db.session.flush()
    proposals = propose(period, rows)
    grades = {g: sum(1 for r in rows if r["grade"] == g) for g in "ABCD"}
    audit.record(actor_id=getattr(user, "id", None), action="evaluation.run", entity_type="evaluation_period",
                 entity_id=period.id, changes={"evaluated": len(rows), "grades": grades, "proposals": proposals})
    return RunReport(evaluated=len(rows), grades=grades, proposals=proposals)


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
        Review.created_at >= lo, Review.created_at < hi, col(Review.institution_id).is_not(None))).all())  # type: ignore[arg-type]


REASON_LABELS = {"grade_a": _l("Grade A in this period"), "grade_d": _l("Grade D in this period"),
                 "two_d": _l("Grade D in two consecutive periods"), "three_d": _l("Grade D in three consecutive periods"),
                 "serious_complaint": _l("A verified serious complaint (非常不满意, not found invalid), whether or not its follow-up was closed"),
                 "inactive": _l("No service activity in the period"),
                 "badge_grade": _l("A model institution graded C or D in this period")}


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


@dataclass
class PublishReport:
    evaluated: int
    institutions_updated: int
    badges: int


def publish(*, user: Any = None, period: EvaluationPeriod) -> PublishReport:
    """Publish a computed period: only then do its grades, scores, badges and ranking effects become public.
    The grades and composites become the institutions' public ones (unless a later period is published
    already), the period's confirmed commendations and withdrawals take effect and are told to the
    institutions, the graded list and the institutions' ``/my/evaluation`` show it, and the period is frozen.
    ``user`` None is the command line.

    Raises :class:`NotAllowed` for non-staff, :class:`InvalidInput` for a period not (or no longer) computed
    or already published."""
    if user is not None and not permissions.is_staff(user):
        raise NotAllowed()
    if period.status == PeriodStatus.PUBLISHED:
        raise InvalidInput(_l("This period is already published."), field="code")
    if period.computed_at is None:
        raise InvalidInput(_l("Run the evaluation first."), field="code")
    period.status = PeriodStatus.PUBLISHED
    period.published_at = utcnow()
    db.session.add(period)
    db.session.flush()
    updated = compute.apply_to_institutions(period)
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
    evaluated = db.session.exec(select(func.count()).select_from(Evaluation).where(
        Evaluation.period_id == period.id)).one()
    audit.record(actor_id=getattr(user, "id", None), action="evaluation.publish", entity_type="evaluation_period",
                 entity_id=period.id, changes={"evaluated": evaluated, "institutions_updated": updated,
                                               "badges": badges})
    return PublishReport(evaluated=evaluated, institutions_updated=updated, badges=badges)


# -- reading ---------------------------------------------------------------------------------------------

def results(period: EvaluationPeriod, *, grade: str | None = None, limit: int | None = None) -> list[tuple[Evaluation, Institution]]:
    query = select(Evaluation, Institution).join(Institution).where(Evaluation.period_id == period.id)
    if grade:
        query = query.where(Evaluation.grade == grade)
    query = query.order_by(col(Evaluation.composite).desc(), col(Evaluation.institution_id))
    if limit:
        query = query.limit(limit)
    return list(db.session.exec(query).all())


def results_page(period: EvaluationPeriod, *, grade: str | None = None, page: int = 1,
                 per_page: int | None = None) -> Page[tuple[Evaluation, Institution]]:
    """The staff page's results: best composite first, optionally one grade; one page with the total."""
    query = select(Evaluation, Institution).join(Institution).where(Evaluation.period_id == period.id)
    if grade:
        query = query.where(Evaluation.grade == grade)
    return paginate(query.order_by(col(Evaluation.composite).desc(), col(Evaluation.institution_id)), page=page,
                    per_page=per_page, scalars=False)


def proposals_page(period: EvaluationPeriod, *, page: int = 1,
                   per_page: int | None = None) -> Page[tuple[ScreeningAction, Institution]]:
    """Screening proposals waiting for a decision, by kind; one page with the total."""
    query = (select(ScreeningAction, Institution).join(Institution)
             .where(ScreeningAction.period_id == period.id, ScreeningAction.status == "proposed"))
    return paginate(query.order_by(col(ScreeningAction.kind), col(ScreeningAction.id)), page=page,
                    per_page=per_page, param="proposals_page", scalars=False)


def grade_counts(period: EvaluationPeriod) -> dict[str, int]:
    counts = dict(db.session.exec(select(Evaluation.grade, func.count()).where(Evaluation.period_id == period.id)
                                  .group_by(Evaluation.grade)).all())
    return {g: counts.get(g, 0) for g in "ABCD"}


def bad_review_ranking(period: EvaluationPeriod, *, minimum: int = 3, limit: int = 100) -> list[tuple[Institution, int, int, float]]:
    """The 差评率 ranking: institutions with at least ``minimum`` reviews in the period, the highest share of
    bad reviews first: ``(institution, reviews, bad, share)``. Read from the period's stored inputs in one
    query, so the staff page does not load every evaluation of a large directory."""
    e = Evaluation.__table__.c  # type: ignore[attr-defined]
    n, bad = e.inputs["reviews"].as_integer(), e.inputs["bad_reviews"].as_integer()
    share = bad * 1.0 / n
    rows = db.session.execute(
        select(e.institution_id, n, bad).where(e.period_id == period.id, n >= minimum)
        .order_by(share.desc(), n.desc(), e.institution_id).limit(limit)).all()
    institutions = {i.id: i for i in db.session.exec(select(Institution).where(
        col(Institution.id).in_([r[0] for r in rows]))).all()} if rows else {}
    return [(institutions[inst_id], count, bad_count, round(bad_count / count, 3))
            for inst_id, count, bad_count in rows]


def my_evaluations(institution_id: int, *, published_only: bool = True) -> list[tuple[Evaluation, EvaluationPeriod]]:
    """An institution's evaluations, oldest first (its trend): the published periods only, unless
    ``published_only`` is False (staff, who also see the periods still being decided)."""
    query = select(Evaluation, EvaluationPeriod).join(EvaluationPeriod).where(Evaluation.institution_id == institution_id)
    if published_only:
        query = query.where(EvaluationPeriod.status == PeriodStatus.PUBLISHED)
    return list(db.session.exec(query.order_by(col(EvaluationPeriod.ends_on), col(EvaluationPeriod.id))).all())


@dataclass
class Line:
    label: Any
    value: Any
    points: float  # contribution to the dimension's raw value, 0–100


def breakdown(evaluation: Evaluation) -> dict[str, list[Line]]:
    """Which inputs gave which points, per dimension (the weights of :mod:`.compute`, on a 0–100 scale)."""
    i = evaluation.inputs
    n_rev = i.get("reviews", 0)
    mean = (i.get("review_score_sum", 0) + 3.5 * 2) / (n_rev + 2)
    hours = i.get("mean_response_hours")
    return {
        "strength": [Line(_l("Years operating"), i.get("years"), 30 * compute._cap(i.get("years", 0), 20)),
                     Line(_l("Staff"), i.get("staff"), 25 * compute._log_cap(i.get("staff", 0), 200)),
                     Line(_l("Qualifications"), i.get("qualifications"), 25 * compute._cap(i.get("qualifications", 0), 5)),
                     Line(_l("Titles and honours"), i.get("honors"), 20 * compute._cap(i.get("honors", 0), 3))],
        "coverage": [Line(_l("SMEs served"), i.get("smes"), 40 * compute._log_cap(i.get("smes", 0), 50)),
                     Line(_l("Their industries"), i.get("industries"), 20 * compute._cap(i.get("industries", 0), 5)),
                     Line(_l("Their districts"), i.get("regions"), 20 * compute._cap(i.get("regions", 0), 5)),
                     Line(_l("Event meetings held"), i.get("meetings_held"), 20 * compute._cap(i.get("meetings_held", 0), 10))],
        "quality": [Line(_l("Average review score (damped)"), round(mean, 2), 70 * (mean - 1) / 4),
                    Line(_l("Bad reviews"), f"{i.get('bad_reviews', 0)} / {n_rev}",
                         30 * (1 - compute._damped(i.get("bad_reviews", 0), n_rev, 0.10, 2)))],
        "efficiency": [Line(_l("Mean first response (hours)"), hours if hours is not None else "—",
                            35 * (0.5 if hours is None else 1 / (1 + max(hours, 0) / 48))),
                       Line(_l("Requests accepted"), f"{i.get('accepted', 0)} / {i.get('responded', 0)}",
                            25 * compute._damped(i.get("accepted", 0), i.get("responded", 0), 0.8, 2)),
                       Line(_l("Completed on time"), f"{i.get('completed_on_time', 0)} / {i.get('completed_with_date', 0)}",
                            25 * compute._damped(i.get("completed_on_time", 0), i.get("completed_with_date", 0), 0.8, 2)),
                       Line(_l("Bad reviews closed within 15 days"),
                            f"{i.get('bad_closed_in_time', 0)} / {i.get('bad_followups', 0)}",
                            15 * compute._damped(i.get("bad_closed_in_time", 0), i.get("bad_followups", 0), 0.8, 1))],
        "satisfaction": [Line(_l("Satisfied reviews (lower bound)"), f"{i.get('good_reviews', 0)} / {n_rev}",
                              70 * compute.wilson_lower(i.get("good_reviews", 0), n_rev)),
                         Line(_l("Would recommend (lower bound)"),
                              f"{i.get('recommend_yes', 0)} / {i.get('recommend_answered', 0)}",
                              30 * compute.wilson_lower(i.get("recommend_yes", 0), i.get("recommend_answered", 0)))],
    }


HINTS = {
    "strength": _l("Keep your profile complete: founding year, staff, qualifications and titles all count."),
    "coverage": _l("Serve more enterprises, in more industries and districts; take part in matchmaking events."),
    "quality": _l("Ask every client for a review after completion, and resolve complaints quickly."),
    "efficiency": _l("Answer requests within a day, agree realistic completion dates and keep them."),
    "satisfaction": _l("Satisfaction needs evidence: more satisfied, reviewed clients raise the lower bound."),
}


def hints(evaluation: Evaluation) -> list[tuple[Any, Any]]:
    """The two weakest dimensions and what would raise them."""
    weakest = sorted(DIMENSIONS, key=lambda d: getattr(evaluation, d))[:2]
    return [(DIMENSION_LABELS[d], HINTS[d]) for d in weakest]


def graded_list_xlsx(period: EvaluationPeriod) -> bytes:
    """The period's graded list and the 差评率 ranking as an Excel workbook."""
    from openpyxl import Workbook

    from directory.core.spreadsheets import append_row

    wb = Workbook()
    sheet = wb.active
    sheet.title = _("Graded institutions")[:31]
    append_row(sheet, [_("Rank"), _("Institution name"), _("Unified social credit code"), _("Composite"), _("Grade"),
                  *(str(DIMENSION_LABELS[d]) for d in DIMENSIONS), _("Rank in category")])
    for n, (evaluation, inst) in enumerate(results(period), start=1):
        append_row(sheet, [n, inst.name, inst.credit_code, evaluation.composite, evaluation.grade,
                      *(getattr(evaluation, d) for d in DIMENSIONS), evaluation.rank_in_category])
    ranking = wb.create_sheet(_("Bad review rate")[:31])
    append_row(ranking, [_("Institution name"), _("Reviews"), _("Bad reviews"), _("Bad review rate")])
    for inst, n, bad, share in bad_review_ranking(period, limit=10_000):
        append_row(ranking, [inst.name, n, bad, share])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
