"""pickup

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 16:53:34.853699
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pickup_address", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("pickup_lat", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("pickup_lon", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("pickup_window_start", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("pickup_window_end", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("pickup_service_minutes", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("pickup_service_minutes")
        batch_op.drop_column("pickup_window_end")
        batch_op.drop_column("pickup_window_start")
        batch_op.drop_column("pickup_lon")
        batch_op.drop_column("pickup_lat")
        batch_op.drop_column("pickup_address")
