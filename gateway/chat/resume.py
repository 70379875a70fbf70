"""Resuming a chat with its session token: who may, for how long, and which token is current.

- Absolute lifetime: a conversation can be resumed until `FRONTDESK_CHAT_SESSION_MAX_AGE_S` after it
  started, however often it was resumed meanwhile (each resume issues a new token, and a lifetime
  per token would let a chain of resumes keep it alive for ever).
- One current token: each conversation has a generation number in `chat_sessions`; a token carries
  the generation it was issued with, and resuming moves the number on (compare-and-set, so of two
  racing resumes with the same token one wins, on any replica). Every older token, a copied one
  included, is refused from then on.
- A closed conversation can be resumed (to read how it ended) only for
  `FRONTDESK_CHAT_CLOSED_RESUME_S` after it closed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import ForeignKey, String, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from gateway.chat.tokens import SessionTokens, TokenRefused
from gateway.statuses import ConversationStatus
from gateway.store.db import Database
from gateway.store.models import Base, ConversationRow, utcnow


class ChatSessionRow(Base):
    __tablename__ = "chat_sessions"

    conversation_id: Mapped[str] = mapped_column(String(64), ForeignKey("conversations.id"), primary_key=True)
    generation: Mapped[int]  # the generation of the one token that may resume the conversation
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class ResumeTokens:
    def __init__(self, db: Database, tokens: SessionTokens, max_age_s: float, closed_resume_s: float) -> None:
        self._db = db
        self._tokens = tokens
        self._max_age = timedelta(seconds=max_age_s)
        self._closed_resume = timedelta(seconds=closed_resume_s)

    async def first(self, conversation_id: str) -> str:
        """The token of a conversation just opened."""
        async with self._db.session() as s, s.begin():
            s.add(ChatSessionRow(conversation_id=conversation_id, generation=1))
        return self._tokens.issue(conversation_id, 1)

    async def resume(self, token: str) -> tuple[str, str]:
        """(conversation id, its new token), the old token now revoked; `TokenRefused` says why not."""
        conversation_id, generation = self._tokens.read(token)
        now = datetime.now(UTC)
        async with self._db.session() as s:
            conversation = await s.get(ConversationRow, conversation_id)
            current = await s.get(ChatSessionRow, conversation_id)
        if conversation is None or conversation.channel != "chat":
            raise TokenRefused("bad_token", "session token is not valid")
        if now - _aware(conversation.started_at) > self._max_age:
            raise TokenRefused("token_expired", "this conversation is too old to resume; start a new one")
        if conversation.status == ConversationStatus.CLOSED and (
            conversation.ended_at is None or now - _aware(conversation.ended_at) > self._closed_resume
        ):
            raise TokenRefused("token_expired", "this conversation has ended; start a new one")
        if current is None:  # a conversation from before generations were kept: this token is its first
            await self._insert(conversation_id, generation + 1)
        else:
            await self._advance(conversation_id, generation)
        return conversation_id, self._tokens.issue(conversation_id, generation + 1)

    async def _advance(self, conversation_id: str, generation: int) -> None:
        async with self._db.session() as s, s.begin():
            moved = await s.execute(
                update(ChatSessionRow)
                .where(
                    ChatSessionRow.conversation_id == conversation_id,
                    ChatSessionRow.generation == generation,
                )
                .values(generation=generation + 1, issued_at=utcnow())
            )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            raise TokenRefused(
                "token_revoked", "this session token was replaced by a newer one; start a new conversation"
            )

    async def _insert(self, conversation_id: str, generation: int) -> None:
        try:
            async with self._db.session() as s, s.begin():
                s.add(ChatSessionRow(conversation_id=conversation_id, generation=generation))
        except IntegrityError:
            raise TokenRefused(
                "token_revoked", "this session token was replaced by a newer one; start a new conversation"
            ) from None
