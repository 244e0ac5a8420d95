"""Event pages: every form that edits a record opens with its values and, posted back as the browser would
send it, changes nothing; refused input is told beside its field, in Chinese; consent starts unticked; a
finished event offers no rescheduling or republishing."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlmodel import col, func, select

from directory.accounts.models import User
from directory.audit.models import AuditLog
from directory.events import meeting_requests, participants, planning, registration, services
from directory.events.models import Event, EventParticipant, EventSlot, MeetingRequest
from directory.notifications.models import Notification
from directory.taxonomy.services import Vocabulary
from search.models import SearchOutbox
from tests import factories
from tests.forms import form_fields, values_of

OPENS = datetime(2027, 4, 1, 0, 30, tzinfo=UTC)  # 08:30 in Yingkou
CLOSES = datetime(2027, 5, 18, 9, 59, 30, tzinfo=UTC)  # 17:59:30: seconds are kept as stored


@pytest.fixture
def public(app: Any, client: Any) -> Any:
    """A second browser, never logged in: what the public sees."""
    return app.test_client()


def full_event(staff: Any, **fields: Any) -> Event:
    vocab = Vocabulary()
    data = services.EventInput(
        title="营口镁质材料产业服务对接会", theme="知识产权与融资服务面对面",
        description="第一行：服务中心组织。\n第二行：每场20分钟。", starts_on=date(2027, 5, 20), ends_on=date(2027, 5, 21),
        venue="营口市中小企业服务中心", online_url="https://meeting.example.cn/123", registration_opens_at=OPENS,
        registration_closes_at=CLOSES, capacity_enterprises=40, capacity_providers=20, meeting_minutes=25, tables=6,
        max_meetings_per_participant=5, categories=[vocab.category("专利代理"), vocab.category("融资服务")],  # type: ignore[list-item]
        industries=[vocab.industry("镁质材料"), vocab.industry("新材料")])  # type: ignore[list-item]
    for name, value in fields.items():
        setattr(data, name, value)
    return services.create_event(user=staff, data=data)


def open_event(staff: Any) -> Event:
    event = full_event(staff, registration_opens_at=None, registration_closes_at=None)
    services.set_slots(user=staff, event=event, first_start=datetime(2027, 5, 20, 1, 0, tzinfo=UTC), count=5,
                       gap_minutes=5, breaks={2: 15})
    services.change_status(user=staff, event=event, action="open_registration")
    return event


def counts(db_session: Any) -> tuple[int, int, int]:
    return tuple(db_session.exec(select(func.count()).select_from(model)).one()  # type: ignore[return-value]
                 for model in (AuditLog, SearchOutbox, Notification))


def stored(db_session: Any, event_id: int) -> dict[str, Any]:
    """Everything the event forms can touch, read afresh from the database."""
    db_session.expire_all()
    event = db_session.get(Event, event_id)
    categories, industries = services.event_terms(event)
    return {"event": event.model_dump(), "categories": sorted(c.id for c in categories),
            "industries": sorted(i.id for i in industries),
            "slots": [s.model_dump() for s in db_session.exec(select(EventSlot).where(
                EventSlot.event_id == event_id).order_by(col(EventSlot.position))).all()],
            "participants": [p.model_dump() for p in db_session.exec(select(EventParticipant).where(
                EventParticipant.event_id == event_id).order_by(col(EventParticipant.id))).all()]}


def round_trip(client: Any, public: Any, db_session: Any, *, event_id: int, page: str, form_id: str,
               action: str) -> list[tuple[str, str]]:
    """Open ``page``, post form ``form_id`` back to ``action`` unchanged; assert nothing changed."""
    before = stored(db_session, event_id), counts(db_session), public.get(f"/events/{event_id}").data
    response = client.get(page)
    assert response.status_code == 200
    fields = form_fields(response.get_data(as_text=True), form_id)
    html = response.get_data(as_text=True)
    assert "[]" not in html and "&#39;" not in html.split(f'id="{form_id}"')[1].split("</form>")[0]  # no Python reprs
    posted = client.post(action, data=_multidict(fields))
    assert posted.status_code == 302, posted.get_data(as_text=True)[:2000]
    after = stored(db_session, event_id), counts(db_session), public.get(f"/events/{event_id}").data
    assert after[0] == before[0]
    assert after[1] == before[1], "no audit entry, outbox row or notification"
    assert after[2] == before[2], "the same public page"
    return fields


def _multidict(fields: list[tuple[str, str]]) -> Any:
    from werkzeug.datastructures import MultiDict

    return MultiDict(fields)


# -- round trips -----------------------------------------------------------------------------------------

def test_the_event_edit_form_opens_with_the_event_and_saved_unchanged_changes_nothing(client, auth, public,
                                                                                     db_session):
    staff = auth.login("staff")
    event = full_event(staff)
    vocab = Vocabulary()
    fields = round_trip(client, public, db_session, event_id=event.id, page=f"/admin/events/{event.id}/edit",
                        form_id="event-form", action=f"/admin/events/{event.id}/edit")
    assert sorted(values_of(fields, "categories")) == sorted(
        str(vocab.category(n).id) for n in ("专利代理", "融资服务"))  # type: ignore[union-attr]
    assert sorted(values_of(fields, "industries")) == sorted(
        str(vocab.industry(n).id) for n in ("镁质材料", "新材料"))  # type: ignore[union-attr]
    assert values_of(fields, "description") == ["第一行：服务中心组织。\r\n第二行：每场20分钟。"]  # as a browser sends it
    assert values_of(fields, "registration_opens_at") == ["2027-04-01 08:30:00"]  # Yingkou time
    assert values_of(fields, "registration_closes_at") == ["2027-05-18 17:59:30"]
    assert values_of(fields, "starts_on") == ["2027-05-20"] and values_of(fields, "capacity_enterprises") == ["40"]


def test_a_real_change_is_saved_and_audited_once(client, auth, db_session):
    staff = auth.login("staff")
    event = full_event(staff)
    fields = form_fields(client.get(f"/admin/events/{event.id}/edit").get_data(as_text=True), "event-form")
    entries = counts(db_session)[0]
    changed = [(k, "新主题" if k == "theme" else v) for k, v in fields if k != "industries"]
    assert client.post(f"/admin/events/{event.id}/edit", data=_multidict(changed)).status_code == 302
    assert counts(db_session)[0] == entries + 1
    entry = db_session.exec(select(AuditLog).order_by(col(AuditLog.id).desc())).first()
    assert set(entry.changes) == {"theme", "industries"}
    assert stored(db_session, event.id)["industries"] == []


def test_the_slots_form_opens_with_the_slots_and_saved_unchanged_changes_nothing(client, auth, public, db_session):
    staff = auth.login("staff")
    event = open_event(staff)
    fields = round_trip(client, public, db_session, event_id=event.id, page=f"/admin/events/{event.id}",
                        form_id="slots-form", action=f"/admin/events/{event.id}/slots")
    assert dict(fields) == {"first_start": "2027-05-20 09:00:00", "count": "5", "gap_minutes": "5",
                            "breaks": "2:15"}


@pytest.mark.parametrize("listed", [True, False])
def test_the_registration_form_opens_with_the_registration_and_saved_unchanged_changes_nothing(
        client, auth, public, db_session, listed):
    staff = factories.user(role="staff")
    event = open_event(staff)
    user = auth.login("enterprise", enterprise_id=factories.enterprise().id)
    registration.register(user=user, event=event, offers="镁砂深加工\n高纯氧化镁", seeks="发明专利申请", listed=listed,
                          unavailable=[3, 0])
    fields = round_trip(client, public, db_session, event_id=event.id, page=f"/events/{event.id}",
                        form_id="participation-form", action=f"/events/{event.id}/participation")
    assert values_of(fields, "unavailable") == ["0", "3"]
    assert values_of(fields, "listed") == (["y"] if listed else [])
    assert values_of(fields, "offers") == ["镁砂深加工\r\n高纯氧化镁"]


# -- consent ---------------------------------------------------------------------------------------------

def test_the_consent_box_starts_unticked_and_registering_without_it_lists_nobody(client, auth, db_session):
    event = open_event(factories.user(role="staff"))
    auth.login("enterprise", enterprise_id=factories.enterprise().id)
    fields = form_fields(client.get(f"/events/{event.id}").get_data(as_text=True), "register-form")
    assert values_of(fields, "listed") == []
    assert client.post(f"/events/{event.id}/register", data=_multidict(fields)).status_code == 302
    [participant] = participants.participants(event)
    assert (participant.listed, participant.listed_at) == (False, None)
    assert participants.participants(event, listed_only=True) == []


# -- refusals beside the field ---------------------------------------------------------------------------

def error_beside(html: str, field_id: str) -> str:
    found = re.search(rf'id="{re.escape(field_id)}-errors">(.*?)</div>', html, re.S)
    assert found, f"no error beside #{field_id}"
    return found.group(1)


def test_a_refused_event_edit_says_why_beside_the_field(client, auth, db_session):
    staff = auth.login("staff")
    event = full_event(staff)
    before = stored(db_session, event.id), counts(db_session)
    fields = form_fields(client.get(f"/admin/events/{event.id}/edit").get_data(as_text=True), "event-form")
    for name, value, message in (("title", "", "请填写活动名称。"), ("tables", "", "请填写洽谈桌数。"),
                                 ("ends_on", "2027-05-01", None)):
        posted = client.post(f"/admin/events/{event.id}/edit",
                             data=_multidict([(k, value if k == name else v) for k, v in fields]))
        assert posted.status_code == 422
        error = error_beside(posted.get_data(as_text=True), name)
        assert re.search(r"[\u4e00-\u9fff]", error) and (message is None or error == message)
    assert (stored(db_session, event.id), counts(db_session)) == before


def test_a_refused_slots_form_says_why_beside_the_field(client, auth, db_session):
    staff = auth.login("staff")
    event = open_event(staff)
    before = stored(db_session, event.id), counts(db_session)
    posted = client.post(f"/admin/events/{event.id}/slots", data={"first_start": "2027-05-20 09:00", "count": "",
                                                                  "gap_minutes": "5", "breaks": "两点"})
    assert posted.status_code == 422
    html = posted.get_data(as_text=True)
    assert error_beside(html, "count") == "请填写洽谈场次数。"
    assert error_beside(html, "breaks") == "休息请写成 4:15, 8:60。"
    assert (stored(db_session, event.id), counts(db_session)) == before


def test_a_refused_registration_update_says_why_beside_the_field(client, auth, db_session):
    event = open_event(factories.user(role="staff"))
    user = auth.login("enterprise", enterprise_id=factories.enterprise().id)
    registration.register(user=user, event=event, offers="镁砂", listed=True)
    before = stored(db_session, event.id), counts(db_session)
    posted = client.post(f"/events/{event.id}/participation", data={"offers": "长" * 2001, "listed": "y"})
    assert posted.status_code == 422
    assert re.search(r"[\u4e00-\u9fff]", error_beside(posted.get_data(as_text=True), "offers"))
    assert (stored(db_session, event.id), counts(db_session)) == before


def test_a_meeting_request_without_a_message_is_refused_beside_the_message(client, auth, db_session):
    event = open_event(factories.user(role="staff"))
    user = auth.login("enterprise", enterprise_id=factories.enterprise().id)
    registration.register(user=user, event=event, seeks="发明专利")
    prov = registration.register(user=factories.user(role="institution", institution_id=factories.institution().id),
                                 event=event, offers="专利代理", listed=True)
    notes = counts(db_session)[2]
    posted = client.post(f"/events/{event.id}/requests", data={"recipient": str(prov.id), "message": "  "})
    assert posted.status_code == 422
    html = posted.get_data(as_text=True)
    found = re.search(rf'id="message-errors-l-{prov.id}">(.*?)</div>', html, re.S)
    assert found and found.group(1) == "请写一句留言：您想谈些什么。"
    assert db_session.exec(select(func.count()).select_from(MeetingRequest)).one() == 0
    assert counts(db_session)[2] == notes
    sent = client.post(f"/events/{event.id}/requests", data={"recipient": str(prov.id), "message": "想了解专利布局"})
    assert sent.status_code == 302
    assert db_session.exec(select(MeetingRequest.message)).all() == ["想了解专利布局"]


# -- a finished event ------------------------------------------------------------------------------------

def test_a_completed_event_offers_no_rescheduling_or_republishing(client, auth, db_session):
    staff = auth.login("staff")
    event = open_event(staff)
    ent = registration.register(user=factories.user(role="enterprise", enterprise_id=factories.enterprise().id),
                                event=event, listed=True)
    prov = registration.register(user=factories.user(role="institution", institution_id=factories.institution().id),
                                 event=event, listed=True)
    request = meeting_requests.request_meeting(user=db_session.get(User, ent.user_id), requester=ent,
                                               recipient=prov, message="想约谈")
    meeting_requests.respond_to_request(user=staff, request=request, accept=True)
    planning.run(event=event, user=staff)
    for page in (f"/admin/events/{event.id}", f"/admin/events/{event.id}/plan"):  # while it is open: offered
        html = client.get(page).get_data(as_text=True)
        assert "/schedule\"" in html
    assert 'id="edit-event"' in client.get(f"/admin/events/{event.id}").get_data(as_text=True)
    assert 'id="publish-schedule"' in client.get(f"/admin/events/{event.id}/plan").get_data(as_text=True)
    planning.publish(user=staff, event=event)
    services.change_status(user=staff, event=event, action="start")
    services.change_status(user=staff, event=event, action="complete")
    for page in (f"/admin/events/{event.id}", f"/admin/events/{event.id}/plan"):
        html = client.get(page).get_data(as_text=True)
        for marker in ('id="run-schedule"', 'id="rerun-schedule"', 'id="publish-schedule"', "/schedule\"", 'id="edit-event"',
                       "/publish-schedule\"", "/move\"", "/swap\"", "/lock\"", 'id="slots-form"'):
            assert marker not in html, (page, marker)
    before = stored(db_session, event.id), counts(db_session)
    for action in ("schedule", "publish-schedule"):
        posted = client.post(f"/admin/events/{event.id}/{action}")
        assert posted.status_code == 302
        assert "活动已结束：日程不能再更改。" in client.get(posted.headers["Location"]).get_data(as_text=True)
    assert (stored(db_session, event.id), counts(db_session)) == before


def test_a_category_posted_twice_is_saved_once(client, auth, db_session):
    staff = auth.login("staff")
    event = full_event(staff)
    fields = form_fields(client.get(f"/admin/events/{event.id}/edit").get_data(as_text=True), "event-form")
    twice = fields + [("industries", values_of(fields, "industries")[0])]
    assert client.post(f"/admin/events/{event.id}/edit", data=_multidict(twice)).status_code == 302
    assert stored(db_session, event.id)["industries"] == sorted(int(v) for v in values_of(fields, "industries"))
    fewer = [(k, v) for k, v in fields if k != "industries"] + [("industries", values_of(fields, "industries")[0])] * 2
    assert client.post(f"/admin/events/{event.id}/edit", data=_multidict(fewer)).status_code == 302
    assert stored(db_session, event.id)["industries"] == [int(values_of(fields, "industries")[0])]
