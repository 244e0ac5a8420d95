"""Staff's list of enterprises shows each one's size by the 中小企业划型标准 and filters by it, whether the size
was computed from the enterprise's figures or brought in by a list under the standard's name."""

from directory.enterprises.services import list_enterprises
from directory.enterprises.sizing import MEDIUM, MICRO, SMALL, size_key
from tests import factories


def test_a_stored_size_is_read_whichever_way_it_came():
    assert [size_key(v) for v in ("small", "小型", "小型企业", " 中型 ", "微型", "", "巨型")] == [
        SMALL, SMALL, SMALL, MEDIUM, MICRO, "", ""]


def test_the_list_filters_by_size_before_paging(db_session):
    computed = factories.enterprise(name="营口划型计算中型有限公司", size=MEDIUM)
    imported = factories.enterprise(name="营口划型导入中型有限公司", size="中型")
    factories.enterprise(name="营口划型小型有限公司", size="小型")
    factories.enterprise(name="营口划型未定有限公司")
    page = list_enterprises(size=MEDIUM, per_page=1)
    assert page.total == 2 and len(page) == 1
    assert {e.id for e in list_enterprises(size=MEDIUM).items} == {computed.id, imported.id}
    assert list_enterprises(size="bogus").total == list_enterprises().total  # an unknown size filters nothing


def test_staff_see_the_size_and_filter_by_it(client, auth, db_session):
    medium = factories.enterprise(name="营口划型页面中型有限公司", size="中型")
    small = factories.enterprise(name="营口划型页面小型有限公司", size=SMALL)
    unknown = factories.enterprise(name="营口划型页面未定有限公司")
    auth.login("staff")
    page = client.get("/admin/enterprises").get_data(as_text=True)
    import re

    def size_cell(enterprise, text):
        row = re.search(rf'<tr id="enterprise-{enterprise.id}">(.*?)</tr>', text, re.S).group(1)
        return re.sub(r"<[^>]+>", "", re.search(r'class="enterprise-size">(.*?)</td>', row, re.S).group(1)).strip()

    assert (size_cell(medium, page), size_cell(small, page), size_cell(unknown, page)) == ("中型", "小型", "未确定")
    page = client.get("/admin/enterprises?size=medium").get_data(as_text=True)
    assert f'id="enterprise-{medium.id}"' in page and f'id="enterprise-{small.id}"' not in page
    assert '<option value="medium" selected>' in page
    client.get("/lang/en")
    page = client.get("/admin/enterprises").get_data(as_text=True)
    assert size_cell(medium, page) == "Medium"  # the imported "中型" is the standard's size, named in English too
