"""The admission's rules that say no, named: services raise them, tests name them, and ``core/http.refusals``
shows their message (beside ``default_field`` when the form has it). Each keeps the status and code of its base."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from directory.core.errors import AlreadyExists, InvalidInput, NotAllowed


class NotAnApplicant(NotAllowed):
    """Only the account of the record's kind applies for its database."""

    def __init__(self, kind: str = "institution"):
        super().__init__(_l("Only institution accounts apply for the institution database.") if kind == "institution"
                         else _l("Only expert accounts apply for the expert database."))


class ApplicationSubmitted(NotAllowed):
    """The application waits for staff: it is edited again only when they ask for changes."""

    @classmethod
    def default_message(cls) -> object:
        return _l("The application has been submitted; it can be edited again if staff ask for changes.")


class ApplicationIncomplete(InvalidInput):
    """A section is missing; the message names the first gap."""


class CreditCodeRefused(InvalidInput):
    """Not a unified social credit code (its GB 32100 check digit included)."""

    default_field = "credit_code"

    @classmethod
    def default_message(cls) -> object:
        return _l("This is not a valid unified social credit code (统一社会信用代码).")


class CreditCodeTaken(AlreadyExists):
    default_field = "credit_code"

    @classmethod
    def default_message(cls) -> object:
        return _l("An institution with this credit code is already registered. Contact the service "
                  "center to be linked to it.")


class CategoryRequired(InvalidInput):
    default_field = "categories"

    @classmethod
    def default_message(cls) -> object:
        return _l("Choose at least one service category.")


class AlreadyDecided(InvalidInput):
    """The application (or change request) has been approved or rejected already."""

    @classmethod
    def default_message(cls) -> object:
        return _l("This application has already been decided.")


class ReasonRequired(InvalidInput):
    """A rejection, a request for changes or a status change tells the institution why."""

    default_field = "reason"

    @classmethod
    def default_message(cls) -> object:
        return _l("Give the reason for the rejection.")


class StatusForbidsAction(InvalidInput):
    default_field = "action"

    @classmethod
    def default_message(cls) -> object:
        return _l("This action is not possible in the record's current status.")
