#!/usr/bin/env python3
"""Build the demo directory (seeds/demo/*.json) from the curated fragments in this folder.

    python3 seeds/tools/gen_demo.py            # write seeds/demo/{institutions,experts,enterprises}.json
    python3 seeds/tools/gen_demo.py --check    # also run check_demo.py on the result

Standard library only; the output is reproducible (fixed random seed). All names, codes, phone numbers and
addresses are fictional: e-mail and web domains end in .example.cn.
"""

from __future__ import annotations

import importlib.util
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DEMO_DIR = ROOT / "seeds" / "demo"
TAXONOMY_FILE = ROOT / "seeds" / "taxonomy.json"
SEED = 20240601

sys.path.insert(0, str(HERE))
from demo_enterprises import ENTERPRISES, GENERIC_NEEDS, MATERIALS  # noqa: E402
from demo_experts import (  # noqa: E402
    ACADEMIC_ACH,
    ACADEMIC_EXP,
    BIO_TEMPLATES,
    GIVEN_NAMES,
    PINYIN,
    PROFILES,
    RESEARCH_ACH_PREFIXES,
    SURNAME_WEIGHTS,
    SURNAMES,
    UNIVERSITIES,
)
from demo_institutions import INSTITUTIONS  # noqa: E402
from demo_offerings import OFFERINGS  # noqa: E402


def _load_creditcode():
    """Load directory/core/creditcode.py by path (importing the package would need Flask)."""
    spec = importlib.util.spec_from_file_location("creditcode", ROOT / "directory" / "core" / "creditcode.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


creditcode = _load_creditcode()
CHARSET = creditcode.CREDIT_CHARSET
TAXONOMY = json.loads(TAXONOMY_FILE.read_text(encoding="utf-8"))
DIVISION = {r["name"]: r["division"] for r in TAXONOMY["regions"] if r["kind"] == "district"}

# Leading digits of fictional 0417 landlines, by district.
LANDLINE = {"站前区": ["28", "29", "48"], "西市区": ["33", "48", "47"], "鲅鱼圈区": ["61", "62", "68"],
            "老边区": ["35", "38"], "盖州市": ["76", "77"], "大石桥市": ["56", "58"], "营口高新区": ["32", "36"],
            "自贸区营口片区": ["62", "67"], "营口综合保税区": ["62", "69"]}
MOBILE = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156",
          "158", "159", "180", "181", "182", "186", "187", "188", "189"]
MANUFACTURING = {"镁质材料", "铝制品", "石油化工", "钢铁", "粮油食品饮料", "新一代信息技术", "先进装备制造", "新材料",
                 "新能源", "汽保设备", "乐器", "海蜇"}


class Gen:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.codes: set[str] = set()
        self.phones: set[str] = set()
        self.emails: set[str] = set()
        self.texts: set[str] = set()
        surnames = list(SURNAMES)
        self.surname_pool = [s for s in surnames for _ in range(SURNAME_WEIGHTS.get(s, 1))]

    # -- small helpers -------------------------------------------------------------------------------
    def credit_code(self, prefix: str, region: str, founded: int) -> str:
        while True:
            if prefix == "91" and founded >= 2016:
                body = "MA" + self.rng.choice("0123") + "".join(self.rng.choice(CHARSET) for _ in range(5))
            elif prefix == "52" and founded >= 2016:
                body = "MJ" + self.rng.choice("0123") + "".join(self.rng.choice(CHARSET) for _ in range(5))
            else:
                body = self.rng.choice("1234567") + "".join(self.rng.choice("0123456789") for _ in range(7))
            code = creditcode.make_credit_code(prefix, DIVISION[region], body)
            creditcode.validate_credit_code(code)
            if code not in self.codes:
                self.codes.add(code)
                return code

    def mobile(self) -> str:
        while True:
            p = self.rng.choice(MOBILE) + "".join(self.rng.choice("0123456789") for _ in range(8))
            if p not in self.phones:
                self.phones.add(p)
                return p

    def landline(self, region: str) -> str:
        while True:
            p = "0417-" + self.rng.choice(LANDLINE[region]) + "".join(self.rng.choice("0123456789") for _ in range(5))
            if p not in self.phones:
                self.phones.add(p)
                return p

    def email(self, local: str, domain: str) -> str:
        address, n = f"{local}@{domain}.example.cn", 1
        while address in self.emails:
            n += 1
            address = f"{local}{n}@{domain}.example.cn"
        self.emails.add(address)
        return address

    def surname(self) -> str:
        return self.rng.choice(self.surname_pool)

    def person(self) -> tuple[str, str, str]:
        """A fictional name with its pinyin (surname, given)."""
        s = self.surname()
        given = self.rng.choice(GIVEN_NAMES)
        return s + given, SURNAMES[s], "".join(PINYIN[c] for c in given)

    def unique(self, text: str, variants: list[str], limit: int) -> str:
        """Return ``text`` or, if already used, a variant with an extra clause, never a duplicate."""
        if text not in self.texts:
            self.texts.add(text)
            return text
        base = text.rstrip("。")
        for v in variants:
            cand = f"{base}，{v}。"
            if len(cand) <= limit and cand not in self.texts:
                self.texts.add(cand)
                return cand
        raise ValueError(f"cannot make a unique text for {text}")

    def price(self, value: int | None, factor: float) -> int | None:
        if value is None:
            return None
        v = value * factor
        step = 10 if v < 1000 else 100 if v < 20000 else 1000
        return max(step, int(round(v / step)) * step)

    # -- institutions --------------------------------------------------------------------------------
    def institutions(self) -> list[dict]:
        by_title = {o[0]: (cat, o) for cat, items in OFFERINGS.items() for o in items}
        out = []
        for spec in INSTITUTIONS:
            region, prefix = spec["region"], spec["prefix"]
            cov = spec["cov"]
            coverage = {"R": [region], "C": [region, "全市"], "N": [region, "全市", "省内/全国"],
                        "n": [region, "省内/全国"]}[cov] if isinstance(cov, str) else list(cov)
            if prefix == "31":
                contact = self.surname() + self.rng.choice(["律师", "主任", "律师"])
                local = self.rng.choice(["office", "lawyer", "info"])
            elif prefix in ("12", "52"):
                contact = self.surname() + self.rng.choice(["主任", "老师", "主任", "科长"])
                local = self.rng.choice(["service", "office", "info"])
            else:
                contact = self.surname() + self.rng.choice(["经理", "经理", "总监", "总", "老师"])
                local = self.rng.choice(["service", "info", "contact", "kefu", "business", "market"])
            if self.rng.random() < 0.3:
                contact = self.person()[0]
            phone = self.landline(region) if self.rng.random() < 0.7 else self.mobile()
            website = f"https://www.{spec['slug']}.example.cn" if self.rng.random() < 0.75 else ""
            factor = self.rng.choice([0.8, 0.9, 1.0, 1.0, 1.0, 1.1, 1.2])
            variants = ([f"尤其熟悉{i}{'' if i.endswith('业') else '行业'}企业的需求" for i in spec["inds"]]
                        + [f"{region}企业可预约上门服务", "支持线上委托和进度查询", "首次合作企业可享受优惠价格",
                           "可根据企业需求定制服务内容", "服务团队均具有五年以上从业经验"])
            offerings = []
            for title in spec["offers"]:
                cat, (t, desc, fee, pmin, pmax, days, pi) = by_title[title]
                if prefix in ("12", "52") and fee != "free":
                    pi = True  # a non-profit's paid services are still public-interest priced
                pmin2, pmax2 = self.price(pmin, factor), self.price(pmax, factor)
                if pmin2 is not None and pmax2 is not None and pmin2 > pmax2:
                    pmin2, pmax2 = pmax2, pmin2
                offerings.append({"title": t, "category": cat, "description": self.unique(desc, variants, 120),
                                  "fee_model": fee, "price_min": pmin2, "price_max": pmax2, "delivery_days": days,
                                  "public_interest": bool(pi)})
            out.append({
                "name": spec["name"], "credit_code": self.credit_code(prefix, region, spec["founded"]),
                "categories": spec["cats"], "industries": spec["inds"], "region": region, "coverage": coverage,
                "description": self.unique(spec["desc"], [], 200), "contact_name": contact, "contact_phone": phone,
                "email": self.email(local, spec["slug"]), "website": website, "founded_year": spec["founded"],
                "staff_count": spec["staff"], "qualifications": spec["quals"], "honors": spec["honors"],
                "offerings": offerings,
            })
        return out

    # -- enterprises ---------------------------------------------------------------------------------
    def enterprises(self) -> list[dict]:
        out = []
        tag_phrase = {"高新技术企业": "是国家高新技术企业", "专精特新": "被认定为辽宁省专精特新中小企业",
                      "专精特新“小巨人”": "获评国家级专精特新“小巨人”企业", "瞪羚企业": "入选辽宁省瞪羚企业",
                      "雏鹰企业": "入选辽宁省雏鹰企业", "科技型中小企业": "已入库国家科技型中小企业",
                      "规上企业": "已纳入规模以上企业统计"}
        for spec in ENTERPRISES:
            size, tags, ind = spec["size"], spec["tags"], spec["industry"]
            lo, hi = {"中型": (1996, 2014), "小型": (2003, 2021), "微型": (2014, 2023)}[size]
            if "雏鹰企业" in tags:
                lo, hi = max(lo, 2016), max(hi, 2021)
            if "专精特新“小巨人”" in tags or "规上企业" in tags:
                hi = min(hi, 2016)
            founded = self.rng.randint(lo, hi)
            # 工信部 size classes: industry 小型 20-300 staff, 中型 300-1000; most SMEs sit near the bottom of
            # their class, and service firms are smaller
            hi_small = 280 if ind in MANUFACTURING and ind != "新一代信息技术" else 95
            if size == "中型":
                staff = int(self.rng.triangular(300, 900, 380))
            elif size == "小型":
                staff = int(self.rng.triangular(20, hi_small, 45))
            else:
                staff = self.rng.randint(4, 18)
            extra = self.rng.choice(["公司成立于{y}年，现有员工{n}人", "企业创办于{y}年，员工{n}人",
                                     "成立于{y}年，现有职工{n}人"]).format(y=founded, n=staff)
            phrases = [tag_phrase[t] for t in tags][:2]
            if phrases:
                extra += "，" + "，".join(phrases)
            desc = self.unique(spec["desc"] + extra + "。", [], 150)
            contact = self.surname() + self.rng.choice(["总", "经理", "经理", "主任", "总监"])
            if self.rng.random() < 0.35:
                contact = self.person()[0]
            phone = self.mobile() if self.rng.random() < 0.55 else self.landline(spec["region"])
            local = self.rng.choice(["info", "office", "sales", "admin", "service", "market"])
            out.append({
                "name": spec["name"], "credit_code": self.credit_code("91", spec["region"], founded),
                "region": spec["region"], "industry": ind, "tags": tags, "size": size, "founded_year": founded,
                "staff_count": staff, "description": desc, "contact_name": contact, "contact_phone": phone,
                "email": self.email(local, spec["slug"]), "needs": self.needs(spec, founded),
            })
        return out

    def needs(self, spec: dict, founded: int) -> list[str]:
        """The enterprise's own need first, then 0-2 generic needs that fit it and do not repeat its topic."""
        size, tags, ind, desc = spec["size"], set(spec["tags"]), spec["industry"], spec["desc"]
        amt = self.rng.choice({"微型": [30, 50, 80], "小型": [100, 200, 300, 500], "中型": [500, 800, 1000, 2000]}[size])
        debt = self.rng.choice({"微型": [8, 12, 18, 25], "小型": [35, 46, 60, 86, 120], "中型": [120, 150, 230, 380]}[size])
        fill = dict(mat=MATERIALS[ind], amt=amt, debt=debt)
        tech_tags = {"科技型中小企业", "高新技术企业", "雏鹰企业", "瞪羚企业", "专精特新", "专精特新“小巨人”"}
        srdi_tags = {"专精特新", "专精特新“小巨人”"}
        exports = any(w in desc for w in ("出口", "海外", "欧美", "国外", "跨境"))
        rules = {
            "loan": True, "any": True,
            "tech_loan": bool(tags & tech_tags),
            "new_micro": size == "微型" and founded >= 2021,
            "pre_hnte": "科技型中小企业" in tags and "高新技术企业" not in tags,
            "hnte": "高新技术企业" in tags,
            "srdi": "专精特新" in tags,
            "pre_srdi": not (tags & srdi_tags) and size != "微型" and ind in MANUFACTURING,
            "pre_above": "规上企业" not in tags and size == "小型" and ind in MANUFACTURING,
            "medium": size == "中型",
            "supplier": ind in MANUFACTURING or ind in ("港口物流", "农业与农产品加工"),
            "staff": size != "微型",
            "factory": (ind in MANUFACTURING and size != "微型" and ind != "新一代信息技术"
                        and not any(w in desc for w in ("仓储", "储罐", "贸易"))),
            "tech": bool(tags & tech_tags) or ind in {"新材料", "新一代信息技术", "新能源"},
            "export": exports and size != "微型",
            "export_new": not exports and ind in MANUFACTURING and size == "小型" and "服务" not in desc,
            "export_small": exports and size != "中型" and "跨境电商" not in desc,
        }
        chosen = [spec["need"]]
        fits = [(s.format(**fill), rule, words) for s, rule, words in GENERIC_NEEDS if rules[rule]]
        k = self.rng.choices([0, 1, 2], weights=[25, 45, 30])[0]
        # needs that follow from the enterprise's situation first; loans, contracts and subsidies fill in
        situational = [f for f in fits if f[1] not in ("loan", "any", "supplier", "staff")]
        for _ in range(k):
            pool = situational if situational and self.rng.random() < 0.65 else fits
            ok = [f for f in pool if f[0] not in chosen and not any(w in c for w in f[2] for c in chosen)]
            if ok:
                chosen.append(self.rng.choice(ok)[0])
        return chosen

    # -- experts -------------------------------------------------------------------------------------
    def experts(self, institutions: list[dict], enterprises: list[dict]) -> list[dict]:
        inst_load: dict[str, int] = {}
        ent_used: set[str] = set()
        names: set[str] = set()
        out = []
        slug_of = {s["name"]: s["slug"] for s in INSTITUTIONS}
        prefix_of = {s["name"]: s["prefix"] for s in INSTITUTIONS}
        ent_slug = {s["name"]: s["slug"] for s in ENTERPRISES}
        for prof in PROFILES:
            pcats = prof["cats"]
            # institutions of a matching category that serve the profile's industries (or no industry in particular)
            # institutions whose work is the profile's main category, or whose primary category is one of the
            # profile's, and that serve the profile's industries (or no industry in particular); law firms only
            # for lawyers
            lawyers = [("律师" in t) for t in prof["inst_titles"]]
            candidates = [i for i in institutions
                          if (pcats[0] in i["categories"] or i["categories"][0] in pcats)
                          and (not i["industries"] or set(i["industries"]) & set(prof["inds"]))
                          and (any(lawyers) or prefix_of[i["name"]] != "31")
                          and (not all(lawyers) or prefix_of[i["name"]] == "31")]
            for _ in range(prof["n"]):
                while True:
                    name, sp, gp = self.person()
                    if name not in names:
                        names.add(name)
                        break
                inst = None
                if candidates and self.rng.random() < prof["inst"]:
                    least = min(inst_load.get(i["name"], 0) for i in candidates)
                    pick = [i for i in candidates if inst_load.get(i["name"], 0) <= least + 1]
                    inst = self.rng.choice(pick)
                    inst_load[inst["name"]] = inst_load.get(inst["name"], 0) + 1
                kind = "inst"
                if inst is not None:
                    org, domain, region = inst["name"], slug_of[inst["name"]], inst["region"]
                    law_firm = prefix_of[inst["name"]] == "31"
                    titles = [t for t in prof["inst_titles"] if ("律师" in t) == law_firm] or prof["inst_titles"]
                    title = self.rng.choice(titles)
                    pos = self.rng.choice(prof["inst_pos"])
                    if law_firm and pos not in ("合伙人", "高级合伙人", "主任"):
                        pos = self.rng.choice(["合伙人", "合伙人", "高级合伙人"])
                    elif prefix_of[inst["name"]] in ("12", "52"):
                        pos = {"总经理": "主任", "副总经理": "副主任", "董事总经理": "主任"}.get(pos, pos)
                    cats = [c for c in pcats if c in inst["categories"]] or [inst["categories"][0]]
                    ind_pool = [i for i in prof["inds"] if i in inst["industries"]] or prof["inds"]
                else:
                    org_key, titles, positions = self.rng.choice(prof["ext"])
                    title, pos = self.rng.choice(titles), self.rng.choice(positions)
                    kind = "ent" if org_key.startswith("ENT:") else "uni"
                    if org_key.startswith("ENT:"):
                        ind = org_key[4:]
                        ents = [e for e in enterprises if e["industry"] == ind and e["name"] not in ent_used
                                and e["size"] != "微型"] or [e for e in enterprises if e["industry"] == ind]
                        ent = self.rng.choice(ents)
                        ent_used.add(ent["name"])
                        org, domain, region = ent["name"], ent_slug[ent["name"]], ent["region"]
                        ind_pool = [ind] + [i for i in prof["inds"] if i != ind]
                    elif org_key.startswith("FIRM:"):
                        kind = "inst"
                        _, org, domain = org_key.split(":")
                        region = self.rng.choice(prof["regions"])
                        ind_pool = prof["inds"]
                    else:
                        org = org_key
                        domain, home = UNIVERSITIES[org]
                        region = home or self.rng.choice(prof["regions"])
                        ind_pool = prof["inds"]
                    cats = [pcats[0]]
                if len(cats) == 1 and len(pcats) > 1 and self.rng.random() < 0.55:
                    extra = [c for c in pcats if c not in cats]
                    cats = cats + [self.rng.choice(extra)]
                cats = cats[:2]
                nind = self.rng.choices([0, 1, 2, 3], weights=[8, 35, 40, 17])[0]
                industries = ind_pool[:1] + self.rng.sample(ind_pool[1:], min(max(nind - 1, 0), len(ind_pool) - 1)) if nind else []
                half = max(2, len(prof["kw"]) // 2)
                first = self.rng.sample(prof["kw"][:half], 2)
                rest = [k for k in prof["kw"] if k not in first]
                expertise = first + self.rng.sample(rest, self.rng.choices([0, 1, 2, 3], weights=[20, 40, 30, 10])[0])
                bio = self.bio(prof, title, org, pos, expertise, kind)
                style = self.rng.random()
                local = (sp + gp) if style < 0.45 else (gp + "." + sp) if style < 0.75 else (sp + "".join(GIVEN_INITIALS(name)))
                out.append({
                    "name": name, "title": title, "organization": org, "expertise": expertise, "categories": cats,
                    "industries": industries, "region": region, "bio": bio, "phone": self.mobile(),
                    "email": self.email(local, domain),
                })
        return out

    def bio(self, prof: dict, title: str, org: str, pos: str, kw: list[str], kind: str) -> str:
        """A bio from the profile's fragments; academics get academic experience, and academics and in-house
        engineers only achievements that fit them."""
        senior = title in ("教授", "研究员", "正高级工程师", "一级律师", "正高级会计师")
        exps = [e.replace("{field}", prof["field"]) for e in ACADEMIC_EXP] if kind == "uni" else prof["exp"]
        achs = prof["ach"]
        if kind != "inst":
            achs = [a for a in prof["ach"] if a.startswith(RESEARCH_ACH_PREFIXES)]
            if kind == "uni" or not achs:
                achs = achs + ACADEMIC_ACH
        for _ in range(60):
            y = self.rng.randint(16, 32) if senior else self.rng.randint(6, 24)
            exp = self.rng.choice(exps).replace("{y}", str(y))
            ach = self._numbers(self.rng.choice(achs))
            svc = self.rng.choice(prof["svc"])
            tpl = self.rng.choice(BIO_TEMPLATES)
            if "擅长" in tpl and svc.startswith("擅长"):
                continue
            text = tpl.format(title=title, org=org, pos=pos, exp=exp, ach=ach, svc=svc, k0=kw[0], k1=kw[1])
            if 60 <= len(text) <= 180 and text not in self.texts:
                self.texts.add(text)
                return text
        raise ValueError(f"no bio fits for {prof['key']}")

    def _numbers(self, text: str) -> str:
        """Fill {n:lo-hi}; a number followed by 余 ("300余件") is rounded, as people write it."""
        while "{n:" in text:
            start = text.index("{n:")
            end = text.index("}", start)
            lo, hi = (int(x) for x in text[start + 3:end].split("-"))
            n = self.rng.randint(lo, hi)
            if text[end + 1:end + 2] == "余":
                step = 100 if n >= 1000 else 10 if n >= 20 else 1
                n = max(step, n // step * step)
            text = text[:start] + str(n) + text[end + 1:]
        return text


def GIVEN_INITIALS(name: str) -> list[str]:  # noqa: N802
    """Initials of the given name, for addresses like wangxd@…"""
    return [PINYIN[c][0] for c in name[1:]]


def write(name: str, data: list[dict]) -> None:
    DEMO_DIR.mkdir(parents=True, exist_ok=True)
    (DEMO_DIR / name).write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def main() -> int:
    gen = Gen()
    institutions = gen.institutions()
    enterprises = gen.enterprises()
    experts = gen.experts(institutions, enterprises)
    write("institutions.json", institutions)
    write("experts.json", experts)
    write("enterprises.json", enterprises)
    sys.stdout.write(f"wrote {len(institutions)} institutions, {len(experts)} experts, "
                     f"{len(enterprises)} enterprises to {DEMO_DIR}\n")
    if "--check" in sys.argv:
        import check_demo
        return check_demo.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
