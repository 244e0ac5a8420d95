"""Charts (issue 16, item 2): every chart's numbers come from the service the page already uses, and its table
for screen readers shows exactly the chart's numbers; the districts chart equals the dashboard filtered by each
district. The charts are drawn in a real browser in tests/browser/test_accessibility.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from lxml import html as lxml_html

from directory.monitoring import services as monitoring
from tests import factories


def charts(page: str) -> dict[str, dict[str, Any]]:
    """Each chart of a page by its id: its JSON data block, and its table read back as numbers."""
    found = {}
    for figure in lxml_html.fromstring(page).xpath("//figure[@data-chart]"):
        spec = json.loads(figure.xpath(".//script[@type='application/json']")[0].text)
        rows = figure.xpath(".//table/tbody/tr")
        spec["table_categories"] = [r.xpath("./th")[0].text_content() for r in rows]
        spec["table_series"] = [th.text_content() for th in figure.xpath(".//table/thead/tr/th")[1:]]
        spec["table_data"] = [[float(td.text_content()) for td in r.xpath("./td")] for r in rows]
        found[spec["id"]] = spec
    return found


def assert_table_is_the_chart(spec: dict[str, Any]) -> None:
    assert spec["table_categories"] == spec["categories"]
    assert spec["table_series"] == [s["name"] for s in spec["series"]]
    columns = [list(col) for col in zip(*spec["table_data"], strict=True)] if spec["table_data"] else []
    assert columns == [[float(v) for v in s["data"]] for s in spec["series"]] or not spec["categories"]


def data(spec: dict[str, Any], n: int = 0) -> list[Any]:
    return list(spec["series"][n]["data"])


def test_the_dashboard_charts_are_the_dashboard_figures(client, auth, db_session):
    east, west = factories.enterprise(region="站前区"), factories.enterprise(region="西市区")
    factories.institution(region="站前区")
    factories.institution(region="站前区")
    factories.institution(region="西市区")
    when = datetime(2025, 4, 1, 3, tzinfo=UTC)
    for n, (status, who) in enumerate([("completed", east), ("accepted", east), ("declined", west)]):
        factories.engagement(status=status, enterprise_obj=who, requested_at=when + timedelta(days=n))
    factories.engagement(status="completed", enterprise_obj=west, requested_at=datetime(2024, 6, 1, tzinfo=UTC))
    db_session.flush()
    board = monitoring.dashboard(period="2025", region_id=None)
    auth.login("staff")
    page = client.get("/admin/monitoring?period=2025").get_data(as_text=True)
    found = charts(page)
    assert set(found) >= {"categories", "grades", "demand-status", "engagement-status", "satisfaction-trend",
                          "districts", "event-meetings", "event-outcomes"}
    for spec in found.values():
        assert_table_is_the_chart(spec)
    assert data(found["categories"]) == [n for _id, _label, n in board.institutions.by_category]
    assert data(found["grades"]) == list(board.institutions.by_grade.values())
    assert sum(data(found["grades"])) == board.institutions.total == int(_figure(page, "institutions-total"))
    assert data(found["engagement-status"]) == list(board.engagements.by_status.values())
    assert sum(data(found["engagement-status"])) == board.engagements.total == 3
    assert data(found["demand-status"]) == list(board.demands.by_status.values())
    assert [data(found["satisfaction-trend"], i) for i in range(3)] == [
        [m.reviews for m in board.satisfaction], [m.good for m in board.satisfaction],
        [m.bad for m in board.satisfaction]]
    assert data(found["event-meetings"]) == [board.events.meetings_held, board.events.no_shows]

    # each district's bars are what the dashboard shows when filtered by that district
    districts = found["districts"]
    assert districts["categories"] == [d.label for d in board.by_district]
    for d, institutions, engagements in zip(board.by_district, data(districts), data(districts, 1), strict=True):
        alone = monitoring.dashboard(period="2025", region_id=d.region_id)
        assert (institutions, engagements) == (alone.institutions.total, alone.engagements.total), d.label
    named = dict(zip(districts["categories"], zip(data(districts), data(districts, 1), strict=True), strict=True))
    assert named["站前区"][1] == 2 and named["西市区"][1] == 1  # the 2024 request is outside the period
    assert named["站前区"][0] >= 2


def _figure(page: str, element_id: str) -> str:
    return str(lxml_html.fromstring(page).get_element_by_id(element_id).text_content()).strip()


def test_the_event_report_charts_are_the_report(client, auth, db_session):
    from directory.events import day, planning, report, services
    from directory.events.models import MeetingStatus
    from tests.events.helpers import accepted, make_event, meeting_of, provider, register

    staff = factories.user(role="staff")
    event = make_event(staff)
    held_request = accepted(register(event), provider(event))
    missed_request = accepted(register(event), provider(event))
    register(event)
    planning.run(event=event, user=staff)
    services.change_status(user=staff, event=event, action="start")
    day.mark(user=staff, meeting=meeting_of(db_session, held_request), status=MeetingStatus.HELD)
    day.mark(user=staff, meeting=meeting_of(db_session, missed_request), status=MeetingStatus.NO_SHOW)
    figures = report.build(event)
    auth.login("staff")
    found = charts(client.get(f"/admin/events/{event.id}/report").get_data(as_text=True))
    assert set(found) == {"registrations", "meetings", "outcomes", "by-slot"}
    for spec in found.values():
        assert_table_is_the_chart(spec)
    assert data(found["registrations"]) == [
        figures.registered["enterprise"], figures.registered["provider"], sum(figures.waitlisted.values()),
        sum(figures.checked_in.values())]
    assert data(found["registrations"])[:2] == [3, 2]
    assert data(found["meetings"]) == [figures.requested, figures.accepted, figures.scheduled, figures.held,
                                       figures.no_show] == [2, 2, 2, 1, 1]
    assert data(found["outcomes"]) == list(figures.outcomes.values())
    assert found["by-slot"]["categories"] == [t for t, _s, _h in figures.by_slot]
    assert data(found["by-slot"]) == [s for _t, s, _h in figures.by_slot]
    assert data(found["by-slot"], 1) == [h for _t, _s, h in figures.by_slot]
    assert sum(data(found["by-slot"], 1)) == figures.held


def test_the_grade_distribution_and_the_institutions_trend(client, auth, db_session):
    from directory.evaluation import reports, services
    from tests.evaluation.test_services import Q1, _review

    good = factories.institution(founded_year=2005, staff_count=80, qualifications=["CMA", "ISO9001"])
    factories.institution(founded_year=2024)
    for n in range(4):
        _review(factories.engagement(institution_obj=good, status="completed", requested_at=Q1 + timedelta(days=n)))
    for code in ("2026Q1", "2026Q2"):
        services.run(code=code)
        services.publish(period=services.get_period(code))
    period = services.get_period("2026Q2")
    auth.login("staff")
    grades = charts(client.get("/admin/evaluation/2026Q2").get_data(as_text=True))["grades"]
    assert_table_is_the_chart(grades)
    counts = reports.grade_counts(period)
    assert grades["categories"] == list(counts) and data(grades) == list(counts.values())
    assert sum(data(grades)) == len(reports.results(period)) >= 2
    auth.logout()

    auth.login("institution", institution_id=good.id)
    trend = charts(client.get(f"/evaluation/institutions/{good.id}").get_data(as_text=True))["trend"]
    assert_table_is_the_chart(trend)
    history = reports.my_evaluations(good.id, published_only=True)
    assert trend["categories"] == [p.code for _e, p in history] == ["2026Q1", "2026Q2"]
    assert data(trend) == [e.composite for e, _p in history]
