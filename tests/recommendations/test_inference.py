"""Inferring a need's service category (directory/recommendations/inference.py): pure, on a model trained in
memory from a handful of labelled texts."""

from types import SimpleNamespace

import pytest

from directory.recommendations.inference import NAME_WEIGHT, CategoryModel, characters, features, infer

CATS = [SimpleNamespace(id=1, name="知识产权", name_en="Intellectual property", parent_id=None),
        SimpleNamespace(id=2, name="专利代理", name_en="Patent agency", parent_id=1),
        SimpleNamespace(id=3, name="商标代理", name_en="Trademark agency", parent_id=1),
        SimpleNamespace(id=4, name="财税服务", name_en="Finance and tax", parent_id=None),
        SimpleNamespace(id=5, name="代理记账", name_en="Bookkeeping", parent_id=4),
        SimpleNamespace(id=6, name="融资担保", name_en="Financing guarantees", parent_id=None)]
DOCS = [
    ("发明专利申请撰写，实用新型专利，专利检索与答复审查意见", [2]),
    ("专利申请代理，发明专利和外观设计专利的申请与复审", [1, 2]),  # the parent too: the sub-category learns
    ("商标注册申请，商标续展与异议答辩", [3]),
    ("代理记账，纳税申报，财务报表编制", [5]),
    ("小微企业记账报税，账务整理", [5]),
    ("为中小企业银行贷款提供融资担保，反担保", [6]),
]


@pytest.fixture(scope="module")
def model():
    return CategoryModel.train(DOCS, CATS, synonyms={"代理记账": {"记账报税"}})


def test_features_are_han_bigrams_and_latin_words():
    assert features("申请专利 ISO9001") == ["申请", "请专", "专利", "iso9001"]
    assert features("镁") == ["镁"]
    assert features("🙂！？") == []


def test_characters_are_every_han_character():
    assert characters("查账 ISO9001，检") == ["查", "账", "检"]


def test_a_character_counts_by_how_unevenly_the_categories_use_it(model):
    telling = model.telling()
    assert telling["账"] > 0.3  # 记账, 账务: only 代理记账's
    assert telling["账"] > telling["申"]  # 申请 is in patents, trademarks and tax filing alike
    assert all(0 <= w <= 0.5 for w in telling.values())


def test_a_single_character_of_the_need_says_what_it_is_about(model):
    # No bigram of the need is a record's (乱账, 理一 …): its character 账 is 代理记账's.
    assert features("账乱了") and not any(f in model.vocabulary for f in features("账乱了"))
    assert infer(model, "账乱了").category_id == 5
    assert model.posteriors("🙂") == {}


def test_the_model_survives_its_json(model):
    again = CategoryModel.from_json(model.as_json())
    assert again.posteriors("账乱了") == model.posteriors("账乱了")
    assert again.char_counts == model.char_counts


def test_the_need_s_words_decide_the_category(model):
    result = infer(model, "我们想给新工艺申请发明专利")
    assert result.category_id == 2 and 0.45 <= result.confidence <= 1 and not result.named
    assert infer(model, "每个月需要有人帮忙记账和报税").category_id == 5


def test_a_category_named_in_the_need_wins_and_a_child_over_its_parent(model):
    assert infer(model, "找一家专利代理机构").category_id == 2
    named = infer(model, "知识产权方面的专利代理")
    assert named.category_id == 2 and named.named and named.confidence == 1.0
    assert infer(model, "patent agency for our new product").category_id == 2  # the English name
    assert infer(model, "记账报税").category_id == 5  # a staff synonym of the name


def test_alternatives_are_the_next_likely_categories(model):
    result = infer(model, "申请商标和专利")
    assert result.category_id in (2, 3)
    assert ({2, 3} - {result.category_id}) <= set(result.alternatives)
    assert result.category_id not in result.alternatives


def test_no_words_no_category(model):
    for text in ("", "🙂🙂🙂", "？？！！……", "zzzz qqqq"):
        result = infer(model, text)
        assert result.category_id is None and result.alternatives == []


def test_the_sub_category_learns_from_a_record_listing_its_parent_too(model):
    assert model.doc_counts[1] == NAME_WEIGHT  # its names only: listed with its child, the child is the label
    assert model.doc_counts[2] == NAME_WEIGHT + 2


def test_a_service_word_belongs_to_one_category_and_a_trade_word_to_none():
    docs = [("镁砂企业发明专利申请", [2]), ("镁砂企业融资担保", [6]), ("镁砂出口代理记账", [5]), ("专利检索", [2])]
    model = CategoryModel.train(docs, CATS)
    assert model.concentration("专利") > 0.8
    assert model.concentration("镁砂") < 0.5
    assert model.concentration("海蜇") is None


def test_half_a_name_shared_by_several_categories_names_none_of_them():
    cats = [SimpleNamespace(id=1, name="税务筹划与申报", name_en="", parent_id=None),
            SimpleNamespace(id=2, name="惠企政策申报", name_en="", parent_id=None),
            SimpleNamespace(id=3, name="诉讼与仲裁", name_en="", parent_id=None)]
    model = CategoryModel.train([("惠企政策申报补贴", [2]), ("纳税申报", [1])], cats)
    assert "申报" not in model.names[1] and "仲裁" in model.names[3]
    assert infer(model, "想申报补贴政策").category_id == 2  # the model, not the shared half
    assert infer(model, "劳动仲裁").category_id == 3


def test_the_character_factor_is_naive_bayes_over_the_weighted_characters(model):
    # posteriors() sums only over the categories that use a character: the same as the plain formula
    import math

    from directory.recommendations.inference import ALPHA, characters

    text = "账乱了想申请"
    telling = model.telling()
    size, chars_size, docs = len(model.vocabulary), len(telling), sum(model.doc_counts.values())
    words = [w for w in features(text) if w in model.vocabulary]
    logs = {}
    for cat_id, counts in model.word_counts.items():
        den, char_den = model.totals[cat_id] + ALPHA * size, model.char_totals[cat_id] + ALPHA * chars_size
        logs[cat_id] = math.log(model.doc_counts[cat_id] / docs) + sum(
            math.log((counts.get(w, 0) + ALPHA) / den) for w in words) + sum(
            telling.get(ch, 0) * math.log((model.char_counts[cat_id].get(ch, 0) + ALPHA) / char_den)
            for ch in characters(text) if telling.get(ch, 0) > 0)
    best = max(logs.values())
    norm = sum(math.exp(v - best) for v in logs.values())
    got = model.posteriors(text)
    assert got.keys() == logs.keys()
    assert all(abs(got[c] - math.exp(logs[c] - best) / norm) < 1e-9 for c in logs)
