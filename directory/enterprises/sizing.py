"""企业规模 by the 中小企业划型标准规定 (工信部联企业〔2011〕300号): 大型, 中型, 小型 or 微型 from the sector, the
从业人员 (employees), the 营业收入 (revenue, 万元) and, for three sectors, the 资产总额 (total assets, 万元).

For every sector the standard gives, per size, lower bounds on one or two figures: a size holds when every
figure the sector uses reaches its bound (“X人及以上，且营业收入Y万元及以上”); the largest such size is the
enterprise's, and an enterprise below the small bounds is micro. 大型 is what lies above the 中小微 limits
(“从业人员1000人以下或营业收入40000万元以下的为中小微型企业”: large needs both at or above them).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

LARGE, MEDIUM, SMALL, MICRO = "large", "medium", "small", "micro"
SIZE_LABELS = {LARGE: _l("Large"), MEDIUM: _l("Medium"), SMALL: _l("Small"), MICRO: _l("Micro")}
# The standard's own names: what the lists staff bring in (import, demo seed) carry in the size column.
STANDARD_NAMES = {LARGE: "大型", MEDIUM: "中型", SMALL: "小型", MICRO: "微型"}

# sector: (figures it uses, {size: lower bounds in that order}); the names are the standard's.
SECTORS: dict[str, tuple[tuple[str, ...], dict[str, tuple[int, ...]]]] = {
    "农、林、牧、渔业": (("revenue",), {LARGE: (20000,), MEDIUM: (500,), SMALL: (50,)}),
    "工业": (("employees", "revenue"), {LARGE: (1000, 40000), MEDIUM: (300, 2000), SMALL: (20, 300)}),
    "建筑业": (("revenue", "assets"), {LARGE: (80000, 80000), MEDIUM: (6000, 5000), SMALL: (300, 300)}),
    "批发业": (("employees", "revenue"), {LARGE: (200, 40000), MEDIUM: (20, 5000), SMALL: (5, 1000)}),
    "零售业": (("employees", "revenue"), {LARGE: (300, 20000), MEDIUM: (50, 500), SMALL: (10, 100)}),
    "交通运输业": (("employees", "revenue"), {LARGE: (1000, 30000), MEDIUM: (300, 3000), SMALL: (20, 200)}),
    "仓储业": (("employees", "revenue"), {LARGE: (200, 30000), MEDIUM: (100, 1000), SMALL: (20, 100)}),
    "邮政业": (("employees", "revenue"), {LARGE: (1000, 30000), MEDIUM: (300, 2000), SMALL: (20, 100)}),
    "住宿业": (("employees", "revenue"), {LARGE: (300, 10000), MEDIUM: (100, 2000), SMALL: (10, 100)}),
    "餐饮业": (("employees", "revenue"), {LARGE: (300, 10000), MEDIUM: (100, 2000), SMALL: (10, 100)}),
    "信息传输业": (("employees", "revenue"), {LARGE: (2000, 100000), MEDIUM: (100, 1000), SMALL: (10, 100)}),
    "软件和信息技术服务业": (("employees", "revenue"), {LARGE: (300, 10000), MEDIUM: (100, 1000), SMALL: (10, 50)}),
    "房地产开发经营": (("revenue", "assets"), {LARGE: (200000, 10000), MEDIUM: (1000, 5000), SMALL: (100, 2000)}),
    "物业管理": (("employees", "revenue"), {LARGE: (1000, 5000), MEDIUM: (300, 1000), SMALL: (100, 500)}),
    "租赁和商务服务业": (("employees", "assets"), {LARGE: (300, 120000), MEDIUM: (100, 8000), SMALL: (10, 100)}),
    "其他未列明行业": (("employees",), {LARGE: (300,), MEDIUM: (100,), SMALL: (10,)}),
}
FIGURE_LABELS = {"employees": _l("Employees"), "revenue": _l("Revenue (10,000 yuan)"),
                 "assets": _l("Total assets (10,000 yuan)")}


def size_key(value: str) -> str:
    """The size key (:data:`SMALL`…) of a stored size, whether computed here or brought in under the
    standard's name ("小型", "小型企业"); "" for an empty or unknown value."""
    value = (value or "").strip()
    if value in SIZE_LABELS:
        return value
    for key, name in STANDARD_NAMES.items():
        if value in (name, name + "企业"):
            return key
    return ""


def stored_values(key: str) -> tuple[str, ...]:
    """Every stored value that means the size ``key``: a filter on the size column matches all of them."""
    return (key, STANDARD_NAMES[key], STANDARD_NAMES[key] + "企业") if key in STANDARD_NAMES else ()


def needed(sector: str) -> tuple[str, ...]:
    """The figures the standard uses for ``sector`` (none for an unknown sector)."""
    return SECTORS[sector][0] if sector in SECTORS else ()


def classify(*, sector: str, employees: int | None, revenue: int | None, assets: int | None) -> str:
    """The size (:data:`LARGE` … :data:`MICRO`) of an enterprise in ``sector`` with these figures, or "" when the
    sector is unknown or a figure it needs is missing."""
    if sector not in SECTORS:
        return ""
    figures, bounds = SECTORS[sector]
    given = {"employees": employees, "revenue": revenue, "assets": assets}
    values = [given[f] for f in figures]
    if any(v is None for v in values):
        return ""
    for size in (LARGE, MEDIUM, SMALL):
        if all(v >= b for v, b in zip(values, bounds[size], strict=True)):  # type: ignore[operator]
            return size
    return MICRO
