"""Handing a conversation over to a person: the audit event with a summary staff can act on, and
the words the caller hears. Nothing is pending afterwards: staff take it from here."""

from __future__ import annotations

from agents.api import AgentOutput, ConversationState, Handoff
from agents.events import EventKind
from agents.memory import AgentMemory
from agents.replies import handoff_words
from agents.staff_hours import offer_message
from agents.turn import Turn


async def hand_off(turn: Turn, reason: str) -> list[AgentOutput]:
    if turn.staff_hours is not None and (closed := turn.staff_hours.closed_now()) is not None:
        return await offer_message(turn, reason, closed)  # nobody is there: a message instead
    state, memory = turn.state, turn.memory
    summary = handoff_summary(state, memory, reason)
    await turn.emit(EventKind.HANDOFF, "agent", {"reason": reason, "summary": summary})
    state.handed_off = True
    memory.pending = None
    memory.transfer_offered = None
    return [*turn.say(handoff_words(state.channel)), Handoff(reason=reason, summary=summary)]


def handoff_summary(state: ConversationState, memory: AgentMemory, reason: str) -> str:
    """Why, who (verified or not), from which number, and the caller's last words. A chat is
    with a visitor, a call with a caller, and the summary says so."""
    person = "visitor" if state.channel == "chat" else "caller"
    why = reason.strip().rstrip(".")  # reasons are sentences: no "a person.." after joining
    if person == "visitor":
        why = why.replace("The caller", "The visitor").replace("the caller", "the visitor")
    if state.verified_person_id:
        name = f"{memory.verified_first_name} {memory.verified_last_name}"
        who = f"Verified {person} {name} ({state.verified_person_id})."
    else:
        who = f"{person.capitalize()} not verified."
    said = [m.content for m in memory.messages if m.role == "user" and m.content][-3:]
    parts = [f"Handoff: {why}.", who]
    if state.caller_phone:
        parts.append(f"Calling from {state.caller_phone}.")
    if said:
        parts.append(f"{person.capitalize()} said: " + " / ".join(s[:200] for s in said))
    return " ".join(parts)
