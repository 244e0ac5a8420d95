#!/usr/bin/env python3
"""Self-check of the demo directory (seeds/demo/*.json) against seeds/taxonomy.json and the seed schema.

    python3 seeds/tools/check_demo.py

Exits non-zero and lists every problem found; otherwise prints a coverage summary. Standard library only.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO_DIR = ROOT / "seeds" / "demo"

_spec = importlib.util.spec_from_file_location("creditcode", ROOT / "directory" / "core" / "creditcode.py")
creditcode = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(creditcode)  # type: ignore[union-attr]

MIN_INSTITUTIONS, MIN_EXPERTS, MIN_ENTERPRISES, MIN_PER_TOP = 160, 210, 125, 6
LANDLINE_RE = re.compile(r"^0417-\d{7}$")
MOBILE_RE = re.compile(r"^1[358]\d{9}$")
EMAIL_RE = re.compile(r"^[a-z0-9._-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.example\.cn$")
WEB_RE = re.compile(r"^https://www\.[a-z0-9-]+\.example\.cn$")
CJK_RE = re.compile(r"[\u4e00-\u9fff]")
FEES = {"free", "fixed", "negotiable"}

INST_KEYS = {"name", "credit_code", "categories", "industries", "region", "coverage", "description", "contact_name",
             "contact_phone", "email", "website", "founded_year", "staff_count", "qualifications", "honors", "offerings"}
OFFER_KEYS = {"title", "category", "description", "fee_model", "price_min", "price_max", "delivery_days",
              "public_interest"}
EXPERT_KEYS = {"name", "title", "organization", "expertise", "categories", "industries", "region", "bio", "phone",
               "email"}
ENT_KEYS = {"name", "credit_code", "region", "industry", "tags", "size", "founded_year", "staff_count",
            "description", "contact_name", "contact_phone", "email", "needs"}


def say(*parts: str) -> None:
    sys.stdout.write(" ".join(parts) + "\n")


def main() -> int:
    tax = json.loads((ROOT / "seeds" / "taxonomy.json").read_text(encoding="utf-8"))
    parent = {}
    for top in tax["categories"]:
        parent[top["name"]] = top["name"]
        for child in top.get("children", []):
            parent[child["name"]] = top["name"]
    subcats = {c["name"] for t in tax["categories"] for c in t.get("children", [])}
    industries = {i["name"] for i in tax["industries"]}
    districts = {r["name"] for r in tax["regions"] if r["kind"] == "district"}
    regions = {r["name"] for r in tax["regions"]}
    tags = {t["name"] for t in tax["tags"]}

    inst = json.loads((DEMO_DIR / "institutions.json").read_text(encoding="utf-8"))
    experts = json.loads((DEMO_DIR / "experts.json").read_text(encoding="utf-8"))
    ents = json.loads((DEMO_DIR / "enterprises.json").read_text(encoding="utf-8"))
    errors: list[str] = []

    def need(cond: bool, message: str) -> None:
        if not cond:
            errors.append(message)

    def length(text: str, lo: int, hi: int, where: str) -> None:
        need(isinstance(text, str) and lo <= len(text) <= hi and bool(CJK_RE.search(text)),
             f"{where}: length {len(text) if isinstance(text, str) else '?'} not in {lo}-{hi} (or not Chinese)")

    def phone(value: str, where: str, *, landline_ok: bool = True) -> None:
        ok = bool(MOBILE_RE.match(value)) or (landline_ok and bool(LANDLINE_RE.match(value)))
        need(ok, f"{where}: bad phone {value!r}")

    need(len(inst) >= MIN_INSTITUTIONS, f"only {len(inst)} institutions")
    need(len(experts) >= MIN_EXPERTS, f"only {len(experts)} experts")
    need(len(ents) >= MIN_ENTERPRISES, f"only {len(ents)} enterprises")

    codes: list[str] = []
    descriptions: list[str] = []
    primary = Counter()
    used_sub = Counter()
    for n, row in enumerate(inst, 1):
        w = f"institution #{n} {row.get('name')}"
        need(set(row) == INST_KEYS, f"{w}: keys {sorted(set(row) ^ INST_KEYS)}")
        codes.append(row["credit_code"])
        need(1 <= len(row["categories"]) <= 3, f"{w}: {len(row['categories'])} categories")
        for c in row["categories"]:
            need(c in parent, f"{w}: unknown category {c}")
            if c in subcats:
                used_sub[c] += 1
        if row["categories"] and row["categories"][0] in parent:
            primary[parent[row["categories"][0]]] += 1
        need(len(row["industries"]) <= 5 and all(i in industries for i in row["industries"]), f"{w}: industries")
        need(row["region"] in districts, f"{w}: region {row['region']}")
        need(1 <= len(row["coverage"]) <= 4 and all(r in regions for r in row["coverage"]), f"{w}: coverage")
        length(row["description"], 60, 200, f"{w} description")
        descriptions.append(row["description"])
        need(bool(row["contact_name"]), f"{w}: contact_name")
        phone(row["contact_phone"], w)
        need(bool(EMAIL_RE.match(row["email"])), f"{w}: email {row['email']}")
        need(row["website"] == "" or bool(WEB_RE.match(row["website"])), f"{w}: website")
        need(1985 <= row["founded_year"] <= 2024, f"{w}: founded_year")
        need(3 <= row["staff_count"] <= 800, f"{w}: staff_count")
        need(len(row["qualifications"]) <= 4 and len(row["honors"]) <= 2, f"{w}: qualifications/honors")
        need(1 <= len(row["offerings"]) <= 5, f"{w}: {len(row['offerings'])} offerings")
        titles = [o["title"] for o in row["offerings"]]
        need(len(titles) == len(set(titles)), f"{w}: duplicate offering titles")
        tops = {parent.get(c) for c in row["categories"]}
        for o in row["offerings"]:
            ow = f"{w} offering {o.get('title')}"
            need(set(o) == OFFER_KEYS, f"{ow}: keys")
            need(o["category"] in parent, f"{ow}: unknown category {o['category']}")
            need(parent.get(o["category"]) in tops, f"{ow}: category {o['category']} outside the institution's categories")
            length(o["description"], 30, 120, f"{ow} description")
            descriptions.append(o["description"])
            need(o["fee_model"] in FEES, f"{ow}: fee_model")
            if o["fee_model"] == "free":
                need(o["price_min"] is None and o["price_max"] is None, f"{ow}: free with a price")
            for k in ("price_min", "price_max", "delivery_days"):
                need(o[k] is None or (isinstance(o[k], int) and o[k] > 0), f"{ow}: {k}")
            if o["price_min"] is not None and o["price_max"] is not None:
                need(o["price_min"] <= o["price_max"], f"{ow}: price_min > price_max")
            need(isinstance(o["public_interest"], bool), f"{ow}: public_interest")
    names = [r["name"] for r in inst]
    need(len(names) == len(set(names)), f"duplicate institution names: {[k for k, v in Counter(names).items() if v > 1]}")
    for top in (t["name"] for t in tax["categories"]):
        need(primary[top] >= MIN_PER_TOP, f"category {top}: only {primary[top]} institutions as primary")

    inst_names = set(names)
    expert_names = [e["name"] for e in experts]
    need(len(expert_names) == len(set(expert_names)),
         f"duplicate expert names: {[k for k, v in Counter(expert_names).items() if v > 1]}")
    linked = 0
    for n, e in enumerate(experts, 1):
        w = f"expert #{n} {e.get('name')}"
        need(set(e) == EXPERT_KEYS, f"{w}: keys {sorted(set(e) ^ EXPERT_KEYS)}")
        need(2 <= len(e["name"]) <= 4 and bool(CJK_RE.match(e["name"])), f"{w}: name")
        need(bool(e["title"]) and bool(e["organization"]), f"{w}: title/organization")
        need(2 <= len(e["expertise"]) <= 5 and len(set(e["expertise"])) == len(e["expertise"]), f"{w}: expertise")
        need(1 <= len(e["categories"]) <= 2 and all(c in parent for c in e["categories"]), f"{w}: categories")
        need(len(e["industries"]) <= 3 and all(i in industries for i in e["industries"]), f"{w}: industries")
        need(e["region"] in districts, f"{w}: region {e['region']}")
        length(e["bio"], 60, 180, f"{w} bio")
        descriptions.append(e["bio"])
        phone(e["phone"], w, landline_ok=False)
        need(bool(EMAIL_RE.match(e["email"])), f"{w}: email {e['email']}")
        linked += e["organization"] in inst_names

    ent_names = [e["name"] for e in ents]
    need(len(ent_names) == len(set(ent_names)), "duplicate enterprise names")
    need(not (set(ent_names) & inst_names), "enterprise and institution share a name")
    for n, e in enumerate(ents, 1):
        w = f"enterprise #{n} {e.get('name')}"
        need(set(e) == ENT_KEYS, f"{w}: keys {sorted(set(e) ^ ENT_KEYS)}")
        codes.append(e["credit_code"])
        need(e["region"] in districts, f"{w}: region")
        need(e["industry"] in industries, f"{w}: industry")
        need(len(e["tags"]) <= 3 and all(t in tags for t in e["tags"]), f"{w}: tags")
        need(e["size"] in ("微型", "小型", "中型"), f"{w}: size")
        need(1985 <= e["founded_year"] <= 2024 and e["staff_count"] > 0, f"{w}: founded/staff")
        length(e["description"], 40, 150, f"{w} description")
        descriptions.append(e["description"])
        phone(e["contact_phone"], w)
        need(bool(EMAIL_RE.match(e["email"])), f"{w}: email {e['email']}")
        need(1 <= len(e["needs"]) <= 3 and len(set(e["needs"])) == len(e["needs"]), f"{w}: needs")
        for s in e["needs"]:
            need(bool(CJK_RE.search(s)) and "{" not in s, f"{w}: need {s!r}")

    for code in codes:
        try:
            need(creditcode.validate_credit_code(code) == code, f"credit code {code} not normalised")
        except creditcode.InvalidCreditCode as exc:
            errors.append(f"credit code {code} invalid: {exc.reason}")
    need(len(codes) == len(set(codes)), "duplicate credit codes")
    dup = [d for d, k in Counter(descriptions).items() if k > 1]
    need(not dup, f"{len(dup)} duplicated descriptions, e.g. {dup[:2]}")
    emails = [r["email"] for r in inst] + [e["email"] for e in experts] + [e["email"] for e in ents]
    need(len(emails) == len(set(emails)), "duplicate e-mail addresses")

    if errors:
        say(f"{len(errors)} problem(s):")
        for e in errors:
            say("  -", e)
        return 1
    say(f"OK: {len(inst)} institutions, {len(experts)} experts ({linked} at demo institutions, "
          f"{linked * 100 // len(experts)}%), {len(ents)} enterprises")
    say("institutions by primary top-level category:")
    for top in tax["categories"]:
        subs = ", ".join(f"{c['name']} {used_sub[c['name']]}" for c in top.get("children", []))
        say(f"  {top['name']}: {primary[top['name']]}  ({subs})")
    unused = sorted(subcats - set(used_sub))
    say(f"sub-categories used: {len(subcats) - len(unused)}/{len(subcats)}" + (f"; unused: {unused}" if unused else ""))
    exp_top = Counter(parent[e["categories"][0]] for e in experts)
    say("experts by first category:", ", ".join(f"{k} {v}" for k, v in exp_top.most_common()))
    say("enterprises by industry:", ", ".join(f"{k} {v}" for k, v in Counter(e["industry"] for e in ents).most_common()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
