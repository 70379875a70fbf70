"""handoffs.request_key: the key a handoff is given when it is requested, so that a replay of the
turn spool (a handoff requested while the database was away) stores it once
(gateway/store/conversation_writes.py)

Nullable: rows from before have none, and the release before this one goes on inserting rows
without it (unique allows any number of NULLs on SQLite and PostgreSQL).

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoffs") as batch_op:
        batch_op.add_column(sa.Column("request_key", sa.String(length=32), nullable=True))
        batch_op.create_index("ix_handoffs_request_key", ["request_key"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("handoffs") as batch_op:
        batch_op.drop_index("ix_handoffs_request_key")
        batch_op.drop_column("request_key")
