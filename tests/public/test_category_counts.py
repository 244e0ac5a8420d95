"""Institutions per category: the home page and the monitoring dashboard count by one definition, say which,
and agree with what a search for the category finds."""

from directory.monitoring.services import institution_figures
from directory.public.services import home_overview
from directory.taxonomy.services import Vocabulary
from search.drain import run_drain
from search.queries import SearchParams
from search.service import search
from tests import factories


def _directory():
    factories.institution(categories=("专利代理", "商标代理"))  # two sub-categories of 知识产权: once there
    factories.institution(categories=("知识产权", "专利代理"))  # the top and one of its children: once
    factories.institution(categories=("专利代理", "银行信贷对接"))  # two top-level categories: once in each
    factories.institution(categories=("专利代理",), admit=False)  # not published: nowhere


def test_home_and_monitoring_count_each_institution_once_per_top_category(db_session, search_backend):
    _directory()
    vocab = Vocabulary()
    ip, finance = vocab.category("知识产权").id, vocab.category("融资服务").id
    home = {c.category.id: c.count for c in home_overview()["categories"]}
    monitoring = {cid: n for cid, _label, n in institution_figures(region_id=None).by_category}
    assert home[ip] == 3 and home[finance] == 1
    assert home == monitoring
    from directory.institutions.services import published_by_top_category

    assert {k: v for k, v in published_by_top_category().items() if v} == {ip: 3, finance: 1}
    run_drain(search=search_backend)  # the tile's link is a search for the category: it finds the same number
    for category, n in (("知识产权", 3), ("融资服务", 1)):
        assert search(SearchParams(type="institution", filters={"category": category})).total == n


def test_both_pages_state_the_definition(client, auth, db_session):
    def rule(html):
        return html.split('id="category-count-rule">')[1].split("<")[0].strip()

    home = rule(client.get("/").get_data(as_text=True))
    auth.login("staff")
    dashboard = rule(client.get("/admin/monitoring").get_data(as_text=True))
    assert home == dashboard and len(home) > 20
