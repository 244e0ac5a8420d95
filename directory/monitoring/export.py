"""The monitoring dashboard as an Excel workbook: summary, institutions, satisfaction by month, stale records."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask_babel import gettext as _

from directory.demands.models import DemandStatus
from directory.engagements.models import EngagementStatus
from directory.events.models import MeetingOutcome
from directory.monitoring.periods import local_zone
from directory.monitoring.services import Dashboard


def _hours(seconds: float | None) -> float | str:
    return round(seconds / 3600, 1) if seconds is not None else ""


def _share(value: float | None) -> float | str:
    return round(value, 3) if value is not None else ""


def to_xlsx(board: Dashboard) -> bytes:
    """The dashboard as a workbook: summary, institutions (by category and grade), satisfaction by month and
    the stale records listed on the page."""
    from openpyxl import Workbook

    from directory.core.spreadsheets import write_sheet
    from directory.demands.services import STATUS_LABELS as DEMAND_LABELS
    from directory.engagements.services import STATUS_LABELS as ENGAGEMENT_LABELS
    from directory.events.day import OUTCOME_LABELS

    wb = Workbook()
    summary = wb.active
    summary.title = _("Summary")[:31]
    e, d, ev = board.engagements, board.demands, board.events
    rows: list[tuple[Any, Any]] = [
        (_("Period"), board.period.label), (_("Region"), board.region_label or _("All regions")),
        (_("Generated at"), board.generated_at.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M")),
        (_("Admitted institutions"), board.institutions.total),
        (_("With a badge"), board.institutions.with_badge),
        (_("Stale records"), board.institutions.stale),
        (_("SMEs served"), board.smes_served),
        (_("Needs posted"), d.posted),
        *((str(DEMAND_LABELS[DemandStatus(k)]), v) for k, v in d.by_status.items()),
        (_("Mean time to first answer (hours)"), _hours(d.answer_time.mean)),
        (_("Median time to first answer (hours)"), _hours(d.answer_time.median)),
        (_("Engagements requested"), e.total),
        *((str(ENGAGEMENT_LABELS[EngagementStatus(k)]), v) for k, v in e.by_status.items()),
        (_("Mean response time (hours)"), _hours(e.response_time.mean)),
        (_("Median response time (hours)"), _hours(e.response_time.median)),
        (_("Answered within 2 working days"), _share(e.share_within_two_working_days)),
        (_("Valid reviews"), board.reviews_total),
        (_("Events held"), ev.events_held), (_("Meetings held"), ev.meetings_held),
        (_("No-shows"), ev.no_shows), (_("No-show rate"), _share(ev.no_show_rate)),
        *((str(OUTCOME_LABELS[MeetingOutcome(k)]), v) for k, v in ev.outcomes.items()),
        (_("Amount signed (yuan)"), ev.amount_signed), (_("Amount of intents (yuan)"), ev.amount_intended),
    ]
    write_sheet(summary, title=_("Monitoring summary"), header=[_("Indicator"), _("Value")],
                rows=[list(row) for row in rows])
    sheet = wb.create_sheet(_("Institutions")[:31])
    write_sheet(sheet, title=_("Institutions by category and grade"), header=[_("Category"), _("Institutions")], rows=[
        *([label, n] for _id, label, n in board.institutions.by_category), [], [_("Grade"), _("Institutions")],
        *([grade or _("Not rated"), n] for grade, n in board.institutions.by_grade.items())])
    sheet = wb.create_sheet(_("Satisfaction")[:31])
    write_sheet(sheet, title=_("Satisfaction by month"), header=[
        _("Month"), _("Valid reviews"), _("Good reviews"), _("Share of good reviews"), _("Bad reviews"),
        _("Share of bad reviews")], rows=([m.label, m.reviews, m.good, _share(m.good_share), m.bad,
                                           _share(m.bad_share)] for m in board.satisfaction))
    sheet = wb.create_sheet(_("Stale records")[:31])
    write_sheet(sheet, title=_("Stale records"), header=["#", _("Institution name"), _("Last confirmed")], rows=(
        [inst_id, name, confirmed.astimezone(local_zone()).strftime("%Y-%m-%d") if confirmed else ""]
        for inst_id, name, confirmed in board.institutions.stale_oldest))
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
