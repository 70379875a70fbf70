"""Reading one user turn into the offline planner's scratch: the task, identity, provider, when,
and which offered slot or listed appointment the caller means.

Returns a step when the turn is answered without further work (a transfer, a goodbye, "sorry?"),
otherwise None and the planner carries on with what it now knows.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from agents.offline import anchored, keeping, wanted
from agents.offline.birthdates import corrected_year, find_dob
from agents.offline.choices import (
    find_provider,
    pick_appointment,
    pick_slot,
    unknown_doctor,
    wants_any_provider,
)
from agents.offline.dates import When, day_phrases, find_when
from agents.offline.followups import the_new_request
from agents.offline.intents import Intent, intents, task_of
from agents.offline.introductions import (
    explained_dob,
    name_by_dob,
    only_after_for,
    record_name,
    without_nicknames,
)
from agents.offline.moments import only_a_change_of_mind
from agents.offline.names import (
    bare_name,
    corrected_name,
    find_name,
    introduces_self,
    possessive_name,
)
from agents.offline.numbers import normalize
from agents.offline.offers import doctors_sentence, offer_sentence
from agents.offline.recent import just_written, points_back
from agents.offline.refusals import note_refusals, without_refusals
from agents.offline.repair import (
    MAX_REPAIRS,
    answer_to_check,
    ask_which,
    keypad_pick,
    offered_slots,
    repaired,
    sure_pick,
)
from agents.offline.shifts import shift_of
from agents.offline.steps import HELP, KEYPAD_DOB, call, say
from agents.planner import PlanContext, PlanStep
from agents.policy import classify_confirmation
from agents.replies import ANYTHING_ELSE
from connectors.base import Appointment, Provider, Slot

_TASK_KEYS = ("offered", "window", "appointments", "listed", "target", "target_hint", "want", "provider_id", "shift", "day_unclear",
              "any_provider", "chosen", "asked_new_day", "declined", "proposed", "unanswered", "anchor")  # fmt: skip


def drop_task(s: dict[str, Any]) -> None:
    for key in ("task", *_TASK_KEYS):
        s.pop(key, None)


_SENTENCE_END = re.compile(r"(?<!\bdr)(?<!\bmr)(?<!\bmrs)(?<!\bms)[.?!](?=\s|$)")


def split_reschedule(text: str, now: datetime) -> tuple[str, str | None]:
    """'move my thursday appointment to friday at 3' -> ('move my thursday appointment', 'friday at 3').

    The new day follows the last "to/for/until" that has a day or time after it and no
    "appointment" (that "to" belongs to "I need to move my appointment on thursday")."""
    markers = r"\b(to|for|until|till|into|how about|what about|make it|make that|make this|(?:can|could) (?:we|you|i) (?:do|have|get)|(?:that|the) same day)\b"
    for m in reversed(list(re.finditer(markers, text))):
        after = text[m.end() :]
        # "... to tomorrow at 10:30 if dr chen is free": the condition is not part of the new time
        after = re.split(r"\b(?:if|as long as|provided|assuming|because|since|unless)\b", after)[0]
        after = _SENTENCE_END.split(after)[0]  # "... say 4 o'clock? his dob is ...": that sentence
        if re.search(r"\b(appointment|my|it's|is)\b", after):
            continue
        if not find_when(after, now).empty:
            return text[: m.start()], after
        if not find_when(m.group(0) + after, now).empty:  # "bump it to 4 that same day"
            return text[: m.start()], m.group(0) + after
    days = day_phrases(text)
    if len(days) >= 2:  # "i can't make it thursday, can we do friday instead"
        return text[: days[-1].start()], text[days[-1].start() :]
    return text, None


def _forget_gone_proposal(ctx: PlanContext, s: dict[str, Any], raw: str) -> None:
    """A write this planner proposed is no longer pending: the caller said no, or asked for
    something else. Don't propose that slot again; after a plain yes/no also forget the time."""
    if not s.pop("proposed", False) or ctx.caller.pending_action is not None:
        return
    chosen = s.pop("chosen", None)
    if not _was_declined(ctx):
        # answered with something else: "actually thursday" is a new request, but "thank you"
        # or words not understood get the same question again (`_not_understood`), so a caller
        # never leaves believing a write was done when it was not
        s["unanswered"] = {"chosen": chosen, "target": s.get("target")}
        if s.get("task") == Intent.CANCEL:
            s.pop("target", None)  # "no, the one on friday" may pick another
        return
    if chosen:
        s["declined"] = [*s.get("declined", []), chosen][-10:]
        s.pop("offered", None)
    if classify_confirmation(raw) != "other" and (want := wanted.load(s.get("want"))) is not None:
        want.at = None
        s["want"] = wanted.dump(want)
    if s.get("task") == Intent.CANCEL:
        s.pop("target", None)
        s["cancel_declined"] = True


def _was_declined(ctx: PlanContext) -> bool:
    """The caller said no to the proposal (the runtime answered that turn), rather than answering
    the "Shall I go ahead?" with something new ("any doctor is fine", "actually Thursday")."""
    users = [i for i, m in enumerate(ctx.messages) if m.role == "user"]
    said = (
        [m.content or "" for m in ctx.messages[: users[-1]] if m.role == "assistant" and m.content]
        if users
        else []
    )
    return not (said and said[-1].rstrip().endswith("Shall I go ahead?"))


_KEEP = re.compile(
    r"\b(keep (it|that|them|my appointment|the appointment)|leave it|never ?mind|forget it|forget about it"
    r"|(don't|do not) (cancel|move|change|book|do) (it|that|anything))\b"
)


def read_turn(ctx: PlanContext, s: dict[str, Any]) -> PlanStep | None:
    raw = next((m.content for m in reversed(ctx.messages) if m.role == "user" and m.content), "")
    text = normalize(raw)
    found = intents(text)
    if Intent.HUMAN in found:
        return call("transfer_to_person", reason="The caller asked to speak to a person.")
    if not ctx.caller.verified and re.search(
        r"\b(new patient|not a patient|never been (there|here|before)|first (time|visit) (there|here|with you))\b",
        text,
    ):
        # only registered patients can be verified and booked here: registering is staff work
        return call("transfer_to_person", reason="A new patient would like to register and book.")
    _forget_gone_proposal(ctx, s, raw)
    if s.get("unanswered") is not None and _KEEP.search(text):  # "actually no, keep it"
        drop_task(s)
        s.pop("unanswered", None)
        return say(f"Okay, I won't do that. {ANYTHING_ELSE}")
    s.pop("greeted_name", None)  # "Thank you, Sarah" belongs to the turn that verified her
    s.pop("chosen", None)  # a choice only lives for the turn it was made in
    task = task_of(found)
    if (
        task == Intent.RESCHEDULE
        and s.get("task") == Intent.BOOK
        and not re.search(r"\b(appointment|visit)\b", text)
    ):
        task = None  # "can we change that to friday" while booking: still the booking
    if (
        task == Intent.RESCHEDULE
        and Intent.BOOK in found
        and not s.get("task")
        and only_a_change_of_mind(text)
    ):
        task = Intent.BOOK  # "book Dr Patel Wednesday, no wait, make that Thursday": one booking
    understood = task is not None
    if task is not None and task != s.get("task"):
        for key in _TASK_KEYS:
            s.pop(key, None)
        s["task"] = task.value
        s.pop("cancel_declined", None)
        _read_points_back(ctx, s, text)
    if ctx.caller.verified and (other := possessive_name(text)):
        mine = (ctx.caller.first_name or "").lower()
        if mine not in other.lower():
            return say(f"I'm sorry, I can only help with your own appointments. {HELP}")
    rest = text
    if not ctx.caller.verified:
        asked = s.get("asked") in ("identity", "name", "dob")
        rest, identity = _read_identity(ctx, s, text)
        understood = understood or identity
        s["id_misses"] = 0 if identity or not asked else s.get("id_misses", 0) + 1
        if s["id_misses"] >= 3:  # asked three times and still no name or date of birth
            return call(
                "transfer_to_person", reason="The caller's name and date of birth could not be understood."
            )
    said_when = _read_when(ctx, s, rest, dob_said=rest != text)
    understood = understood or said_when
    if said_when:
        s.pop("window", None)
    if s.get("offered") and _read_later_earlier(s, text):
        understood = True
    providers = [Provider.model_validate(p) for p in s.get("providers", [])]
    if (stranger := unknown_doctor(text, providers)) is not None:
        return say(f"I'm sorry, we don't have a Dr. {stranger} here. {doctors_sentence(providers)}")
    if _read_provider(s, text):
        understood = True
    if s.get("offered"):
        offered = offered_slots(s)
        chosen = keypad_pick(s, text, offered) or pick_slot(text, find_when(rest, ctx.now), offered)
        if chosen is not None:
            s["chosen"] = chosen.id
            s.pop("confirm_slot", None)
            repaired(s, "slot")
            understood = True
    if s.get("appointments") and not s.get("target"):
        target = pick_appointment(
            text, find_when(rest, ctx.now), [Appointment.model_validate(a) for a in s["appointments"]]
        )
        if target is not None:
            s["target"] = target.id
            understood = True
    if s.get("task") is None and (said_when or re.search(r"\b(dr|doctor)\b", text)):
        s["task"] = Intent.BOOK.value  # "and another one with dr chen on friday": a booking
        understood = True
    if (chosen_id := s.get("chosen")) and s.get("provider_id"):
        chosen_slot = next((x for x in offered_slots(s) if x.id == chosen_id), None)
        if chosen_slot is not None and chosen_slot.provider_id != s["provider_id"]:
            # "I meant Dr. Patel, not Dr. Chen": a slot of the doctor just turned down is not chosen
            s.pop("chosen", None)
            s.pop("offered", None)
    if understood:
        s["misses"] = 0
        s.pop("unanswered", None)
        s.pop("asked_book", None)
        return None
    return _not_understood(ctx, s, found, raw)


def _read_points_back(ctx: PlanContext, s: dict[str, Any], text: str) -> None:
    """ "Actually can you move that to Friday" / "cancel that one" after a booking: that one."""
    if s.get("task") not in (Intent.RESCHEDULE, Intent.CANCEL) or (written := just_written(ctx)) is None:
        return
    old, new = split_reschedule(text, ctx.now) if s["task"] == Intent.RESCHEDULE else (text, None)
    if s["task"] == Intent.RESCHEDULE and new is None and re.search(r"\b(instead|rather)\b", text):
        old = ""  # "I'd rather do Friday instead": the day is the new one
    if points_back(old, ctx, text):
        s["target"] = written
        if find_when(text, ctx.now).empty and re.search(r"\b(dr|doctor|with)\b", text):
            s["same_time"] = s["same_day"] = True  # "make that with Dr. Chen instead": that time


def _read_identity(ctx: PlanContext, s: dict[str, Any], text: str) -> tuple[str, bool]:
    """Name and date of birth; returns the text without the date and whether anything was found."""
    found = False
    dob, span = find_dob(text, ctx.now.date())
    if dob is not None:
        s["dob"] = dob.isoformat()
        found = True
    if dob is not None and span and (explained := explained_dob(text, dob, span)) is not None:
        dob, span = explained  # "06/03/1961 - that's the 6th of March": a birth date, not a day to book
        s["dob"] = dob.isoformat()
    rest = text.replace(span, " , ") if span else text  # the name ends where the date was
    near = name_by_dob(*text.partition(span)[::2]) if span else None
    on_record = record_name(rest)  # "Matt - Matthew Moore on your records"
    name = on_record or find_name(
        without_nicknames(rest), whole_answer=s.get("asked") in ("identity", "name", "dob")
    )
    if not on_record and near not in (None, name) and name is not None and only_after_for(rest, name):
        name = near  # "... for ages lol. Olivia Martinez, born 9 May 1998": not "Ages Lol"
    if name is None and span:
        # "book me in please, sarah johnson march 14 1985" / "born may 9 1998, olivia martinez":
        # the words just before or just after the date
        name = near
        if name is None and (theirs := possessive_name(text)):  # "cancel Lucas Garcia's ... his DOB is"
            first, _, last = theirs.partition(" ")
            name = (first, last)
    if name is None and not found:
        name = bare_name(_raw_turn(ctx))  # "Emily Davis" as the whole first message
    tried = s.get("tried") or {}
    if name is None and not ctx.caller.verified and (said := _name_said(s)) is not None:
        # "sorry, it's Isabella with two Ls" (a doctor's name is not the caller's)
        name = corrected_name(re.sub(r"\b(?:dr|doctor)\.?\s+[a-z'-]+", " ", text), *said)
    if dob is None and not ctx.caller.verified and tried.get("dob"):
        fixed = corrected_year(text, date.fromisoformat(tried["dob"]), ctx.now.date())
        if fixed is not None:  # "oops, 1990" after a check that failed: that day, that year
            s["dob"] = fixed.isoformat()
            found = True
    if name is not None:
        s["first_name"], s["last_name"] = name
        found = True
    if found and not ctx.caller.verified and tried:
        # one part said again after a failed check: the other parts as they were said
        for key in ("dob", "first_name", "last_name"):
            if not s.get(key) and tried.get(key):
                s[key] = tried[key]
    return rest, found


def _name_said(s: dict[str, Any]) -> tuple[str, str] | None:
    """The name given in an earlier turn (or in the check that failed), to be corrected."""
    for where in (s, s.get("tried") or {}):
        if where.get("first_name") and where.get("last_name"):
            return where["first_name"], where["last_name"]
    return None


def _raw_turn(ctx: PlanContext) -> str:
    return next((m.content for m in reversed(ctx.messages) if m.role == "user" and m.content), "") or ""


def _read_when(ctx: PlanContext, s: dict[str, Any], rest: str, *, dob_said: bool) -> bool:
    if (
        not ctx.caller.verified
        and s.get("asked") in ("identity", "name", "dob")
        and not dob_said
        and not _plainly_booking_when(rest)
    ):
        # an answer to "what is your date of birth?" that isn't one ("march 14") is not a day to
        # book; once the birth date is found and cut out, the rest may be ("... tomorrow at 3"),
        # and so may words no birth date has ("next thursday in the morning"): the task is kept
        return False
    task = s.get("task")
    if task == Intent.BOOK:  # "keep my thursday one, and see dr chen friday": not thursday
        rest = keeping.without_kept(rest)
    new_text: str | None = rest
    got = False
    if task == Intent.RESCHEDULE:
        old_text, new_text = split_reschedule(rest, ctx.now)
        said_new = new_text
        if new_text is None and (s.get("asked_new_day") or s.get("target")):
            new_text, old_text = rest, ""  # the answer to "what day would you like to move it to?"
        if re.search(r"\b(same|the same|usual) time\b", rest):
            s["same_time"] = True
        if old_text and not s.get("target") and _points_at_one(old_text, ctx):
            s["target_hint"] = old_text  # "my thursday appointment": which one, not when to
            got = True
            later = find_when(old_text, ctx.now)
            if (
                new_text is None
                and later.at is not None
                and re.search(r"\b(later|earlier|sooner|like)\b", old_text)
            ):
                # "make my thursday appointment later in the day, like 3:30": that day, the new time
                later.start = later.end = None
                s["want"] = wanted.dump(wanted.merge(wanted.load(s.get("want")), later))
        if anchored.read_move(s, rest, said_new):  # "an hour later", "the Monday after": from the appointment
            got = True
    elif task in (Intent.CANCEL, Intent.LIST):
        if not s.get("target") and _points_at_one(rest, ctx):
            s["target_hint"] = rest
            return True
        return False
    elif task == Intent.BOOK and not find_when(fresh := the_new_request(rest), ctx.now).empty:
        new_text = fresh  # "I already see Dr Patel Thursday, but I need Dr Chen Friday": Friday
    elif task == Intent.BOOK and (moved := wanted.moved_on(wanted.load(s.get("want")), shift_of(rest))):
        s["want"] = wanted.dump(moved)  # "the day after instead", "an hour later": from the day asked
        return True
    when = find_when(new_text, ctx.now) if new_text is not None else None
    if when is not None and task == Intent.RESCHEDULE and s.get("shift"):
        when.start = when.end = None  # "push my wednesday one back a week": wednesday is the old day
    if when is None or when.empty:
        return got
    if (
        when.start is None
        and new_text is not None
        and not s.get("shift")
        and _day_unclear(new_text, when, task)
    ):
        s["day_unclear"] = True  # a time with words where the day was: ask the day, don't assume
    elif when.start is not None:
        s.pop("day_unclear", None)
    s["want"] = wanted.dump(wanted.merge(wanted.load(s.get("want")), when))
    return True


# Words that may stand around a time without naming a day ("to 3 pm please", "at 4 if possible").
_AROUND_A_TIME = set(
    "to at on for please the a an it its it's around about maybe if possible would be works work good fine"
    " ok okay can we could you i do make move change that this same instead then thanks thank so um uh"
    " in morning afternoon evening pm am p.m a.m o'clock noon half past quarter ish or later earlier"
    " appointment my reschedule switch bring push back forward bump day time any chance say like".split()
)
_UNSURE_DAY = re.compile(
    r"\b(next|on|this|coming)\s+(?!week\b|month\b|available\b|time\b|one\b|slot\b)([a-z]+)"
)


def _day_unclear(text: str, when: When, task: str | None) -> bool:
    """ "next when at 4pm" (Whisper's "next Wednesday"), "move it to end the f2pm": a time said
    with words where a day would be. A lone time ("at 4", "to 3 pm") keeps its usual reading."""
    spoken = [w for w in re.findall(r"[a-z][a-z'.]*", text) if not any(m and w in m for m in when.matched)]
    if task == Intent.RESCHEDULE:
        return any(w not in _AROUND_A_TIME for w in spoken)
    m = _UNSURE_DAY.search(text)
    return m is not None and m.group(2) not in _AROUND_A_TIME


_BOOKING_WHEN = re.compile(
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|today|tonight|next|morning"
    r"|afternoon|evening|week|noon|o'clock|am|pm|a\.m|p\.m|earliest|soonest|available)\b"
)
_MONTHS = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b")


def _plainly_booking_when(text: str) -> bool:
    """Words of a day to book that no date of birth has ("next thursday in the morning")."""
    return _BOOKING_WHEN.search(text) is not None and _MONTHS.search(text) is None


def _points_at_one(text: str, ctx: PlanContext) -> bool:
    """Words that may pick one appointment: a day, or a doctor ("the one with dr chen")."""
    return not find_when(text, ctx.now).empty or re.search(r"\b(dr|doctor|with)\b", text) is not None


def _read_later_earlier(s: dict[str, Any], text: str) -> bool:
    """ "anything later?" / "something earlier": times after the last (before the first) offered."""
    m = re.search(r"\b(later|earlier|sooner)\b(?!\s+than)", text)
    if not m or shift_of(text) is not None:  # "an hour later": that much later (`_read_when`)
        return False
    starts = [Slot.model_validate(x).start for x in s["offered"]]
    later = m.group(1) == "later"
    s["window"] = {"after": max(starts).isoformat()} if later else {"before": min(starts).isoformat()}
    if (want := wanted.load(s.get("want"))) is not None and want.at is not None:
        want.at = None
        s["want"] = wanted.dump(want)
    return True


def _read_provider(s: dict[str, Any], text: str) -> bool:
    note_refusals(s, text)  # "just not Dr Chen": nobody to book with, and left out of the search
    text = without_refusals(text)  # "(not the kids' doctor)" names no one to book with
    provider = find_provider(text, [Provider.model_validate(p) for p in s.get("providers", [])])
    if provider is None and not s.get("providers"):
        # the doctors aren't known yet (the caller isn't verified): keep the words for later,
        # turns kept apart ("… see a doctor" then "january 25th …" is not "doctor january")
        s["provider_hint"] = f"{s.get('provider_hint', '')} | {text}".strip(" |")[-500:]
        if re.search(r"\b(dr|doctor)\.?\s+[a-z]", text):
            return True
    if provider is not None:
        s["provider_id"] = provider.id
        s.pop("any_provider", None)
        return True
    if wants_any_provider(text):
        s["any_provider"] = True
        s.pop("provider_id", None)
        s.pop("provider_hint", None)
        return True
    return False


def _not_understood(ctx: PlanContext, s: dict[str, Any], found: list[Intent], raw: str) -> PlanStep | None:
    verdict = classify_confirmation(raw)
    if Intent.GOODBYE in found:
        return call("end_conversation")
    checked, was_asked = answer_to_check(s, verdict)
    if checked is not None:  # "Was that 9:30 AM?" "yes"
        s["chosen"] = checked.id
        repaired(s, "slot")
        return None
    offered_now = offered_slots(s)
    if verdict == "other" and not found and len(offered_now) == 1 and not _was_declined(ctx):
        if introduces_self(normalize(raw)):
            # "I'm his mother, Maria Garcia" to "Shall I go ahead?": who is speaking, not a new
            # request; the same question again
            s["chosen"] = offered_now[0].id
            return None
    if s.get("offered") and (was_asked or (verdict == "other" and not found)):
        if (guess := sure_pick(raw, offered_slots(s))) is not None:
            s["chosen"] = guess.id
            repaired(s, "slot")
            return None
        return ask_which(ctx, s, raw)
    if (unanswered := s.pop("unanswered", None)) is not None and (found or s.get("misses", 0) < 1):
        s["misses"] = 0 if found else s.get("misses", 0) + 1  # "thank you" is understood, "blorp" not
        s["chosen"], s["target"] = unanswered["chosen"], unanswered["target"]
        return None  # the planner asks the same question again
    if verdict == "yes" and s.pop("asked_book", None):  # "would you like to book one?" "yes"
        s["misses"] = 0
        s["task"] = Intent.BOOK.value
        return None
    if verdict == "yes":
        s["misses"] = 0
        offered = offered_slots(s)
        if len(offered) == 1:
            s["chosen"] = offered[0].id
            return None
        if offered:
            return say(f"Which one would you like? {offer_sentence(offered)}")
        if s.get("task") and not s.pop("cancel_declined", None):
            return None  # carry on with the task: the planner asks its next question
        drop_task(s)
        return say(f"What can I help you with? {HELP}")
    if Intent.DECLINE in found or verdict == "no":
        s["misses"] = 0
        if s.get("offered") and s.get("task") in (Intent.BOOK, Intent.RESCHEDULE):
            s.pop("offered", None)
            return say("Okay. What other day or time would work for you?")
        if s.get("task") and not s.pop("cancel_declined", None):
            drop_task(s)
            return say(f"Okay. {ANYTHING_ELSE}")
        return call("end_conversation")
    if found and set(found) <= {Intent.GREETING, Intent.THANKS}:
        s["misses"] = 0
        return say(f"You're welcome. {ANYTHING_ELSE}" if Intent.THANKS in found else f"Hello! {HELP}")
    s["misses"] = s.get("misses", 0) + 1
    if s["misses"] >= MAX_REPAIRS:
        return call(
            "transfer_to_person", reason="The assistant did not understand the caller three times in a row."
        )
    keypad = f" {KEYPAD_DOB}" if ctx.channel == "voice" else ""
    if s.get("asked") == "identity":
        return say(f"Sorry, I didn't catch that. Could you tell me your full name and date of birth?{keypad}")
    if s.get("asked") == "dob":
        return say(
            f"Sorry, I didn't catch that. What is your date of birth, with the month, day and year?{keypad}"
        )
    if s.get("asked") == "name":
        return say("Sorry, I didn't catch that. What is your first and last name?")
    return say(f"Sorry, I didn't understand that. {HELP} What would you like to do?")
