"""Edits after admission: descriptive fields go live, key fields wait for staff review with a diff."""

import pytest

from directory.admission import change_requests, errors
from directory.core.errors import NotAllowed
from directory.institutions.models import Institution
from directory.taxonomy.services import Vocabulary
from tests import factories


def _edit(inst, **overrides):
    vocab = Vocabulary()
    data = dict(name=inst.name, credit_code=inst.credit_code, categories=list(inst.categories),
                qualifications=list(inst.qualifications), description=inst.description, region=inst.region,
                industries=list(inst.industries), coverage=list(inst.coverage), contact_name="王经理",
                contact_phone="0417-2800000", email="", address=inst.address, postal_code=inst.postal_code,
                website=inst.website, founded_year=inst.founded_year, staff_count=inst.staff_count)
    data.update({k: (v(vocab) if callable(v) else v) for k, v in overrides.items()})
    return change_requests.ProfileEdit(**data)


def test_descriptive_edits_go_live_key_edits_wait_for_review(db_session, search_backend):
    from search.drain import run_drain
    from search.queries import SearchParams
    from search.service import search

    inst = factories.institution(name="营口原名称有限公司", categories=("专利代理",))
    owner = factories.user(role="institution", institution_id=inst.id)
    staff = factories.user(role="staff")
    new_code = factories.credit_code()
    request = change_requests.edit_profile(institution=inst, user=owner, data=_edit(
        inst, name="营口新名称有限公司", credit_code=new_code, description="更新后的简介：专注发明专利与商标代理服务。",
        categories=lambda v: [v.category("商标代理")])).pending
    assert inst.description.startswith("更新后的简介")  # live
    assert inst.name == "营口原名称有限公司" and inst.credit_code != new_code  # waiting
    assert {f for f, _old, _new in change_requests.change_diff(request)} == {"name", "credit_code", "categories"}
    assert dict((f, (o, n)) for f, o, n in change_requests.change_diff(request))["categories"] == ("专利代理", "商标代理")
    run_drain(search=search_backend)
    assert [h["name"] for h in search(SearchParams(q="原名称", type="institution")).hits] == ["营口原名称有限公司"]
    change_requests.decide_change(request=request, actor=staff, approve=True)
    assert inst.name == "营口新名称有限公司" and inst.credit_code == new_code
    assert [c.name for c in inst.categories] == ["商标代理"]
    run_drain(search=search_backend)
    assert [h["name"] for h in search(SearchParams(q="新名称", type="institution")).hits] == ["营口新名称有限公司"]
    with pytest.raises(errors.AlreadyDecided):
        change_requests.decide_change(request=request, actor=staff, approve=True)


def test_rejected_change_needs_a_reason_and_changes_nothing(db_session):
    inst = factories.institution(name="营口保持原名有限公司")
    owner = factories.user(role="institution", institution_id=inst.id)
    staff = factories.user(role="staff")
    request = change_requests.edit_profile(institution=inst, user=owner, data=_edit(inst, name="营口想改名有限公司")).pending
    with pytest.raises(errors.ReasonRequired):
        change_requests.decide_change(request=request, actor=staff, approve=False, reason="")
    change_requests.decide_change(request=request, actor=staff, approve=False, reason="营业执照名称未变更")
    assert inst.name == "营口保持原名有限公司" and request.status == "rejected"


def test_only_the_owner_edits_and_no_change_request_for_descriptive_edits(db_session):
    inst = factories.institution()
    stranger = factories.user(role="institution")
    with pytest.raises(NotAllowed):
        change_requests.edit_profile(institution=inst, user=stranger, data=_edit(inst))
    owner = factories.user(role="institution", institution_id=inst.id)
    assert change_requests.edit_profile(institution=inst, user=owner, data=_edit(inst, description="只改简介的内容，足够长的描述。")).pending is None
    assert change_requests.pending_changes().items == []


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
    request = change_requests.pending_changes()[0]
    page = client.get(f"/admin/changes/{request.id}").get_data(as_text=True)
    assert "营口页面改名后有限公司" in page and "<del" in page
    assert client.post(f"/admin/changes/{request.id}", data={"decision": "approve"}).status_code == 302
    db_session.expire_all()
    assert db_session.get(Institution, inst.id).name == "营口页面改名后有限公司"
