"""Search at scale (issue: "Search that understands Chinese…").

At 100,000 institutions + 100,000 offerings + 50,000 experts (generated from the demo directory's texts):
1. full reindex throughput vs a raw bulk add of the same documents into a fresh index with the same settings;
2. latency of Meilisearch called directly vs the app's GET /api/v1/search for the same queries (keyword;
   keyword + 3 filters + facets; federated), p50 and p95, alternating the two so both see the same machine;
3. change-to-searchable lag: commit a change in the app and poll until Meilisearch returns it.
BENCH_SCALE=0.1 runs a tenth of the data for a quick look.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import insert
from sqlmodel import select

from bench.common import environment, ms, scale, summary
from directory.core.creditcode import CREDIT_CHARSET, make_credit_code
from directory.core.db import commit_or_rollback
from directory.core.time import utcnow
from directory.experts.models import Expert, ExpertCategory
from directory.extensions import db
from directory.institutions.models import Institution, InstitutionCategory, InstitutionIndustry, Offering
from directory.settings import PROJECT_ROOT
from directory.taxonomy.models import Category, Industry, Region

KEYWORDS = ["知识产权", "专利", "融资", "检测", "镁", "报关", "培训", "法律", "ISO9001", "跨境电商", "财税", "上市",
            "节能", "数字化", "孵化", "商标", "HAZOP", "环评", "贷款", "认证", "代理记账", "物流", "品牌", "政策"]
BATCH = 5000


def _demo(name: str) -> list[dict[str, Any]]:
    return json.loads((PROJECT_ROOT / "seeds" / "demo" / f"{name}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def generate(n_institutions: int, n_experts: int) -> None:
    """Bulk-insert published institutions (one offering each) and experts with realistic Chinese texts."""
    rng = random.Random(42)
    insts, experts = _demo("institutions"), _demo("experts")
    categories = {c.name: c.id for c in db.session.exec(select(Category)).all()}
    industries = {i.name: i.id for i in db.session.exec(select(Industry)).all()}
    regions = [r.id for r in db.session.exec(select(Region).where(Region.kind == "district")).all()]
    now = utcnow()
    conn = db.session.connection()
    for start in range(0, n_institutions, BATCH):
        rows, cats, inds, offers = [], [], [], []
        for n in range(start + 1, min(n_institutions, start + BATCH) + 1):
            src = insts[n % len(insts)]
            body = "".join(CREDIT_CHARSET[(n // 31 ** i) % 31] for i in range(8))
            rows.append({"id": n, "name": f"{src['name'].removesuffix('有限公司')}{n}号有限公司",
                         "credit_code": make_credit_code("91", "210800", body), "region_id": rng.choice(regions),
                         "description": src["description"], "contact_name": src["contact_name"],
                         "contact_phone": src["contact_phone"], "email": src["email"], "website": "",
                         "founded_year": src["founded_year"], "staff_count": src["staff_count"],
                         "qualifications": src["qualifications"], "honors": src["honors"], "status": "admitted",
                         "rating_value": round(rng.uniform(3, 5), 2), "rating_count": rng.randint(0, 40),
                         "grade": rng.choice("ABCD"), "evaluation_score": round(rng.uniform(50, 98), 1),
                         "badge": None, "admitted_at": now, "confirmed_at": now, "created_at": now, "updated_at": now})
            for name in src["categories"]:
                cats.append({"institution_id": n, "category_id": categories[name]})
            for name in src["industries"]:
                inds.append({"institution_id": n, "industry_id": industries[name]})
            offer = src["offerings"][n % len(src["offerings"])]
            offers.append({"id": n, "institution_id": n, "title": offer["title"],
                           "category_id": categories[offer["category"]], "description": offer["description"],
                           "fee_model": offer["fee_model"], "price_min": offer["price_min"],
                           "price_max": offer["price_max"], "delivery_days": offer["delivery_days"],
                           "public_interest": offer["public_interest"], "active": True, "created_at": now,
                           "updated_at": now})
        conn.execute(insert(Institution), rows)
        conn.execute(insert(InstitutionCategory), cats)
        if inds:
            conn.execute(insert(InstitutionIndustry), inds)
        conn.execute(insert(Offering), offers)
    for start in range(0, n_experts, BATCH):
        rows, cats = [], []
        for n in range(start + 1, min(n_experts, start + BATCH) + 1):
            src = experts[n % len(experts)]
            rows.append({"id": n, "name": f"{src['name']}{n}", "title": src["title"],
                         "organization": src["organization"], "institution_id": None, "expertise": src["expertise"],
                         "region_id": rng.choice(regions), "bio": src["bio"], "phone": src["phone"],
                         "email": src["email"], "status": "admitted", "rating_value": None, "rating_count": 0,
                         "admitted_at": now, "confirmed_at": now, "created_at": now, "updated_at": now})
            for name in src["categories"]:
                cats.append({"expert_id": n, "category_id": categories[name]})
        conn.execute(insert(Expert), rows)
        conn.execute(insert(ExpertCategory), cats)


def raw_bulk_add(app: Any, root: Path) -> tuple[float, int]:
    """Pre-build every document to NDJSON (not timed), then time adding them to fresh indexes."""
    from search.documents import BUILDERS
    from search.indexes import full_settings, load, wait
    from search.settings import INDEX_TYPES

    files = {}
    with app.app_context():
        for kind in INDEX_TYPES:
            model: Any = {"institution": Institution, "offering": Offering, "expert": Expert}[kind]
            ids = list(db.session.exec(select(model.id).order_by(model.id)).all())
            path = root / f"{kind}.ndjson"
            with path.open("w", encoding="utf-8") as fh:
                for start in range(0, len(ids), BATCH):
                    objects = load(kind, set(ids[start:start + BATCH]))
                    for obj in objects.values():
                        fh.write(json.dumps(BUILDERS[kind](obj), ensure_ascii=False) + "\n")
                    db.session.expunge_all()
            files[kind] = path
        search = app.extensions["search"]
        client = search.admin_client()
        settings = {kind: full_settings(kind) for kind in INDEX_TYPES}
    count = 0
    started = time.perf_counter()
    for kind, path in files.items():
        uid = f"raw_{kind}"
        wait(client, client.create_index(uid, {"primaryKey": "id"}))
        wait(client, client.index(uid).update_settings(settings[kind]))
        tasks = []
        with path.open(encoding="utf-8") as fh:
            batch: list[dict[str, Any]] = []
            for line in fh:
                batch.append(json.loads(line))
                if len(batch) == BATCH:
                    tasks.append(client.index(uid).add_documents(batch, primary_key="id"))
                    count += len(batch)
                    batch = []
            if batch:
                tasks.append(client.index(uid).add_documents(batch, primary_key="id"))
                count += len(batch)
        for task in tasks:
            wait(client, task, 3_600_000)
    return time.perf_counter() - started, count


def app_reindex(app: Any) -> tuple[float, int]:
    from search.reindex import reindex

    with app.app_context():
        started = time.perf_counter()
        with commit_or_rollback(db.session):
            counts = reindex(search=app.extensions["search"], batch_size=BATCH)
        return time.perf_counter() - started, sum(counts.values())


def latency(app: Any, rounds: int) -> dict[str, dict[str, dict[str, Any]]]:
    """Alternate raw Meilisearch and app API calls for the same searches; per-call wall time."""
    from search import server
    from search.queries import federated_query, parse_params, single_index_query

    search = app.extensions["search"]
    port = server.free_port()
    settings = app.config["SETTINGS"]
    # The app as it is deployed: gunicorn, one worker process with threads (the machine has two cores and
    # Meilisearch needs them too).
    env = {**os.environ, "DATABASE_URL": settings.database_url, "MEILI_URL": settings.meili_url,
           "MEILI_MASTER_KEY": settings.meili_master_key, "MEILI_INDEX_PREFIX": settings.meili_index_prefix,
           "SECRET_KEY": "bench", "INSTANCE_PATH": str(settings.instance_path), "JOBS_EMBEDDED": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "4",
                             "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
                            cwd=PROJECT_ROOT, env=env)
    app_url = f"http://127.0.0.1:{port}/api/v1/search"
    for _ in range(200):
        try:
            requests.get(app_url, timeout=1)
            break
        except requests.RequestException:
            time.sleep(0.1)
    # Both sides make plain requests calls, as the meilisearch client inside the app does.
    raw_headers = {"Authorization": f"Bearer {search._key('search')}"}
    uids = search.index_uids()
    rng = random.Random(7)
    categories = ["知识产权", "检验检测认证", "融资服务", "法律服务", "财税服务", "数字化转型与工业互联网"]
    industries = ["镁质材料", "石油化工", "钢铁", "新材料", "先进装备制造"]
    regions = ["站前区", "鲅鱼圈区", "大石桥市", "营口高新区", "盖州市"]

    def cases() -> dict[str, dict[str, str]]:
        q = rng.choice(KEYWORDS)
        return {
            "keyword": {"q": q, "type": "institution"},
            "3 filters + facets": {"q": q, "type": "institution", "category": rng.choice(categories),
                                    "industry": rng.choice(industries), "region": rng.choice(regions)},
            "federated": {"q": q, "type": "all"},
        }

    out: dict[str, dict[str, list[float]]] = {}
    with app.test_request_context():
        for i in range(rounds + 20):
            for name, args in cases().items():
                params = parse_params(args)
                if params.type == "all":
                    queries, federation = federated_query(uids, params)
                    body: dict[str, Any] = {"queries": queries, "federation": federation}
                else:
                    body = {"queries": [single_index_query(params.type, uids[params.type], params)]}
                t0 = time.perf_counter()
                r1 = requests.post(f"{search.url}/multi-search", json=body, headers=raw_headers, timeout=10)
                t1 = time.perf_counter()
                r2 = requests.get(app_url, params=args, timeout=10)
                t2 = time.perf_counter()
                assert r1.ok and r2.ok and not r2.json()["degraded"], (r1.text[:200], r2.text[:200])
                if i >= 20:  # warm-up
                    bucket = out.setdefault(name, {"raw": [], "app": []})
                    bucket["raw"].append(t1 - t0)
                    bucket["app"].append(t2 - t1)
    proc.terminate()
    proc.wait(timeout=30)
    return {name: {side: summary(values) for side, values in sides.items()} for name, sides in out.items()}


def change_lag(app: Any, rounds: int) -> dict[str, Any]:
    """Commit a rename in the app (its embedded job consumer running) and poll Meilisearch until it shows."""
    jobs = app.extensions["jobs"]
    jobs.start_embedded()  # the queue's consumer, as `make run` has it
    search = app.extensions["search"]
    lags = []
    try:
        with app.app_context():
            client = search.admin_client()
            index = client.index(search.index_uid("institution"))
            for n in range(rounds):
                token = f"延迟测试{n}号"
                with commit_or_rollback(db.session):
                    inst = db.session.get(Institution, n + 1)
                    assert inst is not None
                    inst.name = f"营口{token}服务有限公司"
                    db.session.add(inst)
                committed = time.perf_counter()
                while not any(h["id"] == n + 1 for h in index.search(token, {"limit": 5})["hits"]):
                    if time.perf_counter() - committed > 30:
                        raise RuntimeError("change not searchable within 30 s")
                    time.sleep(0.01)
                lags.append(time.perf_counter() - committed)
    finally:
        jobs.stop_embedded()
    return summary(lags)


def main() -> None:
    n_inst, n_exp = int(100_000 * scale()), int(50_000 * scale())
    print(f"== search bench: {n_inst} institutions + {n_inst} offerings + {n_exp} experts (BENCH_SCALE={scale()})")
    with environment("search") as (app, root):
        t0 = time.perf_counter()
        with app.app_context(), commit_or_rollback(db.session):
            generate(n_inst, n_exp)
        print(f"generated in {time.perf_counter() - t0:.1f} s")
        raw_s, raw_n = raw_bulk_add(app, root)
        app_s, app_n = app_reindex(app)
        print(f"raw bulk add     {raw_n} docs in {raw_s:7.1f} s = {raw_n / raw_s:8.0f} docs/s")
        print(f"flask reindex    {app_n} docs in {app_s:7.1f} s = {app_n / app_s:8.0f} docs/s")
        print(f"reindex throughput / raw bulk add = {(app_n / app_s) / (raw_n / raw_s):.2f}  (target >= 0.8)")
        rounds = int(os.environ.get("BENCH_ROUNDS", "200"))
        for name, sides in latency(app, rounds).items():
            raw, api = sides["raw"], sides["app"]
            print(f"{name:20} raw p50 {ms(raw['p50'])} p95 {ms(raw['p95'])} | app p50 {ms(api['p50'])} "
                  f"p95 {ms(api['p95'])} | app/raw p50 {api['p50'] / raw['p50']:.2f} p95 {api['p95'] / raw['p95']:.2f}"
                  f"  (n={raw['n']}, target p50 <= 1.3)")
        lag = change_lag(app, 40)
        print(f"change-to-searchable lag: p50 {ms(lag['p50'])} p95 {ms(lag['p95'])} (n={lag['n']}, target < 2 s)")
