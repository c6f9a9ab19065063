"""telemetry

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 16:23:21.784683
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "live_states",
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("vehicle_id", sa.Uuid(), nullable=True),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("speed", sa.Float(), nullable=True),
        sa.Column("heading", sa.Float(), nullable=True),
        sa.Column("accuracy", sa.Float(), nullable=True),
        sa.Column("odometer_m", sa.Float(), nullable=False),
        sa.Column("motion", sa.String(length=10), nullable=True),
        sa.Column("ignition", sa.Boolean(), nullable=True),
        sa.Column("battery", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            name=op.f("fk_live_states_device_id_devices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_live_states_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_live_states_vehicle_id_vehicles"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_live_states")),
    )
    with op.batch_alter_table("live_states", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_live_states_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_live_states_vehicle_id"), ["vehicle_id"], unique=False)

    op.create_table(
        "pings",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("vehicle_id", sa.Uuid(), nullable=True),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("speed", sa.Float(), nullable=True),
        sa.Column("heading", sa.Float(), nullable=True),
        sa.Column("accuracy", sa.Float(), nullable=True),
        sa.Column("altitude", sa.Float(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("protocol", sa.String(length=20), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            name=op.f("fk_pings_device_id_devices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_pings_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_pings_vehicle_id_vehicles"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pings")),
        sa.UniqueConstraint("device_id", "time", name=op.f("uq_pings_device_id")),
    )
    with op.batch_alter_table("pings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pings_org_id"), ["org_id"], unique=False)
        batch_op.create_index("ix_pings_vehicle_time", ["vehicle_id", "time"], unique=False)

    op.create_table(
        "telemetry_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("vehicle_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            name=op.f("fk_telemetry_events_device_id_devices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_telemetry_events_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_telemetry_events_vehicle_id_vehicles"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telemetry_events")),
    )
    with op.batch_alter_table("telemetry_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_telemetry_events_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            "ix_telemetry_events_vehicle_time", ["vehicle_id", "time"], unique=False
        )

    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token_hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_devices_token_hash"), ["token_hash"])


def downgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_devices_token_hash"), type_="unique")
        batch_op.drop_column("token_hash")

    with op.batch_alter_table("telemetry_events", schema=None) as batch_op:
        batch_op.drop_index("ix_telemetry_events_vehicle_time")
        batch_op.drop_index(batch_op.f("ix_telemetry_events_org_id"))

    op.drop_table("telemetry_events")
    with op.batch_alter_table("pings", schema=None) as batch_op:
        batch_op.drop_index("ix_pings_vehicle_time")
        batch_op.drop_index(batch_op.f("ix_pings_org_id"))

    op.drop_table("pings")
    with op.batch_alter_table("live_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_states_vehicle_id"))
        batch_op.drop_index(batch_op.f("ix_live_states_org_id"))

    op.drop_table("live_states")
