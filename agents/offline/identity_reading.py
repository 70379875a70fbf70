"""Reading who the caller is from one user turn: a name and a date of birth, kept in the scratch.

A name said again after a failed check corrects the one tried ("it's Isabella with two Ls"), a
part of the date of birth said again corrects it ("oops, 1990", "sorry, 75 not 76", "no, the 30th not
the 31st", "march, not may"); `reading.read_turn` calls it.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from agents.next_person import SPEAKER
from agents.offline.birthdates import corrected_dob, find_dob
from agents.offline.dob_pieces import read_pieces
from agents.offline.introductions import (
    explained_dob,
    name_by_dob,
    only_after_for,
    record_name,
    without_nicknames,
)
from agents.offline.names import (
    NOT_NAMES,
    bare_name,
    corrected_name,
    dob_of_another,
    find_name,
    name_sentences,
    only_in_lower_case,
    possessive_name,
    someone_elses_name,
    speaks_for_the_patient,
    spoke_for_a_relative,
    subject_names,
)
from agents.offline.numbers import normalize
from agents.offline.patient_of_the_call import patient_of_the_call
from agents.offline.relative_details import relative_checked
from agents.planner import PlanContext

# a name said as one ("my name is ...", "his name's ...", "this is ..."), not read out of other words
NAME_GIVEN = re.compile(r"\b(?:my|his|her|their|the) name(?:'s| is)\b|\bname's\b")
_SAID_AS_A_NAME = re.compile(rf"{NAME_GIVEN.pattern}|\b(?:this is|i'm|i am|speaking)\b")


# the caller said they call for the patient checked: thanked without the patient's name (`thank_you`)
PLAIN_THANKS = "thanks_plainly"


def thank_you(s: dict[str, Any], first_name: str | None) -> str:
    """ "Thank you, James." to the patient checked; "Thank you." to a caller who said they are
    someone else calling for the patient (his wife is not James)."""
    return "Thank you." if s.get(PLAIN_THANKS) or not first_name else f"Thank you, {first_name}."


_KIN = r"(?:son|daughter|kid|child|boy|girl|husband|wife|mother|father|mom|mum|dad|grandson|granddaughter)"


_PARENT_OF = re.compile(
    r"\b(?:([a-z]+) )?([a-z]+)'s (?:mum|mom|mam|mother|dad|father|mommy|daddy|parent|grandma|grandmother|grandpa"
    r"|grandfather|nan|nana)\b"
)
# "april 8th, 2015, that's his birthday": the date said first, then whose it is
_THEIRS_AFTER = re.compile(
    r"\W*(?:that's|that is|thats|it's|it is|which is)? ?(?:his|her|their|my (?:son|daughter|boy|girl|kid|child)'s)"
    r" (?:date of birth|dob|birthday|birth date)\b"
)
_THEIR_BIRTH = re.compile(
    r"\b(?:his|her|their) (?:date of birth|dob|d\.o\.b|birthday|birth date)\b|\b(?:he|she) was born\b"
)


# "my son lucas", "my daughter's appointment, sophie's": the child by first name alone
_MY_CHILD = re.compile(
    # ("my son's appointment, lucas. his date of birth is ...": the thing of his, then his name)
    r"\bmy (son|daughter|boy|girl|kid|child|little one)(?:'s)?(?: (?:appointment|appt|visit|vaccination|check ?up"
    r"|booking|jab|shot))?,? ([a-z][a-z-]+)(?:'s)?\b(?!\s+[a-z]+,?\s+(?:born|dob|date))"
)

# "maria garcia here for my son lucas (dob 4/8/2015)": the date of birth said right after the child
_MONTH_START = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
_CHILD_THEN_BIRTH = re.compile(
    r"\bmy (?:son|daughter|boy|girl|kid|child|little one),? [a-z][a-z-]+\W+(?:(?:his |her )?(?:dob|d\.o\.b|born"
    r"|date of birth|birthday|birth date)\b"
    # "my son Lucas, April 8th 2015, has an appointment": the date itself, right after him
    rf"|\d{{1,2}}[/.-]\d|{_MONTH_START}\s+\d|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_START}\b)"
)


def _child_of_the_caller(text: str, caller: tuple[str, str]) -> tuple[str, str] | None:
    """The child a parent named themselves by ("lucas's mum"), with the family name said, when
    the date of birth is said as the child's; None otherwise."""
    if not _THEIR_BIRTH.search(text) and not _CHILD_THEN_BIRTH.search(text):
        return None
    if (kid := _MY_CHILD.search(text)) is not None and kid.group(2) not in NOT_NAMES:
        first = kid.group(2)  # "i'm calling for my son lucas, not for me. his date of birth is ..."
        return None if first in (caller[0].lower(), caller[1].lower()) else (first.title(), caller[1])
    said = _PARENT_OF.search(text)
    if said is None:
        return None
    before, first = said.group(1), said.group(2)
    if first == caller[1].lower() and before:  # "lucas garcia's mum"
        first = before
    if first in (caller[0].lower(), caller[1].lower()):
        return None
    return first.title(), caller[1]


def _named_then_born(text: str, span: str, name: tuple[str, str]) -> bool:
    """ "... Lucas Garcia, he was born <date>": the name said right before the words that give the
    date as that person's."""
    before = text.partition(span)[0]
    return (
        re.search(
            rf"\b{re.escape(name[0].lower())}\s+{re.escape(name[1].lower())}\W+(?:(?:he|she|they)(?:'s| is| was)? born"
            r"|(?:his|her|their) (?:date of birth|dob|birthday|birth date)(?: is)?)\W*$",
            before,
        )
        is not None
    )


def _born_right_after(before: str, name: tuple[str, str]) -> bool:
    first, last = (re.escape(n.lower()) for n in name)
    return (
        re.search(
            rf"\b{first}\s+{last}\W+(?:(?:his|her|their) )?(?:born|dob|d\.o\.b\.?|date of birth|birthday|birth date)"
            r"(?: is)?\W*$",
            before,
        )
        is not None
        # "maria garcia here. son lucas garcia 4/8/2015": the relative named with the date
        or re.search(rf"\b{_KIN}\W+{first}\s+{last}\W*$", before) is not None
    )


def _spoken_for(name: tuple[str, str] | None) -> re.Pattern[str]:
    """ "calling for Lucas Garcia", "on behalf of Lucas Garcia": the patient a caller speaks for
    ("calling for Lucas. Lucas Garcia, ...": by first name, the full name said beside the date)."""
    first, last = (re.escape(part.lower()) for part in (name or ("", "")))
    return re.compile(
        rf"\b(?:calling|ringing|phoning|here|booking|speaking) (?:for|on behalf of|about) {first}(?: {last})?\b"
    )


def read_identity(ctx: PlanContext, s: dict[str, Any], text: str) -> tuple[str, bool]:
    """Name and date of birth; returns the text without the date and whether anything was found."""
    found = False
    dob, span = find_dob(text, ctx.now.date())
    if dob is not None:
        s["dob"] = dob.isoformat()
        s.pop("dob_md", None)
        found = True
    elif read_pieces(s, text, ctx.now.date()):  # "21st of April", then "1979"
        return " ", True
    elif (fix := _dob_corrected(ctx, s, text)) is not None:
        # "sorry, 1975 not 76", "no sorry, the 30th not the 31st" after a date that failed (or was
        # just given): that date with the part changed, a new attempt; read before anything else,
        # so the "no" in it is no answer to a question nor a goodbye
        s["dob"], text = fix[0].isoformat(), fix[1]
        found = True
    if dob is not None and span and (explained := explained_dob(text, dob, span)) is not None:
        dob, span = explained  # "06/03/1961 - that's the 6th of March": a birth date, not a day to book
        s["dob"] = dob.isoformat()
    rest = text.replace(span, " , ") if span else text  # the name ends where the date was
    if dob is not None and (again := find_dob(rest, ctx.now.date()))[0] == dob and again[1]:
        rest = rest.replace(again[1], " , ")  # "21st of april 79, 21 4 1979": the same date said twice
    near = name_by_dob(*text.partition(span)[::2]) if span else None
    on_record = record_name(rest)  # "Matt - Matthew Moore on your records"
    name = on_record or find_name(
        without_nicknames(rest), whole_answer=s.get("asked") in ("identity", "name", "dob")
    )
    if not on_record and near not in (None, name) and name is not None and only_after_for(rest, name):
        name = near  # "... for ages lol. Olivia Martinez, born 9 May 1998": not "Ages Lol"
    elif not on_record and near not in (None, name) and _spoken_for(near).search(text):
        name = near  # "Maria Garcia, calling for Lucas Garcia, April 8th 2015": the one spoken for
    elif (
        not on_record
        and near is not None
        and name not in (None, near)
        and _introduces(text, near)
        and not _introduces(text, name)
        # (not "Lucas Garcia's mother. Lucas was born ...", "my son Lucas Garcia's appointment (DOB ...)")
        and possessive_name(text) != " ".join(name)
        and not dob_of_another(text.partition(span or "")[0])
    ):
        # "... she's studying marine biology ... I'm Amelia Robinson, my birthday is ...": the
        # name the caller gives as theirs beside the date, not words of the small talk before it
        name = near
    elif near is not None and near != name and re.search(rf"\b{re.escape(near[0].lower())}'s\b", text):
        # "it's Maria Garcia, I need to move Lucas's appointment. Lucas Garcia, born ...": the
        # one whose appointment it is, named beside the date of birth
        name = near
    elif (
        near is not None
        and span
        and name not in (None, near, someone_elses_name(text))  # "my son Lucas Garcia": checked below
        and _born_right_after(text.partition(span)[0], near)
    ):
        # "Maria Garcia here. Lucas has his vaccination ... -- Lucas Garcia, born April 8 2015 --":
        # the date of birth is said as the one named just before it, "born"
        name = near
    elif (
        not on_record
        and near not in (None, name)
        and name is not None
        and spoke_for_a_relative(text)
        and someone_elses_name(rest) is None  # "my son Lucas Garcia": the relative is named already
    ):
        # "this is Maria Garcia. What day is my son's appointment? Lucas Garcia, born ...": the
        # date of birth is the relative's, named beside it; the caller's own name comes first
        name = near
    if name is None and span:
        # "book me in please, sarah johnson march 14 1985" / "born may 9 1998, olivia martinez":
        # the words just before or just after the date
        name = near
        if name is None and (theirs := possessive_name(text)):  # "cancel Lucas Garcia's ... his DOB is"
            first, _, last = theirs.partition(" ")
            name = (first, last)
    if (
        dob is not None
        and span
        and (dob_of_another(text.partition(span)[0]) or _THEIRS_AFTER.match(text.partition(span)[2]))
    ):
        # "Hi, it's his mum, Maria Garcia. Lucas Garcia has his appointment ... He was born ...":
        # the date of birth is the patient's, named as the subject of a clause, not the caller's
        patients = [n for n in subject_names(rest) if n != name]
        if len(patients) == 1:
            name = patients[0]
        elif (
            not patients
            and near is not None
            and name not in (None, near)
            and _named_then_born(text, span, near)
        ):
            # "Maria Garcia calling about Lucas Garcia, he was born ...": the one named with it
            name = near
        elif not patients and name is None and (named := _relative_named_before(ctx)) is not None:
            # "... cancel my son's appointment, Lucas Garcia" then "his birthday is April 8th 2015":
            # the relative named earlier, not the caller who introduced herself
            name = named
        elif not patients and name is None and (child := _child_named_before(ctx, s)) is not None:
            # "it's Maria Garcia, an appointment for my son Lucas ..." then "He was born ...": Lucas,
            # by the family name the caller gave (checked as any name is: exactly, or it fails)
            name = child
    if name is not None and dob is not None and span and someone_elses_name(text) == name:
        # "this is Maria Garcia, my date of birth is ... for my son Lucas Garcia, he was born ...":
        # the relative named is checked with the date of birth given as theirs, not the caller's
        after = text[text.index(span) + len(span) :]
        their_dob, their_span = find_dob(after, ctx.now.date())
        before = after.partition(their_span)[0] if their_span else after
        next_to_them = re.search(
            rf"\b{re.escape(name[0].lower())}\s+{re.escape(name[1].lower())}\W+(?:born|dob|date of birth|birthday)?\W*$",
            before,
        )
        if their_dob is not None and their_span and (dob_of_another(before) or next_to_them is not None):
            dob, span = their_dob, their_span
            s["dob"] = their_dob.isoformat()
    if dob is not None and span and dob.isoformat() == s.get("dob"):
        # "I'm Maria Garcia, 19 October 1982, and Lucas was born 8 April 2015": the child is checked
        caller = name or _name_said(s)
        earlier = [normalize(m.content or "") for m in ctx.messages if m.role == "user"][:-1]
        if (relative := relative_checked(text, earlier, ctx.now.date(), caller)) is not None:
            name, their_dob = relative
            s["dob"] = their_dob.isoformat()
    speaker, own_dob = name, dob  # who said it, before a child of theirs is the one checked
    if name is not None and span and (child := _child_of_the_caller(text, name)) is not None:
        name = child  # "it's maria garcia, lucas's mum, his date of birth is ...": Lucas Garcia is checked
    named = _relative_named_before(ctx) or (
        _child_by_first_name(text, speaker) if speaker is not None else None
    )
    if (pair := _relatives_pair(text, ctx.now.date(), named)) is not None:
        # "booking for my son Lucas Garcia (DOB 04/08/2015) - I'm his mum Maria Garcia, 10/19/1982":
        # two dates of birth, the request the relative's: the relative is checked, with theirs
        name, their_dob = pair
        s["dob"] = their_dob.isoformat()
        found = True
    if (
        speaker is not None
        and own_dob is not None
        and name not in (None, speaker)
        and _introduces(text, speaker)
    ):
        # "I'm Maria Garcia, 10/19/1982 ... my son Lucas ... his birthday is ...": Lucas is checked;
        # who speaks is kept for a request of her own later ("and then book myself ...")
        s[SPEAKER] = {"first": speaker[0], "last": speaker[1], "dob": own_dob.isoformat()}
    elif (
        SPEAKER not in s
        and name is not None
        and (own := _caller_introduced(text, name, ctx.now.date())) is not None
    ):
        # "Maria Garcia here, October 19th 1982. My son Lucas ... He's Lucas Garcia, April 8th
        # 2015.": Lucas is checked; Maria is who speaks, for a request of her own later
        s[SPEAKER] = own
    if dob is not None and not ctx.caller.verified:
        earlier = [normalize(m.content or "") for m in ctx.messages if m.role == "user"][:-1]
        if (patient := patient_of_the_call(text, earlier, ctx.now.date())) is not None:
            # "my son Lucas's appointment" then "He was born ... I'm his mother, Maria Garcia, ...":
            # the relative the call is about is checked, with the date given as theirs
            name = patient.name
            s["dob"] = patient.born.isoformat()
            found = True
            if patient.speaker is not None and patient.speaker_born is not None:
                s[SPEAKER] = {
                    "first": patient.speaker[0],
                    "last": patient.speaker[1],
                    "dob": patient.speaker_born.isoformat(),
                }
    if dob is not None and (written := _name_written_apart(_raw_turn(ctx), name)) is not None:
        name = written  # "funny story, I was born on ... Christopher Lee.": not "Funny Story"
    if name is None and not found:
        name = bare_name(_raw_turn(ctx))  # "Emily Davis" as the whole first message
    if name is None and not found and not ctx.caller.verified and not s.get("first_name"):
        # "James Wilson. I need to change my blood pressure appointment.": the name as a sentence
        # of its own before the request
        # ... or after it ("cancel my friday appointment please. james wilson")
        parts = re.split(r"(?<=[.,;!])\s+", _raw_turn(ctx).strip())
        ends = [parts[0], parts[-1]] if len(parts) >= 2 else []
        name = next((n for part in ends if (n := bare_name(part.rstrip(".,;!"))) is not None), None)
    tried = s.get("tried") or {}
    if name is None and not ctx.caller.verified and (said := _name_said(s)) is not None:
        # "sorry, it's Isabella with two Ls" (a doctor's name is not the caller's)
        name = corrected_name(re.sub(r"\b(?:dr|doctor)\.?\s+[a-z'-]+", " ", text), *said)
    if (
        name is not None
        and dob is None
        and ctx.channel == "voice"
        and not ctx.caller.verified
        and s.get("asked") == "dob"
        and (held := _name_said(s)) is not None
        and name != held
        and not _SAID_AS_A_NAME.search(text)
        and not spoke_for_a_relative(text)
        and not s.get("kin_asked")  # "calling about my son's appointment" then "lucas garcia": his name
        and not _named_before(ctx, name[0])  # "... lucas cant come in for his shot" then "lucas garcia"
    ):
        # Asked the date of birth of the name given before, no date came: a name read from those
        # words ("Game Will" for a misheard date) is as doubtful as the rest; the one given stays.
        name = None
    if (
        name is None
        and dob is not None
        and not ctx.caller.verified
        and not s.get("first_name")
        and not (s.get("tried") or {}).get("first_name")
        and s.get("asked") in ("identity", "dob")
    ):
        # "daniel thomas t h o m a s" to the question for the date of birth, then the date alone:
        # the name spelled out is no misheard date, so it goes with the date given after it
        name = _name_spelled_before(ctx)
    if name is not None:
        s["first_name"], s["last_name"] = name
        found = True
        if _introduces(text, name):
            s.pop(PLAIN_THANKS, None)  # "I'm Mary Wilson, ...": the one checked is who speaks
        elif speaks_for_the_patient(text, name):
            s[PLAIN_THANKS] = True  # "I'm James Wilson's wife. ... James Wilson, born ...": she is not James
    if dob is not None:
        # "sorry, i meant the 30th. january 30, 1965. move it to ...": the day corrected is the birth date's
        rest = re.sub(
            rf"\b(?:i meant|i mean|meant|it's|it is|it was)\s+the\s+{dob.day}(?:st|nd|rd|th)\b", " ", rest
        )
    if found and not ctx.caller.verified and tried:
        # one part said again after a failed check: the other parts as they were said
        for key in ("dob", "first_name", "last_name"):
            if not s.get(key) and tried.get(key):
                s[key] = tried[key]
    return rest, found


_INTRODUCED_BY = r"(?:i'm|i am|im|this is|my name is|my name's|name's|it's|it is|anyway|anyways)\W+"


def _dob_corrected(ctx: PlanContext, s: dict[str, Any], text: str) -> tuple[date, str] | None:
    """The date of birth tried (or said and not yet checked) with one part corrected in this turn,
    and the words after the correction."""
    said = (s.get("tried") or {}).get("dob") or s.get("dob")
    if ctx.caller.verified or not said:
        return None
    return corrected_dob(text, date.fromisoformat(said), ctx.now.date())


def _caller_introduced(text: str, checked: tuple[str, str], today: date) -> dict[str, str] | None:
    """The caller's own name and date of birth, said first, when another person is the one checked."""
    born, span = find_dob(text, today)
    if born is None or not span:
        return None
    before = text.partition(span)[0]
    name = find_name(before)
    if name is None or name == checked or name[1].lower() == "" or not _says_first_who_they_are(text, name):
        return None
    return {"first": name[0], "last": name[1], "dob": born.isoformat()}


def _introduces(text: str, name: tuple[str, str]) -> bool:
    """The caller gives `name` as theirs ("I'm Amelia Robinson", "anyway, James Wilson, ...")."""
    first, last = (re.escape(n.lower()) for n in name)
    # (not "i'm james wilson's wife": his name, hers not said)
    return re.search(rf"\b{_INTRODUCED_BY}{first}\W+{last}\b(?!'s)", text) is not None


def _says_first_who_they_are(text: str, name: tuple[str, str]) -> bool:
    """ "hi, maria garcia here, ...", "maria garcia, october 19th 1982. my son ...": the name given
    as theirs, with "here" or first in the turn (only to keep who speaks, never to pick the name checked)."""
    first, last = (re.escape(n.lower()) for n in name)
    return (
        _introduces(text, name)
        or re.search(rf"\b{first}\W+{last}\s+(?:here|speaking|calling)\b", text) is not None
        or re.match(
            rf"\W*(?:(?:hi|hello|hey|good morning|good afternoon|yes|yeah)\W+)*{first}\W+{last}\b", text
        )
        is not None
    )


def _child_named_before(ctx: PlanContext, s: dict[str, Any]) -> tuple[str, str] | None:
    """The caller's child named by first name alone in their turns ("my son Lucas"), with the
    caller's own family name, or None."""
    if (caller := _name_said(s)) is None:
        return None
    return _child_by_first_name(
        " ".join(normalize(m.content or "") for m in ctx.messages if m.role == "user"), caller
    )


def _child_by_first_name(said: str, caller: tuple[str, str]) -> tuple[str, str] | None:
    """ "my son Lucas": Lucas, with the caller's family name; None when no child is named so."""
    kid = _MY_CHILD.search(said)
    if kid is None or kid.group(2) in NOT_NAMES or kid.group(2) in (caller[0].lower(), caller[1].lower()):
        return None
    return kid.group(2).title(), caller[1]


def _named_before(ctx: PlanContext, first: str) -> bool:
    """The first name was said in an earlier turn of the caller's."""
    earlier = " ".join(normalize(m.content or "") for m in ctx.messages if m.role == "user")
    earlier = earlier.rsplit(normalize(_raw_turn(ctx)), 1)[0]
    return re.search(rf"\b{re.escape(first.lower())}\b", earlier) is not None


# a date of birth said as the relative's, beside `dob_of_another`'s "his dob", "he was born": "his is"
_HIS_IS = re.compile(r"\b(?:his|her) is\W*$")


def _relatives_pair(
    text: str, today: date, named: tuple[str, str] | None
) -> tuple[tuple[str, str], date] | None:
    """The relative's name and date of birth when a turn gives two dates of birth, the caller's own
    and the relative's the request is for ("cancel lucas garcia's appt - i'm maria garcia
    10/19/1982, his dob 04/08/2015"); `named`: a relative the caller spoke for in an earlier turn.
    None otherwise."""
    dates: list[tuple[date, int]] = []
    masked = text
    while True:
        dob, span = find_dob(masked, today)
        if dob is None or not span:
            break
        dates.append((dob, masked.index(span)))
        masked = masked.replace(span, "#" * len(span), 1)
    if len({d for d, _ in dates}) != 2 or _BOTH_OF_US.search(text):
        return None  # (not "for me and my partner ...": the caller's own request comes first)
    theirs = someone_elses_name(text)
    if theirs is None and (owned := possessive_name(text)) is not None:
        first, _, last = owned.partition(" ")
        theirs = (first, last)
    theirs = theirs or named  # "my son lucas garcia has dr rodriguez ..." then "mine is ..., his is ..."
    if theirs is None:
        return None
    cued = {
        d
        for d, at in dates
        if (dob_of_another(window := text[max(0, at - 30) : at]) or _HIS_IS.search(window))
        and not _MINE.search(window)
    }
    after_them = {
        d for d, at in dates if re.search(rf"\b{re.escape(theirs[0].lower())}\b[^.;!?]{{0,40}}$", text[:at])
    }
    picked = cued or after_them
    return (theirs, picked.pop()) if len(picked) == 1 else None


_BOTH_OF_US = re.compile(
    r"\b(?:me and (?:my|our)|both of us|the two of us|me with (?:dr|doctor)|one for me|for myself and|myself and (?:my|our))\b"
)
_MINE = re.compile(r"\b(?:my (?:dob|date of birth|birthday|bday|birth date)|i'm|i am|i was born|me)\b")


def _name_said(s: dict[str, Any]) -> tuple[str, str] | None:
    """The name given in an earlier turn (or in the check that failed), to be corrected."""
    for where in (s, s.get("tried") or {}):
        if where.get("first_name") and where.get("last_name"):
            return where["first_name"], where["last_name"]
    return None


def _relative_named_before(ctx: PlanContext) -> tuple[str, str] | None:
    """The full name of a relative the caller spoke for in an earlier turn, the latest one."""
    earlier = [m.content or "" for m in ctx.messages if m.role == "user"][:-1]
    for said in reversed(earlier):
        if (named := someone_elses_name(normalize(said))) is not None:
            return named
    return None


def _name_written_apart(raw: str, read: tuple[str, str] | None) -> tuple[str, str] | None:
    """The one sentence of the turn that is a name written with capitals ("... when I turn it.
    Christopher Lee. My wife says ..."), when no name was read or the one read is words the caller
    did not write as a name ("funny story"); None otherwise."""
    written = name_sentences(raw)
    if len(written) != 1 or written[0] == read or (read is not None and not only_in_lower_case(raw, read)):
        return None
    return written[0]


# "daniel thomas t h o m a s", "it's amy lee, l e e": a first and last name, then one spelled out
_NAME_THEN_LETTERS = re.compile(
    r"\W*(?:(?:hi|hello|yes|yeah|sure|ok|okay|um|uh|it's|its|this is|i'm|im|my name is|my name's|name's)\W+)*"
    r"(?P<first>[^\W\d_]{2,})\W+(?P<last>[^\W\d_]{2,})\W+(?P<letters>(?:[^\W\d_]\W+)+[^\W\d_])\W*"
)


def _name_spelled_before(ctx: PlanContext) -> tuple[str, str] | None:
    """The name the caller's previous turn was, spelled out letter by letter after it (the letters
    spell the last name, the first, or both), or None."""
    earlier = [m.content or "" for m in ctx.messages if m.role == "user"][:-1]
    said = _NAME_THEN_LETTERS.fullmatch(earlier[-1].lower()) if earlier else None
    if said is None:
        return None
    first, last = said.group("first"), said.group("last")
    letters = re.sub(r"\W", "", said.group("letters"))
    if letters not in (last, first, first + last) or first in NOT_NAMES or last in NOT_NAMES:
        return None
    return first.title(), last.title()


def _raw_turn(ctx: PlanContext) -> str:
    return next((m.content for m in reversed(ctx.messages) if m.role == "user" and m.content), "") or ""
