"""audit guard: no TRUNCATE of audit tables; chain heads only move forward and are never deleted

Revision ID: 0005
Revises: 0004

0001 made audit_events refuse UPDATE and DELETE. On PostgreSQL, TRUNCATE bypasses row triggers,
and emptying audit_heads made `audit verify` report "ok: 0 chains". The application only ever
inserts a head (at seq 0) and moves it forward to the event it has just inserted, so anything else
on audit_heads is refused too. SQLite has no TRUNCATE (a bare DELETE fires the triggers once any
exist), so there only the audit_heads triggers are added.
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_PG_UP = [
    "CREATE OR REPLACE FUNCTION audit_refuse_truncate() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION '% is append-only: TRUNCATE refused', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()",
    "CREATE TRIGGER audit_heads_no_truncate BEFORE TRUNCATE ON audit_heads "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()",
    "CREATE OR REPLACE FUNCTION audit_heads_forward_only() RETURNS trigger AS $$ "
    "BEGIN "
    "IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'audit_heads is append-only: DELETE refused'; END IF; "
    "IF NEW.conversation_id <> OLD.conversation_id OR NEW.seq <= OLD.seq THEN "
    "RAISE EXCEPTION 'audit_heads is append-only: a chain head only moves forward'; END IF; "
    "RETURN NEW; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_heads_forward_only BEFORE UPDATE OR DELETE ON audit_heads "
    "FOR EACH ROW EXECUTE FUNCTION audit_heads_forward_only()",
]
_PG_DOWN = [
    "DROP TRIGGER IF EXISTS audit_heads_forward_only ON audit_heads",
    "DROP FUNCTION IF EXISTS audit_heads_forward_only()",
    "DROP TRIGGER IF EXISTS audit_heads_no_truncate ON audit_heads",
    "DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events",
    "DROP FUNCTION IF EXISTS audit_refuse_truncate()",
]
_SQLITE_UP = [
    "CREATE TRIGGER audit_heads_no_delete BEFORE DELETE ON audit_heads "
    "BEGIN SELECT RAISE(ABORT, 'audit_heads is append-only: DELETE refused'); END",
    "CREATE TRIGGER audit_heads_forward_only BEFORE UPDATE ON audit_heads "
    "WHEN NEW.conversation_id <> OLD.conversation_id OR NEW.seq <= OLD.seq "
    "BEGIN SELECT RAISE(ABORT, 'audit_heads is append-only: a chain head only moves forward'); END",
]
_SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_heads_forward_only",
    "DROP TRIGGER IF EXISTS audit_heads_no_delete",
]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in _SQLITE_UP if sqlite else _PG_UP:
        op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in _SQLITE_DOWN if sqlite else _PG_DOWN:
        op.execute(statement)
