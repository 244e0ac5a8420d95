"""Text analysis that Meilisearch lacks for Chinese, as pure functions.

Meilisearch segments Chinese with jieba and matches whole tokens (or a prefix of the last query word), so
镁矿 does not find 菱镁矿 and 识产 does not find 知识产权. We add an ``ngrams`` field holding every run of 2
Han characters of a record's key text (names, categories, offering titles, qualifications, honours, expertise;
not the descriptions and bios: with them the field cost 40 % of the reindex throughput, measured side by side,
and no labelled query needed them) as its own space-separated chunk: jieba cuts a chunk exactly as it cuts
the same string typed as a query, so a part of a word now matches token for token. Only pairs: jieba cuts most
longer parts into words of two characters, the last one matched as a prefix (专利代 → 专利 代, 镁矿选矿 → 镁矿
选矿), so the 3- and 4-character runs this field once held matched no labelled query the pairs did not (every labelled
query kept, tests/search/test_relevance.py and tests/recommendations) and cost Meilisearch 40 % of its
indexing CPU (bench/reindex.py, side by side). The field is searched last, so whole-word matches in real
fields still rank first (Meilisearch's ``attribute`` rule).
The effect is measured by the labelled relevance set in tests/search/test_relevance.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

import opencc

HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
NGRAM_SIZES = (2,)  # see the module docstring: longer runs matched nothing more and cost 40 % of the indexing
MAX_NGRAM_CHUNKS = 1500  # bounds the field for long descriptions
QUERY_PUNCTUATION = re.compile(r"[\s,.;:!?，。；：！？、（）()\[\]【】“”\"'‘’《》<>/\\|~`@#$%^&*+=_-]+")
FREE_TEXT_LENGTH = 7  # Han characters; longer queries are treated as sentences


def ngrams(texts: Iterable[str | None], sizes: tuple[int, ...] = NGRAM_SIZES) -> str:
    """Every run of :data:`NGRAM_SIZES` Han characters in ``texts``, deduplicated (first seen first), space-separated,
    at most :data:`MAX_NGRAM_CHUNKS` of them. Built in one comprehension and one dict.fromkeys rather than a
    setdefault per chunk: it is the costliest step of building a document (profiled)."""
    runs = HAN_RUN.findall(" ".join(t for t in texts if t))
    seen = dict.fromkeys([run[i:i + n] for run in runs for n in sizes for i in range(len(run) - n + 1)])
    return " ".join(seen) if len(seen) <= MAX_NGRAM_CHUNKS else " ".join(list(seen)[:MAX_NGRAM_CHUNKS])


@cache
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional script to simplified (OpenCC). Meilisearch normalises single tokens itself, but jieba
    segments traditional compounds (知識產權質押) badly before that, so the query is converted first."""
    return str(_to_simplified().convert(text))


def clean_query(q: str) -> str:
    """Simplified script, punctuation to single spaces, so a pasted sentence tokenises like typed words."""
    return QUERY_PUNCTUATION.sub(" ", to_simplified(q)).strip()


def clauses(q: str) -> list[str]:
    """The parts of a free-text need between punctuation and spaces, when there are several: each is searched
    on its own too, because a sentence that names one thing nobody offers (替代人工) would otherwise match
    nothing under any matching strategy."""
    if not is_free_text(q):
        return []
    parts = [p for p in QUERY_PUNCTUATION.split(to_simplified(q)) if len(p.strip()) >= 2]
    return parts if len(parts) > 1 else []


def is_free_text(q: str) -> bool:
    """A need typed as a sentence (我们公司想申请发明专利，需要找代理机构) rather than a keyword or two."""
    han = sum(len(run) for run in HAN_RUN.findall(q))
    return han >= FREE_TEXT_LENGTH or len(q.split()) >= 3


def matching_strategy(q: str) -> str:
    """Keywords must all match (dropping from the end if nothing does); sentences drop their most common
    words first, so the rare, meaningful ones (专利, 镁砂, HAZOP) decide."""
    return "frequency" if is_free_text(q) else "last"
