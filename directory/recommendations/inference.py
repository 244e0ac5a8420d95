"""What a need is about: its service category, inferred from its text (系统理解为：专利代理).

Two signals, both from this directory, no external model and nothing downloaded:

* the classification's own words: a category whose name (专利代理), English name (patent agency) or a staff
  synonym of its name is written in the need is what the need is about;
* a multinomial naive Bayes model learned from the directory's records and their categories: each offering's
  title and description labelled with its category, each institution's name and description with its
  categories, and each category's names as a document of their own (so a category nobody offers yet is still
  known). Features are Han character bigrams and Latin words: no segmenter, so training takes milliseconds per
  thousand records. Beside them, a second factor over single Han characters, each weighted by how unevenly the
  categories use it (:meth:`CategoryModel.telling`): owners write 检, 账, 裁 where the records write 检测,
  记账, 裁员, and no bigram of "账乱得一塌糊涂" is a record's. The model is trained by a job (directory/jobs, ``recommendations.vocabulary``, with the
  query expansion's vocabulary) into a JSON file every process shares (:func:`current_model`); a request
  trains it only when no file exists yet.

:class:`CategoryModel` and :func:`infer` are pure (tested without a database); :func:`training_documents`
reads the records.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from search.analysis import to_simplified

ALPHA = 0.1  # additive smoothing of the word counts
MIN_CONFIDENCE = 0.45  # the posterior a guessed leaf category needs; below it its parent may do (summed)
MIN_ALTERNATIVE = 0.02  # the posterior an alternative needs to be offered as a correction
ALTERNATIVES = 4
SPREAD = 0.6  # a term less concentrated than this says what trade or place a need is in, not what service
MAX_DOCUMENTS = 20000  # records read to train: enough for every category, bounded at any directory size
NAME_WEIGHT = 3  # a category's names, as a training document, count as this many records
# A single character's evidence against a bigram's: each character is also inside the bigrams around it, and
# alone it is vaguer (装 is 安装 and 服装), so at most half; less the more evenly the categories use it.
CHARACTER_WEIGHT = 0.5

_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")
_LATIN = re.compile(r"[a-z][a-z0-9+]+")
_SEPARATORS = re.compile(r"[与和及、/（）()]")


def features(text: str) -> list[str]:
    """Han character bigrams (a single character for a one-character run) and Latin words of ``text``."""
    return _features(to_simplified(text or "").lower())


def characters(text: str) -> list[str]:
    """The Han characters of ``text``: the one-character verbs and nouns owners write (检, 账, 裁, 测) say
    what a need is about as the records' 检测, 记账, 裁员 do, where no bigram of the need is a record's."""
    return _characters(to_simplified(text or ""))


# On text already simplified (OpenCC is most of what reading a record costs: once per text, for both).
def _features(simple: str) -> list[str]:
    out: list[str] = []
    for run in _HAN_RUN.findall(simple):
        out.extend(run[i:i + 2] for i in range(len(run) - 1)) if len(run) > 1 else out.append(run)
    out.extend(_LATIN.findall(simple))
    return out


def _characters(simple: str) -> list[str]:
    return [ch for run in _HAN_RUN.findall(simple) for ch in run]


@dataclass
class CategoryModel:
    """Multinomial naive Bayes over :func:`features`, with each category's names for direct matches."""

    word_counts: dict[int, Counter[str]] = field(default_factory=dict)
    totals: dict[int, int] = field(default_factory=dict)
    doc_counts: Counter[int] = field(default_factory=Counter)
    vocabulary: set[str] = field(default_factory=set)
    names: dict[int, set[str]] = field(default_factory=dict)  # category id -> its lower-case names
    short_names: dict[int, set[str]] = field(default_factory=dict)  # the halves of names with a separator
    parent: dict[int, int | None] = field(default_factory=dict)
    # The characters, as a second naive Bayes factor beside the bigrams (their own counts and totals, so the
    # bigram model is what it was): weighted by :meth:`telling`.
    char_counts: dict[int, Counter[str]] = field(default_factory=dict)
    char_totals: dict[int, int] = field(default_factory=dict)
    _telling: dict[str, float] | None = field(default=None, init=False, repr=False, compare=False)
    # Derived with _telling: per category, the log likelihood of a character it never uses; per character, what
    # that log likelihood gains in each category that uses it.
    _char_unseen: dict[int, float] = field(default_factory=dict, init=False, repr=False, compare=False)
    _char_unseen_default: float = field(default=0.0, init=False, repr=False, compare=False)
    _char_gain: dict[str, dict[int, float]] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def train(cls, documents: Iterable[tuple[str, Iterable[int]]], categories: Iterable[Any],
              synonyms: dict[str, set[str]] | None = None) -> CategoryModel:
        """``documents``: (text, category ids); ``categories``: every category (``id``, ``name``, ``name_en``,
        ``parent_id``); ``synonyms``: the staff's synonym groups by term."""
        model = cls()
        cats = list(categories)
        # The halves of a name with a separator (诉讼与仲裁 → 诉讼, 仲裁) name it too, unless another category's
        # name holds the same half (申报 is in 税务筹划与申报, 惠企政策申报 and 科技评估与项目申报).
        halves = {cat.id: {p.lower() for p in _SEPARATORS.split(cat.name) if len(p) >= 2} - {cat.name.lower()}
                  for cat in cats}
        for cat in cats:
            shared = {h for h in halves[cat.id] if any(h in other.name.lower() for other in cats if other is not cat)}
            model.short_names[cat.id] = halves[cat.id] - shared
            names = {cat.name.lower(), *model.short_names[cat.id]}
            if cat.name_en:
                names.add(cat.name_en.lower())
            for name in list(names):
                names |= {s for s in (synonyms or {}).get(name, set()) if len(s) >= 2}
            model.names[cat.id] = names
            model.parent[cat.id] = cat.parent_id
        for cat in cats:
            model._add(" ".join(model.names[cat.id]), [cat.id], weight=NAME_WEIGHT)
        for text, ids in documents:
            model._add(text, ids)
        return model

    def _add(self, text: str, ids: Iterable[int], weight: int = 1) -> None:
        simple = to_simplified(text or "").lower()
        words = _features(simple)
        if not words:
            return
        chars = _characters(simple)
        if weight != 1:
            words, chars = words * weight, chars * weight
        ids = {i for i in ids if i in self.parent}
        for cat_id in ids - {self.parent[i] for i in ids}:  # a record's sub-category, not also its parent
            # Counter.update of a list counts in C: the build reads tens of thousands of texts
            self.word_counts.setdefault(cat_id, Counter()).update(words)
            self.totals[cat_id] = self.totals.get(cat_id, 0) + len(words)
            self.doc_counts[cat_id] += weight
            self.char_counts.setdefault(cat_id, Counter()).update(chars)
            self.char_totals[cat_id] = self.char_totals.get(cat_id, 0) + len(chars)
        self.vocabulary.update(words)
        self._telling = None

    def as_json(self) -> dict[str, Any]:
        """The model as JSON data (the shared artefact; never pickle)."""
        return {"word_counts": {str(c): dict(n) for c, n in self.word_counts.items()},
                "totals": {str(c): n for c, n in self.totals.items()},
                "doc_counts": {str(c): n for c, n in self.doc_counts.items()},
                "vocabulary": sorted(self.vocabulary),
                "names": {str(c): sorted(n) for c, n in self.names.items()},
                "short_names": {str(c): sorted(n) for c, n in self.short_names.items()},
                "parent": {str(c): p for c, p in self.parent.items()},
                "char_counts": {str(c): dict(n) for c, n in self.char_counts.items()},
                "char_totals": {str(c): n for c, n in self.char_totals.items()}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CategoryModel:
        return cls(word_counts={int(c): Counter(n) for c, n in data["word_counts"].items()},
                   totals={int(c): n for c, n in data["totals"].items()},
                   doc_counts=Counter({int(c): n for c, n in data["doc_counts"].items()}),
                   vocabulary=set(data["vocabulary"]),
                   names={int(c): set(n) for c, n in data["names"].items()},
                   short_names={int(c): set(n) for c, n in data["short_names"].items()},
                   parent={int(c): p for c, p in data["parent"].items()},
                   char_counts={int(c): Counter(n) for c, n in data["char_counts"].items()},
                   char_totals={int(c): n for c, n in data["char_totals"].items()})

    def posteriors(self, text: str) -> dict[int, float]:
        """P(category | text) over the categories with training documents; {} when no word of the text is known."""
        simple = to_simplified(text or "").lower()
        words = [w for w in _features(simple) if w in self.vocabulary]
        telling = self.telling()
        chars = Counter(ch for ch in _characters(simple) if telling.get(ch, 0.0) > 0)
        if not (words or chars) or not self.word_counts:
            return {}
        docs = sum(self.doc_counts.values())
        size = len(self.vocabulary)
        logs = {}
        for cat_id, counts in self.word_counts.items():
            denominator = self.totals[cat_id] + ALPHA * size
            logs[cat_id] = math.log(self.doc_counts[cat_id] / docs) + sum(
                math.log((counts.get(w, 0) + ALPHA) / denominator) for w in words)
        if chars:
            # Every character as if the category never used it, then what using it adds where it does: a sum
            # over the categories that use the need's characters, not over every category for each character.
            weight = sum(telling[ch] * n for ch, n in chars.items())
            for cat_id in logs:
                logs[cat_id] += weight * self._char_unseen.get(cat_id, self._char_unseen_default)
            for ch, n in chars.items():
                for cat_id, gain in self._char_gain.get(ch, {}).items():
                    if cat_id in logs:
                        logs[cat_id] += telling[ch] * n * gain
        best = max(logs.values())
        exp = {c: math.exp(v - best) for c, v in logs.items()}
        norm = sum(exp.values())
        return {c: v / norm for c, v in exp.items()}

    def telling(self) -> dict[str, float]:
        """The weight of each single Han character as evidence: :data:`CHARACTER_WEIGHT` times how unevenly the
        categories use it: 1 minus the entropy, over the largest, of its likelihoods in the categories as
        :meth:`posteriors` reads them (smoothed by :data:`ALPHA`, so a character seen a few times, 了 or 寨, is not
        taken for one that belongs somewhere). 检 or 账 belong to a few categories and count; 的, 想, 有 are
        everyone's and count for nothing."""
        if self._telling is None:
            cats = [c for c in self.char_counts if self.char_totals.get(c)]
            size = len({ch for c in cats for ch in self.char_counts[c]})
            # Per character, over the categories that use it: the sums of its likelihoods l and l·log l, and of
            # the likelihoods u an unused character has there (so the others' part follows from the totals).
            sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
            all_u = all_ulogu = 0.0
            gain: dict[str, dict[int, float]] = defaultdict(dict)
            self._char_unseen = {}
            self._char_unseen_default = math.log(ALPHA / (ALPHA * size)) if size else 0.0
            for cat_id in cats:
                counts, denominator = self.char_counts[cat_id], self.char_totals[cat_id] + ALPHA * size
                u = ALPHA / denominator
                all_u += u
                all_ulogu += u * math.log(u)
                self._char_unseen[cat_id] = math.log(u)
                for ch, n in counts.items():
                    lk = (n + ALPHA) / denominator
                    acc = sums[ch]
                    acc[0] += lk
                    acc[1] += lk * math.log(lk)
                    acc[2] += u
                    acc[3] += u * math.log(u)
                    gain[ch][cat_id] = math.log(lk / u)
            self._char_gain = dict(gain)
            most = math.log(max(len(cats), 2))
            out = {}
            for ch, (used, used_log, u_used, u_used_log) in sums.items():
                unused, unused_log = all_u - u_used, all_ulogu - u_used_log
                whole = used + unused
                # H = -Σ p log p with p = likelihood / whole, over every category
                entropy = math.log(whole) - (used_log + unused_log) / whole
                out[ch] = CHARACTER_WEIGHT * max(0.0, 1 - entropy / most)
            self._telling = out
        return self._telling

    def concentration(self, term: str) -> float | None:
        """How much ``term`` belongs to one top-level category: the largest share of its likelihood, summed over
        its bigrams, that one top-level category holds (each category's likelihoods normalised, so big categories
        do not win by size). 专利 is nearly all 知识产权's; a trade or place word (镁砂, 大石桥) is spread over
        many. None for a term the records never use."""
        words = [w for w in features(term) if w in self.vocabulary]
        if not words or not self.word_counts:
            return None
        by_top: dict[int, float] = defaultdict(float)
        for cat_id, counts in self.word_counts.items():
            total = self.totals[cat_id] or 1
            by_top[self.parent.get(cat_id) or cat_id] += sum(counts.get(w, 0) for w in words) / total
        whole = sum(by_top.values())
        return max(by_top.values()) / whole if whole else None

    def named(self, text: str) -> list[int]:
        """The categories whose names are written in ``text``, the longest name first (专利代理 before 专利)."""
        blob = to_simplified(text or "").lower()
        hits = [(max(len(n) for n in names if n in blob), cat_id)
                for cat_id, names in self.names.items() if any(n in blob for n in names)]
        return [cat_id for _length, cat_id in sorted(hits, key=lambda h: (-h[0], h[1]))]


@dataclass
class Inference:
    """The category a need is understood to be about (None: not sure), how sure, and the likely others."""

    category_id: int | None
    confidence: float
    alternatives: list[int]
    named: bool = False


def infer(model: CategoryModel, text: str) -> Inference:
    """The need's category: one named in the text wins (the longest name; a child over its parent, and a named
    parent gives way to the sub-category the model prefers among its children); else the
    model's best leaf when its posterior reaches :data:`MIN_CONFIDENCE`, else that leaf's parent when the
    parent's children together reach it; else none. Alternatives are the next likely categories."""
    post = model.posteriors(text)
    ranked = sorted(post, key=lambda c: (-post[c], c))
    named = model.named(text)
    chosen: int | None = None
    confidence = 0.0
    blob = to_simplified(text or "").lower()
    if named and ranked and post[ranked[0]] >= 2 * MIN_CONFIDENCE and all(
            not any(n in blob for n in model.names[c] - model.short_names.get(c, set())) for c in named) \
            and ranked[0] not in named and model.parent.get(ranked[0]) not in named:
        named = []  # only half a name (审计 in 能源审计) against a model that is sure of another category
    if named:
        # A child named alongside its parent (知识产权…专利代理) is the more precise; otherwise the longest.
        children = [c for c in named if model.parent.get(c) in named]
        chosen = children[0] if children else named[0]
        confidence = 1.0
        # A parent named through a synonym (专利 → 知识产权): its sub-category the model finds most likely,
        # when that one holds most of the parent's share.
        under = {c: post[c] for c in ranked if model.parent.get(c) == chosen}
        share = sum(under.values())
        if under and share > 0:
            best_child = max(under, key=lambda c: under[c])
            if under[best_child] / share >= 0.5:
                chosen, confidence = best_child, under[best_child] / share
    elif ranked:
        best = ranked[0]
        if post[best] >= MIN_CONFIDENCE:
            chosen, confidence = best, post[best]
        else:
            by_parent: dict[int, float] = defaultdict(float)
            for cat_id, p in post.items():
                by_parent[model.parent.get(cat_id) or cat_id] += p
            parent_id = model.parent.get(best) or best
            if by_parent[parent_id] >= MIN_CONFIDENCE:
                chosen, confidence = parent_id, by_parent[parent_id]
    alternatives = [c for c in ranked if c != chosen and post[c] >= MIN_ALTERNATIVE
                    and model.parent.get(c) != chosen][:ALTERNATIVES]
    return Inference(category_id=chosen, confidence=round(confidence, 3), alternatives=alternatives,
                     named=bool(named))


def training_documents(limit: int = MAX_DOCUMENTS) -> list[tuple[str, list[int]]]:
    """The admitted institutions (name, description → their categories) and their active offerings (title,
    description → its category), at most ``limit`` of each, the newest first."""
    from sqlmodel import col, select

    from directory.extensions import db
    from directory.institutions.models import Institution, InstitutionCategory, Offering, RecordStatus

    institutions = db.session.exec(select(Institution.id, Institution.name, Institution.description).where(
        Institution.status == RecordStatus.ADMITTED).order_by(col(Institution.id).desc()).limit(limit)).all()
    ids = [row[0] for row in institutions]
    links: dict[int, list[int]] = defaultdict(list)
    for start in range(0, len(ids), 1000):
        for inst_id, cat_id in db.session.exec(select(InstitutionCategory.institution_id,
                                                      InstitutionCategory.category_id).where(
                col(InstitutionCategory.institution_id).in_(ids[start:start + 1000]))).all():
            links[inst_id].append(cat_id)
    docs: list[tuple[str, list[int]]] = [(f"{name} {description}", links[i])
                                         for i, name, description in institutions if links[i]]
    offerings = db.session.exec(select(Offering.title, Offering.description, Offering.category_id).join(
        Institution).where(Offering.active, Institution.status == RecordStatus.ADMITTED,
                           col(Offering.category_id).is_not(None))
        .order_by(col(Offering.id).desc()).limit(limit)).all()
    docs.extend((f"{title} {description}", [cat_id]) for title, description, cat_id in offerings if cat_id)
    return docs


def load_model() -> CategoryModel:
    """The model trained on this directory (needs an app context)."""
    from sqlmodel import select

    from directory.extensions import db
    from directory.recommendations.terms import synonym_map
    from directory.taxonomy.models import Category

    return CategoryModel.train(training_documents(), db.session.exec(select(Category)).all(), synonym_map())


def build_data() -> dict[str, Any]:
    """The model trained on this directory, as the artefact stores it."""
    return {"model": load_model().as_json()}


def current_model() -> CategoryModel:
    """The shared model (``instance/vocabulary/categories.json``, search.expansion.shared): read again when a
    job rewrote it, trained in this request only when there is no file yet."""
    from search.expansion import shared

    return shared("categories", build_data,  # type: ignore[no-any-return]
                  lambda data: CategoryModel.from_json(data["model"]))
