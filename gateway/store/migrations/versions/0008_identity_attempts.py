"""identity attempts: failed identity checks per patient, calling number and client address,
counted across conversations (backoff and lockout; gateway/store/identity_attempts.py)

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_attempts",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("conversations", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_conversation_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key_hash"),
    )
    op.create_index("ix_identity_attempts_last_failure_at", "identity_attempts", ["last_failure_at"])


def downgrade() -> None:
    op.drop_index("ix_identity_attempts_last_failure_at", table_name="identity_attempts")
    op.drop_table("identity_attempts")
