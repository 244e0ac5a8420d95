"""Evaluation at scale (issue: "Evaluation, dynamic screening, incentives and monitoring").

100,000 admitted institutions, 200,000 enterprises, 1,000,000 engagements and 500,000 reviews, bulk-inserted;
then `evaluation run 2026` is timed in a fresh child process (so its peak memory is its own, not the
generator's), on SQLite and — when BENCH_DATABASE_URL or TEST_DATABASE_URL names a PostgreSQL server — on
PostgreSQL in a schema of its own, and the two are printed side by side. The monitoring dashboard's server
time is measured in the same child when that module is present. BENCH_SCALE=0.05 runs a twentieth.
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, text

from bench.common import environment, scale
from directory.core.db import commit_or_rollback
from directory.engagements.models import Engagement
from directory.enterprises.models import Enterprise
from directory.extensions import db
from directory.reviews.models import Review
from directory.taxonomy.models import Industry, Region

BATCH = 10_000
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)
STATUSES = [("completed", 0.6), ("in_progress", 0.1), ("accepted", 0.08), ("requested", 0.08), ("declined", 0.08),
            ("cancelled", 0.06)]
VERDICTS = [("very_satisfied", 0.45), ("satisfied", 0.33), ("basically_satisfied", 0.13), ("dissatisfied", 0.06),
            ("very_dissatisfied", 0.03)]


def _pick(rng: random.Random, table: list[tuple[str, float]]) -> str:
    values, weights = zip(*table, strict=True)
    return str(rng.choices(values, weights)[0])


def generate_activity(n_institutions: int, n_enterprises: int, n_engagements: int, n_reviews: int) -> None:
    """Enterprises, engagements over the year 2026 and reviews of completed ones, in batches."""
    rng = random.Random(7)
    conn = db.session.connection()
    regions = list(db.session.execute(select(Region.id).where(Region.kind == "district")).scalars())  # type: ignore[call-overload]
    industries = list(db.session.execute(select(Industry.id)).scalars())  # type: ignore[call-overload]
    now = datetime.now(UTC)
    for start in range(0, n_enterprises, BATCH):
        conn.execute(insert(Enterprise), [
            {"id": n, "name": f"营口基准企业{n}有限公司", "credit_code": None, "region_id": rng.choice(regions),
             "industry_id": rng.choice(industries), "size": "小型", "description": "", "contact_name": "",
             "contact_phone": "", "email": "", "created_at": now, "updated_at": now}
            for n in range(start + 1, min(n_enterprises, start + BATCH) + 1)])
    completed: list[tuple[int, int, int, datetime]] = []
    for start in range(0, n_engagements, BATCH):
        rows = []
        for n in range(start + 1, min(n_engagements, start + BATCH) + 1):
            status = _pick(rng, STATUSES)
            requested = YEAR_START + timedelta(minutes=rng.randrange(0, 360 * 24 * 60))
            responded = requested + timedelta(hours=rng.choice((1, 4, 12, 30, 60, 120))) if status != "requested" else None
            started = responded + timedelta(days=1) if status in ("in_progress", "completed") and responded else None
            done = started + timedelta(days=rng.randint(2, 40)) if status == "completed" and started else None
            inst, ent = rng.randint(1, n_institutions), rng.randint(1, n_enterprises)
            rows.append({"id": n, "enterprise_id": ent, "institution_id": inst, "expert_id": None,
                         "offering_id": None, "demand_id": None, "status": status, "message": "",
                         "decline_reason": "", "cancel_reason": "",
                         "due_date": (requested + timedelta(days=30)).date() if responded else None,
                         "created_by_id": None, "requested_at": requested, "responded_at": responded,
                         "started_at": started, "completed_at": done,
                         "cancelled_at": requested + timedelta(days=3) if status == "cancelled" else None,
                         "reminded_at": None})
            if done is not None and len(completed) < n_reviews:
                completed.append((n, ent, inst, done))
        conn.execute(insert(Engagement), rows)
    for start in range(0, len(completed), BATCH):
        rows = []
        for engagement_id, ent, inst, done in completed[start:start + BATCH]:
            verdict = _pick(rng, VERDICTS)
            base = {"very_satisfied": 5, "satisfied": 4, "basically_satisfied": 3, "dissatisfied": 2,
                    "very_dissatisfied": 1}[verdict]
            bad = base <= 2
            rows.append({"engagement_id": engagement_id, "meeting_id": None, "kind": "initial", "enterprise_id": ent,
                         "institution_id": inst, "expert_id": None, "quality": base, "efficiency": base,
                         "expertise": base, "attitude": base, "price": max(1, base - rng.randint(0, 1)),
                         "verdict": verdict, "comment": "", "recommend": base >= 4, "hidden": False,
                         "hidden_reason": "", "invalid": False, "invalid_reason": "", "moderated_by_id": None,
                         "followup_status": "closed" if bad else "none", "provider_response": "",
                         "provider_responded_at": None, "followup_note": "",
                         "followup_closed_at": done + timedelta(days=rng.randint(3, 30)) if bad else None,
                         "followup_closed_by_id": None, "reply": "", "replied_at": None,
                         "created_at": done + timedelta(days=1)})
        conn.execute(insert(Review), rows)


def _postgres_url() -> str | None:
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    return url if url and url.startswith("postgresql") else None


def _schema_url(base: str) -> tuple[str, str]:
    from directory.core.db import make_engine

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    engine = make_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", schema


def measure(database_url: str) -> dict[str, Any]:
    """Run in the child: time `evaluation run 2026` and the dashboard, report peak RSS."""
    from pathlib import Path

    from directory import create_app
    from directory.settings import Settings

    settings = Settings(instance_path=Path("/tmp/bench-evaluation-child"),
                        database_url=database_url, secret_key="bench", meili_url="http://127.0.0.1:9",
                        meili_master_key=None, meili_index_prefix="bench_", jobs_embedded=False)
    app = create_app(settings)
    out: dict[str, Any] = {}
    with app.app_context():
        from directory.evaluation.services import run

        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        with commit_or_rollback(db.session):
            report = run(code="2026")
        out["evaluation_s"] = time.perf_counter() - t0
        out["evaluated"] = report.evaluated
        out["grades"] = report.grades
        out["proposals"] = sum(report.proposals.values())
        out["rss_before_mib"] = rss_before / 1024
        out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        try:
            from directory.monitoring.services import dashboard
        except ImportError:
            out["dashboard_s"] = None
        else:
            times = []
            for _ in range(3):
                with app.test_request_context():
                    t0 = time.perf_counter()
                    dashboard(period="2026", region_id=None)
                    times.append(time.perf_counter() - t0)
            out["dashboard_s"] = min(times)
    return out


def _child(database_url: str) -> dict[str, Any]:
    result = subprocess.run([sys.executable, "-m", "bench.evaluation", "--measure", database_url],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def run_backend(name: str, database_url: str | None) -> dict[str, Any]:
    from bench.search import generate

    n_inst, n_ent = int(100_000 * scale()), int(200_000 * scale())
    n_eng, n_rev = int(1_000_000 * scale()), int(500_000 * scale())
    with environment(f"evaluation-{name}", database_url) as (app, root):
        url = database_url or f"sqlite:///{root / 'bench.sqlite3'}"
        t0 = time.perf_counter()
        with app.app_context(), commit_or_rollback(db.session):
            generate(n_inst, 0)
            generate_activity(n_inst, n_ent, n_eng, n_rev)
        generated = time.perf_counter() - t0
        result = _child(url)
        result["generated_s"] = generated
        return result


def main() -> None:
    print(f"== evaluation bench: {int(100_000 * scale())} institutions, {int(1_000_000 * scale())} engagements, "
          f"{int(500_000 * scale())} reviews (BENCH_SCALE={scale()})")
    results = {"sqlite": run_backend("sqlite", None)}
    pg = _postgres_url()
    if pg:
        url, schema = _schema_url(pg)
        try:
            results["postgresql"] = run_backend("postgresql", url)
        finally:
            from directory.core.db import make_engine

            engine = make_engine(pg)
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            engine.dispose()
    else:
        print("(PostgreSQL skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL)")
    for name, r in results.items():
        dash = f"{r['dashboard_s'] * 1000:.0f} ms" if r.get("dashboard_s") is not None else "n/a"
        print(f"{name:10} generate {r['generated_s']:7.1f} s | evaluation run {r['evaluation_s']:6.1f} s for "
              f"{r['evaluated']} institutions ({r['grades']}, {r['proposals']} proposals) | peak RSS "
              f"{r['peak_rss_mib']:.0f} MiB (app alone {r['rss_before_mib']:.0f}) | dashboard {dash}")
    if len(results) == 2:
        print(f"postgresql / sqlite evaluation time = "
              f"{results['postgresql']['evaluation_s'] / results['sqlite']['evaluation_s']:.2f}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        print(json.dumps(measure(sys.argv[2])))
    else:
        main()
