"""Bulk import at 10,000 rows (issue: admission and back office): time and peak memory of the checking pass
(the back-office preview) and of the import itself, for the same rows as .xlsx and as .csv, side by side."""

from __future__ import annotations

import csv
import json
import multiprocessing
import resource
import time
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from bench.common import environment, scale
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


def _child(settings: Any, path: Path, dry_run: bool) -> tuple[float, float, int, int, float]:
    """One import in a fresh process, so its peak resident memory is the import's own."""
    from directory import create_app
    from directory.imports.services import import_file

    app = create_app(settings)
    with app.app_context():
        baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        with commit_or_rollback(db.session):
            report = import_file("institutions", path, admit=True, dry_run=dry_run)
            if dry_run:
                db.session.rollback()
        elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    created = report.count("would_create" if dry_run else "created")
    return elapsed, peak, created, len(report.errors), baseline


def measure(app: Any, path: Path, *, dry_run: bool) -> tuple[float, float, int, int, float]:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_child, (app.config["SETTINGS"], path, dry_run))


def main() -> None:
    n = int(10_000 * scale())
    print(f"== import bench: {n} institution rows")
    results = {}
    for fmt in ("xlsx", "csv"):
        with environment(f"import-{fmt}") as (app, root):
            files = write_files(root, rows(n))
            check_s, check_mb, would, errors, base_mb = measure(app, files[fmt], dry_run=True)
            assert errors == 0 and would == n
            import_s, import_mb, created, errors, _base = measure(app, files[fmt], dry_run=False)
            assert created == n and errors == 0
            results[fmt] = (check_s, import_s)
            print(f"{fmt:5} check (preview) {check_s:6.1f} s, peak RSS {check_mb:6.0f} MiB | import {import_s:6.1f} s "
                  f"= {n / import_s:6.0f} rows/s, peak RSS {import_mb:6.0f} MiB (app alone {base_mb:.0f} MiB) | "
                  f"row report: {created} created, {errors} errors")
    print(f"xlsx / csv import time = {results['xlsx'][1] / results['csv'][1]:.2f}; "
          f"import / check time (csv) = {results['csv'][1] / results['csv'][0]:.2f}")
