"""Admission (入库): apply section by section, submit, staff approve / reject / request changes."""

import pytest
from sqlmodel import select

from directory.admission import errors, services
from directory.admission.models import Application, ApplicationStatus
from directory.audit.models import AuditLog
from directory.core.errors import NotAllowed
from directory.institutions.models import Institution, RecordStatus
from directory.institutions.services import OfferingInput
from directory.notifications.models import Notification
from directory.taxonomy.services import Vocabulary
from tests import factories


@pytest.fixture
def vocab(db_session):
    return Vocabulary()


def complete_application(user, vocab, code=None):
    inst = services.save_identity(user=user, name="营口新申请知识产权服务有限公司",
                                  credit_code=code or factories.credit_code(), region=vocab.region("站前区"),
                                  description="为中小企业提供专利申请、商标注册和知识产权贯标服务。")
    services.save_services(user=user, categories=[vocab.category("专利代理")], industries=[vocab.industry("镁质材料")],
                           coverage=[vocab.region("全市")], qualifications=["专利代理机构执业许可证", ""])
    services.add_offering(user=user, data=OfferingInput(title="发明专利申请代理", category=vocab.category("专利代理")))
    services.save_contacts(user=user, contact_name="王经理", contact_phone="0417-2800000", email="Wang@Example.cn")
    return inst


def test_full_application_and_approval(db_session, vocab):
    applicant = factories.user(role="institution")
    staff = factories.user(role="staff")
    inst = complete_application(applicant, vocab)
    assert inst.status == RecordStatus.DRAFT and applicant.institution_id == inst.id
    application = services.submit(user=applicant)
    assert inst.status == RecordStatus.PENDING and application.status == ApplicationStatus.SUBMITTED
    assert db_session.exec(select(Notification).where(Notification.user_id == staff.id)).first()
    assert services.review_queue().items == [application]
    assert services.review_queue(category_id=vocab.category("知识产权").id).items == [application]
    assert services.review_queue(category_id=vocab.category("融资服务").id).items == []
    services.approve(application=application, actor=staff)
    assert inst.status == RecordStatus.ADMITTED and inst.is_published and inst.admitted_at
    told = db_session.exec(select(Notification).where(Notification.user_id == applicant.id)).all()
    assert [n.kind for n in told] == ["application.approved"]
    actions = {a.action for a in db_session.exec(select(AuditLog).where(AuditLog.entity_id == inst.id)).all()}
    assert {"application.start", "application.edit", "application.submit", "application.approved"} <= actions


def test_incomplete_application_cannot_be_submitted(db_session, vocab):
    applicant = factories.user(role="institution")
    services.save_identity(user=applicant, name="营口半成品有限公司", credit_code=factories.credit_code(),
                           region=vocab.region("西市区"), description="太短")
    with pytest.raises(errors.ApplicationIncomplete):
        services.submit(user=applicant)
    assert {m.section for m in services.missing(services.my_institution(applicant))} == {
        "identity", "services", "offerings", "contacts"}


def test_changes_requested_then_resubmitted(db_session, vocab):
    applicant, staff = factories.user(role="institution"), factories.user(role="staff")
    inst = complete_application(applicant, vocab)
    application = services.submit(user=applicant)
    with pytest.raises(errors.ApplicationSubmitted):  # locked while under review
        services.save_contacts(user=applicant, contact_name="x", contact_phone="13800000000", email="")
    with pytest.raises(errors.ReasonRequired):
        services.request_changes(application=application, actor=staff, comments="  ")
    services.request_changes(application=application, actor=staff, comments="请补充资质证书编号")
    assert inst.status == RecordStatus.CHANGES_REQUESTED
    services.save_contacts(user=applicant, contact_name="李经理", contact_phone="13800000000", email="")
    again = services.submit(user=applicant)
    assert again.id == application.id and again.status == ApplicationStatus.SUBMITTED
    services.reject(application=again, actor=staff, reason="资质不符合要求")
    assert inst.status == RecordStatus.REJECTED and not inst.is_published
    with pytest.raises(errors.AlreadyDecided):
        services.approve(application=again, actor=staff)


def test_credit_code_rules(db_session, vocab):
    existing = factories.institution()
    applicant = factories.user(role="institution")
    with pytest.raises(errors.CreditCodeTaken):
        services.save_identity(user=applicant, name="x", credit_code=existing.credit_code,
                               region=vocab.region("站前区"), description="d" * 30)
    with pytest.raises(errors.CreditCodeRefused):
        services.save_identity(user=applicant, name="x", credit_code="91210800MA0XXXXXX1",
                               region=vocab.region("站前区"), description="d" * 30)
    assert db_session.exec(select(Institution).where(Institution.name == "x")).first() is None


def test_only_institution_users_apply(db_session, vocab):
    with pytest.raises(NotAllowed):
        services.save_identity(user=factories.user(role="enterprise"), name="x", credit_code=factories.credit_code(),
                               region=vocab.region("站前区"), description="d" * 30)


def test_apply_through_the_pages(client, auth, db_session, search_backend):
    from search.drain import run_drain
    from search.queries import SearchParams
    from search.service import search

    vocab = Vocabulary()
    auth.login("institution")
    code = factories.credit_code()
    r = client.post("/apply/identity", data={"name": "营口页面申请检测有限公司", "credit_code": code.lower(),
                                             "region": vocab.region("鲅鱼圈区").id, "founded_year": "2015",
                                             "description": "提供金属材料理化检测和无损检测服务，具备CMA资质。"})
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    bad = client.post("/apply/services", data={})
    assert bad.status_code == 422
    r = client.post("/apply/services", data={"categories": [vocab.category("产品检验检测").id],
                                             "industries": [vocab.industry("钢铁").id], "qualifications": "CMA资质认定证书"})
    assert r.status_code == 302
    bad = client.post("/apply/offerings", data={"offering-title": "x", "offering-category": vocab.category("产品检验检测").id,
                                                "offering-fee_model": "fixed", "offering-price_min": "500",
                                                "offering-price_max": "100"})
    assert bad.status_code == 422
    r = client.post("/apply/offerings", data={"offering-title": "金属材料力学性能检测",
                                              "offering-category": vocab.category("产品检验检测").id,
                                              "offering-fee_model": "fixed", "offering-price_min": "300",
                                              "offering-price_max": "800"})
    assert r.status_code == 302
    r = client.post("/apply/contacts", data={"contact_name": "赵工", "contact_phone": "0417-6200000"})
    assert r.status_code == 302
    r = client.post("/apply/review")
    assert r.status_code == 302
    assert "审核" in client.get("/apply/review").get_data(as_text=True)
    application = db_session.exec(select(Application)).one()
    auth.logout()
    auth.login("staff")
    queue = client.get("/admin/applications").get_data(as_text=True)
    assert "营口页面申请检测有限公司" in queue
    assert client.post(f"/admin/applications/{application.id}/reject", data={"reason": ""}).status_code == 422
    r = client.post(f"/admin/applications/{application.id}/approve", data={"reason": ""})
    assert r.status_code == 302
    run_drain(search=search_backend)
    names = [h["name"] for h in search(SearchParams(q="页面申请", type="institution")).hits]
    assert names == ["营口页面申请检测有限公司"]
