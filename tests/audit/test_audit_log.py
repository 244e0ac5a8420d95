"""The audit log: logins, logouts, failed logins, password changes and exports of personal data, each with
the client's address; the staff page with its filters and pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from directory.audit import services as audit
from directory.audit.models import AuditLog
from tests import factories

CLIENT = {"REMOTE_ADDR": "203.0.113.9"}


def _entries(session, action):
    return session.exec(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)).all()


def test_logins_logouts_and_failed_logins_are_audited_with_the_client_address(client, db_session):
    user = factories.user(email="who@example.cn")
    client.post("/login", data={"login": "who@example.cn", "password": "wrong-password-1"}, environ_base=CLIENT)
    client.post("/login", data={"login": "nobody@example.cn", "password": "wrong-password-1"}, environ_base=CLIENT)
    client.post("/login", data={"login": "who@example.cn", "password": factories.PASSWORD}, environ_base=CLIENT)
    client.post("/logout", environ_base=CLIENT)
    failed = _entries(db_session, "user.login_failed")  # kept although the answers were refusals (422)
    assert [(e.entity_id, e.actor_id, e.client_address) for e in failed] == [
        (user.id, None, "203.0.113.9"), (None, None, "203.0.113.9")]
    assert failed[0].changes == {"reason": "password"}
    assert failed[1].changes == {"login": "nobody@example.cn", "reason": "unknown"}
    assert not any("wrong-password-1" in str(e.changes) for e in failed)
    for action in ("user.login", "user.logout"):
        [entry] = _entries(db_session, action)
        assert (entry.actor_id, entry.entity_id, entry.client_address) == (user.id, user.id, "203.0.113.9")


def test_a_password_typed_into_the_login_field_is_not_written_down(client, db_session):
    client.post("/login", data={"login": "my-Secret-Passw0rd", "password": "x"}, environ_base=CLIENT)
    [entry] = _entries(db_session, "user.login_failed")
    assert "Secret" not in str(entry.changes)


def test_a_locked_accounts_login_is_a_failure_with_its_reason(client, db_session):
    user = factories.user()
    user.active = False
    db_session.flush()
    assert client.post("/login", data={"login": user.email, "password": factories.PASSWORD}).status_code == 422
    assert _entries(db_session, "user.login_failed")[0].changes == {"reason": "locked"}


def test_the_expert_export_is_audited_with_who_and_how_many_rows(client, auth, db_session):
    factories.expert()
    factories.expert()
    staff = auth.login("staff")
    assert client.get("/admin/export/experts.csv", environ_base=CLIENT).status_code == 200
    [entry] = _entries(db_session, "expert.export")
    assert (entry.actor_id, entry.changes["rows"], entry.client_address) == (staff.id, 2, "203.0.113.9")


def test_the_command_line_export_is_audited(runner, db_session, tmp_path):
    factories.expert()
    result = runner.invoke(args=["export", "experts", str(tmp_path / "experts.xlsx")])
    assert result.exit_code == 0, result.output
    [entry] = _entries(db_session, "expert.export")
    assert entry.actor_id is None and entry.changes["rows"] == 1 and entry.changes["os_user"]
    assert entry.changes["target"].endswith("experts.xlsx") and entry.client_address is None


def _page(client, **params):
    response = client.get("/admin/audit", query_string=params)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_audit_page_filters_by_actor_record_and_date(client, auth, db_session):
    staff = auth.login("staff")
    someone = factories.user(email="someone@example.cn")
    audit.record(actor_id=someone.id, action="test.mine", entity_type="institution", entity_id=41)
    audit.record(actor_id=None, action="test.other-record", entity_type="institution", entity_id=42)
    old = audit.record(actor_id=None, action="test.long-ago", entity_type="expert", entity_id=7)
    old.created_at = datetime(2025, 3, 1, 2, tzinfo=UTC)  # 10:00 on 1 March in Yingkou
    db_session.flush()

    page = _page(client, actor="someone@example.cn")
    assert "test.mine" in page and "test.other-record" not in page and "user.login" not in page
    assert "test.mine" in _page(client, actor=str(someone.id))
    page = _page(client, entity_type="institution", entity_id="42")
    assert "test.other-record" in page and "test.mine" not in page
    page = _page(client, since="2025-03-01", until="2025-03-01")
    assert "test.long-ago" in page and "test.mine" not in page
    assert "test.long-ago" not in _page(client, since="2025-03-02")
    assert "test.long-ago" not in _page(client, until="2025-02-28")
    page = _page(client, actor=staff.email)
    assert "user.login" in page and "127.0.0.1" in page  # the staff member's own login, with its address
    assert "There is no account" in _page(client, actor="nobody@example.cn") or "没有对应" in _page(
        client, actor="nobody@example.cn")
    for nonsense in ({"entity_id": "9" * 30}, {"since": "yesterday"}, {"page": "-1"}, {"page": "１２"}):
        _page(client, **nonsense)  # ignored, never a 500


def test_the_audit_page_is_paged(client, auth, db_session):
    auth.login("staff")
    for n in range(55):
        audit.record(actor_id=None, action=f"test.entry-{n:02d}", entity_type="tag", entity_id=n)
    db_session.flush()
    first = _page(client, entity_type="tag")
    assert first.count('class="audit-entry"') == 50 and 'rel="next"' in first and 'rel="prev"' not in first
    assert "55" in first
    second = _page(client, entity_type="tag", page="2")
    assert second.count('class="audit-entry"') == 5 and 'rel="prev"' in second and 'rel="next"' not in second
    assert "entity_type=tag" in second  # the links keep the filters
    assert _page(client, entity_type="tag", page="999").count('class="audit-entry"') == 5  # past the end: the last


def test_search_service_orders_newest_first_and_counts(db_session):
    for n in range(3):
        entry = audit.record(actor_id=None, action=f"test.{n}", entity_type="tag", entity_id=n)
        entry.created_at = datetime.now(UTC) - timedelta(hours=3 - n)
    db_session.flush()
    page = audit.search(where=audit.AuditFilter(entity_type="tag"), per_page=2)
    assert [e.action for e in page] == ["test.2", "test.1"] and page.total == 3 and page.pages == 2
