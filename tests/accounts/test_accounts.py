import pytest
from sqlmodel import select

from directory.accounts import services
from directory.accounts.models import User
from directory.audit.models import AuditLog
from directory.core.errors import AlreadyExists, InvalidInput, NotAllowed
from directory.enterprises.models import Enterprise
from directory.my import registration
from tests import factories


def test_register_enterprise_creates_profile_and_hashes_with_argon2(db_session):
    user = registration.register(role="enterprise", password="marble-ferry-73", display_name="王经理",
                             email="Wang@Example.cn", organization="营口镁晶新材料有限公司",
                             credit_code=factories.credit_code())
    assert user.email == "wang@example.cn"
    assert user.password_hash.startswith("$argon2id$")
    enterprise = db_session.get(Enterprise, user.enterprise_id)
    assert enterprise.name == "营口镁晶新材料有限公司"
    assert db_session.exec(select(AuditLog).where(AuditLog.entity_id == user.id, AuditLog.action == "user.create")).first()


@pytest.mark.parametrize("login", ["wang@example.cn", "WANG@example.cn ", "13812345678", "+86 138 1234 5678"])
def test_authenticate_by_email_or_mobile(db_session, login):
    services.create_user(role="expert", password="marble-ferry-73", display_name="王", email="wang@example.cn",
                         phone="13812345678")
    assert services.authenticate(login=login, password="marble-ferry-73") is not None
    assert services.authenticate(login=login, password="wrong-pass") is None


def test_inactive_user_cannot_log_in(db_session):
    user = services.create_user(role="staff", password="marble-ferry-73", display_name="x", email="s@example.cn")
    user.active = False
    assert services.authenticate(login="s@example.cn", password="marble-ferry-73") is None


def test_unknown_login_returns_none(db_session):
    assert services.authenticate(login="nobody@example.cn", password="whatever-1") is None


def test_duplicates_rejected(db_session):
    services.create_user(role="enterprise", password="marble-ferry-73", display_name="a", email="a@example.cn",
                         phone="13900001111")
    with pytest.raises(AlreadyExists) as exc:
        services.create_user(role="enterprise", password="marble-ferry-73", display_name="b", email="A@example.cn")
    assert exc.value.field == "email"
    with pytest.raises(AlreadyExists):
        services.create_user(role="enterprise", password="marble-ferry-73", display_name="b", phone="13900001111")


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"email": "x@example.cn", "password": "short"}, "password"),
    ({"phone": "12345", "password": "long-enough"}, "phone"),
    ({"password": "long-enough"}, "email"),
    ({"email": "x@example.cn", "password": "long-enough", "role": "superuser"}, "role"),
])
def test_invalid_input(db_session, kwargs, field):
    kwargs.setdefault("role", "enterprise")
    with pytest.raises(InvalidInput) as exc:
        services.create_user(display_name="x", **kwargs)
    assert exc.value.field == field
    assert db_session.exec(select(User)).all() == []


@pytest.mark.parametrize("role", ["admin", "staff"])
def test_staff_roles_cannot_self_register(db_session, role):
    with pytest.raises(NotAllowed):
        registration.register(role=role, password="marble-ferry-73", display_name="x", email="x@example.cn")


def test_admin_changes_roles_but_never_locks_themself_out(db_session):
    from tests import factories

    admin = factories.user(role="admin")
    staff = factories.user(role="staff")
    other = factories.user(role="enterprise")
    services.update_user(user=other, role="staff", active=True, actor=admin)
    assert other.role == "staff"
    services.update_user(user=other, role="staff", active=False, actor=admin)
    assert services.authenticate(login=other.email, password=factories.PASSWORD) is None
    with pytest.raises(NotAllowed):
        services.update_user(user=other, role="admin", active=True, actor=staff)
    with pytest.raises(InvalidInput):
        services.update_user(user=admin, role="staff", active=True, actor=admin)
    with pytest.raises(InvalidInput):
        services.update_user(user=other, role="root", active=True, actor=admin)
    assert {u.id for u in services.list_users(role="staff")} == {staff.id, other.id}
    assert [u.id for u in services.list_users(query=other.email.upper())] == [other.id]
    assert list(services.list_users(query="%")) == [] and list(services.list_users(query="_")) == []  # literal


def test_admin_users_page(client, auth, db_session):
    from tests import factories

    auth.login("admin")
    other = factories.user(role="enterprise", email="someone@example.cn")
    page = client.get("/admin/users?q=someone").get_data(as_text=True)
    assert "someone@example.cn" in page
    response = client.post(f"/admin/users/{other.id}", data={f"u{other.id}-role": "staff", f"u{other.id}-active": "y"})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(User, other.id).role == "staff"
