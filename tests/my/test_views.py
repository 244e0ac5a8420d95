"""The "my" page: what each role finds there, and the inbox."""

import re

import pytest


@pytest.mark.parametrize(("role", "label"), [("enterprise", "企业"), ("institution", "服务机构"), ("expert", "专家"),
                                             ("staff", "服务中心工作人员"), ("admin", "管理员")])
def test_my_page_fits_the_role(client, auth, db_session, role, label):
    auth.login(role)
    page = client.get("/my").get_data(as_text=True)
    assert re.search(rf'id="my-role">\s*{label}\s*<', page)


def test_my_page_lists_the_inbox(client, auth, db_session):
    from directory.notifications.services import notify

    user = auth.login("enterprise")
    notify(users=[user], kind="test", title="您有一条新消息", body="正文")
    page = client.get("/my").get_data(as_text=True)
    title = page[page.index("<title>"):page.index("</title>")]
    assert "您有一条新消息" in page and "您有一条新消息" not in title
