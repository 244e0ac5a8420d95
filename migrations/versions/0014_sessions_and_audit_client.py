"""session version on accounts; client address and record index on the audit log

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Sessions made before this revision carry a bare user id, which the new user loader refuses: everybody
    # logs in once more after the upgrade (a lock made before it then holds for certain).
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))

    with op.batch_alter_table("auditlog", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_address", sqlmodel.sql.sqltypes.AutoString(length=45), nullable=True))
        batch_op.create_index("ix_auditlog_entity", ["entity_type", "entity_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("auditlog", schema=None) as batch_op:
        batch_op.drop_index("ix_auditlog_entity")
        batch_op.drop_column("client_address")

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("session_version")
