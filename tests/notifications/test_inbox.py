"""The inbox: a message is marked read when its user opens it (and only its user can open it)."""

import pytest

from directory.core.errors import NotFound
from directory.notifications import services
from tests import factories


def test_opening_a_message_marks_it_read_once(db_session):
    user, other = factories.user(), factories.user()
    item, = services.notify(users=[user], kind="test", title="请查看")
    assert services.unread_count(user) == 1
    with pytest.raises(NotFound):
        services.open_message(user=other, message_id=item.id)
    assert item.read_at is None
    first = services.open_message(user=user, message_id=item.id).read_at
    assert first is not None and services.unread_count(user) == 0
    assert services.open_message(user=user, message_id=item.id).read_at == first  # the first opening counts


def test_a_message_opened_from_the_inbox_is_read_and_leads_where_it_points(client, auth, db_session):
    user = auth.login("enterprise")
    linked, = services.notify(users=[user], kind="test", title="有新的回复", link="/events")
    plain, = services.notify(users=[user], kind="test", title="系统通知", body="平台将于周六维护。")
    page = client.get("/my").get_data(as_text=True)
    assert 'id="unread-count"' in page and f"/messages/{linked.id}" in page
    response = client.get(f"/messages/{linked.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/events")
    shown = client.get(f"/messages/{plain.id}")
    assert shown.status_code == 200 and "平台将于周六维护。" in shown.get_data(as_text=True)
    db_session.refresh(linked)
    db_session.refresh(plain)
    assert linked.read_at is not None and plain.read_at is not None
    assert 'id="unread-count"' not in client.get("/my").get_data(as_text=True)


def test_a_message_link_never_leaves_the_site(client, auth, db_session):
    user = auth.login("enterprise")
    item, = services.notify(users=[user], kind="test", title="外链", link="https://evil.example/")
    response = client.get(f"/messages/{item.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/my")


def test_mark_all_read(client, auth, db_session):
    user = auth.login("enterprise")
    services.notify(users=[user, user], kind="test", title="两条")
    assert client.post("/messages/read").status_code == 302
    assert services.unread_count(user) == 0
