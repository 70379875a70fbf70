"""Taking a message or a callback request, offline: "can someone call me back about my quote",
"I'd like to leave a message", "have Dr. Patel call me".

The parts are gathered across turns in `scratch["message"]`: the reason (in the caller's words),
the name, the number (on a call, the calling number when the caller says it is the best one; the
runtime fills it in) and the best time. What the first sentence already says is kept ("this is
Dana Ortiz, please call me back at 503 555 0112 this afternoon about my quote" asks nothing more).
Then the built-in `take_message` is called; the runtime reads it back and asks before it is
stored (`agents.callbacks`). No identity check: a message reveals nothing.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from agents.offline.birthdates import find_dob
from agents.offline.earlier_contact import without_earlier_contact
from agents.offline.intents import Intent, intents, task_of
from agents.offline.names import NOT_NAMES, find_name, name_near
from agents.offline.numbers import normalize
from agents.offline.staff_topics import staff_matter
from agents.offline.steps import call, say
from agents.planner import PlanContext, PlanStep
from agents.policy import classify_confirmation

_ASKS = re.compile(
    r"\b(call|ring|phone|text) (me|us|him|her|them)( [a-z]+){0,2} back\b"
    r"|\b(call|ring|phone) (me|us) (later|tomorrow|today|this [a-z]+|when|at|on|about|regarding)\b"
    r"|\bcall ?backs?\b|\bcall-back\b|\bget back to (me|us)\b|\breturn my call\b"
    r"|\b(leave|take|pass on|pass along|pass|give) (a |them a |him a |her a |on a |along a )?(message|msg)\b"
    r"|\b(tell|ask) (someone|somebody|the [a-z]+|dr\.? [a-z]+|doctor [a-z]+|him|her|them) to (call|ring|phone) (me|us)\b"
    r"|\bmessage for (dr|doctor|the|him|her|[a-z]+)\b"
    r"|\b(have|get|ask) (someone|somebody|anyone|dr\.? [a-z]+|doctor [a-z]+|the [a-z]+|[a-z]+) "
    r"(to )?(call|ring|phone|contact) (me|us)\b"
    r"|\b(someone|somebody|anyone|anybody) (to )?(call|ring|phone|contact) (me|us)\b"
    r"|\b(can|could|would|will) (someone|somebody|anyone|you|dr\.? [a-z]+|doctor [a-z]+|[a-z]+) "
    r"(please )?(call|ring|phone) (me|us)\b"
)
_FOR_WHOM = re.compile(r"\b(?:have|get|ask|can|could|would|message for) (dr\.? [a-z]+|doctor [a-z]+)\b")
_REASON = re.compile(
    r"\b(?:about|regarding|concerning|re:?|in regards? to|it's about|because)\s+(.+)$", re.IGNORECASE
)
_TIME = re.compile(
    r"\b((?:tomorrow|today|tonight|(?:on )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))"
    r"(?: (?:morning|afternoon|evening|night))?(?: (?:after|before|at|around) \d{1,2}(?::\d\d)?(?: ?[ap]m)?)?"
    r"|(?:in the |this )(?:morning|afternoon|evening)|(?:mornings|afternoons|evenings)"
    r"|(?:after|before|at|around|by) \d{1,2}(?::\d\d)?(?: ?[ap]\.?m\.?| o'clock)?"
    r"|(?:before|after|around|at) (?:noon|lunch|midday)"
    r"|any ?time(?: today| tomorrow)?|whenever|as soon as possible|asap|right away)\b"
)
_ANY_TIME = re.compile(r"^\W*(any ?time|whenever|doesn't matter|no preference|either|any)\b")
_DIGIT_WORDS = {
    "zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
_CALLER_NUMBER = re.compile(
    r"\b(this|the same|same|my (cell|mobile)|the one i'm (calling|ringing) from|this one|the number i'm calling from)"
    r"( number| one)?\b"
)

ASK_REASON = "What is it about?"
ASK_NAME = "What's your name, please?"
ASK_CALLER_NUMBER = "Is the number you're calling from the best one to reach you?"
ASK_NUMBER = "What's the best number to reach you?"
ASK_NUMBER_AGAIN = "Sorry, I didn't get the number. Could you say it again, digit by digit?"
ASK_TIME = "When is the best time to call you?"
ASK_CHANGE = "Sorry, what should I change: your name, the number, the reason or the time?"


# the caller calling back themselves ("I'll call back later", "can I call back tomorrow?"), or a
# number on file: not a request to be called
_NOT_ASKED = re.compile(
    r"\b(i'll|ill|i will|i can|can i|could i|let me|i'd|i would|we'll|well|we will|we can|can we)( just| try and| try to)?"
    r" (call|ring|phone) (you |you guys )?back\b|\bcall ?back (number|appointment)\b"
    # "I'll have a think and call back", "let me check my diary and ring you back"
    r"|\b(i'll|ill|i will|let me|we'll)\b[^.?!]{0,60}\band (call|ring|phone) (you |you guys )?back\b"
)


# someone not yet a patient: registering is staff work, never a message (`reading` hands it over)
NEW_PATIENT = re.compile(
    r"\b(new patient|not a patient|never been (there|here|before)|first (time|visit) (there|here|with you)"
    r"|register|registering|registration|sign (me )?up as a patient|become a patient|join the (practice|clinic))\b"
)

# new patients asked about in general, or someone else who would be one (not the caller)
ABOUT_OTHER_NEW_PATIENTS = re.compile(
    r"\b(?:do|does|are|is|will|would) (?:you|y'all|you guys|the (?:clinic|practice|office)|(?:dr|doctor)\.? [a-z'-]+)"
    r"(?: still| currently)? (?:take|taking|accept|accepting|see|seeing|have room for) (?:any )?new patients\b"
    r"|\b(?:my|our) (?:mom|mum|mother|dad|father|wife|husband|partner|son|daughter|friend|sister|brother|kid|child"
    r"|parents?|grandma|grandmother|grandpa|grandfather|neighbou?r|aunt|uncle|cousin)\b[^.?!]{0,40}?"
    r"\b(?:become (?:a|your) patient|becoming (?:a|your) patient|register|sign up|new patient|join)\w*\b"
)


def asks_for_message(text: str) -> bool:
    # "I was told to call back today to set up my follow-up": the caller calling back, as told
    said = without_earlier_contact(_NOT_ASKED.sub(" ", text))
    return _ASKS.search(said) is not None and NEW_PATIENT.search(text) is None


def phone_digits(raw: str) -> str | None:
    """A phone number in typed or spoken words: '503-555-0112', 'five oh three five five five oh
    one one two', 'double five'; None unless 7 to 15 digits were said together."""
    # a slash breaks a run: "dob 1/30/1965" is a date, not the number 1301965
    tokens = re.findall(r"\d+|[a-z]+|/", raw.lower())
    best, run, double = "", "", False
    for tok in tokens:
        if tok.isdigit():
            run += tok
        elif tok in _DIGIT_WORDS and (tok not in ("o", "oh") or run):
            run += _DIGIT_WORDS[tok] * (2 if double else 1)
        elif tok in ("double", "triple") and run is not None:
            double = True
            continue
        elif tok in ("dash", "hyphen", "plus", "and") and run:
            pass
        else:
            best, run = max(best, run, key=len), ""
        double = False
    best = max(best, run, key=len)
    return best if 7 <= len(best) <= 15 else None


def _name(text: str, raw: str, asked: bool, today: date) -> str | None:
    found = find_name(text, whole_answer=asked)
    if found is None and (span := find_dob(text, today)[1]):
        found = name_near(*text.partition(span)[::2])  # "Mia White 1/25/1996, could dr patel call me"
    if found is not None:
        return f"{found[0]} {found[1]}"
    if asked:  # "Kim", "it's Kim": one word is a name when that was the question
        cue = re.sub(r"^\W*(it's|it is|this is|my name is|my name's|i'm|i am|name's)\s+", "", text)
        words = [w for w in re.findall(r"[^\W\d_][\w'-]*", cue) if w not in NOT_NAMES]
        if 1 <= len(words) <= 3:
            return " ".join(w[:1].upper() + w[1:] for w in words)
    return None


def _clause(text: str) -> str:
    """A reason or time as said, without the request's own words around it."""
    text = re.sub(r"^\W*(it's|it is|that's|this is|yes|yeah|um|uh|so)\b\W*", "", text, flags=re.I)
    text = re.sub(r"^(about|regarding)\s+", "", text, flags=re.I)
    return text.strip(" .,!?")


def _reason(raw: str, whole: bool) -> str | None:
    """In the caller's words, as typed (capitals kept); the time and number said with it left out."""
    text = " ".join(raw.replace("\u2019", "'").split())
    m = _REASON.search(text)
    if m is not None:
        reason = re.sub(_TIME.pattern, "", m.group(1), flags=re.IGNORECASE)
        reason = re.sub(r"\b(at|on|number is|my number is)\s+[\d\s().-]{7,}.*$", "", reason, flags=re.I)
        reason = re.sub(r"[\s,]+(please|thanks|thank you)\W*$", "", reason, flags=re.I)
        reason = _clause(reason)
        if reason:
            return reason
    if whole:
        reason = re.sub(
            r"^\W*(i'm calling |i am calling |i wanted |i want |i need |i'd like )?(about|regarding)\s+",
            "",
            text,
            flags=re.I,
        )
        return _clause(reason) or None
    return None


_TYPED_NUMBER = re.compile(r"\+?\(?\d[\d\s().-]{5,}\d")


def _without_numbers(raw: str) -> str:
    """The turn without a typed phone number ("at 212 555 0187" is no time), normalized."""
    return normalize(_TYPED_NUMBER.sub(" ", raw))


def _time(text: str, whole: bool) -> tuple[bool, str | None]:
    """(said, the time as said); any time is said with no time to keep."""
    if _ANY_TIME.search(text):
        return True, None
    m = _TIME.search(text)
    if m is not None:
        when = m.group(1)
        return True, None if re.match(r"any ?time|whenever", when) else _weekdays(when)
    if whole and text.strip(" .!?"):
        return True, _weekdays(_clause(text))
    return False, None


def _weekdays(when: str) -> str:
    """'monday morning' -> 'Monday morning' (the text was lowercased to be read)."""
    return re.sub(
        r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", lambda m: m.group(1).title(), when
    )


def plan_message(ctx: PlanContext, s: dict[str, Any], raw: str, text: str) -> PlanStep | None:
    """The next step of taking a message; None when this turn is not about one."""
    m: dict[str, Any] | None = s.get("message")
    if m is None:
        if not asks_for_message(text):
            return None
        who = _FOR_WHOM.search(text)
        if who is None and staff_matter(text) is not None:
            return None  # "can someone in billing call me back": staff take it (`topics`), with the reason
        m = s["message"] = {}
        if who is not None:
            m["for"] = re.sub(r"^(dr\.?|doctor) ", "Dr. ", who.group(1)).title()
    asked = m.pop("asked", None)
    if _LEAVE.search(text) or _elsewhere(text, asked):
        s.pop("message", None)  # "never mind", "actually, a person please": not a message after all
        if (
            _LEAVE.search(text)
            and Intent.GOODBYE in intents(text)
            and re.search(r"\bbye\W*$|call (?:you )?back", text)
        ):
            return call("end_conversation")  # "never mind, I'll call back. bye"
        return (
            say("Okay, no message then. Is there anything else I can help you with?")
            if _LEAVE.search(text)
            else None
        )
    if asked == "offer":  # "I can take a message ... Would you like to leave one?"
        verdict = classify_confirmation(text)
        if verdict == "no" or _KEEP_WAITING.search(text):
            s.pop("message", None)
            if m.get("on_no") == "wait":  # after an unclaimed wait: back in the queue
                return call("transfer_to_person", reason="The visitor would rather keep waiting for a person")
            return say("Okay. Is there anything else I can help you with?")
        if verdict == "yes":
            asked = None
            if not m.get("reason"):
                m["asked"] = "reason"
                return say("Sure. What is it about?")
    if asked == "change" and not _read_any(ctx, m, raw, text):
        m["asked"] = "change"
        return say(ASK_CHANGE)
    if asked != "change":
        _read(ctx, m, raw, text, asked)
    return _next(ctx, s, m)


_LEAVE = re.compile(
    r"\b(never ?mind|forget (it|that|about it)|don't (bother|worry)|no message|no need( for a message)?"
    r"|don't need a (message|call ?back))\b"
)


_KEEP_WAITING = re.compile(r"\b(i'll|i will|i'd rather|i can|i want to|let me|keep) (keep )?wait(ing)?\b")


def _elsewhere(text: str, asked: str | None) -> bool:
    """The caller moved on: a person or goodbye at any point; another task once the read-back was
    declined (a reason like "about my appointment" is no booking)."""
    if asks_for_message(text):
        return False
    found = intents(text)
    if Intent.HUMAN in found or (Intent.GOODBYE in found and asked in (None, "change")):
        return True
    return asked == "change" and task_of(found) is not None


def _read_any(ctx: PlanContext, m: dict[str, Any], raw: str, text: str) -> bool:
    """After "what should I change?": whatever part this turn names."""
    before = dict(m)
    if digits := phone_digits(raw):
        m["phone"], m["use_caller"] = digits, False
    if (name := _name(text, raw, "name" in text, ctx.now.date())) is not None:
        m["name"] = name
    said, when = _time(_without_numbers(raw), False)
    if said:
        m["time_said"], m["best_time"] = True, when
    if (reason := _reason(raw, False)) is not None:
        m["reason"] = reason
    return m != before


def _read(ctx: PlanContext, m: dict[str, Any], raw: str, text: str, asked: str | None) -> None:
    if digits := phone_digits(raw):
        m["phone"], m["use_caller"] = digits, False
    elif asked == "caller_number":
        verdict = classify_confirmation(text)
        if verdict == "yes" or _CALLER_NUMBER.search(text):
            m["use_caller"] = True
        elif verdict == "no":
            m["use_caller"] = False
    elif asked == "number" and _CALLER_NUMBER.search(text) and ctx.caller.has_caller_phone:
        m["use_caller"] = True
    if "name" not in m or asked == "name":
        if (name := _name(text, raw, asked == "name", ctx.now.date())) is not None:
            m["name"] = name
    if "reason" not in m or asked == "reason":
        if (reason := _reason(raw, asked == "reason")) is not None:
            m["reason"] = reason
    if not m.get("time_said") or asked == "time":
        said, when = _time(_without_numbers(raw), asked == "time")
        if said:
            m["time_said"], m["best_time"] = True, when


def _next(ctx: PlanContext, s: dict[str, Any], m: dict[str, Any]) -> PlanStep:
    opening = "" if m.get("opened") else "Of course, I can take a message. "
    m["opened"] = True
    if "reason" not in m:
        m["asked"] = "reason"
        return say(opening + ASK_REASON)
    if "name" not in m and ctx.caller.verified and ctx.caller.first_name:
        m["name"] = ctx.caller.first_name  # who it is, checked already: not asked again
    if "name" not in m:
        m["asked"] = "name"
        return say(opening + ASK_NAME)
    if "phone" not in m and not m.get("use_caller"):
        if ctx.caller.has_caller_phone and "use_caller" not in m:
            m["asked"] = "caller_number"
            return say(opening + ASK_CALLER_NUMBER)
        m["asked"] = "number"
        again = m.get("number_asked", False)
        m["number_asked"] = True
        return say(opening + (ASK_NUMBER_AGAIN if again else ASK_NUMBER))
    if not m.get("time_said"):
        m["asked"] = "time"
        return say(opening + ASK_TIME)
    reason = m["reason"] + (f" (for {m['for']})" if m.get("for") else "")
    arguments = {"name": m["name"], "reason": reason}
    if m.get("phone") and not m.get("use_caller"):
        arguments["phone"] = m["phone"]
    if m.get("best_time"):
        arguments["best_time"] = m["best_time"]
    m["asked"] = "change"  # a "no" to the read-back: the next turn says what to change
    step = call("take_message")  # `name` is an argument of the tool: set after, not as a keyword
    step.tool_calls[0].arguments = arguments
    return step


def taken_without_number(s: dict[str, Any]) -> PlanStep:
    """`take_message` found no number to call back (no calling number on a chat): ask for one."""
    m = s.setdefault("message", {})
    m["use_caller"] = False
    m.pop("phone", None)
    m["asked"] = "number"
    return say(ASK_NUMBER)
