"""client key grace: a rotated API key may keep working for a set number of hours

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 05:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyong.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("auth_clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_key_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("previous_key_expires_at", xinyong.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("auth_clients", schema=None) as batch_op:
        batch_op.drop_column("previous_key_expires_at")
        batch_op.drop_column("previous_key_hash")
