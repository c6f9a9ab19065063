"""maintenance schedules, service records, vehicle allowed hours and designated zone,
organisation telemetry settings; telemetry events about a vehicle need no device

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 19:08:36.147636
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "maintenance_schedules",
        sa.Column("vehicle_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("every_km", sa.Float(), nullable=True),
        sa.Column("every_engine_hours", sa.Float(), nullable=True),
        sa.Column("every_days", sa.Integer(), nullable=True),
        sa.Column("margin_km", sa.Float(), nullable=False),
        sa.Column("margin_engine_hours", sa.Float(), nullable=False),
        sa.Column("margin_days", sa.Integer(), nullable=False),
        sa.Column("last_done_on", sa.Date(), nullable=False),
        sa.Column("last_done_odometer_km", sa.Float(), nullable=True),
        sa.Column("last_done_engine_hours", sa.Float(), nullable=True),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_maintenance_schedules_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_maintenance_schedules_vehicle_id_vehicles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_schedules")),
        sa.UniqueConstraint("vehicle_id", "name", name=op.f("uq_maintenance_schedules_vehicle_id")),
    )
    with op.batch_alter_table("maintenance_schedules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_maintenance_schedules_org_id"), ["org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_maintenance_schedules_vehicle_id"), ["vehicle_id"], unique=False
        )

    op.create_table(
        "service_records",
        sa.Column("vehicle_id", sa.Uuid(), nullable=False),
        sa.Column("schedule_id", sa.Uuid(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=False),
        sa.Column("odometer_km", sa.Float(), nullable=True),
        sa.Column("engine_hours", sa.Float(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("cost", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_service_records_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["maintenance_schedules.id"],
            name=op.f("fk_service_records_schedule_id_maintenance_schedules"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_service_records_vehicle_id_vehicles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_records")),
    )
    with op.batch_alter_table("service_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_records_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_service_records_schedule_id"), ["schedule_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_service_records_vehicle_id"), ["vehicle_id"], unique=False
        )

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("telemetry_settings", sa.JSON(), server_default="{}", nullable=False)
        )

    with op.batch_alter_table("telemetry_events", schema=None) as batch_op:
        batch_op.alter_column("device_id", existing_type=sa.Uuid(), nullable=True)

    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("allowed_hours", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("designated_zone_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_vehicles_designated_zone_id_zones"),
            "zones",
            ["designated_zone_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_vehicles_designated_zone_id_zones"), type_="foreignkey"
        )
        batch_op.drop_column("designated_zone_id")
        batch_op.drop_column("allowed_hours")

    # Events about a vehicle alone (maintenance) have no device to keep them under.
    op.execute("DELETE FROM telemetry_events WHERE device_id IS NULL")
    with op.batch_alter_table("telemetry_events", schema=None) as batch_op:
        batch_op.alter_column("device_id", existing_type=sa.Uuid(), nullable=False)

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("telemetry_settings")

    with op.batch_alter_table("service_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_records_vehicle_id"))
        batch_op.drop_index(batch_op.f("ix_service_records_schedule_id"))
        batch_op.drop_index(batch_op.f("ix_service_records_org_id"))

    op.drop_table("service_records")
    with op.batch_alter_table("maintenance_schedules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_maintenance_schedules_vehicle_id"))
        batch_op.drop_index(batch_op.f("ix_maintenance_schedules_org_id"))

    op.drop_table("maintenance_schedules")
