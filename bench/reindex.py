"""Where a full reindex spends its time, and index-shape variants side by side (issue 15: ≥ 2,000 docs/s).

On the search bench's data (BENCH_SCALE × 100,000 institutions + offerings + 50,000 experts):
1. the app's side alone: loading the records, building the documents, encoding them (process CPU);
2. the same pre-built documents added to fresh indexes under each variant of the index shape (the n-gram field
   and settings), one after the other: wall time, Meilisearch CPU seconds (user+sys of its process, from
   /proc, less affected by the machine's load than wall time) and the sum of its task durations (/tasks);
3. the app's own ``reindex()`` end to end: docs/s, its CPU and Meilisearch's.
The variants only say what Meilisearch costs; whether a shape keeps every labelled query is for the relevance
sets (tests/search/test_relevance.py, tests/recommendations/test_hit_rate.py). BENCH_VARIANTS=a,b picks some
(empty: none, and no documents are held in memory); BENCH_REINDEX=now skips the reindex with the old shape.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlmodel import select

from bench.common import environment, scale
from bench.search import BATCH, app_reindex, generate
from directory.core.db import commit_or_rollback
from directory.extensions import db
from search import analysis, documents

Docs = dict[str, list[dict[str, Any]]]
Variant = Callable[[str, dict[str, Any], dict[str, Any]], None]  # (kind, document, settings): edits in place


def meili_cpu(pid: int) -> float:
    """User + system CPU seconds of the Meilisearch process so far."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    t = os.times()
    return t.user + t.system


def load_avg() -> str:
    return " ".join(open("/proc/loadavg").read().split()[:3])  # noqa: SIM115


def _duration(iso: str | None) -> float:
    """An ISO 8601 duration as Meilisearch writes it (PT1.234S, PT1M2.5S)."""
    match = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?", iso or "")
    if not match:
        return 0.0
    h, m, s = match.groups()
    return int(h or 0) * 3600 + int(m or 0) * 60 + float(s or 0)


def build_side(app: Any) -> tuple[Docs, dict[str, float]]:
    """Every provider document, built by the app's own code, with the CPU each step took."""
    from search.indexes import build, load
    from search.settings import INDEX_TYPES

    docs: Docs = {}
    times = {"load": 0.0, "build": 0.0, "encode": 0.0}
    with app.app_context():
        for kind in INDEX_TYPES:
            from search.documents import MODELS

            model: Any = MODELS[kind]
            ids = list(db.session.exec(select(model.id).order_by(model.id)).all())
            docs[kind] = []
            for start in range(0, len(ids), BATCH):
                chunk = set(ids[start:start + BATCH])
                c0 = own_cpu()
                load(kind, chunk)  # identity map: build() below reads these rows without loading them again
                c1 = own_cpu()
                built, _gone, _broken = build(kind, chunk)
                c2 = own_cpu()
                json.dumps([d for _i, d in built], ensure_ascii=False)
                c3 = own_cpu()
                times["load"] += c1 - c0
                times["build"] += (c2 - c1)
                times["encode"] += c3 - c2
                docs[kind].extend(d for _i, d in built)
                db.session.expunge_all()
    # build() loads again (its own load call); count that load once, under "load"
    return docs, times


def index_side(app: Any, pid: int, name: str, docs: Docs, variant: Variant | None) -> dict[str, float]:
    """Add ``docs`` (reshaped by ``variant``) to fresh indexes; Meilisearch's cost of that shape."""
    import copy

    from search.indexes import full_settings, wait
    from search.settings import INDEX_TYPES

    with app.app_context():
        client = app.extensions["search"].admin_client()
        shaped: Docs = {}
        settings: dict[str, dict[str, Any]] = {}
        for kind in INDEX_TYPES:
            settings[kind] = copy.deepcopy(full_settings(kind))
            shaped[kind] = []
            for doc in docs[kind]:
                doc = dict(doc)
                if variant:
                    variant(kind, doc, settings[kind])
                shaped[kind].append(doc)
        uids = {kind: f"variant_{name}_{kind}" for kind in INDEX_TYPES}
        for kind in INDEX_TYPES:
            wait(client, client.create_index(uids[kind], {"primaryKey": "id"}))
            wait(client, client.index(uids[kind]).update_settings(settings[kind]))
        cpu0, wall0 = meili_cpu(pid), time.perf_counter()
        tasks = []
        for kind in INDEX_TYPES:
            for start in range(0, len(shaped[kind]), BATCH):
                tasks.append(client.index(uids[kind]).add_documents(shaped[kind][start:start + BATCH], primary_key="id"))
        for task in tasks:
            wait(client, task, 3_600_000)
        wall, cpu = time.perf_counter() - wall0, meili_cpu(pid) - cpu0
        # Meilisearch groups queued tasks of one index into batches: their durations add up to its indexing
        # time, and their count says how often it merged into the growing index.
        batches = {client.http.get(f"tasks/{t.task_uid}")["batchUid"] for t in tasks}
        details = [client.http.get(f"batches/{b}") for b in batches]
        durations = sum(_duration(b["duration"]) for b in details)
        steps: dict[str, float] = {}
        for b in details:  # where Meilisearch's time went, step by step (its progress trace)
            for step, took in (b.get("stats", {}).get("progressTrace") or {}).items():
                steps[step] = steps.get(step, 0.0) + _elapsed(str(took))
        for kind in INDEX_TYPES:
            wait(client, client.delete_index(uids[kind]))
    n = sum(len(v) for v in shaped.values())
    return {"n": n, "wall": wall, "cpu": cpu, "tasks": durations, "batches": len(batches), "steps": steps}


def _elapsed(text: str) -> float:
    """A duration as the progress trace writes it (1.23s, 45.6ms, 7.8µs, 1m2.3s), in seconds."""
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "µs": 1e-6, "us": 1e-6, "ns": 1e-9}
    return sum(float(v) * units[u] for v, u in re.findall(r"([\d.]+)(ms|µs|us|ns|h|m|s)", text))


def top_steps(steps: dict[str, float], n: int = 6) -> str:
    """The costliest leaf steps (a step's parents add up their children, so only leaves are listed)."""
    leaves = {k: v for k, v in steps.items() if not any(o.startswith(f"{k} > ") for o in steps)}
    return "; ".join(f"{' > '.join(k.split(' > ')[-2:])} {v:.1f}s" for k, v in sorted(leaves.items(), key=lambda kv: -kv[1])[:n])


# -- variants of the index shape ----------------------------------------------------------------------------

def _sources(kind: str, doc: dict[str, Any]) -> list[str]:
    """The texts the n-gram field is built from (search.documents), read back from the document."""
    if kind == "institution":
        return [doc["name"], *doc["categories"], *doc["offerings"], *doc["qualifications"], *doc["honors"]]
    if kind == "offering":
        return [doc["title"], *doc["categories"], doc["institution_name"]]
    return [*doc["expertise"], *doc["categories"], doc["title"], doc["organization"]]


def _grams(sizes: tuple[int, ...], as_list: bool) -> Variant:
    from search.analysis import ngrams

    def variant(kind: str, doc: dict[str, Any], settings: dict[str, Any]) -> None:
        text = ngrams(_sources(kind, doc), sizes)
        doc["ngrams"] = text.split() if as_list else text
    return variant


def _no_ngrams(kind: str, doc: dict[str, Any], settings: dict[str, Any]) -> None:
    doc.pop("ngrams", None)


def _no_typo_on_ngrams(inner: Variant) -> Variant:
    def variant(kind: str, doc: dict[str, Any], settings: dict[str, Any]) -> None:
        inner(kind, doc, settings)
        settings["typoTolerance"] = {"disableOnAttributes": ["ngrams"]}
    return variant


def _setting(name: str, value: Any, inner: Variant | None = None) -> Variant:
    def variant(kind: str, doc: dict[str, Any], settings: dict[str, Any]) -> None:
        if inner:
            inner(kind, doc, settings)
        settings[name] = value
    return variant


VARIANTS: dict[str, Variant | None] = {
    "as-built": None,
    "no-ngrams": _no_ngrams,
    "string-234": _grams((2, 3, 4), as_list=False),
    "string-23": _grams((2, 3), as_list=False),
    "list-234": _grams((2, 3, 4), as_list=True),
    "list-23": _grams((2, 3), as_list=True),
    "list-234-notypo": _no_typo_on_ngrams(_grams((2, 3, 4), as_list=True)),
    "string-2": _grams((2,), as_list=False),
    "list-2": _grams((2,), as_list=True),
    "byattribute-string-2": _setting("proximityPrecision", "byAttribute", _grams((2,), as_list=False)),
    "byattribute": _setting("proximityPrecision", "byAttribute"),
    "byattribute-no-ngrams": _setting("proximityPrecision", "byAttribute", _no_ngrams),
    "noprefix": _setting("prefixSearch", "disabled"),
    "noprefix-string-23": _setting("prefixSearch", "disabled", _grams((2, 3), as_list=False)),
    "as-built-again": None,
}
DEFAULT_VARIANTS = "string-234,as-built,no-ngrams,byattribute"


def main() -> None:
    n_inst, n_exp = int(100_000 * scale()), int(50_000 * scale())
    print(f"== reindex bench: {n_inst} institutions + {n_inst} offerings + {n_exp} experts (BENCH_SCALE={scale()})")
    chosen = [v for v in os.environ.get("BENCH_VARIANTS", DEFAULT_VARIANTS).split(",") if v]
    with environment("reindex") as (app, _root):
        pid = app.config["BENCH_MEILI_PID"]
        with app.app_context(), commit_or_rollback(db.session):
            generate(n_inst, n_exp)
        docs, times = build_side(app) if chosen else ({}, {"load": 0.0, "build": 0.0, "encode": 0.0})
        n = sum(len(v) for v in docs.values())
        print(f"app side, CPU s for {n} docs: load {times['load']:.1f}, build {times['build']:.1f} "
              f"(includes a second load), encode {times['encode']:.1f}  [load {load_avg()}]")
        for name in chosen:
            r = index_side(app, pid, name, docs, VARIANTS[name])
            print(f"{name:18} {r['n']} docs in {r['wall']:6.1f} s = {r['n'] / r['wall']:6.0f} docs/s | "
                  f"meili CPU {r['cpu']:6.1f} s, {r['batches']} batches {r['tasks']:6.1f} s  [load {load_avg()}]")
            print(f"{'':18} steps: {top_steps(r['steps'])}")
        # The app's own reindex, end to end: with the n-gram sizes this field had before issue 15's change
        # (2–4) and as built now, one after the other on the same data.
        for label, sizes in (("2-4-grams (before)", (2, 3, 4)), ("as built", None)):
            if sizes and "before" not in os.environ.get("BENCH_REINDEX", "before,now"):
                continue
            documents.ngrams = partial(analysis.ngrams, sizes=sizes) if sizes else analysis.ngrams
            cpu0, own0 = meili_cpu(pid), own_cpu()
            app_s, app_n = app_reindex(app)
            print(f"flask reindex {label:18} {app_n} docs in {app_s:6.1f} s = {app_n / app_s:6.0f} docs/s | "
                  f"meili CPU {meili_cpu(pid) - cpu0:6.1f} s, app CPU {own_cpu() - own0:6.1f} s  [load {load_avg()}]")
        documents.ngrams = analysis.ngrams
