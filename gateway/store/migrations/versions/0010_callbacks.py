"""callbacks: messages and callback requests the agent took (name, number, reason, best time),
open until a member of staff marks them done (gateway/store/callbacks.py)

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "callbacks",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("caller_name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("best_time", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_by", sa.String(length=255), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("crm_task_id", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_callbacks_status_created", "callbacks", ["status", "created_at"])
    op.create_index("ix_callbacks_conversation_id", "callbacks", ["conversation_id"])


def downgrade() -> None:
    op.drop_index("ix_callbacks_conversation_id", table_name="callbacks")
    op.drop_index("ix_callbacks_status_created", table_name="callbacks")
    op.drop_table("callbacks")
