"""The events' rules that say no, named: services raise them, tests name them, and ``core/http.refusals`` shows
their message (beside ``default_field`` when the form has it). Each keeps the status and code of its base."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from directory.core.errors import AlreadyExists, DomainError, InvalidInput, NotAllowed


class EventFinished(DomainError):
    """The event is completed or cancelled: what happened stays as it was recorded (no rescheduling, no
    republishing of the schedule, no moving meetings)."""

    status = 409
    code = "event_finished"

    @classmethod
    def default_message(cls) -> object:
        return _l("This event is over: its schedule can no longer change.")


# -- the event's life cycle and slots ---------------------------------------------------------------------

class ActionNotPossible(InvalidInput):
    """The life-cycle action does not start from the event's current status."""

    default_field = "action"

    @classmethod
    def default_message(cls) -> object:
        return _l("This action is not possible in the event's current status.")


class CancelReasonRequired(InvalidInput):
    default_field = "reason"

    @classmethod
    def default_message(cls) -> object:
        return _l("Give the reason; the participants will see it.")


class SlotsMissing(InvalidInput):
    """Registration, the start and the scheduler need the event's time slots."""

    default_field = "action"

    @classmethod
    def default_message(cls) -> object:
        return _l("Set the time slots first.")


class SlotsFixed(InvalidInput):
    """The slots can no longer change: a schedule or participants' unavailable times refer to them."""

    default_field = "count"

    @classmethod
    def default_message(cls) -> object:
        return _l("The slots cannot change once meetings are scheduled.")


# -- registration -----------------------------------------------------------------------------------------

class CannotRegister(NotAllowed):
    """The user has no enterprise, institution or expert profile (staff included)."""

    @classmethod
    def default_message(cls) -> object:
        return _l("Register with an enterprise, institution or expert account.")


class ProviderNotAdmitted(NotAllowed):
    @classmethod
    def default_message(cls) -> object:
        return _l("Only admitted institutions and experts take part as providers.")


class RegistrationClosed(InvalidInput):
    default_field = "event"

    @classmethod
    def default_message(cls) -> object:
        return _l("Registration for this event is not open.")


class AlreadyRegistered(AlreadyExists):
    @classmethod
    def default_message(cls) -> object:
        return _l("You are already registered for this event.")


class AlreadyCancelled(InvalidInput):
    default_field = "participant"

    @classmethod
    def default_message(cls) -> object:
        return _l("This registration is already cancelled.")


class UnknownSlot(InvalidInput):
    default_field = "unavailable"

    @classmethod
    def default_message(cls) -> object:
        return _l("Unknown time slot.")


# -- meeting requests and meetings --------------------------------------------------------------------------

class MessageRequired(InvalidInput):
    default_field = "message"

    @classmethod
    def default_message(cls) -> object:
        return _l("Write a short message: what you would like to talk about.")


class SameSide(InvalidInput):
    """A meeting is between an enterprise and a provider."""

    default_field = "recipient"

    @classmethod
    def default_message(cls) -> object:
        return _l("Meetings are between an enterprise and a provider.")


class NotRegistered(InvalidInput):
    """One of the two is on the waiting list or cancelled."""

    default_field = "recipient"

    @classmethod
    def default_message(cls) -> object:
        return _l("Both sides must be registered (not on the waiting list).")


class MeetingRequestsClosed(InvalidInput):
    default_field = "recipient"

    @classmethod
    def default_message(cls) -> object:
        return _l("Meeting requests are closed for this event.")


class MeetingCapReached(InvalidInput):
    """The participant (``cap`` given: the user; else the other one) has as many meetings as the event allows."""

    def __init__(self, cap: int | None, *, field: str | None = "recipient"):
        super().__init__(_l("You have reached the maximum of %(n)s meetings.", n=cap) if cap is not None else
                         _l("A participant has reached the maximum number of meetings."), field=field)


class AlreadyRequested(AlreadyExists):
    @classmethod
    def default_message(cls) -> object:
        return _l("You already have a meeting request with this participant.")


class RequestAnswered(InvalidInput):
    default_field = "request"

    @classmethod
    def default_message(cls) -> object:
        return _l("This request has already been answered.")


class RequestNotOpen(InvalidInput):
    default_field = "request"

    @classmethod
    def default_message(cls) -> object:
        return _l("This request is no longer open.")


class MeetingTookPlace(InvalidInput):
    default_field = "request"

    @classmethod
    def default_message(cls) -> object:
        return _l("This meeting has taken place; it can no longer be cancelled.")


class AlreadyMeeting(AlreadyExists):
    @classmethod
    def default_message(cls) -> object:
        return _l("These two already have a meeting.")


class FeedbackGiven(AlreadyExists):
    @classmethod
    def default_message(cls) -> object:
        return _l("You have already given this feedback.")


# -- places in the plan -------------------------------------------------------------------------------------

class NotAMeetingSlot(InvalidInput):
    default_field = "slot"

    @classmethod
    def default_message(cls) -> object:
        return _l("Choose one of the event's meeting slots.")


class NoSuchTable(InvalidInput):
    def __init__(self, table: int):
        super().__init__(_l("There is no table %(n)s.", n=table), field="table")


class ParticipantUnavailable(InvalidInput):
    """The participant marked the slot as a time they cannot meet."""

    def __init__(self, name: str):
        super().__init__(_l("%(name)s is unavailable then.", name=name), field="slot")


class TableTaken(InvalidInput):
    def __init__(self, table: int):
        super().__init__(_l("Table %(n)s is taken then.", n=table), field="table")


class DoubleBooked(InvalidInput):
    """One of the two already meets someone else in that slot."""

    default_field = "slot"

    @classmethod
    def default_message(cls) -> object:
        return _l("One of the two already has a meeting then.")
