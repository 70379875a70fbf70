"""The chat edge's process-wide part: hub, outbox, token signer and per-IP buckets, built once in
the app's lifespan (`Services.start`) and stopped before the database closes so nothing unsent is lost."""

from __future__ import annotations

from gateway.chat.hub import ChatHub
from gateway.chat.limits import PerKeyBuckets
from gateway.chat.outbox import Outbox
from gateway.chat.tokens import SessionTokens
from gateway.conversation import ConversationManager
from gateway.settings import Settings
from gateway.store.db import Database


class ChatService:
    def __init__(self, settings: Settings, db: Database, conversations: ConversationManager) -> None:
        self.settings = settings
        self.hub = ChatHub(conversations, Outbox(db))
        self.tokens = SessionTokens(settings.session_secret_value(), settings.chat_session_max_age_s)
        self.ip_messages = PerKeyBuckets(settings.chat_ip_rate_burst, settings.chat_ip_rate_per_s)
        self.ip_connects = PerKeyBuckets(settings.chat_ip_connect_burst, settings.chat_ip_connect_per_s)
        self.connections = 0

    @classmethod
    def start(cls, settings: Settings, db: Database, conversations: ConversationManager) -> ChatService:
        service = cls(settings, db, conversations)
        service.hub.start()
        return service

    async def stop(self) -> None:
        await self.hub.stop()
