"""Read a page's form the way a browser submits it (lxml's ``form_values``: checked boxes, selected options,
textarea contents, hidden fields), so a test can post it back unchanged."""

from __future__ import annotations

from typing import Any

from lxml import html as lxml_html
from werkzeug.datastructures import MultiDict


def page_form(page: str, xpath: str) -> tuple[str | None, MultiDict[str, str]]:
    """The ``action`` and the values a browser would send for the one form ``xpath`` finds on ``page``."""
    doc = lxml_html.fromstring(page)
    found = doc.xpath(xpath)
    assert len(found) == 1, f"{len(found)} forms match {xpath}"
    form: Any = found[0]
    textareas = {t.get("name") for t in form.xpath(".//textarea")}
    values = [(k, _as_sent(v) if k in textareas else v) for k, v in form.form_values()]
    return form.get("action") or None, MultiDict(values)


def _as_sent(text: str) -> str:
    # A browser drops the one line break right after <textarea> (WTForms writes one) and sends line breaks as
    # CRLF; so do we, to catch a form that stores text as sent.
    text = text.replace("\r\n", "\n")
    return (text[1:] if text.startswith("\n") else text).replace("\n", "\r\n")


def shown(page: str, xpath: str, name: str) -> list[str]:
    """The values a form field shows (the selected options of a multi-select, the text of a textarea)."""
    _action, values = page_form(page, xpath)
    return [v.replace("\r\n", "\n").strip() for v in values.getlist(name)]


def form_fields(page: str, form_id: str) -> list[tuple[str, str]]:
    """The (name, value) pairs the form with ``id=form_id`` submits as it stands on the page."""
    _action, values = page_form(page, f"//form[@id='{form_id}']")
    return list(values.items(multi=True))


def values_of(pairs: list[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in pairs if k == name]
