"""planning

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 15:34:16.333376
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Columns added to existing tables get server defaults so rows already there stay valid.
    op.create_table(
        "plans",
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("depot_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("solver", sa.JSON(), nullable=False),
        sa.Column("stats", sa.JSON(), nullable=False),
        sa.Column("unplanned", sa.JSON(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["depot_id"], ["depots.id"], name=op.f("fk_plans_depot_id_depots"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_plans_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plans_org_id"), ["org_id"], unique=False)

    with op.batch_alter_table("drivers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shift_start", sa.Time(), nullable=True))
        batch_op.add_column(sa.Column("shift_end", sa.Time(), nullable=True))
        batch_op.add_column(sa.Column("max_shift_minutes", sa.Integer(), nullable=True))

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("required_skills", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )

    with op.batch_alter_table("routes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("planned_duration_s", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("end_leg_seconds", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("end_leg_metres", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("geometry", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("plan_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_routes_plan_id"), ["plan_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_routes_plan_id_plans"), "plans", ["plan_id"], ["id"], ondelete="SET NULL"
        )

    with op.batch_alter_table("stops", schema=None) as batch_op:
        batch_op.add_column(sa.Column("leg_seconds", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("leg_metres", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("locked", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("skills", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.drop_column("skills")

    with op.batch_alter_table("stops", schema=None) as batch_op:
        batch_op.drop_column("locked")
        batch_op.drop_column("leg_metres")
        batch_op.drop_column("leg_seconds")

    with op.batch_alter_table("routes", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_routes_plan_id_plans"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_routes_plan_id"))
        batch_op.drop_column("plan_id")
        batch_op.drop_column("geometry")
        batch_op.drop_column("end_leg_metres")
        batch_op.drop_column("end_leg_seconds")
        batch_op.drop_column("planned_duration_s")

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("required_skills")

    with op.batch_alter_table("drivers", schema=None) as batch_op:
        batch_op.drop_column("max_shift_minutes")
        batch_op.drop_column("shift_end")
        batch_op.drop_column("shift_start")

    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plans_org_id"))

    op.drop_table("plans")
