"""ingest batch corrections: a returned batch sent again corrected points at its correction

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ingest_batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replaced_by", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_ingest_batches_replaced_by"), ["replaced_by"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_ingest_batches_replaced_by_ingest_batches"),
            "ingest_batches",
            ["replaced_by"],
            ["id"],
        )
    with op.batch_alter_table("ingest_uploads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replaces", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_ingest_uploads_replaces_ingest_batches"), "ingest_batches", ["replaces"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("ingest_uploads", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_ingest_uploads_replaces_ingest_batches"), type_="foreignkey")
        batch_op.drop_column("replaces")
    with op.batch_alter_table("ingest_batches", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_ingest_batches_replaced_by_ingest_batches"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_ingest_batches_replaced_by"))
        batch_op.drop_column("replaced_by")
