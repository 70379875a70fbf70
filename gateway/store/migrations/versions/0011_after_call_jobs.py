"""after_call_jobs: the durable queue of after-call work in the CRM, one row per conversation and
kind (gateway/after_call/)

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "after_call_jobs",
        sa.Column("id", sa.String(length=32), primary_key=True),
        sa.Column("conversation_id", sa.String(length=64), sa.ForeignKey("conversations.id"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=128), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("crm", sa.String(length=32), nullable=True),
        sa.Column("result_id", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("conversation_id", "kind", name="uq_after_call_conversation_kind"),
    )
    op.create_index("ix_after_call_jobs_conversation_id", "after_call_jobs", ["conversation_id"])
    op.create_index("ix_after_call_jobs_due", "after_call_jobs", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_after_call_jobs_due", table_name="after_call_jobs")
    op.drop_index("ix_after_call_jobs_conversation_id", table_name="after_call_jobs")
    op.drop_table("after_call_jobs")
