"""institution street address and postal code

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # server defaults fill rows that exist before the upgrade; the model sets the same values on insert.
    with op.batch_alter_table("institution", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("postal_code", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False,
                                      server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("institution", schema=None) as batch_op:
        batch_op.drop_column("postal_code")
        batch_op.drop_column("address")
