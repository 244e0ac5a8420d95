"""The pages of notices and policies: staff write, attach, publish and retire; the public lists, searches and
reads; a need's page shows the policies of its category; the home page carries the portal's columns."""

from __future__ import annotations

import io
from datetime import date, timedelta

from sqlmodel import func, select

from directory.extensions import db
from directory.notices.models import Notice, NoticeAttachment
from directory.taxonomy.services import Vocabulary
from search.drain import run_drain
from tests import factories
from tests.notices.helpers import PDF, notice, staff_user


def _count(model):
    return db.session.exec(select(func.count()).select_from(model)).one()


def test_staff_write_attach_publish_and_retire_a_policy(client, auth, db_session, search_backend):
    auth.login("staff")
    category = Vocabulary().category("融资服务")
    response = client.post("/admin/notices/new", data={
        "kind": "policy", "title": "首贷贴息办法", "summary": "首次贷款给予贴息", "body": "第一条\r\n第二条",
        "issuer": "市金融局", "document_number": "营金发〔2026〕3号", "issued_on": "2026-04-01",
        "categories": [str(category.id)]})
    assert response.status_code == 302
    policy = db.session.exec(select(Notice).where(Notice.title == "首贷贴息办法")).one()
    assert (policy.kind, policy.status, policy.body) == ("policy", "draft", "第一条\n第二条")
    assert client.get(f"/policies/{policy.id}").status_code == 200  # staff preview the draft

    upload = client.post(f"/admin/notices/{policy.id}/attachments",
                         data={"file": (io.BytesIO(PDF), "贴息办法.pdf")}, content_type="multipart/form-data")
    assert upload.status_code == 302
    assert client.post(f"/admin/notices/{policy.id}/publish").status_code == 302
    run_drain(search=search_backend)  # the list searches the index (search.notices)
    anonymous = client.application.test_client()
    page = anonymous.get(f"/policies/{policy.id}").get_data(as_text=True)
    assert "首贷贴息办法" in page and "营金发〔2026〕3号" in page and "贴息办法.pdf" in page
    assert "首贷贴息办法" in anonymous.get("/policies?q=贴息").get_data(as_text=True)
    assert "首贷贴息办法" in anonymous.get(f"/policies?category={category.id}").get_data(as_text=True)
    attachment = db.session.exec(select(NoticeAttachment).where(NoticeAttachment.notice_id == policy.id)).one()
    download = anonymous.get(f"/notices/files/{attachment.id}")
    assert download.status_code == 200 and download.data == PDF

    assert client.post(f"/admin/notices/{policy.id}/retire").status_code == 302
    # before the index has caught up the list shows no retired policy either: it reads the records again
    assert "首贷贴息办法" not in anonymous.get("/policies?q=贴息").get_data(as_text=True)
    run_drain(search=search_backend)
    assert anonymous.get(f"/policies/{policy.id}").status_code == 404
    assert anonymous.get(f"/notices/files/{attachment.id}").status_code == 404
    assert "首贷贴息办法" not in anonymous.get("/policies").get_data(as_text=True)


def test_bad_input_is_a_4xx_with_a_chinese_message_and_changes_nothing(client, auth, db_session):
    auth.login("staff")
    before = _count(Notice)
    blank = client.post("/admin/notices/new", data={"kind": "notice", "title": ""})
    assert blank.status_code == 422 and "请填写标题。" in blank.get_data(as_text=True)
    dates = client.post("/admin/notices/new", data={"kind": "policy", "title": "政策", "issued_on": "2026-05-01",
                                                    "expires_on": "2026-04-01"})
    assert dates.status_code == 422 and "有效期不能早于成文日期。" in dates.get_data(as_text=True)
    bogus = client.post("/admin/notices/new", data={"kind": "bogus", "title": "政策"})
    assert bogus.status_code == 422
    assert _count(Notice) == before

    draft = notice(publish=False)
    files = _count(NoticeAttachment)
    wrong = client.post(f"/admin/notices/{draft.id}/attachments", data={"file": (io.BytesIO(b"MZ\x90"), "a.pdf")},
                        content_type="multipart/form-data", follow_redirects=True)
    assert "请上传 PDF、PNG 或 JPEG 格式的文件。" in wrong.get_data(as_text=True)
    assert _count(NoticeAttachment) == files
    again = client.post(f"/admin/notices/{notice().id}/publish", follow_redirects=True)
    assert "已经发布，无需重复发布。" in again.get_data(as_text=True)

    long = client.get("/notices?q=" + "长" * 101)
    assert long.status_code == 400 and "检索词最多 100 个字符。" in long.get_data(as_text=True)


def test_the_need_page_shows_the_policies_of_its_category(client, auth, db_session):
    vocab = Vocabulary()
    enterprise = factories.enterprise()
    need = factories.demand(enterprise_obj=enterprise, category_id=vocab.category("融资服务").id)
    notice(kind="policy", title="首贷贴息政策", categories=("融资服务",))
    notice(kind="policy", title="检测补贴政策", categories=("检验检测认证",))
    auth.login("enterprise", enterprise_id=enterprise.id)
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "相关政策" in page and "首贷贴息政策" in page and "检测补贴政策" not in page


def test_the_home_page_carries_notices_policies_events_and_the_call_to_post_a_need(client, db_session):
    from directory.events import services as events

    notice(title="入库申报通知")
    notice(kind="policy", title="创新发展若干措施")
    notice(title="未发布的通知", publish=False)
    staff = staff_user()
    soon = events.create_event(user=staff, data=events.EventInput(title="融资对接会", starts_on=date.today()
                                                                  + timedelta(days=10)))
    events.change_status(user=staff, event=soon, action="publish")
    past = events.create_event(user=staff, data=events.EventInput(title="去年的对接会", starts_on=date.today()
                                                                  - timedelta(days=300)))
    events.change_status(user=staff, event=past, action="publish")
    page = client.get("/").get_data(as_text=True)
    assert "入库申报通知" in page and "创新发展若干措施" in page and "未发布的通知" not in page
    assert "融资对接会" in page and "去年的对接会" not in page
    assert 'id="post-need"' in page and "发布需求" in page and "/needs/new" in page
