"""conversations.replica_id: which gateway process holds a live call, so that when it dies another
replica (or the restarted process) ends the call on the books (gateway/cluster/replicas.py)

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch_op:
        batch_op.add_column(sa.Column("replica_id", sa.String(length=96), nullable=True))
        batch_op.create_index("ix_conversations_replica_status", ["replica_id", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch_op:
        batch_op.drop_index("ix_conversations_replica_status")
        batch_op.drop_column("replica_id")
