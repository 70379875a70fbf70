"""The offline planner: deterministic intent matching and slot filling, no model needed.

It is the default on a fresh machine and the degraded mode when the model server is down. It uses
the same tools as a model would and goes through the same runtime policy: it never books
anything itself, it asks the runtime to, and the runtime asks the caller to confirm.

Its working memory (`ctx.scratch`) holds the task (book, reschedule, cancel, list), what it has
gathered (name, date of birth, provider, the wanted day and time), and what it offered (slots,
appointments). `reading.py` reads a user turn into it; this module decides the next step.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from agents.next_person import CARRY, NEXT_PERSON, SPEAKER
from agents.offline import anchored, next_person, recent, wanted
from agents.offline.choices import (
    DOCTOR_BY_NAME,
    another_doctor_unheard,
    find_provider,
    pick_appointment,
    points_elsewhere,
    undecided_between,
    unknown_doctor,
)
from agents.offline.dates import When, find_time, find_when
from agents.offline.day_keys import offer_day_keys
from agents.offline.followups import IF_NONE_KEY, take_followup, with_last_words
from agents.offline.hours import DEFAULT_HOURS, OpeningHours
from agents.offline.identity_reading import NAME_GIVEN, read_identity, thank_you
from agents.offline.intents import Intent, spoke_of_their_visit
from agents.offline.messages import plan_message, taken_without_number
from agents.offline.name_keys import KEYPAD_NAME, keyed_check, note_typed_date, offers_name_keys
from agents.offline.names import without_kin_denied
from agents.offline.numbers import normalize
from agents.offline.offers import (
    Offer,
    choose,
    doctors_sentence,
    offer_sentence,
    search_arguments,
    times_around,
)
from agents.offline.reading import SAID_NO, drop_task, read_turn
from agents.offline.refusals import not_refused
from agents.offline.steps import HELP, KEYPAD_DOB, call, say, with_preface
from agents.offline.topics import Practice, read_topic
from agents.offline.whose_request import SOMEONE_ELSE, relative_is_verified
from agents.planner import PlanContext, PlanStep, ToolResult
from agents.replies import ANYTHING_ELSE, TAKE_YOUR_TIME, asks_to_wait
from agents.speakable import join_spoken, say_time, say_when
from connectors.base import Appointment, Provider, Slot

_call, _say = call, say


_SEES_SOMEONE_UNHEARD = re.compile(
    r"\b(?:like to|want to|wanna|need to|can i|could i|may i)(?: come(?: in)?(?: and| to)?)? see (?!(?:a|an|the|any|anyone|anybody|some|someone"
    r"|somebody|whoever|whichever|you|u|dr|doctor|next|this|on|at|in|tomorrow|today|if|about|what|when|my|her|him"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b)[a-z]+"
)


def _doctor_keys(s: dict[str, Any], providers: list[Provider]) -> str:
    """The doctors' keys, kept for the keypad answer, as said: "1 for Dr. Elena Rodriguez, ..."."""
    s["doctor_keys"] = [p.id for p in providers]
    return ", ".join(f"{i} for {p.name}" for i, p in enumerate(providers, 1))


# "any day", "whenever", "I don't mind", "what do you have?": the day left to the practice
_ANY_DAY = re.compile(
    r"\b(?:any|anything|whatever|whenever|whichever|don't mind|do not mind|doesn't matter|soon|soonest|sooner|earliest"
    r"|first|next|free|available|open|you have|you've got|you got|flexible|up to you|you choose|you pick|suggest)\b"
)


def _last_user_text(ctx: PlanContext) -> str:
    return normalize(next((m.content or "" for m in reversed(ctx.messages) if m.role == "user"), ""))


# the caller repeats what they said ("no, I said wednesday", "like I said, two o'clock")
def _another_time_instead(ctx: PlanContext, s: dict[str, Any], slot: str) -> bool:
    """The caller's last words say "instead" (or "rather") with a time other than the slot's."""
    said = normalize(_last_user_text(ctx))
    proposed = next((Slot.model_validate(x) for x in s.get("offered") or [] if x.get("id") == slot), None)
    if proposed is None or not re.search(r"\b(?:instead|rather)\b", said):
        return False
    times = []
    while (found := find_time(said))[1]:
        times.append(found[0])
        said = said.replace(found[1] or "", " ", 1)
    return any(t != proposed.start.astimezone(ctx.now.tzinfo).time().replace(tzinfo=None) for t in times)


_I_SAID = re.compile(r"\b(?:i said|i did say|like i said|as i said|i told you|what i said)\b")


# a doctor said as the one to go to instead: "could I see Dr Patel instead"
_DOCTOR_INSTEAD = re.compile(r"\b(?:dr|doctor)\.?\s+[a-z'-]+(?:\s+[a-z'-]+)?\s*,?\s*(?:instead|rather)\b")


# "just checking, I'm not booking yet", "only asking for now": the times are told, nothing proposed
_ONLY_LOOKING = re.compile(
    # (a clause of its own: "just checking if she has Friday at 10" is often a booking asked)
    r"\b(?:just|only|i'm just|i'm only|im just) (?:checking|looking|asking|curious|browsing)(?: for now| at the moment)?"
    r"\s*(?:[.,;!?]|$)"
    r"|\bnot (?:booking|book|ready to book|going to book|gonna book|wanting to book)\b(?:[a-z ]{0,20}?)\b(?:yet|now|today)\b"
    r"|\b(?:don't|do not|dont) (?:book|want to book|need to book)\b[a-z ]{0,20}?\b(?:yet|now|today)\b"
    r"|\bbefore i (?:book|commit|decide)\b"
)


# a time agreed to, not asked for: "11:30 is good", "2 o'clock works for me", "3 is fine"
_AGREES_TO_A_TIME = re.compile(
    r"\b(?:is|'s|would be|sounds|should be)\s+(?:good|fine|great|perfect|ok|okay|best|alright|all right)\b"
    r"|\b(?:works|suits)\b"
)


class OfflinePlanner:
    name = "offline"
    # Deterministic code, not a token budget: it reads whole search results (a day of three
    # doctors' slots is ~8,000 characters), so a time late in the day is not cut off.
    result_chars = 16_000

    def __init__(
        self, hours: OpeningHours | None = None, *, address: str | None = None, phone: str | None = None
    ) -> None:
        self.hours = hours or OpeningHours.parse(DEFAULT_HOURS)
        self.practice = Practice(self.hours, address=address, phone=phone)

    def stock_phrases(self) -> list[str]:
        """Slot offers open with the day ("On Tuesday, December 1st, …", see `offer_sentence`)."""
        return [f"On {day}," for day in calendar.day_name]  # the names `say_date` says (%A)

    async def plan(self, ctx: PlanContext) -> PlanStep:
        s = ctx.scratch
        if ctx.step == 0:
            raw = (ctx.messages[-1].content or "") if ctx.messages else ""
            said = normalize(raw)
            if (mine := without_kin_denied(said)) != said:  # "not for my son this time, for me"
                raw = said = mine
                ctx = with_last_words(ctx, mine)
            if asks_to_wait(raw):  # "hold on, one sec": what was asked still stands
                return _say(TAKE_YOUR_TIME)
            if (keyed := keyed_check(s, raw)) is not None:  # the last name typed, as offered
                return keyed
            note_typed_date(ctx, s, raw)
            # lives for the turn that says it: a later "the 2:30 one, please" is a booking again
            s["only_looking"] = _ONLY_LOOKING.search(said) is not None
            message = plan_message(ctx, s, raw, said)  # a message or callback request
            if message is not None:
                return message
            if (again := recent.rebooking(ctx, said)) is not None:
                ctx = with_last_words(ctx, again)  # "can I rebook with her next week?" after a cancellation
            ctx = take_followup(ctx, s)  # "cancel Thursday and book Friday": one now, one kept
            topic = read_topic(ctx, s, self.practice)  # an emergency, staff work, opening hours, small talk
            if topic.answered:
                _keep_the_day_asked_about(ctx, s, _last_user_text(ctx))
            if topic.answered and not ctx.caller.verified:
                # "Walker, Ryan. 12/12/92. First, are you open on Saturdays?": who they are is
                # kept for the request that follows
                read_identity(ctx, s, _last_user_text(ctx))
            if topic.step is not None:
                return topic.step
            if topic.preface:
                s["preface"] = topic.preface
            if topic.rest is not None:
                ctx = with_last_words(ctx, topic.rest)
            if next_person.read_answer(ctx, s, raw):  # the relative's date of birth, asked for
                return with_preface(s, self._next(ctx, s))
            if topic.answered:
                s.pop("asked_new_day", None)  # an aside is no answer to "what day?": asked again
            early = None if topic.answered else read_turn(ctx, s)
            if early is not None:
                return with_preface(s, early)
        else:
            early = self._read_result(ctx, s, ctx.turn_results[-1])
            if early is not None:
                return with_preface(s, early)
        step = self._next(ctx, s)
        if step.tool_calls and ctx.tools.get(step.tool_calls[0].name) is not None:
            spec = ctx.tools.get(step.tool_calls[0].name)
            if spec is not None and spec.writes:
                if (theirs := next_person.request_for_someone(ctx, s)) is not None:
                    # "Lucas needs a check-up" from Maria, verified as herself: never written for
                    # her; his request, served as his once she is set aside
                    task_was = s.get("task")
                    drop_task(s)
                    return with_preface(
                        s, next_person.serve_another(ctx, s, next_person.with_the_task(task_was, theirs))
                    )
                if (asked := next_person.ask_first(ctx, s)) is not None:
                    return with_preface(s, asked)  # their date of birth before the caller's own yes
                arguments = step.tool_calls[0].arguments
                slot = (
                    (arguments.get("slot_id") or arguments.get("new_slot_id"))
                    if isinstance(arguments, dict)
                    else None
                )
                if slot and slot == s.get("last_proposed") and _I_SAID.search(_last_user_text(ctx)):
                    # "no, I said Wednesday the 9th at 2" to that very proposal: what they said is
                    # what was read back, so read it back once more for their yes
                    s["preface"] = f"{s.get('preface') or ''} That's what I have.".strip()
                    return with_preface(s, step)
                if slot and slot == s.get("last_proposed") and SAID_NO.match(_last_user_text(ctx)):
                    # "No, I'd like to see <misheard> next Wednesday at 4" to that very proposal:
                    # not it again (only a tired caller's yes would take it); ask what they want
                    s["declined"] = [*s.get("declined", []), slot][-10:]
                    s.pop("chosen", None)
                    s.pop("offered", None)
                    s.pop("last_proposed", None)
                    return with_preface(
                        s,
                        _say(
                            "Sorry, I didn't get that. Which doctor would you like to see, and on which day and time?"
                        ),
                    )
                if slot and slot == s.get("last_proposed") and _another_time_instead(ctx, s, slot):
                    # "Oh wait, he has soccer at 2:30. Friday at 1:30 instead" read as the time
                    # proposed before: the change was not understood, so not that proposal again
                    s["declined"] = [*s.get("declined", []), slot][-10:]
                    for key in ("chosen", "offered", "last_proposed"):
                        s.pop(key, None)
                    return with_preface(s, _say("Sorry, which time would you like instead?"))
                s["last_proposed"] = slot
                s["proposed"] = True
        return with_preface(s, step)

    # ---------------------------------------------------------------------------- tool results

    def _read_result(self, ctx: PlanContext, s: dict[str, Any], result: ToolResult) -> PlanStep | None:
        if result.name == "take_message" and result.outcome == "invalid":
            return taken_without_number(s)  # no calling number after all: ask for one
        if result.outcome in ("refused", "invalid"):
            # The offline planner only makes calls the policy allows; a refusal means the data
            # changed under us. A person is the safe next step.
            return _call("transfer_to_person", reason=f"A {result.name} request was refused: {result.error}")
        if result.outcome == "failed":
            s.pop("chosen", None)
            return _say(
                f"{(result.error or '').split(': ', 1)[-1]} Would you like me to transfer you to a member of our team?",
                offers_transfer=True,
            )
        data = result.result if isinstance(result.result, dict) else {}
        if result.name == "verify_identity":
            if not data.get("verified"):
                by_phone = s.pop("trying_phone", False)
                # kept so that "oops, 1990" or "it's Isabella with two Ls" can fix one part
                s["tried"] = {k: s.pop(k, None) for k in ("dob", "first_name", "last_name")}
                s["asked"] = "identity"
                if not by_phone and offers_name_keys(ctx, s, s["tried"]):
                    return _say(
                        f"I'm sorry, I couldn't match that name with the date of birth you typed. {KEYPAD_NAME}"
                    )
                keypad = f" {KEYPAD_DOB}" if ctx.channel == "voice" else ""
                if by_phone:
                    return _say(
                        "Thanks. I couldn't match that to the number you're calling from. Could you tell me your first and last name and your date of birth?"
                        + keypad
                    )
                return _say(
                    "I'm sorry, I couldn't verify those details. Could you tell me your full name and date of birth again?"
                    + keypad
                )
            if s.pop("asked", None) != "dob":  # "Thank you, Sarah" was said with the question
                s["greeted_name"] = data.get("first_name")
        elif result.name == "list_providers":
            s["providers"] = data.get("providers", [])
        elif result.name == "list_free_slots":
            s["searched"] = True
            s["slots"] = data.get("slots", [])
        elif result.name == "list_appointments":
            s["appointments"] = data.get("appointments", [])
            s["listed"] = True
        return None

    # ---------------------------------------------------------------------------- what next

    def _next(self, ctx: PlanContext, s: dict[str, Any]) -> PlanStep:
        s.pop("doctor_asked", None)  # lives for the turn that answers the question, set when asked
        task = s.get("task")
        if (
            task is None
            and not ctx.caller.verified
            and s.get("dob")
            and s.get("first_name")
            and s.get("last_name")
        ):
            # "nathan allen 6/16/1985" and nothing else yet: checked now, so a wrong answer is told
            # (and counted) at once rather than thanked
            return self._verify(ctx, s)
        if task is None:
            thanks = "Thank you. " if s.get("first_name") or s.get("dob") else ""
            return _say(f"{thanks}How can I help you today? {HELP}")
        if task == Intent.PROVIDERS:
            if "providers" not in s:
                return _call("list_providers")
            s.pop("task", None)
            s["asked_book"] = True
            # with what each practises, when the connector says: "a doctor that sees kids?"
            names = [
                f"{p['name']} in {p['specialty'].lower()}" if p.get("specialty") else p["name"]
                for p in s["providers"]
            ]
            return _say(
                f"Our doctors are {join_spoken(names, 'and')}. Would you like to book an appointment?"
            )
        if not ctx.caller.verified:
            return self._verify(ctx, s)
        if s.pop("not_theirs", None):  # "my friend Emily's appointment": never theirs to read or change
            drop_task(s)
            return _say(SOMEONE_ELSE.format(name=ctx.caller.first_name or "you"))
        if (
            (said := s.pop("kin_asked", None)) is not None
            and not ctx.caller.speaking_for  # the relative's own turn, after the caller's (`next_person`)
            and not relative_is_verified(said, ctx.caller.first_name)
        ):
            # "Maria Garcia, October 19 1982. My son needs a check-up Friday": verified as herself,
            # asking for her son: never a write for her; he is checked in a conversation of his own
            theirs = next_person.without_the_caller(ctx, said, s)
            own_later = next_person.callers_own_waiting(s)  # "..., and book me with Dr. Patel the same day"
            drop_task(s)
            step = next_person.serve_now(ctx, s, theirs, own_later) or _say(
                SOMEONE_ELSE.format(name=ctx.caller.first_name or "you")
            )
            if s.pop("greeted_name", None):
                step.say = f"{thank_you(s, ctx.caller.first_name)} {step.say}"
            return step
        step = self._task(ctx, s, task)
        if step.say and s.pop("greeted_name", None):  # the first thing said after verifying
            step.say = f"{thank_you(s, ctx.caller.first_name)} {step.say}"
        return step

    def _verify(self, ctx: PlanContext, s: dict[str, Any]) -> PlanStep:
        dob = s.get("dob")
        if dob and s.get("first_name") and s.get("last_name"):
            return _call(
                "verify_identity", first_name=s["first_name"], last_name=s["last_name"], date_of_birth=dob
            )
        if dob and ctx.caller.has_caller_phone and dob not in s.get("phone_dobs", []):
            # Each new date of birth with the calling number: the one typed on the keypad after a
            # misheard one is exact, and with the number identifies at most one person (each try
            # counts towards the number's lockout as any other).
            s["phone_tried"] = s["trying_phone"] = True
            s["phone_dobs"] = [*s.get("phone_dobs", []), dob]
            return _call("verify_identity", date_of_birth=dob)
        if dob:
            s["asked"] = "name"
            return _say("Thank you. And what is your first and last name?")
        if s.get("dob_md"):  # "21st of April": the year is still to come
            return _say("Thank you. And the year of birth?")
        if (
            s.get("first_name")
            and ctx.channel == "voice"
            and s.get("asked") == "identity"
            and not s.get("phone_tried")
            and not NAME_GIVEN.search(_last_user_text(ctx))  # "his name is Lucas Garcia": said as a name
        ):
            # Asked for the date of birth on the phone, no date came: a name read from those
            # words is as doubtful as the rest ("Game Will" for a misheard date), so it is not
            # thanked or kept; the question comes again with the keypad.
            s.pop("first_name", None)
            s.pop("last_name", None)
            return _say(
                "Sorry, I didn't catch your date of birth. What is your date of birth, with the month, day and year? "
                + KEYPAD_DOB
            )
        if s.get("first_name"):
            named = f"{s['first_name']} {s.get('last_name') or ''}"
            if ctx.channel == "voice" and s.get("asked") == "dob" and s.get("dob_asked_of") == named:
                # asked this name's date of birth, no date came (nor another name said as one)
                return _say(
                    "Sorry, I didn't catch your date of birth. What is your date of birth, with the month, day and year? "
                    + KEYPAD_DOB
                )
            s["asked"], s["dob_asked_of"] = "dob", named
            keypad = f" {KEYPAD_DOB}" if ctx.channel == "voice" else ""
            return _say(f"{thank_you(s, s['first_name'])} And what is your date of birth?{keypad}")
        again = s.get("asked") == "identity"
        s["asked"] = "identity"
        if again and ctx.channel == "voice":  # asked already, no date came: the keypad is exact
            return _say(
                "To confirm who I'm speaking with, what is your date of birth, with the month, day and year? "
                + KEYPAD_DOB
            )
        if (kin := ctx.caller.speaking_for) is not None:  # the relative's request, after the caller's own
            return _say(f"What is your {kin}'s full name and date of birth?")
        if ctx.caller.has_caller_phone and not s.get("phone_tried"):
            return _say(
                "I can help with that. First, to confirm who I'm speaking with, what is your date of birth? If you're not the person on file for this number, please also tell me your full name."
            )
        return _say(
            "I can help with that. First, to confirm who I'm speaking with, could you tell me your full name and date of birth?"
        )

    def _task(self, ctx: PlanContext, s: dict[str, Any], task: str) -> PlanStep:
        person = ctx.caller.person_id
        if task in (Intent.LIST, Intent.CANCEL, Intent.RESCHEDULE) and not s.get("listed"):
            return _call("list_appointments", person_id=person)
        appointments = [Appointment.model_validate(a) for a in s.get("appointments", [])]
        appointments = [a for a in appointments if a.status == "booked"]
        if task == Intent.LIST:
            if not appointments and isinstance(instead := s.get(IF_NONE_KEY), str):
                # "when's my appointment? and if I don't have one, can I see Dr Patel Wednesday at
                # 1:30?": none, so the booking asked for with it (`followups`)
                for key in [k for k in s if k not in ("providers",)]:
                    s.pop(key, None)
                s["want"] = wanted.dump(wanted.merge(None, find_when(instead, ctx.now)))
                s["provider_hint"] = instead
                return self._book_instead(ctx, s, "You don't have any upcoming appointments.")
            # (who speaks and a request waiting for its turn are kept, as across a write)
            for key in [k for k in s if k not in ("providers", SPEAKER, NEXT_PERSON)]:
                s.pop(key, None)
            if not appointments:
                s["asked_book"] = True
                return _say("You don't have any upcoming appointments. Would you like to book one?")
            s["just_listed"] = [a.id for a in appointments]
            spoken = [f"with {a.provider_name} on {say_when(a.start)}" for a in appointments]
            count = "one upcoming appointment" if len(spoken) == 1 else f"{len(spoken)} upcoming appointments"
            return _say(f"You have {count}: {join_spoken(spoken, 'and')}. {ANYTHING_ELSE}")
        if task in (Intent.CANCEL, Intent.RESCHEDULE):
            return self._change(ctx, s, task, appointments)
        if (shift := s.get("from_their_visit")) is not None:
            # "a check-up the day after his vaccination": that visit's day, looked up
            if not s.get("listed"):
                return _call("list_appointments", person_id=person)
            s.pop("from_their_visit")
            if len(appointments) != 1:
                return _ask_the_day(s, wanted.load(s.get("want")) or When(), "", ctx.channel)
            theirs = appointments[0].start.astimezone(ctx.now.tzinfo)
            day = theirs.date() + timedelta(days=int(shift[0]))
            want = wanted.load(s.get("want")) or When()
            want.start = want.end = day
            if len(shift) > 2 and shift[2] and want.at is None:
                want.at = theirs.time().replace(tzinfo=None)  # "a week after it, at the same time"
            if len(shift) > 3 and want.at is None:  # "right after that one": next to it
                want.at = (theirs + timedelta(minutes=float(shift[3]))).time().replace(tzinfo=None)
            s["want"] = wanted.dump(want)
        if s.get("chosen"):
            return _call("book_appointment", person_id=person, slot_id=s["chosen"])
        return self._find_slots(ctx, s, skip_day=None)

    def _book_instead(self, ctx: PlanContext, s: dict[str, Any], none: str) -> PlanStep:
        """No appointment to list or move: the booking asked for with it, said after `none`."""
        s["task"] = Intent.BOOK.value
        s["preface"] = f"{s.get('preface', '')} {none}".strip()
        return self._find_slots(ctx, s, skip_day=None)

    def _change(
        self, ctx: PlanContext, s: dict[str, Any], task: str, appointments: list[Appointment]
    ) -> PlanStep:
        """Cancel or reschedule: which appointment, then (reschedule) which new slot."""
        if not appointments:
            asked = wanted.load(s.get("want"))
            if (
                task == Intent.RESCHEDULE
                and asked is not None
                and asked.start is not None
                and asked.at is not None
                and not spoke_of_their_visit(
                    " ".join(m.content or "" for m in ctx.messages if m.role == "user")
                )
            ):
                # (not "my son Lucas's appointment ... change it to Thursday": a visit they have, not
                # found; asked, never booked anew in its place)
                # "... my cold just won't shift, so I'd like Dr Patel on Wednesday the 9th at 3": a
                # word of moving, and a whole booking asked for; nothing to move, so that booking
                # (read back and confirmed like any other)
                return self._book_instead(ctx, s, "I don't see any upcoming appointments for you.")
            s.pop("task", None)
            s["asked_book"] = task  # kept for "no, not mine, my son's": the task was his
            return _say("I don't see any upcoming appointments for you. Would you like to book one?")
        target = next((a for a in appointments if a.id == s.get("target")), None)
        hint = s.pop("target_hint", None)
        if target is None and hint:
            target = pick_appointment(hint, find_when(hint, ctx.now), appointments)
            when = find_when(hint, ctx.now)
            new_day = False
            if target is None and len(appointments) == 1 and task == Intent.RESCHEDULE and not s.get("want"):
                if not when.empty:  # "reschedule my appointment, friday works better": the new day
                    s["want"] = wanted.dump(wanted.merge(None, when))
                    new_day = True
            lone = appointments[0]
            asked = wanted.load(s.get("want"))
            if (
                task == Intent.RESCHEDULE
                and asked is not None
                and asked.start is not None
                and (asked.start == when.start or asked.start.strftime("%A").lower() in hint)
            ):
                new_day = (
                    True  # "... can it be Wednesday the 9th instead?": the day asked for, not the old one
                )
            if (
                target is None
                and len(appointments) == 1
                and task == Intent.RESCHEDULE
                and _DOCTOR_INSTEAD.search(hint)
            ):
                target = lone  # "could I see Dr Patel instead, same time?": the new doctor, not which one
            if (
                target is None
                and len(appointments) == 1
                and not new_day
                and points_elsewhere(hint, when, lone)
            ):
                # "cancel my Wednesday appointment" with one on Thursday: say so, never take it silently
                verb = "cancel" if task == Intent.CANCEL else "move"
                return _say(
                    f"I don't see that appointment. The one I have for you is with {lone.provider_name} on "
                    f"{say_when(lone.start)}. Is that the one you'd like to {verb}?"
                )
        if target is None and task == Intent.CANCEL and len(appointments) >= 2 and s.get("cancel_all"):
            # "cancel both of them": one now, the other as the next request once this one is done
            target = min(appointments, key=lambda a: a.start)
        if target is None and len(appointments) == 1:
            target = appointments[0]
        if target is None:
            spoken = [f"the one with {a.provider_name} on {say_when(a.start)}" for a in appointments]
            verb = "cancel" if task == Intent.CANCEL else "move"
            return _say(
                f"You have {len(appointments)} upcoming appointments. Which one would you like to {verb}: {join_spoken(spoken)}?"
            )
        s["target"] = target.id
        if task == Intent.CANCEL:
            if s.pop("cancel_all", False) and len(appointments) >= 2:
                # the next one once this one is done ("all of them" while more than one is left)
                s[CARRY] = "cancel all of them" if len(appointments) > 2 else "cancel my other appointment"
            return _call("cancel_appointment", appointment_id=target.id)
        if s.get("chosen"):
            return _call("reschedule_appointment", appointment_id=target.id, new_slot_id=s["chosen"])
        if not s.get("want") and s.pop("same_day", False):  # another doctor, the same day and time
            s["want"] = wanted.dump(wanted.merge(None, When(target.start.date(), target.start.date())))
        if (anchor := s.pop("anchor", None)) is not None and s.get("shift"):  # "the Monday after"
            s["shift"][0] = anchored.days_from(target.start.date(), *anchor) or 0
        time_said = (said := wanted.load(s.get("want"))) is not None and said.at is not None
        if (shift := s.pop("shift", None)) is not None:  # "an hour later": from the appointment
            s["want"] = wanted.dump(wanted.shifted(wanted.load(s.get("want")), target.start, *shift))
        if (side := s.pop("side", None)) is not None and not time_said:
            # "could it go earlier in the day?" (not "earlier pls. 0900 same day?": 9 is said)
            s["want"] = wanted.dump(wanted.beside(wanted.load(s.get("want")), target.start, side))
        if (
            not s.get("want")
            and s.get("asked_new_day")
            and not s.pop("day_asked_again", False)
            and not _ANY_DAY.search(_last_user_text(ctx))
        ):
            # "to the door and be at the end" (a day lost on the line) to "What day would you like
            # to move it to?": asked once more, never the soonest day guessed
            s["day_asked_again"] = True
            return _say(f"Sorry, which day would you like to move it to?{offer_day_keys(s, ctx.channel)}")
        if not s.get("want") and not s.get("asked_new_day"):
            if "providers" not in s:  # the answer may be a doctor's surname alone ("Chen"): know them
                return _call("list_providers")
            s["asked_new_day"] = True
            # asked again after words not caught: on a call, the keys are exact
            keys = offer_day_keys(s, ctx.channel) if s.get("misses") else ""
            return _say(
                f"Your appointment with {target.provider_name} is on {say_when(target.start)}. "
                f"What day would you like to move it to?{keys}"
            )
        want = wanted.load(s.get("want"))
        if want is not None and want.start is None and (s.pop("day_unclear", None) or s.get("day_asked")):
            s["asked_new_day"] = True  # "move it to end the f2pm": the day was not heard
            return _ask_the_day(s, want, " to move it to", ctx.channel)
        if (
            want is not None
            and want.start is None
            and (not want.soonest or want.at is not None)  # "any time after 2 - 3 o'clock?": 3 is said
            and (want.at or want.part != "any" or want.edge is not None)
        ):
            # "can I move it to the afternoon" / "to 3 pm" / "to the last slot": the appointment's day
            want.start = want.end = target.start.date()
            s["want"] = wanted.dump(want)
        if want is not None and want.at is None and s.pop("same_time", False):
            # "the following Monday, same time": the appointment's time on the new day
            want.at, want.part = target.start.time().replace(tzinfo=None), "any"
            s["want"] = wanted.dump(want)
        if not s.get("any_provider") and not DOCTOR_BY_NAME.search(s.get("provider_hint", "")):
            s.setdefault("provider_id", target.provider_id)  # the same doctor unless one was named
        return self._find_slots(ctx, s, skip_day=target.start.date() if not s.get("want") else None)

    def _find_slots(self, ctx: PlanContext, s: dict[str, Any], skip_day: date | None) -> PlanStep:
        want = wanted.load(s.get("want"))
        if want is not None and want.start is None and (s.pop("day_unclear", None) or s.get("day_asked")):
            return _ask_the_day(s, want, "", ctx.channel)  # "next when at 4pm"
        if (
            want is not None
            and want.at is not None
            and want.start is None
            and not want.soonest
            and s.get("task") == Intent.BOOK.value
            and not s.get("offered")
            and _AGREES_TO_A_TIME.search(_last_user_text(ctx))
        ):
            # "11:30 is good" with no day ever said and no times offered: agreed as if a day were
            # settled, so the day is asked, never the first day that has 11:30 free (a request
            # "I'd like Dr. Rodriguez at 4pm" is the earliest day with 4, `tests/scenarios/repairs.yaml`)
            s["day_asked"] = 1
            return _say(f"Which day would you like{_at(want)}?")
        s.pop("day_asked", None)
        if "providers" not in s:
            return _call("list_providers")
        providers = [Provider.model_validate(p) for p in s["providers"]]
        if not s.get("provider_id") and (hint := s.pop("provider_hint", None)):
            named = find_provider(hint, providers)
            if named is not None and ctx.channel == "voice" and another_doctor_unheard(hint, providers):
                s["doctor_unheard"] = True  # "Dr. Kit ... Dr. Kim and Dr. Priya": asked, never guessed
            elif named is not None:
                s["provider_id"] = named.id
            elif not s.get("any_provider") and (stranger := unknown_doctor(hint, providers)):
                s["doctor_asked"] = True  # a bare yes to it is no doctor (`reading._not_understood`)
                if ctx.channel == "voice":
                    # "Dr. Lond Regan" on a phone line is a name not caught, more likely than a
                    # doctor we don't have: the keys are exact
                    s["doctor_asks"] = int(s.get("doctor_asks") or 0) + 1
                    return _say(
                        f"Sorry, I didn't catch which doctor. {doctors_sentence(providers)} "
                        f"You can also press {_doctor_keys(s, providers)}."
                    )
                return _say(f"I'm sorry, we don't have a Dr. {stranger} here. {doctors_sentence(providers)}")
            elif not s.get("any_provider") and (among := undecided_between(hint, providers)) is not None:
                s["among"] = among
            elif not s.get("any_provider") and _SEES_SOMEONE_UNHEARD.search(hint):
                s["doctor_unheard"] = True
        if not (s.get("provider_id") or s.get("any_provider") or s.get("among")) and (
            s.pop("doctor_unheard", False) or _SEES_SOMEONE_UNHEARD.search(_last_user_text(ctx))
        ):
            # "I'd like to see not to begin next Wednesday": someone was named, not caught (on a
            # phone line, "Doctor Rodriguez"); any doctor would be a guess. Asked again, the phone's
            # keypad is offered (keys are exact); after that a person takes over.
            asked = int(s.get("doctor_asks") or 0) + 1
            s["doctor_asks"] = asked
            if asked > 2:
                return _call(
                    "transfer_to_person", reason="Which doctor the caller wants could not be understood."
                )
            if asked == 2 and ctx.channel == "voice":
                return _say(
                    f"Sorry, I still didn't catch which doctor. You can also press {_doctor_keys(s, providers)}."
                )
            s["doctor_asked"] = True
            return _say(f"Sorry, I didn't catch which doctor. {doctors_sentence(providers)}")
        if s.get("provider_id") or s.get("any_provider"):
            s.pop("among", None)
        elif (among := s.get("among")) is not None and among[1]:
            # "Dr Rodriguez - sorry, Dr Patel, Rodriguez is ...": never guess which doctor
            s["among"] = [among[0], False]  # asked once; the answer names one
            names = [p.name for p in providers if p.id in among[0]]
            return _say(f"Which doctor would you like to see: {join_spoken(names, 'or')}?")
        if not s.get("provider_id") and not s.get("any_provider") and want is None:
            s["doctor_asked"] = True
            return _say(doctors_sentence(providers))
        if not s.get("searched"):
            return _call("list_free_slots", **search_arguments(want, s.get("provider_id"), ctx.now.date()))
        s.pop("searched", None)
        slots = not_refused(s, [Slot.model_validate(x) for x in s.pop("slots", [])], providers)
        if (among := s.get("among")) is not None and not s.get("provider_id"):
            slots = [x for x in slots if x.provider_id in among[0]]  # "Dr Chen or Dr Patel"
        window = {k: datetime.fromisoformat(v) for k, v in s.get("window", {}).items()}
        offer = choose(slots, want, ctx.now, skip_day=skip_day, declined=set(s.get("declined", [])), **window)
        if (looking := bool(s.get("only_looking"))) and offer.exact is not None:
            # "does she have 11 on Friday? just checking, not booking yet": told among the times
            # around it, never proposed for a booking the caller said they aren't making
            offer = Offer(None, times_around(slots, offer.exact, ctx.now), "")
        elif looking and want is not None and want.at is None:
            # "what does she have Tuesday afternoon? just checking": the first times, none picked
            loose = replace(want, options=[], fallback=None, fallback_day=None, edge=None, soonest=False)
            offer = choose(
                slots, loose, ctx.now, skip_day=skip_day, declined=set(s.get("declined", [])), **window
            )
        # one free time left ("anything before eleven?" at 10:05): proposed as it is, so one yes books
        # it (a "which would you like?" of one time would ask for the same yes twice)
        only = offer.slots[0] if len(offer.slots) == 1 and not offer.lead and not looking else None
        if (exact := offer.exact or only) is not None:
            s["offered"] = [exact.model_dump(mode="json")]
            s["chosen"] = exact.id
            return self._task(ctx, s, s["task"])
        if not offer.slots:
            s.pop("offered", None)
            s["asked_other_day"] = True  # "yes" to it asks which day (`reading._not_understood`)
            sorry = "I" if "sorry" in offer.lead else "I'm sorry, I"  # said once, not twice in a row
            return _say(
                f"{offer.lead} {sorry} don't see any free times then. Would another day work for you?".strip()
            )
        s["offered"] = [x.model_dump(mode="json") for x in offer.slots]
        return _say(f"{offer.lead} {offer_sentence(offer.slots)} Which would you like?".strip())


def _keep_the_day_asked_about(ctx: PlanContext, s: dict[str, Any], said: str) -> None:
    """ "whatever's open Friday" (answered with the hours), then "11:30 is good": the one day the
    hours question named is the day wanted, never the first day that has 11:30 free."""
    if not s.get("hours_told") or s.get("task") not in (None, Intent.BOOK.value):
        return
    day = find_when(said, ctx.now)
    if day.start is None or day.start != day.end:
        return  # (not "are you open on weekends?": no one day)
    asked = When(start=day.start, end=day.end, matched=day.matched)
    s["want"] = wanted.dump(wanted.merge(wanted.load(s.get("want")), asked))


def _ask_the_day(s: dict[str, Any], want: When, verb: str, channel: str) -> PlanStep:
    """ "Sorry, which day would you like at 4 PM?" until a day is said: an answer without one
    ("yeah, that's fine") is no day, never today; asked twice in vain, a person takes over (on a
    call, asked again, the keypad is offered: `day_keys`)."""
    asked = int(s.get("day_asked") or 0) + 1
    if asked > 2:
        return _call("transfer_to_person", reason="The day the caller wants could not be understood.")
    s["day_asked"] = asked
    if asked == 1:
        return _say(f"Sorry, which day would you like{verb}{_at(want)}?")
    keys = offer_day_keys(s, channel) or " For example, tomorrow, Friday, or the 15th."
    return _say(f"Which day would you like{verb}{_at(want)}?{keys}")


def _at(want: When) -> str:
    """' at 4 PM' when the caller gave a time, for "which day would you like at 4 PM?"."""
    if want.at is None:
        return ""
    return " at " + say_time(datetime.combine(date(2000, 1, 1), want.at))
