"""One way to page a list: a SQL statement in, one page of rows and the exact total out.

Every staff list and the inbox page through :func:`paginate`, so none of them is cut off silently: the page
says how many rows there are and which of them it shows (the ``pager`` macro in ``templates/macros.html``).
Filters belong in the statement, before paging, so the total is the number of rows that match.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from sqlalchemy import func, select

from directory.extensions import db

T = TypeVar("T")

PER_PAGE = 50


@dataclass
class Page(Generic[T]):
    """One page of a list: ``items`` are rows ``first``..``last`` of ``total`` (1-based)."""

    items: list[T]
    total: int
    page: int
    per_page: int
    param: str = "page"  # the query argument that selects the page (two lists on one page use two)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0

    def __iter__(self) -> Any:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> T:
        return self.items[index]

    def __bool__(self) -> bool:
        return bool(self.items)

    def href(self, number: int, anchor: str | None = None) -> str:
        """The current URL with this list at page ``number`` (other arguments, filters included, kept)."""
        from flask import request

        args = [(k, v) for k, v in request.args.items(multi=True) if k != self.param]
        if number > 1:
            args.append((self.param, str(number)))
        url = f"{request.path}?{urlencode(args)}" if args else request.path
        return f"{url}#{anchor}" if anchor else url

    def window(self, around: int = 3) -> range:
        """Page numbers to link, ``around`` either side of the current one."""
        return range(max(1, self.page - around), min(self.pages, self.page + around) + 1)


def page_number(args: Any, param: str = "page") -> int:
    """The page a request asks for: a positive number, else 1 (a mistyped link shows the first page)."""
    from directory.core.numbers import parse_int

    # parse_int, not str.isdigit(): "²" is a digit to isdigit() and a ValueError (a 500) to int()
    return parse_int(args.get(param, ""), minimum=1) or 1


def paginate(statement: Any, *, page: int = 1, per_page: int | None = None, param: str = "page",
             scalars: bool = True) -> Page[Any]:
    """Run ``statement`` (a select with its filters and order) for one page, and count all its rows.

    A page past the end shows the last page, so a link kept after rows went away still shows something.
    ``scalars=False`` keeps whole rows (a select of several entities)."""
    per_page = per_page or PER_PAGE
    total = int(db.session.execute(select(func.count()).select_from(statement.order_by(None).subquery())).scalar_one())
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    result = db.session.execute(statement.offset((page - 1) * per_page).limit(per_page))
    items = list(result.scalars().all() if scalars else result.all())
    return Page(items=items, total=total, page=page, per_page=per_page, param=param)
