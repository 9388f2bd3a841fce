"""ingest background approval: big batches are applied after the reviewer's request, with progress

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import xinyong.db

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ingest_batches", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "apply_actor",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("apply_started_at", xinyong.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("apply_attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("apply_error", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ingest_batches", schema=None) as batch_op:
        batch_op.drop_column("apply_error")
        batch_op.drop_column("apply_attempts")
        batch_op.drop_column("apply_started_at")
        batch_op.drop_column("apply_actor")
