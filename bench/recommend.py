"""Recommendations at scale (issue: recommend institutions, offerings and experts for a need in words).

On the search bench's data (100,000 institutions + 100,000 offerings + 50,000 experts, generated from the demo
directory's texts and indexed by the app's own reindex), for ~20 free-text needs, some with a category:
1. latency of ``recommend()`` called in-process vs a plain federated ``search()`` (type=all) for the same text,
   alternating the two so both see the same machine; p50/p95 and the ratio recommend/search, with the time
   ``recommend()`` spends waiting on Meilisearch (its candidate queries) shown apart from the rest;
2. the same through HTTP (app.test_client()): POST /api/v1/recommendations vs GET /api/v1/search, when the
   route exists.
The first call (jieba loading its dictionary) is timed apart and excluded. BENCH_SCALE=0.05 for a quick look;
BENCH_ROUNDS (default 10) is how many times each need is asked.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlmodel import select

from bench.common import environment, ms, scale, summary
from bench.search import app_reindex, generate
from directory.core.db import commit_or_rollback
from directory.extensions import db
from directory.taxonomy.models import Category

# (need as an SME would write it, category name or None)
NEEDS: list[tuple[str, str | None]] = [
    ("我们是一家镁砂生产企业，想申请发明专利保护新工艺，需要找专利代理机构", None),
    ("我们是一家镁砂生产企业，想申请发明专利保护新工艺，需要找专利代理机构", "专利代理"),
    ("公司准备在新三板挂牌，需要有人帮我们做挂牌前的规范辅导", None),
    ("公司准备在新三板挂牌，需要有人帮我们做挂牌前的规范辅导", "上市辅导"),
    ("有十几项有效专利，想拿专利去银行做质押贷款，找人帮忙评估和对接银行", None),
    ("给钢厂供货回款周期长，想用应收账款提前融资，缓解资金压力", "供应链金融"),
    ("新买一台五轴加工中心要三百多万，想找融资租赁公司分期", None),
    ("客户拖欠货款一年多了，想咨询要不要起诉以及怎么保全对方财产", "诉讼与仲裁"),
    ("出口的铝制品要做欧盟CE认证和RoHS检测，找一家有CMA资质的检测机构", None),
    ("出口的铝制品要做欧盟CE认证和RoHS检测，找一家有CMA资质的检测机构", "产品检验检测"),
    ("工厂想通过ISO9001和ISO14001体系认证，需要咨询辅导", "体系认证"),
    ("研发费用归集不规范，希望有人指导我们享受加计扣除", None),
    ("小微企业想找靠谱的代理记账公司，每月做账报税", "代理记账"),
    ("想申报高新技术企业认定，不清楚条件够不够，需要辅导", None),
    ("想申报高新技术企业认定，不清楚条件够不够，需要辅导", "企业资质认定辅导"),
    ("生产线想做数字化改造，上工业互联网平台，实现设备数据采集", "数字化转型与工业互联网"),
    ("化工企业需要做HAZOP分析和安全评价", None),
    ("新建项目要做环评，还要申请排污许可证", "环境影响评价"),
    ("海蜇产品想通过跨境电商卖到东南亚，需要报关和海外仓服务", None),
    ("企业要招聘一批数控技工，还想给现有员工做技能培训", "人力资源与培训"),
    ("镁质耐火材料企业做碳排放核算和碳足迹认证", None),
    ("乐器厂想做品牌策划和参加国际展会开拓市场", "市场开拓与品牌"),
]

WARMUP_ROUNDS = 2


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def in_process(app: Any, rounds: int) -> dict[str, Any]:
    """recommend() vs search(type=all), alternating per need, each call in its own request context."""
    from directory.recommendations import retrieval
    from directory.recommendations.services import Need, recommend
    from search.queries import SearchParams
    from search.service import search

    with app.app_context():
        cat_ids = {c.name: c.id for c in db.session.exec(select(Category)).all()}
    missing = {c for _t, c in NEEDS if c and c not in cat_ids}
    assert not missing, f"unknown categories {missing}"

    meili_time: list[float] = []
    original = retrieval.meili_candidates

    def timed_candidates(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            meili_time.append(time.perf_counter() - t0)

    def ask(text: str, category: str | None) -> Any:
        with app.test_request_context():
            cat = db.session.get(Category, cat_ids[category]) if category else None
            return recommend(Need(text=text, category=cat))

    def find(text: str) -> Any:
        with app.test_request_context():
            return search(SearchParams(q=text, type="all"))

    retrieval.meili_candidates = timed_candidates  # type: ignore[assignment]
    try:
        cold_rec, _ = _timed(lambda: ask(*NEEDS[0]))
        cold_search, _ = _timed(lambda: find(NEEDS[0][0]))
        rec_t: list[float] = []
        search_t: list[float] = []
        rest_t: list[float] = []
        sizes: list[tuple[int, int, int, int]] = []
        empty_search = 0
        for r in range(WARMUP_ROUNDS + rounds):
            for text, category in NEEDS:
                meili_time.clear()
                t_rec, result = _timed(partial(ask, text, category))
                t_search, found = _timed(partial(find, text))
                assert not result.degraded and not found.degraded
                if r >= WARMUP_ROUNDS:
                    rec_t.append(t_rec)
                    search_t.append(t_search)
                    rest_t.append(t_rec - sum(meili_time))
                    sizes.append((len(result.terms), len(result.institutions), len(result.offerings),
                                  len(result.experts)))
                    empty_search += not found.hits
    finally:
        retrieval.meili_candidates = original  # type: ignore[assignment]
    meili_only = [a - b for a, b in zip(rec_t, rest_t, strict=True)]
    return {"cold_recommend": cold_rec, "cold_search": cold_search, "recommend": summary(rec_t),
            "search": summary(search_t), "meili": summary(meili_only), "rest": summary(rest_t),
            "sizes": sizes, "empty_search": empty_search}


def has_route(app: Any, rule: str, method: str) -> bool:
    return any(r.rule == rule and method in (r.methods or ()) for r in app.url_map.iter_rules())


def over_http(app: Any, rounds: int) -> dict[str, Any] | None:
    """POST /api/v1/recommendations vs GET /api/v1/search?type=all through the test client, alternating."""
    if not has_route(app, "/api/v1/recommendations", "POST"):
        return None
    client = app.test_client()
    # The bench is one client asking hundreds of times a minute: the per-address limit would answer 429.
    app.extensions["rate_limiter"].enabled = False
    rec_t: list[float] = []
    search_t: list[float] = []
    for r in range(WARMUP_ROUNDS + rounds):
        for text, _category in NEEDS:
            t_rec, resp = _timed(partial(client.post, "/api/v1/recommendations", json={"text": text}))
            t_search, found = _timed(partial(client.get, "/api/v1/search", query_string={"q": text, "type": "all"}))
            assert resp.status_code == 200, resp.data[:300]
            assert found.status_code == 200, found.data[:300]
            if r >= WARMUP_ROUNDS:
                rec_t.append(t_rec)
                search_t.append(t_search)
    return {"recommend": summary(rec_t), "search": summary(search_t)}


def _line(name: str, rec: dict[str, Any], base: dict[str, Any], base_name: str = "search") -> str:
    return (f"{name:22} recommend p50 {ms(rec['p50'])} p95 {ms(rec['p95'])} | {base_name} p50 {ms(base['p50'])} "
            f"p95 {ms(base['p95'])} | recommend/{base_name} p50 {rec['p50'] / base['p50']:.2f} "
            f"p95 {rec['p95'] / base['p95']:.2f}  (n={rec['n']})")


def main() -> None:
    n_inst, n_exp = int(100_000 * scale()), int(50_000 * scale())
    rounds = int(os.environ.get("BENCH_ROUNDS", "10"))
    with_cat = sum(1 for _t, c in NEEDS if c)
    print(f"== recommend bench: {n_inst} institutions + {n_inst} offerings + {n_exp} experts "
          f"(BENCH_SCALE={scale()}), {len(NEEDS)} needs ({with_cat} with a category) x {rounds} rounds")
    with environment("recommend") as (app, _root):
        t0 = time.perf_counter()
        with app.app_context(), commit_or_rollback(db.session):
            generate(n_inst, n_exp)
        print(f"generated in {time.perf_counter() - t0:.1f} s")
        load0 = os.getloadavg()[0]
        app_s, app_n = app_reindex(app)
        print(f"reindex (the app's, search.reindex) {app_n} docs in {app_s:.1f} s = {app_n / app_s:.0f} docs/s "
              f"(target >= 2000; load average {load0:.2f} before, {os.getloadavg()[0]:.2f} after)")
        out = in_process(app, rounds)
        print(f"load average during the latency runs: {os.getloadavg()[0]:.2f}")
        print(f"first call (jieba loads its dictionary): recommend {ms(out['cold_recommend'])}, "
              f"search {ms(out['cold_search'])} (excluded)")
        print(_line("in-process", out["recommend"], out["search"]))
        meili, rest = out["meili"], out["rest"]
        print(f"{'':22} of recommend: Meilisearch candidates p50 {ms(meili['p50'])} p95 {ms(meili['p95'])}, "
              f"rest (terms, DB, scoring) p50 {ms(rest['p50'])} p95 {ms(rest['p95'])}")
        sizes = out["sizes"]
        avg = [sum(s[i] for s in sizes) / len(sizes) for i in range(4)]
        print(f"{'':22} per need: {avg[0]:.1f} key terms, {avg[1]:.1f} institutions / {avg[2]:.1f} offerings / "
              f"{avg[3]:.1f} experts returned; plain search found nothing for {out['empty_search']}/{len(sizes)}")
        http = over_http(app, rounds)
        if http is None:
            print("HTTP: POST /api/v1/recommendations is not routed yet (directory/api/views.py) — skipped")
        else:
            print(_line("HTTP (test client)", http["recommend"], http["search"], "search"))
