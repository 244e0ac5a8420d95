"""Locale helpers: the UI language is zh by default, en second; data in Chinese may carry an English name."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, has_app_context, has_request_context
from flask_babel import get_locale, get_translations

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


def _translations() -> Any:
    """The translations of the locale in force, looked up once per locale and request.

    Why: Flask-Babel's template callables look up the domain, the context, the locale and the locale's
    identifier again for every string, 11 µs a call against 7 µs here (a search page has about 90). Keyed on
    the locale object, a locale changed within the request (force_locale, refresh) gets its own translations."""
    if not has_app_context():
        return get_translations()
    locale = get_locale()
    cached = g.get("_template_translations")
    if cached is None or cached[0] is not locale:
        cached = g._template_translations = (locale, get_translations())
    return cached[1]


def install_template_gettext(app: Flask) -> None:
    """The templates' _(), ngettext() … (Jinja's i18n extension, as Flask-Babel installs it) through
    :func:`_translations`. Called after ``babel.init_app``, which installs its own."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
