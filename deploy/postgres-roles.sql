-- The gateway's runtime role on PostgreSQL: it may read and append to the audit trail, but not
-- change or remove it. Tables belong to the owner role that runs `frontdesk db upgrade`
-- (FRONTDESK_DATABASE_OWNER_URL); the service runs as frontdesk_app (FRONTDESK_DATABASE_URL).
-- Only a table's owner can disable its triggers, so the append-only triggers hold for the service.
--
-- Run once as the owner, after the first `frontdesk db upgrade`, in the gateway's database:
--   psql "postgresql://frontdesk@127.0.0.1/frontdesk" -f deploy/postgres-roles.sql
--   psql ... -c "ALTER ROLE frontdesk_app PASSWORD '...'"
-- Tables that later migrations create get the same grants (ALTER DEFAULT PRIVILEGES below);
-- re-run this file after an upgrade that adds an audit table.

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'frontdesk_app') THEN
    CREATE ROLE frontdesk_app LOGIN;
  END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO frontdesk_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO frontdesk_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO frontdesk_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO frontdesk_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO frontdesk_app;

-- The audit trail: read and append. A chain head row is moved forward on every append (a trigger
-- refuses anything else), so its seq and hash columns can be updated; nothing can be deleted.
REVOKE ALL ON audit_events, audit_heads, alembic_version FROM frontdesk_app;
GRANT SELECT, INSERT ON audit_events TO frontdesk_app;
GRANT SELECT, INSERT, UPDATE (seq, hash) ON audit_heads TO frontdesk_app;
GRANT SELECT ON alembic_version TO frontdesk_app;  -- /readyz compares it with the code's migrations
