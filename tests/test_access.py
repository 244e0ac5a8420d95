"""Who may do what: every route × every role. A new route fails `test_every_route_is_in_the_matrix` until
it is added here with the status each role must get."""

import pytest

from search import dictionary
from tests import factories

ROLES = ["anonymous", "enterprise", "institution", "owner", "expert", "staff", "admin"]
OK, REDIRECT, NOT_FOUND, BAD, FORBIDDEN, INVALID = 200, 302, 404, 400, 403, 422
STAFF_ONLY = {"anonymous": REDIRECT, "staff": OK, "admin": OK, "*": FORBIDDEN}


def applicant(without_record, owner):
    return {"anonymous": REDIRECT, "institution": without_record, "owner": owner, "*": FORBIDDEN}


def staff_only(status):
    return {"anonymous": REDIRECT, "staff": status, "admin": status, "*": FORBIDDEN}


# (method, url template, {role: status}); "*" is the default for roles not named.
MATRIX = [
    ("GET", "/", {"*": OK}),
    ("GET", "/search?q=专利", {"*": OK}),
    ("GET", "/search?type=bogus", {"*": BAD}),
    ("GET", "/search?type=notice&q=通知", {"*": OK}),
    ("GET", "/search?type=notice&kind=bogus", {"*": BAD}),
    ("GET", "/login", {"*": OK}),
    ("GET", "/register", {"*": OK}),
    ("POST", "/logout", {"*": REDIRECT}),
    ("GET", "/lang/en", {"*": REDIRECT}),
    ("GET", "/my", {"anonymous": REDIRECT, "*": OK}),
    ("GET", "/messages/{message}", {"anonymous": REDIRECT, "*": NOT_FOUND}),  # someone else's message
    ("POST", "/messages/read", {"anonymous": REDIRECT, "*": REDIRECT}),
    ("GET", "/institutions/{published}", {"*": OK}),
    ("GET", "/institutions/{unpublished}", {"owner": OK, "staff": OK, "admin": OK, "*": NOT_FOUND}),
    ("GET", "/experts/{expert}", {"*": OK}),
    ("GET", "/experts/{unpublished_expert}", {"staff": OK, "admin": OK, "*": NOT_FOUND}),
    ("GET", "/api/v1/search?q=检测", {"*": OK}),
    ("GET", "/api/v1/search?per_page=500", {"*": BAD}),
    ("GET", "/api/v1/institutions/{published}", {"*": OK}),
    ("GET", "/api/v1/institutions/{unpublished}", {"*": NOT_FOUND}),  # the API never shows unpublished records
    ("GET", "/api/v1/experts/{expert}", {"*": OK}),
    ("GET", "/api/v1/experts/{unpublished_expert}", {"*": NOT_FOUND}),
    ("GET", "/api/v1/openapi.json", {"*": OK}),
    ("GET", "/api/v1/policies?q=政策", {"*": OK}),
    ("GET", "/api/v1/policies?per_page=500", {"*": BAD}),
    ("GET", "/api/v1/policies/{policy}", {"*": OK}),
    ("GET", "/api/v1/policies/{notice}", {"*": NOT_FOUND}),  # a notice is not a policy
    ("GET", "/api/v1/notices", {"*": OK}),
    ("GET", "/api/v1/notices/{notice}", {"*": OK}),
    ("GET", "/api/v1/notices/{draft_notice}", {"*": NOT_FOUND}),  # the API never shows a draft, even to staff
    ("GET", "/healthz", {"*": OK}),
    # accounts and security
    ("POST", "/logout/everywhere", {"anonymous": REDIRECT, "*": REDIRECT}),
    ("GET", "/my/password", {"anonymous": REDIRECT, "*": OK}),
    ("GET", "/my/notifications", {"anonymous": REDIRECT, "*": OK}),
    ("POST", "/my/notifications", {"anonymous": REDIRECT, "*": REDIRECT}),
    # "enterprise" speaks for an enterprise: its profile; every other role has none
    ("GET", "/my/enterprise", {"anonymous": REDIRECT, "enterprise": OK, "*": FORBIDDEN}),
    ("POST", "/my/enterprise", {"anonymous": REDIRECT, "enterprise": INVALID, "*": FORBIDDEN}),  # no name
    ("POST", "/my/password", {"anonymous": REDIRECT, "*": INVALID}),  # nothing typed
    ("GET", "/privacy", {"*": OK}),
    ("GET", "/my/data", {"anonymous": REDIRECT, "*": OK}),
    ("GET", "/my/close", {"anonymous": REDIRECT, "*": OK}),
    ("POST", "/my/close", {"anonymous": REDIRECT, "*": INVALID}),  # no password typed
    ("GET", "/password/forgot", {"*": OK}),
    ("POST", "/password/forgot", {"*": INVALID}),  # no login typed
    ("GET", "/password/reset/not-a-token", {"*": NOT_FOUND}),
    ("POST", "/password/reset/not-a-token", {"*": NOT_FOUND}),
    ("GET", "/admin/audit", STAFF_ONLY),
    ("GET", "/admin/search", STAFF_ONLY),
    ("POST", "/admin/search/synonyms", staff_only(INVALID)),
    ("POST", "/admin/search/synonyms/{synonyms}/delete", staff_only(REDIRECT)),
    ("POST", "/admin/search/stopwords", staff_only(INVALID)),
    ("POST", "/admin/search/stopwords/{stop_word}/delete", staff_only(REDIRECT)),
    # admission: "institution" has no record yet, "owner" has a draft
    ("GET", "/apply", {**applicant(REDIRECT, REDIRECT), "expert": REDIRECT}),
    ("GET", "/apply/expert", {"anonymous": REDIRECT, "expert": OK, "*": FORBIDDEN}),
    ("POST", "/apply/expert", {"anonymous": REDIRECT, "expert": INVALID, "*": FORBIDDEN}),
    ("POST", "/apply/expert/submit", {"anonymous": REDIRECT, "expert": 303, "*": FORBIDDEN}),
    ("GET", "/apply/identity", applicant(OK, OK)),
    ("POST", "/apply/identity", applicant(INVALID, INVALID)),
    ("GET", "/apply/services", applicant(REDIRECT, OK)),
    ("GET", "/apply/offerings", applicant(REDIRECT, OK)),
    ("GET", "/apply/contacts", applicant(REDIRECT, OK)),
    ("GET", "/apply/review", applicant(REDIRECT, OK)),
    ("POST", "/apply/review", applicant(REDIRECT, INVALID)),
    ("GET", "/apply/offerings/{offering}", applicant(NOT_FOUND, OK)),
    ("POST", "/apply/offerings/{offering}", applicant(NOT_FOUND, INVALID)),
    ("POST", "/apply/offerings/{offering}/delete", applicant(NOT_FOUND, REDIRECT)),  # after the edit rows: it deletes
    ("GET", "/admin/applications", STAFF_ONLY),
    ("GET", "/admin/applications/{application}", STAFF_ONLY),
    ("POST", "/admin/applications/{application}/approve", staff_only(REDIRECT)),
    ("POST", "/admin/institutions/{published}/status", staff_only(303)),  # no action chosen: back to the page
    ("POST", "/admin/experts/{expert}/status", staff_only(303)),  # the same for an expert
    ("POST", "/institutions/{published}/confirm", {"anonymous": REDIRECT, "staff": REDIRECT, "admin": REDIRECT, "*": FORBIDDEN}),
    ("GET", "/admin/stale", STAFF_ONLY),
    ("GET", "/admin/records", STAFF_ONLY),
    ("GET", "/admin/records?kind=experts&status=suspended&q=x&category=1&region=1", STAFF_ONLY),
    ("GET", "/admin/records?kind=bogus&status=bogus&category=abc", STAFF_ONLY),  # unknown filters are dropped
    ("GET", "/opendata/hsds.zip", {"*": OK}),
    ("GET", "/admin/import", STAFF_ONLY),
    ("POST", "/admin/import", staff_only(INVALID)),
    ("POST", "/admin/import/{upload_token}", staff_only(REDIRECT)),  # unknown upload: back to the form
    ("GET", "/admin/import/template/institutions.xlsx", STAFF_ONLY),
    ("GET", "/admin/import/template/experts.xlsx", STAFF_ONLY),
    ("GET", "/admin/users", {"anonymous": REDIRECT, "admin": OK, "*": FORBIDDEN}),
    ("GET", "/admin/export/experts.csv", STAFF_ONLY),  # carries expert contact details
    ("GET", "/admin/taxonomy", STAFF_ONLY),
    ("POST", "/institutions/{published}/invitations",  # no e-mail given: back with a message
     {"anonymous": REDIRECT, "staff": 303, "admin": 303, "*": FORBIDDEN}),
    ("GET", "/invite/unknown-token", {"*": NOT_FOUND}),
    # {other_user} does not work with {published}: staff are told so, nobody else may even ask
    ("POST", "/institutions/{published}/colleagues/{other_user}/remove",
     {"anonymous": REDIRECT, "staff": NOT_FOUND, "admin": NOT_FOUND, "*": FORBIDDEN}),
    ("POST", "/invite/unknown-token", {"*": NOT_FOUND}),
    ("POST", "/institutions/{unpublished}/attachments",  # no file chosen: back with a message
     {"anonymous": REDIRECT, "owner": 303, "staff": 303, "admin": 303, "*": FORBIDDEN}),
    ("GET", "/attachments/{attachment}", {"anonymous": REDIRECT, "owner": OK, "staff": OK, "admin": OK, "*": NOT_FOUND}),
    ("POST", "/attachments/{attachment}/delete",
     {"anonymous": REDIRECT, "owner": REDIRECT, "staff": REDIRECT, "admin": REDIRECT, "*": NOT_FOUND}),
    ("POST", "/admin/taxonomy/tag", staff_only(INVALID)),  # no name
    ("POST", "/admin/taxonomy/tag/{tag}", staff_only(INVALID)),
    ("POST", "/admin/taxonomy/tag/{tag}/delete", staff_only(REDIRECT)),
    ("GET", "/my/institution", applicant(REDIRECT, REDIRECT)),  # no admitted record: to the application
    ("GET", "/admin/changes", STAFF_ONLY),
    ("GET", "/admin/changes/{change}", STAFF_ONLY),
    ("POST", "/admin/changes/{change}", staff_only(INVALID)),  # rejection without a reason
    ("POST", "/admin/users/{other_user}", {"anonymous": REDIRECT, "admin": 303, "*": FORBIDDEN}),
    # needs: "enterprise" is a user of the enterprise that posted {demand} and {private_demand}
    ("GET", "/needs", {"anonymous": REDIRECT, "*": OK}),
    ("GET", "/needs/new", {"anonymous": REDIRECT, "enterprise": OK, "staff": OK, "admin": OK, "*": FORBIDDEN}),
    ("POST", "/needs/new", {"anonymous": REDIRECT, "enterprise": INVALID, "staff": INVALID, "admin": INVALID,
                            "*": FORBIDDEN}),
    ("GET", "/needs/{demand}", {"anonymous": REDIRECT, "*": OK}),
    ("GET", "/needs/{private_demand}", {"anonymous": REDIRECT, "enterprise": OK, "staff": OK, "admin": OK,
                                        "*": NOT_FOUND}),
    ("GET", "/needs/{demand}/edit", {"anonymous": REDIRECT, "enterprise": OK, "staff": OK, "admin": OK,
                                     "*": FORBIDDEN}),
    ("POST", "/needs/{demand}/edit", {"anonymous": REDIRECT, "enterprise": INVALID, "staff": INVALID,
                                      "admin": INVALID, "*": FORBIDDEN}),
    ("POST", "/needs/{private_demand}/close", {"anonymous": REDIRECT, "enterprise": REDIRECT, "staff": REDIRECT,
                                               "admin": REDIRECT, "*": NOT_FOUND}),
    ("POST", "/needs/{demand}/suggest", staff_only(REDIRECT)),  # nothing ticked: back with a message
    ("GET", "/admin/needs", STAFF_ONLY),
    # engagements: {engagement} is requested by the "enterprise" user's enterprise
    ("POST", "/engagements/request", {"anonymous": REDIRECT, "enterprise": REDIRECT, "*": FORBIDDEN}),
    ("GET", "/engagements", {"anonymous": REDIRECT, "staff": REDIRECT, "admin": REDIRECT, "*": OK}),
    ("GET", "/engagements/{engagement}", {"anonymous": REDIRECT, "enterprise": OK, "staff": OK, "admin": OK,
                                          "*": NOT_FOUND}),
    ("POST", "/engagements/{engagement}/accept", {"anonymous": REDIRECT, "enterprise": FORBIDDEN,
                                                  "staff": REDIRECT, "admin": REDIRECT, "*": NOT_FOUND}),
    ("GET", "/admin/engagements", STAFF_ONLY),
    ("GET", "/admin/engagements/new", STAFF_ONLY),
    ("POST", "/admin/engagements/new", staff_only(INVALID)),
    ("POST", "/engagements/{engagement}/review", {"anonymous": REDIRECT, "enterprise": 303, "staff": 303,
                                                  "admin": 303, "*": NOT_FOUND}),  # empty form: back
    ("POST", "/reviews/{review}/followup-review", {"anonymous": REDIRECT, "enterprise": REDIRECT,
                                                   "staff": REDIRECT, "admin": REDIRECT, "*": NOT_FOUND}),
    ("POST", "/reviews/{review}/respond", {"anonymous": REDIRECT, "enterprise": REDIRECT, "staff": REDIRECT,
                                           "admin": REDIRECT, "*": NOT_FOUND}),
    ("POST", "/reviews/{review}/moderate", staff_only(BAD)),
    ("GET", "/reviews/{review}", {"anonymous": REDIRECT, "enterprise": REDIRECT, "staff": REDIRECT,
                                  "admin": REDIRECT, "*": NOT_FOUND}),  # an engagement's review: to its page
    ("GET", "/admin/reviews", STAFF_ONLY),
    ("POST", "/reviews/{review}/approve", staff_only(REDIRECT)),  # not waiting: refused with a message
    ("POST", "/reviews/{review}/reject", staff_only(REDIRECT)),
    ("GET", "/admin/enterprises", STAFF_ONLY),
    ("GET", "/admin/enterprises?unverified=1", STAFF_ONLY),
    ("GET", "/admin/enterprises?size=medium&unverified=1", STAFF_ONLY),
    ("GET", "/admin/enterprises?size=bogus", STAFF_ONLY),  # an unknown size is dropped
    ("POST", "/admin/enterprises/{enterprise}/verify", staff_only(REDIRECT)),
    ("GET", "/ratings", {"*": OK}),
    ("GET", "/recommendations/how", {"*": OK}),
    ("POST", "/api/v1/recommendations", {"*": INVALID}),  # no body
    # events: {event} is open for registration; {draft_event} is a draft; nobody in the matrix is registered
    ("GET", "/events", {"*": OK}),
    ("GET", "/events/{event}", {"*": OK}),
    ("GET", "/events/{draft_event}", {"staff": OK, "admin": OK, "*": NOT_FOUND}),
    ("POST", "/events/{event}/register", {"anonymous": REDIRECT, "enterprise": REDIRECT, "*": FORBIDDEN}),
    # the "enterprise" user has just registered (the row above); the other roles could not
    ("POST", "/events/{event}/participation", {"anonymous": REDIRECT, "enterprise": REDIRECT, "*": FORBIDDEN}),
    ("POST", "/events/{event}/cancel-registration", {"anonymous": REDIRECT, "enterprise": REDIRECT,
                                                     "*": FORBIDDEN}),
    ("GET", "/events/{event}/participants", {"anonymous": REDIRECT, "staff": OK, "admin": OK, "*": FORBIDDEN}),
    ("POST", "/events/{event}/requests", {"anonymous": REDIRECT, "*": FORBIDDEN}),
    ("GET", "/events/{event}/requests", {"anonymous": REDIRECT, "*": FORBIDDEN}),
    ("POST", "/events/{event}/requests/{meeting_request}/accept",
     {"anonymous": REDIRECT, "staff": REDIRECT, "admin": REDIRECT, "*": FORBIDDEN}),  # staff may answer for the recipient
    ("GET", "/events/{event}/agenda", {"anonymous": REDIRECT, "*": FORBIDDEN}),
    ("GET", "/events/{event}/agenda.ics", {"anonymous": REDIRECT, "*": FORBIDDEN}),
    ("POST", "/events/{event}/meetings/{meeting}/feedback", {"anonymous": REDIRECT, "*": REDIRECT}),  # empty form
    ("POST", "/events/{event}/meetings/{meeting}/review", {"anonymous": REDIRECT, "*": REDIRECT}),  # empty form
    ("GET", "/admin/events", STAFF_ONLY),
    ("GET", "/admin/events/new", STAFF_ONLY),
    ("POST", "/admin/events/new", staff_only(INVALID)),
    ("GET", "/admin/events/{event}", STAFF_ONLY),
    ("GET", "/admin/events/{event}/edit", STAFF_ONLY),
    ("POST", "/admin/events/{event}/edit", staff_only(INVALID)),
    ("POST", "/admin/events/{event}/slots", staff_only(INVALID)),  # nothing given: the form again, errors beside the fields
    ("POST", "/admin/events/{event}/close_registration", staff_only(REDIRECT)),
    ("POST", "/admin/events/{event}/schedule", staff_only(REDIRECT)),
    ("POST", "/admin/events/{event}/publish-schedule", staff_only(REDIRECT)),
    ("GET", "/admin/events/{event}/plan", STAFF_ONLY),
    ("POST", "/admin/events/{event}/meetings/{meeting}/lock", staff_only(REDIRECT)),
    ("POST", "/admin/events/{event}/on-the-spot", staff_only(BAD)),  # nothing chosen
    ("GET", "/admin/events/{event}/checkin/{checkin_token}", STAFF_ONLY),
    ("POST", "/admin/events/{event}/checkin/{checkin_token}", staff_only(REDIRECT)),
    ("GET", "/admin/events/{event}/report", STAFF_ONLY),
    ("GET", "/admin/events/{event}/report.xlsx", STAFF_ONLY),
    # evaluation: {period} is computed but not published; "owner" is the draft institution's user
    ("GET", "/admin/evaluation", STAFF_ONLY),
    ("POST", "/admin/evaluation", staff_only(INVALID)),
    ("GET", "/admin/evaluation/{period}", STAFF_ONLY),
    ("POST", "/admin/evaluation/actions/{screening_action}/confirm", staff_only(REDIRECT)),  # no reason: back
    ("POST", "/admin/evaluation/{period}/actions/confirm", staff_only(303)),  # no reason: back, nothing decided
    ("POST", "/admin/evaluation/{period}/actions/reject", staff_only(303)),
    # re-running replaces the unconfirmed proposals (new ids), so it comes after the row above
    ("POST", "/admin/evaluation/{period}/run", staff_only(REDIRECT)),
    ("POST", "/admin/evaluation/{period}/publish", staff_only(REDIRECT)),
    ("GET", "/admin/evaluation/{period}.xlsx", STAFF_ONLY),
    ("GET", "/evaluation/{period}", {"staff": OK, "admin": OK, "*": NOT_FOUND}),  # staff published it just above
    ("GET", "/my/evaluation", {"anonymous": REDIRECT, "owner": REDIRECT, "*": FORBIDDEN}),
    ("GET", "/evaluation/institutions/{published}", {"anonymous": REDIRECT, "staff": OK, "admin": OK,
                                                     "*": NOT_FOUND}),
    ("POST", "/admin/evaluation/institutions/{published}/withdraw-badge", staff_only(INVALID)),  # no reason
    ("GET", "/admin/monitoring", STAFF_ONLY),
    ("GET", "/admin/monitoring?period=abc", staff_only(BAD)),
    ("GET", "/admin/monitoring.xlsx", STAFF_ONLY),
    # the service frame and the portal: {notice} and {policy} are published, {draft_notice} is a draft with a file
    ("GET", "/sitemap", {"*": OK}),
    ("GET", "/accessibility", {"*": OK}),
    ("GET", "/notices", {"*": OK}),
    ("GET", "/notices?q=%", {"*": OK}),
    ("GET", "/policies?category=999999", {"*": BAD}),
    ("GET", "/notices/{notice}", {"*": OK}),
    ("GET", "/notices/{draft_notice}", {"staff": OK, "admin": OK, "*": NOT_FOUND}),
    ("GET", "/notices/{policy}", {"*": NOT_FOUND}),  # a policy lives under /policies
    ("GET", "/policies", {"*": OK}),
    ("GET", "/policies/{policy}", {"*": OK}),
    ("GET", "/notices/files/{notice_file}", {"staff": OK, "admin": OK, "*": NOT_FOUND}),  # of the draft
    ("GET", "/admin/notices", STAFF_ONLY),
    ("GET", "/admin/notices/new", STAFF_ONLY),
    ("POST", "/admin/notices/new", staff_only(INVALID)),
    ("GET", "/admin/notices/{draft_notice}", STAFF_ONLY),
    ("GET", "/admin/notices/{draft_notice}/edit", STAFF_ONLY),
    ("POST", "/admin/notices/{draft_notice}/edit", staff_only(INVALID)),
    ("POST", "/admin/notices/{draft_notice}/attachments", staff_only(303)),  # no file: back with a message
    ("POST", "/admin/notices/{notice}/publish", staff_only(REDIRECT)),  # published already: a message
    ("POST", "/admin/notices/{policy}/retire", staff_only(REDIRECT)),  # the first staff role retires it
    ("POST", "/admin/notices/files/{notice_file}/delete", staff_only(REDIRECT)),
    # long staff jobs: started by a POST (then the progress page), and someone else's job is not there
    ("POST", "/admin/monitoring.xlsx", staff_only(303)),
    ("POST", "/admin/export/experts.csv", staff_only(303)),
    ("GET", "/admin/jobs/{job}", staff_only(NOT_FOUND)),
    ("GET", "/admin/jobs/{job}/status", staff_only(NOT_FOUND)),
    ("GET", "/admin/jobs/{job}/file", staff_only(NOT_FOUND)),
]


@pytest.fixture
def records(db_session):
    from directory.admission.models import Application

    draft = factories.institution(admit=False)
    application = Application(kind="institution", institution_id=draft.id, status="submitted",
                              applicant_id=factories.user(role="institution").id)
    db_session.add(application)
    db_session.flush()
    published = factories.institution()
    client = factories.enterprise()
    completed = factories.engagement(enterprise_obj=client, institution_obj=published, status="completed")
    event = _event(published)
    return {
        **_evaluation(),
        **event,
        "draft_event": _draft_event(),
        "published": published.id,
        "enterprise": client.id,
        "demand": factories.demand(enterprise_obj=client).id,
        "private_demand": factories.demand(enterprise_obj=client, visibility="staff").id,
        "engagement": factories.engagement(enterprise_obj=client, institution_obj=published).id,
        "review": _review(completed),
        "unpublished": draft.id,
        "offering": draft.offerings[0].id,
        "application": application.id,
        "upload_token": "x" * 32,
        "tag": _unused_tag(),
        "attachment": _attachment(draft),
        "other_user": factories.user(role="enterprise").id,
        "change": _change_request(db_session),
        "expert": factories.expert().id,
        "unpublished_expert": factories.expert(admit=False).id,
        "synonyms": dictionary.add_synonyms(terms=["测试词甲", "测试词乙"]).id,
        "stop_word": dictionary.add_stop_word(word="测试停用词").id,
        "message": _message(),
        **_notices(),
        "job": _job(),
    }


def _evaluation():
    from directory.evaluation import screening, services

    services.run(code="2026Q1")
    action = screening.proposals(services.get_period("2026Q1"))[0][0]
    return {"period": "2026Q1", "screening_action": action.id}


def _draft_event():
    from datetime import date

    from directory.events import services

    return services.create_event(user=factories.user(role="staff"), data=services.EventInput(
        title="草稿活动", starts_on=date(2027, 3, 1))).id


def _event(provider_institution):
    """An event open for registration with one accepted, scheduled meeting between two other users."""
    from datetime import UTC, date, datetime

    from directory.events import meeting_requests, planning, registration, services

    staff = factories.user(role="staff")
    event = services.create_event(user=staff, data=services.EventInput(title="测试对接会", starts_on=date(2027, 3, 1)))
    services.set_slots(user=staff, event=event, first_start=datetime(2027, 3, 1, 1, 0, tzinfo=UTC), count=4)
    services.change_status(user=staff, event=event, action="open_registration")
    ent_user = factories.user(role="enterprise", enterprise_id=factories.enterprise().id)
    prov_user = factories.user(role="institution", institution_id=provider_institution.id)
    a = registration.register(user=ent_user, event=event, seeks="专利")
    b = registration.register(user=prov_user, event=event, offers="专利代理", listed=True)
    request = meeting_requests.request_meeting(user=ent_user, requester=a, recipient=b, message="想约谈")
    meeting_requests.respond_to_request(user=prov_user, request=request, accept=True)
    pending = meeting_requests.request_meeting(user=ent_user, requester=a,
                                               recipient=registration.register(user=factories.user(
                                           role="institution", institution_id=factories.institution().id),
                                           event=event, listed=True), message="想约谈")
    planning.run(event=event, user=staff)
    from sqlmodel import select

    from directory.events.models import Meeting
    from directory.extensions import db

    meeting = db.session.exec(select(Meeting).where(Meeting.request_id == request.id)).one()
    return {"event": event.id, "meeting": meeting.id, "meeting_request": pending.id, "checkin_token": a.checkin_token}


def _notices():
    from directory.notices.services import add_attachment
    from tests.notices.helpers import PDF, notice, staff_user

    draft = notice(title="草稿通知", publish=False)
    return {"notice": notice(title="已发布的通知").id, "policy": notice(kind="policy", title="已发布的政策").id,
            "draft_notice": draft.id,
            "notice_file": add_attachment(user=staff_user(), notice=draft, filename="指南.pdf", data=PDF).id}


def _review(engagement):
    from directory.reviews.models import Review

    review = Review(engagement_id=engagement.id, enterprise_id=engagement.enterprise_id,
                    institution_id=engagement.institution_id, quality=4, efficiency=4, expertise=4, attitude=4,
                    price=4, verdict="satisfied")
    from directory.extensions import db

    db.session.add(review)
    db.session.flush()
    return review.id


def _job():
    """A waiting export job of another staff user (the suite's queue has no consumer)."""
    from flask import current_app

    owner = factories.user(role="staff")
    return current_app.extensions["jobs"].start("exports.records", "experts", "csv", owner.id, "导出",
                                                owner_id=owner.id, title="导出")


def _message():
    from directory.notifications.services import notify

    return notify(users=[factories.user(role="enterprise")], kind="test", title="别人的消息")[0].id


def _attachment(institution):
    from directory.admission import attachments

    owner = factories.user(role="staff")
    return attachments.add(institution=institution, user=owner, filename="证书.pdf", data=b"%PDF-1.4 test").id


def _unused_tag():
    from directory.taxonomy.services import add_term

    return add_term(kind="tag", name="测试标签").id


def _change_request(session):
    from directory.admission.models import ChangeRequest

    inst = factories.institution()
    change = ChangeRequest(institution_id=inst.id, requested_by_id=factories.user(role="institution").id,
                           before={"name": inst.name}, proposed={"name": "营口新名字有限公司"})
    session.add(change)
    session.flush()
    return change.id


def login_as(auth, role, records):
    if role == "anonymous":
        return
    if role == "owner":
        auth.login("institution", institution_id=records["unpublished"])
    elif role == "enterprise" and "enterprise" in records:
        auth.login("enterprise", enterprise_id=records["enterprise"])
    else:
        auth.login(role)


@pytest.mark.parametrize("role", ROLES)
def test_matrix(client, auth, records, role):
    login_as(auth, role, records)
    failures = []
    for method, template, expected in MATRIX:
        url = template.format(**records)
        response = client.open(url, method=method)
        want = expected.get(role, expected["*"])
        if response.status_code != want:
            failures.append(f"{method} {url}: {response.status_code}, expected {want}")
        if method == "POST" and template in ("/logout", "/logout/everywhere") and role != "anonymous":
            login_as(auth, role, records)
    assert not failures, "\n".join(failures)


def test_every_route_is_in_the_matrix(app):
    covered = {template.split("?")[0].replace("{", "<").replace("}", ">") for _m, template, _e in MATRIX}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<int:{arg}>", "<id>").replace(f"<{arg}>", "<id>")
        if not any(_same(path, c) for c in covered):
            missing.append(rule.rule)
    assert not missing, f"routes without access tests: {missing}"


def _same(path, covered):
    a, b = path.strip("/").split("/"), covered.strip("/").split("/")
    return len(a) == len(b) and all(x == y or (x == "<id>" and y.startswith("<")) or (x.startswith("<") and y)
                                    for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("role", ["anonymous", "enterprise", "institution"])
def test_expert_contact_hidden_from_public_and_users(client, auth, db_session, role):
    expert = factories.expert(phone="13912345678", email="secret-expert@example.cn")
    login_as(auth, role, {})
    page = client.get(f"/experts/{expert.id}").get_data(as_text=True)
    api = client.get(f"/api/v1/experts/{expert.id}").get_data(as_text=True)
    for text in (page, api):
        assert "13912345678" not in text and "secret-expert@example.cn" not in text


@pytest.mark.parametrize("role", ["staff", "admin", "self"])
def test_expert_contact_visible_to_staff_and_the_expert(client, auth, db_session, role):
    expert = factories.expert(phone="13912345678")
    if role == "self":
        auth.login("expert", expert_id=expert.id)
    else:
        auth.login(role)
    assert "13912345678" in client.get(f"/experts/{expert.id}").get_data(as_text=True)
    assert "13912345678" not in client.get(f"/api/v1/experts/{expert.id}").get_data(as_text=True)
