"""A provider answers with a reply (issue 16, item 4): accepting or declining a service request or a meeting
request sends the reply to the other side with the notification, and the page says what happened."""

from sqlmodel import col, select

from directory.extensions import db
from directory.notifications.models import Notification
from tests import factories


def _messages(user):
    return [(n.kind, n.body) for n in db.session.exec(
        select(Notification).where(Notification.user_id == user.id).order_by(col(Notification.id))).all()]


def test_accepting_and_declining_a_service_request_send_the_reply(client, auth, db_session):
    inst = factories.institution()
    ent = factories.enterprise()
    owner = factories.user(role="enterprise", enterprise_id=ent.id)
    first = factories.engagement(enterprise_obj=ent, institution_obj=inst)
    second = factories.engagement(enterprise_obj=ent, institution_obj=inst)
    auth.login("institution", institution_id=inst.id)
    page = client.get(f"/engagements/{first.id}").get_data(as_text=True)
    assert "给企业的回复（选填）" in page and "给企业的回复：婉拒的原因" in page

    response = client.post(f"/engagements/{first.id}/accept", data={"reason": "下周一上门沟通"}, follow_redirects=True)
    assert "已接受，已通知企业。" in response.get_data(as_text=True)
    response = client.post(f"/engagements/{second.id}/decline", data={"reason": "本月排满"}, follow_redirects=True)
    assert "已婉拒，已将您的回复通知企业。" in response.get_data(as_text=True)
    assert _messages(owner) == [("engagement.accept", "下周一上门沟通"), ("engagement.decline", "本月排满")]


def test_a_meeting_request_is_answered_with_a_reply(client, db_session):
    from directory.events import meeting_requests
    from tests.events.helpers import make_event, provider, register, user_of

    event = make_event(factories.user(role="staff"))
    ent, prov = register(event), provider(event)
    asked = meeting_requests.request_meeting(user=user_of(ent), requester=ent, recipient=prov, message="想约谈")
    client.post("/login", data={"login": user_of(prov).email, "password": factories.PASSWORD})
    page = client.get(f"/events/{event.id}/requests").get_data(as_text=True)
    assert 'name="reply"' in page
    response = client.post(f"/events/{event.id}/requests/{asked.id}/accept", data={"reply": "请到3号桌"},
                           follow_redirects=True)
    assert "已接受，已通知对方。" in response.get_data(as_text=True)
    db_session.refresh(asked)
    assert asked.status == "accepted"
    assert ("event.meeting_answer", "请到3号桌") in _messages(user_of(ent))

    other = register(event)
    second = meeting_requests.request_meeting(user=user_of(other), requester=other, recipient=prov, message="想约谈")
    response = client.post(f"/events/{event.id}/requests/{second.id}/decline", data={"reply": "长" * 2001},
                           follow_redirects=True)
    assert "2000" in response.get_data(as_text=True)  # too long: said, and nothing answered
    db_session.refresh(second)
    assert second.status == "pending"


def test_the_reply_stays_on_the_engagement_page_for_both_sides(client, auth, db_session):
    from directory.engagements import services

    inst = factories.institution()
    ent = factories.enterprise()
    provider_user = factories.user(role="institution", institution_id=inst.id)
    accepted = factories.engagement(enterprise_obj=ent, institution_obj=inst)
    declined = factories.engagement(enterprise_obj=ent, institution_obj=inst)
    silent = factories.engagement(enterprise_obj=ent, institution_obj=inst)
    services.transition(engagement=accepted, action="accept", user=provider_user, reason="  下周一上门沟通\n请备好图纸 ")
    services.transition(engagement=declined, action="decline", user=provider_user, reason="本月排满")
    services.transition(engagement=silent, action="accept", user=provider_user)
    assert accepted.accept_reply == "下周一上门沟通\n请备好图纸" and silent.accept_reply == ""
    # the notification may be read and gone: the page keeps what the provider wrote
    from sqlmodel import delete

    db_session.exec(delete(Notification))
    db_session.flush()
    for login in ({"role": "enterprise", "enterprise_id": ent.id}, {"role": "institution", "institution_id": inst.id}):
        auth.login(login.pop("role"), **login)
        page = client.get(f"/engagements/{accepted.id}").get_data(as_text=True)
        assert "服务方的回复" in page and "下周一上门沟通\n请备好图纸" in page
        assert "本月排满" in client.get(f"/engagements/{declined.id}").get_data(as_text=True)
        assert "服务方的回复" not in client.get(f"/engagements/{silent.id}").get_data(as_text=True)
        auth.logout()
