"""The limits around one identity check, counted across conversations (`agents.identity_attempts`):
which keys a check counts against, and what the caller hears when a check may not run.

The keys are all known before the lookup and do not depend on the date of birth given, so what
the caller hears never tells a right guess from a wrong one: a held-back check is refused before
anything is looked up, and a lockout hands over to a person without saying which key caused it.
"""

from __future__ import annotations

import unicodedata

from agents.api import ConversationState
from agents.events import EventKind
from agents.handoff import hand_off
from agents.identity_attempts import AttemptKey, Check
from agents.planner import ToolCall
from agents.replies import OFFER_TRANSFER
from agents.tools import VerifyIdentityArgs
from agents.turn import StepOutcome, Turn, not_done, ok
from connectors.base import Person

# Staff read this in the queue; the caller only hears the usual handoff words.
LOCKED_REASON = (
    "identity checks for this caller are paused after repeated failed attempts; verify them yourself"
)
_HELD_BACK = "I can't check those details again just yet. You can try again later."


def attempt_keys(
    state: ConversationState, args: VerifyIdentityArgs, household: list[Person]
) -> list[AttemptKey]:
    """The patient claimed (the name given; on a call without a name, each person on file for the
    calling number: `household`), the calling number and the client address, where known. A
    patient's key is their folded name either way, so guesses by chat and by phone add up."""
    keys: list[AttemptKey] = []
    if args.first_name and args.last_name:
        keys.append(_patient(args.first_name, args.last_name))
    if args.last_name_keys:  # the patient claimed by a last name typed on the keypad
        keys.append(AttemptKey("patient", f"keys {args.last_name_keys}"))
    keys.extend(_patient(p.first_name, p.last_name) for p in household)
    if state.caller_phone:
        keys.append(AttemptKey("caller_number", state.caller_phone))
    if state.client_address:
        keys.append(AttemptKey("client_address", state.client_address))
    return keys


def _patient(first_name: str, last_name: str) -> AttemptKey:
    return AttemptKey("patient", f"{_fold(first_name)} {_fold(last_name)}")


def _fold(name: str) -> str:
    """Letters only, lowercase, no accents: "O'Brien", "obrien" and "OBRIEN" are one patient."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(ch for ch in decomposed if ch.isalpha())


async def lock_out(turn: Turn, call: ToolCall, method: str, check: Check) -> StepOutcome:
    """The keys are locked (before this check, or by its failure): a person takes over."""
    payload = {"method": method, "failures": check.standing.failures, "keys": check.kinds}
    await turn.emit(EventKind.IDENTITY_LOCKED, "system", payload)
    outputs = await hand_off(turn, LOCKED_REASON)
    return StepOutcome(ok(call, {"verified": False}), outputs, True)


async def held_back(turn: Turn, call: ToolCall, method: str, check: Check) -> StepOutcome:
    """Backoff: the check is not run; the caller may try again later or ask for a person."""
    wait = round(check.standing.retry_after_s)
    payload = {"method": method, "failures": check.standing.failures, "keys": check.kinds}
    await turn.emit(EventKind.IDENTITY_HELD_BACK, "system", payload | {"retry_after_s": wait})
    turn.memory.transfer_offered = "identity checks are held back after repeated failed attempts"
    outputs = turn.say(f"{_HELD_BACK} {OFFER_TRANSFER}")
    return StepOutcome(not_done(call, "failed", f"held_back: retry in {wait} s"), outputs, True)
