"""Live ETAs on stops; an index for the offline sweep; pings lose their
unused organisation index (every read goes by vehicle or device and time).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 19:34:58.575910
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pings_org_id"))

    with op.batch_alter_table("stops", schema=None) as batch_op:
        batch_op.add_column(sa.Column("eta", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("eta_earliest", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("eta_latest", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("late_risk", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("stops_away", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("eta_stale", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("eta_computed_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("telemetry_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_telemetry_events_device_kind_time", ["device_id", "kind", "time"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("telemetry_events", schema=None) as batch_op:
        batch_op.drop_index("ix_telemetry_events_device_kind_time")

    with op.batch_alter_table("stops", schema=None) as batch_op:
        batch_op.drop_column("eta_computed_at")
        batch_op.drop_column("eta_stale")
        batch_op.drop_column("stops_away")
        batch_op.drop_column("late_risk")
        batch_op.drop_column("eta_latest")
        batch_op.drop_column("eta_earliest")
        batch_op.drop_column("eta")

    with op.batch_alter_table("pings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pings_org_id"), ["org_id"], unique=False)
