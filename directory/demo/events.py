"""Demo events for `flask seed demo`: a past brokerage day with its meetings, feedback and report, and an
upcoming one open for registration. Built through the events services (the same rules as the pages) by the
demo staff account; participants get demo accounts of their own. Written once: nothing happens when any
event exists."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from directory.accounts import services as accounts
from directory.accounts.models import User
from directory.core.time import utcnow
from directory.demo.accounts import demo_user
from directory.enterprises.models import Enterprise
from directory.events import day, meeting_requests, planning, registration, services
from directory.events.models import Event, Meeting, MeetingStatus
from directory.experts.models import Expert
from directory.extensions import db
from directory.institutions.models import Institution, RecordStatus
from directory.reviews.services import ReviewInput


def _china(day_: datetime, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Yingkou as UTC."""
    return datetime(day_.year, day_.month, day_.day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def seed_events() -> None:
    """The two demo events, by the demo staff account; nothing when any event exists or staff@demo.yk is
    missing. Flushes."""
    if db.session.exec(select(Event.id)).first() is not None:
        return
    staff = accounts.find_by_login("staff@demo.yk")
    if staff is None:
        return
    rng = random.Random(2027)
    today = utcnow()
    enterprises = list(db.session.exec(select(Enterprise).order_by(col(Enterprise.id)).limit(24)).all())
    insts = list(db.session.exec(select(Institution).where(Institution.status == RecordStatus.ADMITTED)
                                 .order_by(col(Institution.id)).limit(16)).all())
    experts = list(db.session.exec(select(Expert).where(Expert.status == RecordStatus.ADMITTED)
                                   .order_by(col(Expert.id)).limit(3)).all())
    # The README's demo accounts take part first; the others get accounts of their own (event-e…@demo.yk …).
    ent_users = [accounts.find_by_login("enterprise@demo.yk")
                 or demo_user(role="enterprise", email="e0@demo.yk", name="企业0")]
    ent_users += [demo_user(role="enterprise", email=f"event-e{e.id}@demo.yk", name=e.name,
                            enterprise_id=e.id) for e in enterprises[1:20]]
    prov_users = [accounts.find_by_login("institution@demo.yk")
                  or demo_user(role="institution", email="i0@demo.yk", name="机构0")]
    prov_users += [demo_user(role="institution", email=f"event-i{i.id}@demo.yk", name=i.name,
                             institution_id=i.id) for i in insts[1:14]]
    prov_users += [accounts.find_by_login("expert@demo.yk")
                   or demo_user(role="expert", email="x0@demo.yk", name="专家0")]
    prov_users += [demo_user(role="expert", email=f"event-x{x.id}@demo.yk", name=x.name, expert_id=x.id)
                   for x in experts[1:3]]
    _past_event(staff, rng, today - timedelta(days=60), ent_users, prov_users)
    _upcoming_event(staff, rng, today + timedelta(days=21), ent_users[1:7], prov_users[1:6])


def _past_event(staff: User, rng: random.Random, when: datetime, ent_users: list[User],
                prov_users: list[User]) -> None:
    event = services.create_event(user=staff, data=services.EventInput(
        title="营口市中小企业服务对接会（镁质材料与先进制造专场）", theme="知识产权、检验检测、融资与数字化服务面对面",
        description="服务中心组织入库服务机构和专家与镁质材料、装备制造企业一对一洽谈，每场20分钟。",
        starts_on=when.date(), venue="营口市中小企业公共服务中心一楼多功能厅", capacity_enterprises=40,
        capacity_providers=20, meeting_minutes=20, tables=8, max_meetings_per_participant=6))
    services.set_slots(user=staff, event=event, first_start=_china(when, 9), count=10, gap_minutes=5,
                       breaks={5: 15})
    services.change_status(user=staff, event=event, action="open_registration")
    # the demo's participants all agreed to be listed (the form asks; nobody is listed by default)
    ents = [registration.register(user=u, event=event, listed=True, seeks=rng.choice(
        ["发明专利申请和专利布局", "产品检测认证，准备出口", "设备更新贷款，了解贴息政策", "MES和设备联网改造",
         "高新技术企业认定辅导", "节能诊断和能源审计"])) for u in ent_users]
    provs = [registration.register(user=u, event=event, listed=True, offers=rng.choice(
        ["专利代理与知识产权贯标", "CMA检测与产品认证", "科技贷款与融资担保", "工业互联网与数字化改造",
         "高企认定与研发费用加计扣除", "节能诊断与合同能源管理"])) for u in prov_users]
    for ent in ents:
        for prov in rng.sample(provs, k=rng.randint(3, 5)):
            ent_user = db.session.get_one(User, ent.user_id)
            prov_user = db.session.get_one(User, prov.user_id)
            request = meeting_requests.request_meeting(user=ent_user, requester=ent, recipient=prov, message="希望当面交流")
            # A provider near its cap declines the rest: part of a real day, and of the report.
            accept = rng.random() < 0.85 and meeting_requests._meeting_count(prov) <= 6
            meeting_requests.respond_to_request(user=prov_user, request=request, accept=accept)
    services.change_status(user=staff, event=event, action="close_registration")
    planning.run(event=event, user=staff)
    planning.publish(user=staff, event=event)
    services.change_status(user=staff, event=event, action="start")
    for participant in ents[: len(ents) * 9 // 10]:
        day.check_in(user=staff, participant=participant, now=_china(when, 8, 40))
    for participant in provs:
        day.check_in(user=staff, participant=participant, now=_china(when, 8, 30))
    meetings = db.session.exec(select(Meeting).where(Meeting.event_id == event.id,
                                                     col(Meeting.slot_position).is_not(None))).all()
    for meeting in meetings:
        day.mark(user=staff, meeting=meeting, status=MeetingStatus.HELD if rng.random() < 0.86
                 else MeetingStatus.NO_SHOW)
    for meeting in meetings:
        if meeting.status != MeetingStatus.HELD:
            continue
        a, b = planning._people(meeting)
        outcome = rng.choices(["signed", "intent", "none"], weights=[2, 5, 3])[0]
        amount = float(rng.choice([5, 8, 12, 20, 30, 50]) * 10000) if outcome != "none" else None
        for p in (a, b):
            if rng.random() < 0.75:
                day.give_feedback(user=db.session.get_one(User, p.user_id), meeting=meeting, data=day.FeedbackInput(
                    rating=rng.choice([3, 4, 4, 5, 5]), outcome=outcome, amount=amount,
                    comment=rng.choice(["", "对方很专业，约了下周去厂里看", "需求对口，继续跟进"])))
        ent = a if a.side == "enterprise" else b
        if rng.random() < 0.4:
            score = rng.choice([4, 5, 5])
            day.review_meeting(user=db.session.get_one(User, ent.user_id), meeting=meeting, data=ReviewInput(
                quality=score, efficiency=score, expertise=score, attitude=5, price=4,
                verdict="very_satisfied" if score == 5 else "satisfied", comment="洽谈很有收获"))
    services.change_status(user=staff, event=event, action="complete")


def _upcoming_event(staff: User, rng: random.Random, when: datetime, ent_users: list[User],
                    prov_users: list[User]) -> None:
    event = services.create_event(user=staff, data=services.EventInput(
        title="“专精特新”企业服务对接日", theme="上市辅导、融资、人才与品牌服务",
        description="面向专精特新和创新型中小企业，服务机构与专家一对一对接。报名后可在参会名单中预约洽谈。",
        starts_on=when.date(), venue="营口高新区科技创新中心报告厅", capacity_enterprises=30, capacity_providers=15,
        meeting_minutes=25, tables=6, max_meetings_per_participant=5,
        registration_closes_at=_china(when - timedelta(days=2), 17)))
    services.set_slots(user=staff, event=event, first_start=_china(when, 13, 30), count=8, gap_minutes=5,
                       breaks={4: 20})
    services.change_status(user=staff, event=event, action="open_registration")
    ents = [registration.register(user=u, event=event, listed=True, seeks="融资和上市辅导") for u in ent_users]
    provs = [registration.register(user=u, event=event, listed=True, offers="上市辅导与股权融资") for u in prov_users]
    for ent in ents[:3]:
        meeting_requests.request_meeting(user=db.session.get_one(User, ent.user_id), requester=ent,
                                         recipient=rng.choice(provs), message="想了解上市辅导流程")
