"""staff_users.totp_secret wide enough for an encrypted secret (gateway/console/secret_box.py:
`fernet:` and a Fernet token, about 150 characters for a 32-character secret)

Secrets stored in clear stay as they are here (a migration has no business with the key): each is
sealed when next used, or all at once by `frontdesk staff seal-secrets`; `frontdesk doctor` says
how many are left.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch_op:
        batch_op.alter_column(
            "totp_secret",
            existing_type=sa.String(length=64),
            type_=sa.String(length=255),
            existing_nullable=True,
        )


def downgrade() -> None:
    # An encrypted secret does not fit the old column: two-factor is set up again after a downgrade.
    op.execute(
        "UPDATE staff_users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL WHERE totp_secret LIKE 'fernet:%'"
    )
    with op.batch_alter_table("staff_users") as batch_op:
        batch_op.alter_column(
            "totp_secret",
            existing_type=sa.String(length=255),
            type_=sa.String(length=64),
            existing_nullable=True,
        )
