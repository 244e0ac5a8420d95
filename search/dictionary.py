"""Synonyms and stop words: data staff maintain, sent to Meilisearch as index settings.

A change writes a ``dictionary`` outbox row in the same transaction, so the drain pushes the new settings to
every index even if Meilisearch is down at the time; a reindex builds fresh indexes with them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import col, select

from directory.audit import services as audit
from directory.core.errors import AlreadyExists, InvalidInput, NotFound
from directory.extensions import db
from directory.settings import PROJECT_ROOT
from search.models import SearchStopWord, SearchSynonym
from search.outbox import DICTIONARY, enqueue

DEFAULTS_FILE = PROJECT_ROOT / "seeds" / "search.json"
MAX_TERM_LENGTH = 40


def _queue_settings() -> None:
    enqueue(db.session(), [DICTIONARY])


def _clean_terms(terms: list[str]) -> list[str]:
    out: list[str] = []
    for term in terms:
        term = " ".join(term.split())
        if not term:
            continue
        if len(term) > MAX_TERM_LENGTH:
            raise InvalidInput(_l("A term may have at most %(n)s characters.", n=MAX_TERM_LENGTH), field="terms")
        if term.lower() not in (t.lower() for t in out):
            out.append(term)
    if len(out) < 2:
        raise InvalidInput(_l("A synonym group needs at least two different terms."), field="terms")
    return out


def synonym_groups() -> list[SearchSynonym]:
    return list(db.session.exec(select(SearchSynonym).order_by(col(SearchSynonym.id))).all())


def stop_words() -> list[SearchStopWord]:
    return list(db.session.exec(select(SearchStopWord).order_by(col(SearchStopWord.word))).all())


def add_synonyms(*, terms: list[str], actor_id: int | None = None) -> SearchSynonym:
    """Add a group of mutually equivalent terms. Raises :class:`InvalidInput` for fewer than two terms."""
    group = SearchSynonym(terms=_clean_terms(terms))
    db.session.add(group)
    db.session.flush()
    audit.record(actor_id=actor_id, action="search.synonyms.add", entity_type="search_synonym",
                 entity_id=group.id, changes={"terms": [None, group.terms]})
    _queue_settings()
    return group


def delete_synonyms(*, group_id: int, actor_id: int | None = None) -> None:
    """Remove a synonym group. Raises :class:`NotFound`."""
    group = db.session.get(SearchSynonym, group_id)
    if group is None:
        raise NotFound()
    audit.record(actor_id=actor_id, action="search.synonyms.delete", entity_type="search_synonym",
                 entity_id=group.id, changes={"terms": [group.terms, None]})
    db.session.delete(group)
    db.session.flush()
    _queue_settings()


def add_stop_word(*, word: str, actor_id: int | None = None) -> SearchStopWord:
    """Add a stop word. Raises :class:`InvalidInput` or :class:`AlreadyExists`."""
    word = word.strip()
    if not word or len(word) > MAX_TERM_LENGTH or " " in word:
        raise InvalidInput(_l("A stop word is one word of at most %(n)s characters.", n=MAX_TERM_LENGTH),
                           field="word")
    if db.session.exec(select(SearchStopWord).where(SearchStopWord.word == word)).first():
        raise AlreadyExists(_l("This stop word is already in the list."), field="word")
    item = SearchStopWord(word=word)
    db.session.add(item)
    db.session.flush()
    audit.record(actor_id=actor_id, action="search.stopword.add", entity_type="search_stop_word",
                 entity_id=item.id, changes={"word": [None, word]})
    _queue_settings()
    return item


def delete_stop_word(*, word_id: int, actor_id: int | None = None) -> None:
    """Remove a stop word. Raises :class:`NotFound`."""
    item = db.session.get(SearchStopWord, word_id)
    if item is None:
        raise NotFound()
    audit.record(actor_id=actor_id, action="search.stopword.delete", entity_type="search_stop_word",
                 entity_id=item.id, changes={"word": [item.word, None]})
    db.session.delete(item)
    db.session.flush()
    _queue_settings()


def load_defaults(path: Path = DEFAULTS_FILE) -> int:
    """Add the standard synonyms and stop words that are missing (idempotent); returns how many were added.

    Groups are matched by their first term, so a group staff edited is not added again.
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    firsts = {g.terms[0] for g in synonym_groups() if g.terms}
    words = {w.word for w in stop_words()}
    added = 0
    for terms in data["synonyms"]:
        if terms[0] not in firsts:
            db.session.add(SearchSynonym(terms=_clean_terms(terms)))
            added += 1
    for word in data["stop_words"]:
        if word not in words:
            db.session.add(SearchStopWord(word=word))
            words.add(word)
            added += 1
    if added:
        db.session.flush()
        _queue_settings()
    return added


def meili_settings() -> dict[str, Any]:
    """The ``synonyms`` and ``stopWords`` settings: every term of a group maps to all the others."""
    synonyms: dict[str, list[str]] = {}
    for group in synonym_groups():
        for term in group.terms:
            others = [t for t in group.terms if t != term]
            merged = synonyms.setdefault(term, [])
            merged.extend(t for t in others if t not in merged)
    return {"synonyms": synonyms, "stopWords": sorted(w.word for w in stop_words())}
