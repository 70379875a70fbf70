"""Process-wide shared resources, opened once in the app's lifespan and passed to every edge.

Each area adds what it owns here (speech models, chat hub ...). Nothing is global: routes reach
it through `request.app.state.services` / `websocket.app.state.services`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agents.api import ConversationAgent
from connectors.base import Connector
from gateway.chat.service import ChatService
from gateway.conversation import ConversationManager
from gateway.settings import Settings
from gateway.store.audit import AuditLog
from gateway.store.db import Database
from gateway.wiring import build_agent_for, build_connector


@dataclass
class Services:
    settings: Settings
    db: Database
    audit: AuditLog
    connector: Connector
    agent: ConversationAgent
    conversations: ConversationManager
    chat: ChatService
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    async def start(cls, settings: Settings) -> Services:
        settings.ensure_data_dir()
        db = Database(settings.database_url)
        await db.ping()
        audit = AuditLog(db)
        connector = build_connector(settings, db)
        agent = build_agent_for(settings, connector, audit)
        conversations = ConversationManager(db, audit, agent)
        chat = ChatService.start(settings, db, conversations)
        return cls(settings, db, audit, connector, agent, conversations, chat)

    async def readiness(self) -> dict[str, Any]:
        from gateway.store.migrate import pending_revisions

        report: dict[str, Any] = {"database": "ok", "migrations": "ok"}
        try:
            await self.db.ping()
            pending = await pending_revisions(self.db)
            if pending:
                report["migrations"] = f"pending: {', '.join(sorted(pending))}"
        except Exception as exc:  # any failure means not ready; say why
            report["database"] = str(exc)
        report["ready"] = report["database"] == "ok" and report["migrations"] == "ok"
        return report

    async def stop(self) -> None:
        await self.chat.stop()  # stores the chat events still queued; needs the database open
        await self.audit.close()
        await self.connector.aclose()
        await self.db.close()
