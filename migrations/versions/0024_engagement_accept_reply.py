"""the provider's reply when it accepts a service request, kept on the engagement (issue 16, item 4)

Revision ID: 0024
Revises: 0022
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("engagement") as batch:
        batch.add_column(sa.Column("accept_reply", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("engagement") as batch:
        batch.drop_column("accept_reply")
