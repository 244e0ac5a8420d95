"""Staff decide many screening proposals with one reason: all or nothing, audited and told per record."""

import pytest
from sqlmodel import select

from directory.audit.models import AuditLog
from directory.core.errors import InvalidInput, NotAllowed
from directory.evaluation import screening, services
from directory.evaluation.models import ScreeningAction
from directory.institutions.models import Institution, RecordStatus
from directory.notifications.models import Notification
from tests import factories


@pytest.fixture
def proposals(db_session):
    """Three proposals of one period: two warnings and a suspension, each institution with one user."""
    from directory.core.time import utcnow

    period = services.open_period(code="2026Q2")
    period.computed_at = utcnow()  # as a run leaves it: the page shows its proposals
    actions = []
    for kind in ("warn", "warn", "suspend"):
        inst = factories.institution()
        factories.user(role="institution", institution_id=inst.id)
        action = ScreeningAction(institution_id=inst.id, period_id=period.id, kind=kind, status="proposed",
                                 reason="grade_d")
        db_session.add(action)
        actions.append(action)
    db_session.flush()
    return period, actions


def _statuses(session, actions):
    for a in actions:
        session.refresh(a)
    return [a.status for a in actions]


def test_confirm_the_chosen_with_one_reason_audited_and_told_per_record(db_session, proposals):
    period, actions = proposals
    staff = factories.user(role="staff")
    owner = factories.user(role="institution")
    with pytest.raises(NotAllowed):
        screening.decide_many(user=owner, period=period, action_ids=[actions[0].id], confirm=True, reason="x")
    with pytest.raises(InvalidInput):
        screening.decide_many(user=staff, period=period, action_ids=[actions[0].id], confirm=True, reason=" ")
    with pytest.raises(InvalidInput):
        screening.decide_many(user=staff, period=period, action_ids=[], confirm=True, reason="x")
    n = screening.decide_many(user=staff, period=period, action_ids=[actions[0].id, actions[2].id], confirm=True,
                              reason="本季度考核为D级")
    assert n == 2 and _statuses(db_session, actions) == ["confirmed", "proposed", "confirmed"]
    assert {a.decision_reason for a in (actions[0], actions[2])} == {"本季度考核为D级"}
    suspended = db_session.get(Institution, actions[2].institution_id)
    assert suspended.status == RecordStatus.SUSPENDED
    audited = db_session.exec(select(AuditLog.entity_id).where(AuditLog.action == "screening.confirmed")).all()
    assert sorted(audited) == sorted([actions[0].institution_id, actions[2].institution_id])
    told = db_session.exec(select(Notification.kind).where(Notification.body == "本季度考核为D级")).all()
    assert sorted(told) == ["screening.suspend", "screening.warn"]


def test_a_batch_with_a_decided_or_foreign_proposal_decides_nothing(db_session, proposals):
    period, actions = proposals
    staff = factories.user(role="staff")
    screening.decide(user=staff, action=actions[1], confirm=False, reason="情况已说明")
    with pytest.raises(InvalidInput):
        screening.decide_many(user=staff, period=period, action_ids=[actions[0].id, actions[1].id], confirm=True,
                              reason="x")
    other = services.open_period(code="2026Q3")
    with pytest.raises(InvalidInput):
        screening.decide_many(user=staff, period=other, action_ids=[actions[0].id], confirm=True, reason="x")
    assert _statuses(db_session, actions) == ["proposed", "rejected", "proposed"]


def test_the_period_page_rejects_every_waiting_proposal_or_none(client, auth, db_session, proposals):
    period, actions = proposals
    auth.login("staff")
    page = client.get(f"/admin/evaluation/{period.code}").get_data(as_text=True)
    assert 'id="bulk-form"' in page and page.count('name="action_ids"') == 3
    url = f"/admin/evaluation/{period.code}/actions/reject"
    # One unknown id in the batch: refused as a whole, nothing decided.
    r = client.post(url, data={"reason": "x", "action_ids": [str(actions[0].id), "999999"]})
    assert r.status_code == 302 and _statuses(db_session, actions) == ["proposed"] * 3
    assert client.post(url, data={"action_ids": [str(actions[0].id)]}).status_code == 303  # no reason
    r = client.post(url, data={"reason": "数据有误，不予处理", "all_waiting": "y"}, follow_redirects=True)
    assert r.status_code == 200 and _statuses(db_session, actions) == ["rejected"] * 3
    assert "3" in r.get_data(as_text=True)
