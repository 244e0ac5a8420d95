"""event listing consent with its time

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("eventparticipant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("listed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    # Participants listed before this revision ticked a box that started ticked, on their registration: that
    # is the only moment we know of, so it is recorded as the time of their consent.
    op.execute("UPDATE eventparticipant SET listed_at = registered_at WHERE listed")


def downgrade() -> None:
    with op.batch_alter_table("eventparticipant", schema=None) as batch_op:
        batch_op.drop_column("listed_at")
