"""Import/export columns of CONTRACTS.md: a Chinese and an English header per column.

A column the file does not carry leaves that data of matched records alone; an empty cell in a column the file
carries clears the value (a required column's cell must not be empty). The 服务产品 cell lists offering titles:
new titles are added, listed ones keep their details, and an import never withdraws an offering.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    required: bool = False
    is_list: bool = False


INSTITUTION_COLUMNS = (
    Column("name", "机构名称", required=True),
    Column("credit_code", "统一社会信用代码", required=True),
    Column("categories", "服务类别", required=True, is_list=True),
    Column("industries", "服务行业", is_list=True),
    Column("region", "所在区域", required=True),
    Column("coverage", "服务区域", is_list=True),
    Column("address", "详细地址"),
    Column("postal_code", "邮政编码"),
    Column("description", "机构简介"),
    Column("offerings", "服务产品", is_list=True),
    Column("contact_name", "联系人"),
    Column("contact_phone", "联系电话"),
    Column("email", "电子邮箱"),
    Column("website", "网址"),
    Column("founded_year", "成立年份"),
    Column("staff_count", "员工人数"),
    Column("qualifications", "资质", is_list=True),
)

EXPERT_COLUMNS = (
    Column("name", "姓名", required=True),
    Column("title", "职称"),
    Column("organization", "工作单位"),
    Column("expertise", "专业领域", required=True, is_list=True),
    Column("categories", "服务类别", is_list=True),
    Column("industries", "服务行业", is_list=True),
    Column("region", "所在区域"),
    Column("bio", "简介"),
    Column("phone", "联系电话"),
    Column("email", "电子邮箱"),
)

COLUMNS = {"institutions": INSTITUTION_COLUMNS, "experts": EXPERT_COLUMNS}
LIST_SEPARATORS = "；;、,，"


def header_map(columns: tuple[Column, ...]) -> dict[str, Column]:
    """Every accepted spelling of a header: the Chinese, the English key (any case), and "中文/english"."""
    out: dict[str, Column] = {}
    for col in columns:
        out[col.zh] = out[col.key] = out[f"{col.zh}/{col.key}"] = col
    return out


def split_list(value: str) -> list[str]:
    """Split a list cell on ； ; 、 , (full and half width), dropping blanks and duplicates, keeping order."""
    text = value
    for sep in LIST_SEPARATORS[1:]:
        text = text.replace(sep, LIST_SEPARATORS[0])
    items: list[str] = []
    for part in text.split(LIST_SEPARATORS[0]):
        part = part.strip()
        if part and part not in items:
            items.append(part)
    return items
