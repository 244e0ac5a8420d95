"""The detail pages (issue 16, item 5): a visitor's next step, the grade explained, no empty rating panel,
reviews with the service they were for, a provider's way from its "my" page to its public page; and the
staff's review list names the parties instead of numbering them."""

from directory.extensions import db
from directory.reviews.models import Review
from directory.reviews.rating import recompute_rating
from tests import factories


def _review(inst, client, **fields):
    review = Review(enterprise_id=client.id, institution_id=inst.id, quality=5, efficiency=5, expertise=5,
                    attitude=5, price=5, verdict="very_satisfied", comment="服务很专业", **fields)
    db.session.add(review)
    db.session.flush()
    recompute_rating(institution_id=inst.id)
    return review


def test_a_visitor_sees_how_to_go_on(client, db_session):
    inst = factories.institution(offerings=("发明专利申请代理",))
    expert = factories.expert(name="王咨询")
    page = client.get(f"/institutions/{inst.id}").get_data(as_text=True)
    assert page.count("登录后申请服务") == 2  # the institution and its one service product
    assert f"/login?next=/institutions/{inst.id}" in page
    assert 'id="rating-distribution"' not in page  # no reviews: no empty panel
    page = client.get(f"/experts/{expert.id}").get_data(as_text=True)
    assert "通过服务中心咨询该专家" in page and 'id="rating-distribution"' not in page


def test_an_enterprise_requests_instead_and_sees_the_reviewed_service(client, auth, db_session):
    inst = factories.institution(offerings=("发明专利申请代理",))
    client_ent = factories.enterprise()
    done = factories.engagement(enterprise_obj=client_ent, institution_obj=inst, status="completed",
                                offering_id=inst.offerings[0].id)
    _review(inst, client_ent, engagement_id=done.id)
    auth.login("enterprise", enterprise_id=factories.enterprise().id)
    page = client.get(f"/institutions/{inst.id}").get_data(as_text=True)
    assert "登录后申请服务" not in page and 'name="message"' in page  # the request form itself
    assert 'id="rating-distribution"' in page
    assert "评价的服务：发明专利申请代理" in page


def test_the_grade_badge_says_what_the_grade_means(client, db_session):
    inst = factories.institution()
    inst.grade = "A"
    db.session.add(inst)
    db.session.flush()
    page = client.get(f"/institutions/{inst.id}").get_data(as_text=True)
    assert 'id="grade-badge"' in page and "A（优秀）" in page


def test_providers_reach_their_public_page_from_my_page(client, auth, db_session):
    inst = factories.institution()
    auth.login("institution", institution_id=inst.id)
    page = client.get("/my").get_data(as_text=True)
    assert f'id="my-public-page" href="/institutions/{inst.id}"' in page
    auth.logout()
    expert = factories.expert()
    auth.login("expert", expert_id=expert.id)
    assert f'id="my-public-page" href="/experts/{expert.id}"' in client.get("/my").get_data(as_text=True)


def test_staff_see_names_not_numbers_in_the_review_list(client, auth, db_session):
    inst = factories.institution(name="营口评价名称测试有限公司")
    ent = factories.enterprise(name="营口待核验企业有限公司")
    done = factories.engagement(enterprise_obj=ent, institution_obj=inst, status="completed")
    _review(inst, ent, engagement_id=done.id, approval="pending")
    auth.login("staff")
    page = client.get("/admin/reviews").get_data(as_text=True)
    assert "营口评价名称测试有限公司" in page and "营口待核验企业有限公司" in page
    assert f"服务机构 #{inst.id}" not in page and "通过评价" in page and "批准入库" not in page
