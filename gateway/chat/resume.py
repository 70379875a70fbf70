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
- While the database is away (issue #18) a chat opened here goes on: its first token's generation
  is put in the turn spool (gateway/store/open_writes.py) behind the conversation's row and
  remembered here. Until that row is stored (the spool replayed) this process alone knows the
  conversation, so it decides its resumes in memory (its age, one current token; while this
  process's hub holds, closed or not, every event the client missed) and spools each new
  generation; once stored, the
  database decides, on any replica. A chat opened before the outage
  cannot be resumed until the database is back (its token is only there): `resume_unavailable`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ForeignKey, String, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from gateway.chat.tokens import SessionTokens, TokenRefused
from gateway.logging import get_logger
from gateway.statuses import ConversationStatus
from gateway.store.db import Database, unreachable
from gateway.store.group_commit import GroupCommitter
from gateway.store.models import Base, ConversationRow, utcnow
from gateway.store.open_writes import CHAT_SESSION, chat_session_row, conversation_spooled, spooled
from gateway.store.spool_file import SpoolFull

log = get_logger(__name__)

_REVOKED = "this session token was replaced by a newer one; start a new conversation"


class ChatSessionRow(Base):
    __tablename__ = "chat_sessions"

    conversation_id: Mapped[str] = mapped_column(String(64), ForeignKey("conversations.id"), primary_key=True)
    generation: Mapped[int]  # the generation of the one token that may resume the conversation
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)


class ResumeUnavailable(Exception):
    """The resume needs the database, which is away: nothing was changed, the token stays current."""


@dataclass(slots=True)
class _OpenedHere:
    generation: int  # of the one current token
    started_at: datetime


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class ResumeTokens:
    def __init__(
        self,
        db: Database,
        tokens: SessionTokens,
        max_age_s: float,
        closed_resume_s: float,
        *,
        writes: GroupCommitter | None = None,
        held_here: Callable[[str, int], bool] = lambda conversation_id, after_seq: False,
    ) -> None:
        """`writes`: the turn writer whose spool keeps a new chat's token while the database is
        away (None: no chat starts then). `held_here(conversation, after_seq)`: whether this
        process's hub has the conversation's events after that seq in memory (a resume decided
        here replays them from there: they may be only in the spool)."""
        self._db = db
        self._tokens = tokens
        self._max_age = timedelta(seconds=max_age_s)
        self._closed_resume = timedelta(seconds=closed_resume_s)
        self._writes = writes
        self._held_here = held_here
        self._opened_here: dict[str, _OpenedHere] = {}  # chats whose token row is in the spool

    async def first(self, conversation_id: str) -> str:
        """The token of a conversation just opened (while the database is away: its row spooled,
        when there is a spool with room; else the database's error)."""
        if not await self._first_while_away(conversation_id, None):
            try:
                async with self._db.session() as s, s.begin():
                    s.add(ChatSessionRow(conversation_id=conversation_id, generation=1))
            except Exception as exc:
                if not await self._first_while_away(conversation_id, exc):
                    raise
            else:
                if self._opened_here and self._writes is not None and not self._writes.spool_state()[0]:
                    self._opened_here.clear()  # every chat opened in an outage is on record now
        return self._tokens.issue(conversation_id, 1)

    async def _first_while_away(self, conversation_id: str, failed: Exception | None) -> bool:
        """The first token's row into the spool: when the conversation's own row waits there
        (`failed` None: not tried, the database could not take it before that row, also if it
        answers again meanwhile), or the database failed being away. False: not spooled."""
        if self._writes is None:
            return False
        if failed is None and not conversation_spooled(self._writes, conversation_id):
            return False
        if failed is not None and not unreachable(failed):
            return False
        if not await self._spool_generation(conversation_id, 1):
            return False
        self._opened_here[conversation_id] = _OpenedHere(1, datetime.now(UTC))
        return True

    async def resume(self, token: str, last_seq: int = 0) -> tuple[str, str]:
        """(conversation id, its new token), the old token now revoked; `TokenRefused` says why not,
        `ResumeUnavailable` when it cannot be decided or served without the database (nothing
        changed then). `last_seq`: the last event the client has."""
        conversation_id, generation = self._tokens.read(token)
        now = datetime.now(UTC)
        if self._decided_here(conversation_id):
            return await self._resume_here(conversation_id, generation, last_seq, now)
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

    def _decided_here(self, conversation_id: str) -> bool:
        """The conversation's token row still waits in the spool: the database does not know it."""
        if self._writes is None or self._writes.spool is None or not self._opened_here:
            return False
        pending = self._writes.spool.pending
        if not pending:  # all stored: the database decides from now on
            self._opened_here.clear()
            return False
        if conversation_id not in self._opened_here:
            return False
        if spooled(pending, CHAT_SESSION, "conversation_id", conversation_id):
            return True
        del self._opened_here[conversation_id]
        return False

    async def _resume_here(
        self, conversation_id: str, generation: int, last_seq: int, now: datetime
    ) -> tuple[str, str]:
        opened = self._opened_here[conversation_id]
        if now - opened.started_at > self._max_age:
            raise TokenRefused("token_expired", "this conversation is too old to resume; start a new one")
        if generation != opened.generation:
            raise TokenRefused("token_revoked", _REVOKED)
        if not self._held_here(conversation_id, last_seq):  # what it missed is only in the spool
            raise ResumeUnavailable("what the client missed is not in this process's memory")
        opened.generation = generation + 1  # no await since the check: of two resumes one wins
        if not await self._spool_generation(conversation_id, generation + 1):
            opened.generation = generation
            raise ResumeUnavailable("the spool refused the token's new generation")
        return conversation_id, self._tokens.issue(conversation_id, generation + 1)

    async def _spool_generation(self, conversation_id: str, generation: int) -> bool:
        """The conversation's current token generation into the turn spool: False when there is
        no spool here or it refused."""
        if self._writes is None:
            return False
        try:
            await self._writes.spool_rows([chat_session_row(conversation_id, generation, datetime.now(UTC))])
        except (RuntimeError, SpoolFull, OSError):
            return False
        log.info("chat token issued while the database is unreachable: its generation is in the turn spool")
        return True

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
            raise TokenRefused("token_revoked", _REVOKED)

    async def _insert(self, conversation_id: str, generation: int) -> None:
        try:
            async with self._db.session() as s, s.begin():
                s.add(ChatSessionRow(conversation_id=conversation_id, generation=generation))
        except IntegrityError:
            raise TokenRefused("token_revoked", _REVOKED) from None
