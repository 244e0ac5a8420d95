"""The labelled relevance set (tests/search/relevance.json) against the real Meilisearch and the demo
directory, through the app's own search path. Prints the hit rate per kind of query, with and without the
n-gram field, in the terminal summary of every run (tests/conftest.py), so the effect of search.analysis and
search.expansion is measured on every `make test`."""

from __future__ import annotations

import json
import zlib
from collections import defaultdict
from pathlib import Path
from typing import Any

from search.queries import SearchParams
from search.service import search

CASES = json.loads((Path(__file__).parent / "relevance.json").read_text(encoding="utf-8"))
MIN_HIT_RATE = 0.9
# Floors per kind (group()), below the rates measured on 2026-12-02 (plain 97.9%, colloquial 66.7%, english 98.0%):
# colloquial words are expanded through the thesaurus and the records' vocabulary (search.expansion), English
# through the glossary; raise them as expansion improves. Colloquial 75.0% (9/12) once a keyword query's unknown
# words went after its record words (山寨货维权 → 维权 山寨). 91.7% (11/12) with Cilin's general term of a thing
# (叉车 → 车辆, 地磅 → 衡器) and thesaurus words jieba cut across (地|磅称); both gains in one half (0: 6/6, 1: 5/6).
MIN_BY_GROUP = {"plain": 0.9, "colloquial": 0.8, "english": 0.9}


def _hit(case: dict[str, Any], hits: list[dict[str, Any]]) -> bool:
    wanted = {(e["type"], e["name"]) for e in case["expect"]}
    return any((h["type"], h["name"]) in wanted for h in hits[: case.get("k", 5)])


def _run(app: Any, exclude_ngrams: bool) -> tuple[dict[str, list[bool]], list[str]]:
    import search.queries as queries

    by_kind: dict[str, list[bool]] = defaultdict(list)
    misses = []
    original = queries._common

    def without_ngrams(kind: str, params: SearchParams, q: str | None = None, strategy: str | None = None) -> dict[str, Any]:
        body = original(kind, params, q, strategy)
        from search.settings import INDEX_SETTINGS

        body["attributesToSearchOn"] = [a for a in INDEX_SETTINGS[kind]["searchableAttributes"] if a != "ngrams"]
        return body

    if exclude_ngrams:
        queries._common = without_ngrams  # type: ignore[assignment]
    try:
        with app.test_request_context():
            for case in CASES:
                result = search(SearchParams(q=case["query"], type=case.get("type", "all"), per_page=10))
                assert not result.degraded
                ok = _hit(case, result.hits)
                by_kind[case["kind"]].append(ok)
                if not ok:
                    misses.append(f"{case['kind']}: {case['query']} -> {[h['name'] for h in result.hits[:5]]}")
    finally:
        queries._common = original  # type: ignore[assignment]
    return by_kind, misses


def _rate(results: list[bool]) -> float:
    return sum(results) / len(results) if results else 0.0


def group(kind: str) -> str:
    """The three kinds the issue asks figures for: plain (every kind of query typed in the records' words),
    colloquial and English."""
    return kind if kind in ("colloquial", "english") else "plain"


def by_group(by_kind: dict[str, list[bool]]) -> tuple[dict[str, list[bool]], str]:
    """The results per :func:`group`, and their rates as one line for the figures."""
    groups: dict[str, list[bool]] = defaultdict(list)
    for kind, results in by_kind.items():
        groups[group(kind)].extend(results)
    line = ", ".join(f"{g} {_rate(groups[g]):.1%} ({sum(groups[g])}/{len(groups[g])})"
                     for g in ("plain", "colloquial", "english"))
    return groups, line


def halves(texts: list[str], results: list[bool]) -> str:
    """The hit rates of two fixed halves of one kind's cases (split by a CRC of the text, so neither half was
    chosen): a change that helps only the half it was looked at on shows as a gap between them."""
    parts: dict[int, list[bool]] = defaultdict(list)
    for text, ok in zip(texts, results, strict=True):
        parts[zlib.crc32(text.encode("utf-8")) % 2].append(ok)
    return ", ".join(f"half {h}: {sum(parts[h])}/{len(parts[h])}" for h in (0, 1))


def test_relevance_set(demo_app: Any, figures: list[str]) -> None:
    assert len(CASES) >= 150
    assert sum(c["kind"] == "colloquial" for c in CASES) >= 10 and sum(c["kind"] == "english" for c in CASES) >= 10
    with_ngrams, misses = _run(demo_app, exclude_ngrams=False)
    without, _ = _run(demo_app, exclude_ngrams=True)
    overall = _rate([ok for v in with_ngrams.values() for ok in v])
    baseline = _rate([ok for v in without.values() for ok in v])
    groups, line = by_group(with_ngrams)
    figures.append(f"search: {len(CASES)} queries, hit rate {overall:.1%} (without n-grams {baseline:.1%}); {line}")
    for kind in sorted(with_ngrams):
        figures.append(f"  {kind:12} {_rate(with_ngrams[kind]):6.1%}  (without n-grams {_rate(without[kind]):6.1%})"
                       f"  n={len(with_ngrams[kind])}")
    figures.append("  colloquial " + halves([c["query"] for c in CASES if c["kind"] == "colloquial"],
                                            with_ngrams["colloquial"]))
    figures.extend(f"  miss  {miss}" for miss in misses)
    assert overall >= MIN_HIT_RATE, f"hit rate {overall:.1%} below {MIN_HIT_RATE:.0%}"
    for name, floor in MIN_BY_GROUP.items():
        assert _rate(groups[name]) >= floor, f"{name}: hit rate {_rate(groups[name]):.1%} below {floor:.0%}"
