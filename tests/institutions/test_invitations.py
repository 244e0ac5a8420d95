"""Several accounts per institution (issue 14, item 8): invitations bound to the invitee's e-mail, only from
admitted institutions, accepted once even when pressed fifty times at once; colleagues seen and removed."""

from datetime import timedelta

import pytest
from sqlmodel import func, select

from directory.accounts.models import User
from directory.audit.models import AuditLog
from directory.core.db import commit_or_rollback
from directory.core.errors import InvalidInput, NotAllowed, NotFound
from directory.core.time import utcnow
from directory.extensions import db
from directory.institutions import invitations
from directory.institutions.models import Invitation
from directory.notifications.models import Notification, OutgoingMail
from tests import factories
from tests.concurrency import at_once, own_database
from tests.conftest import BACKENDS


def test_staff_invite_a_colleague_who_joins(client, auth, db_session):
    inst = factories.institution(name="营口邀请测试有限公司")
    auth.login("staff")
    r = client.post(f"/institutions/{inst.id}/invitations", data={"email": "Colleague@Example.cn"})
    assert r.status_code == 302
    invitation = db_session.exec(select(Invitation)).one()
    assert invitation.email == "colleague@example.cn"
    invite_mail = db_session.exec(select(OutgoingMail).where(OutgoingMail.to_address == "colleague@example.cn")).one()
    assert f"http://127.0.0.1:5000/invite/{invitation.token}" in invite_mail.body  # e-mailed, on SITE_URL
    auth.logout()
    assert client.get(f"/invite/{invitation.token}").status_code == 302  # log in first
    colleague = factories.user(role="institution", email="COLLEAGUE@example.cn")  # the case does not matter
    client.post("/login", data={"login": "colleague@example.cn", "password": factories.PASSWORD})
    assert "营口邀请测试有限公司" in client.get(f"/invite/{invitation.token}").get_data(as_text=True)
    assert client.post(f"/invite/{invitation.token}").status_code == 302
    assert client.post(f"/invite/{invitation.token}").status_code == 302  # a second press changes nothing
    db_session.expire_all()
    assert db_session.get(User, colleague.id).institution_id == inst.id
    assert client.get(f"/invite/{invitation.token}").status_code == 404  # used
    assert db_session.exec(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "institution.join")).one() == 1


def test_the_link_works_only_for_the_invited_address(client, auth, db_session):
    inst = factories.institution()
    owner = factories.user(role="institution", institution_id=inst.id)
    invitation = invitations.invite(institution=inst, email="invited@example.cn", actor=owner)
    intruder = auth.login("institution")  # someone the link was forwarded to
    page = client.get(f"/invite/{invitation.token}").get_data(as_text=True)
    assert 'id="other-email"' in page and 'id="accept-invitation"' not in page
    assert "i******@example.cn" in page and "invited@example.cn" not in page
    assert client.post(f"/invite/{invitation.token}").status_code == 403
    db_session.expire_all()
    assert db_session.get(User, intruder.id).institution_id is None
    assert db_session.get(Invitation, invitation.id).accepted_at is None  # still open for the right person


def test_invitation_rules(db_session):
    inst = factories.institution()
    owner = factories.user(role="institution", institution_id=inst.id)
    with pytest.raises(NotAllowed):
        invitations.invite(institution=inst, email="x@example.cn", actor=factories.user(role="enterprise"))
    with pytest.raises(InvalidInput):
        invitations.invite(institution=inst, email="not-an-email", actor=owner)
    with pytest.raises(InvalidInput):
        invitations.invite(institution=inst, email=owner.email.upper(), actor=owner)  # already a colleague
    invitation = invitations.invite(institution=inst, email="x@example.cn", actor=owner)  # owners invite too
    with pytest.raises(NotAllowed):
        invitations.accept(token=invitation.token, user=factories.user(role="expert"))
    with pytest.raises(NotAllowed):
        invitations.accept(token=invitation.token, user=factories.user(role="institution"))  # another address
    elsewhere = factories.user(role="institution", email="x@example.cn", institution_id=factories.institution().id)
    with pytest.raises(InvalidInput):
        invitations.accept(token=invitation.token, user=elsewhere)
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    elsewhere.institution_id = None
    with pytest.raises(NotFound):
        invitations.accept(token=invitation.token, user=elsewhere)


@pytest.mark.parametrize("status", ["draft", "pending", "suspended"])
def test_only_admitted_institutions_invite(client, auth, db_session, status):
    inst = factories.institution(admit=False)
    inst.status = status
    owner = factories.user(role="institution", institution_id=inst.id)
    with pytest.raises(InvalidInput):
        invitations.invite(institution=inst, email="x@example.cn", actor=owner)
    auth.login("staff")
    response = client.post(f"/institutions/{inst.id}/invitations", data={"email": "x@example.cn"})
    assert response.status_code == 303
    assert db_session.exec(select(func.count()).select_from(Invitation)).one() == 0


def test_the_institutions_users_see_and_remove_colleagues(client, auth, db_session):
    inst = factories.institution()
    first = factories.user(role="institution", institution_id=inst.id, email="first@example.cn")
    second = factories.user(role="institution", institution_id=inst.id, email="second@example.cn")
    invitations.invite(institution=inst, email="third@example.cn", actor=first)
    outsider = factories.user(role="institution", institution_id=factories.institution().id)

    client.post("/login", data={"login": outsider.email, "password": factories.PASSWORD})
    assert 'id="colleagues"' not in client.get(f"/institutions/{inst.id}").get_data(as_text=True)  # public page
    assert client.post(f"/institutions/{inst.id}/colleagues/{second.id}/remove").status_code == 403
    auth.logout()

    client.post("/login", data={"login": first.email, "password": factories.PASSWORD})
    page = client.get(f"/institutions/{inst.id}").get_data(as_text=True)
    assert 'id="colleagues"' in page and "second@example.cn" in page and "third@example.cn" in page
    assert page.count("/remove") == 2  # either of two may go, yourself included
    assert client.post(f"/institutions/{inst.id}/colleagues/{second.id}/remove").status_code == 302
    db_session.expire_all()
    assert db_session.get(User, second.id).institution_id is None
    entry = db_session.exec(select(AuditLog).where(AuditLog.action == "institution.remove_user")).one()
    assert entry.actor_id == first.id and entry.changes == {"user": ["second@example.cn", None]}
    assert db_session.exec(select(Notification).where(Notification.user_id == second.id,
                                                      Notification.kind == "institution.removed")).one()
    # now the last user: no button for yourself, and the rule holds if the form is posted anyway
    page = client.get(f"/institutions/{inst.id}").get_data(as_text=True)
    assert "/remove" not in page
    response = client.post(f"/institutions/{inst.id}/colleagues/{first.id}/remove")
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(User, first.id).institution_id == inst.id
    assert "唯一" in client.get(f"/institutions/{inst.id}").get_data(as_text=True)  # told why, in Chinese
    auth.logout()
    auth.login("staff")  # staff manage every institution's users
    assert client.post(f"/institutions/{inst.id}/colleagues/{first.id}/remove").status_code == 302
    db_session.expire_all()
    assert db_session.get(User, first.id).institution_id is None


@pytest.mark.parametrize("backend", BACKENDS)
def test_fifty_simultaneous_accepts_link_the_account_once(backend, tmp_path, meili):
    """Real commits on a fresh database per backend, one thread and one app context per press of the button."""
    presses = 50
    with own_database(backend, tmp_path, meili, "i") as app:
        with app.app_context():
            with commit_or_rollback(db.session):
                inst = factories.institution()
                owner = factories.user(role="institution", institution_id=inst.id)
                invitee = factories.user(role="institution", email="invitee@example.cn")
                token = invitations.invite(institution=inst, email="Invitee@example.cn", actor=owner).token
                inst_id, invitee_id = inst.id, invitee.id

        def press() -> int:
            with app.app_context():
                with commit_or_rollback(db.session):
                    return invitations.accept(token=token, user=db.session.get_one(User, invitee_id)).id

        answers, errors = at_once([press] * presses)
        assert not errors, errors[:3]
        assert answers == [inst_id] * presses  # every press answers the same
        with app.app_context():
            assert db.session.get_one(User, invitee_id).institution_id == inst_id
            invitation = db.session.exec(select(Invitation).where(Invitation.token == token)).one()
            assert invitation.accepted_by_id == invitee_id
            assert db.session.exec(select(func.count()).select_from(AuditLog).where(
                AuditLog.action == "institution.join")).one() == 1
