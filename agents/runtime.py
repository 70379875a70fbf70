"""The agent runtime: plan → execute → validate → confirm, with the policy enforced here.

One `AgentRuntime` serves every conversation (its per-conversation state lives in
`ConversationState`, see `agents.memory`). For each user turn it:
1. handles what needs no planner: empty or oversized turns, a yes/no to a pending write or to an
   offered transfer (the runtime, not a planner, decides what a yes is: `agents.confirmation`);
2. asks the planner for steps (bounded, `agents.plan_loop`), checks each tool call against the
   policy, runs the allowed reads, holds writes for confirmation (`agents.execution`);
3. after a confirmed write, reads the record back and only says "done" if it matches
   (`agents.confirmed_write`).
Every step is an audit event; replies stream out as `ReplyDelta` sentences.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from agents.api import AgentOutput, ConversationState, ReplyDelta, UserTurn
from agents.callbacks import CallbackBook
from agents.confirmation import answer_pending, answer_transfer_offer
from agents.connector_calls import ConnectorCalls
from agents.events import AuditNotStored, AuditSink, EventKind
from agents.execution import ToolExecutor
from agents.expectation import Expectation, expectation_of
from agents.handoff import hand_off
from agents.identity import doctors_on_staff, names_on_file
from agents.identity_attempts import IdentityAttempts
from agents.limits import MAX_USER_CHARS
from agents.memory import AgentMemory
from agents.next_person import CARRY, NEXT_PERSON, step_aside
from agents.offline.hours import OpeningHours
from agents.plan_loop import plan_turn
from agents.planner import CallerFacts, HasStockPhrases, Message, PlanContext, Planner, ToolResult
from agents.replies import ANYTHING_ELSE, OFFER_TRANSFER, OPENINGS, goodbye, greeting, handoff_words
from agents.staff_hours import StaffHours
from agents.tools import ToolRegistry
from agents.turn import Turn, speak
from connectors.base import Capability
from connectors.base import Connector as ConnectorBase

Clock = Callable[[], datetime]

_TOO_LONG = "That message is too long for me to handle. Please tell me in a sentence or two what you need."


class AgentRuntime:
    def __init__(
        self,
        *,
        connector: ConnectorBase,
        audit: AuditSink,
        planner: Planner,
        fallback: Planner | None = None,
        timezone: str,
        business_name: str,
        clock: Clock | None = None,
        tool_timeout_s: float = 15.0,
        identity_attempts: IdentityAttempts | None = None,
        callbacks: CallbackBook | None = None,
        staff_hours: OpeningHours | None = None,
    ) -> None:
        """`identity_attempts`: failed identity checks counted across conversations (the gateway's
        database); None counts them per conversation only. `callbacks`: where messages and
        callback requests are kept (the gateway's database); None: the agent cannot take one.
        `staff_hours`: when staff take handoffs; outside them a handoff offers a message instead
        (`agents.staff_hours`). None: a handoff always waits for a person."""
        self.connector = connector
        self.audit = audit
        self.planner = planner
        self.fallback = fallback
        self.tz = ZoneInfo(timezone)
        self.timezone = timezone
        self.business_name = business_name
        self.clock: Clock = clock or (lambda: datetime.now(self.tz))
        self.tool_timeout_s = tool_timeout_s
        self.callbacks = callbacks
        self.staff_hours = StaffHours(staff_hours, self.clock) if staff_hours is not None else None
        self.tools = ToolRegistry.from_connector(connector)
        self._calls = ConnectorCalls(connector, timeout_s=tool_timeout_s)
        self._executor = ToolExecutor(self.tools, self._calls, business_name, identity_attempts)

    # ------------------------------------------------------------------------------ entry points

    def stock_phrases(self) -> list[str]:
        """The greeting, the runtime's fixed sentences and how replies open (its planners' too)."""
        phrases = [
            greeting(self.business_name),
            goodbye(self.business_name),
            ANYTHING_ELSE,
            OFFER_TRANSFER,
            handoff_words("voice"),
            *OPENINGS,
        ]
        for planner in (self.planner, self.fallback):
            if isinstance(planner, HasStockPhrases):
                phrases.extend(p for p in planner.stock_phrases() if p not in phrases)
        return phrases

    def expectation(self, state: ConversationState) -> Expectation:
        return expectation_of(AgentMemory.load(state), verified=state.verified_person_id is not None)

    async def greet(self, state: ConversationState) -> AsyncGenerator[AgentOutput, None]:
        memory = AgentMemory.load(state)
        text = greeting(self.business_name)
        memory.messages.append(Message(role="assistant", content=text))
        memory.save(state)
        for out in speak(text):
            yield out
        # After the greeting is out: who is on file for this number helps recognise their name.
        turn = Turn(state, memory, self.audit)
        try:
            memory.recognition_names = await names_on_file(turn, self._calls)
            memory.recognition_doctors = await doctors_on_staff(turn, self._calls)
        except AuditNotStored:
            pass  # lookups that could not be put on record are not used; they were only hints
        memory.save(state)

    async def respond(self, state: ConversationState, turn: UserTurn) -> AsyncGenerator[AgentOutput, None]:
        memory = AgentMemory.load(state)
        try:
            async for out in self._respond(Turn(state, memory, self.audit, self.staff_hours), turn):
                yield out
        finally:
            memory.save(state)

    # ------------------------------------------------------------------------------ one turn

    async def _respond(self, turn: Turn, user: UserTurn) -> AsyncIterator[AgentOutput]:
        state, memory = turn.state, turn.memory
        if state.handed_off:
            yield ReplyDelta("A member of our team will be with you shortly.")
            return
        if state.ended:
            yield ReplyDelta("This conversation has ended.")
            return
        text = (user.text or "").strip() or (user.dtmf or "").strip()
        if (user.dtmf or "").strip() == "0":  # the keypad's universal "a person, please"
            memory.messages.append(Message(role="user", content=text))
            for out in await hand_off(turn, "the caller pressed 0 for a person"):
                yield out
            return
        if not text:
            yield ReplyDelta("Sorry, I didn't catch that.")
            yield ReplyDelta("How can I help you?")
            return
        if len(text) > MAX_USER_CHARS:
            await turn.emit(EventKind.POLICY_REFUSAL, "system", {"rule": "turn_too_long", "chars": len(text)})
            for out in speak(_TOO_LONG):
                yield out
            return
        answered = None
        if memory.pending is not None:
            answered = await answer_pending(turn, text, self.tools, self._calls, self.callbacks)
        if answered is None and memory.transfer_offered is not None:
            answered = await answer_transfer_offer(turn, text)
        next_text: str | None = text
        if answered is not None:
            for out in answered:
                yield out
            # "... and one for my son": his request, as him, once the caller's own is done; "cancel
            # Wednesday's and book Dr Chen Friday at 3": the second, once the first is done
            next_text = await self._next_person(turn) or _carried(memory)
        while next_text is not None:
            memory.messages.append(Message(role="user", content=next_text))
            async for out in plan_turn(
                turn,
                planner=self.planner,
                fallback=self.fallback,
                context=self._context,
                executor=self._executor,
            ):
                yield out
            next_text = await self._next_person(turn)  # set aside once: the scratch goes with it

    async def _next_person(self, turn: Turn) -> str | None:
        waiting = turn.memory.scratch.get(NEXT_PERSON)
        if not isinstance(waiting, dict) or not (turn.memory.last_reply_done() or waiting.get("now")):
            return None
        try:
            return await step_aside(turn)
        except AuditNotStored:
            turn.memory.scratch.pop(NEXT_PERSON, None)
            return None

    def _context(self, turn: Turn, results: list[ToolResult], step: int) -> PlanContext:
        state, memory = turn.state, turn.memory
        return PlanContext(
            conversation_id=state.conversation_id,
            channel=state.channel,
            business_name=self.business_name,
            timezone=self.timezone,
            now=self.clock().astimezone(self.tz),
            messages=list(memory.messages),
            turn_results=list(results),
            tools=self.tools,
            caller=CallerFacts(
                verified=state.verified_person_id is not None,
                first_name=memory.verified_first_name,
                person_id=state.verified_person_id,
                has_caller_phone=bool(state.caller_phone) and state.caller_id_trusted,
                identity_failures=memory.identity_failures,
                pending_action=memory.pending.summary if memory.pending else None,
                speaking_for=memory.speaking_for,
                name_keys=state.channel == "voice" and self._calls.can(Capability.FIND_PEOPLE_BY_DOB),
            ),
            scratch=dict(memory.scratch),
            step=step,
        )


def _carried(memory: AgentMemory) -> str | None:
    """The second request said with the first (`CARRY`), once the first was done: planned next as
    the caller's words, so the caller is not asked "anything else?" about what they already said."""
    if (
        not memory.last_reply_done()
        or not isinstance(carry := memory.scratch.get(CARRY), str)
        or not carry.strip()
    ):
        return None
    memory.scratch.pop(CARRY, None)
    return carry
