"""What a provider's requests tell about it: how fast it answers and how much it has open.

Read in batches when search documents are built (search.indexes), so a recommendation reads them from the
hits instead of querying engagements per request; the documents are re-sent when an engagement changes
(search.outbox captures engagements for their provider).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select

from directory.core.time import utcnow
from directory.engagements.models import Engagement, EngagementStatus
from directory.extensions import db

OPEN_STATUSES = (EngagementStatus.REQUESTED, EngagementStatus.ACCEPTED, EngagementStatus.IN_PROGRESS)
RESPONSE_WINDOW = timedelta(days=365)


def provider_stats(kind: str, ids: Iterable[int], *, now: datetime | None = None
                   ) -> dict[int, tuple[float | None, int]]:
    """Per provider of ``kind`` ("institution" or "expert"): the mean first-response time in hours over the
    last year (``None`` without any answered request) and the number of open requests. Two grouped queries
    whatever the number of ids."""
    ids = list(ids)
    stats: dict[int, tuple[float | None, int]] = dict.fromkeys(ids, (None, 0))
    if not ids:
        return stats
    key = col(Engagement.institution_id) if kind == "institution" else col(Engagement.expert_id)
    since = (now or utcnow()) - RESPONSE_WINDOW
    hours: dict[int, list[float]] = defaultdict(list)
    for provider_id, requested, responded in db.session.exec(select(key, Engagement.requested_at,
                                                                    Engagement.responded_at).where(
            key.in_(ids), col(Engagement.responded_at).is_not(None), Engagement.requested_at >= since)).all():
        hours[provider_id].append((responded - requested).total_seconds() / 3600)
    open_counts = dict(db.session.exec(select(key, func.count()).where(
        key.in_(ids), col(Engagement.status).in_(OPEN_STATUSES)).group_by(key)).all())
    for provider_id in ids:
        h = hours.get(provider_id)
        stats[provider_id] = (sum(h) / len(h) if h else None, int(open_counts.get(provider_id, 0)))
    return stats
