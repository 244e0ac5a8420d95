"""enterprise size inputs (中小企业划型标准) and notification preferences (issue 16, item 7)

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("enterprise") as batch:
        batch.add_column(sa.Column("sector", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("revenue", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("total_assets", sa.Integer(), nullable=True))
    op.create_table(
        "notification_preference",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("inbox", sa.Boolean(), nullable=False),
        sa.Column("mail", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "topic"),
    )


def downgrade() -> None:
    op.drop_table("notification_preference")
    with op.batch_alter_table("enterprise") as batch:
        batch.drop_column("total_assets")
        batch.drop_column("revenue")
        batch.drop_column("sector")
