"""What a browser would submit for a form on a page, read from the page's HTML (the stdlib parser): the
round-trip tests post exactly that back."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

TEXT_INPUTS = {"text", "hidden", "number", "date", "datetime-local", "time", "email", "url", "tel", "search",
               "password", ""}


class _FormParser(HTMLParser):
    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.found = False
        self.pairs: list[tuple[str, str]] = []
        self._select: dict[str, Any] | None = None
        self._option: dict[str, Any] | None = None
        self._textarea: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = self.found = True
            return
        if not self.inside or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.pairs.append((name, a.get("value", "on")))
            elif kind in TEXT_INPUTS:
                self.pairs.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select = {"name": name, "multiple": "multiple" in a, "options": []}
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "selected": "selected" in a, "text": ""}
        elif tag == "textarea" and name:
            self._textarea = {"name": name, "text": ""}

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option["text"] += data
        if self._textarea is not None:
            self._textarea["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "option" and self._option is not None and self._select is not None:
            self._close_option()
        elif tag == "select" and self._select is not None:
            if self._option is not None:
                self._close_option()
            options = self._select["options"]
            chosen = [o for o in options if o["selected"]]
            if not chosen and not self._select["multiple"] and options:
                chosen = options[:1]  # a single select always submits one option: the first by default
            self.pairs.extend((self._select["name"], o["value"]) for o in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = self._textarea["text"]
            # the HTML parser drops one newline right after <textarea>, as browsers do
            if text.startswith("\r\n"):
                text = text[2:]
            elif text.startswith("\n"):
                text = text[1:]
            self.pairs.append((self._textarea["name"], text.replace("\r\n", "\n").replace("\n", "\r\n")))
            self._textarea = None

    def _close_option(self) -> None:
        assert self._option is not None and self._select is not None
        option = self._option
        value = option["value"] if option["value"] is not None else option["text"].strip()
        self._select["options"].append({"value": value, "selected": option["selected"]})
        self._option = None


def form_fields(html: str, form_id: str) -> list[tuple[str, str]]:
    """The (name, value) pairs the form with ``id=form_id`` submits as it stands on the page."""
    parser = _FormParser(form_id)
    parser.feed(html)
    parser.close()
    assert parser.found, f"no form #{form_id} on the page"
    return parser.pairs


def values_of(pairs: list[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in pairs if k == name]
