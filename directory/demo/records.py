"""The demo directory from ``seeds/demo/*.json``: institutions and experts through the same validation and
upserts as a real import (admitted at once), enterprises through the enterprises' service (verified)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from directory.enterprises.services import EnterpriseInput, upsert_enterprise
from directory.imports.services import ImportReport, import_rows
from directory.settings import PROJECT_ROOT
from directory.taxonomy.services import Vocabulary

DEMO_DIR = PROJECT_ROOT / "seeds" / "demo"


class SeedError(RuntimeError):
    """The demo data does not validate (a bug in seeds/, reported with its rows)."""


def load(name: str, directory: Path = DEMO_DIR) -> list[dict[str, Any]]:
    """One demo file's items (``institutions.json`` …)."""
    return json.loads((directory / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**item, "__row__": i} for i, item in enumerate(items, start=1)]


def seed_institutions_and_experts(directory: Path = DEMO_DIR) -> tuple[ImportReport, ImportReport]:
    """Import and admit the demo institutions and experts. Raises :class:`SeedError` when a row does not
    validate. Idempotent (an unchanged row is reported ``unchanged``). Flushes."""
    inst_report = import_rows("institutions", _rows(load("institutions.json", directory)), admit=True)
    expert_report = import_rows("experts", _rows(load("experts.json", directory)), admit=True)
    for checked in (inst_report, expert_report):
        if checked.errors:
            raise SeedError("\n".join(str(e) for e in checked.errors[:20]))
    return inst_report, expert_report


def seed_enterprises(items: list[dict[str, Any]]) -> int:
    """Create or update the demo enterprises (verified, as if imported); returns how many were created."""
    vocab = Vocabulary()
    created = 0
    for item in items:
        _enterprise, was_created = upsert_enterprise(data=EnterpriseInput(
            name=item["name"], credit_code=item.get("credit_code"), region=vocab.region(item.get("region", "")),
            industry=vocab.industry(item.get("industry", "")),
            tags=[t for t in (vocab.tag(n) for n in item.get("tags", [])) if t is not None],
            size=item.get("size", ""), founded_year=item.get("founded_year"), staff_count=item.get("staff_count"),
            description=item.get("description", ""), contact_name=item.get("contact_name", ""),
            contact_phone=item.get("contact_phone", ""), email=item.get("email", "")), verify=True)
        created += was_created
    return created
