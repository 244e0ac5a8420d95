"""Bulk import at 10,000 rows (issues: admission and back office; 13, performance): time and peak memory of the
checking pass (the back-office preview) and of the import itself, for the same rows as .xlsx and as .csv, side by
side, and the import's throughput against a bare bulk INSERT (SQLAlchemy core, no checking, no audit, no outbox)
of the same institutions, links and offerings into the same tables, measured in the same run.

SQLite always; PostgreSQL too when BENCH_DATABASE_URL or TEST_DATABASE_URL is set (a schema of its own per
case, dropped at the end). Target: >= 2,000 rows/s."""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from bench.common import database_cpu, environment, postgres_schema, scale
from directory.core.creditcode import CREDIT_CHARSET, make_credit_code
from directory.core.db import commit_or_rollback
from directory.extensions import db
from directory.imports.columns import INSTITUTION_COLUMNS
from directory.settings import PROJECT_ROOT


def rows(n: int) -> list[list[Any]]:
    demo = json.loads((PROJECT_ROOT / "seeds" / "demo" / "institutions.json").read_text(encoding="utf-8"))
    out = []
    for i in range(1, n + 1):
        src = demo[i % len(demo)]
        body = "".join(CREDIT_CHARSET[(i // 31 ** k) % 31] for k in range(8))
        values = {"name": f"{src['name'].removesuffix('有限公司')}{i}号有限公司",
                  "credit_code": make_credit_code("91", "210800", body), "categories": "；".join(src["categories"]),
                  "industries": "；".join(src["industries"]), "region": src["region"],
                  "coverage": "；".join(src["coverage"]), "address": f"营口市站前区渤海大街{i}号", "postal_code": "115000",
                  "description": src["description"], "offerings": "；".join(o["title"] for o in src["offerings"]),
                  "contact_name": src["contact_name"], "contact_phone": src["contact_phone"], "email": src["email"],
                  "website": src["website"], "founded_year": src["founded_year"], "staff_count": src["staff_count"],
                  "qualifications": "；".join(src["qualifications"])}
        out.append([values[c.key] for c in INSTITUTION_COLUMNS])
    return out


def write_files(root: Path, data: list[list[Any]]) -> dict[str, Path]:
    header = [c.zh for c in INSTITUTION_COLUMNS]
    xlsx, csv_path = root / "institutions.xlsx", root / "institutions.csv"
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("机构")
    sheet.append(header)
    for line in data:
        sheet.append(line)
    workbook.save(xlsx)
    with csv_path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(data)
    return {"xlsx": xlsx, "csv": csv_path}


def _child(settings: Any, path: Path, dry_run: bool) -> tuple[float, float, int, int, float, float, float | None]:
    """One import in a fresh process, so its peak resident memory is the import's own."""
    from directory import create_app
    from directory.imports.services import import_file

    app = create_app(settings)
    with app.app_context():
        baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        server_started = database_cpu()
        started, cpu_started = time.perf_counter(), time.process_time()
        with commit_or_rollback(db.session):
            report = import_file("institutions", path, admit=True, dry_run=dry_run)
            if dry_run:
                db.session.rollback()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        server = _since(server_started)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    created = report.count("would_create" if dry_run else "created")
    return elapsed, peak, created, len(report.errors), baseline, cpu, server


def _since(server_started: tuple[int, float] | None) -> float | None:
    """The database backend's CPU seconds since ``server_started`` (None when not measurable, or when the pool
    handed the session another backend than the one the work ran on)."""
    server_now = database_cpu() if server_started is not None else None
    if server_now is None or server_started is None or server_now[0] != server_started[0]:
        return None
    return server_now[1] - server_started[1]


def measure(app: Any, path: Path, *, dry_run: bool) -> tuple[float, float, int, int, float, float, float | None]:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_child, (app.config["SETTINGS"], path, dry_run))


def _bulk_child(settings: Any, data: list[list[Any]]) -> tuple[float, float, float | None]:
    """The baseline: the same institutions (their category, industry and coverage links and offerings) with
    core INSERTs in batches, names resolved beforehand (not timed). The links and offerings go through the
    import's own bulk writer (directory.core.bulk: COPY on PostgreSQL): psycopg's executemany would send one
    INSERT per row there, each firing the statement-level triggers of the monitoring summaries, and a baseline
    slower than the import measures nothing."""
    from sqlalchemy import insert

    from directory import create_app
    from directory.core.bulk import bulk_insert
    from directory.core.time import utcnow
    from directory.imports.columns import split_list
    from directory.institutions.models import (
        Institution,
        InstitutionCategory,
        InstitutionCoverage,
        InstitutionIndustry,
        Offering,
    )
    from directory.taxonomy.services import Vocabulary

    keys = [c.key for c in INSTITUTION_COLUMNS]
    app = create_app(settings)
    with app.app_context():
        vocab, now = Vocabulary(), utcnow()
        records = [dict(zip(keys, line, strict=True)) for line in data]
        scalars = ("name", "credit_code", "description", "contact_name", "contact_phone", "email", "website",
                   "address", "postal_code", "founded_year", "staff_count")
        rows = [{**{k: r[k] for k in scalars}, "region_id": vocab.region(r["region"]).id,  # type: ignore[union-attr]
                 "qualifications": split_list(r["qualifications"]), "honors": [], "status": "admitted",
                 "admitted_at": now, "confirmed_at": now, "created_at": now, "updated_at": now} for r in records]
        server_started = database_cpu()
        started, cpu_started = time.perf_counter(), time.process_time()
        with commit_or_rollback(db.session):
            conn = db.session.connection()
            for start in range(0, len(rows), 1000):
                chunk, chunk_records = rows[start:start + 1000], records[start:start + 1000]
                ids = [row.id for row in conn.execute(insert(Institution).returning(
                    Institution.id, sort_by_parameter_order=True), chunk)]  # type: ignore[arg-type]
                cats, inds, cover, offers = [], [], [], []
                for inst_id, r in zip(ids, chunk_records, strict=True):
                    categories = [vocab.category(n) for n in split_list(r["categories"])]
                    cats += [{"institution_id": inst_id, "category_id": c.id} for c in categories]  # type: ignore[union-attr]
                    inds += [{"institution_id": inst_id, "industry_id": vocab.industry(n).id}  # type: ignore[union-attr]
                             for n in split_list(r["industries"])]
                    cover += [{"institution_id": inst_id, "region_id": vocab.region(n).id}  # type: ignore[union-attr]
                              for n in split_list(r["coverage"])]
                    offers += [{"institution_id": inst_id, "title": t, "category_id": categories[0].id,  # type: ignore[union-attr]
                                "created_at": now, "updated_at": now} for t in split_list(r["offerings"])]
                for model, link_rows in ((InstitutionCategory, cats), (InstitutionIndustry, inds),
                                         (InstitutionCoverage, cover), (Offering, offers)):
                    bulk_insert(conn, model, link_rows)
        return time.perf_counter() - started, time.process_time() - cpu_started, _since(server_started)


def measure_bulk(app: Any, data: list[list[Any]]) -> tuple[float, float, float | None]:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_bulk_child, (app.config["SETTINGS"], data))


def run(backend: str, database_url: str | None, n: int) -> None:
    data = rows(n)
    with _database(database_url) as url, environment(f"import-bulk-{backend}", url) as (app, _root):
        bulk_s, bulk_cpu, bulk_server = measure_bulk(app, data)
    print(f"-- {backend}: bare bulk INSERT {bulk_s:6.1f} s = {n / bulk_s:6.0f} rows/s | CPU {bulk_cpu:5.1f} s = "
          f"{n / bulk_cpu:6.0f} rows/s{_server(n, bulk_cpu, bulk_server)}")
    for fmt in ("xlsx", "csv"):
        with _database(database_url) as url, environment(f"import-{fmt}-{backend}", url) as (app, root):
            files = write_files(root, data)
            check_s, check_mb, would, errors, base_mb, _cpu, _server_cpu = measure(app, files[fmt], dry_run=True)
            assert errors == 0 and would == n
            import_s, import_mb, created, errors, _base, import_cpu, server_cpu = measure(app, files[fmt], dry_run=False)
            assert created == n and errors == 0
            print(f"   {fmt:5} check (preview) {check_s:6.1f} s, peak RSS {check_mb:5.0f} MiB | import {import_s:6.1f} s "
                  f"= {n / import_s:6.0f} rows/s (target >= 2000), {bulk_s / import_s:.2f} of bare bulk INSERT | "
                  f"peak RSS {import_mb:5.0f} MiB (app alone {base_mb:.0f} MiB) | {created} created, {errors} errors | "
                  f"CPU {import_cpu:5.1f} s = {n / import_cpu:6.0f} rows/s{_server(n, import_cpu, server_cpu)} (the wall "
                  f"time above counts waits for a busy machine's cores)")


def _server(n: int, cpu: float, server: float | None) -> str:
    """The database server's share, when measured: its CPU seconds, and the rows per CPU second of both."""
    if server is None:
        return ""
    return f", + server {server:4.1f} s = {n / (cpu + server):6.0f} rows/s of client+server CPU"


@contextmanager
def _database(url: str | None) -> Iterator[str | None]:
    if url is None:
        yield None
    else:
        with postgres_schema(url) as schema_url:
            yield schema_url


def main() -> None:
    n = int(10_000 * scale())
    print(f"== import bench: {n} institution rows (BENCH_SCALE={scale()})")
    run("sqlite", None, n)
    pg = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if pg:
        run("postgresql", pg, n)
    else:
        print("-- postgresql: skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL)")
