"""An audit store that refuses writes is the operator's alarm: the gateway logs each failed batch,
with counts and the error's type, never the events' values (which hold PHI)."""

from __future__ import annotations

import io
import json

import pytest

from gateway.store.audit import AuditLog, AuditWriteError
from gateway.store.db import Database
from tests.gateway.audit_outage import AuditOutage
from tests.gateway.console.test_phi_logs import captured_logs  # noqa: F401  (fixture)


async def test_a_refused_audit_write_is_logged_without_its_values(
    migrated_db_url: str,
    captured_logs: io.StringIO,  # noqa: F811
) -> None:
    outage = AuditOutage(migrated_db_url)
    await outage.start("turn.user")
    db = Database(migrated_db_url)
    audit = AuditLog(db)
    try:
        with pytest.raises(AuditWriteError):
            await audit.append("c1", "turn.user", "caller", {"text": "Sarah Johnson, born 1985-03-14"})
    finally:
        await outage.end()
        await outage.close()
        await audit.close()
        await db.close()
    text = captured_logs.getvalue()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    [failed] = [line for line in lines if line["event"] == "audit write failed"]
    assert failed["level"] == "error" and failed["events"] == 1 and failed["chains"] == 1, failed
    assert (
        failed["error"]
        and "Sarah" not in text
        and "1985" not in text
        and "audit store unavailable" not in text
    )
