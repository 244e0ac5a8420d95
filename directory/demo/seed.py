"""`flask seed demo`: the standard classification, then the demo directory, its accounts, activity and events,
loaded through the same services and validation as a real import. Running it twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlmodel import select

from directory.core.time import utcnow
from directory.demo.accounts import seed_accounts
from directory.demo.activity import seed_activity
from directory.demo.events import seed_events
from directory.demo.notices import seed_notices
from directory.demo.records import DEMO_DIR, load, seed_enterprises, seed_institutions_and_experts
from directory.evaluation.models import EvaluationPeriod
from directory.evaluation.services import get_period, publish, run
from directory.extensions import db
from directory.imports.services import ImportReport
from directory.taxonomy.services import LoadReport, load_taxonomy
from search.dictionary import load_defaults as load_search_defaults


@dataclass
class DemoReport:
    taxonomy: LoadReport
    institutions: ImportReport
    experts: ImportReport
    enterprises_created: int = 0
    accounts_created: list[str] = field(default_factory=list)


def seed_demo(directory: Path = DEMO_DIR) -> DemoReport:
    """Load taxonomy, institutions, experts, enterprises, demo accounts, activity, events, notices and
    policies, and a published evaluation. Idempotent. Raises :class:`directory.demo.records.SeedError` when the demo data does not
    validate. Flushes only."""
    taxonomy = load_taxonomy()
    load_search_defaults()
    inst_report, expert_report = seed_institutions_and_experts(directory)
    enterprises = load("enterprises.json", directory)
    created = seed_enterprises(enterprises)
    accounts_created = seed_accounts()
    seed_activity(enterprises)
    seed_events()
    seed_notices()
    _seed_evaluation()
    return DemoReport(taxonomy=taxonomy, institutions=inst_report, experts=expert_report,
                      enterprises_created=created, accounts_created=accounts_created)


def _seed_evaluation() -> None:
    """Evaluate and publish the last complete quarter once, so grades, badges and the dashboard have data on
    first start."""
    today = utcnow().date()
    quarter = (today.month - 1) // 3  # the previous quarter: 0 means the last one of last year
    year, q = (today.year, quarter) if quarter else (today.year - 1, 4)
    code = f"{year}Q{q}"
    if db.session.exec(select(EvaluationPeriod).where(EvaluationPeriod.code == code)).first() is None:
        run(code=code, today=date(year, 12, 31))
        publish(period=get_period(code))
