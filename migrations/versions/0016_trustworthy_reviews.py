"""enterprise verification, account confirmation, review approval and conflict flags

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verified_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("verified_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("verification", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("created_by_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_enterprise_verified_at"), ["verified_at"], unique=False)
    # Records that carry a credit code came from imports or the seed (registration never asked for one until
    # this revision): they count as matched. Self-registered ones stay unverified until staff check them.
    op.execute("UPDATE enterprise SET verified_at = CURRENT_TIMESTAMP, verification = 'matched' "
               "WHERE credit_code IS NOT NULL")

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enterprise_confirmed", sa.Boolean(), nullable=False,
                                      server_default=sa.true()))

    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approval", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False,
                                      server_default="approved"))
        batch_op.add_column(sa.Column("approval_reason", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("approved_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("conflict", sa.Text(), nullable=False, server_default=""))
        batch_op.create_index(batch_op.f("ix_review_approval"), ["approval"], unique=False)
        batch_op.create_foreign_key("fk_review_approved_by_id", "user_account", ["approved_by_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_constraint("fk_review_approved_by_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_review_approval"))
        for name in ("conflict", "approved_by_id", "approval_reason", "approval"):
            batch_op.drop_column(name)
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("enterprise_confirmed")
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprise_verified_at"))
        for name in ("created_by_id", "verification", "verified_by_id", "verified_at"):
            batch_op.drop_column(name)
