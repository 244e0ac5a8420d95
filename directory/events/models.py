"""Matchmaking events (服务对接活动): registration, meeting requests, scheduled meetings and feedback."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import JSON, Field, SQLModel, Text

from directory.core.models import Timestamps
from directory.core.time import utcnow


class EventStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    REGISTRATION_OPEN = "registration_open"
    REGISTRATION_CLOSED = "registration_closed"
    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class EventCategory(SQLModel, table=True):
    event_id: int = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    category_id: int = Field(foreign_key="category.id", primary_key=True)


class EventIndustry(SQLModel, table=True):
    event_id: int = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    industry_id: int = Field(foreign_key="industry.id", primary_key=True)


class EventBase(SQLModel):
    """The columns staff set on an event (its form, :class:`directory.events.services.EventInput`); the life
    cycle and the schedule are the table's own."""

    title: str = Field(max_length=200)
    theme: str = Field(default="", max_length=200)
    description: str = Field(default="", sa_type=Text)
    starts_on: date
    ends_on: date | None = None
    venue: str = Field(default="", max_length=200)
    online_url: str = Field(default="", max_length=300)
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    capacity_enterprises: int | None = None
    capacity_providers: int | None = None
    meeting_minutes: int = 20
    tables: int = 10
    max_meetings_per_participant: int | None = None


class Event(Timestamps, EventBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    status: str = Field(default=EventStatus.DRAFT, max_length=24, index=True)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    # none → preliminary (staff adjust) → final (published to participants; later changes notify the two people)
    schedule_status: str = Field(default="none", max_length=12)
    schedule_published_at: datetime | None = None
    cancel_reason: str = Field(default="", sa_type=Text)
    followup_sent_at: datetime | None = None  # the 3-month follow-up of outcomes


class EventSlot(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("event_id", "position", name="uq_eventslot_event_position"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    position: int
    starts_at: datetime
    ends_at: datetime
    is_break: bool = False


class ParticipantStatus(StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class EventParticipant(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("event_id", "user_id", name="uq_eventparticipant_event_user"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user_account.id", index=True)
    side: str = Field(max_length=20)  # "enterprise" or "provider"
    enterprise_id: int | None = Field(default=None, foreign_key="enterprise.id")
    institution_id: int | None = Field(default=None, foreign_key="institution.id")
    expert_id: int | None = Field(default=None, foreign_key="expert.id")
    status: str = Field(default=ParticipantStatus.REGISTERED, max_length=20)
    offers: str = Field(default="", sa_type=Text)
    seeks: str = Field(default="", sa_type=Text)
    # Consent to be shown to the other participants: asked, never presumed (the box starts unticked), and
    # kept with the moment it was given; withdrawing it clears the time.
    listed: bool = False
    listed_at: datetime | None = None
    unavailable_slots: list[int] = Field(default_factory=list, sa_type=JSON)
    checkin_token: str = Field(max_length=64, unique=True)
    checked_in_at: datetime | None = None
    registered_at: datetime = Field(default_factory=utcnow)
    promoted_at: datetime | None = None  # moved up from the waiting list


class MeetingRequestStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"


class MeetingRequest(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("event_id", "requester_id", "recipient_id", name="uq_meetingrequest_pair"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    requester_id: int = Field(foreign_key="eventparticipant.id")
    recipient_id: int = Field(foreign_key="eventparticipant.id")
    message: str = Field(default="", sa_type=Text)
    status: str = Field(default=MeetingRequestStatus.PENDING, max_length=20)
    created_at: datetime = Field(default_factory=utcnow)
    responded_at: datetime | None = None


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class Meeting(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    request_id: int = Field(foreign_key="meetingrequest.id", unique=True)
    slot_position: int | None = None
    table_no: int | None = None
    locked: bool = False
    status: str = Field(default=MeetingStatus.SCHEDULED, max_length=20)
    # Why the scheduler could not place it (a code of solver.REASON_MESSAGES); empty when placed.
    unscheduled_reason: str = Field(default="", max_length=40)
    created_at: datetime = Field(default_factory=utcnow)


class MeetingOutcome(StrEnum):
    INTENT = "intent"  # 达成意向
    SIGNED = "signed"  # 签约
    NONE = "none"  # 无进展


class MeetingFeedback(SQLModel, table=True):
    """Each side's word on a held meeting: right after the event ("initial") and three months on ("followup")."""

    __table_args__ = (UniqueConstraint("meeting_id", "participant_id", "kind", name="uq_meetingfeedback_pair"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    participant_id: int = Field(foreign_key="eventparticipant.id")
    rating: int | None = None
    outcome: str = Field(default=MeetingOutcome.NONE, max_length=20)
    amount: float | None = None
    comment: str = Field(default="", sa_type=Text)
    kind: str = Field(default="initial", max_length=10)
    created_at: datetime = Field(default_factory=utcnow)
