"""Several accounts per institution: invitations by e-mail."""

from datetime import timedelta

import pytest
from sqlmodel import select

from directory.accounts import invitations
from directory.accounts.models import Invitation, User
from directory.core.errors import InvalidInput, NotAllowed, NotFound
from directory.core.time import utcnow
from tests import factories


def test_staff_invite_a_colleague_who_joins(client, auth, db_session, caplog):
    inst = factories.institution(name="营口邀请测试有限公司")
    auth.login("staff")
    with caplog.at_level("INFO"):
        r = client.post(f"/institutions/{inst.id}/invitations", data={"email": "Colleague@Example.cn"})
    assert r.status_code == 302
    invitation = db_session.exec(select(Invitation)).one()
    assert invitation.email == "colleague@example.cn"
    assert f"/invite/{invitation.token}" in caplog.text  # e-mailed (logged without SMTP)
    auth.logout()
    assert client.get(f"/invite/{invitation.token}").status_code == 302  # log in first
    colleague = auth.login("institution")
    assert "营口邀请测试有限公司" in client.get(f"/invite/{invitation.token}").get_data(as_text=True)
    assert client.post(f"/invite/{invitation.token}").status_code == 302
    db_session.expire_all()
    assert db_session.get(User, colleague.id).institution_id == inst.id
    assert client.get(f"/invite/{invitation.token}").status_code == 404  # used


def test_invitation_rules(db_session):
    inst = factories.institution()
    owner = factories.user(role="institution", institution_id=inst.id)
    with pytest.raises(NotAllowed):
        invitations.invite(institution=inst, email="x@example.cn", actor=factories.user(role="enterprise"))
    with pytest.raises(InvalidInput):
        invitations.invite(institution=inst, email="not-an-email", actor=owner)
    invitation = invitations.invite(institution=inst, email="x@example.cn", actor=owner)  # owners invite too
    with pytest.raises(NotAllowed):
        invitations.accept(token=invitation.token, user=factories.user(role="expert"))
    elsewhere = factories.user(role="institution", institution_id=factories.institution().id)
    with pytest.raises(InvalidInput):
        invitations.accept(token=invitation.token, user=elsewhere)
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(NotFound):
        invitations.accept(token=invitation.token, user=factories.user(role="institution"))
