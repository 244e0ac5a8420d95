"""The daily summary (migration 0023's triggers, issue 13) gives the dashboard exactly the raw queries' figures:
varied data — every status, districts, needs with and without a region of their own, invalid and unapproved
reviews, times on both sides of Shanghai midnight and of period bounds — then updates, deletes, an enterprise
moving district and a Core bulk insert, engagements deleted or handed to another enterprise, the two paths
compared after each step, on SQLite and PostgreSQL."""

import dataclasses
import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, insert, select, update

from directory.demands.models import Demand
from directory.engagements.models import Engagement
from directory.enterprises.models import Enterprise
from directory.extensions import db
from directory.institutions.models import Institution, InstitutionCategory, InstitutionTopCategory, Offering
from directory.institutions.services import published_by_top_category
from directory.monitoring import services
from directory.monitoring.models import MonitoringDaily, MonitoringServed
from directory.reviews.models import Review
from directory.taxonomy.models import Category, Region
from tests import factories

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
PERIODS = ["2024", "2025", "2025Q1", "2025Q2", "2025Q4", "2026Q1"]
STATUSES = ["requested", "accepted", "declined", "in_progress", "completed", "cancelled"]
VERDICTS = ["very_satisfied", "satisfied", "basically_satisfied", "dissatisfied", "very_dissatisfied"]
# Instants around the edges: Shanghai midnight is 16:00 UTC; quarter and year bounds; a Thursday and a Saturday.
EDGES = [datetime(2024, 12, 31, 15, 59, 59, tzinfo=UTC), datetime(2024, 12, 31, 16, 0, tzinfo=UTC),
         datetime(2025, 3, 31, 15, 59, 59, 999999, tzinfo=UTC), datetime(2025, 3, 31, 16, 0, tzinfo=UTC),
         datetime(2025, 12, 31, 16, 0, 1, tzinfo=UTC), datetime(2025, 6, 5, 23, 30, tzinfo=UTC),
         datetime(2025, 6, 7, 8, 0, tzinfo=UTC)]


def _flat(value, prefix=""):
    """A dashboard as {path: value} (floats compared with a tolerance: a sum of doubles depends on the order
    of the additions, which even two runs of the raw AVG on PostgreSQL's parallel workers do not share)."""
    if dataclasses.is_dataclass(value):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            out.update(_flat(item, f"{prefix}.{key}"))
        return out
    if isinstance(value, list | tuple):
        out = {}
        for i, item in enumerate(value):
            out.update(_flat(item, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


def assert_same(period, region_id):
    raw = _flat(services.dashboard(period=period, region_id=region_id, now=NOW, summary=False))
    fast = _flat(services.dashboard(period=period, region_id=region_id, now=NOW, summary=True))
    assert raw.keys() == fast.keys()
    for key, value in raw.items():
        if isinstance(value, float) and not isinstance(value, bool):
            assert fast[key] == pytest.approx(value, rel=1e-9), (period, region_id, key)
        else:
            assert fast[key] == value, (period, region_id, key)


def check_all(districts):
    for period in PERIODS:
        for region_id in [None, *districts[:3]]:
            assert_same(period, region_id)


def _when(rng):
    if rng.random() < 0.3:
        return rng.choice(EDGES) + timedelta(seconds=rng.choice([-1, 0, 1]))
    return datetime(2024, 10, 1, tzinfo=UTC) + timedelta(seconds=rng.random() * 500 * 86400)


def test_the_summary_equals_the_raw_queries_through_every_kind_of_write(db_session):
    rng = random.Random(13)
    districts = list(db.session.scalars(select(Region.id).where(Region.kind == "district").order_by(Region.id)))
    enterprises = [factories.enterprise() for _ in range(8)]
    for ent in enterprises:
        ent.region_id = rng.choice([*districts[:4], None])
    provider = factories.institution()
    db.session.flush()
    engagements, demands, reviews = [], [], []
    for _ in range(120):
        requested = _when(rng)
        e = factories.engagement(status=rng.choice(STATUSES), requested_at=requested,
                                 enterprise_obj=rng.choice(enterprises), institution_obj=provider)
        if rng.random() < 0.7:
            e.responded_at = requested + timedelta(hours=rng.expovariate(1 / 40))
        engagements.append(e)
    for _ in range(40):
        created = _when(rng)
        demands.append(factories.demand(
            enterprise_obj=rng.choice(enterprises), status=rng.choice(["open", "answered", "closed"]),
            created_at=created, region_id=rng.choice([None, None, districts[1], districts[5]]),
            answered_at=created + timedelta(hours=rng.random() * 90) if rng.random() < 0.6 else None))
    db.session.flush()
    for e in engagements[:60]:
        r = Review(engagement_id=e.id, enterprise_id=e.enterprise_id, institution_id=e.institution_id, quality=4,
                   efficiency=4, expertise=4, attitude=4, price=4, verdict=rng.choice(VERDICTS),
                   created_at=_when(rng), invalid=rng.random() < 0.1,
                   approval=rng.choice(["approved", "approved", "approved", "pending"]))
        db.session.add(r)
        reviews.append(r)
    db.session.flush()
    assert db.session.scalar(select(MonitoringDaily.n).limit(1)) is not None  # the triggers wrote the summary
    check_all(districts)

    # Updates through the ORM: statuses, answers, times moved across a bound, reviews invalidated or approved.
    for e in rng.sample(engagements, 30):
        e.status = rng.choice(STATUSES)
        e.responded_at = None if rng.random() < 0.3 else e.requested_at + timedelta(hours=rng.random() * 120)
        if rng.random() < 0.3:
            e.requested_at = rng.choice(EDGES)
            e.responded_at = None
    for d in rng.sample(demands, 15):
        d.status, d.region_id = "closed", rng.choice([None, districts[2]])
        d.created_at = rng.choice(EDGES)
    for r in rng.sample(reviews, 20):
        r.invalid, r.approval, r.verdict = not r.invalid, "approved", rng.choice(VERDICTS)
    db.session.flush()
    check_all(districts)

    # An enterprise moves district (its engagements, reviews and region-less needs move with it), one loses it.
    enterprises[0].region_id = districts[6]
    enterprises[1].region_id = None
    db.session.flush()
    db.session.execute(update(Enterprise).where(Enterprise.id == enterprises[2].id).values(region_id=districts[0]))
    check_all(districts)

    # Deletes, and Core statements that no ORM hook would see.
    for r in reviews[:10]:
        db.session.delete(r)
    db.session.flush()
    db.session.execute(delete(Demand).where(Demand.id.in_([d.id for d in demands[:5]])))
    db.session.execute(update(Engagement).where(Engagement.id.in_([e.id for e in engagements[60:80]]))
                       .values(status="cancelled"))
    db.session.execute(insert(Engagement), [
        {"enterprise_id": enterprises[3].id, "institution_id": provider.id, "status": "completed",
         "requested_at": EDGES[i % len(EDGES)], "responded_at": EDGES[i % len(EDGES)] + timedelta(hours=i)}
        for i in range(14)])
    db.session.execute(update(Review).where(Review.id.in_([r.id for r in reviews[10:20]])).values(invalid=True))
    check_all(districts)

    # Engagements deleted (ORM and Core), handed to another enterprise, served ones moved to another quarter:
    # the SMEs served (monitoring_served, migration 0025) follow; no row is left at zero.
    for e in engagements[100:106]:
        db.session.delete(e)
    db.session.flush()
    db.session.execute(delete(Engagement).where(Engagement.id.in_([e.id for e in engagements[106:112]])))
    for e in engagements[80:100]:
        e.enterprise_id = rng.choice(enterprises).id
        if rng.random() < 0.4:
            e.status, e.requested_at = "completed", rng.choice(EDGES)
    db.session.flush()
    check_all(districts)
    enterprises[4].region_id = districts[7]
    db.session.flush()
    check_all(districts)
    assert db.session.scalar(select(MonitoringServed.n).where(MonitoringServed.n <= 0).limit(1)) is None
    assert db.session.scalar(select(MonitoringServed.n).limit(1)) is not None


def test_the_summary_is_what_the_dashboard_reads(db_session):
    """A figure read from the summary, not the raw rows: a summary row written by hand shows on the dashboard
    (so the equality above compares two different computations)."""
    region = db.session.scalar(select(Region.id).where(Region.kind == "district").order_by(Region.id))
    before = services.dashboard(period="2025", region_id=region, now=NOW)
    db.session.add(MonitoringDaily(kind="engagement", day=datetime(2025, 5, 1).date(), region_id=region,
                                   status="completed", n=3))
    db.session.flush()
    after = services.dashboard(period="2025", region_id=region, now=NOW)
    assert after.engagements.total == before.engagements.total + 3
    assert services.dashboard(period="2025", region_id=region, now=NOW, summary=False).engagements.total == \
        before.engagements.total
    db.session.add(MonitoringServed(period="2025", region_id=region, enterprise_id=10**6, n=1))
    db.session.flush()
    assert services.dashboard(period="2025", region_id=region, now=NOW).smes_served == before.smes_served + 1



def _same_category_counts(districts):
    for region_id in [None, *districts[:4]]:
        raw = published_by_top_category(region_id=region_id, summary=False)
        assert published_by_top_category(region_id=region_id) == raw, region_id
    assert db.session.scalar(select(InstitutionTopCategory.n).where(InstitutionTopCategory.n <= 0).limit(1)) is None


def test_the_category_counts_equal_the_raw_count_through_every_kind_of_write(db_session):
    """institution_top_category (migration 0025) gives the home page's and the dashboard's counts per
    top-level category exactly: categories added, removed and changed (two under one top-level category count
    once), institutions admitted, suspended, moved, deleted, a sub-category moved under another parent."""
    rng = random.Random(25)
    districts = list(db.session.scalars(select(Region.id).where(Region.kind == "district").order_by(Region.id)))
    regions = {r.id: r.name for r in db.session.scalars(select(Region).where(Region.kind == "district"))}
    subs = list(db.session.scalars(select(Category).where(Category.parent_id.is_not(None)).order_by(Category.id)))
    tops = list(db.session.scalars(select(Category.id).where(Category.parent_id.is_(None)).order_by(Category.id)))
    institutions = [factories.institution(categories=tuple(c.name for c in rng.sample(subs[:12], rng.randint(1, 3))),
                                          region=regions[rng.choice(districts[:4])], admit=rng.random() < 0.8)
                    for _ in range(14)]
    db.session.flush()
    assert db.session.scalar(select(InstitutionTopCategory.n).limit(1)) is not None
    _same_category_counts(districts)
    assert_same("2025", None)

    # Categories added (two of one top-level category, and a top-level one itself), removed, changed.
    ids = [i.id for i in institutions]
    db.session.execute(delete(InstitutionCategory).where(InstitutionCategory.institution_id == ids[0]))
    db.session.execute(insert(InstitutionCategory), [
        {"institution_id": ids[0], "category_id": subs[0].id}, {"institution_id": ids[0], "category_id": subs[1].id},
        {"institution_id": ids[0], "category_id": subs[0].parent_id}])
    _same_category_counts(districts)
    first = db.session.scalars(select(InstitutionCategory.category_id)
                               .where(InstitutionCategory.institution_id == ids[1])).first()
    db.session.execute(update(InstitutionCategory).where(InstitutionCategory.institution_id == ids[1],
                                                         InstitutionCategory.category_id == first)
                       .values(category_id=subs[20].id))
    db.session.execute(delete(InstitutionCategory).where(InstitutionCategory.institution_id == ids[2],
                                                         InstitutionCategory.category_id != subs[0].id))
    _same_category_counts(districts)

    # Institutions suspended, admitted, moved to another district (ORM and Core), deleted.
    institutions[3].status = "suspended"
    institutions[4].status = "admitted"
    institutions[5].region_id = districts[5]
    db.session.flush()
    db.session.execute(update(Institution).where(Institution.id.in_(ids[6:9])).values(region_id=districts[6]))
    _same_category_counts(districts)
    # (the app never deletes one; the database's cascade to institutioncategory must still be followed)
    db.session.execute(delete(Offering).where(Offering.institution_id.in_(ids[9:11])))
    db.session.execute(delete(Institution).where(Institution.id.in_(ids[9:11])))
    _same_category_counts(districts)

    # A sub-category moved under another top-level category: every institution in it follows.
    moved = db.session.get(Category, subs[1].id)
    moved.parent_id = next(t for t in tops if t != moved.parent_id)
    db.session.flush()
    _same_category_counts(districts)
    assert_same("2025", None)
    assert_same("2025", districts[0])
