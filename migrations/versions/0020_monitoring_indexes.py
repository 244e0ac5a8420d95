"""covering indexes for the monitoring dashboard (issue 13: one year at 10^6 engagements)

Revision ID: 0020
Revises: 0016
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each leads with the period column the dashboard filters on and carries every column its figures read, so a
# period is a range scan of the index alone (an index-only scan on PostgreSQL) instead of a scan of the table.
INDEXES = {
    "ix_engagement_monitoring": ("engagement", ["requested_at", "status", "responded_at", "enterprise_id"]),
    "ix_review_monitoring": ("review", ["created_at", "verdict", "invalid", "approval", "enterprise_id"]),
    "ix_demand_monitoring": ("demand", ["created_at", "status", "answered_at", "region_id", "enterprise_id"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, (table, _columns) in INDEXES.items():
        op.drop_index(name, table_name=table)
