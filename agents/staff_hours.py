"""When nobody can take a handoff: outside the business's hours (and, in the gateway, when nobody
claims one in time) the agent says so honestly and offers to take a message instead of leaving the
caller waiting for a person who is not there.

`StaffHours.closed_now` is the check `agents.handoff.hand_off` makes (on when the gateway's
`FRONTDESK_HANDOFF_AFTER_HOURS=message`); `offer_message` is what the caller hears then,
`offer_after_wait` the same offer made by the gateway after an unclaimed chat wait, and
`offer_after_no_answer` the one after a phone transfer nobody picked up.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from agents.api import AgentOutput, ConversationState
from agents.events import EventKind
from agents.memory import AgentMemory
from agents.offline.hours import OpeningHours
from agents.planner import Message
from agents.speakable import say_time
from agents.turn import Turn, speak

OFFER = "I can take a message and have someone call you back. Would you like to leave one?"
_MIDNIGHT = time(23, 59)
NOBODY_FREE = "I'm sorry, nobody from our team is free to join right now."
NOBODY_ANSWERED = "I'm sorry, nobody from our team could take your call just now."


@dataclass(frozen=True)
class StaffHours:
    hours: OpeningHours
    clock: Callable[[], datetime]

    def closed_now(self) -> str | None:
        """None while open; else "We're closed right now; we open on Monday at 9 AM."."""
        now = self.clock()
        today = self.hours.on(now.date())
        clock = now.time().replace(tzinfo=None)
        if today is not None and today[0] <= clock and (clock < today[1] or today[1] == _MIDNIGHT):
            return None  # "24:00" is read as 23:59: open to the end of the day
        if today is not None and clock < today[0]:
            day: date | None = now.date()
        else:
            day = self.hours.next_open_day(now.date())
        if day is None:
            return "We're closed right now."
        span = self.hours.on(day)
        assert span is not None
        opens = say_time(datetime.combine(day, span[0]))
        return f"We're closed right now; we open {_day_words(day, now.date())} at {opens}."


def _day_words(day: date, today: date) -> str:
    if day == today:
        return "today"
    if day == today + timedelta(days=1):
        return "tomorrow"
    return f"on {day.strftime('%A')}"


async def offer_message(turn: Turn, reason: str, why: str) -> list[AgentOutput]:
    """Instead of a handoff nobody can take: say why, offer a message (the offline planner reads the
    answer: `agents.offline.messages`; a model sees the offer in the transcript)."""
    await turn.emit(EventKind.HANDOFF_UNANSWERED, "agent", {"reason": reason, "why": "closed", "said": why})
    memory = turn.memory
    memory.pending = None
    memory.transfer_offered = None
    memory.scratch["message"] = {"asked": "offer", "opened": True, "on_no": "else"}
    return turn.say(f"{why} {OFFER}")


async def offer_after_wait(state: ConversationState) -> AsyncGenerator[AgentOutput, None]:
    """The gateway's words when a handoff was not claimed in time: the conversation is the
    assistant's again, and it offers a message (a no puts the visitor back in the queue)."""
    text = f"{NOBODY_FREE} {OFFER} Or, if you'd rather keep waiting, just say so."
    for out in _offer_instead(state, text, on_no="wait"):
        yield out


async def offer_after_no_answer(state: ConversationState) -> AsyncGenerator[AgentOutput, None]:
    """The gateway's words when a call was transferred and nobody picked up: the caller is back
    with the assistant, which offers a message (a no goes on to "anything else?"; there is no
    queue to go back to)."""
    for out in _offer_instead(state, f"{NOBODY_ANSWERED} {OFFER}", on_no="else"):
        yield out


def _offer_instead(state: ConversationState, text: str, *, on_no: str) -> list[AgentOutput]:
    memory = AgentMemory.load(state)
    state.handed_off = False
    memory.pending = None
    memory.transfer_offered = None
    memory.scratch = {"message": {"asked": "offer", "opened": True, "on_no": on_no}}
    memory.messages.append(Message(role="assistant", content=text))
    memory.save(state)
    return list(speak(text))
