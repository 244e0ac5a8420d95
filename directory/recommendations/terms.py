"""The key terms of a need: what is worth sending to the search engine.

An SME writes "我们是一家镁砂生产企业，想申请发明专利保护新工艺，需要找专利代理机构". Sent whole, the words every
need shares (我们, 需要, 企业, 找, 机构) weigh as much as 镁砂 and 专利. We segment the sentence with jieba (the
segmenter Meilisearch itself uses for Chinese, so a term we keep is a term the index knows), taught the
classification's names and the staff's synonyms so 知识产权 or 镁质材料 stay whole, keep the parts of speech
that name things and actions (nouns, verbs, abbreviations, Latin words) and drop numbers, pronouns, adverbs,
conjunctions and the like (一年, 对方, 已经, 以及), then the phrasing words of needs and the staff's stop words.
What is left, in the order written, is the query.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jieba
import jieba.posseg

from search.analysis import to_simplified

MAX_TERMS = 10

# Words that say "I need something" rather than what: they are in almost every need (kept as data).
PHRASING_FILE = Path(__file__).with_name("phrasing.txt")
PHRASING = frozenset(word for line in PHRASING_FILE.read_text(encoding="utf-8").splitlines()
                     for word in line.split("#", 1)[0].split())

# jieba part-of-speech tags worth searching for: nouns, verbs, verbal nouns, abbreviations (石化),
# fixed expressions, adjectival nouns (安全), Latin words. Taught words are tagged nz.
KEEP_TAGS = ("n", "v", "j", "l", "eng")
DROP_TAGS = ("vg", "ng")  # single-character morphemes

# Service words jieba's general dictionary cuts wrongly (新三板 → 新|三板, 律所 → 和律|所).
DOMAIN_WORDS = """
新三板 北交所 科创板 创业板 律所 律师事务所 会计师事务所 券商 专利代理 商标注册 版权登记 发明专利 实用新型 外观设计
高新技术企业 高企认定 专精特新 小巨人 能源审计 节能改造 节能诊断 碳核查 碳足迹 环评 安评 能评 排污许可 清洁生产
代理记账 税务筹划 研发费用 加计扣除 审计报告 股改 股权激励 尽职调查 合同审查 法律顾问 知识产权贯标 贯标
检验检测 第三方检测 计量校准 体系认证 产品认证 等保测评 工业互联网 数字化转型 智能制造 上云 机器换人 工业机器人
跨境电商 报关 清关 检验检疫 出口退税 海外仓 融资租赁 供应链金融 知识产权质押 应收账款 担保 贷款 银行贷款
人才招聘 技能培训 劳务派遣 社保 股权融资 天使投资 风险投资 孵化器 众创空间 中试 中试基地 成果转化 技术转让
""".split()

LATIN = re.compile(r"[A-Za-z][A-Za-z0-9.+-]*|\d+[A-Za-z][A-Za-z0-9.+-]*")

_lock = threading.Lock()
_taught: set[str] = set()
_last_taught: object = None
jieba.setLogLevel(logging.WARNING)


def teach(words: Iterable[str]) -> None:
    """Add domain words to jieba's dictionary (once each), so they are never cut apart. The same list again
    (a recommendation passes the cached vocabulary on every call) is not gone through again (converting its
    thousands of words to check them took about 2 ms a call under the profiler)."""
    global _last_taught
    with _lock:
        if words is _last_taught:
            return
        _last_taught = words
        for word in words:
            word = to_simplified(word.strip())
            if len(word) >= 2 and word not in _taught:
                jieba.add_word(word, freq=200000, tag="nz")
                _taught.add(word)


def vocabulary_words() -> list[str]:
    """The classification's names and the staff's synonyms: the words jieba should keep whole."""
    from sqlmodel import select

    from directory.extensions import db
    from directory.taxonomy.models import Category, Industry, Region
    from search.models import SearchSynonym

    words: list[str] = []
    for model in (Category, Industry, Region):
        words.extend(db.session.exec(select(model.name)).all())  # type: ignore[attr-defined]
    for group in db.session.exec(select(SearchSynonym)).all():
        words.extend(group.terms)
    # Names with a separator are whole phrases; their halves are the words.
    parts = [part for word in words for part in re.split(r"[与和及、/（）()]", word) if part]
    return DOMAIN_WORDS + parts


def place_words() -> frozenset[str]:
    """The names of regions (with their aliases, and without 市/区/县) and of industries: words that say where a
    need is or what trade it is in, not what service it wants. A provider matching only them does not fit."""
    from sqlmodel import select

    from directory.extensions import db
    from directory.taxonomy.models import Industry, Region

    words: set[str] = set()
    for region in db.session.exec(select(Region)).all():
        for name in [region.name, *(region.aliases or [])]:
            words |= {name, name.rstrip("市区县")}
    for name in db.session.exec(select(Industry.name)).all():
        words |= {name, *(part for part in re.split(r"[与和及、/（）()]", name) if len(part) >= 2)}
    return frozenset(to_simplified(w) for w in words if len(w) >= 2)


def stop_words() -> set[str]:
    from sqlmodel import select

    from directory.extensions import db
    from search.models import SearchStopWord

    return set(db.session.exec(select(SearchStopWord.word)).all())



def synonym_map() -> dict[str, set[str]]:
    """Each term of the staff's synonym groups, with the other terms of its group."""
    from collections import defaultdict

    from sqlmodel import select

    from directory.extensions import db
    from search.models import SearchSynonym

    out: dict[str, set[str]] = defaultdict(set)
    for group in db.session.exec(select(SearchSynonym)).all():
        for term in group.terms:
            out[term.lower()].update(t.lower() for t in group.terms)
    return out

def key_terms(text: str, *, extra_stop_words: Iterable[str] = ()) -> list[str]:
    """The words of ``text`` that say what is needed, in order, without repeats, at most :data:`MAX_TERMS`.

    Latin tokens (ISO14001, HAZOP, CMA) are kept whole; single Han characters are dropped unless the
    need is nothing else (镁)."""
    text = to_simplified(text or "").strip()
    if not text:
        return []
    stop = PHRASING | set(extra_stop_words)
    tagged = [(pair.word.strip(), pair.flag) for pair in jieba.posseg.lcut(text)]
    terms: list[str] = []
    for token, tag in tagged:
        if not token or token in stop or token in terms:
            continue
        if LATIN.fullmatch(token):
            terms.append(token)
        elif (len(token) >= 2 and any("\u3400" <= ch <= "\u9fff" for ch in token)
              and tag.startswith(KEEP_TAGS) and tag not in DROP_TAGS or tag == "an"):
            terms.append(token)
    if not terms:
        singles = [t for t, _tag in tagged if len(t) == 1 and "\u4e00" <= t <= "\u9fff" and t not in stop]
        terms = singles[:MAX_TERMS]
    return terms[:MAX_TERMS]


def init_app(app: Any) -> None:
    """Load jieba's dictionary in the background at the first request, so the first need posted does not
    wait the second it takes (CLI commands never load it unless they recommend)."""
    started = threading.Event()

    @app.before_request
    def _warm_up() -> None:
        if not started.is_set():
            started.set()
            threading.Thread(target=jieba.initialize, name="jieba-warm-up", daemon=True).start()
