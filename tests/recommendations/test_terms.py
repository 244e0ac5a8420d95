"""The key terms of a need (directory/recommendations/terms.py)."""

from directory.recommendations.terms import key_terms


def test_key_terms_drop_the_phrasing_of_a_need():
    terms = key_terms("我们是一家镁砂生产企业，想申请发明专利保护新工艺，需要找专利代理机构")
    assert "镁砂" in terms and "发明专利" in terms
    assert not {"我们", "需要", "找", "企业", "机构"} & set(terms)
    assert key_terms("想找個做知識產權的") == ["知识产权"]  # traditional script
    assert key_terms("ISO14001认证") == ["ISO14001", "认证"]
