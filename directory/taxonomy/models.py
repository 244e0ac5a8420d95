"""The classification of PRODUCT.md (分类管理): categories (two levels), industries, regions, enterprise tags."""


from typing import Optional

from sqlmodel import JSON, Field, Relationship, SQLModel

from directory.core.i18n import localized


class Category(SQLModel, table=True):
    """A service category (服务类别); ``parent_id`` is None for the fifteen top-level categories."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=60, unique=True)
    name: str = Field(max_length=60, unique=True)
    name_en: str = Field(default="", max_length=120)
    parent_id: int | None = Field(default=None, foreign_key="category.id", index=True)
    sort_order: int = 0

    parent: Optional["Category"] = Relationship(
        back_populates="children", sa_relationship_kwargs={"remote_side": "Category.id"}
    )
    children: list["Category"] = Relationship(
        back_populates="parent", sa_relationship_kwargs={"order_by": "Category.sort_order"}
    )

    @property
    def label(self) -> str:
        return localized(self.name, self.name_en)

    @property
    def top(self) -> "Category":
        return self.parent or self


class Industry(SQLModel, table=True):
    """An industry served (服务行业); ``group`` is pillar / emerging / specialty / other (the 5+4+3 system)."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=60, unique=True)
    name: str = Field(max_length=60, unique=True)
    name_en: str = Field(default="", max_length=120)
    group: str = Field(default="other", max_length=20)
    sort_order: int = 0

    @property
    def label(self) -> str:
        return localized(self.name, self.name_en)


class Region(SQLModel, table=True):
    """A district of Yingkou (``kind='district'``) or a service coverage such as 全市 (``kind='coverage'``)."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=60, unique=True)
    name: str = Field(max_length=60, unique=True)
    name_en: str = Field(default="", max_length=120)
    kind: str = Field(default="district", max_length=20)
    division: str | None = Field(default=None, max_length=6)
    aliases: list[str] = Field(default_factory=list, sa_type=JSON)
    sort_order: int = 0

    @property
    def label(self) -> str:
        return localized(self.name, self.name_en)


class Tag(SQLModel, table=True):
    """An enterprise tag from the plan (科技型中小企业, 专精特新, …)."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=60, unique=True)
    name: str = Field(max_length=60, unique=True)
    name_en: str = Field(default="", max_length=120)
    sort_order: int = 0

    @property
    def label(self) -> str:
        return localized(self.name, self.name_en)
