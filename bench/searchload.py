"""The search page under load (issue 13): gunicorn with 4 workers serves a generated directory (a few thousand
institutions, offerings and experts, a private Meilisearch), Locust runs 16 users in a closed loop against
GET /search with a set of realistic Chinese queries, then against Meilisearch's own /multi-search with the very
bodies the app sends for those queries. Prints app rps / Meilisearch rps (target >= 0.5) and the app's p95
(target <= 150 ms). BENCH_LOAD_SECONDS (default 30) per side; BENCH_SCALE scales the data."""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from bench.common import environment, scale
from bench.search import KEYWORDS, app_reindex, generate
from directory.core.db import commit_or_rollback
from directory.extensions import db
from directory.settings import PROJECT_ROOT

USERS = 16
WORKERS = 4
CATEGORIES = ["知识产权", "检验检测认证", "融资服务", "法律服务", "财税服务", "数字化转型与工业互联网"]
REGIONS = ["站前区", "鲅鱼圈区", "大石桥市", "营口高新区", "盖州市"]
PHRASES = ["专利申请", "高新技术企业认定", "镁质材料检测", "企业融资贷款", "跨境电商物流", "知识产权贯标",
           "财务审计", "劳动合同纠纷", "数字化改造", "节能诊断"]


def cases(app: Any, n: int = 60) -> list[dict[str, Any]]:
    """Search-page queries (keywords, phrases; all types or institutions; some with a category or region),
    each with the multi-search body the app sends for it."""
    from search.queries import parse_params
    from search.service import request_body

    rng = random.Random(11)
    search = app.extensions["search"]
    out = []
    with app.test_request_context():
        uids, key = search.index_uids(), search._key("search")
        for _ in range(n):
            args: dict[str, str] = {"q": rng.choice(KEYWORDS + PHRASES)}
            if rng.random() < 0.5:
                args["type"] = "institution"
            if rng.random() < 0.3:
                args["category"] = rng.choice(CATEGORIES)
            if rng.random() < 0.2:
                args["region"] = rng.choice(REGIONS)
            # the very bodies the page sends, its expansion of the query included
            queries, federation = request_body(uids, parse_params(args))
            body: dict[str, Any] = {"queries": queries, **({"federation": federation} if federation else {})}
            out.append({"args": args, "body": body, "key": key})
    return out


def gunicorn(app: Any) -> tuple[subprocess.Popen[bytes], str]:
    from search import server

    settings = app.config["SETTINGS"]
    port = server.free_port()
    env = {**os.environ, "DATABASE_URL": settings.database_url, "MEILI_URL": settings.meili_url,
           "MEILI_MASTER_KEY": settings.meili_master_key, "MEILI_INDEX_PREFIX": settings.meili_index_prefix,
           "SECRET_KEY": "bench", "INSTANCE_PATH": str(settings.instance_path), "JOBS_EMBEDDED": "0",
           "RATELIMIT_ENABLED": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--bind",
                             f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"], cwd=PROJECT_ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if requests.get(f"{url}/search", params={"q": "专利"}, timeout=2).ok:
                break
        except requests.RequestException:
            pass
        time.sleep(0.1)
    return proc, url


def locust(target: str, host: str, cases_file: Path, root: Path, seconds: int) -> dict[str, float]:
    """One headless Locust run; the aggregated row of its CSV statistics."""
    prefix = root / f"locust-{target}"
    env = {**os.environ, "BENCH_LOCUST_CASES": str(cases_file), "BENCH_LOCUST_TARGET": target}
    subprocess.run([sys.executable, "-m", "locust", "-f", str(PROJECT_ROOT / "bench" / "locustfile.py"), "--headless",
                    "-u", str(USERS), "-r", str(USERS), "-t", f"{seconds}s", "--host", host, "--csv", str(prefix),
                    "--only-summary", "--loglevel", "WARNING"], env=env, check=False, cwd=root,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(f"{prefix}_stats.csv", encoding="utf-8") as fh:
        row = next(r for r in csv.DictReader(fh) if r["Name"] == "Aggregated")
    return {"rps": float(row["Requests/s"]), "p50": float(row["50%"]), "p95": float(row["95%"]),
            "n": float(row["Request Count"]), "failures": float(row["Failure Count"])}


def main() -> None:
    n_inst, n_exp = max(500, int(5000 * scale())), max(250, int(2500 * scale()))
    seconds = int(os.environ.get("BENCH_LOAD_SECONDS", "30"))
    print(f"== search page under load: {n_inst} institutions + {n_inst} offerings + {n_exp} experts, "
          f"gunicorn {WORKERS} workers, Locust {USERS} users, {seconds} s per side")
    with environment("searchload") as (app, root):
        with app.app_context(), commit_or_rollback(db.session):
            generate(n_inst, n_exp)
        app_reindex(app)
        cases_file = root / "cases.json"
        cases_file.write_text(json.dumps(cases(app), ensure_ascii=False), encoding="utf-8")
        proc, url = gunicorn(app)
        try:
            page = locust("app", url, cases_file, root, seconds)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        meili = locust("meili", app.extensions["search"].url, cases_file, root, seconds)
    for name, s in (("app GET /search", page), ("Meilisearch /multi-search", meili)):
        print(f"   {name:26} {s['rps']:7.1f} rps  p50 {s['p50']:5.0f} ms  p95 {s['p95']:5.0f} ms  "
              f"({s['n']:.0f} requests, {s['failures']:.0f} failed)")
    print(f"   app rps / Meilisearch rps = {page['rps'] / meili['rps']:.2f} (target >= 0.5); "
          f"app p95 {page['p95']:.0f} ms (target <= 150 ms)")
