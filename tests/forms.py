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
    return form.get("action") or None, MultiDict(form.form_values())


def shown(page: str, xpath: str, name: str) -> list[str]:
    """The values a form field shows (the selected options of a multi-select, the text of a textarea)."""
    _action, values = page_form(page, xpath)
    return [v.replace("\r\n", "\n").strip() for v in values.getlist(name)]
