"""Expert admission: one profile form, the same review queue as institutions; an admitted expert keeps it current."""

import pytest
from sqlmodel import select

from directory.admission import services
from directory.admission.models import Application
from directory.core.errors import InvalidInput
from directory.institutions.models import RecordStatus
from directory.notifications.models import Notification
from directory.taxonomy.services import Vocabulary
from tests import factories


def test_expert_application_in_the_same_queue(db_session, search_backend):
    from directory.admission import experts
    from directory.experts.models import Expert
    from search.drain import run_drain
    from search.queries import SearchParams
    from search.service import search

    vocab = Vocabulary()
    applicant, staff = factories.user(role="expert"), factories.user(role="staff")
    with pytest.raises(InvalidInput):
        experts.save_profile(user=applicant, name="陈工", title="", organization="", region=None, bio="x",
                             expertise=[" "], categories=[], industries=[], phone="", email="")
    expert = experts.save_profile(
        user=applicant, name="陈立新", title="高级工程师", organization="营口理工学院", region=vocab.region("西市区"),
        bio="长期从事镁质耐火材料研发与质量控制，熟悉菱镁矿深加工工艺。", expertise=["镁质耐火材料", "菱镁矿深加工"],
        categories=[vocab.category("研发设计服务")], industries=[vocab.industry("镁质材料")], phone="13900001234",
        email="chen@example.cn")
    assert expert.status == RecordStatus.DRAFT and applicant.expert_id == expert.id
    application = experts.submit(user=applicant)
    assert services.review_queue(category_id=vocab.category("技术转移与科技成果转化").id).items == [application]
    services.approve(application=application, actor=staff)
    assert db_session.get(Expert, expert.id).is_published
    run_drain(search=search_backend)
    hits = search(SearchParams(q="菱镁矿深加工", type="expert")).hits
    assert [h["name"] for h in hits] == ["陈立新"] and "13900001234" not in str(hits)
    told = db_session.exec(select(Notification).where(Notification.user_id == applicant.id)).all()
    assert [n.kind for n in told] == ["application.approved"]


def test_expert_application_pages(client, auth, db_session):
    vocab = Vocabulary()
    auth.login("expert")
    assert client.get("/apply").location.endswith("/apply/expert")
    r = client.post("/apply/expert", data={
        "name": "孙志远", "expertise": "HAZOP分析\n安全评价", "categories": [vocab.category("安全评价").id],
        "bio": "注册安全工程师，主持过多个化工项目的HAZOP分析。", "phone": "13800005678"})
    assert r.status_code == 302
    assert client.post("/apply/expert/submit").status_code == 302
    page = client.get("/apply/expert").get_data(as_text=True)
    assert "等待审核" in page and 'id="submit-expert"' not in page
    auth.logout()
    auth.login("staff")
    queue = client.get("/admin/applications").get_data(as_text=True)
    assert "孙志远" in queue
    application = db_session.exec(select(Application)).one()
    detail = client.get(f"/admin/applications/{application.id}").get_data(as_text=True)
    assert 'id="expert-application"' in detail and "HAZOP分析" in detail


def test_admitted_expert_keeps_the_profile_current(db_session, search_backend):
    from directory.admission import experts
    from search.drain import run_drain
    from search.queries import SearchParams
    from search.service import search

    expert = factories.expert(name="周明", expertise=("跨境电商",), phone="13900009999")
    user = factories.user(role="expert", expert_id=expert.id)
    experts.save_profile(user=user, name="周明", title="高级经济师", organization="", region=None,
                         bio="长期为外贸企业提供跨境电商和RCEP原产地规则咨询。", expertise=["跨境电商", "RCEP原产地规则"],
                         categories=list(expert.categories), industries=[], phone="13900009999", email="")
    assert expert.is_published and "RCEP原产地规则" in expert.expertise
    run_drain(search=search_backend)
    assert [h["name"] for h in search(SearchParams(q="原产地规则", type="expert")).hits] == ["周明"]
