"""Identity verification: the caller is who they say when exactly one person on file has the
date of birth they gave, found by name or by the number they call from. Failures are counted;
the last allowed failure hands over to a person. Failures are also counted across conversations
(per patient claimed, calling number and client address: `agents.identity_guard`), with backoff and
a lockout that hands over to a person as well.

A name with a date of birth on a call is also tried against the calling number: that number and
the exact date of birth identify at most one person, so a first name the speech model mangled does
not fail them, while a last name that isn't theirs, or the first name of someone else on that
number, still does.

On a call, the last name may also be typed on the keypad (`agents.keyed_names`): the keys and
the exact date of birth are checked against everyone on file born that day, so a last name the
speech model cannot hear ("Wilton" for Wilson) does not stand between a caller and their visit,
while keys that spell nobody's name born that day still fail.

Caller ID is spoofable: it stands in for the name (date of birth and calling number alone) only
when the gateway trusts it (`ConversationState.caller_id_trusted`, e.g. STIR/SHAKEN attestation A);
otherwise the caller gives name and date of birth like a chat visitor."""

from __future__ import annotations

import unicodedata

import jellyfish

from agents.connector_calls import ConnectorCalls, ToolFailure
from agents.events import EventKind
from agents.handoff import hand_off
from agents.identity_attempts import OPEN, Check, IdentityAttempts
from agents.identity_guard import attempt_keys, held_back, lock_out
from agents.keyed_names import keys_of
from agents.limits import MAX_IDENTITY_FAILURES
from agents.name_forms import other_readings
from agents.planner import ToolCall
from agents.replies import OFFER_TRANSFER, failure_words
from agents.tools import VerifyIdentityArgs
from agents.turn import StepOutcome, Turn, not_done, ok, speak
from connectors.base import (
    Capability,
    FindPeopleByDob,
    FindPersonByNameDob,
    FindPersonByPhone,
    ListProviders,
    People,
    Person,
    Providers,
    Record,
)


async def verify_identity(
    turn: Turn,
    calls: ConnectorCalls,
    call: ToolCall,
    args: VerifyIdentityArgs,
    attempts: IdentityAttempts | None = None,
) -> StepOutcome:
    """`attempts`: failures across conversations (None: counted in this conversation only)."""
    state, memory = turn.state, turn.memory
    if state.verified_person_id is not None:
        return StepOutcome(ok(call, {"verified": True, "first_name": memory.verified_first_name}), [], False)
    keyed = args.last_name_keys is not None
    if keyed and (args.last_name or not calls.can(Capability.FIND_PEOPLE_BY_DOB)):
        error = "last_name_keys replaces last_name, and only where the keypad is offered for names."
        return StepOutcome(not_done(call, "invalid", error), [], False)
    if not keyed and bool(args.first_name) != bool(args.last_name):
        return StepOutcome(
            not_done(call, "invalid", "Give both first_name and last_name, or neither."), [], False
        )
    by_name = bool(args.first_name) and not keyed
    if not by_name and not keyed and not _caller_id_usable(turn):
        error = "There is no trusted caller phone number: ask for first name, last name and date of birth."
        return StepOutcome(not_done(call, "invalid", error), [], False)
    method = "name_dob" if by_name else "dob_last_name_keys" if keyed else "phone_dob"
    # By phone, the people on file for the number are read first: their names are keys too (the
    # date of birth is compared only after the check is allowed and counted).
    household = [] if by_name or keyed else await _household(turn, calls)
    keys = attempt_keys(state, args, household)
    check = Check(allowed=True, standing=OPEN, kinds=[])
    if attempts is not None:
        check = await attempts.try_check(keys, state.conversation_id)
        if not check.allowed:
            return await (lock_out if check.standing.locked else held_back)(turn, call, method, check)
    try:
        # Nobody on file for the number, or its lookup failed: look again to say which.
        if keyed:
            request = FindPeopleByDob(date_of_birth=args.date_of_birth)
            found = await calls.invoke(turn, Capability.FIND_PEOPLE_BY_DOB, request, "system")
        else:
            found = People(people=household) if household else await _candidates(turn, calls, args, by_name)
    except ToolFailure as failure:
        if failure.kind != "not_found":
            if attempts is not None:  # not the caller's failure
                await attempts.check_passed(keys)
            memory.transfer_offered = "identity could not be checked: the system of record failed"
            words = f"{failure_words(failure.kind, None)} {OFFER_TRANSFER}"
            return StepOutcome(not_done(call, "failed", failure.kind), speak(words), True)
        found = People(people=[])
    assert isinstance(found, People)
    matches = [p for p in found.people if p.date_of_birth == args.date_of_birth]
    if keyed:
        matches = _keyed(args.first_name or "", args.last_name_keys or "", matches)
    if by_name and not matches:
        # "Matt Moore" for Matthew, "Allen Nathan" said surname first: the same exact date of
        # birth and a person on file under another reading of the same words
        matches = await _by_other_readings(turn, calls, args)
    if by_name and len(matches) != 1 and _caller_id_usable(turn):
        # A name Whisper mangled ("Aaron Johnson" for Sarah Johnson) must not fail a caller whom
        # the number they call from and their exact date of birth already identify.
        household = await _household(turn, calls)
        matches = [p for p in household if p.date_of_birth == args.date_of_birth]
        if len(matches) == 1 and not name_fits(
            args.first_name or "", args.last_name or "", matches[0], household
        ):
            matches = []
        elif len(matches) == 1:
            method = "phone_dob_name_heard"
    if len(matches) == 1:
        if attempts is not None:
            await attempts.check_passed(keys)
        person = matches[0]
        # On record before anything of theirs reaches the caller; unrecorded, it does not count.
        await turn.emit_stored(
            EventKind.IDENTITY_VERIFIED, "system", {"person_id": person.id, "method": method}
        )
        state.verified_person_id = person.id
        state.verified_name = " ".join(n for n in (person.first_name, person.last_name) if n) or None
        memory.verified_first_name, memory.verified_last_name = person.first_name, person.last_name
        memory.verified_phone, memory.verified_email = person.phone, person.email
        memory.identity_failures = 0
        return StepOutcome(ok(call, {"verified": True, "first_name": person.first_name}), [], False)
    memory.identity_failures += 1
    why = "ambiguous" if matches else "no_match"
    await turn.emit(
        EventKind.IDENTITY_FAILED,
        "system",
        {
            "method": method,
            "failures": memory.identity_failures,
            "why": why,
            "across": check.standing.failures,
        },
    )
    if check.standing.locked:
        return await lock_out(turn, call, method, check)
    if memory.identity_failures >= MAX_IDENTITY_FAILURES:
        outputs = await hand_off(turn, "the caller's identity could not be verified")
        return StepOutcome(ok(call, {"verified": False}), outputs, True)
    left = MAX_IDENTITY_FAILURES - memory.identity_failures
    return StepOutcome(ok(call, {"verified": False, "attempts_left": left}), [], False)


def _keyed(first: str, keys: str, born_that_day: list[Person]) -> list[Person]:
    """The people born that day whose last name the keys spell; when that is more than one, the
    ones whose first name sounds like the one heard."""
    spelled = [p for p in born_that_day if keys_of(p.last_name) == keys]
    if len(spelled) > 1 and first:
        return [p for p in spelled if sounds_like(first, p.first_name)]
    return spelled


def _caller_id_usable(turn: Turn) -> bool:
    """Caller ID may stand in for the name: there is one, and the gateway trusts it."""
    return bool(turn.state.caller_phone) and turn.state.caller_id_trusted


async def _household(turn: Turn, calls: ConnectorCalls) -> list[Person]:
    """The people on file for the calling number (none without one, or when the lookup fails)."""
    if not turn.state.caller_phone or not calls.can(Capability.FIND_PERSON_BY_PHONE):
        return []
    try:
        found = await calls.invoke(
            turn,
            Capability.FIND_PERSON_BY_PHONE,
            FindPersonByPhone(phone=turn.state.caller_phone or ""),
            "system",
        )
    except ToolFailure:
        return []
    return list(found.people) if isinstance(found, People) else []


def name_fits(first: str, last: str, person: Person, household: list[Person]) -> bool:
    """A heard name is consistent with `person`: the last name is theirs (allowing a near miss of
    the ear, "Johnston" for Johnson) and the first name is nobody else's on this number."""
    if not sounds_like(last, person.last_name):
        return False
    others = [p for p in household if p.id != person.id]
    mine = sounds_like(first, person.first_name)
    return mine or not any(sounds_like(first, p.first_name) for p in others)


def sounds_like(heard: str, name: str) -> bool:
    a, b = _fold(heard), _fold(name)
    if not a or not b:
        return False
    return (
        a == b
        # a letter heard more or less ("Johnston" for Johnson), not a name of its own made longer
        # or shorter ("Harrison" is not Harris)
        or (jellyfish.jaro_winkler_similarity(a, b) >= 0.9 and abs(len(a) - len(b)) <= 1)
        or (len(a) > 3 and jellyfish.metaphone(a) == jellyfish.metaphone(b))
    )


def _fold(name: str) -> str:
    """Lowercase letters without accents: "Ramírez" and "ramirez" are one name."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(ch for ch in decomposed if ch.isalpha())


async def _by_other_readings(turn: Turn, calls: ConnectorCalls, args: VerifyIdentityArgs) -> list[Person]:
    """The people on file with the date of birth given under another reading of the name given
    (`agents.name_forms`): the surname said first, or the full form of a short first name."""
    found: dict[str, Person] = {}
    for first, last in other_readings(args.first_name or "", args.last_name or ""):
        request = FindPersonByNameDob(first_name=first, last_name=last, date_of_birth=args.date_of_birth)
        try:
            people = await calls.invoke(turn, Capability.FIND_PERSON_BY_NAME_DOB, request, "system")
        except ToolFailure:
            continue
        if isinstance(people, People):
            found.update({p.id: p for p in people.people if p.date_of_birth == args.date_of_birth})
    return list(found.values())


async def _candidates(turn: Turn, calls: ConnectorCalls, args: VerifyIdentityArgs, by_name: bool) -> Record:
    """The people on file under the name given, or under the number called from."""
    if by_name:
        request = FindPersonByNameDob(
            first_name=args.first_name or "", last_name=args.last_name or "", date_of_birth=args.date_of_birth
        )
        return await calls.invoke(turn, Capability.FIND_PERSON_BY_NAME_DOB, request, "system")
    phone = FindPersonByPhone(phone=turn.state.caller_phone or "")
    return await calls.invoke(turn, Capability.FIND_PERSON_BY_PHONE, phone, "system")


async def names_on_file(turn: Turn, calls: ConnectorCalls) -> list[str]:
    """First and last names of the people on file for the calling number, for recognition only
    (`agents.expectation`): empty without a caller number or when the lookup fails."""
    household = await _household(turn, calls)
    return list(dict.fromkeys(n for p in household for n in (p.first_name, p.last_name) if n))


async def doctors_on_staff(turn: Turn, calls: ConnectorCalls) -> list[str]:
    """The practice's doctors ("Dr. Priya Patel"), for recognition of the first request."""
    if not calls.can(Capability.LIST_PROVIDERS):
        return []
    try:
        found = await calls.invoke(turn, Capability.LIST_PROVIDERS, ListProviders(), "system")
    except ToolFailure:
        return []
    return [p.name for p in found.providers] if isinstance(found, Providers) else []
