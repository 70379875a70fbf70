"""The offline planner's part of a relative's request (`agents.next_person` is the runtime's).

- Said with the caller's own ("... and one for my son Lucas with Dr Rodriguez at 3:30 the same
  day"): kept by `agents.offline.followups`; before the caller's own write is proposed, the
  relative's date of birth is asked for when the request does not hold it (`ask_first`,
  `read_answer`), so their request goes straight on once the caller's own is done. An answer
  without a date of birth leaves it for a conversation of their own, said, not dropped.
- Asked in a later turn ("and my son too, Lucas Garcia, born ...", `also_for`), or in the turn
  that verified the caller as themselves: kept to be served at the end of this turn (`serve_now`),
  with "the same day" written in as the day just booked and the caller's own details taken out.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from agents.next_person import CALLERS_OWN, NEXT_PERSON, SPEAKER
from agents.offline.birthdates import find_dob
from agents.offline.dates import find_when
from agents.offline.followups import (
    NEXT_TO_IT,
    SAME_DAY_WORDS,
    next_to_it,
    on_that_day,
    own_request_after_theirs,
)
from agents.offline.intents import Intent, intents, task_of
from agents.offline.names import (
    DOCTOR_NAMED,
    KIN,
    KIN_WORDS,
    find_name,
    name_near,
    relative_asked_for,
    relative_first,
    someone_elses_name,
)
from agents.offline.numbers import normalize
from agents.offline.steps import say
from agents.planner import PlanContext, PlanStep

_ASKED = "next_person_asked"


def ask_first(ctx: PlanContext, s: dict[str, Any]) -> PlanStep | None:
    """ "And what is your son's date of birth?" before the caller's own write, once, when the
    waiting request has none; None: nothing to ask."""
    waiting = s.get(NEXT_PERSON)
    if (
        not isinstance(waiting, dict)
        or not ctx.caller.verified
        or s.get(_ASKED)
        or waiting.get("kin") == CALLERS_OWN
    ):
        return None  # the caller's own request is checked as theirs once the relative's is done
    said = str(waiting.get("text") or "")
    dob, _ = find_dob(said, ctx.now.date())
    if dob is not None:
        return None
    asked = find_when(normalize(said), ctx.now)
    if asked.start is None and asked.at is None and not re.search(r"\b(?:dr|doctor)\b", said):
        # "I need to book for myself and for my son": nothing of his asked yet, so the caller's own
        # first; his whole request (who, when) is asked once it is done
        return None
    s[_ASKED] = True
    return say(f"I can do both. First, what is your {waiting.get('kin') or 'family member'}'s date of birth?")


def read_answer(ctx: PlanContext, s: dict[str, Any], raw: str) -> bool:
    """The answer to that question: True when it gave the date of birth (kept with the request,
    and the caller's own booking goes on). Anything else is read as usual; the relative's request
    is then left for a conversation of their own, which the caller is told."""
    if s.get(_ASKED) is not True or not isinstance(s.get(NEXT_PERSON), dict):
        return False
    s[_ASKED] = "answered"
    text = normalize(raw)
    dob, span = find_dob(text, ctx.now.date())
    if dob is None:
        kin = s.pop(NEXT_PERSON).get("kin") or "family member"
        s["preface"] = (
            f"{s.get('preface') or ''} For your {kin}, please start a new conversation with their name and date of birth."
        ).strip()
        return False
    rest = re.sub(
        r"\b(?:he|she|they)(?:'s| is| was| are| were)?\b|\bborn\b|\bon\b|\bit's\b",
        " ",
        text.replace(span or "", " "),
    )
    waiting = s[NEXT_PERSON]
    waiting["text"] = (
        f"{waiting['text']} , {' '.join(rest.split())} , born {dob:%B} {dob.day} {dob.year}".replace(
            " ,  ,", " ,"
        )
    )
    return True


_AND_THEM = re.compile(r"^\W*(?:(?:and|oh|also|great|ok|okay|right|perfect|thanks|thank you|so)\b[\s,.!]*)*")
# the caller asks for a visit of their own ("my husband has his appointment Thursday, can I get one too")
FOR_ONESELF = re.compile(
    r"\b(?:(?:can|could|may) i (?:get|have|grab|book) (?:one|an? (?:appointment|appt|slot|visit))"
    r"|(?:one|an appointment|a slot|a visit) for me(?:self)?|book me|book myself|see me|for myself"
    # "me first, please", "this is just mine", "she'll call about her own"
    # "And for me, Dr. Patel on Thursday ...", "now mine: ..." after a relative's visit
    r"|(?:^|[.!?]\s+)(?:(?:and|now|then|also|ok|okay|right|so)[\s,]+)*(?:for me|for myself|mine)(?=[\s,.:;!?-]|$)"
    # "And me right after my husband, 2 o'clock", "then me, same day"
    r"|(?:^|[.!?]\s+)(?:(?:and|now|then|also)[\s,]+)+me(?=[\s,.:;!?-]|$)"
    # "Dr. Chen, Monday the 22nd, 4 o'clock for me."
    r"|(?<!not )(?<!n't )\bfor me(?:self)?(?=\s*[.!]*\s*$)"
    r"|me (?:first|1st)|(?:this|that|it) is (?:just |only )?(?:mine|for me)|(?:this|that|it)'s (?:just |only )?(?:mine|for me)"
    r"|(?:she|he|they)(?:'ll| will) (?:call|ring|phone|sort out|handle|book|do) (?:about )?(?:her|his|their) own"
    # "my husband said I should book a check-up", "my wife wants me to see Dr Chen", "my appointment"
    r"|(?:said|says|told|asked|wants|wanted|thinks|suggested|reminded|would like) (?:me|i)"
    r"|my (?:[a-z]+day |next |upcoming |own )?(?:(?:dr|doctor)\.? [a-z'-]+ )?(?:appointment|appt|visit|check[ -]?up))\b"
)
_FOR_ME = re.compile(r"\bfor me\b")  # "is there time for me too?": also the caller's own, here


def also_for(ctx: PlanContext, text: str) -> bool:
    """A later turn of a verified caller asking something for a relative: "and my son too, Lucas
    Garcia, born ...", "oh and my daughter needs a check-up as well" (not "my husband said I should
    book": that is the caller's own)."""
    if not ctx.caller.verified or ctx.caller.speaking_for or FOR_ONESELF.search(text) or _FOR_ME.search(text):
        return False
    if own_request_after_theirs(text):
        return False  # "my wife has her check-up at 10 on Wednesday. I'd like to come in at the same time"
    rest = text[_AND_THEM.match(text).end() :]  # type: ignore[union-attr]  # always matches
    kin = relative_first(rest) or _kin_too(text)
    if kin is None:
        return False
    named = someone_elses_name(text)
    return named is None or named[0].lower() != (ctx.caller.first_name or "").lower()


def verified_is_their_relative(ctx: PlanContext) -> bool:
    """The person verified is a relative the caller spoke of ("my son Lucas Garcia, born ...", "I'm
    his mum"): the caller is someone else."""
    if ctx.caller.speaking_for:
        return True
    first = (ctx.caller.first_name or "").lower()
    if not ctx.caller.verified or not first:
        return False
    said = " ".join(normalize(m.content or "") for m in ctx.messages if m.role == "user")
    return (
        re.search(rf"\b(?:my|our) (?:{KIN})(?:'s)?,? (?:name is |is )?{re.escape(first)}\b", said) is not None
        or re.search(rf"\b{re.escape(first)}(?: [a-z'-]+)? is (?:my|our) (?:{KIN})\b", said) is not None
        or re.search(
            rf"\b(?:i'm|i am|im) (?:[a-z'-]+ )*?(?:his|her|their) (?:{KIN}|mum|mom|mother|dad|father|parent|carer|caregiver)\b",
            said,
        )
        is not None
    )


def own_after_relative(ctx: PlanContext, s: dict[str, Any], text: str) -> str | None:
    """ "And then I'd like to book myself ..." from a caller who spoke for a relative, verified as
    the relative: the caller's own request, with the name and date of birth they introduced
    themselves with (checked as theirs once the relative is set aside); None otherwise."""
    speaker = s.get(SPEAKER)
    # (or not verified yet, the relative's details still asked for: "Dr. Chen, Monday at 4 for me")
    waiting_for_them = ctx.caller.speaking_for is not None and find_dob(text, ctx.now.date())[0] is None
    if (
        not (ctx.caller.verified or waiting_for_them)
        or not isinstance(speaker, dict)
        or not FOR_ONESELF.search(text)
    ):
        return None
    if (ctx.caller.first_name or "").lower() == str(speaker.get("first") or "").lower():
        return None
    born = date.fromisoformat(str(speaker["dob"]))
    text = re.sub(r"\bme (?:first|1st)\b,?", " ", text)  # who goes first, not "the first one"
    if not re.search(r"\b(?:dr|doctor)\b", text) and (
        doctor := DOCTOR_NAMED.search(f"{s.get('kin_asked') or ''} {s.get('provider_hint') or ''}")
    ):
        text = f"{text} with {doctor.group(0)}"  # "both of us with Dr. Patel", then "me first, Wednesday at 1:30"
    return (
        f"this is {speaker['first']} {speaker['last']}, born {born:%B} {born.day} {born.year}. {text}".lower()
    )


def another_person(ctx: PlanContext, text: str) -> tuple[str, str] | None:
    """A full name with a date of birth in a verified caller's turn, of someone other than the
    person verified ("And one for me as well: Daniel Thomas, April 21st 1979", "Now Harper's,
    please: Harper Young, 8/20/1968"): that name; None otherwise. Nothing is ever written for the
    person verified on the strength of another person's details."""
    if not ctx.caller.verified:
        return None
    dob, span = find_dob(text, ctx.now.date())
    if dob is None or not span:
        return None
    name = name_near(*text.partition(span)[::2]) or find_name(text.replace(span, " , "))
    if name is None or name[0].lower() == (ctx.caller.first_name or "").lower():
        return None
    return name


# another person named by first name as the one the visit is for: "Lucas's appointment", "Lucas
# needs a check-up", "then Lucas's one"
_NAMED_FOR = re.compile(
    r"\b(?:(?P<a0>[a-z]{3,}) )?(?P<a>[a-z]{3,})'s (?:appointment|appt|visit|one|check ?up|checkup|vaccination|jab|shot"
    r"|booking|physical)\b"
    r"|(?:^|[.!?,;]\s*|\band\s+|\bthen\s+|\balso\s+|\bso\s+)(?P<b>[a-z]{3,})(?: [a-z]{3,})? (?:needs|has got|has|wants"
    r"|is due|can't|cannot|won't|should|must|would like)\b"
    # "oh, and Lucas as well, he's on file ... could he see Dr Rodriguez"
    r"|\b(?:and|also)\s+(?P<c>[a-z]{3,})\s+(?:as well|too)\b"
)
# the caller's own request said in the same words ("I need an appointment for me ..., and Lucas ...")
_ONLY_MINE = re.compile(
    r"\b(?:it's|its|it is|this is|that's|this one's) (?:just )?for me\b|\bnot for (?:him|her|them)\b|\bmy own\b"
)
_SELF_REQUEST = re.compile(
    r"\b(?:for me|for myself|book me|see me|(?:i need|i'd like|i would like|i want) (?:an? |to see|to book|to come)"
    r"|(?:can|could|may) i (?:see|get|book|come|have))"
)
_NOT_A_FIRST_NAME = frozenset(
    "his her their your our the that this what who which there here it one mine yours ours theirs today tomorrow "
    "monday tuesday wednesday thursday friday saturday sunday doctor chen patel rodriguez marcus priya elena mum "
    "mom dad son daughter wife husband baby kid child everyone someone somebody anyone nobody everything nothing "
    "week month year next last first second same other another each both all any she they which nurse clinic "
    "office practice hubby wifey partner brother sister father mother grandma grandpa nan granny family kids "
    "boy girl lady man guy friend dentist work school whoever whichever yeah yes yep yup okay that what "
    "everybody nobody ok well sure and but then also can could would will may might shall must did does "
    "mon tue tues wed weds thu thur thurs fri sat sun today's tomorrow's".split()
)


def _first_name_of(m: re.Match[str]) -> str:
    """ "lucas garcia's appointment": lucas (the word before a surname said possessively); "make
    monday's appointment": monday (no name: `_NOT_A_FIRST_NAME`)."""
    if m.group("a"):
        if m.group("a") in _NOT_A_FIRST_NAME:
            return m.group("a")
        if m.group("a0") and m.group("a0") not in _NOT_A_FIRST_NAME and m.group("a0") not in _VERBS:
            return m.group("a0")
        return m.group("a")
    return m.group("b") or m.group("c")


_VERBS = frozenset(
    "cancel move book change need needs want wants about for and see with is to of make can't cannot won't able "
    "miss skip keep attend reschedule push bring scrap drop delete remove ditch shift bump move postpone confirm "
    "check switch swap put take call".split()
)


def _said_as_a_name(m: re.Match[str], name: str, raw: str) -> bool:
    """A possessive before a visit word names someone ("Lucas's appointment"); a word before a verb
    only when it was written with a capital ("Lucas needs ...", not "yeah that should ...")."""
    return bool(m.group("a")) or re.search(rf"\b{re.escape(name.title())}\b", raw) is not None


def _raw_last(ctx: PlanContext) -> str:
    return next((m.content or "" for m in reversed(ctx.messages) if m.role == "user"), "")


def _other_first_name(ctx: PlanContext, text: str, *, after_own_request: bool) -> str | None:
    """The first name of another person than the one verified that `text` names as the one a
    visit is for, or None; with `after_own_request` False, only before the caller's own request
    said in the same words (`_SELF_REQUEST`)."""
    mine = (ctx.caller.first_name or "").lower()
    raw = _raw_last(ctx)
    for m in _NAMED_FOR.finditer(text):
        if not after_own_request and _SELF_REQUEST.search(text[: m.start()]):
            return None  # the caller's own first: the other one is read as a second request
        if (re.search(r"\balready\b", m.group(0)) or _ONLY_MINE.search(text)) and _SELF_REQUEST.search(
            text[m.end() :]
        ):
            # "Lucas already has his check ... Could I see Dr Chen after him?", "Lucas has his
            # vaccination ... Could you book me ...? It's for me, not for him": hers, by his
            continue
        name = _first_name_of(m)
        if re.search(rf"\b(?:mr|mrs|ms|miss|mister)\.?\s+{re.escape(name)}\b", text):
            continue  # "Ms. Jackson would like to see Dr. Patel": a family name with a title, not another person
        if name not in _NOT_A_FIRST_NAME and name != mine and _said_as_a_name(m, name, raw):
            return name
    return None


def someone_by_first_name(ctx: PlanContext, text: str) -> str | None:
    """The first name of another person a verified caller's request is for ("Lucas needs a
    check-up", "then Lucas's one"), or None: never a visit written for the person verified."""
    if not ctx.caller.verified:
        return None
    return _other_first_name(ctx, text, after_own_request=True)


def request_for_someone(ctx: PlanContext, s: dict[str, Any]) -> str | None:
    """Before a write for the person verified: the caller's words since the last write done when
    they name another person by first name as the one the visit is for ("Lucas needs a check-up
    with Dr Rodriguez", "and Lucas as well ... could he see Dr Rodriguez"), written as that
    person's request (the caller's own name and date of birth taken out; the family name the
    caller gave added to the first name); None when the request names nobody else."""
    if not ctx.caller.verified or ctx.caller.speaking_for:
        return None
    text = normalize(_raw_last(ctx))
    if own_request_after_theirs(text):
        return None  # "My husband James sees Dr. Chen at 2:30. Could I have the one right after his?"
    if (first := _other_first_name(ctx, text, after_own_request=False)) is None:
        return None
    theirs = without_the_caller(ctx, text, s)
    last = str(s.get("last_name") or "").lower()
    if last and not re.search(rf"\b{re.escape(first)}\s+{re.escape(last)}\b", theirs):
        theirs = re.sub(rf"\b{re.escape(first)}\b", f"{first} {last}", theirs, count=1)
    return theirs


def serve_another(ctx: PlanContext, s: dict[str, Any], text: str, own: str | None = None) -> PlanStep:
    """The request of the other person named with their details, kept to be served as theirs at
    the end of this turn (the verified person set aside, the other one checked on their details)."""
    kin = relative_asked_for(text) or _kin_too(text)
    if kin is None and (m := KIN_WORDS.search(text)) is not None and not FOR_ONESELF.search(text):
        kin = m.group(0).split()[-1].removesuffix("'s")
    return _wait(ctx, s, kin or CALLERS_OWN, text, own)


def serve_now(ctx: PlanContext, s: dict[str, Any], text: str, own: str | None = None) -> PlanStep | None:
    """The relative's request kept to be served as theirs at the end of this turn (the runtime sets
    the caller's identity aside); None when no relative is named."""
    kin = relative_asked_for(text) or relative_first(text[_AND_THEM.match(text).end() :]) or _kin_too(text)  # type: ignore[union-attr]
    if kin is None:
        m = KIN_WORDS.search(text)
        kin = m.group(0).split()[-1] if m else None
    if kin is None:
        return None
    return _wait(ctx, s, kin, text, own)


def _wait(ctx: PlanContext, s: dict[str, Any], kin: str, text: str, own: str | None) -> PlanStep:
    """The request of `kin` kept to be served at the end of this turn, as theirs."""
    s[NEXT_PERSON] = {"kin": kin, "text": _on_the_day_just_booked(ctx, text), "now": True}
    if own is not None and kin != CALLERS_OWN:
        # "move my son Lucas's Tuesday appointment, and I'd like to book myself in with Dr. Patel
        # too": the relative's first, the caller's own after it (`agents.next_person.step_aside`)
        s[NEXT_PERSON]["own"] = own
    return say("Sure.")


def callers_own_waiting(s: dict[str, Any]) -> str | None:
    """The caller's own request kept to follow another (`followups`), with who they said they are."""
    waiting = s.get(NEXT_PERSON)
    if isinstance(waiting, dict) and waiting.get("kin") == CALLERS_OWN and waiting.get("text"):
        return str(waiting["text"])
    return None


_TASK_SAID = {
    "reschedule": "i need to move an appointment",
    "cancel": "i need to cancel an appointment",
    "list": "when is the appointment",
}
_NOT_MINE = re.compile(
    r"^\W*(?:(?:no|nope|nah|oh|sorry)\b[,.]?\s*)*(?:not (?:mine|me|for me|my own|my one)\b[,.;]?\s*)?"
)


def with_the_task(task: str | None, text: str) -> str:
    """The relative's request with the caller's task said before it, when the words name none: "i
    need to reschedule an appointment" ... "no, not mine, my son's. lucas garcia, april 8th 2015"."""
    text = _NOT_MINE.sub("", text)
    # ("... his appointment with Dr. Rodriguez": which visit, the task the caller asked still to do)
    said = task_of(intents(text))
    if said == Intent.BOOK and names_their_visit_only(text):
        said = None  # "his appointment with Dr. Rodriguez next Thursday": which visit, not a new one
    if task not in _TASK_SAID or said not in (None, Intent.LIST):
        return text
    return f"{_TASK_SAID[task]}. {text}"


def names_their_visit_only(text: str) -> bool:
    """ "... his appointment with Dr. Rodriguez next Thursday": a visit someone has, named, and no
    word of booking one."""
    return _THEIR_VISIT_NAMED_ONLY.search(text) is not None and _BOOKING_WORDS.search(text) is None


_THEIR_VISIT_NAMED_ONLY = re.compile(
    r"\b(?:his|her|their)\s+(?:[a-z]+\s+)?(?:appointment|appt|visit|vaccination|check ?up|physical)\b"
)
_BOOKING_WORDS = re.compile(r"\b(?:book|schedule|new|another|make|set up|get|see|needs?|wants?|would like)\b")


def without_the_caller(ctx: PlanContext, said: str, s: dict[str, Any]) -> str:
    """What was said for the relative, the caller's own name and date of birth taken out (they
    were verified with them: "Maria Garcia, October 19 1982. My son needs a check-up Friday")."""
    dob, span = find_dob(said, ctx.now.date())
    if span and (s.get("dob") is None or dob is None or s.get("dob") == dob.isoformat()):
        said = said.replace(span, " ")
    for name in (ctx.caller.first_name, s.get("last_name")):
        if name:
            said = re.sub(rf"\b{re.escape(str(name).lower())}\b", " ", said, count=1)
    return " ".join(said.replace(" | ", " , ").split())


_KIN_TOO = re.compile(
    rf"\b(?:my|our)\s+(?:little\s+|youngest\s+|oldest\s+|eldest\s+)?({KIN})\b(?:\s+[a-z']+){{0,3}}?\s+(?:too|as well|also)\b"
)


def _kin_too(text: str) -> str | None:
    m = _KIN_TOO.search(text)
    return m.group(1) if m else None


def _on_the_day_just_booked(ctx: PlanContext, text: str) -> str:
    """ "with Dr Rodriguez the same day at 11:30" after "Done. You're booked ... on Wednesday,
    November 17th at 11 AM": that day, written in (read later, alone, "the same day" was today)."""
    next_to = NEXT_TO_IT.search(text)
    if not SAME_DAY_WORDS.search(text) and next_to is None:
        return text
    done = next(
        (
            m.content
            for m in reversed(ctx.messages)
            # ("the same day as my check-up" after "You have one upcoming appointment: ...")
            if m.role == "assistant"
            and (m.content or "").startswith(("Done.", "You have one upcoming appointment:"))
        ),
        None,
    )
    if done is None:
        return text
    written = find_when(normalize(done.split(".", 1)[1]), ctx.now)
    day = written.start
    if day is None:
        return text
    if next_to is not None and written.at is not None and find_when(text, ctx.now).at is None:
        # "Dr. Rodriguez, right after mine": the half hour next to the visit just booked
        return next_to_it(text, next_to, datetime.combine(day, written.at))
    return on_that_day(text, day) if SAME_DAY_WORDS.search(text) else text
