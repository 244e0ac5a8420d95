"""Service needs: who may post, edit and close them, what others see, staff follow-up."""

import pytest
from sqlmodel import func, select

from directory.core.errors import InvalidInput, NotAllowed
from directory.demands import services
from directory.demands.models import DemandStatus
from directory.notifications.models import Notification
from tests import factories


def inbox_count(session, user, kind):
    return session.exec(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.kind == kind)).one()


@pytest.fixture
def sme(db_session):
    ent = factories.enterprise()
    return ent, factories.user(role="enterprise", enterprise_id=ent.id)


def data(**kw):
    return services.DemandInput(**{"title": "申请发明专利", "text": "想为新工艺申请发明专利", **kw})


def test_an_enterprise_posts_for_itself_only(db_session, sme):
    ent, user = sme
    demand = services.post_demand(user=user, enterprise=ent, data=data())
    assert demand.status == DemandStatus.OPEN and demand.created_by_id == user.id
    with pytest.raises(NotAllowed):
        services.post_demand(user=user, enterprise=factories.enterprise(), data=data())
    with pytest.raises(NotAllowed):
        services.post_demand(user=factories.user(role="institution"), enterprise=ent, data=data())


def test_staff_post_on_behalf_and_the_enterprise_is_told(db_session, sme):
    ent, user = sme
    services.post_demand(user=factories.user(role="staff"), enterprise=ent, data=data())
    assert inbox_count(db_session, user, "demand.posted") == 1


@pytest.mark.parametrize("bad, field", [({"title": " "}, "title"), ({"budget_min": 9, "budget_max": 1}, "budget_max"),
                                        ({"visibility": "world"}, "visibility")])
def test_bad_input_changes_nothing(db_session, sme, bad, field):
    ent, user = sme
    with pytest.raises(InvalidInput) as exc:
        services.post_demand(user=user, enterprise=ent, data=data(**bad))
    assert exc.value.field == field
    assert services.my_demands(user) == []


def test_visibility(db_session, sme):
    from directory.core.errors import NotFound

    ent, user = sme
    private = services.post_demand(user=user, enterprise=ent, data=data(visibility="staff"))
    public = services.post_demand(user=user, enterprise=ent, data=data())
    provider = factories.user(role="institution")
    assert services.get_demand(public.id, user=provider) is public
    with pytest.raises(NotFound):
        services.get_demand(private.id, user=provider)
    assert services.get_demand(private.id, user=factories.user(role="staff")) is private
    assert public in services.public_demands() and private not in services.public_demands()


def test_close_and_unanswered_list(db_session, sme):
    ent, user = sme
    a = services.post_demand(user=user, enterprise=ent, data=data())
    b = services.post_demand(user=user, enterprise=ent, data=data(title="代理记账"))
    services.close_demand(user=user, demand=b)
    with pytest.raises(InvalidInput):
        services.update_demand(user=user, demand=b, data=data())
    unanswered = services.staff_demands(unanswered=True)
    assert a in unanswered and b not in unanswered


def test_staff_push_recommendations(db_session, sme):
    ent, user = sme
    demand = services.post_demand(user=user, enterprise=ent, data=data())
    inst, draft = factories.institution(), factories.institution(admit=False)
    staff = factories.user(role="staff")
    with pytest.raises(InvalidInput):
        services.push_suggestions(user=staff, demand=demand, institution_ids=[draft.id], expert_ids=[])
    with pytest.raises(NotAllowed):
        services.push_suggestions(user=user, demand=demand, institution_ids=[inst.id], expert_ids=[])
    services.push_suggestions(user=staff, demand=demand, institution_ids=[inst.id], expert_ids=[], note="可优先联系")
    services.push_suggestions(user=staff, demand=demand, institution_ids=[inst.id], expert_ids=[])  # no duplicate
    assert [s.institution_id for s in services.suggestions(demand)] == [inst.id]
    assert inbox_count(db_session, user, "demand.suggestions") == 1


def test_the_need_pages_in_english_and_chinese(client, auth, db_session, sme):
    ent, _user = sme
    auth.login("enterprise", enterprise_id=ent.id)
    bad = client.post("/needs/new", data={"title": "", "text": "x", "visibility": "public"})
    assert bad.status_code == 422 and "请填写需求标题。" in bad.get_data(as_text=True)  # says which field, not "必填"
    client.get("/lang/en")
    bad = client.post("/needs/new", data={"title": "t", "text": "x", "visibility": "public", "budget_min": "9",
                                          "budget_max": "1"})
    assert bad.status_code == 422 and "must not be below" in bad.get_data(as_text=True)
    assert services.my_demands(_user) == []
