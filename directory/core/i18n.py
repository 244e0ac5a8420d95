"""Locale helpers: the UI language is zh by default, en second; data in Chinese may carry an English name."""

from __future__ import annotations

from flask import has_request_context
from flask_babel import get_locale

LOCALES = ("zh", "en")
DEFAULT_LOCALE = "zh"


def current_language() -> str:
    if not has_request_context():
        return DEFAULT_LOCALE
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LOCALE


def localized(zh: str, en: str | None) -> str:
    """The English name when the UI is in English and one exists; the Chinese name otherwise."""
    if en and current_language() == "en":
        return en
    return zh


LANG_COOKIE = "lang"


def select_locale() -> str:
    """The language the user chose (account, then cookie), else zh: Chinese is the default, not the browser's."""
    from flask import request
    from flask_login import current_user

    if not has_request_context():
        return DEFAULT_LOCALE  # CLI commands and background jobs speak the default language
    if getattr(current_user, "is_authenticated", False) and current_user.locale in LOCALES:
        return str(current_user.locale)
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LOCALES:
        return str(chosen)
    return DEFAULT_LOCALE
