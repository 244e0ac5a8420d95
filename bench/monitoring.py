"""The monitoring dashboard at scale (workflow 8, 运行监测).

Bulk-inserts 100,000 admitted institutions (1–3 categories each), 200,000 enterprises, 1,000,000 engagements
(requested over three years, every status, with response times), 500,000 reviews, 100,000 needs and 200 held
events with 100 meetings each (and their feedback), with set-based inserts (executemany in batches); runs
VACUUM / ANALYZE / a WAL checkpoint as a live database would have had; then times ``dashboard()`` in-process
(server time, no HTTP) for a year, a quarter, a year in one district and the current year — the raw queries
(``summary=False``) and the daily summary kept by migration 0023's triggers (which the bulk inserts here fire,
as any write does), alternated, with their ratio and whether their figures agree — plus ``to_xlsx()``, and
prints the figures (the same data on both databases, so the figures must agree).

SQLite always; PostgreSQL too when BENCH_DATABASE_URL or TEST_DATABASE_URL is set (in a schema of its own,
dropped at the end). BENCH_SCALE=0.05 for a quick look; BENCH_ROUNDS (default 5) timed calls per case.
BENCH_KEEP=DIR keeps both databases (DIR/monitoring.sqlite3 and the schema bench_keep_monitoring) and reuses
them when they hold the data set of this scale: the migrations run on them again (a new one backfills, as in
an upgrade), the generation is skipped. BENCH_PROFILE=1 also lists each statement of the summary path's
dashboard() with its time.
"""

from __future__ import annotations

import dataclasses
import os
import random
import statistics
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, text
from sqlmodel import col, select

from bench.common import environment, kept, ms, postgres_schema, scale
from directory.accounts.models import User
from directory.core.creditcode import CREDIT_CHARSET, make_credit_code
from directory.core.db import commit_or_rollback
from directory.demands.models import Demand
from directory.engagements.models import Engagement
from directory.enterprises.models import Enterprise
from directory.events.models import Event, EventParticipant, Meeting, MeetingFeedback, MeetingRequest
from directory.extensions import db
from directory.institutions.models import Institution, InstitutionCategory
from directory.monitoring.models import MonitoringDaily
from directory.reviews.models import Review
from directory.taxonomy.models import Category, Region

BATCH = 10_000
START = datetime(2024, 1, 1, tzinfo=UTC)
END = datetime(2026, 11, 20, tzinfo=UTC)
SPAN = (END - START).total_seconds()
STATUSES = (("completed", 55), ("in_progress", 10), ("accepted", 8), ("declined", 7), ("requested", 12),
            ("cancelled", 8))
VERDICTS = (("very_satisfied", 45), ("satisfied", 30), ("basically_satisfied", 15), ("dissatisfied", 7),
            ("very_dissatisfied", 3))
EVENT_ENTERPRISES = EVENT_PROVIDERS = 40
MEETINGS_PER_EVENT = 100


def _weighted(rng: random.Random, table: tuple[tuple[str, int], ...], n: int) -> list[str]:
    return rng.choices([k for k, _w in table], weights=[w for _k, w in table], k=n)


def _batches(n: int) -> Iterator[range]:
    for start in range(0, n, BATCH):
        yield range(start + 1, min(n, start + BATCH) + 1)


def _when(rng: random.Random) -> datetime:
    return START + timedelta(seconds=rng.random() * SPAN)


def generate(*, n_inst: int, n_ent: int, n_eng: int, n_rev: int, n_dem: int, n_events: int) -> dict[str, int]:
    """Bulk-insert the data set; returns the row counts."""
    rng = random.Random(42)
    conn = db.session.connection()
    now = datetime.now(UTC)
    # Ordered, so both databases get the same data and must show the same figures.
    regions = list(db.session.exec(select(Region.id).where(Region.kind == "district").order_by(col(Region.id))).all())
    categories = list(db.session.exec(select(Category.id).order_by(col(Category.id))).all())

    for ids in _batches(n_inst):
        rows, cats = [], []
        for n in ids:
            body = "".join(CREDIT_CHARSET[(n // 31 ** i) % 31] for i in range(8))
            confirmed = None if rng.random() < 0.05 else now - timedelta(days=rng.randint(0, 700))
            rows.append({"id": n, "name": f"营口监测测试服务机构{n}号有限公司",
                         "credit_code": make_credit_code("91", "210800", body), "region_id": rng.choice(regions),
                         "description": "", "contact_name": "", "contact_phone": "", "email": "", "website": "",
                         "qualifications": [], "honors": [], "status": "admitted", "rating_count": 0,
                         "grade": rng.choice(("A", "B", "B", "C", "C", "D", None)),
                         "badge": "示范服务机构" if rng.random() < 0.02 else None, "admitted_at": now,
                         "confirmed_at": confirmed, "created_at": now, "updated_at": now})
            for category in rng.sample(categories, rng.randint(1, 3)):
                cats.append({"institution_id": n, "category_id": category})
        conn.execute(insert(Institution), rows)
        conn.execute(insert(InstitutionCategory), cats)

    for ids in _batches(n_ent):
        conn.execute(insert(Enterprise), [
            {"id": n, "name": f"营口监测测试企业{n}号有限公司", "credit_code": None, "region_id": rng.choice(regions),
             "size": "", "description": "", "contact_name": "", "contact_phone": "", "email": "",
             "created_at": now, "updated_at": now} for n in ids])

    completed: list[tuple[int, int, int, datetime]] = []  # (engagement, enterprise, institution, completed_at)
    for ids in _batches(n_eng):
        rows = []
        for n, status in zip(ids, _weighted(rng, STATUSES, len(ids)), strict=True):
            requested = _when(rng)
            row: dict[str, Any] = {
                "id": n, "enterprise_id": rng.randint(1, n_ent), "institution_id": rng.randint(1, n_inst),
                "expert_id": None, "status": status, "message": "", "decline_reason": "", "cancel_reason": "",
                "requested_at": requested, "responded_at": None, "started_at": None, "completed_at": None,
                "cancelled_at": None}
            if status not in ("requested", "cancelled") or rng.random() < 0.3:
                row["responded_at"] = requested + timedelta(hours=rng.expovariate(1 / 30))
            if status == "completed":
                row["completed_at"] = row["responded_at"] + timedelta(days=rng.randint(1, 40))
                if len(completed) < n_rev:
                    completed.append((n, row["enterprise_id"], row["institution_id"], row["completed_at"]))
            if status == "cancelled":
                row["cancelled_at"] = requested + timedelta(days=1)
            rows.append(row)
        conn.execute(insert(Engagement), rows)

    for start in range(0, len(completed), BATCH):
        chunk = completed[start:start + BATCH]
        conn.execute(insert(Review), [
            {"engagement_id": e, "meeting_id": None, "kind": "initial", "enterprise_id": ent, "institution_id": inst,
             "expert_id": None, "quality": 4, "efficiency": 4, "expertise": 4, "attitude": 4, "price": 4,
             "verdict": verdict, "comment": "", "hidden": False, "hidden_reason": "", "invalid": rng.random() < 0.01,
             "invalid_reason": "", "followup_status": "none", "provider_response": "", "followup_note": "",
             "reply": "", "created_at": done + timedelta(hours=rng.randint(1, 200))}
            for (e, ent, inst, done), verdict in zip(chunk, _weighted(rng, VERDICTS, len(chunk)), strict=True)])

    for ids in _batches(n_dem):
        rows = []
        for n in ids:
            created = _when(rng)
            status = rng.choice(("open", "answered", "answered", "closed"))
            answered = created + timedelta(hours=rng.expovariate(1 / 50)) if status != "open" else None
            rows.append({"id": n, "enterprise_id": rng.randint(1, n_ent), "title": "需求", "text": "",
                         "region_id": rng.choice(regions) if rng.random() < 0.3 else None, "visibility": "public",
                         "status": status, "answered_at": answered, "created_at": created, "updated_at": created})
        conn.execute(insert(Demand), rows)

    # Events: the same 40 enterprise and 40 provider users take part in every event, 100 meetings each.
    users = [{"id": 1_000_000 + i, "email": f"bench{i}@example.cn", "phone": None, "password_hash": "x",
              "role": "enterprise" if i < EVENT_ENTERPRISES else "institution", "display_name": f"用户{i}",
              "enterprise_id": rng.randint(1, n_ent) if i < EVENT_ENTERPRISES else None,
              "institution_id": None if i < EVENT_ENTERPRISES else rng.randint(1, n_inst), "active": True,
              "created_at": now} for i in range(EVENT_ENTERPRISES + EVENT_PROVIDERS)]
    conn.execute(insert(User), users)
    participant_id = request_id = meeting_id = 0
    for event_id in range(1, n_events + 1):
        starts = (START + timedelta(days=rng.randint(0, int(SPAN // 86400)))).date()
        conn.execute(insert(Event), [{
            "id": event_id, "title": f"对接会{event_id}", "theme": "", "description": "", "status": "completed",
            "starts_on": starts, "venue": "", "online_url": "", "meeting_minutes": 20, "tables": 20,
            "schedule_status": "final", "cancel_reason": "", "created_at": now, "updated_at": now}])
        people = []
        for u in users:
            participant_id += 1
            people.append({"id": participant_id, "event_id": event_id, "user_id": u["id"],
                           "side": "enterprise" if u["enterprise_id"] else "provider",
                           "enterprise_id": u["enterprise_id"], "institution_id": u["institution_id"],
                           "status": "registered", "offers": "", "seeks": "", "listed": True,
                           "unavailable_slots": [], "checkin_token": uuid.uuid4().hex, "registered_at": now})
        conn.execute(insert(EventParticipant), people)
        ents, provs = people[:EVENT_ENTERPRISES], people[EVENT_ENTERPRISES:]
        pairs = rng.sample([(a, b) for a in ents for b in provs], MEETINGS_PER_EVENT)
        requests, meetings, feedback = [], [], []
        for a, b in pairs:
            request_id += 1
            meeting_id += 1
            requests.append({"id": request_id, "event_id": event_id, "requester_id": a["id"],
                             "recipient_id": b["id"], "message": "", "status": "accepted", "created_at": now})
            status = rng.choices(("held", "no_show", "cancelled"), weights=(85, 10, 5))[0]
            meetings.append({"id": meeting_id, "event_id": event_id, "request_id": request_id,
                             "slot_position": rng.randint(0, 11), "table_no": rng.randint(1, 20), "locked": False,
                             "status": status, "unscheduled_reason": "", "created_at": now})
            if status == "held":
                for side in (a, b):
                    outcome = rng.choices(("signed", "intent", "none"), weights=(10, 30, 60))[0]
                    feedback.append({"meeting_id": meeting_id, "participant_id": side["id"], "rating": 4,
                                     "outcome": outcome, "comment": "", "kind": "initial",
                                     "amount": rng.randint(1, 500) * 10_000 if outcome != "none" else None,
                                     "created_at": now})
        conn.execute(insert(MeetingRequest), requests)
        conn.execute(insert(Meeting), meetings)
        conn.execute(insert(MeetingFeedback), feedback)
    if conn.dialect.name == "postgresql":
        # Explicit ids were inserted: move the sequences past them, as a real database would be.
        for table in ("institution", "enterprise", "engagement", "demand", "user_account", "event",
                      "eventparticipant", "meetingrequest", "meeting"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))
    return {"institutions": n_inst, "enterprises": n_ent, "engagements": n_eng, "reviews": len(completed),
            "needs": n_dem, "events": n_events, "meetings": meeting_id}


def _timed(fn: Any, rounds: int) -> tuple[dict[str, float], Any]:
    fn()  # warm-up: caches and the first query plans
    times, out = [], None
    for _ in range(rounds):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return {"p50": statistics.median(times), "min": min(times), "max": max(times)}, out


def _print_figures(board: Any) -> None:
    i, d, e, ev = board.institutions, board.demands, board.engagements, board.events

    def hours(seconds: float | None) -> str:
        return f"{seconds / 3600:.1f} h" if seconds is not None else "—"

    def share(value: float | None) -> str:
        return f"{100 * value:.1f}%" if value is not None else "—"

    print(f"   institutions {i.total}, badge {i.with_badge}, stale {i.stale}, grades {i.by_grade}")
    print(f"   by category {[(label, n) for _id, label, n in i.by_category]}")
    print(f"   SMEs served {board.smes_served}; needs {d.posted} {d.by_status}, first answer mean "
          f"{hours(d.answer_time.mean)} median {hours(d.answer_time.median)}")
    print(f"   engagements {e.total} {e.by_status}")
    print(f"   response mean {hours(e.response_time.mean)} median {hours(e.response_time.median)}, "
          f"within 2 working days {share(e.share_within_two_working_days)}")
    print(f"   reviews {board.reviews_total}: " + ", ".join(
        f"{m.label} {m.reviews} good {share(m.good_share)} bad {share(m.bad_share)}" for m in board.satisfaction[:3])
        + " …")
    print(f"   events {ev.events_held}, meetings held {ev.meetings_held}, no-show rate {share(ev.no_show_rate)}, "
          f"outcomes {ev.outcomes}, signed {ev.amount_signed:,.0f} yuan, intents {ev.amount_intended:,.0f} yuan")


def run(backend: str, database_url: str | None) -> None:
    from directory.monitoring import export, services

    s = scale()
    sizes = {"n_inst": int(100_000 * s), "n_ent": int(200_000 * s), "n_eng": int(1_000_000 * s),
             "n_rev": int(500_000 * s), "n_dem": int(100_000 * s), "n_events": max(2, int(200 * s))}
    rounds = int(os.environ.get("BENCH_ROUNDS", "5"))
    keep = kept("monitoring")
    if backend == "sqlite" and keep is not None:
        database_url = f"sqlite:///{keep}"
    with environment(f"monitoring-{backend}", database_url) as (app, _root):
        t0 = time.perf_counter()
        with app.app_context(), commit_or_rollback(db.session):
            present = db.session.exec(select(func.count()).select_from(Engagement)).one()
            if present and present != sizes["n_eng"]:
                raise SystemExit(f"BENCH_KEEP: the kept {backend} database holds {present} engagements, not "
                                 f"{sizes['n_eng']}; remove it or use its scale")
            counts = generate(**sizes) if not present else {"engagements": present, "reused": 1}
        generated = time.perf_counter() - t0
        with app.app_context():
            # The steady state of a live database: statistics gathered, PostgreSQL vacuumed (visibility map and
            # hint bits set, as autovacuum would have), SQLite's write-ahead log checkpointed. The summaries the
            # triggers keep are compacted on PostgreSQL: the generation is one transaction, so every one of the
            # millions of increments leaves its old row version to the end (monitoring_daily: 200 MB for 157,000
            # rows, 12 MB compacted), a bloat that writes spread over time, with autovacuum between them, do not
            # leave; a plain VACUUM frees the versions but keeps the pages, and the dashboard would read those.
            db.session.remove()
            raw = db.engine.raw_connection()
            try:
                if db.engine.dialect.name == "postgresql":
                    raw.driver_connection.autocommit = True  # type: ignore[union-attr]
                    statements = ["VACUUM FULL monitoring_daily", "VACUUM FULL monitoring_duration",
                                  "VACUUM FULL monitoring_served", "VACUUM FULL institution_top_category",
                                  "VACUUM ANALYZE"]
                else:  # the connection is in autocommit mode already (see make_engine)
                    statements = ["ANALYZE", "PRAGMA wal_checkpoint(TRUNCATE)"]
                cursor = raw.cursor()
                for statement in statements:
                    cursor.execute(statement)
                cursor.close()
                if db.engine.dialect.name == "postgresql":
                    raw.driver_connection.autocommit = False  # type: ignore[union-attr]  # back to the pool as it was
            finally:
                raw.close()
            print(f"-- {backend}: {counts} generated in {generated:.1f} s")
            district = db.session.exec(select(Region.id).where(Region.kind == "district")
                                       .order_by(col(Region.sort_order))).first()
            cases = [("year 2025", "2025", None), ("quarter 2025Q3", "2025Q3", None),
                     ("year 2025, one district", "2025", district), ("current year (default)", None, None)]
            board = None
            with app.test_request_context():
                # The raw queries (summary=False, the dashboard before issue 13's summary) and the pre-aggregated
                # path alternately, call by call, so that both see the same machine; both with the indexes.
                summary_rows = db.session.exec(select(func.count()).select_from(MonitoringDaily)).one()
                print(f"   raw queries / daily summary ({summary_rows:,} summary rows), calls alternated:")
                for label, period, region in cases:
                    sides: dict[str, list[float]] = {"raw": [], "summary": []}
                    cpu: dict[str, list[float]] = {"raw": [], "summary": []}  # this process's (user+sys)
                    boards: dict[str, Any] = {}
                    for n in range(rounds + 1):  # the first pair warms up
                        for side in ("raw", "summary"):
                            t0, c0 = time.perf_counter(), time.process_time()
                            out = services.dashboard(period=period, region_id=region, summary=side == "summary")
                            elapsed, used = time.perf_counter() - t0, time.process_time() - c0
                            db.session.rollback()
                            boards[side] = out
                            if n:
                                sides[side].append(elapsed)
                                cpu[side].append(used)
                    board = board or boards["summary"]
                    same = _same(boards["raw"], boards["summary"])
                    raw_, fast = statistics.median(sides["raw"]), statistics.median(sides["summary"])
                    print(f"   dashboard() {label:26} raw p50 {ms(raw_)} min {ms(min(sides['raw']))} | summary "
                          f"p50 {ms(fast)} min {ms(min(sides['summary']))} | raw / summary = {raw_ / fast:.2f}"
                          f"  figures {'equal' if same else 'DIFFER'}  | process CPU p50 raw "
                          f"{ms(statistics.median(cpu['raw']))} summary {ms(statistics.median(cpu['summary']))}"
                          + ("  (target <= 400 ms)" if label == "year 2025" else "") + f"  (n={rounds})")
                if os.environ.get("BENCH_PROFILE"):
                    for label, period, region in cases[:3]:
                        _profile(label, lambda p=period, r=region: services.dashboard(period=p, region_id=r))
                assert board is not None
                timing, data = _timed(lambda: export.to_xlsx(board), rounds)
                print(f"   to_xlsx()   {'year 2025':26} p50 {ms(timing['p50'])}  ({len(data):,} bytes)")
                print("   figures for 2025:")
                _print_figures(board)


def _profile(label: str, call: Any) -> None:
    """BENCH_PROFILE=1: each statement of one ``call`` (after a warm-up call) with its time, slowest first, and
    the time outside the database (Python, the round trips' overhead)."""
    from sqlalchemy import event

    timings: list[tuple[float, str]] = []

    def before(_conn: Any, _cursor: Any, _statement: Any, _params: Any, context: Any, _many: Any) -> None:
        context._bench_t0 = time.perf_counter()

    def after(_conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: Any) -> None:
        timings.append((time.perf_counter() - context._bench_t0, " ".join(statement.split())))

    call()
    db.session.rollback()
    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        t0 = time.perf_counter()
        call()
        total = time.perf_counter() - t0
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
        db.session.rollback()
    in_db = sum(t for t, _s in timings)
    print(f"   profile {label}: {ms(total)} total, {len(timings)} statements {ms(in_db)}, outside {ms(total - in_db)}")
    for elapsed, statement in sorted(timings, reverse=True)[:12]:
        print(f"     {ms(elapsed)}  {statement[:150]}")


def _same(raw: Any, fast: Any) -> bool:
    """The two dashboards show the same figures (means up to the order of floating-point additions)."""
    a, b = dataclasses.asdict(raw), dataclasses.asdict(fast)
    a.pop("generated_at"), b.pop("generated_at")
    for board in (a, b):
        for section, key in (("engagements", "response_time"), ("demands", "answer_time")):
            mean = board[section][key].pop("mean")
            board[section][key]["mean"] = round(mean, 3) if mean is not None else None
    return bool(a == b)


def main() -> None:
    print(f"== monitoring bench (BENCH_SCALE={scale()}): dashboard() server time")
    run("sqlite", None)
    pg = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if pg:
        with postgres_schema(pg, keep="monitoring" if kept("monitoring") else None) as url:
            run("postgresql", url)
    else:
        print("-- postgresql: skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL)")


if __name__ == "__main__":
    main()
