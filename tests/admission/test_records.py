"""Staff's list of every record whatever its status: filtered before paging, and a suspended record is found
and reinstated from it."""

from directory.admission.records import RecordFilters, staff_records
from directory.admission.status_changes import change_status
from directory.institutions.models import RecordStatus
from directory.taxonomy.services import Vocabulary
from tests import factories


def test_filters_apply_before_paging(db_session):
    staff = factories.user(role="staff")
    suspended = [factories.institution(name=f"营口暂停名录{n}有限公司") for n in range(3)]
    for inst in suspended:
        change_status(institution=inst, action="suspend", reason="核查", actor=staff)
    factories.institution(name="营口暂停名录在库有限公司")
    pending = factories.institution(name="营口待审名录有限公司", admit=False, region="西市区")
    page = staff_records(RecordFilters(status="suspended", query="暂停名录"), page=1, per_page=2)
    assert page.total == 3 and len(page) == 2 and {r.status for r in page} == {"suspended"}
    assert staff_records(RecordFilters(query="暂停名录"), per_page=50).total == 4  # every status
    assert staff_records(RecordFilters(query=suspended[0].credit_code)).items == [suspended[0]]
    vocab = Vocabulary()
    by_region = staff_records(RecordFilters(query="名录", region_id=vocab.region("西市区").id))
    assert by_region.items == [pending] and pending.status != RecordStatus.ADMITTED
    other = vocab.category("法律服务")
    assert staff_records(RecordFilters(query="名录", category_id=other.id)).total == 0
    assert staff_records(RecordFilters(query="名录", category_id=vocab.category("专利代理").id)).total == 5
    assert staff_records(RecordFilters(query="50%_\\")).total == 0  # LIKE wildcards are matched literally
    expert = factories.expert(name="名录专家", admit=False)
    assert staff_records(RecordFilters(kind="experts", query="名录专家")).items == [expert]


def test_staff_find_a_suspended_institution_and_reinstate_it_from_the_list(client, auth, db_session):
    staff = factories.user(role="staff")
    inst = factories.institution(name="营口恢复名录有限公司")
    change_status(institution=inst, action="suspend", reason="投诉核查中", actor=staff)
    auth.login("staff")
    url = "/admin/records?status=suspended&q=恢复名录"
    page = client.get(url).get_data(as_text=True)
    assert f'id="record-{inst.id}"' in page and 'value="reinstate"' in page and 'value="suspend"' not in page
    r = client.post(f"/admin/institutions/{inst.id}/status",
                    data={"action": "reinstate", "reason": "核查完毕", "next": url})
    assert r.status_code == 302 and "/admin/records?status=suspended" in r.headers["Location"]  # back to the list
    db_session.refresh(inst)
    assert inst.status == RecordStatus.ADMITTED
    assert f'id="record-{inst.id}"' not in client.get(url).get_data(as_text=True)
    # an outside address is not followed
    r = client.post(f"/admin/institutions/{inst.id}/status",
                    data={"action": "suspend", "reason": "再次核查", "next": "https://evil.example/"})
    assert r.headers["Location"].endswith(f"/institutions/{inst.id}")
