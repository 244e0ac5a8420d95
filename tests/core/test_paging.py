"""Lists say what they hold: every staff list (and the inbox, the user's own lists) pages with the total, never
cut off silently, and its filters run in SQL before paging. Pages are made small so a few rows fill several."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from directory.core import paging
from directory.core.time import utcnow
from directory.extensions import db
from tests import factories

COUNT = re.compile(r'class="text-muted pager-count">([^<]*)</span>')


def shown(html):
    """The pager's "rows first–last of total" as three numbers, or None when the page has no pager."""
    match = COUNT.search(html)
    numbers = [int(n) for n in re.findall(r"\d+", match.group(1))] if match else []
    return tuple(numbers) if numbers else None


# -- the helper -----------------------------------------------------------------------------------------

def test_paginate_counts_every_row_and_clamps_the_page(db_session):
    from sqlmodel import col, select

    from directory.accounts.models import User

    made = [factories.user(role="staff", email=f"paging{i}@example.cn").id for i in range(5)]
    statement = select(User).where(col(User.id).in_(made)).order_by(col(User.id))
    first = paging.paginate(statement, page=1, per_page=2)
    assert (first.total, first.pages, first.first, first.last) == (5, 3, 1, 2)
    assert [u.id for u in first] == made[:2]
    last = paging.paginate(statement, page=3, per_page=2)
    assert [u.id for u in last] == made[4:] and (last.first, last.last) == (5, 5)
    beyond = paging.paginate(statement, page=99, per_page=2)
    assert beyond.page == 3 and [u.id for u in beyond] == made[4:]  # an old link past the end: the last page
    empty = paging.paginate(statement.where(col(User.id) < 0), page=4, per_page=2)
    assert (empty.total, empty.page, empty.pages, empty.first, empty.last, empty.items) == (0, 1, 1, 0, 0, [])


def test_page_number_accepts_only_positive_numbers():
    assert [paging.page_number({"page": v}) for v in ("3", "0", "-1", "x", "", "2.5")] == [3, 1, 1, 1, 1, 1]
    assert paging.page_number({}) == 1 and paging.page_number({"p": "4"}, "p") == 4


def test_page_links_keep_the_filters(app):
    page = paging.Page(items=[1], total=5, page=2, per_page=1, param="page")
    with app.test_request_context("/admin/users?role=staff&q=%E7%8E%8B&page=2"):
        assert page.href(3) == "/admin/users?role=staff&q=%E7%8E%8B&page=3"
        assert page.href(1) == "/admin/users?role=staff&q=%E7%8E%8B"
        assert page.href(4, "inbox") == "/admin/users?role=staff&q=%E7%8E%8B&page=4#inbox"


# -- every list -----------------------------------------------------------------------------------------
# Each case makes three rows and returns (role to log in as, links for the login, url, a mark of each row);
# SCOPE names where on its page the list starts when the page holds more than one list.

def _users():  # the filter narrows the list to the three accounts made for it, and the links keep it
    return "admin", {}, "/admin/users?q=翻页账户", [
        factories.user(role="staff", email=f"pager{i}@example.cn", display_name=f"翻页账户{i}").email
        for i in range(3)]


def _applications():
    from directory.admission.models import Application

    names = []
    for i in range(3):
        draft = factories.institution(name=f"营口翻页申请{i}有限公司", admit=False)
        db.session.add(Application(kind="institution", institution_id=draft.id, status="submitted",
                                   submitted_at=utcnow() - timedelta(days=i),
                                   applicant_id=factories.user(role="institution").id))
        names.append(draft.name)
    db.session.flush()
    return "staff", {}, "/admin/applications", names


def _changes():
    from directory.admission.models import ChangeRequest

    names = []
    for i in range(3):
        inst = factories.institution(name=f"营口翻页变更{i}有限公司")
        db.session.add(ChangeRequest(institution_id=inst.id, requested_by_id=factories.user(role="institution").id,
                                     before={"name": inst.name}, proposed={"name": f"新名{i}"}))
        names.append(inst.name)
    db.session.flush()
    return "staff", {}, "/admin/changes", names


def _stale():
    names = []
    for i in range(3):
        inst = factories.institution(name=f"营口翻页陈旧{i}有限公司")
        inst.confirmed_at = utcnow() - timedelta(days=400 + i)
        names.append(inst.name)
    db.session.flush()
    return "staff", {}, "/admin/stale", names


def _needs():
    return "staff", {}, "/admin/needs", [factories.demand(title=f"翻页需求{i}").title for i in range(3)]


def _pipeline():
    client = factories.enterprise(name="营口翻页对接企业有限公司")
    made = [factories.engagement(enterprise_obj=client, institution_obj=factories.institution(
        name=f"营口翻页服务{i}有限公司")) for i in range(3)]
    return "staff", {}, "/admin/engagements?q=翻页对接", [e.institution.name for e in made]


def _my_engagements():
    client = factories.enterprise()
    made = [factories.engagement(enterprise_obj=client, institution_obj=factories.institution(
        name=f"营口翻页我的{i}有限公司")) for i in range(3)]
    return "enterprise", {"enterprise_id": client.id}, "/engagements", [e.institution.name for e in made]


def _public_needs():
    return "institution", {}, "/needs", [factories.demand(title=f"翻页公开需求{i}").title for i in range(3)]


def _reviews(comment="翻页评价", **fields):
    from directory.reviews.models import Review

    provider = factories.institution()
    client = factories.enterprise()
    marks = []
    for i in range(3):
        done = factories.engagement(enterprise_obj=client, institution_obj=provider, status="completed")
        db.session.add(Review(engagement_id=done.id, enterprise_id=client.id, institution_id=provider.id,
                              quality=4, efficiency=4, expertise=4, attitude=4, price=4, verdict="satisfied",
                              comment=f"{comment}{i}", **fields))
        marks.append(f"{comment}{i}")
    db.session.flush()
    return provider, marks


def _staff_reviews():
    _provider, marks = _reviews()
    return "staff", {}, "/admin/reviews", marks


def _public_reviews():
    provider, marks = _reviews("公开翻页评价")
    return "anonymous", {}, f"/institutions/{provider.id}", marks


def _events():
    from directory.events import services

    staff = factories.user(role="staff")
    titles = [services.create_event(user=staff, data=services.EventInput(
        title=f"翻页对接会{i}", starts_on=date(2027, 3, 1 + i))).title for i in range(3)]
    return "staff", {}, "/admin/events", titles


def _enterprises():
    names = [factories.enterprise(name=f"营口翻页待核验{i}有限公司", verified=False).name for i in range(3)]
    return "staff", {}, "/admin/enterprises?unverified=1", names


def _evaluation():
    from directory.evaluation import services

    names = [factories.institution(name=f"营口翻页考核{i}有限公司").name for i in range(3)]
    services.run(code="2026Q1")
    return "staff", {}, "/admin/evaluation/2026Q1", names


SCOPE = {"staff-reviews": 'id="latest-reviews"', "evaluation": 'id="results-heading"'}
LISTS = {"users": _users, "applications": _applications, "changes": _changes, "stale": _stale, "needs": _needs,
         "pipeline": _pipeline, "my-engagements": _my_engagements, "public-needs": _public_needs,
         "staff-reviews": _staff_reviews, "public-reviews": _public_reviews, "events": _events,
         "evaluation": _evaluation, "enterprises": _enterprises}


@pytest.mark.parametrize("name", LISTS)
def test_every_list_pages_with_its_total(client, auth, db_session, monkeypatch, name):
    monkeypatch.setattr(paging, "PER_PAGE", 2)
    from directory.reviews import services as reviews

    monkeypatch.setattr(reviews, "REVIEWS_PER_PAGE", 2)
    role, links, url, marks = LISTS[name]()
    if role != "anonymous":
        auth.login(role, **links)

    def get(path):
        html = client.get(path).get_data(as_text=True)
        return html[html.index(SCOPE[name]):] if name in SCOPE else html

    first = get(url)
    assert shown(first) == (1, 2, 3), name
    param = "reviews_page" if name == "public-reviews" else "page"
    link = re.search(r'href="([^"]*(?:\?|&amp;)' + param + r'=2\b[^"]*)"', first)
    assert link, f"{name}: no link to page 2"
    second = get(link.group(1).replace("&amp;", "&"))
    assert shown(second) == (3, 3, 3), name
    on_first = {m for m in marks if m in first}
    on_second = {m for m in marks if m in second}
    assert len(on_first) == 2 and on_first | on_second == set(marks) and not on_first & on_second, name


def test_the_inbox_pages_instead_of_stopping_at_ten(client, auth, db_session):
    from directory.notifications.services import INBOX_PER_PAGE, notify

    user = auth.login("enterprise")
    for i in range(INBOX_PER_PAGE + 1):
        notify(users=[user], kind="test", title=f"翻页消息{i:02d}")
    first = client.get("/my").get_data(as_text=True)
    assert shown(first) == (1, INBOX_PER_PAGE, INBOX_PER_PAGE + 1)
    assert "翻页消息00" not in first  # the oldest is on the next page, not gone
    assert "翻页消息00" in client.get("/my?page=2").get_data(as_text=True)


# -- filters run before paging ----------------------------------------------------------------------------

def test_the_overdue_filter_runs_before_paging(db_session, monkeypatch):
    from directory.engagements import services

    monkeypatch.setattr(paging, "PER_PAGE", 2)
    old = factories.engagement(requested_at=utcnow() - timedelta(days=30))  # waiting a month: overdue
    for _ in range(3):  # newer, not overdue: they would fill the first page of an unfiltered list
        factories.engagement(requested_at=utcnow())
    result = services.pipeline(services.PipelineFilters(overdue=True))
    assert [e.id for e in result] == [old.id] and result.total == 1


def test_the_overdue_condition_is_is_overdue_in_sql(db_session):
    """For requests made at every hour across two weeks and checked at several moments (weekdays, weekends,
    midnight), the SQL condition picks exactly the engagements :func:`is_overdue` calls overdue."""
    from sqlmodel import col, select

    from directory.engagements import services
    from directory.engagements.models import Engagement

    client, provider = factories.enterprise(), factories.institution()
    start = datetime(2026, 11, 16, tzinfo=UTC)  # a Monday
    made = [factories.engagement(enterprise_obj=client, institution_obj=provider,
                                 requested_at=start + timedelta(hours=5 * i + 1)) for i in range(70)]
    late = factories.engagement(enterprise_obj=client, institution_obj=provider, status="accepted",
                                due_date=date(2026, 11, 20))
    ids = [e.id for e in [*made, late]]
    for now in (datetime(2026, 11, 18, 9, 30, tzinfo=UTC), datetime(2026, 11, 21, 0, 0, tzinfo=UTC),
                datetime(2026, 11, 23, 8, 0, tzinfo=UTC), datetime(2026, 11, 24, 23, 59, tzinfo=UTC),
                datetime(2026, 11, 27, 12, 0, tzinfo=UTC), datetime(2026, 11, 29, 18, 0, tzinfo=UTC)):
        in_sql = set(db_session.exec(select(Engagement.id).where(
            col(Engagement.id).in_(ids), services.overdue_condition(now))).all())
        in_python = {e.id for e in [*made, late] if services.is_overdue(e, now=now)}
        assert in_sql == in_python, now
        assert in_python  # each moment has some overdue requests and some not
        assert in_python != set(ids)
