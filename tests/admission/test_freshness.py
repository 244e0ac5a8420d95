"""Records nobody confirmed for a year are stale: their users are reminded monthly until they confirm them."""

import pytest

from directory.admission import freshness
from directory.core.errors import NotAllowed
from tests import factories


def test_stale_records_and_monthly_reminders(db_session):
    from datetime import timedelta

    from directory.core.time import utcnow

    old = factories.institution(name="营口陈旧信息有限公司")
    fresh = factories.institution()
    owner = factories.user(role="institution", institution_id=old.id)
    old.confirmed_at = utcnow() - timedelta(days=400)
    db_session.flush()
    assert freshness.stale_institutions().items == [old]
    assert fresh not in freshness.stale_institutions()
    assert freshness.remind_stale() == 1
    assert freshness.remind_stale() == 0  # not again within a month
    assert freshness.remind_stale(now=utcnow() + timedelta(days=31)) == 1
    freshness.confirm_current(institution=old, user=owner)
    assert freshness.stale_institutions().items == []
    with pytest.raises(NotAllowed):
        freshness.confirm_current(institution=fresh, user=owner)
