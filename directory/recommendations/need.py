"""A need and what is recommended for it: the types every other module of the recommender speaks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from directory.taxonomy.models import Category, Industry, Region

MAX_LIMIT = 50  # recommendations of each kind at most (the API's ``limit``)


@dataclass
class Need:
    """What is needed. ``category``, ``industry`` and ``region`` are optional and sharpen the ranking; a
    ``budget`` (the most the enterprise will pay, yuan) is compared with offering prices and a ``deadline`` with
    delivery times."""

    text: str
    category: Category | None = None
    industry: Industry | None = None
    region: Region | None = None
    budget: int | None = None
    deadline: date | None = None


@dataclass
class Recommendation:
    type: str
    id: int
    name: str
    score: float
    reasons: list[str]
    parts: dict[str, float]
    new: bool = False
    points: dict[str, float] = field(default_factory=dict)  # each part's share of ``score``: they add up to it
    institution_id: int | None = None
    institution_name: str | None = None
    record: Any = field(default=None, repr=False)
    # The reasons, worded only for the few shown (wording them for every candidate scored was a fifth of a
    # recommendation's time): :meth:`explain` puts them in front of those already given.
    explainer: Callable[[], list[str]] | None = field(default=None, repr=False, compare=False)

    def explain(self) -> Recommendation:
        if self.explainer is not None:
            self.reasons[:0] = self.explainer()
            self.explainer = None
        return self

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "name": self.name, "score": self.score, "reasons": self.reasons,
                                "new": self.new, "points": self.points}
        if self.type == "offering":
            data.update(institution_id=self.institution_id, institution_name=self.institution_name)
        return data


@dataclass
class Understanding:
    """The category the ranking used: the stated one, or the one inferred from the text (``inferred``), with
    the other likely categories the enterprise may pick instead (one click re-runs the recommendation)."""

    category: Category | None
    inferred: bool
    confidence: float = 1.0
    alternatives: list[Category] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        def one(c: Category) -> dict[str, Any]:
            return {"code": c.code, "name": c.name, "label": c.label}

        return {"category": one(self.category) if self.category is not None else None, "inferred": self.inferred,
                "confidence": self.confidence, "alternatives": [one(c) for c in self.alternatives]}


@dataclass
class Recommendations:
    """``institutions``, ``offerings`` and ``experts`` match the need's category or one of its key terms; the
    weaker candidates (neither) are only ``see_also`` (也可以看看). ``empty_reason`` says why nothing at all
    was looked for (a need with no words to search)."""

    terms: list[str]
    institutions: list[Recommendation] = field(default_factory=list)
    offerings: list[Recommendation] = field(default_factory=list)
    experts: list[Recommendation] = field(default_factory=list)
    see_also: dict[str, list[Recommendation]] = field(
        default_factory=lambda: {"institutions": [], "offerings": [], "experts": []})
    understood: Understanding | None = None
    empty_reason: str | None = None
    degraded: bool = False
    # Published policies (惠企政策) of the category the ranking used and of its parent: what may pay for the
    # service (directory.notices.services.related_policies).
    policies: list[Any] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        from directory.notices.services import short_form

        return {"terms": self.terms, "degraded": self.degraded,
                "policies": [short_form(p) for p in self.policies],
                "institutions": [r.as_json() for r in self.institutions],
                "offerings": [r.as_json() for r in self.offerings],
                "experts": [r.as_json() for r in self.experts],
                "see_also": {kind: [r.as_json() for r in recs] for kind, recs in self.see_also.items()},
                "understood": self.understood.as_json() if self.understood is not None else None,
                "empty_reason": self.empty_reason}
