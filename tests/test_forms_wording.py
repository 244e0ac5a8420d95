"""Forms and wording (issue 16, item 4): every multi-choice field is a searchable picker over its <select>,
dropdowns look like dropdowns, Tom Select is served from this site, and the labels say the right thing."""

import re

from directory.admission import change_requests
from tests import factories
from tests.admission.test_change_requests import _edit


def _tag(page, field_id):
    return re.search(rf'<select[^>]*id="{field_id}"[^>]*>', page).group(0)


def test_multi_choice_fields_are_pickers_and_dropdowns_look_like_dropdowns(client, auth, db_session):
    inst = factories.institution()
    auth.login("institution", institution_id=inst.id)
    page = client.get("/my/institution").get_data(as_text=True)
    for name in ("categories", "industries", "coverage"):
        tag = _tag(page, name)
        assert "multiple" in tag and "data-picker" in tag and "form-select" in tag, tag
        assert 'data-placeholder="输入关键词搜索，或直接选择"' in tag
    region = _tag(page, "region")
    assert "form-select" in region and "data-picker" not in region and "form-control" not in region
    assert "vendor/tom-select/tom-select.complete.min.js" in page and "tom-select.bootstrap5.min.css" in page
    served = client.get("/static/vendor/tom-select/tom-select.complete.min.js")  # from this site: no CDN
    served.close()
    assert served.status_code == 200


def test_event_pickers_cover_categories_industries_and_unavailable_slots(client, auth, db_session):
    from tests.events.helpers import make_event

    auth.login("staff")
    page = client.get("/admin/events/new").get_data(as_text=True)
    assert "data-picker" in _tag(page, "categories") and "data-picker" in _tag(page, "industries")
    event = make_event(factories.user(role="staff"))
    auth.logout()
    auth.login("enterprise", enterprise_id=factories.enterprise().id)
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "data-picker" in _tag(page, "unavailable")
    assert "报名参加本活动" in page and ">注册<" not in page.split('id="register-form"')[1].split("</form>")[0]


def test_labels_say_what_they_mean(client, auth, db_session):
    enterprise = factories.enterprise()
    need = factories.demand(enterprise_obj=enterprise)
    auth.login("enterprise", enterprise_id=enterprise.id)
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "待响应" in page and ">打开<" not in page
    done = factories.engagement(enterprise_obj=enterprise, status="completed")
    page = client.get(f"/engagements/{done.id}").get_data(as_text=True)
    assert '<h2 class="h5">评价</h2>' in page
    auth.logout()

    inst = factories.institution(name="营口变更前名称有限公司")
    owner = factories.user(role="institution", institution_id=inst.id)
    request = change_requests.edit_profile(institution=inst, user=owner,
                                           data=_edit(inst, name="营口变更后名称有限公司")).pending
    auth.login("staff")
    page = client.get(f"/admin/changes/{request.id}").get_data(as_text=True)
    assert "批准变更" in page and "批准入库" not in page
    auth.logout()
    client.post("/login", data={"login": owner.email, "password": factories.PASSWORD})
    banner = client.get("/my/institution").get_data(as_text=True).split('id="pending-change"')[1].split("</div>")[0]
    assert "机构名称" in banner and "name" not in re.sub(r"<[^>]+>", "", banner)  # the field's label, not its name
