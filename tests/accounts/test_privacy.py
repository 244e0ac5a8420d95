"""Personal information (个人信息保护法): the notice, consent at registration, a copy of one's data, closing one's
account; and an expert's contact details never leaving staff pages."""

from __future__ import annotations

import io
import json
import re
import zipfile

from sqlmodel import select

from directory.accounts.models import User
from directory.audit.models import AuditLog
from directory.experts.models import Expert
from directory.extensions import db
from directory.institutions.models import RecordStatus
from directory.my import privacy
from directory.notifications.models import Notification
from directory.reviews.models import Review
from search import fallback
from search.queries import SearchParams
from tests import factories
from tests.conftest import IsolatedClient
from tests.opendata import download_fresh

REGISTRATION = {"role": "enterprise", "display_name": "赵经理", "organization": "营口海蜇食品有限公司",
                "phone": "13866667777", "password": "marble-ferry-73", "confirm": "marble-ferry-73",
                "credit_code": factories.credit_code()}


def _log_in(client, user):
    return client.post("/login", data={"login": user.email, "password": factories.PASSWORD})


def _audit(db_session, action, entity_id):
    return db_session.exec(select(AuditLog).where(AuditLog.action == action, AuditLog.entity_id == entity_id)).all()


# -- the notice and consent ------------------------------------------------------------------------------

def test_the_notice_in_chinese_and_english_linked_from_footer_and_registration(client, db_session):
    zh = client.get("/privacy").get_data(as_text=True)
    assert "隐私政策" in zh and "个人信息保护法" in zh and "查阅、复制、更正、删除" in zh
    assert privacy.NOTICE_VERSION in zh
    client.get("/lang/en")
    en = client.get("/privacy").get_data(as_text=True)
    assert "Privacy Notice" in en and "withdraw your consent" in en
    assert 'href="/privacy"' in client.get("/").get_data(as_text=True)
    register = client.get("/register").get_data(as_text=True)
    assert 'href="/privacy"' in register
    assert 'name="consent"' in register and 'name="consent" type="checkbox" value="y" checked' not in register


def test_registration_without_consent_is_refused_beside_the_field(client, db_session):
    response = client.post("/register", data=REGISTRATION)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    beside = re.search(r'<input[^>]*id="consent"[^>]*>.{0,300}?invalid-feedback">([^<]*)<', page, re.S)
    assert beside and beside.group(1) == "注册须同意《隐私政策》。" and "is-invalid" in beside.group(0)
    assert db_session.exec(select(User)).all() == []


def test_registration_records_the_time_and_version_of_the_consent(client, db_session):
    response = client.post("/register", data={**REGISTRATION, "consent": "y"})
    assert response.status_code == 302
    user = db_session.exec(select(User).where(User.phone == "13866667777")).one()
    assert user.privacy_consent_at is not None
    assert user.privacy_notice_version == privacy.NOTICE_VERSION


# -- a copy of one's data --------------------------------------------------------------------------------

def _download(client):
    response = client.get("/my/data")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response.headers["Cache-Control"]
    return response.get_data(as_text=True), json.loads(response.get_data(as_text=True))


def test_an_expert_gets_their_record_with_contact_details_and_nothing_of_others(client, auth, db_session):
    mine = factories.expert(phone="13911112222", email="mine@example.cn")
    other = factories.expert(phone="13933334444", email="other-expert@example.cn")
    stranger = factories.user(email="stranger@example.cn")
    user = auth.login("expert", expert_id=mine.id)
    db.session.add_all([Notification(user_id=user.id, kind="x", title="给我的消息"),
                        Notification(user_id=stranger.id, kind="x", title="别人的消息")])
    db.session.flush()
    text, data = _download(client)
    assert data["account"]["email"] == user.email and "password_hash" not in data["account"]
    assert data["expert"]["phone"] == "13911112222" and data["expert"]["email"] == "mine@example.cn"
    assert [n["title"] for n in data["notifications"]] == ["给我的消息"]
    assert any(a["action"] == "user.login" for a in data["audit"])
    for foreign in ("13933334444", "other-expert@example.cn", "stranger@example.cn", "别人的消息", other.name):
        assert foreign not in text
    assert _audit(db_session, "user.data_export", user.id)


def test_an_enterprise_user_gets_its_needs_engagements_and_reviews(client, auth, db_session):
    ours, theirs = factories.enterprise(name="营口我们的公司"), factories.enterprise(name="营口别人的公司")
    factories.demand(enterprise_obj=ours, title="我们的需求")
    factories.demand(enterprise_obj=theirs, title="别人的需求")
    engagement = factories.engagement(enterprise_obj=ours, status="completed")
    db.session.add(Review(engagement_id=engagement.id, enterprise_id=ours.id, institution_id=engagement.institution_id,
                          quality=4, efficiency=4, expertise=4, attitude=4, price=4, verdict="satisfied",
                          comment="我们的评价"))
    db.session.flush()
    auth.login("enterprise", enterprise_id=ours.id)
    text, data = _download(client)
    assert data["enterprise"]["name"] == "营口我们的公司"
    assert [d["title"] for d in data["needs"]] == ["我们的需求"]
    assert [e["id"] for e in data["engagements"]] == [engagement.id]
    assert [r["comment"] for r in data["reviews"]] == ["我们的评价"]
    assert "别人的需求" not in text and "营口别人的公司" not in text


# -- closing one's account -------------------------------------------------------------------------------

def _close(client, password=factories.PASSWORD):
    return client.post("/my/close", data={"password": password})


def test_closing_removes_personal_data_and_ends_every_session_at_once(app, client, auth, db_session):
    user = factories.user(email="wang@example.cn", phone="13855556666")
    db.session.add(Notification(user_id=user.id, kind="x", title="消息"))
    db.session.flush()
    assert _log_in(client, user).status_code == 302
    app.test_client_class = IsolatedClient
    laptop = app.test_client()
    assert _log_in(laptop, user).status_code == 302
    assert client.get("/my/close").status_code == 200
    assert _close(client).status_code == 302
    assert laptop.get("/my").status_code == 302  # the other session is over at once
    assert client.get("/my").status_code == 302
    db_session.expire_all()
    closed = db_session.get(User, user.id)
    assert closed.email == f"closed-{user.id}@closed.invalid" and closed.phone is None and closed.display_name == ""
    assert not closed.active and closed.closed_at is not None
    assert _log_in(app.test_client(), user).status_code == 422
    assert db_session.exec(select(Notification).where(Notification.user_id == user.id)).all() == []
    entry = _audit(db_session, "user.close", user.id)[0]
    assert "wang@example.cn" not in json.dumps(entry.changes) and "13855556666" not in json.dumps(entry.changes)


def test_closing_keeps_the_enterprise_reviews_without_the_author(app, client, auth, db_session):
    ours = factories.enterprise()
    engagement = factories.engagement(enterprise_obj=ours, status="completed")
    review = Review(engagement_id=engagement.id, enterprise_id=ours.id, institution_id=engagement.institution_id,
                    quality=5, efficiency=5, expertise=5, attitude=5, price=5, verdict="very_satisfied",
                    comment="服务很好，值得推荐")
    db.session.add(review)
    db.session.flush()
    user = auth.login("enterprise", enterprise_id=ours.id)
    name = user.display_name
    assert _close(client).status_code == 302
    assert db_session.get(Review, review.id) is not None
    app.test_client_class = IsolatedClient
    page = app.test_client().get(f"/institutions/{engagement.institution_id}").get_data(as_text=True)
    assert "服务很好，值得推荐" in page and name not in page and user.email not in page


def test_closing_an_expert_account_clears_contacts_and_unpublishes_the_record(client, auth, db_session,
                                                                               search_backend):
    expert = factories.expert(name="闭户专家", phone="13977778888", email="closing@example.cn")
    auth.login("expert", expert_id=expert.id)
    assert _close(client).status_code == 302
    db_session.expire_all()
    record = db_session.get(Expert, expert.id)
    assert record.status == RecordStatus.REMOVED and record.phone == "" and record.email == ""
    assert client.get(f"/api/v1/experts/{expert.id}").status_code == 404
    assert client.get(f"/experts/{expert.id}").status_code == 404
    hits, _total = fallback.search(SearchParams(q="闭户专家", type="expert", per_page=50))
    assert expert.id not in {h["id"] for h in hits}
    assert _audit(db_session, "expert.remove", expert.id)[0].changes["reason"] == privacy.CLOSE_REASON


def test_closing_an_institution_account_leaves_the_institution(client, auth, db_session):
    from datetime import timedelta

    from directory.core.time import utcnow
    from directory.institutions.models import Invitation

    institution = factories.institution()
    user = auth.login("institution", institution_id=institution.id)
    owner = factories.user(role="institution", institution_id=institution.id)
    invitation = Invitation(institution_id=institution.id, email=user.email.upper(), token="t" * 40,
                            invited_by_id=owner.id, expires_at=utcnow() + timedelta(days=7))
    db.session.add(invitation)
    db.session.flush()
    assert _close(client).status_code == 302
    db_session.expire_all()
    assert db_session.get(User, user.id).institution_id is None
    assert db_session.get(Invitation, invitation.id).email == f"closed-{user.id}@closed.invalid"
    assert db_session.get(type(institution), institution.id).status == RecordStatus.ADMITTED


def test_a_wrong_password_or_the_last_admin_is_refused_and_nothing_changes(client, auth, db_session):
    user = auth.login("admin")
    response = _close(client, password="not-my-password")
    assert response.status_code == 422 and "当前密码不正确" in response.get_data(as_text=True)
    response = _close(client)
    assert response.status_code == 422 and "最后一位管理员" in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(User, user.id).active and client.get("/my").status_code == 200
    factories.user(role="admin")
    assert _close(client).status_code == 302  # with another administrator, it may go


# -- expert contact details stay on staff pages ----------------------------------------------------------

def test_expert_phone_is_in_no_public_page_api_search_document_or_open_data(client, db_session, search_backend):
    from search.documents import expert_document
    from search.drain import run_drain

    expert = factories.expert(name="联系方式专家", phone="13912398765", email="hidden-contact@example.cn")
    assert run_drain(search=search_backend).failed == 0
    outputs = [client.get(path).get_data(as_text=True) for path in (
        "/", f"/experts/{expert.id}", "/search?q=联系方式专家", "/search?type=expert",
        f"/api/v1/experts/{expert.id}", "/api/v1/search?q=联系方式专家", "/api/v1/search?type=expert")]
    assert any("联系方式专家" in text for text in outputs[2:4])  # the searches did find the expert
    outputs.append(json.dumps(expert_document(expert), ensure_ascii=False))
    with zipfile.ZipFile(io.BytesIO(download_fresh(client).get_data())) as archive:
        outputs += [archive.read(name).decode("utf-8") for name in archive.namelist()]
    for text in outputs:
        assert "13912398765" not in text and "hidden-contact@example.cn" not in text


def test_closing_ends_the_listing_at_events_and_the_copy_holds_the_participation(client, auth, db_session):
    from datetime import date

    from directory.core.time import utcnow
    from directory.events.models import Event, EventParticipant

    user = auth.login("enterprise", enterprise_id=factories.enterprise().id)
    event = Event(title="对接会", starts_on=date(2027, 5, 10))
    db.session.add(event)
    db.session.flush()
    participant = EventParticipant(event_id=event.id, user_id=user.id, side="enterprise", seeks="找专利代理",
                                   listed=True, listed_at=utcnow(), checkin_token="c" * 40)
    db.session.add(participant)
    db.session.flush()
    text, data = _download(client)
    assert [p["seeks"] for p in data["event_participations"]] == ["找专利代理"] and "c" * 40 not in text
    assert _close(client).status_code == 302
    db_session.expire_all()
    kept = db_session.get(EventParticipant, participant.id)
    assert not kept.listed and kept.listed_at is None
