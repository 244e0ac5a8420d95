"""Staff suspend, reinstate and remove admitted institutions, always with a reason; off the public site at once."""

import pytest
from sqlmodel import select

from directory.admission import errors, status_changes
from directory.core.errors import NotAllowed
from directory.institutions.models import Institution, RecordStatus
from directory.notifications.models import Notification
from tests import factories


def test_suspend_reinstate_remove_with_reasons(db_session, search_backend):
    from directory.evaluation.models import ScreeningAction
    from search.drain import run_drain
    from search.queries import SearchParams
    from search.service import search

    staff = factories.user(role="staff")
    inst = factories.institution(name="营口暂停测试有限公司")
    owner = factories.user(role="institution", institution_id=inst.id)
    run_drain(search=search_backend)
    with pytest.raises(errors.ReasonRequired):
        status_changes.change_status(institution=inst, action="suspend", reason=" ", actor=staff)
    with pytest.raises(errors.StatusForbidsAction):
        status_changes.change_status(institution=inst, action="reinstate", reason="x", actor=staff)
    with pytest.raises(NotAllowed):
        status_changes.change_status(institution=inst, action="suspend", reason="x", actor=owner)
    status_changes.change_status(institution=inst, action="suspend", reason="投诉核查中", actor=staff)
    run_drain(search=search_backend)
    assert search(SearchParams(q="暂停测试")).hits == []
    status_changes.change_status(institution=inst, action="reinstate", reason="核查完毕", actor=staff)
    status_changes.change_status(institution=inst, action="remove", reason="不再经营", actor=staff)
    assert inst.status == RecordStatus.REMOVED
    assert db_session.get(Institution, inst.id) is not None  # kept in the database
    kinds = [a.kind for a in db_session.exec(select(ScreeningAction).where(ScreeningAction.institution_id == inst.id))]
    assert kinds == ["suspend", "reinstate", "remove"]
    told = [n.kind for n in db_session.exec(select(Notification).where(Notification.user_id == owner.id))]
    assert told == ["institution.suspend", "institution.reinstate", "institution.remove"]


def test_staff_change_status_from_the_detail_page(client, auth, db_session):
    inst = factories.institution()
    auth.login("staff")
    page = client.get(f"/institutions/{inst.id}").get_data(as_text=True)
    assert 'id="status-form"' in page
    r = client.post(f"/admin/institutions/{inst.id}/status", data={"action": "suspend", "reason": "资料过期"})
    assert r.status_code == 302
    auth.logout()
    assert client.get(f"/institutions/{inst.id}").status_code == 404  # off the public site


def test_an_expert_is_suspended_reinstated_and_removed_like_an_institution(db_session, search_backend):
    from directory.audit.models import AuditLog
    from directory.notifications.topics import topic_of
    from search.drain import run_drain
    from search.queries import SearchParams
    from search.service import search

    staff = factories.user(role="staff")
    expert = factories.expert(name="暂停测试专家", expertise=("暂停测试领域",))
    own = factories.user(role="expert", expert_id=expert.id)
    run_drain(search=search_backend)
    assert [h["id"] for h in search(SearchParams(q="暂停测试领域", type="expert")).hits] == [expert.id]
    with pytest.raises(errors.ReasonRequired):
        status_changes.change_expert_status(expert=expert, action="suspend", reason=" ", actor=staff)
    with pytest.raises(errors.StatusForbidsAction):
        status_changes.change_expert_status(expert=expert, action="reinstate", reason="x", actor=staff)
    with pytest.raises(NotAllowed):  # the expert cannot lift or set its own status
        status_changes.change_expert_status(expert=expert, action="suspend", reason="x", actor=own)
    status_changes.change_expert_status(expert=expert, action="suspend", reason="投诉核查中", actor=staff)
    assert expert.status == RecordStatus.SUSPENDED and not expert.is_published
    run_drain(search=search_backend)
    assert search(SearchParams(q="暂停测试领域", type="expert")).hits == []
    status_changes.change_expert_status(expert=expert, action="reinstate", reason="核查完毕", actor=staff)
    run_drain(search=search_backend)
    assert [h["id"] for h in search(SearchParams(q="暂停测试领域", type="expert")).hits] == [expert.id]
    status_changes.change_expert_status(expert=expert, action="remove", reason="不再执业", actor=staff)
    assert expert.status == RecordStatus.REMOVED
    audited = db_session.exec(select(AuditLog).where(AuditLog.entity_type == "expert",
                                                       AuditLog.entity_id == expert.id)
                              .order_by(AuditLog.id)).all()
    assert [(a.action, a.actor_id, a.changes["reason"]) for a in audited if a.action.split(".")[1] in status_changes.STATUS_ACTIONS] == [
        ("expert.suspend", staff.id, "投诉核查中"), ("expert.reinstate", staff.id, "核查完毕"),
        ("expert.remove", staff.id, "不再执业")]
    told = db_session.exec(select(Notification).where(Notification.user_id == own.id)).all()
    assert [(n.kind, n.body) for n in told] == [("expert.suspend", "投诉核查中"), ("expert.reinstate", "核查完毕"),
                                               ("expert.remove", "不再执业")]
    assert topic_of("expert.suspend") == "listing"  # the expert's listing preferences apply, as an institution's


def test_staff_find_a_suspended_expert_and_reinstate_it_from_the_list(client, auth, db_session):
    from directory.experts.models import Expert

    staff = factories.user(role="staff")
    expert = factories.expert(name="恢复名录专家")
    status_changes.change_expert_status(expert=expert, action="suspend", reason="投诉核查中", actor=staff)
    auth.login("staff")
    url = "/admin/records?kind=experts&status=suspended&q=恢复名录专家"
    page = client.get(url).get_data(as_text=True)
    assert f'id="record-{expert.id}"' in page and f'action="/admin/experts/{expert.id}/status"' in page
    assert 'value="reinstate"' in page and 'value="suspend"' not in page
    # the action and the status come from the rules, not from the form: a suspended expert cannot be suspended
    r = client.post(f"/admin/experts/{expert.id}/status", data={"action": "suspend", "reason": "再次", "next": url})
    assert r.status_code == 303 and db_session.get(Expert, expert.id).status == RecordStatus.SUSPENDED
    r = client.post(f"/admin/experts/{expert.id}/status", data={"action": "reinstate", "reason": "核查完毕", "next": url})
    assert r.status_code == 302 and "/admin/records?kind=experts" in r.headers["Location"]
    db_session.refresh(expert)
    assert expert.status == RecordStatus.ADMITTED
    assert f'id="record-{expert.id}"' not in client.get(url).get_data(as_text=True)
    # from the expert's own page too, and then it is off the public site
    assert 'id="status-form"' in client.get(f"/experts/{expert.id}").get_data(as_text=True)
    r = client.post(f"/admin/experts/{expert.id}/status", data={"action": "suspend", "reason": "资料过期",
                                                              "next": "https://evil.example/"})
    assert r.headers["Location"].endswith(f"/experts/{expert.id}")  # an outside address is not followed
    auth.logout()
    assert client.get(f"/experts/{expert.id}").status_code == 404


def test_nobody_but_staff_changes_an_experts_status(client, auth, db_session):
    from directory.experts.models import Expert

    expert = factories.expert()
    auth.login("expert", expert_id=expert.id)
    assert 'id="status-form"' not in client.get(f"/experts/{expert.id}").get_data(as_text=True)
    r = client.post(f"/admin/experts/{expert.id}/status", data={"action": "suspend", "reason": "自行暂停"})
    assert r.status_code == 403 and db_session.get(Expert, expert.id).status == RecordStatus.ADMITTED
