"""A need and what is recommended for it: the types every other module of the recommender speaks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from directory.taxonomy.models import Category, Industry, Region

MAX_LIMIT = 50  # recommendations of each kind at most (the API's ``limit``)


@dataclass
class Need:
    """What is needed. ``category``, ``industry`` and ``region`` are optional and sharpen the ranking."""

    text: str
    category: Category | None = None
    industry: Industry | None = None
    region: Region | None = None


@dataclass
class Recommendation:
    type: str
    id: int
    name: str
    score: float
    reasons: list[str]
    parts: dict[str, float]
    new: bool = False
    institution_id: int | None = None
    institution_name: str | None = None
    record: Any = field(default=None, repr=False)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "name": self.name, "score": self.score, "reasons": self.reasons,
                                "new": self.new}
        if self.type == "offering":
            data.update(institution_id=self.institution_id, institution_name=self.institution_name)
        return data


@dataclass
class Recommendations:
    terms: list[str]
    institutions: list[Recommendation] = field(default_factory=list)
    offerings: list[Recommendation] = field(default_factory=list)
    experts: list[Recommendation] = field(default_factory=list)
    degraded: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"terms": self.terms, "degraded": self.degraded,
                "institutions": [r.as_json() for r in self.institutions],
                "offerings": [r.as_json() for r in self.offerings],
                "experts": [r.as_json() for r in self.experts]}
