"""The channel-agnostic conversation: user turns in, agent outputs out, everything stored and audited.

Voice and chat edges both drive a `Conversation`. It owns the transcript rows, the persisted agent
state, handoff records and the conversation-level audit events (`conversation.*`, `turn.*`,
`handoff.requested`); the agent emits its own `agent.*` steps through the same audit sink.
After a handoff, user turns are stored for staff and no longer reach the agent.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from agents.api import (
    AgentOutput,
    Channel,
    ConversationAgent,
    ConversationState,
    EndConversation,
    Handoff,
    ReplyDelta,
    UserTurn,
)
from agents.events import EventKind
from agents.expectation import Expectation
from gateway.logging import bind_conversation, get_logger
from gateway.observability.telemetry import Telemetry
from gateway.reply import Reply
from gateway.statuses import ConversationStatus
from gateway.store.audit import AuditLog
from gateway.store.call_writes import hold_write
from gateway.store.conversation_writes import close_writes, handoff_writes, status_write
from gateway.store.db import Database, unreachable
from gateway.store.group_commit import GroupCommitter, Write
from gateway.store.models import ConversationRow, TurnRow, new_id
from gateway.store.open_writes import conversation_row
from gateway.store.row_spool import RowSpool
from gateway.store.spool_file import SpoolFull
from gateway.store.turn_replay import HEARD, STATE, TURN
from gateway.store.turn_replay import REPLAY as TURN_REPLAY
from gateway.voice_first import VoiceFirst

log = get_logger(__name__)

USER_SPEAKER = "caller"
_TURN_CLASH_RETRIES = 20  # replicas writing turns of one conversation at once


def _now() -> datetime:
    return datetime.now(UTC)


class Conversation:
    def __init__(self, manager: ConversationManager, row: ConversationRow) -> None:
        self._m = manager
        self.id = row.id
        self.external_id = row.external_id  # a call's SID (status callbacks find it by it)
        self.status = ConversationStatus(row.status)
        self.state = ConversationState.model_validate(
            row.state or {"conversation_id": row.id, "channel": row.channel, "caller_phone": row.caller_phone}
        )
        # The agent's channel (how the conversation is carried: spoken, typed); the stored one may
        # name the edge more precisely (a browser test call is "web-call", spoken like "voice").
        self.channel: Channel = self.state.channel
        self.last_bot_turn_id: int | None = None
        self._last_bot_text = ""  # what bot turn `last_bot_turn_id` said (its row may be spooled)
        self._turn_seq: int | None = None  # last stored turn number, cached
        self._lock = asyncio.Lock()

    @property
    def closed(self) -> bool:
        return self.status is ConversationStatus.CLOSED

    @property
    def with_person(self) -> bool:
        return self.status.with_person

    def expectation(self) -> Expectation:
        """What the agent expects the caller to say next (voice: recognition hints and keypad
        length). Its vocabulary may hold names on file: use it for recognition, never log it."""
        return self._m.agent.expectation(self.state)

    # -- driving the agent -------------------------------------------------------------------

    def greet(self, preamble: str | None = None) -> Reply:
        """The agent's greeting; `preamble` (the phone's recording notice) is said first, in the
        same bot turn, so the transcript and the audit chain show it was said."""
        return Reply(self._traced(self._greet(preamble), user=False))

    def user_turn(self, turn: UserTurn) -> Reply:
        """Store the turn and, unless a person has the conversation, the agent's reply to it."""
        return Reply(self._traced(self._user_turn(turn), user=True))

    async def _traced(
        self, outputs: AsyncGenerator[AgentOutput, None], *, user: bool
    ) -> AsyncGenerator[AgentOutput, None]:
        """The turn measured (docs/observability.md): its trace (the one the voice edge opened, or
        its own), a user turn counted, and planning: the turn taken to the agent's first words."""
        telemetry = self._m.telemetry
        asked = time.monotonic()
        planned = False
        with telemetry.turn(self.id, self.channel, asked) as trace:
            if user:
                telemetry.metrics.turn(self.channel)
            async with aclosing(outputs) as items:
                async for out in items:
                    if user and not planned and isinstance(out, ReplyDelta):
                        planned = True
                        trace.span("planning", asked)
                        telemetry.metrics.stage(self.channel, "planning", time.monotonic() - asked)
                    yield out
            if planned:
                telemetry.user_turn_done(self.id, self.channel)

    def agent_says(self, outputs: AsyncGenerator[AgentOutput, None]) -> Reply:
        """Words of the agent that answer no user turn (an unclaimed handoff's offer of a message,
        `agents.staff_hours.offer_after_wait`): stored and audited as a bot turn like any other."""
        return Reply(self._traced(self._run_agent(outputs), user=False))

    async def _greet(self, preamble: str | None) -> AsyncGenerator[AgentOutput, None]:
        bind_conversation(self.id)
        # aclosing: when the caller closes this generator (barge-in), the inner one stores the
        # bot turn right away instead of whenever it is garbage-collected.
        async with aclosing(self._run_agent(_after(preamble, self._m.agent.greet(self.state)))) as outputs:
            async for out in outputs:
                yield out

    async def _user_turn(self, turn: UserTurn) -> AsyncGenerator[AgentOutput, None]:
        bind_conversation(self.id)
        meta = dict(turn.meta)
        if turn.confidence is not None:
            meta["confidence"] = turn.confidence
        if turn.dtmf is not None:
            meta["dtmf"] = turn.dtmf
        seq = await self._add_turn(USER_SPEAKER, turn.text, meta=meta)
        self._m.audit.record(
            self.id,
            EventKind.USER_TURN,
            "caller",
            {"turn": seq, "text": turn.text, "channel": turn.channel, **meta},
        )
        if self.closed or self.with_person:
            # A person has the conversation now; staff read it in the console.
            await self._m.audit.flush(self.id)
            return
        if self.channel != "voice":
            await self._m.voice_first.chat_turn()  # stored; the agent runs once no caller waits
        async with aclosing(self._run_agent(self._m.agent.respond(self.state, turn))) as outputs:
            async for out in outputs:
                yield out

    async def _run_agent(self, outputs: AsyncIterator[AgentOutput]) -> AsyncGenerator[AgentOutput, None]:
        said: list[str] = []
        started = _now()
        try:
            async for out in outputs:
                if isinstance(out, ReplyDelta):
                    said.append(out.text)
                elif isinstance(out, Handoff):
                    # the agent has audited its own handoff.requested: store the row, once
                    await self.request_handoff(out.reason, out.summary, audited=True)
                elif isinstance(out, EndConversation):
                    self.state.ended = True
                yield out
        finally:
            # Runs on normal end, on cancellation (barge-in) and on aclose(): what was generated
            # is what the bot said, even when the caller cut it short.
            text = " ".join(s.strip() for s in said if s.strip())
            await asyncio.shield(self._finish_bot_turn(text, started))

    async def _finish_bot_turn(self, text: str, started: datetime) -> None:
        if text:
            seq = await self._add_turn("bot", text, started_at=started, ended_at=_now(), save_state=True)
            self.last_bot_turn_id = seq
            self._last_bot_text = text
            self._m.audit.record(self.id, EventKind.BOT_UTTERANCE, "agent", {"turn": seq, "said": text})
        else:
            await self._save_state()
        # The turn's events (user turn, agent steps, bot utterance) commit together; a failure
        # surfaces here, to the edge driving the turn, instead of vanishing.
        with self._m.telemetry.audit_write(self.id):
            await self._m.audit.flush(self.id)

    async def record_heard(self, turn_id: int, heard_text: str, interrupted: bool) -> None:
        """Voice: what the caller actually heard of bot turn `turn_id` (from Twilio's mark echoes).
        Through the group committer after the turn's own row (so through the spool while the
        database is away: the call goes on)."""
        if turn_id == self.last_bot_turn_id:
            said = self._last_bot_text
        else:
            async with self._m.db.session() as s:
                said = (
                    await s.scalar(
                        select(TurnRow.text).where(TurnRow.conversation_id == self.id, TurnRow.seq == turn_id)
                    )
                ) or ""
        await self._m.writes.write(
            Write(
                _SET_HEARD,
                {"b_id": self.id, "b_seq": turn_id, "b_heard": heard_text, "b_interrupted": interrupted},
                HEARD,
            )
        )
        await self._m.audit.append(
            self.id,
            EventKind.BOT_HEARD,
            "system",
            {"turn": turn_id, "said": said, "heard": heard_text, "interrupted": interrupted},
        )

    # -- people ------------------------------------------------------------------------------

    async def request_handoff(self, reason: str, summary: str, *, audited: bool = False) -> None:
        self.state.handed_off = True
        self.status = ConversationStatus.WAITING
        self._m.telemetry.metrics.handoff(reason)
        # Through the turn writer, behind this conversation's turns: on disk while the database
        # is away, so staff see the handoff once it is back.
        await self._m.writes.write(*handoff_writes(self.id, reason, summary, _now()))
        if not audited:
            await self._m.audit.append(
                self.id, EventKind.HANDOFF, "agent", {"reason": reason, "summary": summary}
            )
        log.info("handoff requested", reason=reason)

    async def staff_message(self, staff_email: str, text: str) -> int:
        seq = await self._add_turn("staff", text, meta={"staff": staff_email})
        await self._m.audit.append(
            self.id, EventKind.STAFF_MESSAGE, "staff", {"turn": seq, "staff": staff_email, "text": text}
        )
        if self.status is ConversationStatus.WAITING:
            await self.set_status(ConversationStatus.WITH_STAFF)
        return seq

    async def set_status(self, status: ConversationStatus) -> None:
        self.status = ConversationStatus(status)
        await self._m.writes.write(status_write(self.id, self.status))

    async def close(self, reason: str = "completed") -> None:
        if self.closed:
            return
        self.status = ConversationStatus.CLOSED
        self.state.ended = True
        # One transaction through the turn writer (behind this conversation's turns and state
        # saves; on disk while the database is away): the final state, the close and the
        # after-call work it queues (gateway/after_call/queue.py), so an ended conversation has
        # its work on record. The state as a state save: the writer keeps those in order.
        await self._m.writes.write(
            self._state_write(), *close_writes(self.id, _now(), self._m.after_call_kinds)
        )
        await self._m.audit.append(self.id, EventKind.CONVERSATION_ENDED, "system", {"reason": reason})
        self._m.forget(self.id)
        self._m.telemetry.conversation_closed(self.id)
        if self._m.after_call_kinds and self._m.on_closed is not None:
            self._m.on_closed()

    # -- storage -----------------------------------------------------------------------------

    async def _add_turn(
        self,
        speaker: str,
        text: str,
        *,
        meta: dict[str, Any] | None = None,
        started_at: datetime | None = None,
        ended_at: datetime | None = None,
        save_state: bool = False,
    ) -> int:
        """Store one transcript turn (and optionally the agent state) in one transaction, shared
        with other conversations' turns by the group committer."""
        async with self._lock:
            for attempt in range(_TURN_CLASH_RETRIES):
                if self._turn_seq is None:
                    async with self._m.db.session() as s:
                        last = await s.scalar(
                            select(func.max(TurnRow.seq)).where(TurnRow.conversation_id == self.id)
                        )
                    self._turn_seq = last or 0
                seq = self._turn_seq + 1
                turn = {
                    "conversation_id": self.id,
                    "seq": seq,
                    "speaker": speaker,
                    "text": text,
                    "meta": meta or {},
                    "started_at": started_at or _now(),
                    "ended_at": ended_at,
                    "interrupted": False,
                }
                writes = [Write(_INSERT_TURN, turn, TURN)]
                if save_state:
                    writes.append(self._state_write())
                try:
                    await self._m.writes.write(*writes)
                except IntegrityError:
                    if await self._turn_landed(turn):
                        # An earlier attempt of this very write was committed and its answer lost
                        # with the connection (the ride-through retried it): it is stored, once.
                        self._turn_seq = seq
                        return seq
                    # Another replica (e.g. a staff message) took this number; reload. A short
                    # random pause, so two replicas writing at once do not clash again and again.
                    self._turn_seq = None
                    if attempt == _TURN_CLASH_RETRIES - 1:
                        raise
                    await asyncio.sleep(random.uniform(0, 0.002 * (attempt + 1)))
                    continue
                self._turn_seq = seq
                return seq
        raise AssertionError("unreachable")

    async def _turn_landed(self, turn: dict[str, Any]) -> bool:
        """The row at this turn's number is this turn (same speaker, text and start to the
        microsecond), not another replica's."""
        async with self._m.db.session() as s:
            row = (
                await s.execute(
                    select(TurnRow.speaker, TurnRow.text, TurnRow.started_at).where(
                        TurnRow.conversation_id == self.id, TurnRow.seq == turn["seq"]
                    )
                )
            ).first()
        if row is None:
            return False
        started = row.started_at if row.started_at.tzinfo else row.started_at.replace(tzinfo=UTC)
        return bool(
            row.speaker == turn["speaker"] and row.text == turn["text"] and started == turn["started_at"]
        )

    async def _save_state(self) -> None:
        await self._m.writes.write(self._state_write())

    def _state_write(self) -> Write:
        return Write(_SAVE_STATE, {"b_id": self.id, "b_state": self.state.model_dump(mode="json")}, STATE)


async def _after(
    preamble: str | None, outputs: AsyncGenerator[AgentOutput, None]
) -> AsyncGenerator[AgentOutput, None]:
    if preamble:
        yield ReplyDelta(preamble.strip() + " ")
    async with aclosing(outputs):
        async for out in outputs:
            yield out


# Module-level statements: the group committer batches writes of the same statement object.
_INSERT_TURN = insert(TurnRow.__table__)
_SAVE_STATE = (
    update(ConversationRow.__table__)
    .where(ConversationRow.__table__.c.id == bindparam("b_id"))
    .values(state=bindparam("b_state"))
)
_SET_HEARD = (
    update(TurnRow.__table__)
    .where(
        TurnRow.__table__.c.conversation_id == bindparam("b_id"),
        TurnRow.__table__.c.seq == bindparam("b_seq"),
    )
    .values(heard_text=bindparam("b_heard"), interrupted=bindparam("b_interrupted"))
)


class ConversationManager:
    def __init__(
        self,
        db: Database,
        audit: AuditLog,
        agent: ConversationAgent,
        replica_id: str | None = None,
        spool: RowSpool | None = None,
    ) -> None:
        """`replica_id`: this process's name, written on the conversations it opens, so that a
        call is ended on the books when its process dies (`gateway.cluster.replicas`).
        `spool`: where turns and state saves go while the database is away (a serving gateway's)."""
        self.db = db
        self.audit = audit
        self.agent = agent
        self.replica_id = replica_id
        # Turn rows and state saves of all conversations (with a spool, durable through an outage).
        self.writes = GroupCommitter(db, spool=spool, replay=TURN_REPLAY)
        self.voice_first = VoiceFirst()  # chat turns wait while a caller waits for the bot
        self._live: dict[str, Conversation] = {}
        self.telemetry = Telemetry()  # metrics and traces: the services hand theirs in
        # After-call work queued when a conversation closes (FRONTDESK_AFTER_CALL), and the
        # worker's wake-up call; the services set them when after-call work is on.
        self.after_call_kinds: tuple[str, ...] = ()
        self.on_closed: Callable[[], None] | None = None

    async def open(
        self,
        channel: Channel,
        caller_phone: str | None = None,
        external_id: str | None = None,
        meta: dict[str, Any] | None = None,
        *,
        client_address: str | None = None,
        caller_id_attestation: str | None = None,
        caller_id_trusted: bool = True,
        stored_channel: str | None = None,
        spool_if_away: bool = False,
    ) -> Conversation:
        """`client_address`: a chat visitor's; `caller_id_*`: the voice edge's verdict on caller ID.
        The agent counts failed identity checks against them (`agents.identity_guard`).
        `stored_channel`: what the row and the audit call the channel when it is not the agent's
        (`web-call`: a staff member talking to the agent from the console, spoken like a call).
        `spool_if_away`: while the database is away the row goes into the turn spool (stored once
        it is back, before the conversation's turns), so the conversation starts all the same;
        without a spool to take it (none, or full) the database's error is raised, as without."""
        conversation_id = new_id()
        stored = stored_channel or channel
        state = ConversationState(
            conversation_id=conversation_id,
            channel=channel,
            caller_phone=caller_phone,
            caller_id_attestation=caller_id_attestation,
            caller_id_trusted=caller_id_trusted,
            client_address=client_address,
        )
        values: dict[str, Any] = {
            "id": conversation_id,
            "channel": stored,
            "status": ConversationStatus.ACTIVE.value,
            "caller_phone": caller_phone,
            "external_id": external_id,
            "started_at": _now(),  # set here: a spooled row is stored with it later
            "state": state.model_dump(mode="json"),
            "meta": meta or {},
            "replica_id": self.replica_id,
        }
        row = ConversationRow(**values)
        try:
            async with self.db.session() as s, s.begin():
                s.add(row)
        except Exception as exc:
            if not (spool_if_away and unreachable(exc)) or not await self._spool_opening(values, exc):
                raise
        await self.audit.append(
            conversation_id,
            EventKind.CONVERSATION_STARTED,
            "system",
            {
                "channel": stored,
                "caller_phone": caller_phone,
                "external_id": external_id,
                **({"caller_id_attestation": caller_id_attestation} if stored == "voice" else {}),
                **(meta or {}),
            },
        )
        conversation = Conversation(self, row)
        # New: no turns yet, so the first one needs no read (the database may be away by then).
        conversation._turn_seq = 0
        self._live[conversation_id] = conversation
        return conversation

    async def _spool_opening(self, values: dict[str, Any], exc: Exception) -> bool:
        """The new conversation's row into the turn spool, the database being away: True once it is
        on disk, False when there is no spool here or it refused (full, unwritable)."""
        try:
            await self.writes.spool_rows([conversation_row(values)])
        except (RuntimeError, SpoolFull, OSError):
            return False
        log.warning(
            "conversation opened while the database is unreachable: its row is in the turn spool",
            channel=values["channel"],
            error_type=type(exc).__name__,
        )
        return True

    async def get(self, conversation_id: str) -> Conversation | None:
        if conversation_id in self._live:
            return self._live[conversation_id]
        async with self.db.session() as s:
            row = await s.get(ConversationRow, conversation_id)
        if row is None:
            return None
        conversation = Conversation(self, row)
        if not conversation.closed:
            self._live[conversation_id] = conversation
        return conversation

    async def find_by_external_id(self, external_id: str) -> Conversation | None:
        """By a call's SID: one this process holds without a read (the database may be away)."""
        for conversation in list(self._live.values()):
            if conversation.external_id == external_id:
                return conversation
        async with self.db.session() as s:
            row = (
                await s.execute(select(ConversationRow).where(ConversationRow.external_id == external_id))
            ).scalar_one_or_none()
        return None if row is None else await self.get(row.id)

    async def hold(self, conversation_id: str) -> None:
        """This process holds the conversation's live call from now on (its media stream is here)."""
        if self.replica_id is None:
            return
        try:
            # Through the turn writer: on disk while the database is away, stored once it is back.
            await self.writes.write(hold_write(conversation_id, self.replica_id))
        except Exception as exc:
            if not unreachable(exc):
                raise
            # Without a spool (spools off) after the ride-through: the call still goes on; only if
            # this process died meanwhile would it not be ended as this replica's (the sweep of
            # gateway/cluster/replicas.py goes by the replica on record: docs/reliability.md).
            log.warning(
                "the call's replica could not be stored: the database is unreachable",
                error_type=type(exc).__name__,
            )

    def live_counts(self) -> dict[str, int]:
        """Open conversations this process holds, by channel (the active calls and chats gauge)."""
        counts: dict[str, int] = {}
        for conversation in list(self._live.values()):
            if not conversation.closed:
                counts[conversation.channel] = counts.get(conversation.channel, 0) + 1
        return counts

    def forget(self, conversation_id: str) -> None:
        self._live.pop(conversation_id, None)

    async def close(self) -> None:
        """Finish queued turn writes (every writer awaits its own, so this only stops the task)."""
        await self.writes.close()
