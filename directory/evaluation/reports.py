"""What is read of the evaluation: a period's results and proposals for staff, the public graded list and the
差评率 ranking, an institution's own trend, breakdown and hints, and the Excel export."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlmodel import col, select

from directory.core.paging import Page, paginate
from directory.evaluation import compute
from directory.evaluation.models import (
    DIMENSIONS,
    Evaluation,
    EvaluationPeriod,
    PeriodStatus,
    ScreeningAction,
)
from directory.extensions import db
from directory.institutions.models import Institution

DIMENSION_LABELS = {"strength": _l("Overall strength"), "coverage": _l("Market coverage"),
                    "quality": _l("Service quality"), "efficiency": _l("Service efficiency"),
                    "satisfaction": _l("Enterprise satisfaction")}


GRADE_LABELS = {"A": _l("Excellent"), "B": _l("Good"), "C": _l("Pass"), "D": _l("Fail")}


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

    from directory.core.spreadsheets import write_sheet

    wb = Workbook()
    sheet = wb.active
    sheet.title = _("Graded institutions")[:31]
    write_sheet(sheet, title=_("Graded institutions, %(period)s", period=period.code), header=[
        _("Rank"), _("Institution name"), _("Unified social credit code"), _("Composite"), _("Grade"),
        *(str(DIMENSION_LABELS[d]) for d in DIMENSIONS), _("Rank in category")], rows=(
        [n, inst.name, inst.credit_code, evaluation.composite, evaluation.grade,
         *(getattr(evaluation, d) for d in DIMENSIONS), evaluation.rank_in_category]
        for n, (evaluation, inst) in enumerate(results(period), start=1)))
    ranking = wb.create_sheet(_("Bad review rate")[:31])
    write_sheet(ranking, title=_("Bad review rate, %(period)s", period=period.code), header=[
        _("Institution name"), _("Reviews"), _("Bad reviews"), _("Bad review rate")],
        rows=([inst.name, n, bad, share] for inst, n, bad, share in bad_review_ranking(period, limit=10_000)))
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
