"""demo practice tables (connectors/demo/models.py)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 16:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BOOKED = sa.text("status = 'booked'")


def upgrade() -> None:
    op.create_table(
        "demo_providers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("specialty", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "demo_patients",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("first_name_key", sa.String(length=100), nullable=False),
        sa.Column("last_name_key", sa.String(length=100), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_demo_patients_identity", "demo_patients", ["last_name_key", "first_name_key", "date_of_birth"]
    )
    op.create_index("ix_demo_patients_phone", "demo_patients", ["phone"])
    op.create_table(
        "demo_appointments",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=False),
        sa.Column("provider_id", sa.String(length=64), nullable=False),
        sa.Column("start_utc", sa.DateTime(), nullable=False),
        sa.Column("end_utc", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("created_utc", sa.DateTime(), nullable=False),
        sa.Column("updated_utc", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["demo_patients.id"]),
        sa.ForeignKeyConstraint(["provider_id"], ["demo_providers.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    # At most one booked appointment per provider and start: double booking is impossible.
    op.create_index(
        "uq_demo_appointments_provider_start_booked",
        "demo_appointments",
        ["provider_id", "start_utc"],
        unique=True,
        sqlite_where=BOOKED,
        postgresql_where=BOOKED,
    )
    op.create_index("ix_demo_appointments_patient", "demo_appointments", ["patient_id", "start_utc"])
    op.create_table(
        "demo_idempotency",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("operation", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_utc", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("demo_idempotency")
    op.drop_index("ix_demo_appointments_patient", table_name="demo_appointments")
    op.drop_index("uq_demo_appointments_provider_start_booked", table_name="demo_appointments")
    op.drop_table("demo_appointments")
    op.drop_index("ix_demo_patients_phone", table_name="demo_patients")
    op.drop_index("ix_demo_patients_identity", table_name="demo_patients")
    op.drop_table("demo_patients")
    op.drop_table("demo_providers")
