"""`flask seed taxonomy` and `flask seed demo`: the standard classification, then the demo directory,
loaded through the same services and validation as a real import."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import select

from directory.accounts import services as accounts
from directory.accounts.models import Role, User
from directory.enterprises.models import Enterprise
from directory.enterprises.services import EnterpriseInput, upsert_enterprise
from directory.experts.models import Expert
from directory.extensions import db
from directory.imports.services import ImportReport, import_rows
from directory.institutions.models import Institution
from directory.settings import PROJECT_ROOT
from directory.taxonomy.services import LoadReport, Vocabulary, load_taxonomy
from search.dictionary import load_defaults as load_search_defaults

DEMO_DIR = PROJECT_ROOT / "seeds" / "demo"
# Published in the README and below the password policy (10 characters, not a common one): the demo seed
# creates its accounts with the policy off, the only path that does. A real deployment never runs `seed demo`.
DEMO_PASSWORD = "demo-2026"

# The demo accounts the README lists; the profile each is linked to is the first record of its kind.
DEMO_ACCOUNTS = (
    (Role.ADMIN, "admin@demo.yk", "演示管理员"),
    (Role.STAFF, "staff@demo.yk", "服务中心工作人员"),
    (Role.ENTERPRISE, "enterprise@demo.yk", "企业用户"),
    (Role.INSTITUTION, "institution@demo.yk", "机构用户"),
    (Role.EXPERT, "expert@demo.yk", "专家用户"),
)


class SeedError(RuntimeError):
    """The demo data does not validate (a bug in seeds/, reported with its rows)."""


@dataclass
class DemoReport:
    taxonomy: LoadReport
    institutions: ImportReport
    experts: ImportReport
    enterprises_created: int = 0
    accounts_created: list[str] = field(default_factory=list)


def _load(name: str, directory: Path) -> list[dict[str, Any]]:
    return json.loads((directory / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**item, "__row__": i} for i, item in enumerate(items, start=1)]


def seed_demo(directory: Path = DEMO_DIR) -> DemoReport:
    """Load taxonomy, institutions, experts, enterprises and demo accounts. Idempotent. Flushes only."""
    taxonomy = load_taxonomy()
    load_search_defaults()
    inst_report = import_rows("institutions", _rows(_load("institutions.json", directory)), admit=True)
    expert_report = import_rows("experts", _rows(_load("experts.json", directory)), admit=True)
    for checked in (inst_report, expert_report):
        if checked.errors:
            raise SeedError("\n".join(str(e) for e in checked.errors[:20]))
    vocab = Vocabulary()
    created = 0
    for item in _load("enterprises.json", directory):
        _enterprise, was_created = upsert_enterprise(data=EnterpriseInput(
            name=item["name"], credit_code=item.get("credit_code"), region=vocab.region(item.get("region", "")),
            industry=vocab.industry(item.get("industry", "")),
            tags=[t for t in (vocab.tag(n) for n in item.get("tags", [])) if t is not None],
            size=item.get("size", ""), founded_year=item.get("founded_year"), staff_count=item.get("staff_count"),
            description=item.get("description", ""), contact_name=item.get("contact_name", ""),
            contact_phone=item.get("contact_phone", ""), email=item.get("email", "")), verify=True)
        created += was_created
    accounts_created = _demo_accounts()
    from directory.demo_activity import seed_activity

    seed_activity(_load("enterprises.json", directory))
    from directory.demo_events import seed_events

    seed_events()
    _demo_evaluation()
    return DemoReport(taxonomy=taxonomy, institutions=inst_report, experts=expert_report,
                      enterprises_created=created, accounts_created=accounts_created)


def _demo_accounts() -> list[str]:
    created = []
    first = {
        "institution_id": db.session.exec(select(Institution.id).order_by(Institution.id)).first(),  # type: ignore[arg-type]
        "expert_id": db.session.exec(select(Expert.id).order_by(Expert.id)).first(),  # type: ignore[arg-type]
        "enterprise_id": db.session.exec(select(Enterprise.id).order_by(Enterprise.id)).first(),  # type: ignore[arg-type]
    }
    for role, email, name in DEMO_ACCOUNTS:
        if accounts.find_by_login(email) is not None:
            continue
        # Demo only: the demo accounts share a published password that the policy would refuse.
        user: User = accounts.create_user(role=role, email=email, password=DEMO_PASSWORD, display_name=name,
                                          password_policy=False)
        link = {Role.INSTITUTION: "institution_id", Role.EXPERT: "expert_id", Role.ENTERPRISE: "enterprise_id"}.get(role)
        if link:
            setattr(user, link, first[link])
        created.append(email)
    db.session.flush()
    return created


def _demo_evaluation() -> None:
    """Evaluate and publish the last complete quarter once, so grades, badges and the dashboard have data on
    first start."""
    from datetime import date

    from directory.core.time import utcnow
    from directory.evaluation.models import EvaluationPeriod
    from directory.evaluation.services import get_period, publish, run

    today = utcnow().date()
    quarter = (today.month - 1) // 3  # the previous quarter: 0 means the last one of last year
    year, q = (today.year, quarter) if quarter else (today.year - 1, 4)
    code = f"{year}Q{q}"
    if db.session.exec(select(EvaluationPeriod).where(EvaluationPeriod.code == code)).first() is None:
        run(code=code, today=date(year, 12, 31))
        publish(period=get_period(code))
