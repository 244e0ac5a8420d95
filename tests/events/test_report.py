"""The event report: meetings and outcomes counted, and exported."""

from __future__ import annotations

from directory.events import day, planning, services
from directory.events.models import (
    EventParticipant,
    MeetingStatus,
)
from tests.events.helpers import (
    accepted,
    make_event,
    meeting_of,
    provider,
    register,
    user_of,
)


def test_the_report_counts_meetings_and_outcomes_and_exports_them(db_session, staff):
    from io import BytesIO

    from openpyxl import load_workbook

    from directory.events import report

    event = make_event(staff)
    held_request = accepted(register(event), provider(event))
    missed_request = accepted(register(event), provider(event))
    planning.run(event=event, user=staff)
    services.change_status(user=staff, event=event, action="start")
    held, missed = meeting_of(db_session, held_request), meeting_of(db_session, missed_request)
    day.mark(user=staff, meeting=held, status=MeetingStatus.HELD)
    day.mark(user=staff, meeting=missed, status=MeetingStatus.NO_SHOW)
    requester = db_session.get(EventParticipant, held_request.requester_id)
    recipient = db_session.get(EventParticipant, held_request.recipient_id)
    day.give_feedback(user=user_of(requester), meeting=held, data=day.FeedbackInput(rating=4, outcome="intent"))
    day.give_feedback(user=user_of(recipient), meeting=held,
                      data=day.FeedbackInput(rating=5, outcome="signed", amount=80000))
    figures = report.build(event)
    assert (figures.requested, figures.scheduled, figures.held, figures.no_show) == (2, 2, 1, 1)
    assert figures.no_show_rate == 0.5 and figures.satisfaction == 4.5
    assert figures.outcomes == {"signed": 1, "intent": 0, "none": 0} and figures.amount_signed == 80000
    book = load_workbook(BytesIO(report.to_xlsx(event)))
    rows = list(book.worksheets[2].iter_rows(min_row=3, values_only=True))
    assert sorted((r[4], r[5]) for r in rows) == [("held", "signed"), ("no_show", None)]  # an empty cell reads back as None


def test_the_report_download_is_named_by_the_event_title_and_date(client, auth, db_session, staff):
    from urllib.parse import unquote

    from tests.events.helpers import START

    # what staff type is not always a safe file name
    event = services.create_event(user=staff, data=services.EventInput(title="镁/铝专场: 服务对接会?",
                                                                       starts_on=START.date()))
    auth.login("staff")
    response = client.get(f"/admin/events/{event.id}/report.xlsx")
    assert response.status_code == 200
    fallback, encoded = response.headers["Content-Disposition"].split("; filename*=UTF-8''")
    assert unquote(encoded) == "镁_铝专场_ 服务对接会_-活动报告-2027-05-20.xlsx"  # RFC 5987: the Chinese name
    assert fallback == f'attachment; filename="event-{event.id}-report-2027-05-20.xlsx"'  # ASCII for the rest
