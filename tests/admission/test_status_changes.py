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
