"""Two hundred enterprises register at the same moment for fifty places: exactly fifty get one, the other
hundred and fifty join the waiting list. Real commits on a fresh database per backend, one thread and one app
context (so one session and one connection) per registration, each a write transaction as a request is."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import func, select

from directory.accounts.models import User
from directory.core.db import commit_or_rollback
from directory.events import registration, services
from directory.events.models import Event, EventParticipant
from directory.extensions import db
from tests import factories
from tests.concurrency import at_once, own_database
from tests.conftest import BACKENDS

PLACES, APPLICANTS = 50, 200


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_hundred_registrations_at_once_fill_exactly_fifty_places(backend, tmp_path, meili, monkeypatch):
    # nobody logs in here: spare the 200 argon2 hashes (most of the run time otherwise)
    monkeypatch.setattr("directory.accounts.services.hash_password", lambda password: "unused")
    with own_database(backend, tmp_path, meili, "r") as app:
        with app.app_context():
            with commit_or_rollback(db.session):
                staff = factories.user(role="staff")
                event = services.create_event(user=staff, data=services.EventInput(
                    title="营口企业服务对接会", starts_on=datetime(2027, 5, 20).date(), capacity_enterprises=PLACES))
                services.set_slots(user=staff, event=event, first_start=datetime(2027, 5, 20, 9, tzinfo=UTC), count=6)
                services.change_status(user=staff, event=event, action="open_registration")
                user_ids = [factories.user(role="enterprise", enterprise_id=factories.enterprise().id).id
                            for _ in range(APPLICANTS)]
                event_id = event.id

        def register(user_id: int) -> str:
            # As a POST request does: its own app context, and the transaction is a write transaction from
            # its first statement (SQLite: BEGIN IMMEDIATE, waiting its turn; PostgreSQL: the event row lock).
            with app.app_context():
                with commit_or_rollback(db.session):
                    participant = registration.register(user=db.session.get_one(User, user_id),
                                                        event=db.session.get_one(Event, event_id))
                    return str(participant.status)

        outcomes, errors = at_once([lambda uid=uid: register(uid) for uid in user_ids])
        assert not errors, errors[:3]
        assert Counter(outcomes) == {"registered": PLACES, "waitlisted": APPLICANTS - PLACES}
        with app.app_context():
            stored: Any = db.session.exec(select(EventParticipant.status, func.count()).where(
                EventParticipant.event_id == event_id).group_by(EventParticipant.status)).all()
            assert dict(stored) == {"registered": PLACES, "waitlisted": APPLICANTS - PLACES}
            assert db.session.exec(select(func.count(func.distinct(EventParticipant.user_id))).where(
                EventParticipant.event_id == event_id)).one() == APPLICANTS
