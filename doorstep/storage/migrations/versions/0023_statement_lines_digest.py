"""Statements remember a digest of their lines: settling again rewrites only the
statements whose lines changed.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-27 19:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lines_digest", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.drop_column("lines_digest")
