"""Reading one user turn into the offline planner's scratch: the task, identity, provider, when,
and which offered slot or listed appointment the caller means.

Returns a step when the turn is answered without further work (a transfer, a goodbye, "sorry?"),
otherwise None and the planner carries on with what it now knows.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from agents.next_person import CALLERS_OWN, CARRY, NEXT_PERSON, SPEAKER
from agents.offline import anchored, keeping, next_person, wanted, whose_request
from agents.offline.birthdates import find_dob
from agents.offline.choices import (
    another_doctor_unheard,
    find_provider,
    names_a_doctor,
    pick_appointment,
    pick_slot,
    position_against_time,
    undecided_between,
    unknown_doctor,
    wants_any_provider,
)
from agents.offline.dates import When, find_time, find_when
from agents.offline.day_keys import keyed_day, offer_day_keys
from agents.offline.followups import NOT_HERE, own_request_after_theirs
from agents.offline.identity_reading import read_identity
from agents.offline.intents import (
    MY_VISIT_BY_ITS_TIME,
    Intent,
    intents,
    names_a_visit_they_have,
    task_of,
    unclear_move_or_another,
    wants_their_visit_shifted,
)
from agents.offline.messages import ABOUT_OTHER_NEW_PATIENTS, NEW_PATIENT
from agents.offline.moments import changes_of_mind, only_a_change_of_mind
from agents.offline.name_keys import KEYPAD_NAME, offers_name_keys
from agents.offline.names import (
    asks_for_a_relative,
    introduces_self,
    possessive_name,
)
from agents.offline.numbers import normalize
from agents.offline.offers import doctors_sentence, offer_sentence
from agents.offline.recent import just_written, last_reply, next_visit_doctor, points_back, same_doctor_again
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
from agents.offline.said_again import at_the_same_time, own_birthday, same_time_not_offered
from agents.offline.shifts import shift_of
from agents.offline.staff_topics import MEDICAL_QUESTION
from agents.offline.steps import HELP, KEYPAD_DOB, call, say
from agents.offline.topics import asked_about
from agents.offline.when_reading import read_when, split_reschedule
from agents.planner import PlanContext, PlanStep
from agents.policy import classify_confirmation
from agents.replies import ANYTHING_ELSE, TAKE_YOUR_TIME
from agents.speakable import say_when
from connectors.base import Appointment, Provider, Slot

# a change said of "it" or "that" ("can it be Thursday", "could you move that to 3"), not a new visit
_ABOUT_IT = re.compile(
    r"\b(?:can|could|would|will|should) (?:it|that) (?:be|go|happen|move)\b"
    r"|\b(?:move|make|change|push|switch|put|have|bring|shift) (?:it|that)\b(?! (?:one|an?) )"
)
# words that ask for another time or doctor for an appointment just named
_CHANGES_IT = re.compile(
    r"\b(?:(?:can|could) we (?:do|make it|go for|try|change)|later that day|earlier that day|that same day"
    r"|same time (?:the )?(?:following|next) week|the following week|(?:is|are|'s) (?:tricky|difficult|hard|bad|no good)"
    r"|(?:doesn't|does not|won't|will not) work|instead|rather"
    # "so same day, friday the 20th, but three o'clock please": that one, another time
    r"|(?:the |that )?same day\b[^.?!]{0,40}\bbut\b|(?:can|could) we move (?:it|that|him|her)"
    # "need it later in the day", "want it a bit earlier": that one, at another time
    r"|(?:need|want|like|have|get) (?:it|that|this|him|her) (?:a bit |a little |much )?(?:later|earlier|sooner)"
    r"|(?:later|earlier) in the day"
    # "could it be an hour earlier, same day?": that one, by an amount
    r"|(?:can|could|would) (?:it|that|we|i) (?:be|go|make it|do it|have it) (?:an?|one|two|half an|a bit|a little|30"
    r"|15|45) ?(?:hours?|minutes?|mins?)? (?:earlier|later|sooner))\b"
)
_MOVE_FROM = re.compile(
    r"\b(?:move|moved|change|changed|switch|shift|push|bring)\b[^.?!]{0,20}\bfrom (?:the |my |his |her )?"
    r"(?:monday|tuesday|wednesday|thursday|friday|\d)"
    # "we cannot come the wednesday. friday 6 december 14h is possible?": the day of a visit they have
    r"|\b(?:can't|cannot|can not|won't|couldn't) (?:come|make it|make|do)(?: in)? (?:on )?(?:the )?"
    r"(?:monday|tuesday|wednesday|thursday|friday)\b"
)
_TASK_KEYS = ("offered", "window", "appointments", "listed", "target", "target_hint", "want", "provider_id", "shift", "side", "among", "day_unclear", "day_asked", "doctor_asks", "doctor_keys",
              "any_provider", "chosen", "asked_new_day", "day_keys", "asked_other_day", "declined", "proposed", "unanswered", "anchor", "from_their_visit", "day_asked_again", "move_or_another")  # fmt: skip


def drop_task(s: dict[str, Any]) -> None:
    for key in ("task", NEXT_PERSON, *_TASK_KEYS):
        s.pop(key, None)


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


# another request said beside a cancellation asked about ("Thank you. Separately, I'd also like ...")
_BESIDE_IT = re.compile(r"\b(?:also|separately|as well|additionally|another thing|while i have you)\b")
# ... not in place of it ("actually, just book me with Dr. Chen instead")
_IN_PLACE_OF_IT = re.compile(
    r"\b(?:instead|rather|actually|wait|hang on|hold on|don't|do not|never ?mind|forget|scratch that)\b"
)


def _cancel_kept_for_later(s: dict[str, Any], found: list[Intent], text: str) -> None:
    """ "I'll cancel ... Shall I go ahead?" answered with a booking said beside it: the cancellation
    is neither done without a yes nor forgotten (the caller may think it done); it is asked about
    again once the booking is done (`CARRY`, taken up by the runtime)."""
    unanswered = s.get("unanswered")
    if (
        s.get("task") != Intent.CANCEL
        or not unanswered
        or not unanswered.get("target")
        or s.get(CARRY)
        or task_of(found) != Intent.BOOK
        or not _BESIDE_IT.search(text)
        or SAID_NO.match(text)
        or _IN_PLACE_OF_IT.search(text)
    ):
        return
    visit = next(
        (
            Appointment.model_validate(a)
            for a in s.get("appointments") or []
            if a.get("id") == unanswered["target"]
        ),
        None,
    )
    if visit is not None:
        s[CARRY] = f"cancel my appointment with {visit.provider_name} on {say_when(visit.start)}"


def _was_declined(ctx: PlanContext) -> bool:
    """The caller said no to the proposal (the runtime answered that turn), rather than answering
    the "Shall I go ahead?" with something new ("any doctor is fine", "actually Thursday")."""
    users = [i for i, m in enumerate(ctx.messages) if m.role == "user"]
    said = (
        [
            m.content or ""
            for m in ctx.messages[: users[-1]]
            if m.role == "assistant" and m.content and m.content != TAKE_YOUR_TIME  # the caller's pause
        ]
        if users
        else []
    )
    return not (said and said[-1].rstrip().endswith("Shall I go ahead?"))


_KEEP = re.compile(
    r"\b(keep (it|that|them|my appointment|the appointment)|leave it|never ?mind|forget it|forget about it"
    r"|(don't|do not) (cancel|move|change|book|do) (it|that|anything))\b"
)


# an answer to "Shall I go ahead?" that asks for something else than what was proposed
_ASKS_A_CHANGE = re.compile(
    r"^\W*no\b|\b(?:instead|rather|actually|wait|hang on|hold on|change|different|another"
    r"|make (?:it|that)|(?:can|could) (?:it|that|we) be)\b"
)


# a turn that opens with a no ("no, the 11th", not "no problem, ...")
SAID_NO = re.compile(r"^\W*(?:no|nope|nah)\b(?!\s+(?:problem|worries|bother|probs?)\b)")


# the caller puts the request off ("I need to check my calendar first", "I'll call back") ...
_PUT_OFF_AND_GONE = re.compile(
    r"\b(?:(?:need|have|got|want) to (?:check|look at|ask|talk|speak|think|see)|let me (?:check|think|ask|talk|speak|see|look)"
    r"|i'll (?:call|ring|phone|get back|check|think)|i will (?:call|ring|phone|get back|check|think)"
    r"|(?:call|ring|phone) (?:you )?back|another time|some other time|not right now|maybe later|later on"
    r"|(?:i'll|i will|let me) have a (?:think|look))\b"
)
# ... and the turn ends with a goodbye
_ENDS_IN_GOODBYE = re.compile(
    r"\b(?:bye|goodbye|good bye|bye bye|bye for now|talk to you later|speak soon|see you|take care"
    r"|have a (?:good|nice|great) (?:one|day|afternoon|morning|evening))\W*$"
)


_SAYS_A_TASK = re.compile(
    r"\b(?:book\w*|cancel\w*|call off|move|moving|reschedul\w*|change|switch|postpone|appointment|appt|visit"
    r"|(?:can|could) (?:it|we|you|that) (?:go|be|do|make))\b"
)
_ALL_OF_THEM = re.compile(
    r"\b(?:both|all)(?: of)? (?:them|my appointments|the appointments|appointments|visits|bookings)\b"
    r"|\bcancel (?:them )?(?:both|all)\b|\b(?:both|all) (?:appointments|visits|bookings)\b"
)


def _a_new_time_instead(ctx: PlanContext, s: dict[str, Any], text: str, raw: str) -> bool:
    """A day and a time (or part of the day) said instead of an answer to a cancellation (not the
    day and time of a visit the caller has: "it's the one on Monday at 10 o'clock")."""
    if classify_confirmation(raw) in ("yes", "no") or re.search(
        r"\b(?:cancel\w*|call off|delete|remove)\b", text
    ):
        return False
    booked = [a for a in s.get("appointments") or [] if a.get("status", "booked") == "booked"]
    if (s.get("target") or len(booked) == 1) and shift_of(text) is not None:
        return True  # "the week after, same time, please" to the cancellation of a visit read back
    when = find_when(text, ctx.now)
    # ("could we do Monday the 13th at the same time?": a day, at the visit's time)
    same_time = re.search(r"\bsame (?:time|hour)\b", text) is not None
    if when.start is None or (when.at is None and when.edge is None and when.part == "any" and not same_time):
        return False
    if when.start.weekday() >= 5 or (when.at is not None and not 7 <= when.at.hour <= 19):
        # "game will be formed under the May 30th, 1750, 1550" (a "yes" garbled on the line): a
        # Sunday at ten to six in the evening is no time anyone asks a clinic for
        return False
    for visit in s.get("appointments") or []:
        start = datetime.fromisoformat(str(visit.get("start"))).astimezone(ctx.now.tzinfo)
        if start.date() == when.start and when.at in (None, start.time().replace(tzinfo=None)):
            return False  # the visit itself, described
    return True


# "he has soccer at 2:30", "I've got a meeting till 3", "she's at school until 3:15": a time the
# caller (or the one they call for) is busy, told
_OWN_CLASH = re.compile(
    r"\b(?:i|we|he|she|they)(?: have| has|'ve got|'s got| have got| has got|'m at|'s at|'re at| am at| is at"
    r"| are at)\s+(?P<what>(?:[a-z'-]+ ){1,3}?)(?:at|till|until|from) \d{1,2}(?::\d\d)?(?: ?[ap]m)?\b"
)
# ... not a visit of theirs here ("he has his check-up at 9"; "a dentist appointment at 10" is elsewhere)
_A_VISIT_HERE = re.compile(
    r"\b(?:appointment|appt|visit|check ?up|dr|doctor|vaccination|jab|shot|booking|slot|time|one)\b"
)


def _without_own_clash(text: str, now: datetime) -> str:
    """`text` without a time the caller says they are busy, when it asks for another time too."""
    if (clash := _OWN_CLASH.search(text)) is None:
        return text
    if _A_VISIT_HERE.search(clash.group("what")) and not NOT_HERE.search(clash.group(0)):
        return text
    rest = f"{text[: clash.start()]} {text[clash.end() :]}"
    return rest if find_when(rest, now).at is not None else text


def _task_or_asked(s: dict[str, Any], asked_before: str | None) -> str | None:
    """The task under way, or the one asked before this turn when this turn only named which visit
    ("I need to cancel my appointment" ... "it's my son's ... his appointment with Dr. Rodriguez")."""
    task_was = _task_was(s)
    return (
        asked_before
        if task_was in (None, Intent.LIST) and asked_before not in (None, Intent.LIST)
        else task_was
    )


def _task_was(s: dict[str, Any]) -> str | None:
    """The task under way, or the one "would you like to book one?" asked about."""
    return s.get("task") or (s["asked_book"] if isinstance(s.get("asked_book"), str) else None)


def read_turn(ctx: PlanContext, s: dict[str, Any]) -> PlanStep | None:
    raw = next((m.content for m in reversed(ctx.messages) if m.role == "user" and m.content), "")
    if (typed := keyed_day(s, raw, ctx.now.date())) is not None and s.get("task"):
        # the day typed on the keypad, as offered: exact, so the search goes on from it
        for key in ("day_keys", "day_asked", "day_unclear", "offered", "asked_new_day"):
            s.pop(key, None)
        s["want"] = wanted.dump(wanted.merge(wanted.load(s.get("want")), When(start=typed, end=typed)))
        s["misses"] = 0
        return None
    text = normalize(raw)
    found = intents(text)
    if s.pop("move_or_another", None):
        # the answer to "Shall I move it, or book another one?"
        answer = _move_or_another(text, found)
        if answer is not None:
            s["task"] = answer.value
            s["misses"] = 0
            return None
        if classify_confirmation(raw) in ("yes", "no"):  # "yes" to an either-or: asked again
            s["move_or_another"] = True
            return say(MOVE_OR_ANOTHER_AGAIN)
    task_before = s.get("task")
    asked_before = _task_was(s)  # "I need to cancel my appointment" ... "it's my son's ... his appointment"
    topic = asked_about(ctx, s, raw) if Intent.HUMAN in found else None
    if Intent.HUMAN in found and not (
        # "I need my flu shot and wanted to talk to someone about my migraines too. Can I get in with
        # Dr. Patel?": the doctor is who they will talk to
        Intent.BOOK in found and names_a_doctor(text) and topic in (None, MEDICAL_QUESTION)
    ):
        if topic is not None:  # the summary names what it is about, not just "a person"
            return call("transfer_to_person", reason=f"{topic} (the caller asked for a person)")
        return call("transfer_to_person", reason="The caller asked to speak to a person.")
    if not ctx.caller.verified and NEW_PATIENT.search(ABOUT_OTHER_NEW_PATIENTS.sub(" ", text)):
        # only registered patients can be verified and booked here: registering is staff work
        return call("transfer_to_person", reason="A new patient would like to register and book.")
    if Intent.GOODBYE in found and _PUT_OFF_AND_GONE.search(text) and _ENDS_IN_GOODBYE.search(text):
        # "I wanted to book but I need to check my calendar first. bye": nothing to do now
        drop_task(s)
        return call("end_conversation")
    if (
        s.get("offered")
        and _PUT_OFF_AND_GONE.search(text)
        and find_when(text, ctx.now).empty
        and task_of([i for i in found if i != Intent.BOOK]) is None
        and not re.search(r"\b(?:book|take|have|want|like|please|anything|something|any)\b", text)
    ):
        # "Okay, let me check with work first and I'll call back. Thanks." to the times offered:
        # nothing now ("first" is no pick of the first time)
        drop_task(s)
        return say(f"Okay, no problem. {ANYTHING_ELSE}")
    _forget_gone_proposal(ctx, s, raw)
    _cancel_kept_for_later(s, found, text)
    if (
        s.get("unanswered") is not None
        and (keep := _KEEP.search(text)) is not None
        # (nor "don't move it, just cancel it altogether")
        and task_of(intents(text[keep.end() :])) not in (Intent.RESCHEDULE, Intent.BOOK, Intent.CANCEL)
        # ("no, on second thought I'd rather keep it earlier in the day. How about eleven thirty?")
        and find_when(text[keep.end() :], ctx.now).at is None
    ):  # "actually no, keep it" (not "don't cancel it, can you move it to Friday instead")
        drop_task(s)
        s.pop("unanswered", None)
        return say(f"Okay, I won't do that. {ANYTHING_ELSE}")
    s.pop("greeted_name", None)  # "Thank you, Sarah" belongs to the turn that verified her
    s.pop("chosen", None)  # a choice only lives for the turn it was made in
    listed = s.pop("just_listed", None)  # the appointments the last reply named, for this turn only
    task = task_of(found)
    if (
        task == Intent.LIST
        and s.get("task") in (Intent.RESCHEDULE, Intent.CANCEL)
        and not re.search(r"\b(?:when|what time|which day|remind|do i have|have i got|confirm)\b", text)
    ):
        task = None  # "move my son's appointment" then "he has a vaccination appointment with Dr. X"
    if (
        task == Intent.BOOK
        and {s.get("task"), s.get("asked_book")} & {Intent.CANCEL.value, Intent.RESCHEDULE.value}
        and next_person.names_their_visit_only(text)
    ):
        task = None  # "I need to cancel an appointment" ... "it's my son's. his appointment with Dr. X": which one
    if (
        task == Intent.RESCHEDULE
        and s.get("task") == Intent.BOOK
        # ("I already have one with her on Wednesday ... move that one to Friday instead of booking
        # another": the visit they have)
        and not re.search(
            r"\b(appointment|visit|already (?:have|got) one|i(?:'ve| have)(?: got)? one|instead of (?:booking|a new)"
            # ("please move my Thursday 2:30 with Dr. Chen to today at 4": the one they have, by its time)
            r"|rather than (?:booking|a new)|(?:i|he|she|we|they) (?:have|has|'ve got|'s got) (?:dr|doctor))\b",
            text,
        )
        and not MY_VISIT_BY_ITS_TIME.search(text)
        # ("I'm seeing him this Friday but I'd like to go earlier": the one they have, at another time)
        and not wants_their_visit_shifted(text)
        # "could it move from thursday to friday?" before anything was offered: the visit they have
        and (s.get("offered") or s.get("proposed") or s.get("last_proposed") or not _MOVE_FROM.search(text))
    ):
        task = None  # "can we change that to friday" while booking: still the booking
    if (
        task == Intent.RESCHEDULE
        and (
            Intent.BOOK in found
            or (re.search(r"\b(?:dr|doctor)\.?\s+[a-z]", text) and just_written(ctx) is None)
        )
        and not s.get("task")
        and only_a_change_of_mind(text)
        and _asked_before_the_change(text)
        # (not "I've got the blood pressure check with Dr. Chen on Monday. Can we make it earlier
        # that day?": another time for the visit they have)
        and not names_a_visit_they_have(text)
        # (nor "I'm booked in this Friday with Dr. Chen and I'd rather come earlier")
        and not wants_their_visit_shifted(text)
    ):
        # "book Dr Patel Wednesday, no wait, make that Thursday", "could Dr Chen do Thursday? hang
        # on, Friday instead": one booking, changed while asking
        task = Intent.BOOK
    if (
        task is not None
        and s.get("task") not in (None, task.value, Intent.LIST)  # "when is it? could it go to ...": a move
        and not ctx.caller.verified
        and s.get("asked") in ("identity", "dob", "name")
        and not _SAYS_A_TASK.search(text)
    ):
        # an answer to "what is your date of birth?" the line garbled ("i'm going to make this
        # month, ...") asks for no other task: the one asked for stays
        task = None
    if (
        task == Intent.BOOK
        and s.get("task") == Intent.RESCHEDULE
        and (s.get("asked_new_day") or s.get("target"))
        and not _A_BOOKING_OF_ITS_OWN.search(text)
    ):
        # "What's the earliest you open? I'd like to come in before work." while the new day of a
        # move is asked: still the move (a booking of its own says so: "book", "another", "new")
        task = None
    if (task or s.get("task")) == Intent.CANCEL and _ALL_OF_THEM.search(text):
        s["cancel_all"] = True  # "please cancel both of them, the new one and the Dr. Chen one"
    moving = None
    if task is None and s.get("task") == Intent.CANCEL and _a_new_time_instead(ctx, s, text, raw):
        # "my check-up on friday doesn't work anymore" read as a cancellation, then "first thing
        # monday, 9 o'clock, same doctor": another time for the one read back, a move
        booked = [a for a in s.get("appointments") or [] if a.get("status", "booked") == "booked"]
        task, moving = (
            Intent.RESCHEDULE,
            s.get("target") or (booked[0].get("id") if len(booked) == 1 else None),
        )
    if (
        task == Intent.CANCEL
        and s.get("task") == Intent.RESCHEDULE
        and re.search(r"\b(?:cancel|call off|scrap|drop) (?:it|that|this|that one|this one)\b", text)
    ):
        moving = s.get("target")  # "... can you just cancel it" while asked where to move it: that one
    understood = task is not None
    if task is not None and task != s.get("task"):
        for key in _TASK_KEYS:
            s.pop(key, None)
        if moving is not None:
            s["target"] = moving
        s["task"] = task.value
        s.pop("cancel_declined", None)
        _read_points_back(ctx, s, text)
    if listed and len(listed) == 1 and task in (None, Intent.BOOK) and _CHANGES_IT.search(text):
        # "You have one upcoming appointment: ..." then "ten is tricky, could we do later that
        # day?", "could I see Dr Chen instead, same time?": that one, moved
        for key in _TASK_KEYS:
            s.pop(key, None)
        s["task"], s["target"] = Intent.RESCHEDULE.value, listed[0]
        understood = True
    if ctx.caller.verified and (other := possessive_name(text)):
        mine = (ctx.caller.first_name or "").lower()
        if mine not in other.lower():
            return say(f"I'm sorry, I can only help with your own appointments. {HELP}")
    own = next_person.own_after_relative(ctx, s, text)
    if (
        own is None
        and ctx.caller.verified
        and next_person.verified_is_their_relative(ctx)
        and SPEAKER not in s
        and whose_request.FOR_ME_TOO.search(text)
        # ("now one for me. Maria Garcia, <dob>": checked on the details said)
        and next_person.another_person(ctx, text) is None
        and not re.search(r"\b(?:him|her|them|his|hers)\b", text)
    ):
        # "and for me, Dr. Patel at 10" from a caller verified as the relative they spoke for, whose
        # own details are not known: never the relative's record; the caller's own, checked first
        drop_task(s)
        s[NEXT_PERSON] = {"kin": CALLERS_OWN, "text": text, "now": True}
        return say("Sure.")
    if own is None and (
        # "And one for me as well: Daniel Thomas, April 21st 1979 ..." after his wife's booking
        next_person.another_person(ctx, text) is not None
        # "Lucas needs a check-up with Dr Rodriguez" from Maria, verified as herself (with his
        # details given, the turn is read as identity), "and Lucas as well, he's April 8th 2015"
        # (a date of birth not the caller's: his)
        or (
            next_person.someone_by_first_name(ctx, text) is not None
            and not own_request_after_theirs(text)  # "... sees Dr. Chen at 2:30. Could I have the one after?"
            and (
                (born := find_dob(text, ctx.now.date())[0]) is None
                or not whose_request.said_before(ctx, born)
            )
            and not ctx.caller.speaking_for
        )
    ):
        # never for the person verified; the one named is checked on their own details
        task_was = _task_or_asked(s, asked_before)
        own_later = next_person.callers_own_waiting(s)  # "..., and I'd like to book myself in too"
        drop_task(s)
        return next_person.serve_another(ctx, s, next_person.with_the_task(task_was, text), own_later)
    if own is not None:
        # "... and then I'd like to book myself with Dr Patel": the caller's own, as the caller
        drop_task(s)
        s[NEXT_PERSON] = {"kin": CALLERS_OWN, "text": own, "now": True}
        return say("Sure.")
    if ctx.caller.verified and (whose_request.for_someone_else(ctx, text) or next_person.also_for(ctx, text)):
        # "I also need one for my son Lucas" from a caller verified as themselves: never a write
        # for the person verified; the relative's request goes on as theirs once the caller's
        # identity is set aside (`agents.next_person`), checked on their own details
        task_was = _task_or_asked(s, asked_before)
        theirs = next_person.with_the_task(task_was, text)  # "no, not mine, my son's. lucas ..."
        own_later = next_person.callers_own_waiting(s)
        drop_task(s)
        return next_person.serve_now(ctx, s, theirs, own_later) or say(
            whose_request.SOMEONE_ELSE.format(name=ctx.caller.first_name or "you")
        )
    if whose_request.NOT_FAMILY.search(text):
        # "my friend Emily Davis has an appointment this week, what time is it?": not the caller's,
        # and no relative spoken for: nothing about it is said (`planner`), whoever the caller is
        s["not_theirs"] = True
    rest = text
    if s.get("kin_asked") or (
        not ctx.caller.verified
        and (asks_for_a_relative(text) or _THEIRS_TO_CHANGE.search(text))
        and not next_person.FOR_ONESELF.search(text)
    ):
        # whose request it is, decided once the check says who this is (the relative's details
        # may come in a later turn: "Lucas Garcia, April 8th 2015", also after the caller's own check)
        s["kin_asked"] = f"{s.get('kin_asked', '')} | {text}".strip(" |")[-1500:]
    if not ctx.caller.verified:
        asked = s.get("asked") in ("identity", "name", "dob")
        rest, identity = read_identity(ctx, s, text)
        understood = understood or identity
        # "dr patel", "thurs 5/10", "11am" typed while asked who they are: the request going on,
        # kept, not an answer missed (the question comes again)
        # (before any answer to it: once a name or a date of birth was tried, a turn without one counts)
        goes_on = (
            asked
            and not (s.get("tried") or s.get("first_name") or s.get("dob"))
            and (names_a_doctor(text) or not find_when(text, ctx.now).empty)
        )
        s["id_misses"] = 0 if identity or not asked else s.get("id_misses", 0) + (0 if goes_on else 1)
        if s["id_misses"] >= 3:  # asked three times and still no name or date of birth
            return call(
                "transfer_to_person", reason="The caller's name and date of birth could not be understood."
            )
    # a key pressed for a doctor ("press 1 for Dr. ...") is no time
    keyed_doctor = bool(s.get("doctor_keys")) and re.fullmatch(r"\s*[1-9]\s*#?\s*", text) is not None
    # "the last one" of the times the caller named is that time, not the day's last free one
    one_of_theirs = not keyed_doctor and _read_one_of_two(
        s, text, ctx.now.date(), after_proposal=last_reply(ctx).endswith("Shall I go ahead?")
    )
    if ctx.caller.verified and own_birthday(s, rest, ctx.now.date(), ctx.caller.first_name):
        rest = ""  # "sarah johnson, for march 14 ..." said again after the check: no day asked for
    dob_said = rest != text
    rest = _without_own_clash(rest, ctx.now)  # "he has soccer at 2:30. Friday at 1:30 instead": 1:30
    said_when = False if keyed_doctor or one_of_theirs else read_when(ctx, s, rest, dob_said=dob_said)
    understood = understood or said_when
    if said_when:
        s.pop("window", None)
    if one_of_theirs:
        understood = True
    elif s.get("offered") and _read_later_earlier(s, text):
        understood = True
    providers = [Provider.model_validate(p) for p in s.get("providers", [])]
    if (stranger := unknown_doctor(text, providers)) is not None:
        return say(f"I'm sorry, we don't have a Dr. {stranger} here. {doctors_sentence(providers)}")
    if _read_provider(s, text, voice=ctx.channel == "voice"):
        understood = True
    elif (
        not s.get("provider_id")
        and whose_request.WITH_THEM.search(text)
        and (named := whose_request.doctor_said_before(ctx))
    ):
        # "could I book one with her on Thursday?" after "anything coming up with Dr. Patel?": that doctor
        understood = _read_provider(s, named, voice=False) or understood
    elif (
        s.get("task") in (None, Intent.BOOK)
        and not s.get("provider_id")
        and not s.get("any_provider")
        and (again := same_doctor_again(ctx, text)) is not None
    ):
        s["provider_id"] = again  # "and a follow-up with him two weeks after that"
        understood = True
    elif (
        s.get("task") in (None, Intent.BOOK)
        and not s.get("provider_id")
        and not s.get("any_provider")
        and not s.get("among")
        and (said_when or s.get("task") == Intent.BOOK)
        # (the words kept while the doctors were not known yet may name one: that one)
        and (same := next_visit_doctor(ctx, f"{text} | {s.get('provider_hint', '')}")) is not None
    ):
        # "perfect, and the 29th at 3?" right after the first visit was booked: with that doctor
        # (not free then: that doctor's times offered), never whoever is free
        s["provider_id"] = same
    # "the following Monday" to an offer on a Monday, "the day after, around 10": a day after it,
    # none of the offered times
    if s.get("offered") and not (
        s.get("task") == Intent.BOOK and (anchored.day_of(text) is not None or shift_of(text) is not None)
    ):
        offered = offered_slots(s)
        chosen = (
            keypad_pick(s, text, offered)
            or pick_slot(text, find_when(rest, ctx.now), offered)
            or at_the_same_time(s, text, offered)
        )
        if chosen is not None:
            s["chosen"] = chosen.id
            s.pop("confirm_slot", None)
            repaired(s, "slot")
            understood = True
        elif same_time_not_offered(s, text, offered):
            s["same_time"] = True  # the appointment's time on the day offered, looked up
            s.pop("offered", None)
            understood = True
        elif position_against_time(text, find_when(rest, ctx.now), offered):
            return ask_which(ctx, s, "")  # "the second one, the 11:30" when the second is 12: asked
    if s.get("offered") and not s.get("chosen") and SAID_NO.match(text):
        # "No, I need Dr Rodriguez tomorrow" to "9, 9:30 or 10?": not those times; the next ones
        s["declined"] = [*s.get("declined", []), *(x["id"] for x in s["offered"])][-10:]
    if s.get("appointments") and not s.get("target"):
        target = pick_appointment(
            text, find_when(rest, ctx.now), [Appointment.model_validate(a) for a in s["appointments"]]
        )
        if target is not None:
            s["target"] = target.id
            understood = True
    if (
        s.get("task") == Intent.RESCHEDULE
        and not s.get("target")
        and listed
        and len(listed) == 1
        and re.search(r"\b(?:dr|doctor)\.?\s[^.?!]{0,30}\b(?:instead|rather)\b", text)
    ):
        # "What about Dr Patel instead? Same day and time" right after the one appointment was
        # named: that one, with the doctor said as the new one
        s["target"] = listed[0]
        s.pop("target_hint", None)
        understood = True
    if s.get("task") is None and said_when and listed and len(listed) == 1 and _ABOUT_IT.search(text):
        # "You have one upcoming appointment: ..." "can it be thursday at 11?": that one, moved
        s["task"] = Intent.RESCHEDULE.value
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
    if (
        understood
        and task_before is None
        and s.get("task") == Intent.BOOK.value
        and unclear_move_or_another(text)
    ):
        # "I have one with Dr Patel on Thursday. Can I get 4pm?": that one moved, or one more? Asked,
        # never a second visit booked beside the one they told of on a guess
        s["move_or_another"] = True
        return say(MOVE_OR_ANOTHER)
    if understood:
        s.pop("asked_other_day", None)
        s["misses"] = 0
        s.pop("unanswered", None)
        s.pop("asked_book", None)
        return None
    return _not_understood(ctx, s, found, raw)


MOVE_OR_ANOTHER = "You mentioned a visit you already have. Shall I move it, or book another one as well?"
MOVE_OR_ANOTHER_AGAIN = "Sorry, should I move the visit you have, or book another one as well?"
_MOVE_IT = re.compile(
    r"\b(?:move|moving|moved|change|changing|reschedul\w*|shift|push|swap|switch|replace|instead|that one|same one"
    r"|the one i have|the existing one|my one|the old one)\b"
)
_ONE_MORE_TOO = re.compile(
    r"\b(?:another|new|second|both|book|additional|extra|separate|as well|too|also|keep(?: it| that| both| the)?)\b"
)


def _move_or_another(text: str, found: list[Intent]) -> Intent | None:
    """The answer to "Shall I move it, or book another one?": "move it" (a move of the visit they
    told of) or "another one" (a booking beside it); None when it is neither, or both are said."""
    move = _MOVE_IT.search(text) is not None or Intent.RESCHEDULE in found
    more = _ONE_MORE_TOO.search(re.sub(r"\binstead\b", " ", text)) is not None
    if move and not more:
        return Intent.RESCHEDULE
    if more and not move:
        return Intent.BOOK
    return None


# "my son Lucas has his vaccination next Tuesday, can we move it?": a relative's visit to change
_THEIRS_TO_CHANGE = re.compile(
    r"\bmy (?:son|daughter|boy|girl|kid|child|husband|wife|partner|mum|mom|mother|dad|father)(?: [a-z]+)?"
    r" (?:has|has got|'s got|is due|is booked|is down)\b[^.?!]*\b(?:move|change|reschedul\w*|cancel\w*|push|bring)\b"
    # "I need to cancel my son Lucas's appointment"
    r"|\b(?:move|change|reschedul\w*|cancel\w*|push|bring)\b[^.?!]{0,20}\bmy (?:son|daughter|boy|girl|kid|child|husband"
    r"|wife|partner|mum|mom|mother|dad|father)(?: [a-z]+)?'s (?:[a-z]+ )?(?:appointment|appt|visit|booking|check ?up"
    r"|vaccination|jab|shot)\b"
)
_A_BOOKING_OF_ITS_OWN = re.compile(
    r"\b(?:book|schedule|another|new|second|separate|extra|additional|also|as well|too|keep)\b"
)


def _asked_before_the_change(text: str) -> bool:
    """A booking asked for before the first change of mind ("Dr Patel Wednesday, no wait, Thursday"),
    not a day of the caller's own turned down first ("I'm afraid Thursday is no good for me. Might Dr.
    Chen see me on Monday instead?": the appointment they have, moved)."""
    first = min((start for start, _ in changes_of_mind(text)), default=0)
    before = text[:first]
    if _DUE_TO_SEE.search(before):
        return False  # "I'm due to see Dr. Chen this Thursday, but ... make it a week on Thursday"
    return Intent.BOOK in intents(before) or re.search(r"\b(?:dr|doctor)\.?\s+[a-z]", before) is not None


# a visit the caller (or their child) already has, said before what is to change
_DUE_TO_SEE = re.compile(
    r"\b(?:i'm|i am|he's|he is|she's|she is|we're|we are) (?:due to see|due in with|seeing|booked (?:in )?with"
    r"|down for|scheduled (?:to see|with))\b"
    # "I've got a blood pressure appointment with Dr. Chen on Wednesday. Can we make it Thursday?"
    r"|\b(?:i've got|i have got|i have|i've|he's got|she's got|he has|she has) (?:an? |my |the |his |her )?"
    r"(?:[a-z]+ ){0,3}(?:appointment|appt|visit|check ?up|follow ?up)\b"
)


def _read_points_back(ctx: PlanContext, s: dict[str, Any], text: str) -> None:
    """ "Actually can you move that to Friday" / "cancel that one" after a booking: that one."""
    if s.get("task") not in (Intent.RESCHEDULE, Intent.CANCEL) or (written := just_written(ctx)) is None:
        return
    text = keeping.without_kept(text)  # "cancel the one I just booked. I'll keep my follow-up with Dr. Chen"
    old, new = split_reschedule(text, ctx.now) if s["task"] == Intent.RESCHEDULE else (text, None)
    if s["task"] == Intent.RESCHEDULE and new is None and re.search(r"\b(instead|rather)\b", text):
        old = ""  # "I'd rather do Friday instead": the day is the new one
    if points_back(old, ctx, text):
        s["target"] = written
        if find_when(text, ctx.now).empty and re.search(r"\b(dr|doctor|with)\b", text):
            s["same_time"] = s["same_day"] = True  # "make that with Dr. Chen instead": that time


_ONE_OF_TWO = re.compile(
    r"\b(?:the\s+)?(?P<which>later|earlier|latter|former|second|other|first|1st|2nd|third|3rd|last|latest|earliest|middle)"
    r"(?:\s+(?:one|time|option|slot|of (?:those|them|the (?:two|three))))?\b"
    r"(?!\s+(?:available|than|day|week|thing|appointment of|slot of|one of the day))"
)
_POSITIONS = {"first": 0, "1st": 0, "former": 0, "second": 1, "2nd": 1, "other": 1, "third": 2, "3rd": 2}


def _read_one_of_two(s: dict[str, Any], text: str, today: date, *, after_proposal: bool = False) -> bool:
    """ "Wednesday at 11 or 11:30?" then "the later one", "2, 2:30 or 3" then "the last of those":
    of the times the caller named, that one."""
    want = wanted.load(s.get("want"))
    if want is None or want.at is None or (want.fallback is None and want.fallback_day is None):
        return False
    if len(s.get("offered") or []) > 1 and not after_proposal:
        # "the second one" of three times offered is the second offered (not when the reply was
        # the read-back of one of the caller's own: "10:30 or 11?" "I'll book you ... 10:30 ...")
        return False
    m = _ONE_OF_TWO.search(text)
    if m is None or len(text.split()) > 9 or find_dob(text, today)[0] is not None:
        return False  # "michael brown, november 2nd 1972" is no choice
    said = find_time(text[: m.start()] + " " + text[m.end() :])[0]
    if said is not None and said not in (want.options or (want.at, want.fallback)):
        return False  # "the later one ... 4 pm": a time of its own (`when_reading`)
    day = want.start or date.min
    named = [datetime.combine(day, t) for t in want.options] or [
        datetime.combine(day, want.at),
        datetime.combine(want.fallback_day or day, want.fallback or want.at),
    ]
    which = m.group("which")
    if which in ("later", "latest"):
        chosen = max(named)
    elif which in ("earlier", "earliest"):
        chosen = min(named)
    elif which in ("last", "latter"):
        chosen = named[-1]
    elif which == "middle" and len(named) == 3:
        chosen = named[1]  # "10 or 10:30 or 11?" then "the middle one"
    elif which == "middle":
        return False
    elif _POSITIONS[which] < len(named):
        chosen = named[_POSITIONS[which]]
    else:
        return False
    if want.fallback_day is not None:
        want.start = want.end = chosen.date()
    want.at, want.fallback, want.fallback_day, want.options = chosen.time(), None, None, []
    s["want"] = wanted.dump(want)
    s.pop("offered", None)
    return True


# "not that one, the next", "the one after that": the next free time after the one proposed
_NEXT_ONE = re.compile(
    r"\b(?:the )?next (?:one|slot|time|opening|free one|available one)\b|\bthe next\W*$|\b(?:the )?one after (?:that|it)\b"
)


def _read_later_earlier(s: dict[str, Any], text: str) -> bool:
    """ "anything later?" / "something earlier": times after the last (before the first) offered."""
    if len(s["offered"]) == 1 and _NEXT_ONE.search(text):
        proposed = Slot.model_validate(s["offered"][0]).start
        s["window"] = {"after": proposed.isoformat()}
        after = wanted.load(s.get("want")) or When()
        after.start = after.end = proposed.date()
        after.at, after.options, after.edge = None, [], "first"
        s["want"] = wanted.dump(after)
        return True
    m = re.search(r"\b(later|earlier|sooner)\b(?!\s+than)", text)
    if not m or shift_of(text) is not None:  # "an hour later": that much later (`when_reading`)
        return False
    if (want := wanted.load(s.get("want"))) is not None and want.at is not None and re.search(r"\d", text):
        return False  # "something later. 11:30?": that time (`when_reading`), not the next three
    starts = [Slot.model_validate(x).start for x in s["offered"]]
    later = m.group(1) == "later"
    s["window"] = {"after": max(starts).isoformat()} if later else {"before": min(starts).isoformat()}
    if (want := wanted.load(s.get("want"))) is not None and want.at is not None:
        want.at = None
        s["want"] = wanted.dump(want)
    return True


def _read_provider(s: dict[str, Any], text: str, *, voice: bool = False) -> bool:
    note_refusals(s, text)  # "just not Dr Chen": nobody to book with, and left out of the search
    text = without_refusals(text)  # "(not the kids' doctor)" names no one to book with
    text = keeping.without_kept(text)  # "keep the Dr. Chen one, but move ...": not the doctor asked for
    providers = [Provider.model_validate(p) for p in s.get("providers", [])]
    provider = find_provider(text, providers)
    keyed = re.fullmatch(r"\s*([1-9])\s*#?\s*", text)
    if provider is None and keyed and (keys := s.get("doctor_keys")) and int(keyed.group(1)) <= len(keys):
        # "press 1 for Dr. Elena Rodriguez, ...": the key pressed, exactly
        provider = next((p for p in providers if p.id == keys[int(keyed.group(1)) - 1]), None)
    if provider is None and not s.get("providers"):
        # the doctors aren't known yet (the caller isn't verified): keep the words for later,
        # turns kept apart ("… see a doctor" then "january 25th …" is not "doctor january")
        s["provider_hint"] = f"{s.get('provider_hint', '')} | {text}".strip(" |")[-500:]
        if names_a_doctor(text):  # not "which doctor, whoever is free": anyone, read below
            return True
    if provider is not None and voice and another_doctor_unheard(text, providers):
        # "Dr. Kim and Dr. Priya" on a phone line: one name heard that is none of ours beside one
        # that is; asked again (with the keys), never guessed
        s.pop("provider_id", None)
        s.pop("any_provider", None)  # ("whoever is free" said before: a doctor is asked for now)
        s["doctor_unheard"] = True
        return True
    if provider is not None:
        s["provider_id"] = provider.id
        s.pop("any_provider", None)
        s.pop("among", None)
        return True
    if s.get("providers") and (among := undecided_between(text, providers)) is not None:
        s["among"] = among  # "Dr Chen or Dr Patel": one of them, never a third doctor
        return True
    if wants_any_provider(text):
        s["any_provider"] = True
        s.pop("provider_id", None)
        s.pop("provider_hint", None)
        s.pop("among", None)
        return True
    return False


# thanks and nothing more ("Great, thank you.", "much appreciated", "cool thanks", "lovely")
_THANKS_ONLY = re.compile(
    r"^\W*(?:(?:oh|ok|okay|alright|all right|great|perfect|lovely|brilliant|cool|awesome|excellent|wonderful"
    r"|fantastic|super|fab|nice|good|sweet|right|grand|marvellous|marvelous|splendid|that's great|that's perfect"
    r"|that's lovely|that's brilliant|that's wonderful|that's fine|fine|thanks|thank you|thank you so much"
    r"|thanks so much|thanks very much|thank you very much|thanks a lot|many thanks|much appreciated|appreciate it"
    r"|i appreciate it|cheers|ta|thx|ty)\b\W*)+$"
)


def _not_understood(ctx: PlanContext, s: dict[str, Any], found: list[Intent], raw: str) -> PlanStep | None:
    verdict = classify_confirmation(raw)
    if Intent.GOODBYE in found:
        return call("end_conversation")
    if _THANKS_ONLY.match(normalize(raw)) and last_reply(ctx).endswith(ANYTHING_ELSE) and not s.get("task"):
        return call("end_conversation")  # "Great, thank you." to "anything else?": all done
    checked, was_asked = answer_to_check(s, verdict)
    if checked is not None:  # "Was that 9:30 AM?" "yes"
        s["chosen"] = checked.id
        repaired(s, "slot")
        return None
    offered_now = offered_slots(s)
    if verdict == "other" and not found and len(offered_now) == 1 and not _was_declined(ctx):
        said = normalize(raw)
        if introduces_self(said) or own_birthday(s, said, ctx.now.date(), ctx.caller.first_name):
            # "I'm his mother, Maria Garcia" (or "Sarah Johnson, for March 14" said again) to
            # "Shall I go ahead?": who is speaking, not a new request; the same question again
            s["chosen"] = offered_now[0].id
            return None
        rereads = s.get("rereads") or {}
        if (
            s.get("unanswered") is not None
            and rereads.get(offered_now[0].id, 0) < _REREADS
            and _no_other_time(said, ctx.now)  # "yes, but 4 would be better" asks for a change
            and not re.search(r"\b(?:but|instead|rather|another|different|other|change)\b", said)
        ):
            # words not caught ("Half a year, more August") to "Shall I go ahead?": the whole
            # read-back again, so the caller's yes is to all of it (then the times are named)
            s["rereads"] = {offered_now[0].id: rereads.get(offered_now[0].id, 0) + 1}
            s["chosen"] = offered_now[0].id
            s["preface"] = "Sorry, I didn't catch that."
            return None
    if s.get("offered") and (was_asked or (verdict == "other" and not found)):
        if (guess := sure_pick(raw, offered_slots(s))) is not None:
            s["chosen"] = guess.id
            repaired(s, "slot")
            return None
        return ask_which(ctx, s, raw)
    if (unanswered := s.get("unanswered")) is not None and _ASKS_A_CHANGE.search(normalize(raw)):
        # "no wait, can it be a little after that instead" to "Shall I go ahead?", the change not
        # understood: never the same proposal again (a "yes" to it would write what was changed)
        s.pop("unanswered", None)
        s["misses"] = s.get("misses", 0) + 1
        if unanswered["chosen"]:
            s["declined"] = [*s.get("declined", []), unanswered["chosen"]][-10:]
        s.pop("offered", None)
        if (want := wanted.load(s.get("want"))) is not None:
            want.at = None
            s["want"] = wanted.dump(want)
        instead = "move it to" if s.get("task") == Intent.RESCHEDULE else "have"
        if s.get("task") == Intent.CANCEL:
            drop_task(s)
            return say(f"Sorry, I didn't catch that, so I haven't cancelled anything. {ANYTHING_ELSE}")
        return say(f"Sorry, I didn't catch that. What day and time would you like to {instead} instead?")
    if (unanswered := s.pop("unanswered", None)) is not None and (found or s.get("misses", 0) < 1):
        s["misses"] = 0 if found else s.get("misses", 0) + 1  # "thank you" is understood, "blorp" not
        s["chosen"], s["target"] = unanswered["chosen"], unanswered["target"]
        return None  # the planner asks the same question again
    if verdict == "yes" and s.pop("asked_book", None):  # "would you like to book one?" "yes"
        s["misses"] = 0
        s["task"] = Intent.BOOK.value
        return None
    if (
        verdict == "yes"
        and s.get("task") == Intent.RESCHEDULE
        and s.get("asked_new_day")
        and not s.get("want")
    ):
        return say("Sorry, which day would you like to move it to?")  # a yes is no day
    if verdict == "yes" and s.pop("asked_other_day", None) and s.get("task"):
        # "Would another day work for you?" "yes": which day, not the same search again
        s["misses"] = 0
        s["asked_new_day"] = True
        if (want := wanted.load(s.get("want"))) is not None:
            want.start = want.end = None
            s["want"] = wanted.dump(want)
        tail = " to move it to" if s.get("task") == Intent.RESCHEDULE else ""
        return say(f"Which day would you like{tail}?")
    if verdict == "yes":
        s["misses"] = 0
        offered = offered_slots(s)
        if len(offered) == 1:
            s["chosen"] = offered[0].id
            return None
        if offered:
            return say(f"Which one would you like? {offer_sentence(offered)}")
        if s.get("doctor_asked") and not s.get("provider_id") and not s.get("any_provider"):
            # "Which doctor would you like to see? Or anyone who's free." "Yes, go ahead.": no doctor
            # chosen, and not "anyone" either (a search would pick one for them)
            providers = [Provider.model_validate(p) for p in s.get("providers", [])]
            again = doctors_sentence(providers)
            return say(f"Sorry, {again[:1].lower()}{again[1:]}")
        if s.get("task") and not s.pop("cancel_declined", None):
            return None  # carry on with the task: the planner asks its next question
        drop_task(s)
        return say(f"What can I help you with? {HELP}")
    # ("no, sorry, 30" while who the caller is is asked: a correction not caught, never a goodbye)
    asked_who = not ctx.caller.verified and s.get("asked") in ("identity", "name", "dob")
    if (Intent.DECLINE in found or verdict == "no") and not asked_who:
        s["misses"] = 0
        said = normalize(raw)
        if s.get("offered") and _PUT_OFF_AND_GONE.search(said) and find_when(said, ctx.now).empty:
            drop_task(s)  # "none of those suit, I'll have a think and call back": nothing now
            return say(f"Okay, no problem. {ANYTHING_ELSE}")
        if s.get("offered") and s.get("task") in (Intent.BOOK, Intent.RESCHEDULE):
            s.pop("offered", None)
            # a "no" with words not caught: the day the caller wants may be what was misheard
            keys = offer_day_keys(s, ctx.channel) if not find_when(said, ctx.now).start else ""
            return say(f"Okay. What other day or time would work for you?{keys}")
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
    tried = s.get("tried") or ({"dob": s["dob"]} if s.get("dob") else {})  # (typed, not yet checked)
    if s.get("asked") in ("identity", "name") and offers_name_keys(ctx, s, tried):
        # the date of birth typed, the name not caught ("Family made with"): the keys are exact
        s["tried"] = tried
        return say(f"Sorry, I didn't catch your name. {KEYPAD_NAME}")
    if s.get("asked") == "identity":
        return say(f"Sorry, I didn't catch that. Could you tell me your full name and date of birth?{keypad}")
    if s.get("asked") == "dob":
        return say(
            f"Sorry, I didn't catch that. What is your date of birth, with the month, day and year?{keypad}"
        )
    if s.get("asked") == "name":
        return say("Sorry, I didn't catch that. What is your first and last name?")
    if s.get("task"):
        # "What day would you like to move it to?" answered with words not caught (a bad line):
        # the same question again, the task kept; what the caller asked for is not dropped
        s.pop("asked_new_day", None)
        s["preface"] = "Sorry, I didn't catch that."
        return None
    return say(f"Sorry, I didn't understand that. {HELP} What would you like to do?")


# On a bad line the answer to "Shall I go ahead?" may be lost twice in a row (the caller's date of
# birth said again, garbled): the whole read-back is said again that often before the times are
# named again (a yes is only ever taken to the whole read-back).
_REREADS = 2


def _no_other_time(said: str, now: datetime) -> bool:
    """No day or time asked for in words not caught: a date of birth said again ("September 13,
    1975", misheard) is who is speaking, not a day for the visit."""
    _, birth = find_dob(said, now.date())
    return find_when(said.replace(birth, " ") if birth else said, now).empty
