"""The dashboard's filters: periods (a calendar year or quarter in the platform's time zone, Asia/Shanghai, with
its months and bounds in UTC) and regions (the districts), parsed from the query string."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlmodel import col

from directory.core.errors import InvalidInput
from directory.core.time import utcnow
from directory.extensions import db
from directory.taxonomy.models import Region

_PERIOD = re.compile(r"^\s*(\d{4})\s*(?:[Qq]\s*([1-4]))?\s*$")


class InvalidFilter(InvalidInput):
    """A filter value of the dashboard is not understood: the request is bad (400), not the input of a form."""

    status = 400
    code = "bad_request"


@dataclass(frozen=True)
class Month:
    label: str  # "2026-03"
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive


@dataclass(frozen=True)
class Period:
    """A calendar year or quarter in the platform's time zone, with its bounds in UTC."""

    code: str  # "2026" or "2026Q3"
    year: int
    quarter: int | None
    first_day: date
    end_day: date  # exclusive
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive
    months: tuple[Month, ...]

    @property
    def label(self) -> str:
        if self.quarter is None:
            return str(self.year)
        return _("%(year)d Q%(quarter)d", year=self.year, quarter=self.quarter)


def local_zone() -> ZoneInfo:
    """The platform's time zone (the app's BABEL_DEFAULT_TIMEZONE, Asia/Shanghai)."""
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or "Asia/Shanghai")


def _month_start(year: int, month: int, zone: ZoneInfo) -> datetime:
    return datetime(year + (month - 1) // 12, (month - 1) % 12 + 1, 1, tzinfo=zone).astimezone(UTC)


def parse_period(value: str | None, *, now: datetime | None = None) -> Period:
    """``"2026"`` (a year) or ``"2026Q3"`` (a quarter); empty means the current year.

    Raises :class:`InvalidFilter` for anything else (and for years outside 2000–2100).
    """
    zone = local_zone()
    if value is None or not value.strip():
        year, quarter = (now or utcnow()).astimezone(zone).year, None
    else:
        match = _PERIOD.match(value)
        if match is None or not 2000 <= int(match.group(1)) <= 2100:
            raise InvalidFilter(_l("The period “%(value)s” is not valid: give a year such as 2026 or a quarter "
                                   "such as 2026Q3.", value=value.strip()[:20]), field="period")
        year, quarter = int(match.group(1)), int(match.group(2)) if match.group(2) else None
    first_month, n_months = (1, 12) if quarter is None else (3 * quarter - 2, 3)
    months = tuple(
        Month(label=f"{year}-{m:02d}", start=_month_start(year, m, zone), end=_month_start(year, m + 1, zone))
        for m in range(first_month, first_month + n_months))
    last = first_month + n_months
    return Period(code=f"{year}" if quarter is None else f"{year}Q{quarter}", year=year, quarter=quarter,
                  first_day=date(year, first_month, 1),
                  end_day=date(year + (last - 1) // 12, (last - 1) % 12 + 1, 1),
                  start=months[0].start, end=months[-1].end, months=months)


def parse_region(value: str | None) -> int | None:
    """The ``region`` query parameter: empty for every region, else a region id.

    Raises :class:`InvalidFilter` when it is not a whole number.
    """
    if value is None or not value.strip():
        return None
    try:
        return int(value.strip())
    except ValueError:
        raise InvalidFilter(_l("The region “%(value)s” is not valid: choose a district from the list.",
                               value=value.strip()[:20]), field="region") from None


def regions() -> list[tuple[int, str]]:
    """The districts the dashboard can be filtered by, as (id, label)."""
    rows = db.session.execute(select(Region).where(col(Region.kind) == "district")
                              .order_by(col(Region.sort_order), col(Region.id))).scalars().all()
    return [(r.id, r.label) for r in rows if r.id is not None]


def district(region_id: int | None) -> Region | None:
    """The district the dashboard is filtered by (``None``: every region).

    Raises :class:`InvalidFilter` for an id that is not a district.
    """
    if region_id is None:
        return None
    region = db.session.get(Region, region_id)
    if region is None or region.kind != "district":
        raise InvalidFilter(_l("The region “%(value)s” is not valid: choose a district from the list.",
                               value=str(region_id)), field="region")
    return region
