"""the provider's reply when it accepts a service request, kept on the engagement (issue 16, item 4)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy of the table): on SQLite a copy would drop the monitoring triggers
    # that migration 0023 put on engagement.
    op.add_column("engagement", sa.Column("accept_reply", sa.Text(), nullable=False, server_default=""))


def _monitoring_0023() -> Any:
    spec = importlib.util.spec_from_file_location("m0023", Path(__file__).with_name("0023_monitoring_daily.py"))
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def downgrade() -> None:
    # SQLite drops a column by copying the table, which loses its triggers: put 0023's back afterwards.
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        _monitoring_0023().drop_triggers()
    with op.batch_alter_table("engagement") as batch:
        batch.drop_column("accept_reply")
    if sqlite:
        _monitoring_0023().create_triggers()
