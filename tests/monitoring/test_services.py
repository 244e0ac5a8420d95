"""The monitoring dashboard (运行监测): every figure checked against data built to make a wrong aggregate show
(a sub-category counted twice, a request outside the period, an invalid review, the other side's feedback, a
time-zone edge, even and odd medians), on SQLite and PostgreSQL; then the page, its Excel export and bad filters."""

import uuid
from datetime import UTC, date, datetime, timedelta
from io import BytesIO

import pytest
from sqlalchemy import text
from sqlmodel import select

from directory.extensions import db
from directory.monitoring import export, periods, services
from directory.monitoring.periods import InvalidFilter
from directory.taxonomy.models import Region
from tests import factories

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
H = 3600


@pytest.fixture(scope="module")
def app(app, tmp_path_factory, meili):
    """The session's app once the lead registered the blueprint in create_app; until then a fresh app of the
    same backend with it registered (a blueprint cannot be added after an app has served a request)."""
    if "monitoring" in app.blueprints:
        yield app
        return
    from directory.monitoring.views import bp
    from tests.conftest import make_test_app

    backend = app.config["DB_BACKEND"]
    fresh, schema = make_test_app(backend, tmp_path_factory.mktemp(f"monitoring-{backend}"), meili,
                                  f"t{uuid.uuid4().hex[:8]}_mo_")
    fresh.config["DB_BACKEND"] = backend
    fresh.register_blueprint(bp)
    yield fresh
    engine = fresh.extensions["database_engine"]
    if schema:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def at(*args):
    return datetime(*args, tzinfo=UTC)


def region_id(name):
    return db.session.exec(select(Region.id).where(Region.name == name)).one()


# -- filters --------------------------------------------------------------------------------------------

def test_periods_are_years_or_quarters_in_the_platform_time_zone(db_session):
    year = periods.parse_period("2025")
    assert (year.code, year.quarter, len(year.months)) == ("2025", None, 12)
    # Midnight in Shanghai is 16:00 UTC the day before.
    assert year.start == at(2024, 12, 31, 16) and year.end == at(2025, 12, 31, 16)
    quarter = periods.parse_period(" 2026q3 ")
    assert quarter.code == "2026Q3" and [m.label for m in quarter.months] == ["2026-07", "2026-08", "2026-09"]
    assert (quarter.first_day, quarter.end_day) == (date(2026, 7, 1), date(2026, 10, 1))
    q4 = periods.parse_period("2026Q4")
    assert q4.end_day == date(2027, 1, 1) and q4.end == at(2026, 12, 31, 16)
    assert periods.parse_period(None, now=at(2026, 12, 31, 17)).code == "2027"  # already 2027 in Yingkou
    assert periods.parse_period("", now=NOW).code == "2026"


@pytest.mark.parametrize("value", ["abc", "2026Q5", "2026Q0", "26", "1899", "2026-03", "2026Q3x"])
def test_bad_periods_are_refused(db_session, value):
    with pytest.raises(InvalidFilter) as exc:
        periods.parse_period(value)
    assert exc.value.status == 400


def test_bad_regions_are_refused(db_session):
    assert periods.parse_region("") is None and periods.parse_region(" 3 ") == 3
    with pytest.raises(InvalidFilter):
        periods.parse_region("x")
    with pytest.raises(InvalidFilter):  # not a region
        services.dashboard(period="2025", region_id=999_999)
    with pytest.raises(InvalidFilter):  # a coverage, not a district
        services.dashboard(period="2025", region_id=region_id("全市"))


# -- institutions ---------------------------------------------------------------------------------------

def test_institutions_by_top_category_grade_badge_and_stale(db_session):
    def inst(categories, grade=None, region="站前区", confirmed=NOW, admit=True, badge=None):
        obj = factories.institution(categories=categories, region=region, admit=admit)
        obj.grade, obj.confirmed_at, obj.badge = grade, confirmed, badge
        db_session.add(obj)
        return obj

    inst(("专利代理", "商标代理"), "A", badge="示范服务机构")  # two sub-categories of 知识产权: counted once
    inst(("知识产权", "代理记账"), "A")  # the parent itself, and 财税服务
    inst(("产品检验检测",), "C", confirmed=at(2024, 6, 1))
    never = inst(("融资担保",), None, confirmed=None, region="西市区")
    old = inst(("专利代理",), "D", confirmed=at(2024, 12, 1))
    inst(("专利代理",), "A", confirmed=at(2020, 1, 1), admit=False)  # not admitted: nowhere
    db_session.flush()

    figures = services.institution_figures(region_id=None, now=NOW)
    assert figures.total == 5
    counts = {label: n for _id, label, n in figures.by_category}
    assert counts["知识产权"] == 3 and counts["财税服务"] == 1 and counts["检验检测认证"] == 1
    assert counts["融资服务"] == 1 and counts["法律服务"] == 0 and len(counts) == 15
    assert figures.by_grade == {"A": 2, "B": 0, "C": 1, "D": 1, "": 1}
    assert figures.with_badge == 1
    assert figures.stale == 3  # 2024-06-01, never, 2024-12-01 (older than 365 days on 2026-01-10)
    assert [row[0] for row in figures.stale_oldest][:2] == [never.id, figures.stale_oldest[1][0]]
    assert figures.stale_oldest[0][2] is None and figures.stale_oldest[-1][0] == old.id

    west = services.institution_figures(region_id=region_id("西市区"), now=NOW)
    assert (west.total, west.stale, west.by_grade[""]) == (1, 1, 1)
    assert {label: n for _id, label, n in west.by_category}["知识产权"] == 0


# -- engagements and SMEs served ------------------------------------------------------------------------

def engagement(status, requested_at, responded_after=None, enterprise_obj=None, institution_obj=None):
    e = factories.engagement(status=status, requested_at=requested_at, enterprise_obj=enterprise_obj,
                             institution_obj=institution_obj)
    if responded_after is not None:
        e.responded_at = requested_at + timedelta(hours=responded_after)
    db.session.add(e)
    return e


def test_engagements_by_status_response_times_and_smes_served(db_session):
    provider = factories.institution()
    east, west, other = (factories.enterprise(region="站前区"), factories.enterprise(region="西市区"),
                         factories.enterprise(region="站前区"))
    # Monday 10:00 UTC, +10 h: within two working days
    engagement("accepted", at(2025, 6, 2, 10), 10, east, provider)
    engagement("completed", at(2025, 6, 3, 10), 20, east, provider)  # same SME: served once
    # Thursday 10:00 + 95 h = Monday 09:00: within (the weekend does not count)
    engagement("in_progress", at(2025, 6, 5, 10), 95, west, provider)
    engagement("declined", at(2025, 6, 9, 10), 50, other, provider)  # Monday + 50 h: late; declined: not served
    engagement("requested", at(2025, 7, 1, 10), None, other, provider)  # no answer yet
    engagement("cancelled", at(2025, 7, 2, 10), None, other, provider)
    engagement("completed", at(2024, 12, 31, 15), 1, west, provider)  # 23:00 in Yingkou, 2024: outside
    engagement("accepted", at(2025, 12, 31, 17), 1, west, provider)  # 01:00 on 2026-01-01 in Yingkou: outside
    db_session.flush()

    figures, served = services.engagement_figures(period=periods.parse_period("2025"), region_id=None)
    assert figures.total == 6
    assert figures.by_status == {"requested": 1, "accepted": 1, "declined": 1, "in_progress": 1, "completed": 1,
                                 "cancelled": 1}
    assert served == 2  # east (twice) and west; "other" was declined, cancelled or not answered
    rt = figures.response_time
    assert rt.count == 4
    assert rt.mean == pytest.approx((10 + 20 + 95 + 50) / 4 * H, abs=1)
    assert rt.median == pytest.approx((20 + 50) / 2 * H, abs=1)  # even count: the mean of the middle two
    assert figures.within_two_working_days == 3
    assert figures.share_within_two_working_days == pytest.approx(0.75)

    figures, served = services.engagement_figures(period=periods.parse_period("2025Q2"),
                                                  region_id=region_id("站前区"))
    assert figures.total == 3 and served == 1  # east's two and the declined one of "other"
    assert figures.response_time.median == pytest.approx(20 * H, abs=1)  # odd count: 10, 20, 50


# -- needs ----------------------------------------------------------------------------------------------

def test_needs_by_status_and_time_to_first_answer(db_session):
    east, west = factories.enterprise(region="站前区"), factories.enterprise(region="西市区")
    posted = at(2025, 3, 1, 2)

    def need(status, answered_after=None, enterprise_obj=east, created_at=posted, region=None):
        return factories.demand(
            enterprise_obj=enterprise_obj, status=status, created_at=created_at, region_id=region,
            answered_at=created_at + timedelta(hours=answered_after) if answered_after is not None else None)

    need("answered", 1)
    need("answered", 5)
    need("closed", 30, enterprise_obj=west)
    need("closed")  # closed without an answer
    need("open")
    need("open", enterprise_obj=west, region=region_id("站前区"))  # the need's own region wins
    need("answered", 2, created_at=at(2026, 2, 1))  # another year
    db_session.flush()

    figures = services.demand_figures(period=periods.parse_period("2025"), region_id=None)
    assert figures.posted == 6 and figures.by_status == {"open": 2, "answered": 2, "closed": 2}
    assert figures.answer_time.count == 3
    assert figures.answer_time.mean == pytest.approx(12 * H, abs=1)
    assert figures.answer_time.median == pytest.approx(5 * H, abs=1)

    east_only = services.demand_figures(period=periods.parse_period("2025Q1"), region_id=region_id("站前区"))
    assert east_only.posted == 5 and east_only.by_status == {"open": 2, "answered": 2, "closed": 1}
    assert east_only.answer_time.median == pytest.approx(3 * H, abs=1)  # 1 h and 5 h
    nothing = services.demand_figures(period=periods.parse_period("2024"), region_id=None)
    assert nothing.posted == 0 and nothing.answer_time == services.Durations(0, None, None)


# -- satisfaction ---------------------------------------------------------------------------------------

def review(verdict, created_at, enterprise_obj=None, invalid=False):
    from directory.reviews.models import Review

    e = factories.engagement(status="completed", enterprise_obj=enterprise_obj or factories.enterprise(region="站前区"))
    obj = Review(engagement_id=e.id, enterprise_id=e.enterprise_id, institution_id=e.institution_id, quality=4,
                 efficiency=4, expertise=4, attitude=4, price=4, verdict=verdict, created_at=created_at,
                 invalid=invalid)
    db.session.add(obj)
    return obj


def test_satisfaction_trend_per_month(db_session):
    west = factories.enterprise(region="西市区")
    review("very_satisfied", at(2025, 1, 15))
    review("dissatisfied", at(2024, 12, 31, 20))  # 04:00 on 1 January in Yingkou: January
    review("satisfied", at(2025, 3, 3), enterprise_obj=west)
    review("basically_satisfied", at(2025, 3, 4))
    review("very_dissatisfied", at(2025, 3, 5))
    review("satisfied", at(2025, 3, 6), invalid=True)  # invalid: not counted
    review("satisfied", at(2025, 3, 31, 17))  # 01:00 on 1 April in Yingkou: April
    db_session.flush()

    trend = services.satisfaction_trend(period=periods.parse_period("2025Q1"), region_id=None)
    assert [(m.label, m.reviews, m.good, m.bad) for m in trend] == [
        ("2025-01", 2, 1, 1), ("2025-02", 0, 0, 0), ("2025-03", 3, 1, 1)]
    assert trend[0].good_share == 0.5 and trend[1].good_share is None
    assert trend[2].bad_share == pytest.approx(1 / 3)
    west_trend = services.satisfaction_trend(period=periods.parse_period("2025Q1"), region_id=region_id("西市区"))
    assert [m.reviews for m in west_trend] == [0, 0, 1]
    april = services.satisfaction_trend(period=periods.parse_period("2025Q2"), region_id=None)
    assert april[0].reviews == 1 and april[0].good == 1


# -- events ---------------------------------------------------------------------------------------------

def _participant(event, side, enterprise_obj=None):
    from directory.events.models import EventParticipant

    user = factories.user(role="enterprise" if side == "enterprise" else "institution")
    p = EventParticipant(event_id=event.id, user_id=user.id, side=side, checkin_token=uuid.uuid4().hex,
                         enterprise_id=enterprise_obj.id if enterprise_obj else None)
    db.session.add(p)
    db.session.flush()
    return p


def _event(starts_on, status="completed"):
    from directory.events.models import Event

    event = Event(title="测试对接会", starts_on=starts_on, status=status)
    db.session.add(event)
    db.session.flush()
    return event


def _meeting(event, status, feedback=(), enterprise_obj=None):
    """A meeting between a new enterprise participant and a new provider, with (side, outcome, amount, kind)
    feedback."""
    from directory.events.models import Meeting, MeetingFeedback, MeetingRequest

    ent = _participant(event, "enterprise", enterprise_obj or factories.enterprise(region="站前区"))
    prov = _participant(event, "provider")
    request = MeetingRequest(event_id=event.id, requester_id=ent.id, recipient_id=prov.id, status="accepted")
    db.session.add(request)
    db.session.flush()
    meeting = Meeting(event_id=event.id, request_id=request.id, status=status, slot_position=0, table_no=1)
    db.session.add(meeting)
    db.session.flush()
    for side, outcome, amount, kind in feedback:
        db.session.add(MeetingFeedback(meeting_id=meeting.id, participant_id=(ent if side == "e" else prov).id,
                                       outcome=outcome, amount=amount, kind=kind))
    db.session.flush()
    return meeting


def test_event_outcomes(db_session):
    may = _event(date(2025, 5, 10))
    west = factories.enterprise(region="西市区")
    # both sides: the best outcome (signed) and its amount, once
    _meeting(may, "held", [("e", "intent", 1000, "initial"), ("p", "signed", 5000, "initial")])
    # both say intent: the larger amount, not the sum
    _meeting(may, "held", [("e", "intent", 200, "initial"), ("p", "intent", 300, "initial")], enterprise_obj=west)
    # each side's latest answer counts: no progress on the day, signed three months on
    _meeting(may, "held", [("e", "none", None, "initial"), ("e", "signed", 99999, "followup")])
    # the enterprise's follow-up takes back its "signed"; the provider's first answer (intent) still stands
    _meeting(may, "held", [("e", "signed", 4000, "initial"), ("e", "none", None, "followup"),
                           ("p", "intent", 600, "initial")])
    # an intent that came to nothing
    _meeting(may, "held", [("e", "intent", 100, "initial"), ("e", "none", None, "followup")])
    _meeting(may, "no_show")
    _meeting(may, "held")  # no feedback
    _meeting(may, "scheduled")
    _meeting(_event(date(2025, 6, 1), status="cancelled"), "held", [("e", "signed", 7, "initial")])
    _meeting(_event(date(2024, 12, 1)), "held", [("e", "signed", 7, "initial")])
    _event(date(2025, 11, 1), status="registration_open")

    figures = services.event_figures(period=periods.parse_period("2025"), region_id=None)
    assert (figures.events_held, figures.meetings_held, figures.no_shows) == (1, 6, 1)
    assert figures.no_show_rate == pytest.approx(1 / 7)
    assert figures.outcomes == {"signed": 2, "intent": 2, "none": 1}
    assert (figures.amount_signed, figures.amount_intended) == (5000 + 99999, 300 + 600)

    west_figures = services.event_figures(period=periods.parse_period("2025"), region_id=region_id("西市区"))
    assert (west_figures.events_held, west_figures.meetings_held, west_figures.no_shows) == (1, 1, 0)
    assert west_figures.outcomes == {"signed": 0, "intent": 1, "none": 0} and west_figures.amount_intended == 300
    nowhere = services.event_figures(period=periods.parse_period("2025"), region_id=region_id("盖州市"))
    assert (nowhere.events_held, nowhere.meetings_held, nowhere.no_show_rate) == (0, 0, None)
    assert services.event_figures(period=periods.parse_period("2025Q3"), region_id=None).events_held == 0


# -- the whole dashboard, the page and the export -------------------------------------------------------

def test_an_empty_dashboard_has_no_division_by_zero(db_session):
    board = services.dashboard(period="2025", region_id=None, now=NOW)
    assert board.smes_served == 0 and board.engagements.share_within_two_working_days is None
    assert board.engagements.response_time.median is None and board.events.no_show_rate is None
    assert [m.reviews for m in board.satisfaction] == [0] * 12 and board.bar(0, 0) == 0


def test_dashboard_and_xlsx_agree(db_session):
    from openpyxl import load_workbook

    client = factories.enterprise()
    engagement("completed", at(2025, 4, 1, 3), 4, client)
    review("satisfied", at(2025, 4, 20), enterprise_obj=client)
    db_session.flush()
    board = services.dashboard(period="2025Q2", region_id=None, now=NOW)
    assert board.smes_served == 1 and board.reviews_total == 1 and board.institutions.total == 2
    wb = load_workbook(BytesIO(export.to_xlsx(board)))
    assert len(wb.sheetnames) == 4
    summary = {row[0]: row[1] for row in wb.worksheets[0].iter_rows(values_only=True)}
    values = list(summary.values())
    assert board.period.label in values and 1 in values
    assert 4.0 in values  # mean response time in hours
    months = list(wb.worksheets[2].iter_rows(values_only=True))
    # Row 1 is the title (unit and date), row 2 the header.
    assert [m[0] for m in months[2:]] == ["2025-04", "2025-05", "2025-06"] and months[2][1:4] == (1, 1, 1)
    assert months[0][0].startswith("营口市中小企业服务中心") and wb.worksheets[2].freeze_panes == "A3"


def test_staff_see_the_dashboard_and_its_export(client, auth, db_session):
    from openpyxl import load_workbook

    engagement("completed", at(2025, 4, 1, 3), 4, factories.enterprise())
    auth.login("staff")
    response = client.get("/admin/monitoring?period=2025")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="smes-served">1<' in page and 'id="engagements-total">1<' in page and "2025-12" in page
    region = region_id("站前区")
    response = client.get(f"/admin/monitoring.xlsx?period=2025Q2&region={region}")
    assert response.status_code == 200
    assert f'filename="monitoring-2025Q2-region{region}.xlsx"' in response.headers["Content-Disposition"]
    assert "filename*=UTF-8''%E8%BF%90%E8%A1%8C%E7%9B%91%E6%B5%8B2025Q2" in response.headers["Content-Disposition"]  # 运行监测
    assert load_workbook(BytesIO(response.data)).worksheets[0]["A1"].value
    assert client.get("/admin/monitoring").status_code == 200  # the current year


@pytest.mark.parametrize("query", ["period=abc", "period=2026Q9", "region=x", "region=999999"])
def test_bad_filters_are_a_400_with_a_message(client, auth, db_session, query):
    auth.login("staff")
    for path in ("/admin/monitoring", "/admin/monitoring.xlsx"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400, (path, query)
        assert 'id="error-message"' in response.get_data(as_text=True)
    # The message names the expected form, in the user's language (Chinese by default, English when chosen).
    if query == "period=abc":
        zh = client.get("/admin/monitoring?period=abc").get_data(as_text=True)
        assert "2026Q3" in zh and "is not valid" not in zh
        client.get("/lang/en")
        en = client.get("/admin/monitoring?period=abc").get_data(as_text=True)
        assert "The period “abc” is not valid" in en


@pytest.mark.parametrize("role", ["enterprise", "institution", "expert"])
def test_only_staff_may_see_it(client, auth, db_session, role):
    assert client.get("/admin/monitoring").status_code == 302
    auth.login(role)
    assert client.get("/admin/monitoring").status_code == 403
    assert client.get("/admin/monitoring.xlsx").status_code == 403


def test_the_number_of_queries_does_not_grow_with_the_data(db_session):
    """Every figure is an aggregate in the database: ten times the rows, the same statements."""
    from sqlalchemy import event

    def statements():
        seen = []
        conn = db_session.connection()

        def listener(_conn, _cursor, statement, *_args):
            seen.append(statement)

        event.listen(conn, "before_cursor_execute", listener)
        try:
            services.dashboard(period="2025", region_id=region_id("站前区"), now=NOW)
        finally:
            event.remove(conn, "before_cursor_execute", listener)
        return len(seen)

    client, provider = factories.enterprise(region="站前区"), factories.institution()
    engagement("completed", at(2025, 4, 1, 3), 4, client, provider)
    review("satisfied", at(2025, 4, 20), enterprise_obj=client)
    db_session.flush()
    few = statements()
    for n in range(10):
        engagement("accepted", at(2025, 5, 1 + n, 3), n + 1, factories.enterprise(region="站前区"), provider)
        review("very_satisfied", at(2025, 6, 1 + n), enterprise_obj=client)
    db_session.flush()
    assert statements() == few <= 16
