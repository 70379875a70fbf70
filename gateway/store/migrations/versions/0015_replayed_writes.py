"""replayed_writes: the keys of spooled status changes a replay of the turn spool has applied, so
that a second replay of the same file does not set them again over a later change
(gateway/store/replayed_writes.py)

A new table: the release before this one neither reads nor writes it.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "replayed_writes",
        sa.Column("key", sa.String(length=32), primary_key=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("replayed_writes")
