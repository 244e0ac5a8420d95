"""Domain errors raised by services; views and the API turn them into messages and status codes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A rule said no. ``message`` is translatable text for the user; ``status`` the HTTP status; ``field``
    the form field it is about (a named rule may give its own as ``default_field``)."""

    status = 409
    code = "conflict"
    default_field: str | None = None

    def __init__(self, message: object | None = None, *, field: str | None = None):
        self.message = message if message is not None else self.default_message()
        self.field = field if field is not None else self.default_field
        super().__init__(str(self.message))

    @classmethod
    def default_message(cls) -> object:
        return _l("This action is not possible.")


class NotFound(DomainError):
    status = 404
    code = "not_found"

    @classmethod
    def default_message(cls) -> object:
        return _l("Not found.")


class NotAllowed(DomainError):
    status = 403
    code = "forbidden"

    @classmethod
    def default_message(cls) -> object:
        return _l("You are not allowed to do this.")


class InvalidInput(DomainError):
    status = 422
    code = "invalid"

    @classmethod
    def default_message(cls) -> object:
        return _l("The input is not valid.")


class AlreadyExists(DomainError):
    status = 409
    code = "exists"

    @classmethod
    def default_message(cls) -> object:
        return _l("This record already exists.")
