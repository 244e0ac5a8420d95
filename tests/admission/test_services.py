"""Admission (入库): apply section by section, submit, staff approve / reject / request changes."""

import pytest
from sqlmodel import select

from directory.admission import services
from directory.admission.models import Application, ApplicationStatus
from directory.audit.models import AuditLog
from directory.core.errors import AlreadyExists, InvalidInput, NotAllowed
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
    with pytest.raises(InvalidInput):
        services.submit(user=applicant)
    assert {m.section for m in services.missing(services.my_institution(applicant))} == {
        "identity", "services", "offerings", "contacts"}


def test_changes_requested_then_resubmitted(db_session, vocab):
    applicant, staff = factories.user(role="institution"), factories.user(role="staff")
    inst = complete_application(applicant, vocab)
    application = services.submit(user=applicant)
    with pytest.raises(NotAllowed):  # locked while under review
        services.save_contacts(user=applicant, contact_name="x", contact_phone="13800000000", email="")
    with pytest.raises(InvalidInput):
        services.request_changes(application=application, actor=staff, comments="  ")
    services.request_changes(application=application, actor=staff, comments="请补充资质证书编号")
    assert inst.status == RecordStatus.CHANGES_REQUESTED
    services.save_contacts(user=applicant, contact_name="李经理", contact_phone="13800000000", email="")
    again = services.submit(user=applicant)
    assert again.id == application.id and again.status == ApplicationStatus.SUBMITTED
    services.reject(application=again, actor=staff, reason="资质不符合要求")
    assert inst.status == RecordStatus.REJECTED and not inst.is_published
    with pytest.raises(InvalidInput):
        services.approve(application=again, actor=staff)  # already decided


def test_credit_code_rules(db_session, vocab):
    existing = factories.institution()
    applicant = factories.user(role="institution")
    with pytest.raises(AlreadyExists):
        services.save_identity(user=applicant, name="x", credit_code=existing.credit_code,
                               region=vocab.region("站前区"), description="d" * 30)
    with pytest.raises(InvalidInput):
        services.save_identity(user=applicant, name="x", credit_code="91210800MA0XXXXXX1",
                               region=vocab.region("站前区"), description="d" * 30)
    assert db_session.exec(select(Institution).where(Institution.name == "x")).first() is None


def test_only_institution_users_apply(db_session, vocab):
    with pytest.raises(NotAllowed):
        services.save_identity(user=factories.user(role="enterprise"), name="x", credit_code=factories.credit_code(),
                               region=vocab.region("站前区"), description="d" * 30)


def test_apply_through_the_pages(client, auth, db_session, search_backend):
    from search.queries import SearchParams
    from search.service import search
    from search.sync import drain

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
    drain(search=search_backend)
    names = [h["name"] for h in search(SearchParams(q="页面申请", type="institution")).hits]
    assert names == ["营口页面申请检测有限公司"]


def test_suspend_reinstate_remove_with_reasons(db_session, search_backend):
    from directory.evaluation.models import ScreeningAction
    from search.queries import SearchParams
    from search.service import search
    from search.sync import drain

    staff = factories.user(role="staff")
    inst = factories.institution(name="营口暂停测试有限公司")
    owner = factories.user(role="institution", institution_id=inst.id)
    drain(search=search_backend)
    with pytest.raises(InvalidInput):
        services.change_status(institution=inst, action="suspend", reason=" ", actor=staff)
    with pytest.raises(InvalidInput):
        services.change_status(institution=inst, action="reinstate", reason="x", actor=staff)
    with pytest.raises(NotAllowed):
        services.change_status(institution=inst, action="suspend", reason="x", actor=owner)
    services.change_status(institution=inst, action="suspend", reason="投诉核查中", actor=staff)
    drain(search=search_backend)
    assert search(SearchParams(q="暂停测试")).hits == []
    services.change_status(institution=inst, action="reinstate", reason="核查完毕", actor=staff)
    services.change_status(institution=inst, action="remove", reason="不再经营", actor=staff)
    assert inst.status == RecordStatus.REMOVED
    assert db_session.get(Institution, inst.id) is not None  # kept in the database
    kinds = [a.kind for a in db_session.exec(select(ScreeningAction).where(ScreeningAction.institution_id == inst.id))]
    assert kinds == ["suspend", "reinstate", "remove"]
    told = [n.kind for n in db_session.exec(select(Notification).where(Notification.user_id == owner.id))]
    assert told == ["institution.suspend", "institution.reinstate", "institution.remove"]


def test_stale_records_and_monthly_reminders(db_session):
    from datetime import timedelta

    from directory.core.time import utcnow

    old = factories.institution(name="营口陈旧信息有限公司")
    fresh = factories.institution()
    owner = factories.user(role="institution", institution_id=old.id)
    old.confirmed_at = utcnow() - timedelta(days=400)
    db_session.flush()
    assert services.stale_institutions().items == [old]
    assert fresh not in services.stale_institutions()
    assert services.remind_stale() == 1
    assert services.remind_stale() == 0  # not again within a month
    assert services.remind_stale(now=utcnow() + timedelta(days=31)) == 1
    services.confirm_current(institution=old, user=owner)
    assert services.stale_institutions().items == []
    with pytest.raises(NotAllowed):
        services.confirm_current(institution=fresh, user=owner)


def test_staff_change_status_from_the_detail_page(client, auth, db_session):
    inst = factories.institution()
    auth.login("staff")
    page = client.get(f"/institutions/{inst.id}").get_data(as_text=True)
    assert 'id="status-form"' in page
    r = client.post(f"/admin/institutions/{inst.id}/status", data={"action": "suspend", "reason": "资料过期"})
    assert r.status_code == 302
    auth.logout()
    assert client.get(f"/institutions/{inst.id}").status_code == 404  # off the public site


def _edit(inst, **overrides):
    vocab = Vocabulary()
    data = dict(name=inst.name, credit_code=inst.credit_code, categories=list(inst.categories),
                qualifications=list(inst.qualifications), description=inst.description, region=inst.region,
                industries=list(inst.industries), coverage=list(inst.coverage), contact_name="王经理",
                contact_phone="0417-2800000", email="", address=inst.address, postal_code=inst.postal_code,
                website=inst.website, founded_year=inst.founded_year, staff_count=inst.staff_count)
    data.update({k: (v(vocab) if callable(v) else v) for k, v in overrides.items()})
    return services.ProfileEdit(**data)


def test_descriptive_edits_go_live_key_edits_wait_for_review(db_session, search_backend):
    from search.queries import SearchParams
    from search.service import search
    from search.sync import drain

    inst = factories.institution(name="营口原名称有限公司", categories=("专利代理",))
    owner = factories.user(role="institution", institution_id=inst.id)
    staff = factories.user(role="staff")
    new_code = factories.credit_code()
    request = services.edit_profile(institution=inst, user=owner, data=_edit(
        inst, name="营口新名称有限公司", credit_code=new_code, description="更新后的简介：专注发明专利与商标代理服务。",
        categories=lambda v: [v.category("商标代理")])).pending
    assert inst.description.startswith("更新后的简介")  # live
    assert inst.name == "营口原名称有限公司" and inst.credit_code != new_code  # waiting
    assert {f for f, _old, _new in services.change_diff(request)} == {"name", "credit_code", "categories"}
    assert dict((f, (o, n)) for f, o, n in services.change_diff(request))["categories"] == ("专利代理", "商标代理")
    drain(search=search_backend)
    assert [h["name"] for h in search(SearchParams(q="原名称", type="institution")).hits] == ["营口原名称有限公司"]
    services.decide_change(request=request, actor=staff, approve=True)
    assert inst.name == "营口新名称有限公司" and inst.credit_code == new_code
    assert [c.name for c in inst.categories] == ["商标代理"]
    drain(search=search_backend)
    assert [h["name"] for h in search(SearchParams(q="新名称", type="institution")).hits] == ["营口新名称有限公司"]
    with pytest.raises(InvalidInput):
        services.decide_change(request=request, actor=staff, approve=True)


def test_rejected_change_needs_a_reason_and_changes_nothing(db_session):
    inst = factories.institution(name="营口保持原名有限公司")
    owner = factories.user(role="institution", institution_id=inst.id)
    staff = factories.user(role="staff")
    request = services.edit_profile(institution=inst, user=owner, data=_edit(inst, name="营口想改名有限公司")).pending
    with pytest.raises(InvalidInput):
        services.decide_change(request=request, actor=staff, approve=False, reason="")
    services.decide_change(request=request, actor=staff, approve=False, reason="营业执照名称未变更")
    assert inst.name == "营口保持原名有限公司" and request.status == "rejected"


def test_only_the_owner_edits_and_no_change_request_for_descriptive_edits(db_session):
    inst = factories.institution()
    stranger = factories.user(role="institution")
    with pytest.raises(NotAllowed):
        services.edit_profile(institution=inst, user=stranger, data=_edit(inst))
    owner = factories.user(role="institution", institution_id=inst.id)
    assert services.edit_profile(institution=inst, user=owner, data=_edit(inst, description="只改简介的内容，足够长的描述。")).pending is None
    assert services.pending_changes().items == []


def test_profile_and_change_review_pages(client, auth, db_session):
    vocab = Vocabulary()
    inst = factories.institution(name="营口页面改名前有限公司", categories=("专利代理",))
    auth.login("institution", institution_id=inst.id)
    assert client.get("/my/institution").status_code == 200
    r = client.post("/my/institution", data={
        "name": "营口页面改名后有限公司", "credit_code": inst.credit_code, "region": inst.region_id,
        "description": "为中小企业提供专利申请和商标注册代理服务。", "categories": [vocab.category("专利代理").id],
        "contact_name": "王经理", "contact_phone": "0417-2800000"})
    assert r.status_code == 302
    auth.logout()
    auth.login("staff")
    listing = client.get("/admin/changes").get_data(as_text=True)
    assert "营口页面改名前有限公司" in listing
    request = services.pending_changes()[0]
    page = client.get(f"/admin/changes/{request.id}").get_data(as_text=True)
    assert "营口页面改名后有限公司" in page and "<del" in page
    assert client.post(f"/admin/changes/{request.id}", data={"decision": "approve"}).status_code == 302
    db_session.expire_all()
    assert db_session.get(Institution, inst.id).name == "营口页面改名后有限公司"


def test_expert_application_in_the_same_queue(db_session, search_backend):
    from directory.admission import experts
    from directory.experts.models import Expert
    from search.queries import SearchParams
    from search.service import search
    from search.sync import drain

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
    drain(search=search_backend)
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


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def test_certificates_are_checked_stored_and_served_only_to_owner_and_staff(client, auth, db_session):
    import io

    inst = factories.institution(admit=False)
    auth.login("institution", institution_id=inst.id)
    fake = client.post(f"/institutions/{inst.id}/attachments",
                       data={"certificate": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "证书.pdf"), "next": "/apply/services"},
                       content_type="multipart/form-data")
    assert fake.status_code == 303  # refused by content, whatever the name says
    r = client.post(f"/institutions/{inst.id}/attachments",
                    data={"certificate": (io.BytesIO(PDF), "专利代理机构执业许可证.pdf"), "next": "/apply/services"},
                    content_type="multipart/form-data")
    assert r.status_code == 302 and r.location == "/apply/services"
    from directory.admission.models import Attachment

    attachment = db_session.exec(select(Attachment)).one()
    assert attachment.filename == "专利代理机构执业许可证.pdf" and attachment.content_type == "application/pdf"
    assert client.get(f"/attachments/{attachment.id}").data == PDF
    assert "专利代理机构执业许可证.pdf" in client.get("/apply/services").get_data(as_text=True)
    auth.logout()
    assert client.get(f"/attachments/{attachment.id}").status_code == 302  # log in first
    auth.login("institution")  # another institution's user
    assert client.get(f"/attachments/{attachment.id}").status_code == 404
    auth.logout()
    auth.login("staff")
    assert client.get(f"/attachments/{attachment.id}").data == PDF


def test_certificate_size_limit(db_session):
    from directory.admission import attachments

    inst = factories.institution(admit=False)
    owner = factories.user(role="institution", institution_id=inst.id)
    with pytest.raises(InvalidInput):
        attachments.add(institution=inst, user=owner, filename="big.pdf", data=PDF + b"0" * attachments.MAX_SIZE)
    with pytest.raises(NotAllowed):
        attachments.add(institution=inst, user=factories.user(role="institution"), filename="x.pdf", data=PDF)
    assert attachments.sniff(b"\x89PNG\r\n\x1a\n....") == "image/png"


def test_admitted_expert_keeps_the_profile_current(db_session, search_backend):
    from directory.admission import experts
    from search.queries import SearchParams
    from search.service import search
    from search.sync import drain

    expert = factories.expert(name="周明", expertise=("跨境电商",), phone="13900009999")
    user = factories.user(role="expert", expert_id=expert.id)
    experts.save_profile(user=user, name="周明", title="高级经济师", organization="", region=None,
                         bio="长期为外贸企业提供跨境电商和RCEP原产地规则咨询。", expertise=["跨境电商", "RCEP原产地规则"],
                         categories=list(expert.categories), industries=[], phone="13900009999", email="")
    assert expert.is_published and "RCEP原产地规则" in expert.expertise
    drain(search=search_backend)
    assert [h["name"] for h in search(SearchParams(q="原产地规则", type="expert")).hits] == ["周明"]
