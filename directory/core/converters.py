"""URL converters. ``<int:…>`` in every route means a record id: ASCII digits, 1 .. 2**31-1 (the range of an
id column on PostgreSQL, see :data:`directory.core.numbers.MAX_ID`), no leading zero.

Werkzeug's own ``int`` converter matches ``\\d+`` (any Unicode digit, so ``/needs/１２`` was need 12) and has no
upper bound, so ``/institutions/99999999999999999999`` reached the database and overflowed (a 500 on SQLite and
PostgreSQL). The bound lives in the regular expression, not in ``to_python``: Werkzeug turns a converter's
``ValidationError`` into "405 Method Not Allowed" when another method's rule has the same path, whereas a path
the expression does not match is a plain 404.
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

from directory.core.numbers import MAX_ID


def at_most(bound: int) -> str:
    """A regular expression matching exactly the decimal numbers 1..``bound`` without leading zeros."""
    digits = str(bound)
    shorter = f"[1-9][0-9]{{0,{len(digits) - 2}}}" if len(digits) > 1 else ""
    same_length = []
    for i, d in enumerate(digits):
        low = "1" if i == 0 else "0"
        if int(d) > int(low):
            tail = f"[0-9]{{{len(digits) - i - 1}}}" if i < len(digits) - 1 else ""
            same_length.append(f"{digits[:i]}[{low}-{int(d) - 1}]{tail}")
    same_length.append(digits)
    return "|".join(x for x in (shorter, *same_length) if x)


class IdConverter(IntegerConverter):
    regex = f"(?:{at_most(MAX_ID)})"
