"""ingest uploads: big files from the console or the API become batches in the background

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import xinyong.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ingest_uploads",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("encoding", sa.String(length=16), nullable=True),
        sa.Column("item_code", sa.String(length=32), nullable=False),
        sa.Column("unit_key", sa.String(length=48), nullable=False),
        sa.Column(
            "actor",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", xinyong.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", xinyong.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", xinyong.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["ingest_batches.id"], name=op.f("fk_ingest_uploads_batch_id_ingest_batches")
        ),
        sa.ForeignKeyConstraint(
            ["item_code"], ["catalog_items.code"], name=op.f("fk_ingest_uploads_item_code_catalog_items")
        ),
        sa.ForeignKeyConstraint(
            ["unit_key"], ["org_units.key"], name=op.f("fk_ingest_uploads_unit_key_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_uploads")),
    )
    with op.batch_alter_table("ingest_uploads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ingest_uploads_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_ingest_uploads_unit_key"), ["unit_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ingest_uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ingest_uploads_unit_key"))
        batch_op.drop_index(batch_op.f("ix_ingest_uploads_status"))
    op.drop_table("ingest_uploads")
