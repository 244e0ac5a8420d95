"""The `flask …` commands of CONTRACTS.md, through Flask's CLI runner."""

import csv

from sqlmodel import func, select

from directory.accounts.models import User
from directory.core.creditcode import make_credit_code
from directory.institutions.models import Institution
from directory.taxonomy.models import Category, Industry, Region, Tag
from tests import factories


def count(session, model):
    return session.exec(select(func.count()).select_from(model)).one()


def test_seed_taxonomy_is_idempotent_and_complete(runner, db_session):
    result = runner.invoke(args=["seed", "taxonomy"])
    assert result.exit_code == 0 and "0 created, 0 updated" in result.output  # loaded at session start
    tops = db_session.exec(select(Category).where(Category.parent_id.is_(None))).all()
    assert len(tops) == 15
    assert count(db_session, Industry) == 16
    assert {r.name for r in db_session.exec(select(Region)).all()} >= {"鲅鱼圈区", "全市", "省内/全国", "营口综合保税区"}
    assert count(db_session, Tag) == 8
    bayuquan = db_session.exec(select(Region).where(Region.name == "鲅鱼圈区")).one()
    assert bayuquan.aliases == ["营口经济技术开发区"]


def test_users_create(runner, db_session):
    result = runner.invoke(args=["users", "create", "--role", "staff", "--email", "staff@example.cn",
                                 "--password", "marble-ferry-73"])
    assert result.exit_code == 0, result.output
    assert db_session.exec(select(User).where(User.email == "staff@example.cn")).one().role == "staff"
    again = runner.invoke(args=["users", "create", "--role", "staff", "--email", "staff@example.cn",
                                "--password", "marble-ferry-73"])
    assert again.exit_code != 0 and ("already" in again.output.lower() or "已" in again.output)


def test_users_create_rejects_unknown_role(runner, db_session):
    result = runner.invoke(args=["users", "create", "--role", "root", "--email", "r@example.cn", "--password", "x" * 9])
    assert result.exit_code == 2


def _write(path, rows):
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["机构名称", "统一社会信用代码", "服务类别", "所在区域"])
        w.writerows(rows)
    return path


def test_import_command_reports_rows_and_fails_without_writing(runner, db_session, tmp_path):
    good = ["营口甲有限公司", make_credit_code("91", "210802", "MA0B0C0D"), "代理记账", "站前区"]
    bad = ["营口乙有限公司", "123", "代理记账", "站前区"]
    result = runner.invoke(args=["import", "institutions", str(_write(tmp_path / "x.csv", [good, bad]))])
    assert result.exit_code == 1
    assert "row 3" in result.output and "统一社会信用代码" in result.output
    assert count(db_session, Institution) == 0
    result = runner.invoke(args=["import", "institutions", str(tmp_path / "x.csv"), "--skip-invalid", "--admit"])
    assert result.exit_code == 0, result.output
    assert "1 created" in result.output and "1 skipped" in result.output
    assert db_session.exec(select(Institution)).one().status == "admitted"


def test_import_rejects_other_formats(runner, db_session, tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("hello")
    result = runner.invoke(args=["import", "experts", str(path)])
    assert result.exit_code == 1 and ".xlsx" in result.output


def test_export_command(runner, db_session, tmp_path):
    factories.institution(name="营口导出有限公司")
    out = tmp_path / "out.xlsx"
    result = runner.invoke(args=["export", "institutions", str(out)])
    assert result.exit_code == 0 and "1 institutions" in result.output
    from openpyxl import load_workbook

    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[1][0] == "机构名称" and rows[2][0] == "营口导出有限公司"  # under the title row


def test_search_commands(runner, db_session, search_backend):
    factories.institution(name="营口索引命令测试有限公司")
    status = runner.invoke(args=["search", "status"])
    assert status.exit_code == 0 and "outbox pending: " in status.output and "available" in status.output
    drained = runner.invoke(args=["search", "drain"])
    assert drained.exit_code == 0 and "failed 0" in drained.output
    rebuilt = runner.invoke(args=["search", "reindex"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "institution: 1 documents" in rebuilt.output
    status = runner.invoke(args=["search", "status"])
    assert "institution: 1 documents" in status.output


def test_seed_demo_loads_a_realistic_directory_once(runner, db_session):
    from directory.audit.models import AuditLog
    from directory.enterprises.models import Enterprise
    from directory.experts.models import Expert
    from directory.institutions.models import InstitutionCategory
    from search.models import SearchOutbox

    first = runner.invoke(args=["seed", "demo"])
    assert first.exit_code == 0, first.output
    published = select(func.count()).select_from(Institution).where(Institution.status == "admitted")
    assert db_session.exec(published).one() >= 150
    assert count(db_session, Expert) >= 200 and count(db_session, Enterprise) >= 120
    # every top-level category has institutions, directly or through a sub-category
    used = set(db_session.exec(select(InstitutionCategory.category_id)).all())
    for top in db_session.exec(select(Category).where(Category.parent_id.is_(None))).all():
        assert top.id in used or any(c.id in used for c in top.children), top.name
    names = [i.name for i in db_session.exec(select(Institution)).all()]
    assert len(set(names)) == len(names) and not any(n.startswith("机构") and n[2:].isdigit() for n in names)
    _demo_activity_is_believable(db_session)
    # demo enterprises are verified, and the demo's meeting reviews count (none waits for staff)
    from directory.reviews.models import Review

    assert not db_session.exec(select(Enterprise).where(Enterprise.verified_at.is_(None))).first()
    assert db_session.exec(select(Review).where(Review.meeting_id.is_not(None))).first()
    assert not db_session.exec(select(Review).where(Review.approval != "approved")).first()
    _demo_notices_are_published(db_session)
    state = (count(db_session, AuditLog), count(db_session, SearchOutbox), count(db_session, Institution))
    second = runner.invoke(args=["seed", "demo"])
    assert second.exit_code == 0, second.output
    assert "0 created, 0 updated" in second.output
    assert (count(db_session, AuditLog), count(db_session, SearchOutbox), count(db_session, Institution)) == state
    assert runner.invoke(args=["users", "create", "--role", "admin", "--email", "admin@demo.yk",
                               "--password", "whatever-1"]).exit_code != 0  # the demo admin exists


def _demo_notices_are_published(session):
    from directory.notices.models import Notice, NoticeCategory

    kinds = dict(session.exec(select(Notice.kind, func.count()).where(Notice.status == "published")
                              .group_by(Notice.kind)).all())
    assert kinds.get("notice", 0) >= 3 and kinds.get("policy", 0) >= 3
    assert count(session, NoticeCategory) >= 3  # policies carry the categories a need is matched on


def _demo_activity_is_believable(session):
    from directory.demands.models import Demand
    from directory.engagements.models import Engagement
    from directory.reviews.models import Review

    assert count(session, Demand) >= 200
    statuses = dict(session.exec(select(Engagement.status, func.count()).group_by(Engagement.status)).all())
    assert set(statuses) == {"requested", "accepted", "declined", "in_progress", "completed", "cancelled"}
    verdicts = dict(session.exec(select(Review.verdict, func.count()).group_by(Review.verdict)).all())
    assert len(verdicts) == 5 and verdicts["very_satisfied"] > verdicts["dissatisfied"] > 0
    rated = session.exec(select(Institution).where(Institution.rating_count > 0)).all()
    assert len(rated) >= 40 and len({i.rating_value for i in rated}) > 10
    # the demo accounts see activity on their pages
    enterprise_id = session.exec(select(User.enterprise_id).where(User.email == "enterprise@demo.yk")).one()
    assert session.exec(select(func.count()).select_from(Demand).where(Demand.enterprise_id == enterprise_id)).one()


def test_reminders_and_rating_recompute_commands(runner, db_session):
    from datetime import timedelta

    from directory.core.time import utcnow

    factories.engagement(requested_at=utcnow() - timedelta(days=6))
    result = runner.invoke(args=["records", "remind-requests"])
    assert result.exit_code == 0 and "1 service requests reminded" in result.output
    assert "0 service requests reminded" in runner.invoke(args=["records", "remind-requests"]).output
    done = factories.engagement(status="completed")
    from directory.reviews.models import Review

    db_session.add(Review(engagement_id=done.id, enterprise_id=done.enterprise_id, institution_id=done.institution_id,
                          quality=5, efficiency=5, expertise=5, attitude=5, price=5, verdict="very_satisfied",
                          created_at=utcnow() - timedelta(days=400)))
    db_session.flush()
    result = runner.invoke(args=["records", "recompute-ratings"])
    assert result.exit_code == 0 and "1 ratings changed" in result.output
    assert "0 ratings changed" in runner.invoke(args=["records", "recompute-ratings"]).output


def test_events_schedule_and_followup_commands(runner, db_session):
    from datetime import UTC, date, datetime

    from directory.events import meeting_requests, registration, services
    from directory.events.models import Meeting

    staff = factories.user(role="staff")
    event = services.create_event(user=staff, data=services.EventInput(title="命令行对接会", starts_on=date(2026, 6, 1),
                                                                       tables=1))
    services.set_slots(user=staff, event=event, first_start=datetime(2026, 6, 1, 1, tzinfo=UTC), count=1)
    services.change_status(user=staff, event=event, action="open_registration")
    ent = registration.register(user=factories.user(role="enterprise", enterprise_id=factories.enterprise().id),
                                event=event)
    provs = [registration.register(user=factories.user(role="institution", institution_id=factories.institution().id),
                                   event=event, listed=True) for _ in range(2)]
    for prov in provs:  # one slot, one table: only one of the two meetings fits
        request = meeting_requests.request_meeting(user=db_session.get(User, ent.user_id), requester=ent, recipient=prov,
                                                   message="想约谈")
        meeting_requests.respond_to_request(user=db_session.get(User, prov.user_id), request=request, accept=True)
    result = runner.invoke(args=["events", "schedule", str(event.id)])
    assert result.exit_code == 0, result.output
    assert "1 of 2 accepted meetings placed" in result.output
    assert "有一方在其所有可用时段都已有洽谈" in result.output  # the reason, in words
    assert len(db_session.exec(select(Meeting).where(Meeting.event_id == event.id)).all()) == 2
    assert runner.invoke(args=["events", "schedule", "999999"]).exit_code != 0
    assert "0 events followed up" in runner.invoke(args=["events", "followup"]).output


def test_mail_commands(runner, db_session, caplog):
    from directory.notifications.services import send_mail

    send_mail(to="someone@example.cn", subject="审核结果", body="您的申请已通过")
    db_session.commit()
    status = runner.invoke(args=["mail", "status"])
    assert status.exit_code == 0, status.output
    assert "backend: log" in status.output and "mail pending: 1;" in status.output
    with caplog.at_level("INFO", logger="directory.notifications.mail"):
        deliver = runner.invoke(args=["mail", "deliver"])
    assert deliver.exit_code == 0, deliver.output
    assert "1 mails sent" in deliver.output and "您的申请已通过" in caplog.text
    assert "mail pending: 0;" in runner.invoke(args=["mail", "status"]).output
    assert "0 mails sent" in runner.invoke(args=["mail", "deliver"]).output
