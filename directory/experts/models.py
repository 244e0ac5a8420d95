"""Experts (专家). Contact details (phone, e-mail) are never public: only staff and the expert see them."""

from sqlmodel import JSON, Field, Relationship, SQLModel, Text

from directory.institutions.models import Institution, RatingPublic, RecordBase
from directory.taxonomy.models import Category, Industry, Region


class ExpertCategory(SQLModel, table=True):
    expert_id: int = Field(foreign_key="expert.id", primary_key=True, ondelete="CASCADE")
    category_id: int = Field(foreign_key="category.id", primary_key=True)


class ExpertIndustry(SQLModel, table=True):
    expert_id: int = Field(foreign_key="expert.id", primary_key=True, ondelete="CASCADE")
    industry_id: int = Field(foreign_key="industry.id", primary_key=True)


class Expert(RecordBase, table=True):
    name: str = Field(max_length=60, index=True)
    title: str = Field(default="", max_length=60)
    organization: str = Field(default="", max_length=200)
    institution_id: int | None = Field(default=None, foreign_key="institution.id", index=True)
    expertise: list[str] = Field(default_factory=list, sa_type=JSON)
    region_id: int | None = Field(default=None, foreign_key="region.id", index=True)
    bio: str = Field(default="", sa_type=Text)
    phone: str = Field(default="", max_length=30)
    email: str = Field(default="", max_length=254)

    region: Region | None = Relationship()
    institution: Institution | None = Relationship()
    categories: list[Category] = Relationship(
        link_model=ExpertCategory, sa_relationship_kwargs={"order_by": "Category.id"}
    )
    industries: list[Industry] = Relationship(
        link_model=ExpertIndustry, sa_relationship_kwargs={"order_by": "Industry.id"}
    )


class ExpertPublic(SQLModel):
    """A published expert (专家): never their phone or e-mail."""

    id: int
    name: str
    title: str
    organization: str
    institution_id: int | None
    expertise: list[str]
    bio: str
    categories: list[str]
    industries: list[str]
    region: str | None
    rating: RatingPublic
