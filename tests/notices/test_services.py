"""The rules of notices and policies: staff write, publish and retire; the public sees published ones only."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import func, select

from directory.audit.models import AuditLog
from directory.core.errors import InvalidInput, NotAllowed, NotFound
from directory.extensions import db
from directory.notices import services
from directory.notices.models import NoticeStatus
from directory.taxonomy.services import Vocabulary
from tests.notices.helpers import PDF, account, notice, staff_user


def _audits() -> int:
    return db.session.exec(select(func.count()).select_from(AuditLog)).one()


@pytest.mark.parametrize("role", ["enterprise", "institution", "expert"])
def test_only_staff_write(db_session, role):
    user = account(role)
    with pytest.raises(NotAllowed):
        services.create(user=user, data=services.NoticeInput(title="不该出现的通知"))
    draft = notice(publish=False)
    for call in (lambda: services.publish(user=user, notice=draft),
                 lambda: services.update(user=user, notice=draft, data=services.NoticeInput(title="改")),
                 lambda: services.add_attachment(user=user, notice=draft, filename="a.pdf", data=PDF)):
        with pytest.raises(NotAllowed):
            call()
    assert draft.status == NoticeStatus.DRAFT and draft.title != "改"


def test_a_draft_is_seen_by_staff_only_until_published_and_after_retired(db_session):
    staff = staff_user()
    visitor = account("enterprise")
    draft = notice(publish=False, staff=staff)
    assert services.get(draft.id, user=staff) is draft
    with pytest.raises(NotFound):
        services.get(draft.id, user=visitor)
    assert services.latest(kind="notice") == []

    services.publish(user=staff, notice=draft)
    first_published = draft.published_at
    assert services.get(draft.id, user=visitor) is draft
    assert services.latest(kind="notice") == [draft]
    with pytest.raises(NotFound):  # a notice is not a policy
        services.get(draft.id, user=visitor, kind="policy")

    services.retire(user=staff, notice=draft)
    assert draft.status == NoticeStatus.RETIRED
    with pytest.raises(NotFound):
        services.get(draft.id, user=visitor)
    assert services.published(kind="notice").total == 0
    with pytest.raises(InvalidInput):
        services.retire(user=staff, notice=draft)
    services.publish(user=staff, notice=draft)  # published again: keeps its first date
    assert draft.published_at == first_published
    with pytest.raises(InvalidInput):
        services.publish(user=staff, notice=draft)


def test_bad_input_changes_nothing(db_session):
    staff = staff_user()
    before = _audits()
    with pytest.raises(InvalidInput) as blank:
        services.create(user=staff, data=services.NoticeInput(title="  "))
    assert blank.value.field == "title"
    with pytest.raises(InvalidInput) as dates:
        services.create(user=staff, data=services.NoticeInput(
            kind="policy", title="政策", issued_on=date(2026, 5, 1), expires_on=date(2026, 4, 1)))
    assert dates.value.field == "expires_on"
    with pytest.raises(InvalidInput):
        services.create(user=staff, data=services.NoticeInput(kind="bogus", title="x"))
    assert _audits() == before


def test_an_unchanged_update_writes_nothing_and_a_change_is_audited(db_session):
    staff = staff_user()
    policy = notice(kind="policy", title="惠企政策甲", categories=("融资服务",), issuer="市政府", staff=staff)
    same = services.NoticeInput(title="惠企政策甲", issuer="市政府", categories=[Vocabulary().category("融资服务")])
    before = _audits()
    services.update(user=staff, notice=policy, data=same)
    assert _audits() == before
    changed = services.NoticeInput(title="惠企政策甲", issuer="市政府",
                                   categories=[Vocabulary().category("融资服务"), Vocabulary().category("财税服务")])
    services.update(user=staff, notice=policy, data=changed)
    assert _audits() == before + 1
    assert policy.kind == "policy"
    assert sorted(c.name for c in services.categories_of(policy)) == ["融资服务", "财税服务"]


def test_the_list_finds_words_in_every_text_and_treats_wildcards_literally(db_session):
    notice(kind="policy", title="数字化转型专项资金", body="支持企业上云", document_number="营工信发〔2026〕8号")
    notice(kind="policy", title="税费优惠", summary="小微企业减免 100%")
    notice(kind="policy", title="未发布的政策", publish=False)
    assert [n.title for n in services.published(kind="policy", q="上云")] == ["数字化转型专项资金"]
    assert [n.title for n in services.published(kind="policy", q="营工信发 资金")] == ["数字化转型专项资金"]
    assert [n.title for n in services.published(kind="policy", q="100%")] == ["税费优惠"]
    assert [n.title for n in services.published(kind="policy", q="%")] == ["税费优惠"]  # not "anything"
    assert services.published(kind="policy", q="_").total == 0
    notice(kind="policy", title="ISO9001认证补贴")
    assert [n.title for n in services.published(kind="policy", q="iso9001")] == ["ISO9001认证补贴"]
    assert services.published(kind="policy", q="未发布").total == 0
    assert services.published(kind="notice", q="税费").total == 0


def test_related_policies_follow_the_need_category_and_its_parent(db_session):
    vocab = Vocabulary()
    sub = next(c for c in vocab.categories.values() if c.parent_id is not None)
    parent = db.session.get(type(sub), sub.parent_id)
    on_parent = notice(kind="policy", title="父类政策", categories=(parent.name,))
    on_sub = notice(kind="policy", title="子类政策", categories=(sub.name,))
    notice(kind="policy", title="无关政策", categories=(next(
        c.name for c in vocab.categories.values() if c.id not in (sub.id, parent.id) and c.parent_id != parent.id),))
    notice(kind="policy", title="草稿政策", categories=(sub.name,), publish=False)
    assert {p.title for p in services.related_policies(sub)} == {on_parent.title, on_sub.title}
    assert [p.title for p in services.related_policies(parent)] == [on_parent.title]
    assert services.related_policies(None) == []
    assert [p.title for p in services.published(kind="policy", category=sub)] == [on_sub.title, on_parent.title]


def test_attachments_are_checked_by_content_and_public_once_published(db_session):
    staff = staff_user()
    visitor = account("enterprise")
    draft = notice(publish=False, staff=staff)
    with pytest.raises(InvalidInput):
        services.add_attachment(user=staff, notice=draft, filename="evil.pdf", data=b"MZ\x90\x00 not a pdf")
    with pytest.raises(InvalidInput):
        services.add_attachment(user=staff, notice=draft, filename="empty.pdf", data=b"")
    attachment = services.add_attachment(user=staff, notice=draft, filename="../../申报指南.pdf", data=PDF)
    assert attachment.filename == "申报指南.pdf"
    with pytest.raises(NotFound):
        services.readable_attachment(attachment_id=attachment.id, user=visitor)
    services.publish(user=staff, notice=draft)
    found, path = services.readable_attachment(attachment_id=attachment.id, user=visitor)
    assert found is attachment and path.read_bytes() == PDF
    with pytest.raises(NotAllowed):
        services.remove_attachment(attachment_id=attachment.id, user=visitor)
    services.remove_attachment(attachment_id=attachment.id, user=staff)
    assert services.attachments_of(draft) == []
