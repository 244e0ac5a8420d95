"""The enterprise's own profile: size by the 中小企业划型标准 (工信部联企业〔2011〕300号), tags, verified fields."""

import pytest
from sqlmodel import select

from directory.audit.models import AuditLog
from directory.enterprises.sizing import LARGE, MEDIUM, MICRO, SMALL, classify
from directory.taxonomy.services import Vocabulary
from tests import factories


@pytest.mark.parametrize(("sector", "employees", "revenue", "assets", "size"), [
    ("工业", 1000, 40000, None, LARGE),
    ("工业", 999, 90000, None, MEDIUM),  # 1000人以下 → not large, whatever the revenue
    ("工业", 300, 2000, None, MEDIUM),
    ("工业", 300, 1999, None, SMALL),
    ("工业", 20, 300, None, SMALL),
    ("工业", 19, 5000, None, MICRO),
    ("批发业", 5, 1000, None, SMALL),
    ("批发业", 4, 1000, None, MICRO),
    ("零售业", 50, 500, None, MEDIUM),
    ("软件和信息技术服务业", 10, 50, None, SMALL),
    ("软件和信息技术服务业", 10, 49, None, MICRO),
    ("建筑业", None, 6000, 5000, MEDIUM),
    ("建筑业", None, 6000, 4999, SMALL),
    ("房地产开发经营", None, 200000, 10000, LARGE),
    ("租赁和商务服务业", 100, None, 8000, MEDIUM),
    ("农、林、牧、渔业", None, 50, None, SMALL),
    ("农、林、牧、渔业", None, 49, None, MICRO),
    ("其他未列明行业", 100, None, None, MEDIUM),
    ("工业", 300, None, None, ""),  # a figure the sector needs is missing
    ("", 300, 2000, None, ""),
])
def test_size_by_the_classification_standard(sector, employees, revenue, assets, size):
    assert classify(sector=sector, employees=employees, revenue=revenue, assets=assets) == size


def test_the_enterprise_edits_its_profile_and_the_size_follows(client, auth, db_session):
    enterprise = factories.enterprise(name="营口划型测试有限公司", verified=False)
    auth.login("enterprise", enterprise_id=enterprise.id)
    vocab = Vocabulary()
    page = client.get("/my/enterprise").get_data(as_text=True)
    assert "营口划型测试有限公司" in page and enterprise.credit_code in page
    tags = [str(vocab.tag("专精特新").id), str(vocab.tag("科技型中小企业").id)]
    data = {"name": "营口划型测试有限公司", "credit_code": enterprise.credit_code, "sector": "工业",
            "staff_count": "120", "revenue": "3500", "tags": tags, "region": str(vocab.region("站前区").id)}
    r = client.post("/my/enterprise", data=data)
    assert r.status_code == 302
    db_session.refresh(enterprise)
    assert (enterprise.size, enterprise.revenue, enterprise.region_id) == (SMALL, 3500, vocab.region("站前区").id)
    assert sorted(t.name for t in enterprise.tags) == ["专精特新", "科技型中小企业"]
    assert db_session.exec(select(AuditLog).where(AuditLog.action == "enterprise.update")).first()
    assert "小型" in client.get("/my/enterprise").get_data(as_text=True)
    r = client.post("/my/enterprise", data={**data, "credit_code": "91210800MA0Y8K2L07"})  # wrong check digit
    assert r.status_code == 422 and enterprise.credit_code != "91210800MA0Y8K2L07"
    r = client.post("/my/enterprise", data={**data, "staff_count": "-1"})
    assert r.status_code == 422


def test_a_verified_name_and_credit_code_stay(client, auth, db_session):
    enterprise = factories.enterprise(name="营口已核验企业有限公司")
    auth.login("enterprise", enterprise_id=enterprise.id)
    r = client.post("/my/enterprise", data={"name": "改名企业", "credit_code": enterprise.credit_code})
    assert r.status_code == 422 and "已经服务中心核验，如需修改请联系服务中心" in r.get_data(as_text=True)
    db_session.refresh(enterprise)
    assert enterprise.name == "营口已核验企业有限公司"
    other = factories.enterprise()
    auth.login("enterprise", enterprise_id=other.id)
    assert client.get("/my/enterprise").get_data(as_text=True).count("营口已核验企业有限公司") == 0


def test_a_size_brought_in_stays_until_the_figures_are_complete(client, auth, db_session):
    enterprise = factories.enterprise(size="小型", sector="", staff_count=None)
    auth.login("enterprise", enterprise_id=enterprise.id)
    data = {"name": enterprise.name, "credit_code": enterprise.credit_code, "contact_name": "赵经理"}
    assert client.post("/my/enterprise", data=data).status_code == 302
    db_session.refresh(enterprise)
    assert (enterprise.size, enterprise.contact_name) == ("小型", "赵经理")
    client.post("/my/enterprise", data={**data, "sector": "零售业", "staff_count": "300", "revenue": "20000"})
    db_session.refresh(enterprise)
    assert enterprise.size == "large"
