"""Trustworthy reviews (issue 14 item 7): enterprise verification, held reviews, conflict-of-interest flags."""

import pytest
from sqlmodel import select

from directory.audit.models import AuditLog
from directory.core.errors import InvalidInput
from directory.enterprises import services as enterprises
from directory.my import registration
from directory.reviews import moderation, rating, services
from search.models import SearchOutbox
from tests import factories

GOOD = services.ReviewInput(quality=5, efficiency=5, expertise=5, attitude=5, price=5, verdict="very_satisfied")


def _register(client, **data):
    return client.post("/register", data={
        "role": "enterprise", "display_name": "赵经理", "organization": "营口海蜇食品有限公司",
        "phone": "13866667777", "password": "marble-ferry-73", "confirm": "marble-ferry-73", "consent": "y", **data})


def test_registration_refuses_a_bad_credit_code_beside_the_field(client, db_session):
    from directory.accounts.models import User

    code = factories.credit_code()
    wrong = code[:-1] + ("1" if code[-1] != "1" else "2")
    response = _register(client, credit_code=wrong)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="credit_code"' in page and "不是有效的统一社会信用代码" in page
    assert db_session.exec(select(User)).all() == []
    assert "18" in _register(client, credit_code="91210804").get_data(as_text=True)
    assert _register(client, credit_code=code.lower()).status_code == 302  # pasted in lower case: normalised
    from directory.enterprises.models import Enterprise

    user = db_session.exec(select(User)).one()
    assert db_session.get(Enterprise, user.enterprise_id).credit_code == code and not user.enterprise_confirmed


def _setup(*, verified=True, confirmed=True, **enterprise_fields):
    inst = factories.institution()
    ent = factories.enterprise(verified=verified, **enterprise_fields)
    client = factories.user(role="enterprise", enterprise_id=ent.id, enterprise_confirmed=confirmed)
    engagement = factories.engagement(enterprise_obj=ent, institution_obj=inst, status="completed")
    return inst, ent, client, engagement


def test_a_verified_enterprise_counts_at_once(db_session):
    inst, _ent, client, engagement = _setup()
    review = services.submit_review(user=client, engagement=engagement, data=GOOD)
    assert review.approval == "approved" and review.conflict == ""
    assert (inst.rating_value, inst.rating_count) == (4.0, 1)


def test_an_unverified_enterprise_waits_for_staff_then_counts(db_session):
    inst, _ent, client, engagement = _setup(verified=False)
    staff = factories.user(role="staff")
    review = services.submit_review(user=client, engagement=engagement, data=GOOD)
    assert review.approval == "pending"
    assert (inst.rating_value, inst.rating_count) == (None, 0)
    assert rating.dynamic_rating(rating.provider_reviews(institution_id=inst.id)) == (None, 0)
    assert services.public_reviews(inst).total == 0
    assert [r.id for r in moderation.pending_reviews().items] == [review.id]
    before = len(db_session.exec(select(SearchOutbox)).all())
    moderation.decide(user=staff, review=review, approve=True)
    assert (inst.rating_value, inst.rating_count) == (4.0, 1)
    assert len(db_session.exec(select(SearchOutbox)).all()) > before  # the rating change queues the index
    assert db_session.exec(select(AuditLog).where(AuditLog.action == "review.approve",
                                                  AuditLog.entity_id == review.id)).one().actor_id == staff.id


def test_a_rejection_needs_a_reason_and_never_counts(db_session):
    inst, _ent, client, engagement = _setup(confirmed=False)  # verified enterprise, unconfirmed account
    staff = factories.user(role="staff")
    review = services.submit_review(user=client, engagement=engagement, data=GOOD)
    assert review.approval == "pending"
    with pytest.raises(InvalidInput):
        moderation.decide(user=staff, review=review, approve=False, reason=" ")
    moderation.decide(user=staff, review=review, approve=False, reason="并非真实客户")
    assert review.approval == "rejected" and inst.rating_count == 0
    with pytest.raises(InvalidInput):
        moderation.decide(user=staff, review=review, approve=True)


def test_pending_reviews_do_not_count_in_the_evaluation(db_session):
    from directory.core.time import utcnow
    from directory.evaluation import compute

    inst, _ent, client, engagement = _setup(verified=False)
    review = services.submit_review(user=client, engagement=engagement, data=GOOD)
    today = utcnow().date()
    year = {"start": today.replace(month=1, day=1), "end": today.replace(month=12, day=31)}
    assert inst.id not in compute.gather(**year).reviews
    moderation.decide(user=factories.user(role="staff"), review=review, approve=True)
    assert inst.id in compute.gather(**year).reviews


@pytest.mark.parametrize("tie", ["domain", "phone", "creator"])
def test_a_conflict_of_interest_is_flagged_and_held(db_session, tie):
    inst = factories.institution()
    provider = factories.user(role="institution", institution_id=inst.id, email="li@hengxin-ip.cn",
                              phone="13900001111")
    fields = {"domain": {"email": "boss@hengxin-ip.cn"}, "phone": {"contact_phone": "139 0000 1111"},
              "creator": {}}[tie]
    ent = factories.enterprise(**fields)
    if tie == "creator":
        ent.created_by_id = provider.id
    client = factories.user(role="enterprise", enterprise_id=ent.id)
    engagement = factories.engagement(enterprise_obj=ent, institution_obj=inst, status="completed")
    review = services.submit_review(user=client, engagement=engagement, data=GOOD)
    assert review.approval == "pending"
    assert {"domain": "e-mail domain: hengxin-ip.cn", "phone": "phone: 13900001111",
            "creator": f"account: #{provider.id}"}[tie] in review.conflict
    assert inst.rating_count == 0
    other = _setup()
    plain = services.submit_review(user=other[2], engagement=other[3], data=GOOD)
    factories.user(role="staff")
    assert [r.id for r in moderation.pending_reviews().items][0] == review.id and plain.approval == "approved"


def test_public_mail_domains_are_not_a_conflict(db_session):
    inst = factories.institution()
    factories.user(role="institution", institution_id=inst.id, email="hengxin@qq.com")
    ent = factories.enterprise(email="boss@qq.com")
    client = factories.user(role="enterprise", enterprise_id=ent.id, email="zhao@163.com")
    factories.user(role="institution", institution_id=inst.id, email="li@163.com")
    engagement = factories.engagement(enterprise_obj=ent, institution_obj=inst, status="completed")
    review = services.submit_review(user=client, engagement=engagement, data=GOOD)
    assert (review.approval, review.conflict) == ("approved", "")


def test_registration_ties_the_account_unconfirmed_even_to_a_verified_enterprise(db_session):
    known = factories.enterprise()  # verified (imported)
    assert known.verification == "matched"
    claimant = registration.register(role="enterprise", password="marble-ferry-73", display_name="冒名者",
                                 email="x@x-corp.cn", organization="随便写", credit_code=known.credit_code)
    assert claimant.enterprise_id == known.id and claimant.enterprise_confirmed is False
    assert not enterprises.is_trusted(claimant, known)
    fresh = registration.register(role="enterprise", password="marble-ferry-73", display_name="新企业",
                              email="y@y-corp.cn", organization="营口新企业有限公司",
                              credit_code=factories.credit_code())
    assert fresh.enterprise_id != known.id and fresh.enterprise_confirmed is False


def test_staff_verification_confirms_accounts_and_is_audited(client, db_session, auth):
    ent = factories.enterprise(verified=False)
    waiting = factories.user(role="enterprise", enterprise_id=ent.id, enterprise_confirmed=False)
    staff = auth.login("staff")
    page = client.get("/admin/enterprises?unverified=1").get_data(as_text=True)
    assert ent.name in page and waiting.display_name in page
    assert client.post(f"/admin/enterprises/{ent.id}/verify").status_code == 302
    db_session.refresh(ent)
    db_session.refresh(waiting)
    assert ent.verification == "staff" and ent.verified_by_id == staff.id and ent.verified_at is not None
    assert waiting.enterprise_confirmed and enterprises.is_trusted(waiting, ent)
    entry = db_session.exec(select(AuditLog).where(AuditLog.action == "enterprise.verify")).one()
    assert entry.entity_id == ent.id and entry.actor_id == staff.id
    assert ent.name not in client.get("/admin/enterprises?unverified=1").get_data(as_text=True)


def test_staff_see_flagged_reviews_first_and_decide_on_the_page(client, db_session, auth):
    inst, _ent, enterprise_user, engagement = _setup(verified=False)
    review = services.submit_review(user=enterprise_user, engagement=engagement, data=GOOD)
    auth.login("staff")
    page = client.get("/admin/reviews").get_data(as_text=True)
    assert f"/reviews/{review.id}/approve" in page
    assert client.post(f"/reviews/{review.id}/approve", data={"reason": ""}).status_code == 302
    db_session.refresh(inst)
    assert inst.rating_count == 1


def test_the_enterprise_is_told_its_review_waits(client, db_session, auth):
    _inst, ent, _user, engagement = _setup(verified=False)
    auth.login("enterprise", enterprise_id=ent.id, enterprise_confirmed=False)
    form = {"quality": "5", "efficiency": "5", "expertise": "5", "attitude": "5", "price": "5",
            "verdict": "very_satisfied", "comment": "很好"}
    response = client.post(f"/engagements/{engagement.id}/review", data=form, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "需经平台工作人员审核" in page and "等待服务中心审核，暂不计入评分" in page
