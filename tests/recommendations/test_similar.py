"""Similar records of a detail page (directory/recommendations/similar.py), from Meilisearch and without it."""

from directory.recommendations.similar import similar_institutions
from search.client import SearchBackend
from search.drain import run_drain
from tests import factories


def test_similar_institutions_share_a_category_and_the_title_stays_clean(app, client, db_session, search_backend):
    one = factories.institution(name="营口甲专利代理有限公司", categories=("专利代理",), offerings=("发明专利申请代理",))
    two = factories.institution(name="营口乙专利代理有限公司", categories=("专利代理",), offerings=("发明专利申请代理",))
    other = factories.institution(name="营口丙会计师事务所", categories=("代理记账",), offerings=("代理记账",))
    run_drain(search=search_backend)
    assert [i.id for i in similar_institutions(one)] == [two.id]
    page = client.get(f"/institutions/{one.id}").get_data(as_text=True)
    title = page[page.index("<title>"):page.index("</title>")]
    assert "营口乙专利代理有限公司" not in title and 'id="similar"' in page
    app.extensions["search"], saved = SearchBackend(app.config["SETTINGS"].__class__(
        **{**app.config["SETTINGS"].__dict__, "meili_url": "http://127.0.0.1:9"})), app.extensions["search"]
    try:
        fallback = similar_institutions(one)
    finally:
        app.extensions["search"] = saved
    assert two.id in [i.id for i in fallback] and other.id not in [i.id for i in fallback]
