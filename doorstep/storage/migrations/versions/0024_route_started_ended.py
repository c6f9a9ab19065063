"""Routes remember when their driver started them and when they ended: a restarted
ETA engine counts the driver's time worked from the real start, and the API shows
both.

Routes started or ended before this revision keep them empty (unknown); a route
never started has no ``started_at``, and one not yet completed or cancelled no
``ended_at``.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-29 16:35:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("routes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("routes", schema=None) as batch_op:
        batch_op.drop_column("ended_at")
        batch_op.drop_column("started_at")
