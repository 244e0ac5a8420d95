"""Fixtures of the events tests: a staff user and a small board of four meetings laid out by hand."""

from __future__ import annotations

from typing import Any

import pytest

from directory.accounts.models import User
from directory.events import planning
from tests import factories
from tests.events.helpers import (
    accepted,
    make_event,
    meeting_of,
    place,
    provider,
    register,
)


@pytest.fixture
def staff(db_session: Any) -> User:
    return factories.user(role="staff")


@pytest.fixture
def board(db_session, staff):
    """Three meeting slots (positions 0, 2, 3; 1 is a break), two tables; four meetings put in place by hand:
    (e1,p1) 0/1  (e2,p2) 0/2  (e1,p2) 2/1  (e3,p3) 3/1; p3 is unavailable in slot 2."""
    event = make_event(staff, count=3, breaks={1: 15}, tables=2)
    e1, e2, e3 = register(event), register(event), register(event)
    p1, p2, p3 = provider(event), provider(event), provider(event, unavailable=[2])
    requests = [accepted(e1, p1), accepted(e2, p2), accepted(e1, p2), accepted(e3, p3)]
    planning.run(event=event, user=staff)
    meetings = [meeting_of(db_session, r) for r in requests]
    for m in meetings:  # clear the board, then lay it out
        m.slot_position = m.table_no = None
        db_session.add(m)
    for m, (position, table) in zip(meetings, [(0, 1), (0, 2), (2, 1), (3, 1)], strict=True):
        place(staff, m, position, table)
    return {"event": event, "e1": e1, "e2": e2, "e3": e3, "p1": p1, "p2": p2, "p3": p3, "m": meetings}
