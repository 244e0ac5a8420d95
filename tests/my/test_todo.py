"""The "my" page's to-do list (待办事项): what waits for each role, each count equal to the total of the list
its link opens, nothing shown when nothing waits."""

import re
from datetime import timedelta

from directory.core.time import utcnow
from directory.extensions import db
from tests import factories
from tests.core.test_paging import shown

TODO = re.compile(r'data-todo="([^"]+)">\s*<a href="([^"]+)">[^<]*</a>\s*<span[^>]*data-count="(\d+)"')


def todos(client):
    """The to-do items on /my as {key: (link, count)}."""
    html = client.get("/my").get_data(as_text=True)
    return {key: (link.replace("&amp;", "&"), int(n)) for key, link, n in TODO.findall(html)}, html


def total_at(client, link):
    """The total of the list a link opens (the pager's "of N"), 0 when the list is empty."""
    path, _, anchor = link.partition("#")
    html = client.get(path).get_data(as_text=True)
    if anchor:  # a page of several lists: the one the anchor names
        html = html[html.index(f'id="{anchor}"'):]
    numbers = shown(html)
    return numbers[2] if numbers else 0


def test_a_provider_sees_the_requests_waiting_for_its_answer(client, auth, db_session):
    inst = factories.institution(name="营口待办测试知识产权代理有限公司")
    other = factories.institution()
    for status in ("requested", "requested", "accepted", "in_progress", "completed", "declined"):
        factories.engagement(institution_obj=inst, status=status)
    factories.engagement(institution_obj=other, status="requested")  # someone else's: not counted
    auth.login("institution", institution_id=inst.id)
    items, _html = todos(client)
    assert items["waiting"][1] == 2 and items["active"][1] == 2
    for key in ("waiting", "active"):
        link, count = items[key]
        assert total_at(client, link) == count, key
    page = client.get("/engagements?show=waiting").get_data(as_text=True)
    assert page.count('class="badge') >= 2 and "已完成" not in page.split('id="engagements"')[1]


def test_an_enterprise_is_asked_to_review_what_was_completed(client, auth, db_session):
    from directory.reviews.models import Review

    ent = factories.enterprise()
    done, reviewed = (factories.engagement(enterprise_obj=ent, status="completed") for _ in range(2))
    factories.engagement(enterprise_obj=ent, status="requested")
    db.session.add(Review(engagement_id=reviewed.id, enterprise_id=ent.id, institution_id=reviewed.institution_id,
                          quality=5, efficiency=5, expertise=5, attitude=5, price=5, verdict="very_satisfied"))
    db.session.flush()
    auth.login("enterprise", enterprise_id=ent.id)
    items, _html = todos(client)
    link, count = items["to_review"]
    assert count == 1 and total_at(client, link) == 1
    listed = client.get(link).get_data(as_text=True)
    assert f"/engagements/{done.id}\"" in listed and f"/engagements/{reviewed.id}\"" not in listed
    assert "waiting" not in items  # an enterprise does not answer requests


def test_staff_counts_equal_the_lists_they_open(client, auth, db_session):
    factories.engagement(status="requested", requested_at=utcnow() - timedelta(days=10))  # overdue
    factories.enterprise(verified=False)
    factories.demand()  # nobody answered it
    stale = factories.institution()
    stale.confirmed_at = utcnow() - timedelta(days=400)
    db.session.flush()
    auth.login("staff")
    items, _html = todos(client)
    assert {"overdue", "enterprises", "unanswered", "stale"} <= set(items), items
    for key, (link, count) in items.items():
        if key.startswith("screening-"):
            continue  # a period's page lists its proposals without a pager
        assert total_at(client, link) == count, key


def test_an_institution_unconfirmed_for_a_year_is_asked_to_confirm(client, auth, db_session):
    inst = factories.institution()
    auth.login("institution", institution_id=inst.id)
    assert "confirm" not in todos(client)[0]
    inst.confirmed_at = utcnow() - timedelta(days=400)
    db.session.flush()
    assert todos(client)[0]["confirm"] == ("/my/institution", 1)


def test_meeting_requests_waiting_for_an_answer_link_to_the_event(client, auth, db_session):
    from tests.events import helpers

    staff = factories.user(role="staff")
    event = helpers.make_event(staff)
    provider = helpers.provider(event)
    for _ in range(2):
        asker = helpers.register(event)
        from directory.events import meeting_requests

        meeting_requests.request_meeting(user=helpers.user_of(asker), requester=asker, recipient=provider,
                                         message="想约谈")
    user = helpers.user_of(provider)
    client.post("/login", data={"login": user.email, "password": factories.PASSWORD})
    items, _html = todos(client)
    assert items[f"meetings-{event.id}"] == (f"/events/{event.id}/requests", 2)


def test_nothing_waiting_says_so(client, auth, db_session):
    auth.login("enterprise", enterprise_id=factories.enterprise().id)
    items, html = todos(client)
    assert items == {} and 'id="todos-none"' in html


def test_the_own_list_refuses_an_unknown_filter(client, auth, db_session):
    auth.login("enterprise", enterprise_id=factories.enterprise().id)
    assert client.get("/engagements?show=everything").status_code == 400
    assert client.get("/engagements?show=to_review").status_code == 200
