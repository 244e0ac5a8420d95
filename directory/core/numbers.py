"""Numbers from the outside world: URL segments, query strings, form fields and JSON bodies.

Python's ``int()`` and ``Decimal()`` are generous: they accept Arabic-Indic and full-width digits (``"١٢٣"``,
``"１２"``), underscores (``"1_000"``), padding, integers of any size and ``NaN``/``sNaN``/``Infinity``. Any of these
that reaches a database column or a comparison ends in a 500 (an overflowing bind parameter, an
``InvalidOperation`` from comparing ``sNaN``). Everything that comes from a request is read through here instead:
ASCII digits only, ids within the range of an id column, finite decimals only.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

#: The largest value of an INTEGER column on PostgreSQL (counts, prices, budgets and years are such columns).
INT32_MAX = 2**31 - 1
#: Primary keys are INTEGER columns too (32 bits on PostgreSQL, which then refuses a larger value outright:
#: ``WHERE id = 4294967296::INTEGER`` is an error, not an empty result), so no id beyond this can exist.
MAX_ID = INT32_MAX
#: The range of a 64-bit integer, for numbers that never reach a column (page numbers).
INT64_MAX = 2**63 - 1

_INT = re.compile(r"-?[0-9]{1,19}")
_DECIMAL = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,15})?|-?\.[0-9]{1,15}")


def parse_int(raw: object, *, minimum: int = -INT64_MAX, maximum: int = INT64_MAX) -> int | None:
    """The whole number ``raw`` spells in ASCII digits, or None for anything else (non-ASCII digits, signs
    other than a leading minus, blanks, exponents, values outside ``minimum..maximum``)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and _INT.fullmatch(raw):
        value = int(raw)
    else:
        return None
    return value if minimum <= value <= maximum else None


def parse_id(raw: object) -> int | None:
    """A record id (1 .. 2**31-1) or None: what a lookup by id should do with an id that cannot exist."""
    return parse_int(raw, minimum=1, maximum=MAX_ID)


def parse_decimal(raw: object) -> Decimal | None:
    """A finite decimal written with ASCII digits and an optional point (``"2.5"``, ``"-1"``), or None for
    ``NaN``, ``sNaN``, ``inf``, exponents, non-ASCII digits and more than 15 digits on either side."""
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        return None
    text = str(raw).strip()
    if not _DECIMAL.fullmatch(text):
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern only lets plain decimals through
        return None
    return value if value.is_finite() else None
