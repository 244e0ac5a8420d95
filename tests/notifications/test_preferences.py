"""Notification preferences: per topic, the inbox and the mail; notify() respects them."""

from sqlmodel import select

from directory.notifications import services
from directory.notifications.models import Notification, OutgoingMail
from tests import factories


def _delivered(session, user, kind):
    inbox = session.exec(select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)).all()
    mails = session.exec(select(OutgoingMail).where(OutgoingMail.to_address == user.email,
                                                    OutgoingMail.subject == f"title {kind}")).all()
    return len(inbox), len(mails)


def test_notify_respects_each_users_choice_per_topic(db_session):
    quiet = factories.user(role="enterprise", email="quiet@example.cn")
    loud = factories.user(role="enterprise", email="loud@example.cn")
    assert services.set_preferences(user=quiet, choices={"engagement": (True, False), "event": (False, False)})
    assert not services.set_preferences(user=quiet, choices={"engagement": (True, False)})  # no change
    for kind in ("engagement.accepted", "event.agenda", "review.new", "institution.removed"):
        services.notify(users=[quiet, loud], kind=kind, title=f"title {kind}")
    assert _delivered(db_session, quiet, "engagement.accepted") == (1, 0)  # inbox only
    assert _delivered(db_session, quiet, "event.agenda") == (0, 0)  # neither
    assert _delivered(db_session, quiet, "review.new") == (1, 1)  # untouched topic: both
    assert _delivered(db_session, loud, "event.agenda") == (1, 1)  # another user's choice is theirs
    services.set_preferences(user=quiet, choices={"listing": (False, False)})
    services.notify(users=[quiet], kind="institution.removed", title="title institution.removed")
    assert _delivered(db_session, quiet, "institution.removed") == (2, 2)  # about their access: always told
    services.set_preferences(user=quiet, choices={"event": (True, True)})  # back to the default: no row kept
    assert services.preferences(quiet)["event"] == (True, True)


def test_the_preferences_page_saves_the_ticked_boxes(client, auth, db_session):
    user = auth.login("expert")
    page = client.get("/my/notifications").get_data(as_text=True)
    assert page.count('type="checkbox"') == 2 * len(services.preferences(user)) and page.count("checked") == page.count('type="checkbox"')
    form = {f"{t}-{c}": "y" for t in services.preferences(user) for c in ("inbox", "mail")}
    del form["event-mail"]
    assert client.post("/my/notifications", data=form).status_code == 302
    assert services.preferences(user)["event"] == (True, False)
    page = client.get("/my/notifications").get_data(as_text=True)
    assert 'name="event-mail" value="y" id="event-mail" ' in page and 'id="event-mail" checked' not in page
