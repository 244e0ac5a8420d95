"""Every form that edits an existing record round-trips: it opens with the record's values (lists as lists,
choices selected) and, posted back exactly as the browser would send it, changes nothing — no audit entry, no
change request, no outbox row, no notification, the same public page and API answer. A second post that
changes one field changes that field and nothing else."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import func, select

from directory.admission.models import ChangeRequest
from directory.audit.models import AuditLog
from directory.extensions import db
from directory.notifications.models import Notification
from directory.taxonomy.services import Vocabulary
from search.models import SearchOutbox
from tests import factories
from tests.forms import page_form, shown


@dataclass
class Edit:
    url: str                                   # the edit page
    form: str                                  # XPath of the edit form on that page
    state: Callable[[], Any]                   # the record as the rest of the system sees it
    shows: dict[str, list[str]] = field(default_factory=dict)  # field -> values it must open with
    public: list[str] = field(default_factory=list)  # pages and API answers the public sees
    change: tuple[str, str] | None = None      # (field, new value) for the one-field edit
    redirect: int = 302


def _institution_state(inst: Any) -> Callable[[], Any]:
    from directory.institutions.services import snapshot

    def state() -> Any:
        db.session.refresh(inst)
        return {**snapshot(inst), "confirmed_at": inst.confirmed_at, "region_id": inst.region_id,
                "offerings": sorted((o.title, o.description, o.price_min, o.price_max, o.delivery_days, o.active)
                                    for o in inst.offerings)}
    return state


def _ids(records: Any) -> list[str]:
    return sorted((str(r.id) for r in records), key=int)


def institution_profile(auth: Any, *, pending: bool = False) -> Edit:
    vocab = Vocabulary()
    inst = factories.institution(
        categories=("专利代理", "商标代理"), industries=("镁质材料", "钢铁"),
        coverage=[vocab.region("站前区"), vocab.region("大石桥市")], qualifications=["专利代理机构执业许可证", "ISO9001"],
        honors=["省级优秀服务机构"], contact_name="王经理", contact_phone="0417-2800000", website="https://zl.example.cn",
        founded_year=2008, staff_count=25, address="营口市站前区渤海大街1号", postal_code="115000", description="专注发明专利、实用新型与商标代理。\n服务营口中小企业十余年。",
        offerings=("发明专利申请代理", "商标注册"))
    user = auth.login("institution", institution_id=inst.id)
    if pending:  # a proposal already waits for review: saving unchanged must neither withdraw nor repeat it
        from directory.admission import change_requests

        data = change_requests.ProfileEdit(
            name="营口新名称知识产权有限公司", credit_code=inst.credit_code, categories=list(inst.categories),
            qualifications=[*inst.qualifications, "高新技术企业证书"], description=inst.description,
            region=inst.region, industries=list(inst.industries), coverage=list(inst.coverage),
            contact_name=inst.contact_name, contact_phone=inst.contact_phone, email=inst.email,
            website=inst.website, founded_year=inst.founded_year, staff_count=inst.staff_count,
            address=inst.address, postal_code=inst.postal_code)
        change_requests.edit_profile(institution=inst, user=user, data=data)
        db.session.flush()
    state = _institution_state(inst)
    return Edit(url="/my/institution", form="//main//form[@method='post' and not(@action)]",
                state=lambda: (state(), [(r.proposed, r.before) for r in db.session.exec(
                    select(ChangeRequest).where(ChangeRequest.institution_id == inst.id)).all()]),
                shows={"categories": _ids(inst.categories), "industries": _ids(inst.industries),
                       "coverage": _ids(inst.coverage),
                       "qualifications": ["专利代理机构执业许可证\nISO9001" + ("\n高新技术企业证书" if pending else "")],
                       "name": ["营口新名称知识产权有限公司" if pending else inst.name],
                       "region": [str(inst.region_id)], "founded_year": ["2008"], "postal_code": ["115000"]},
                public=[f"/institutions/{inst.id}", f"/api/v1/institutions/{inst.id}"],
                change=("website", "https://ip.example.cn"))


def institution_profile_with_pending_change(auth: Any) -> Edit:
    return institution_profile(auth, pending=True)


def expert_profile(auth: Any) -> Edit:
    from directory.experts.services import snapshot

    expert = factories.expert(expertise=("首贷培植", "小微企业信贷", "信用贷款产品"), categories=("融资服务", "政策咨询"),
                              industries=[Vocabulary().industry("钢铁")], title="高级经济师", organization="营口银行",
                              bio="从事小微企业信贷二十年，熟悉首贷、续贷与政策性担保。")
    auth.login("expert", expert_id=expert.id)

    def state() -> Any:
        db.session.refresh(expert)
        return {**snapshot(expert), "confirmed_at": expert.confirmed_at, "institution_id": expert.institution_id}
    return Edit(url="/apply/expert", form="//main//form[@method='post' and not(@action)]", state=state,
                shows={"expertise": ["首贷培植、小微企业信贷、信用贷款产品"], "categories": _ids(expert.categories),
                       "industries": _ids(expert.industries), "region": [str(expert.region_id)]},
                public=[f"/experts/{expert.id}", f"/api/v1/experts/{expert.id}"],
                change=("title", "正高级经济师"))


def _draft(auth: Any) -> Any:
    vocab = Vocabulary()
    inst = factories.institution(admit=False, categories=("产品检验检测",), industries=("钢铁",),
                                 coverage=[vocab.region("西市区")], qualifications=["CMA资质认定证书"],
                                 contact_name="赵工", contact_phone="0417-6200000", founded_year=2015,
                                 description="金属材料与产品的检验检测，CMA资质，出具权威报告。")
    auth.login("institution", institution_id=inst.id)
    return inst


def application_identity(auth: Any) -> Edit:
    inst = _draft(auth)
    return Edit(url="/apply/identity", form="//main//form[@method='post' and not(@action)]",
                state=_institution_state(inst), shows={"region": [str(inst.region_id)], "founded_year": ["2015"]},
                change=("website", "https://jc.example.cn"))


def application_services(auth: Any) -> Edit:
    inst = _draft(auth)
    return Edit(url="/apply/services", form="//main//form[@method='post' and not(@action)]",
                state=_institution_state(inst),
                shows={"categories": _ids(inst.categories), "industries": _ids(inst.industries),
                       "coverage": _ids(inst.coverage), "qualifications": ["CMA资质认定证书"]},
                change=("qualifications", "CMA资质认定证书\nCNAS认可证书"))


def application_contacts(auth: Any) -> Edit:
    inst = _draft(auth)
    return Edit(url="/apply/contacts", form="//main//form[@method='post' and not(@action)]",
                state=_institution_state(inst), shows={"contact_name": ["赵工"]},
                change=("email", "jc@example.cn"))


def _offering(auth: Any, *, admit: bool) -> Edit:
    inst = factories.institution(admit=admit, offerings=())
    from directory.institutions.models import Offering

    offering = Offering(institution_id=inst.id, title="金属材料力学性能检测", category=Vocabulary().category("产品检验检测"),
                        description="拉伸、弯曲、冲击试验", fee_model="fixed", price_min=300, price_max=800,
                        delivery_days=5)
    db.session.add(offering)
    db.session.flush()
    auth.login("institution", institution_id=inst.id)
    return Edit(url=f"/apply/offerings/{offering.id}", form="//form[@id='offering-form']",
                state=_institution_state(inst),
                shows={"offering-category": [str(offering.category_id)], "offering-fee_model": ["fixed"],
                       "offering-price_max": ["800"], "offering-description": ["拉伸、弯曲、冲击试验"]},
                public=[f"/institutions/{inst.id}", f"/api/v1/institutions/{inst.id}"] if admit else [],
                change=("offering-price_max", "900"))


def offering_of_admitted_institution(auth: Any) -> Edit:
    return _offering(auth, admit=True)


def offering_of_application(auth: Any) -> Edit:
    return _offering(auth, admit=False)


def need(auth: Any) -> Edit:
    from directory.demands.models import Demand

    enterprise = factories.enterprise()
    vocab = Vocabulary()
    # A deadline that has passed since the need was posted must not stop the owner saving it.
    demand = factories.demand(enterprise_obj=enterprise, category_id=vocab.category("专利代理").id,
                              region_id=vocab.region("大石桥市").id, budget_min=2000, budget_max=8000,
                              deadline=date.today() - timedelta(days=3), visibility="staff")
    auth.login("enterprise", enterprise_id=enterprise.id)

    def state() -> Any:
        db.session.refresh(demand)
        return {k: getattr(demand, k) for k in Demand.model_fields}
    return Edit(url=f"/needs/{demand.id}/edit", form="//main//form[@method='post' and not(@action)]", state=state,
                shows={"category": [str(demand.category_id)], "region": [str(demand.region_id)],
                       "visibility": ["staff"], "deadline": [str(demand.deadline)]},
                change=("budget_max", "9000"))


def taxonomy_term(auth: Any) -> Edit:
    term = Vocabulary().category("专利代理")
    factories.institution(categories=("专利代理",))
    auth.login("staff")

    def state() -> Any:
        db.session.refresh(term)
        return term.name, term.name_en
    return Edit(url="/admin/taxonomy", form=f"//form[@action='/admin/taxonomy/category/{term.id}']", state=state,
                shows={"name": ["专利代理"]}, change=("name_en", "Patent attorneys"))


def user_account(auth: Any) -> Edit:
    from directory.accounts.models import User

    account = factories.user(role="expert")
    auth.login("admin")

    def state() -> Any:
        db.session.refresh(account)
        return {k: getattr(account, k) for k in User.model_fields}
    return Edit(url="/admin/users", form=f"//form[@action='/admin/users/{account.id}']", state=state,
                shows={f"u{account.id}-role": ["expert"], f"u{account.id}-active": ["y"]},
                change=(f"u{account.id}-role", "institution"))


def review_reply(auth: Any) -> Edit:
    from directory.reviews import moderation, services
    from directory.reviews.models import Review

    inst = factories.institution()
    client = factories.enterprise()
    engagement = factories.engagement(enterprise_obj=client, institution_obj=inst, status="completed")
    author = factories.user(role="enterprise", enterprise_id=client.id)
    review = services.submit_review(user=author, engagement=engagement, data=services.ReviewInput(
        quality=5, efficiency=4, expertise=5, attitude=5, price=4, verdict="satisfied", comment="很专业", recommend=True))
    provider = auth.login("institution", institution_id=inst.id)
    moderation.reply(user=provider, review=review, text="感谢认可，我们会继续努力。")
    db.session.flush()

    def state() -> Any:
        db.session.refresh(review)
        return {k: getattr(review, k) for k in Review.model_fields}
    return Edit(url=f"/engagements/{engagement.id}", form="//form[@id='reply-form']", state=state,
                shows={"text": ["感谢认可，我们会继续努力。"]}, public=[f"/institutions/{inst.id}"],
                change=("text", "感谢认可！"))


def policy(auth: Any) -> Edit:
    from directory.notices import services
    from directory.notices.models import Notice
    from tests.notices.helpers import notice

    staff = auth.login("staff")
    # Multi-line text, dates and two categories: what a browser may send back differently if the form errs.
    doc = notice(kind="policy", title="营口市支持中小企业创新发展若干措施", staff=staff, summary="对发明专利与首贷给予奖补。",
                 body="第一条 发明专利奖励。\n第二条 首贷贴息。", issuer="营口市人民政府办公室",
                 document_number="营政办发〔2026〕12号", issued_on=date(2026, 3, 1), expires_on=date(2028, 12, 31),
                 categories=("融资服务", "知识产权"))

    def state() -> Any:
        db.session.refresh(doc)
        return ({k: getattr(doc, k) for k in Notice.model_fields},
                sorted(c.id for c in services.categories_of(doc)))
    return Edit(url=f"/admin/notices/{doc.id}/edit", form="//form[@id='notice-form']", state=state,
                shows={"categories": _ids(services.categories_of(doc)), "issued_on": ["2026-03-01"],
                       "body": ["第一条 发明专利奖励。\n第二条 首贷贴息。"]},
                public=[f"/policies/{doc.id}", "/policies"], change=("issuer", "营口市工业和信息化局"))


def enterprise_profile(auth: Any) -> Edit:
    from directory.enterprises.models import Enterprise

    vocab = Vocabulary()
    enterprise = factories.enterprise(tags=[vocab.tag("专精特新"), vocab.tag("高新技术企业")], sector="工业",
                                      staff_count=120, revenue=3500, size="small", founded_year=2012,
                                      description="镁质材料深加工。\n产品出口日韩。", contact_name="李经理",
                                      contact_phone="0417-3300000", email="li@example.cn")
    # the size the standard gives for these figures; the factory's record stores the inputs as given
    auth.login("enterprise", enterprise_id=enterprise.id)

    def state() -> Any:
        db.session.refresh(enterprise)
        return {**{k: getattr(enterprise, k) for k in Enterprise.model_fields},
                "tags": sorted(t.id for t in enterprise.tags)}
    return Edit(url="/my/enterprise", form="//form[@id='enterprise-form']", state=state,
                shows={"sector": ["工业"], "tags": sorted(str(t.id) for t in enterprise.tags),
                       "region": [str(enterprise.region_id)], "revenue": ["3500"]},
                change=("contact_name", "王经理"))


CASES = [enterprise_profile, institution_profile, institution_profile_with_pending_change, expert_profile, application_identity,
         application_services, application_contacts, offering_of_admitted_institution, offering_of_application,
         need, taxonomy_term, user_account, review_reply, policy]


def _rows() -> dict[str, int]:
    return {m.__name__: db.session.exec(select(func.count()).select_from(m)).one()
            for m in (AuditLog, ChangeRequest, SearchOutbox, Notification)}


def _public(app: Any, urls: list[str]) -> list[Any]:
    anonymous = app.test_client()
    out = []
    for url in urls:
        response = anonymous.get(url)
        assert response.status_code == 200, url
        out.append(response.get_json() if url.startswith("/api/") else response.get_data(as_text=True))
    return out


def _open(client: Any, edit: Edit) -> tuple[str, Any]:
    response = client.get(edit.url)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    page = response.get_data(as_text=True)
    action, values = page_form(page, edit.form)
    return action or edit.url, values


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.__name__)
def test_an_edit_form_saved_unchanged_changes_nothing(case, app, client, auth, db_session):
    edit = case(auth)
    page = client.get(edit.url).get_data(as_text=True)
    for name, expected in edit.shows.items():
        assert shown(page, edit.form, name) == expected, name
    before = (_rows(), edit.state(), _public(app, edit.public))

    action, values = _open(client, edit)
    response = client.post(action, data=values)
    assert response.status_code == edit.redirect, response.get_data(as_text=True)[:3000]

    db.session.expire_all()
    assert (_rows(), edit.state(), _public(app, edit.public)) == before
    # What the user sees next is the record as it was, not a form of blanks or reprs.
    for name, expected in edit.shows.items():
        assert shown(client.get(edit.url).get_data(as_text=True), edit.form, name) == expected, name


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.__name__)
def test_an_edit_of_one_field_changes_only_that_field(case, app, client, auth, db_session):
    edit = case(auth)
    assert edit.change is not None
    before = edit.state()
    action, values = _open(client, edit)
    name, value = edit.change
    values.setlist(name, [value])
    response = client.post(action, data=values)
    assert response.status_code == edit.redirect, response.get_data(as_text=True)[:3000]
    db.session.expire_all()
    after = edit.state()
    assert after != before
    assert _changed_keys(before, after) <= _allowed(name), (_changed_keys(before, after), name)


def _changed_keys(before: Any, after: Any) -> set[str]:
    if isinstance(before, tuple) and len(before) == 2 and isinstance(before[0], dict):
        before, after = before[0], after[0]
    if isinstance(before, dict):
        return {k for k in before if before[k] != after[k]}
    return {"value"}


def _allowed(name: str) -> set[str]:
    plain = name.split("-", 1)[1] if name.startswith(("offering-", "u")) and "-" in name else name
    # Saving a real change also stamps when the owner last confirmed the record; an offering change shows in
    # the institution's offerings; a reply carries its date; a role change ends the account's sessions.
    return {plain, "confirmed_at", "offerings", "replied_at", "reply", "updated_at", "value", "session_version"}
