"""The labelled needs (tests/recommendations/needs.json) against the real Meilisearch and the demo directory,
through ``recommend()``. hit@3: one of the expected institutions is among the top three recommended. Prints the
hit rate per kind of need and every miss (with what came top-3) for the terminal summary of every run
(tests/conftest.py), so the ranking can be judged on each run."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlmodel import select

from directory.extensions import db
from directory.recommendations.need import Need
from directory.recommendations.services import recommend
from directory.taxonomy.models import Category, Industry, Region
from tests.search.test_relevance import by_group, halves

NEEDS = json.loads((Path(__file__).parent / "needs.json").read_text(encoding="utf-8"))
K = 3
# Measured 2026-11-27 on the demo directory: hit@3 91.3–92.3% (95–96 of 104 needs); 2026-12-02 with the
# inferred category and the top-slot rule (issue 15): 95.2% (99/104). The floor leaves a few points for
# re-labelling and small ranking changes; raise it when the ranking improves.
MIN_HIT_RATE = 0.90
# Per kind (tests.search.test_relevance.group): the plain needs keep the floor above; colloquial and English
# needs (added 2026-12-02, measured then: plain 93.3%, colloquial 75.8%, english 85.7%) have their own, below what was measured.
# With the inferred category and top-slot rule merged in (2026-12-02): overall 90.1% (136/151), plain 96.7%,
# colloquial 69.7% (23/33), english 92.9% (26/28). With the need's single characters as evidence for its category
# (inference.CategoryModel.telling): colloquial 72.7% (24/33), plain and English unchanged. With Cilin's general
# terms and re-cut thesaurus words (search.expansion.broader, Expander.recut): colloquial 78.8% (26/33; halves
# 9/14 and 17/19), overall 92.1% (139/151). With fewer candidates (30 per query, 60 scored per kind, the rarest
# term not searched alone: issue 15's latency): overall 92.7% (140/151), english 96.4% (27/28), the rest unchanged.
MIN_BY_GROUP = {"plain": MIN_HIT_RATE, "colloquial": 0.75, "english": 0.8}


def _by_name(model: Any, name: str | None) -> Any:
    if not name:
        return None
    record = db.session.exec(select(model).where(model.name == name)).first()
    assert record is not None, f"{model.__name__} {name!r} is not in the taxonomy"
    return record


def _run(app: Any) -> tuple[dict[str, list[bool]], list[str]]:
    by_kind: dict[str, list[bool]] = defaultdict(list)
    misses = []
    for case in NEEDS:
        with app.test_request_context():
            need = Need(text=case["text"], category=_by_name(Category, case.get("category")),
                        industry=_by_name(Industry, case.get("industry")),
                        region=_by_name(Region, case.get("region")))
            result = recommend(need, limit=10)
        assert not result.degraded
        names = [r.name for r in result.institutions]
        expected = set(case["expected"])
        ok = bool(expected & set(names[:K]))
        by_kind[case["kind"]].append(ok)
        if not ok:
            ranks = [f"{n}@{i + 1}" for i, n in enumerate(names) if n in expected]
            given = ", ".join(f"{k}={case[k]}" for k in ("category", "industry", "region") if case.get(k))
            top = [f"{r.name} ({r.score:.1f})" for r in result.institutions[:K]]
            misses.append(f"[{case['kind']}] {case['text']}{f'  ({given})' if given else ''}\n"
                          f"        terms    {result.terms}\n"
                          f"        expected {case['expected']}  in top-10: {ranks or 'none'}\n"
                          f"        top-3    {top}")
    return by_kind, misses


def _rate(results: list[bool]) -> float:
    return sum(results) / len(results) if results else 0.0


def test_hit_rate(demo_app: Any, figures: list[str]) -> None:
    assert len(NEEDS) >= 150
    assert sum(n["kind"] == "colloquial" for n in NEEDS) >= 10 and sum(n["kind"] == "english" for n in NEEDS) >= 10
    by_kind, misses = _run(demo_app)
    every = [ok for v in by_kind.values() for ok in v]
    overall = _rate(every)
    groups, line = by_group(by_kind)
    figures.append(f"recommendations: {len(NEEDS)} needs, hit@{K} {overall:.1%} ({sum(every)}/{len(every)}); {line}")
    for kind in sorted(by_kind):
        figures.append(f"  {kind:14} {_rate(by_kind[kind]):6.1%}  ({sum(by_kind[kind])}/{len(by_kind[kind])})")
    figures.append("  colloquial " + halves([n["text"] for n in NEEDS if n["kind"] == "colloquial"],
                                            by_kind["colloquial"]))
    figures.extend(f"  miss  {miss}" for miss in misses)
    for name, floor in MIN_BY_GROUP.items():
        assert _rate(groups[name]) >= floor, f"{name}: hit@{K} {_rate(groups[name]):.1%} below {floor:.0%}"
