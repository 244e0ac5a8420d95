"""The search page under load (issue 13): gunicorn as production runs it (deploy/gunicorn.conf.py, its worker
count from WEB_CONCURRENCY or the cores) serves a generated directory (a few thousand institutions, offerings and
experts, a private Meilisearch), Locust runs 16 users in a closed loop against GET /search with a set of
realistic Chinese queries, then against Meilisearch's own /multi-search with the very requests the app sent for
those pages (recorded from the app itself: the expanded query's variant, and the related notices' search of an
"all" page, included). Prints pages per second of each side, app / Meilisearch (target >= 0.5) and the app's p95
(target <= 150 ms), with the CPU each side used per page.

As production: the vocabulary and category model are built before the web processes start (what a starting
`worker` does, directory.jobs.staff.ensure_vocabulary), so no request mines them; each side gets the same
unmeasured warm-up (BENCH_WARMUP_SECONDS, default 5) with the same users, then BENCH_LOAD_SECONDS (default 30)
measured. BENCH_SCALE scales the data."""

from __future__ import annotations

import csv
import json
import os
import random
import runpy
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

from bench.common import environment, scale
from bench.search import KEYWORDS, app_reindex, generate
from directory.core.db import commit_or_rollback
from directory.extensions import db
from directory.settings import PROJECT_ROOT

USERS = 16
GUNICORN_CONF = PROJECT_ROOT / "deploy" / "gunicorn.conf.py"
WARMUP_SECONDS = int(os.environ.get("BENCH_WARMUP_SECONDS", "5"))
CATEGORIES = ["知识产权", "检验检测认证", "融资服务", "法律服务", "财税服务", "数字化转型与工业互联网"]
REGIONS = ["站前区", "鲅鱼圈区", "大石桥市", "营口高新区", "盖州市"]
PHRASES = ["专利申请", "高新技术企业认定", "镁质材料检测", "企业融资贷款", "跨境电商物流", "知识产权贯标",
           "财务审计", "劳动合同纠纷", "数字化改造", "节能诊断"]


def _args(rng: random.Random) -> dict[str, str]:
    args: dict[str, str] = {"q": rng.choice(KEYWORDS + PHRASES)}
    if rng.random() < 0.5:
        args["type"] = "institution"
    if rng.random() < 0.3:
        args["category"] = rng.choice(CATEGORIES)
    if rng.random() < 0.2:
        args["region"] = rng.choice(REGIONS)
    return args


class _Recorder:
    """A search client that notes every multi-search a page sends (then sends it)."""

    def __init__(self, client: Any, sent: list[dict[str, Any]]):
        self.client, self.sent = client, sent

    def multi_search(self, queries: list[dict[str, Any]], federation: dict[str, Any] | None = None) -> Any:
        body: dict[str, Any] = {"queries": queries}
        if federation is not None:
            body["federation"] = federation
        self.sent.append(json.loads(json.dumps(body)))
        return self.client.multi_search(queries, federation=federation)


def cases(app: Any, n: int = 60) -> list[dict[str, Any]]:
    """Search-page queries (keywords, phrases; all types or institutions; some with a category or region), each
    with the multi-search requests the app sends for it: recorded while the app renders the page, so they are the
    app's own whatever the page asks Meilisearch (the expansion's variant, the related notices)."""
    rng = random.Random(11)
    search = app.extensions["search"]
    make_client = search.search_client
    out = []
    client = app.test_client()
    for i in range(n):
        args = _args(rng)
        sent: list[dict[str, Any]] = []
        search.search_client = lambda sent=sent: _Recorder(make_client(), sent)  # type: ignore[method-assign]
        try:
            # An address of its own per page: the per-address rate limit of the in-process app stays out of it.
            page = client.get("/search", query_string=args, environ_base={"REMOTE_ADDR": f"10.0.0.{i + 1}"})
        finally:
            del search.search_client  # the class's method again
        assert page.status_code == 200 and sent, (args, page.status_code)
        out.append({"args": args, "bodies": sent, "key": search._key("search")})
    return out


def prepare_vocabulary(app: Any) -> str | None:
    """What the `worker` process does when it starts, before the web processes (directory/jobs/cli.py)."""
    from directory.jobs.staff import ensure_vocabulary

    with app.app_context():
        return ensure_vocabulary(app.extensions["jobs"])


def gunicorn(app: Any, root: Path) -> tuple[subprocess.Popen[bytes], str, list[int]]:
    """gunicorn with production's settings file; its URL and the worker processes' ids, once every worker has
    answered a page (the workers' start is not measured)."""
    from search import server

    settings = app.config["SETTINGS"]
    port = server.free_port()
    env = {**os.environ, "DATABASE_URL": settings.database_url, "MEILI_URL": settings.meili_url,
           "MEILI_MASTER_KEY": settings.meili_master_key, "MEILI_INDEX_PREFIX": settings.meili_index_prefix,
           "SECRET_KEY": "bench", "INSTANCE_PATH": str(settings.instance_path), "JOBS_EMBEDDED": "0",
           # One client address sends every request: the per-address limit would answer 429.
           "RATELIMIT_ENABLED": "0", "GUNICORN_BIND": f"127.0.0.1:{port}"}
    log = (root / "gunicorn.log").open("wb")  # the access lines, as the journal would keep them
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "wsgi:app"],
                            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    expected = int(runpy.run_path(str(GUNICORN_CONF))["workers"]) if "WEB_CONCURRENCY" not in os.environ \
        else int(os.environ["WEB_CONCURRENCY"])
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while time.monotonic() < deadline:
        workers = _children(proc.pid)
        if len(workers) >= expected:
            try:
                # Concurrent requests, so that each worker builds its app and answers once.
                with ThreadPoolExecutor(expected * 2) as pool:
                    if all(pool.map(lambda _: requests.get(f"{url}/search", params={"q": "专利"}, timeout=10).ok,
                                    range(expected * 4))):
                        break
            except requests.RequestException:
                pass
        time.sleep(0.2)
    else:
        proc.terminate()
        raise RuntimeError(f"gunicorn did not start: see {root / 'gunicorn.log'}")
    return proc, url, workers


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes used so far (those still running)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def locust(target: str, host: str, cases_file: Path, root: Path, seconds: int, pids: list[int],
           meili_pid: int) -> dict[str, float]:
    """One side: an unmeasured warm-up run, then the measured run (the same users); the page row of its CSV
    statistics, the side's CPU seconds per page and Meilisearch's."""
    env = {**os.environ, "BENCH_LOCUST_CASES": str(cases_file), "BENCH_LOCUST_TARGET": target}

    def run(name: str, duration: int) -> Path:
        prefix = root / f"locust-{target}-{name}"
        subprocess.run([sys.executable, "-m", "locust", "-f", str(PROJECT_ROOT / "bench" / "locustfile.py"),
                        "--headless", "-u", str(USERS), "-r", str(USERS), "-t", f"{duration}s", "--host", host,
                        "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"], env=env, check=False,
                       cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return Path(f"{prefix}_stats.csv")

    run("warmup", WARMUP_SECONDS)
    load0, cpu0, meili0 = os.getloadavg()[0], cpu_seconds(pids), cpu_seconds([meili_pid])
    stats = run("measured", seconds)
    cpu, meili_cpu = cpu_seconds(pids) - cpu0, cpu_seconds([meili_pid]) - meili0
    with stats.open(encoding="utf-8") as fh:
        rows = {r["Name"]: r for r in csv.DictReader(fh)}
    row = rows["/search" if target == "app" else "page"]
    pages = float(row["Request Count"])
    requests_per_s = sum(float(r["Requests/s"]) for name, r in rows.items() if name.startswith("/multi-search"))
    return {"rps": float(row["Requests/s"]), "p50": float(row["50%"]), "p95": float(row["95%"]), "n": pages,
            "failures": float(row["Failure Count"]), "cpu_ms": 1000 * cpu / max(pages, 1),
            "meili_cpu_ms": 1000 * meili_cpu / max(pages, 1), "load": load0, "load_after": os.getloadavg()[0],
            "meili_requests_rps": requests_per_s}


def main() -> None:
    n_inst, n_exp = max(500, int(5000 * scale())), max(250, int(2500 * scale()))
    seconds = int(os.environ.get("BENCH_LOAD_SECONDS", "30"))
    with environment("searchload") as (app, root):
        with app.app_context(), commit_or_rollback(db.session):
            generate(n_inst, n_exp)
        app_reindex(app)
        built = prepare_vocabulary(app)
        cases_file = root / "cases.json"
        cases_file.write_text(json.dumps(cases(app), ensure_ascii=False), encoding="utf-8")
        meili_pid = app.config["BENCH_MEILI_PID"]
        proc, url, workers = gunicorn(app, root)
        print(f"== search page under load: {n_inst} institutions + {n_inst} offerings + {n_exp} experts, "
              f"gunicorn {len(workers)} workers (deploy/gunicorn.conf.py), Locust {USERS} users, "
              f"{WARMUP_SECONDS} s warm-up + {seconds} s measured per side, {os.cpu_count()} cores")
        print(f"   vocabulary built before the web processes: {built}")
        try:
            page = locust("app", url, cases_file, root, seconds, workers, meili_pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        meili = locust("meili", app.extensions["search"].url, cases_file, root, seconds, [], meili_pid)
        mined = [line for line in (root / "gunicorn.log").read_text(errors="replace").splitlines()
                 if "words mined" in line]
    for name, s in (("app GET /search", page), ("Meilisearch (same requests)", meili)):
        print(f"   {name:27} {s['rps']:7.1f} pages/s  p50 {s['p50']:5.0f} ms  p95 {s['p95']:5.0f} ms  "
              f"({s['n']:.0f} pages, {s['failures']:.0f} failed; load {s['load']:.2f} → {s['load_after']:.2f}; "
              f"CPU per page: Meilisearch {s['meili_cpu_ms']:.1f} ms"
              + (f", app workers {s['cpu_ms']:.1f} ms)" if name.startswith("app") else
                 f"; {s['meili_requests_rps']:.1f} multi-search requests/s)"))
    print(f"   app pages/s / Meilisearch pages/s = {page['rps'] / meili['rps']:.2f} (target >= 0.5); "
          f"app p95 {page['p95']:.0f} ms (target <= 150 ms)")
    if mined:
        print(f"   WARNING: web workers mined the vocabulary during the run: {mined[:2]}")
