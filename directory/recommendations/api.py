"""Reading the body of ``POST /api/v1/recommendations`` (CONTRACTS.md)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import or_, select

from directory.core.errors import InvalidInput
from directory.extensions import db
from directory.recommendations.need import MAX_LIMIT, Need
from directory.taxonomy.models import Category, Industry, Region

MAX_TEXT = 2000
MAX_BUDGET = 10**10  # yuan
WORD_PATTERN = "[0-9A-Za-z\u3400-\u9fff\uf900-\ufaff]"  # a letter, digit or Han character (OpenAPI too)
_WORD = re.compile(WORD_PATTERN)


def _term(model: Any, value: Any, field: str) -> Any:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 100:
        raise InvalidInput(_l("“%(field)s” must be a name from the classification.", field=field), field=field)
    conditions = [model.name == value, model.code == value]
    record = db.session.exec(select(model).where(or_(*conditions))).first()
    if record is None and model is Region:
        record = next((r for r in db.session.exec(select(Region)).all() if value in r.aliases), None)
    if record is None:
        raise InvalidInput(_l("Unknown %(field)s: “%(value)s”.", field=field, value=value), field=field)
    return record


def accepted_names(model: Any) -> list[str]:
    """Every value :func:`parse_need` takes for a ``category``, ``industry`` or ``region``: names, codes and,
    for regions, aliases (the OpenAPI description lists them, so that it says exactly what is accepted)."""
    names: list[str] = []
    for record in db.session.exec(select(model).order_by(model.sort_order, model.id)).all():
        names += [record.name, record.code, *(getattr(record, "aliases", None) or [])]
    return list(dict.fromkeys(n for n in names if n))


def parse_need(body: Any) -> tuple[Need, int]:
    """A :class:`Need` and the limit from a JSON body. Raises :class:`InvalidInput` (422) with a message
    naming the field for anything malformed."""
    if not isinstance(body, dict):
        raise InvalidInput(_l("Send a JSON object with at least “text”."), field="text")
    text = body.get("text")
    if isinstance(text, str):
        text = text.replace("\x00", " ")  # PostgreSQL refuses NUL in any string; it means nothing in a need
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(_l("“text” is required: describe the need."), field="text")
    if len(text) > MAX_TEXT:
        raise InvalidInput(_l("“text” is too long (at most %(n)s characters).", n=MAX_TEXT), field="text")
    if not has_words(text):
        raise InvalidInput(_l("“text” has no words: describe the need in words, not only symbols or emoji."),
                           field="text")
    limit = body.get("limit", 10)
    if isinstance(limit, float) and limit.is_integer():
        limit = int(limit)  # JSON Schema's "integer" includes 5.0
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(_l("“limit” must be a whole number from 1 to %(n)s.", n=MAX_LIMIT), field="limit")
    need = Need(text=text.strip(), category=_term(Category, body.get("category"), "category"),
                industry=_term(Industry, body.get("industry"), "industry"),
                region=_term(Region, body.get("region"), "region"), budget=_budget(body.get("budget")),
                deadline=_deadline(body.get("deadline")))
    return need, limit


def has_words(text: str) -> bool:
    """Whether ``text`` holds a letter, digit or Han character (a need of only emoji or punctuation has none)."""
    return bool(_WORD.search(text))


def _budget(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_BUDGET:
        raise InvalidInput(_l("“budget” must be a whole number of yuan from 0 to %(n)s.", n=MAX_BUDGET),
                           field="budget")
    return value


def _deadline(value: Any) -> date | None:
    if value in (None, ""):
        return None
    try:
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(_l("“deadline” must be a date written YYYY-MM-DD."), field="deadline") from None
