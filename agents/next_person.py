"""A second person's request in one conversation: "one for me with Dr Patel on Monday at 3, and one
for my son Lucas with Dr Rodriguez at 3:30 the same day".

One person is verified at a time. The planner keeps the relative's request in its scratch under
`NEXT_PERSON` (`{"kin": "son", "text": "<their request, with the details said for them>"}`, and
`"now": true` when it asks for it after the caller's own was done or instead of one); once the
caller's own write is done (or at the end of that turn, with `now`), the runtime sets the first
person's identity aside (`step_aside`)
and plans the relative's request as the caller's next words. From then on the first person's
records are out of reach: what the agent knew of them is forgotten, and the change is on the audit
chain before anything else happens. The relative is checked like any caller: their exact date of
birth against the record, by the calling number or with their full name, and failed checks still
count. Nothing is granted that a conversation of the relative's own would not grant.
"""

from __future__ import annotations

from typing import Any

from agents.events import EventKind
from agents.turn import Turn

NEXT_PERSON = "next_person"
# the caller's own second request, said with the first ("cancel Wednesday's and book Dr Chen on
# Friday"): kept by the offline planner (`agents.offline.followups`), planned once the first is done
CARRY = "carry"
# the waiting request is the caller's own, after one for a relative ("cancel my son's appointment
# ... and book me with Dr Patel the same day"): served as the caller, nobody spoken for
CALLERS_OWN = "caller's own"
# who is speaking, when the person verified is a relative they spoke for ("I'm Maria Garcia, ...
# my son Lucas ..."): their name and date of birth as they gave them, for a request of their own
# later in the conversation; kept across writes like the waiting requests
SPEAKER = "speaker"


def kin_waiting(scratch: dict[str, Any]) -> str | None:
    """Whose request waits for the first one to be done ("son"), or None."""
    waiting = scratch.get(NEXT_PERSON)
    return str(waiting.get("kin") or "family member") if isinstance(waiting, dict) else None


async def step_aside(turn: Turn) -> str | None:
    """The waiting request, to be planned as the caller's next words, once the verified person is
    set aside; None when no request waits or it cannot go on now (a write still pending, a handoff).
    Raises `AuditNotStored` when the change cannot be put on record (nothing is changed then)."""
    state, memory = turn.state, turn.memory
    waiting = memory.scratch.get(NEXT_PERSON)
    if not isinstance(waiting, dict) or memory.pending is not None or state.handed_off or state.ended:
        return None
    text = str(waiting.get("text") or "").strip()
    if not text:
        memory.scratch.pop(NEXT_PERSON, None)
        return None
    kin = kin_waiting(memory.scratch)
    why = (
        "the caller's own request, after a relative's"
        if kin == CALLERS_OWN
        else f"a request for the caller's {kin}"
    )
    speaker = memory.scratch.get(SPEAKER)
    if kin != CALLERS_OWN and speaker is None and memory.speaking_for is None:
        # the caller verified as themselves, now speaking for a relative: who they are is kept for
        # a request of their own later ("and for me, Dr. Patel on Thursday"), checked again then
        first, last, born = memory.verified_first_name, memory.verified_last_name, memory.scratch.get("dob")
        if first and last and isinstance(born, str):
            speaker = {"first": first, "last": last, "dob": born}
    await turn.emit_stored(
        EventKind.IDENTITY_SET_ASIDE, "system", {"person_id": state.verified_person_id, "why": why}
    )
    state.verified_person_id = None
    state.verified_name = None
    memory.verified_first_name = memory.verified_last_name = None
    memory.verified_phone = memory.verified_email = None
    memory.speaking_for = None if kin == CALLERS_OWN else kin
    memory.known_appointments.clear()
    memory.known_slots.clear()
    memory.scratch.clear()
    if kin != CALLERS_OWN and isinstance(speaker, dict):
        memory.scratch[SPEAKER] = speaker
    if kin != CALLERS_OWN and (own := str(waiting.get("own") or "").strip()):
        # the caller's own request said with the relative's (with who they said they are): next,
        # once the relative's is done, checked again on those details
        memory.scratch[NEXT_PERSON] = {"kin": CALLERS_OWN, "text": own}
    return text
