"""Evaluation periods (考核评价): opening, running and publishing them, and what the API shows of the result.
The computation itself is in :mod:`.compute`, screening proposals and decisions in :mod:`.screening`, what
staff, institutions and the public read in :mod:`.reports`.

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
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlmodel import col, select

from directory.accounts import permissions
from directory.audit import services as audit
from directory.core.errors import InvalidInput, NotAllowed, NotFound
from directory.core.time import utcnow
from directory.evaluation import compute, screening
from directory.evaluation.models import DIMENSIONS, Evaluation, EvaluationPeriod, PeriodStatus
from directory.extensions import db


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


def latest_published_code() -> str | None:
    """The code of the newest published period: the grade shown on a page comes from it."""
    return db.session.exec(select(EvaluationPeriod.code).where(EvaluationPeriod.status == PeriodStatus.PUBLISHED)
                           .order_by(col(EvaluationPeriod.ends_on).desc())).first()


@dataclass
class RunReport:
    evaluated: int
    grades: dict[str, int]
    proposals: dict[str, int]


def check_runnable(period: EvaluationPeriod, *, today: date | None = None) -> None:
    """Raise :class:`InvalidInput` unless :func:`run` may compute ``period`` (checked before a run is queued)."""
    if period.status == PeriodStatus.PUBLISHED:
        raise InvalidInput(_l("A published period cannot change."), field="code")
    if period.starts_on > (today or utcnow().date()):
        raise InvalidInput(_l("This period has not started yet."), field="code")


def run(*, code: str, user: Any = None, today: date | None = None) -> RunReport:
    """Compute every admitted institution's evaluation for the period and propose screening actions.
    Re-running replaces the period's evaluations and its unconfirmed proposals; confirmed decisions stay.
    Nothing public changes: the results stay with the service center until :func:`publish`. The inputs are
    read as they stood at the period's end and stored with each row (:mod:`.compute`), so re-running on the
    same records gives the same numbers.

    Raises :class:`InvalidInput` for a published period or one that has not started."""
    period = db.session.exec(select(EvaluationPeriod).where(EvaluationPeriod.code == code.strip().upper())).first()
    period = period or open_period(code=code, user=user)
    check_runnable(period, today=today)
    rows = compute.compute(period)
    compute.write(period, rows)
    period.computed_at = utcnow()
    db.session.add(period)
    db.session.flush()
    proposals = screening.propose(period, rows)
    grades = {g: sum(1 for r in rows if r["grade"] == g) for g in "ABCD"}
    audit.record(actor_id=getattr(user, "id", None), action="evaluation.run", entity_type="evaluation_period",
                 entity_id=period.id, changes={"evaluated": len(rows), "grades": grades, "proposals": proposals})
    return RunReport(evaluated=len(rows), grades=grades, proposals=proposals)


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
    badges = screening.apply_badge_decisions(period=period, user=user)
    evaluated = db.session.exec(select(func.count()).select_from(Evaluation).where(
        Evaluation.period_id == period.id)).one()
    audit.record(actor_id=getattr(user, "id", None), action="evaluation.publish", entity_type="evaluation_period",
                 entity_id=period.id, changes={"evaluated": evaluated, "institutions_updated": updated,
                                               "badges": badges})
    return PublishReport(evaluated=evaluated, institutions_updated=updated, badges=badges)
