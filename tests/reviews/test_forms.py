"""Reviews are fair surveys: no answer is chosen in advance, the 1–5 scales say which end is which, and the
review panel on an agenda stays folded until the enterprise opens it."""

import re
from datetime import UTC, datetime

from sqlmodel import select

from directory.events import day, meeting_requests, planning, registration
from directory.events import services as events
from directory.events.models import MeetingStatus
from directory.reviews.forms import ReviewForm
from directory.reviews.models import Review
from tests import factories


def _form_html(page, marker):
    start = page.index(marker)
    return page[start:page.index("</form>", start)]


def _login(client, user):
    assert client.post("/login", data={"login": user.email, "password": factories.PASSWORD}).status_code == 302


def test_the_review_form_chooses_nothing_in_advance_and_labels_both_ends(client, auth, db_session):
    inst, company = factories.institution(), factories.enterprise()
    engagement = factories.engagement(enterprise_obj=company, institution_obj=inst, status="completed")
    auth.login("enterprise", enterprise_id=company.id)
    form = _form_html(client.get(f"/engagements/{engagement.id}").get_data(as_text=True), 'id="review-form"')
    assert "checked" not in form and "selected" not in form
    assert form.count('type="radio"') == 5 * 5 + 5  # five scales of five, and the five 好差评 levels
    assert form.count("1 · 很差") == 5 and form.count("5 · 很好") == 5


def test_a_review_without_a_verdict_is_refused_with_the_reason(client, auth, db_session, app):
    inst, company = factories.institution(), factories.enterprise()
    engagement = factories.engagement(enterprise_obj=company, institution_obj=inst, status="completed")
    scores = {d: "4" for d in ("quality", "efficiency", "expertise", "attitude", "price")}
    with app.test_request_context(method="POST", data=scores):
        form = ReviewForm()
        assert not form.validate()
        assert form.verdict.errors == ["请选择满意程度。"] and not form.quality.errors
    auth.login("enterprise", enterprise_id=company.id)
    response = client.post(f"/engagements/{engagement.id}/review", data=scores)
    assert response.status_code == 303
    assert db_session.exec(select(Review).where(Review.engagement_id == engagement.id)).first() is None


def _held_meeting():
    staff = factories.user(role="staff")
    event = events.create_event(user=staff, data=events.EventInput(title="公平评价对接会",
                                                                    starts_on=datetime(2027, 5, 20).date()))
    events.set_slots(user=staff, event=event, first_start=datetime(2027, 5, 20, 1, 0, tzinfo=UTC), count=2)
    events.change_status(user=staff, event=event, action="open_registration")
    company = factories.user(role="enterprise", enterprise_id=factories.enterprise().id)
    provider = factories.user(role="institution", institution_id=factories.institution().id)
    a = registration.register(user=company, event=event, seeks="专利")
    b = registration.register(user=provider, event=event, offers="专利代理", listed=True)
    request = meeting_requests.request_meeting(user=company, requester=a, recipient=b, message="想了解专利代理")
    meeting_requests.respond_to_request(user=provider, request=request, accept=True)
    planning.run(event=event, user=staff)
    events.change_status(user=staff, event=event, action="start")
    [item] = planning.agenda(a)
    day.mark(user=staff, meeting=item.meeting, status=MeetingStatus.HELD)
    return event, company


def test_the_agenda_keeps_the_review_folded_and_the_feedback_unchosen(client, db_session):
    event, company = _held_meeting()
    _login(client, company)
    page = client.get(f"/events/{event.id}/agenda").get_data(as_text=True)
    panel = re.search(r"<details[^>]*meeting-review-panel[^>]*>", page)
    assert panel and " open" not in panel.group(0)  # folded until asked for
    assert page.index(panel.group(0)) < page.index('class="card card-body p-2 mt-2 meeting-review"')
    feedback = _form_html(page, "feedback-form")
    assert "checked" not in feedback and "1 · 很差" in feedback and "5 · 很好" in feedback
    # no outcome is chosen for the participant: the menu opens on "choose…"
    assert re.search(r'<select[^>]*outcome[^>]*>\s*<option value="">', feedback) and "selected" not in feedback
