"""What the live server holds beyond the directory's records, so that the pages drawn from it have something to
draw: an event whose day has happened (meetings held and missed, both sides' feedback) for the event report, and
two published evaluation periods for the grade distribution and an institution's own trend. Built through the
services, as staff and the participants would; every provider is a record the server already has, so searches
find what they found before."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import col, select

# Filled in by the live server: the ids the tests open (an event's report, a period's page).
SEEDED: dict[str, Any] = {}
EVENT_TITLE = "营口市镁质材料企业服务对接会（浏览器报告专场）"
PERIODS = ("2026Q1", "2026Q2")


def seed_event(*, staff: Any, providers: list[Any]) -> int:
    """An event from registration to its day: three enterprises each ask every provider, most accepted, the
    meetings scheduled and published; on the day most are held and some missed, with both sides' ratings and
    outcomes. Returns its id."""
    from directory.events import day, meeting_requests, planning, registration, services
    from directory.events.models import Meeting, MeetingStatus
    from directory.extensions import db
    from tests import factories

    event = services.create_event(user=staff, data=services.EventInput(
        title=EVENT_TITLE, theme="知识产权与检验检测服务", starts_on=datetime(2027, 4, 15).date(),
        venue="营口市中小企业公共服务中心", tables=3))
    services.set_slots(user=staff, event=event, first_start=datetime(2027, 4, 15, 1, 0, tzinfo=UTC), count=4)
    services.change_status(user=staff, event=event, action="open_registration")
    sides = [registration.register(user=u, event=event, listed=True, offers="专利代理、检验检测") for u in providers]
    users = {p.id: u for p, u in zip(sides, providers, strict=True)}
    for n, (name, seeks) in enumerate((("营口报告镁材有限公司", "发明专利布局"), ("营口报告装备有限公司", "产品检测认证"),
                                       ("营口报告食品有限公司", "商标注册"))):
        user = factories.user(role="enterprise", enterprise_id=factories.enterprise(name=name).id)
        asking = registration.register(user=user, event=event, listed=True, seeks=seeks)
        users[asking.id] = user
        for m, recipient in enumerate(sides):
            request = meeting_requests.request_meeting(user=user, requester=asking, recipient=recipient,
                                                       message="希望当面交流")
            meeting_requests.respond_to_request(user=users[recipient.id], request=request, accept=(n + m) % 4 != 3,
                                                reply="欢迎来谈")
    services.change_status(user=staff, event=event, action="close_registration")
    planning.run(event=event, user=staff)
    planning.publish(user=staff, event=event)
    services.change_status(user=staff, event=event, action="start")
    meetings = db.session.exec(select(Meeting).where(Meeting.event_id == event.id,
                                                     col(Meeting.slot_position).is_not(None))
                               .order_by(col(Meeting.id))).all()
    outcomes = ["signed", "intent", "none", "intent"]
    for n, meeting in enumerate(meetings):
        if n % 4 == 3:
            day.mark(user=staff, meeting=meeting, status=MeetingStatus.NO_SHOW)
            continue
        day.mark(user=staff, meeting=meeting, status=MeetingStatus.HELD)
        outcome = outcomes[n % len(outcomes)]
        for person in planning._people(meeting):
            day.give_feedback(user=users[person.id], meeting=meeting, data=day.FeedbackInput(
                rating=4 + n % 2, outcome=outcome, amount=200000.0 if outcome == "signed" else None,
                comment="需求对口，继续跟进"))
    services.change_status(user=staff, event=event, action="complete")
    assert event.id is not None
    return event.id


def seed_evaluation(*, staff: Any) -> str:
    """Two periods computed and published, so the grade distribution has grades and every institution a
    trend of two points. Returns the later period's code."""
    from directory.evaluation import services

    for code in PERIODS:
        services.run(code=code, user=staff)
        services.publish(user=staff, period=services.get_period(code))
    return PERIODS[-1]
