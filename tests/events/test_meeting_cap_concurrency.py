"""Fifty meeting requests to one provider whose cap is ten, all accepted at the same moment: exactly ten are
accepted, the other forty refused with the cap's message. Real commits on a fresh database per backend, one
thread and one app context (one session, one connection) per accept, each a write transaction as a request
is; on PostgreSQL the participants' row locks are what keep the count right."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlmodel import func, select

from directory.accounts.models import User
from directory.core.db import commit_or_rollback
from directory.core.errors import InvalidInput
from directory.events import meeting_requests, registration, services
from directory.events.models import MeetingRequest
from directory.extensions import db
from tests import factories
from tests.concurrency import at_once, own_database
from tests.conftest import BACKENDS

CAP, REQUESTS = 10, 50


@pytest.mark.parametrize("backend", BACKENDS)
def test_fifty_accepts_at_once_never_exceed_the_meeting_cap(backend, tmp_path, meili, monkeypatch):
    monkeypatch.setattr("directory.accounts.services.hash_password", lambda password: "unused")
    with own_database(backend, tmp_path, meili, "c") as app:
        with app.app_context():
            with commit_or_rollback(db.session):
                staff = factories.user(role="staff")
                event = services.create_event(user=staff, data=services.EventInput(
                    title="营口企业服务对接会", starts_on=datetime(2027, 5, 20).date(),
                    max_meetings_per_participant=CAP))
                services.set_slots(user=staff, event=event, first_start=datetime(2027, 5, 20, 1, tzinfo=UTC),
                                   count=12)
                services.change_status(user=staff, event=event, action="open_registration")
                prov_user = factories.user(role="institution", institution_id=factories.institution().id)
                prov = registration.register(user=prov_user, event=event, listed=True)
                request_ids = []
                for _ in range(REQUESTS):
                    ent_user = factories.user(role="enterprise", enterprise_id=factories.enterprise().id)
                    ent = registration.register(user=ent_user, event=event)
                    request_ids.append(meeting_requests.request_meeting(user=ent_user, requester=ent, recipient=prov,
                                                                        message="想约谈").id)
                prov_user_id = prov_user.id

        def accept(request_id: int) -> str:
            with app.app_context():
                try:
                    with commit_or_rollback(db.session):
                        meeting_requests.respond_to_request(user=db.session.get_one(User, prov_user_id),
                                                            request=db.session.get_one(MeetingRequest, request_id),
                                                            accept=True)
                except InvalidInput as exc:
                    return str(exc.field)
                return "accepted"

        outcomes, errors = at_once([lambda rid=rid: accept(rid) for rid in request_ids])
        assert not errors, errors[:3]
        assert Counter(outcomes) == {"accepted": CAP, "request": REQUESTS - CAP}
        with app.app_context():
            stored = dict(db.session.exec(select(MeetingRequest.status, func.count()).where(
                MeetingRequest.recipient_id == prov.id).group_by(MeetingRequest.status)).all())
            assert stored == {"accepted": CAP, "pending": REQUESTS - CAP}
