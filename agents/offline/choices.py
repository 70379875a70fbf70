"""Which of the things just offered the caller means: a slot ("the first one", "the 3 PM one",
"Tuesday at 10"), an appointment ("my appointment on Thursday"), a provider ("Dr. Chen")."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from datetime import datetime

from agents.offline.calendar_words import WEEKDAYS
from agents.offline.dates import When
from agents.offline.numbers import ordinal_suffix
from agents.offline.phonetic import closest, ways_to_say_doctor
from connectors.base import Appointment, Provider, Slot

_POSITIONS = {
    "1st": 0, "first": 0, "2nd": 1, "second": 1, "3rd": 2, "third": 2, "last": -1, "latter": -1,
    "earliest": 0, "former": 0,
}  # fmt: skip
_ANY_PROVIDER = re.compile(
    # (not "I don't want to pass it on to anyone", "I haven't told anyone": nobody to see)
    r"\b((?<!pass it on to )(?<!pass it to )(?<!give it to )(?<!spread it to )(?<!infect )(?<!told )(?<!tell )"
    r"any ?(doctor|provider|physician|of them|one|body)|whoever"
    # ("whichever is first", "I don't mind when": which time or day, not which doctor)
    r"|whichever(?= (?:doctor|provider|physician|one is (?:free|available)|is (?:free|available)|has time|can see))"
    r"|(?:doesn't|does not) matter(?! (?:when|what time|which day|what day|the time|the day))"
    r"|no preference|don't care(?! (?:when|what time|which day|what day))"
    r"|i don't mind(?! (?:when|what time|which day|what day|the time|the day|waiting))|either (one|doctor|of them))\b"
)
_NOT_THIS_ONE = re.compile(
    r"\b(?:not|instead of|rather than|in place of) (?:with )?(?:dr|doctor)\.?\s+[a-z'-]+"
)
_SWITCH_TO = re.compile(
    r"\b(?:switch|change|move|swap|transfer|put|changed|switched|moved)\s+(?:(?:it|that|this|me|him|her|them|us|my"
    r" appointment|the appointment|my booking|the booking)\s+)?"
    # "move my appointment with dr patel to dr chen": the doctor it goes to
    r"(?:(?:my|the|his|her) (?:[a-z]+ )?(?:appointment|appt|booking|visit|check ?up) with (?:dr|doctor)\.?\s+[a-z'-]+\s+)?"
    r"(?:over\s+)?to\s+(?:see\s+)?(?P<to>(?:dr|doctor)\.?\s+[a-z'-]+)"
)
# "keep the same time but see Dr Patel instead", "with Dr Rodriguez instead, on the same day": the
# doctor said with "instead" is the one asked for (not "instead of Dr X": that one is taken out)
_SEE_INSTEAD = re.compile(
    r"\b(?:see|with|to)\s+(?:dr|doctor)\.?\s+([a-z'-]+)(?:\s+[a-z]+){0,2}?\s+(?:instead|rather)\b(?!\s+(?:of|than)\b)"
)
_WANTED = re.compile(r".*\b(need|want|like|book|schedule|prefer|rather)\b")
_DR = r"(?:(?:dr|doctor)\.?\s+)?[a-z'-]+"
_NOT_ASKED_FOR = re.compile(
    rf"\b(?:usually|normally|always|regularly|typically|often|used to)\s+(?:see|sees|seeing|go to|goes to|have|has"
    rf"|had|saw|book|booked|get)\s+(?:with\s+)?{_DR}"
    rf"|\b(?:my|his|her|their|our)\s+(?:[a-z]+\s+){{0,2}}?(?:sees|has|is with|goes to|went to|saw|is seeing)\s+{_DR}"
    rf"|{_DR}\s+(?:is|'s)\s+(?:the\s+|my\s+|his\s+|her\s+|our\s+|their\s+)?(?:kids'?|children's|[a-z]+'s|usual"
    r"|regular|family|old|other)\s+(?:doctor|dr|gp|one|physician)"
    # the doctor of a visit the caller already has: "I have my check-up Thursday with Dr Patel; could
    # Dr Chen also see me the same day?"
    r"|\b(?:i have|i've got|i have got|i got|i'm booked for|there's)\s+(?:a|an|the|my)\s+(?:[a-z]+\s+)?"
    r"(?:appointment|appt|check ?up|visit|physical|follow ?up|booking)\s+(?:[a-z0-9:]+\s+){0,3}?with\s+"
    rf"{_DR}(?=.*\b(?:also|too|as well|another|second|extra|same day)\b)"
    # "He's already seeing Dr. Chen later this week. Could he also see Dr. Patel ...": a visit they have
    rf"|\b(?:he's|she's|i'm|we're|they're|he is|she is|i am|we are|they are)\s+(?:already\s+|also\s+)?"
    rf"(?:seeing|booked (?:in )?with|scheduled with|down (?:for|with))\s+{_DR}"
    # "dr patel tues at 11:30, separate from my chen one", "besides my dr chen appointment"
    r"|\b(?:separate from|apart from|besides|as well as|in addition to|on top of|not|other than)\s+(?:my|his|her|the)\s+"
    rf"{_DR}\s+(?:one|appointment|appt|visit|check ?up|booking)\b"
)
# the doctor of a visit the caller already has, said before another is asked for
_ALREADY_WITH = re.compile(
    rf"\b(?:already|i've got|i have got)\s+(?:have\s+|got\s+|see\s+)?(?:one|an? appointment|a visit|my [a-z]+)\s+"
    rf"(?:[a-z0-9:]+\s+){{0,3}}?with\s+{_DR}"
)
_TAKEN_BACK = re.compile(
    r"\b(?:scratch that|forget that|strike that|no wait|on second thoughts?|actually no)\b"
)
_CORRECTION_WORD = re.compile(
    r"\b(?:no|sorry|actually|wait|i mean|i meant|rather|instead|make that|make it)\b"
)
# Speech recognition mishears surnames ("doctor patil", "dr chan"): a word right after "dr" or
# "doctor" this close to a provider's surname (difflib ratio) names that provider.
_FUZZY_CUTOFF = 0.74


# "the last slot of the day", "first thing": the edge of a day (`moments`), not a place in a list
_NOT_A_POSITION = (
    r"(?!\s+(?:thing|(?:appointment|slot|time|one|opening|spot)s?\s+(?:of|in|on)\s+(?:the|that)\s+"
    r"(?:day|morning|afternoon)"
    # "what's her last slot that day?", "the last appointment she has": the day's, not an offered one
    r"|(?:appointment|slot|time|opening|spot)s?\s+(?:that|she|he|they|you|dr|doctor|of|for)\b"
    # "the very last one he has that day", "the earliest one she's got": the day's, not an offered one
    # (but "the first one you've got": of those the agent just named)
    r"|one\s+(?:(?:she|he|they)(?:'s|'ve)?\s+(?:has|have|got|can do)|(?:that|the)\s+day)\b))"
)


# "two things. first, ... and second, my check-up ...": counting what the caller asks, not a position
_ENUMERATING = re.compile(
    r"(?:^|[.!?;]\s*|\b(?:and|then|so|ok|okay|now)\s+)(?:the\s+)?(?:first|second|third|1st|2nd|3rd)(?:ly)?"
    r"(?:\s*,|\s+(?:of all|off|thing|things)\b)"
)


_EARLIER_OR_LATER_OFFERED = re.compile(
    r"\b(?:the )?(earlier|sooner|later) (?:one|of (?:those|these|them|the two|the 2|both)|time|slot)\b"
    r"|\bwhichever(?:'s| is|s)? (earlier|earliest|sooner|first|later|latest|last)\b"
)


def pick_by_position(text: str, count: int) -> int | None:
    text = _ENUMERATING.sub(" ", text)
    if count == 3 and re.search(r"\b(?:the )?middle(?: one| option| time)?\b", text):
        return 1  # "the middle one" of three
    if (in_time := _EARLIER_OR_LATER_OFFERED.search(text)) is not None:
        # "the earlier of those", "the later one", "whichever's earlier": the first or the last offered
        said = in_time.group(1) or in_time.group(2)
        return 0 if said in ("earlier", "earliest", "sooner", "first") else count - 1
    m = re.search(r"\b(1st|2nd|3rd|first|second|third|last|latter|former|earliest)\b" + _NOT_A_POSITION, text)
    if m:
        index = _POSITIONS[m.group(1)]
        index = index if index >= 0 else count - 1
        return index if index < count else None
    m = re.search(r"\b(?:number|option|#)\s*(\d)\b|^\s*(\d)\s*[.!]?\s*$", text)
    if m:
        index = int(m.group(1) or m.group(2)) - 1
        return index if 0 <= index < count else None
    return None


def _weekday_in(text: str) -> int | None:
    for i, name in enumerate(WEEKDAYS):
        if re.search(rf"\b{name}\b", text):
            return i
    return None


def position_against_time(text: str, when: When, offered: list[Slot]) -> bool:
    """ "The second one, the 11:30" when the second time offered is 12 and 11:30 is another: the
    place and the time said name two different options, so which one is meant isn't clear."""
    # ("three o'clock on the first then": the 1st is the day, no place in the list)
    index = pick_by_position(_ON_THE_NTH.sub(" ", text), len(offered)) if when.at is not None else None
    if index is None or _times_of_their_own(when, offered):
        return False
    at_time = [x for x in offered if x.start.time().replace(tzinfo=None) == when.at]
    return bool(at_time) and offered[index] not in at_time


_ON_THE_NTH = re.compile(r"\b(?:on|for) the (?:\d{1,2}(?:st|nd|rd|th)|first|second|third|fourth|fifth)\b")


def _times_of_their_own(when: When, offered: list[Slot]) -> bool:
    """ "Thursday the 23rd, 10 or 11, the earlier one's fine" to Monday's times: another day, or
    times the caller names themselves, so "the earlier one" is of theirs, not of those offered."""
    days = {x.start.date() for x in offered}
    return (when.start is not None and when.start not in days) or len(when.options) > 1


# "whatever is closest to 5 then": the time said is a mark among those offered, not one asked for
_CLOSEST_TO = re.compile(r"\b(?:closest|nearest|close as (?:possible|you can get|you've got)) to\b")


def _closest_offered(when: When, offered: list[Slot]) -> Slot | None:
    """The offered time nearest the hour said, of one day (the earlier of two as near: "closest to
    5" of 4:30 and 5:30 is before it); None when the offers span days and no day was said."""
    if when.at is None:
        return None
    days = {x.start.date() for x in offered}
    on_day = [x for x in offered if when.start is None or x.start.date() == when.start]
    if not on_day or (when.start is None and len(days) > 1):
        return None
    minutes = when.at.hour * 60 + when.at.minute
    return min(on_day, key=lambda x: (abs(x.start.hour * 60 + x.start.minute - minutes), x.start))


def pick_slot(text: str, when: When, offered: list[Slot]) -> Slot | None:
    """The offered slot the caller chose, or None when it isn't clear which one."""
    if not offered or position_against_time(text, when, offered):
        return None
    if _CLOSEST_TO.search(text) and (closest := _closest_offered(when, offered)) is not None:
        return closest
    if when.at is not None and re.fullmatch(r"\W*\d{1,2}\W*", text):
        # a bare "2" is 2 PM when 2 PM is on offer, otherwise the second option
        at_time = [s for s in offered if s.start.time().replace(tzinfo=None) == when.at]
        if len(at_time) == 1:
            return at_time[0]
    index = pick_by_position(text, len(offered))
    times = {x.start.time().replace(tzinfo=None) for x in offered}
    days = {x.start.date() for x in offered}
    if (
        index is not None
        # "the 2nd" after a list is its second; "thursday the 2nd" with other days offered is a date
        and not (
            when.start is not None
            and (
                _means_a_date(text)
                or (when.start not in days and (_weekday_in(text) is not None or _A_DAY_WORD.search(text)))
            )
        )
        and not (when.at is not None and when.at not in times)  # "the last of those, the 11": 11
    ):
        return offered[index]
    candidates = offered
    if when.at is not None:
        candidates = [s for s in candidates if s.start.time().replace(tzinfo=None) == when.at]
    if when.start is not None:
        candidates = [s for s in candidates if s.start.date() == when.start]
    elif (weekday := _weekday_in(text)) is not None:
        candidates = [s for s in candidates if s.start.weekday() == weekday]
    if when.at is None and when.start is None and _weekday_in(text) is None:
        by_provider = [s for s in offered if mentions_provider(text, s.provider_name)]
        return by_provider[0] if len(by_provider) == 1 else None
    return candidates[0] if len(candidates) == 1 else None


# "the earliest you've got tomorrow": a day named with the position, not among those offered
_A_DAY_WORD = re.compile(r"\b(?:today|tomorrow|tmrw|next week|this week|the day after)\b")


def _means_a_date(text: str) -> bool:
    """'no, I meant the 1st' is a day of the month; 'the first' after a list is the first of it."""
    return re.search(r"\b(meant|mean|actually|instead|not|no|on the|make it|how about)\b", text) is not None


def pick_appointment(text: str, when: When, appointments: list[Appointment]) -> Appointment | None:
    """The appointment the words point at ("the one on friday", "with dr chen", "the second"),
    or None when they point at none or several (the planner itself assumes a lone appointment)."""
    index = pick_by_position(text, len(appointments))
    if index is not None:
        return appointments[index]
    if (in_time := EARLIER_OR_LATER.search(text)) is not None and len(appointments) >= 2:
        ordered = sorted(appointments, key=lambda a: a.start)  # "the earlier of the two", "the later one"
        return ordered[0] if in_time.group(1) in ("earlier", "earliest", "sooner", "older") else ordered[-1]
    if (called := _ONE_CALLED.search(text)) is not None:
        # "the Chen one" (and not Dr Patel, whom "I'll just see"), "the vaccination one"
        word = called.group(1)
        named = [
            a
            for a in appointments
            if mentions_provider(word, a.provider_name) or word in (a.reason or "").lower()
        ]
        if len(named) == 1:
            return named[0]
    candidates = appointments
    if when.start is not None:
        last = when.end or when.start
        candidates = [a for a in candidates if when.start <= a.start.date() <= last]
    elif (weekday := _weekday_in(text)) is not None:
        candidates = [a for a in candidates if a.start.weekday() == weekday]
    named = [a for a in candidates if mentions_provider(text, a.provider_name)]
    if not named:  # "my appointment with doctor chin", "Dr. Rodriquez": as heard
        named = [a for a in candidates if _heard_as(text, a.provider_name)]
    if named:
        candidates = named
    if candidates is appointments:
        return None
    return candidates[0] if len(candidates) == 1 else None


# one of several visits by its place in time: "the earlier of the two", "the later one"
EARLIER_OR_LATER = re.compile(
    r"\b(earlier|later|earliest|latest|older|sooner) (?:one|of the (?:two|three|2|3)|appointment|visit)\b"
)
_ONE_CALLED = re.compile(r"\bthe (?:dr\.? |doctor )?([a-z]+)(?:'s)? (?:one|appointment|appt|visit|booking)\b")
_DOCTOR_NAMED = re.compile(r"\b(?:dr|doctor|dra)\.?\s+([a-z][a-z'-]+)")
_NOT_A_DOCTORS_NAME = {
    "appointment",
    "appt",
    "visit",
    "office",
    "s",
    "about",
    "for",
    "on",
    "at",
    "the",
    "a",
    "and",
}


def points_elsewhere(text: str, when: When, appointment: Appointment) -> bool:
    """The words name a day or a doctor that is not this appointment's ("my Wednesday one", "the
    one with Dr Patel" for a Thursday visit with Dr Chen): a caller who means another one."""
    named_days = {i for i, name in enumerate(WEEKDAYS) if re.search(rf"\b{name}\b", text)}
    if appointment.start.weekday() in named_days:
        return False  # "I can't make Thursday or Friday": one of them is the appointment's
    day = appointment.start.day
    if re.search(rf"\bthe {day}{ordinal_suffix(day)}\b", text):
        return False  # "the appointment on the 24th: he can't make it. Not the 25th either": the 24th
    if when.start is not None and not (when.start <= appointment.start.date() <= (when.end or when.start)):
        return True
    if when.start is None and named_days:
        return True
    names = [m.group(1) for m in _DOCTOR_NAMED.finditer(text) if m.group(1) not in _NOT_A_DOCTORS_NAME]
    return bool(names) and not any(
        mentions_provider(name, appointment.provider_name)
        or _heard_as(f"dr {name}", appointment.provider_name)
        for name in names
    )


def _heard_as(text: str, provider_name: str) -> bool:
    """The words name this doctor as a speech model may write them ("doctor chin" for Chen, "Dr.
    Rodriquez", "Dr. Pay tell"), by the same tests `find_provider` uses for a near miss."""
    return find_provider(text, [Provider(id="-", name=provider_name)]) is not None


def mentions_provider(text: str, provider_name: str) -> bool:
    parts = [
        p.lower() for p in re.findall(r"[A-Za-z'-]+", provider_name) if p.lower() not in ("dr", "doctor")
    ]
    if not parts:
        return False
    surname = parts[-1]
    # ("appt w drchen": typed with no space after the title)
    if re.search(rf"\b(?:dr|doctor)?{re.escape(surname)}\b", text) is not None:
        return True
    # "doctor pat el", "rod riguez": the surname split in two, as a recogniser may write it
    split = "|".join(f"{re.escape(surname[:i])} {re.escape(surname[i:])}" for i in range(2, len(surname) - 1))
    return bool(split) and re.search(rf"\b(?:{split})\b", text) is not None


def _name_parts(provider: Provider) -> list[str]:
    return [w.lower() for w in re.findall(r"[A-Za-z'-]+", provider.name) if w.lower() not in ("dr", "doctor")]


def undecided_between(text: str, providers: list[Provider]) -> tuple[list[str], bool] | None:
    """The doctors named when the words name several and `find_provider` cannot tell which one is
    asked for: their ids, and whether the caller corrected themselves (then which one is asked, as
    guessing would book the wrong doctor); "Dr Chen or Dr Patel" is either of them."""
    text = _NOT_THIS_ONE.sub(" ", text)
    named = [p.id for p in providers if mentions_provider(text, p.name)]
    if len(named) < 2:
        return None
    return named, _CORRECTION_WORD.search(re.sub(r"\bor rather\b", "sorry", text)) is not None


def find_provider(text: str, providers: list[Provider]) -> Provider | None:
    """The provider named by surname, first name, or a near miss of the surname after "dr"."""
    text = _NOT_THIS_ONE.sub(" ", text)  # "i meant dr patel, not dr chen"
    for p in providers:  # "no not chen, patel": a doctor's surname alone, turned down
        surname = re.escape(p.name.split()[-1].lower())
        text = re.sub(rf"\b(?:not|instead of|rather than|in place of) (?:with )?{surname}\b", " ", text)
    named = [p for p in providers if mentions_provider(text, p.name)]
    if (
        len(named) == 1
        and (aside := _ALREADY_WITH.search(text)) is not None
        and mentions_provider(aside.group(0), named[0].name)
    ):
        # "i already have one with doctor patel, this is a separate one, i need doctor chin": the one
        # asked for now, read in the words after, as any near miss is
        other = find_provider(text[aside.end() :], [p for p in providers if p is not named[0]])
        if other is not None:
            return other
    if len(named) == 1:
        return named[0]
    if len(named) > 1 and (back := _TAKEN_BACK.search(text)) is not None:
        # "Dr Chen on Thursday at 10. Actually, scratch that, I always see Dr Patel": the one after
        after = [p for p in named if mentions_provider(text[back.end() :], p.name)]
        if len(after) == 1:
            return after[0]
    if len(named) > 1:
        # "I usually see Dr Patel but this time Dr Rodriguez", "my husband sees Dr Patel", "Rodriguez
        # is the kids' doctor": a doctor named as the usual one or someone else's is not asked for
        asked = [p for p in named if mentions_provider(_NOT_ASKED_FOR.sub(" ", text), p.name)]
        if len(asked) == 1:
            return asked[0]
    if len(named) > 1 and (switched := _SWITCH_TO.search(text)) is not None:
        # "my appointment with Dr Chen ... could I switch it to Dr Patel instead": the one it goes to
        to = [p for p in named if mentions_provider(switched.group("to"), p.name)]
        if len(to) == 1:
            return to[0]
    if len(named) > 1 and (instead := _SEE_INSTEAD.search(text)) is not None:
        to = [p for p in named if mentions_provider(instead.group(0), p.name)]
        if len(to) == 1:
            return to[0]
    if len(named) > 1 and (wanted := _WANTED.search(text)) is not None:
        # "I already see Dr Patel, but I also need Dr Chen": the one the caller asks for now
        after = [p for p in providers if mentions_provider(text[wanted.end() :], p.name)]
        if len(after) == 1:
            return after[0]
    if len(named) > 1:
        # "dr patel, no sorry, dr chen": the doctor named after the last correction that names one
        # ("dr chen at 1:30? actually is dr patel free then instead, i'd rather see her")
        for fix in reversed(list(_CORRECTION_WORD.finditer(text))):
            after = [p for p in providers if mentions_provider(text[fix.end() :], p.name)]
            if len(after) == 1:
                return after[0]
            # "sorry, I mean Dr Patel, Rodriguez is the kids' doctor": the first clause after the
            # correction that names one doctor (and no "or") is the one asked for
            for clause in re.split(r"[,;.!?]|\s[-–—]+\s", text[fix.end() :]):
                said = [p for p in providers if mentions_provider(clause, p.name)]
                if said:
                    if len(said) == 1 and not re.search(r"\bor\b", clause):
                        return said[0]
                    break
    if len(named) > 1:
        return None  # "dr patel or dr chen": which one is a question, not a guess
    by_first = [
        p
        for p in providers
        if len(_name_parts(p)) >= 2 and re.search(rf"\b{re.escape(_name_parts(p)[0])}\b", text)
    ]
    if len(by_first) == 1:
        return by_first[0]
    by_specialty = [p for p in providers if _mentions_specialty(text, p.specialty)]
    if len(by_specialty) == 1:
        return by_specialty[0]
    # overlapping ("with dr. chin": both "dr" after "with" and "chin" after "dr")
    after_title = [
        w for w in re.findall(r"(?=\b(?:dr|doctor|with)\.?\s+([a-z'-]+))", text) if w not in _PLAIN_WORDS
    ]
    surnames = {_name_parts(p)[-1]: p for p in providers if _name_parts(p)}
    for word in after_title:
        # "Dr. Ro", "Dr. Pat": the start of one doctor's surname is that doctor (never another's by
        # sound)
        starting = [p for name, p in surnames.items() if len(word) >= 2 and name.startswith(word)]
        if len(starting) == 1:
            return starting[0]
    for letter in re.findall(r"\b(?:dr|doctor)\.?\s+([a-z])\b", text):
        # "w dr p fri 9:30am": a texter's initial, when one doctor's surname starts with it
        starting = [p for name, p in surnames.items() if name.startswith(letter)]
        if len(starting) == 1:
            return starting[0]
    for word in after_title:
        close = difflib.get_close_matches(word, list(surnames), n=2, cutoff=_FUZZY_CUTOFF)
        if len(close) == 1:
            return surnames[close[0]]
    # Vowels are what a small speech model gets wrong most ("doctor petals" for Patel): the same
    # consonants in the same order, and nobody else's, name that provider.
    for word in after_title:
        sounds = [
            p
            for name, p in surnames.items()
            if len(_consonants(name)) >= 3 and _consonants(name) == _consonants(word)
        ]
        if len(sounds) == 1:
            return sounds[0]
    # ... and a voiced consonant for an unvoiced one ("doctor battle" for Patel, "doctor jen"), the
    # same test with b/p, d/t, g/k, v/f, z/s, j/ch read alike
    for word in after_title:
        sounds = [
            p
            for name, p in surnames.items()
            if len(_consonants(name)) >= 3 and _unvoiced(_consonants(name)) == _unvoiced(_consonants(word))
        ]
        if len(sounds) == 1:
            return sounds[0]
    # A surname heard as two words ("Dr. Pay tell" for Patel): the two joined, the same test
    for first, second in re.findall(r"\b(?:dr|doctor)\.?\s+([a-z]{2,})\s+([a-z]{2,})\b", text):
        joined = first + second
        close = difflib.get_close_matches(joined, list(surnames), n=2, cutoff=_FUZZY_CUTOFF)
        sounds = [
            p
            for name, p in surnames.items()
            if len(_consonants(name)) >= 3 and _consonants(name) == _consonants(joined)
        ]
        if len(close) == 1 and sounds == [surnames[close[0]]]:
            return sounds[0]
        # "doctor rod regis" for Rodriguez: the same consonants but for an s or z sound at the end
        alike = [
            p
            for name, p in surnames.items()
            if len(_hiss_free(name)) >= 4 and _hiss_free(name) == _hiss_free(joined)
        ]
        if len(alike) == 1:
            return alike[0]
    # Whole words after the title, by spelling and sound ("doctor rod regus" for Rodriguez):
    # taken only when sure and well ahead of every other doctor.
    for m in re.finditer(r"\b(?:dr|doctor)\.?\s+((?:[a-z'-]+\s*){1,3})", text):
        if m.group(1).split()[0] in _PLAIN_WORDS:
            continue
        guess = closest(m.group(1), [ways_to_say_doctor(p.name)[:1] for p in providers])
        if guess is not None and guess.sure:
            return providers[guess.index]
    return None


# words said after "doctor" that name nobody ("the lady doctor then", "a doctor when"): no near miss
_PLAIN_WORDS = {
    "then", "than", "when", "and", "the", "that", "this", "there", "please", "is", "was", "on", "at", "in",
    "for", "or", "so", "too", "today", "tomorrow", "next", "who", "which", "what", "said", "says", "thing",
    "visit", "appointment", "again", "soon", "asap", "now", "one", "it", "if", "about", "but", "as", "to", "me",
    # "the doctor lady", "doctor man": who, not a name misheard
    "lady", "woman", "female", "man", "male", "guy", "gentleman", "girl", "lady's", "man's",
}  # fmt: skip


def _hiss_free(word: str) -> str:
    """The consonants of `word` without a final s or z sound ("rdrg" for "rodriguez", "rodregis")."""
    return _consonants(word).rstrip("sz")


_VOICED = str.maketrans("bdgvzj", "ptkfsc")


def _unvoiced(consonants: str) -> str:
    """ "ptl" for "btl": voiced consonants as their unvoiced pairs, doubles once."""
    return re.sub(r"(.)\1+", r"\1", consonants.translate(_VOICED))


def _consonants(word: str) -> str:
    """'ptl' for "patel", "petals", "pottle": the first letter, then the consonants, doubled
    letters once, without a trailing plural or possessive s."""
    word = re.sub(r"'?s$", "", word) if len(word) > 4 else word
    if not word:
        return ""
    rest = re.sub(r"[aeiouy'-]", "", word[1:])
    return re.sub(r"(.)\1+", r"\1", word[0] + rest)


def _titled_strangers(text: str, providers: list[Provider]) -> Iterator[re.Match[str]]:
    """Each doctor's title before a word that may be a name and is no part of our doctors' names."""
    from agents.offline.names import CALENDAR_WORDS, NOT_NAMES

    ours = {part for p in providers for part in _name_parts(p)}
    for m in _TITLED.finditer(text):
        word = m.group(1)
        if word not in NOT_NAMES and word not in CALENDAR_WORDS and len(word) > 2 and word not in ours:
            yield m


def another_doctor_unheard(text: str, providers: list[Provider]) -> bool:
    """A doctor's title before a word that is none of ours, beside one that is ("Dr. Kim and Dr.
    Priya" for "Dr. Chen on Thursday"): on a bad line, which one was meant is not known."""
    for m in _titled_strangers(text, providers):
        if "'" in m.group(1):
            continue  # ("the kids doctor isn't she": no name)
        after = re.match(r"\s+[a-z][a-z'-]+", text[m.end() :])
        if find_provider(f"dr {m.group(1)}{after.group(0) if after else ''}", providers) is not None:
            continue  # "doctor rod regas", "doctor rod riguez": ours, as a recogniser writes it
        return True
    return False


def unknown_doctor(text: str, providers: list[Provider]) -> str | None:
    """'Smith' in "with dr smith" when no provider is called anything like that ("a doctor
    january 25th", from two turns, names no one)."""
    if not providers or find_provider(text, providers) is not None:
        return None
    word = next((m.group(1) for m in _titled_strangers(text, providers)), None)
    return word[:1].upper() + word[1:] if word is not None else None


# What callers call a specialty in everyday words, by the specialty's stem
_SPECIALTY_WORDS = {
    "pediat": r"kids\W*doctor|children\W*s? doctor|child(?:ren\W*s?)? specialist|baby doctor|doctor for (?:kids|children)",
    "family": r"family (?:doctor|physician|medicine|practice|practitioner|dr)|\bgp\b|general practi",
    "intern": r"internist",
    "obstet": r"\bob\b|ob-?gyn",
    "gyneco": r"ob-?gyn|women'?s health",
    "dermat": r"skin doctor|skin specialist",
    "cardio": r"heart doctor|heart specialist",
}


def _mentions_specialty(text: str, specialty: str | None) -> bool:
    """ "the pediatrician" for Pediatrics, "an internist" for Internal medicine: word stems;
    British spellings ("paediatrician", "gynaecologist") and everyday words ("the kids' doctor")."""
    stems = [
        w[:6] for w in re.findall(r"[a-z]+", (specialty or "").lower()) if len(w) >= 5 and w != "medicine"
    ]
    plain = re.sub(r"(?<=[a-z])(ae|oe)(?=[a-z])", "e", text)  # paediatric, gynaecology, oesophagus
    for stem in stems:
        phrase = _SPECIALTY_WORDS.get(stem)
        if phrase is not None and re.search(phrase, text):
            return True
        # "family" and "general" are everyday words ("for my family"): only in their phrases
        if stem not in _EVERYDAY and re.search(rf"\b{re.escape(stem)}", plain):
            return True
    return False


_EVERYDAY = {"family", "genera"}


# "Dr Smith", but not "which doctor whoever is free" or "any doctor really": there the word is no title
_TITLED = re.compile(
    r"(?<!\bwhich )(?<!\bany )(?<!\bwhat )(?<!\bwhichever )(?<!\bthe )(?<!\ba )(?<!\bother )"
    r"\b(?:dr|doctor)\.?\s+([a-z][a-z'-]+)"
)


# a doctor's title before a word that is not their name: "the doctor lady", "doctor man"
_DOCTOR_WHO = (
    r"(?:lady|woman|man|guy|gentleman|female|male|lady's|man's"
    # "which doctor it's with", "the doctor is", "a doctor who": no name after the title
    r"|it|it's|its|is|was|he|she|he's|she's|they|we|i|you|that|this|the|a|an|and|or|but|for|to|with|on|at|in"
    r"|who|which|whose|said|says|visit|appointment|office|again|please|though|honestly|too|as|if|then|so)\b"
)
DOCTOR_BY_NAME = re.compile(rf"\b(?:dr|doctor)\.?\s+(?!{_DOCTOR_WHO})[a-z]")


def names_a_doctor(text: str) -> bool:
    """A doctor's title before a word that may be their name ("dr patel", "doctor smith")."""
    return _TITLED.search(text) is not None


# what follows "any of them" when it asks about times: a bound, a part of the day or a clock time
_TIMES_ASKED_OF = re.compile(
    r"\s*(?:(?:is|are|be|free|open|available|left|going|to|that's|that are|that is)\s+){0,3}"
    r"(?:after|before|past|later|earlier|until|till|til|by|around|from|at\s+\d|\d"
    r"|in the (?:morning|afternoon|evening)|(?:this|that) (?:morning|afternoon|evening)|mornings?\b|afternoons?\b"
    r"|evenings?\b|noon|lunch)"
)


def wants_any_provider(text: str) -> bool:
    said = _ANY_PROVIDER.search(text)
    if (
        said is not None
        and re.match(r"either (?:one|of them)", said.group(0))
        and _weekday_in(text) is not None
    ):
        return False  # "a tuesday or thursday afternoon, either one": either day, not any doctor
    if (
        said is not None
        and re.match(r"any ?of them", said.group(0))
        and _TIMES_ASKED_OF.match(text[said.end() :])
        and (
            re.search(r"\b(?:are|is|were|if|whether)\s+$", text[: said.start()])
            or "?" in re.split(r"[.!;]", text[said.end() :])[0]
        )
    ):
        # "are any of them after 3?", "any of them in the afternoon?": a limit asked of the times
        # just offered (the doctor and day stay), not any doctor ("any of them at 3 tomorrow" to
        # "which doctor?" is any doctor)
        return False
    if said is not None and re.match(
        r"\s*(?:(?:doctor|dr|one|provider) )?(?:(?:that|who) )?(?:does|do|sees|handles|practices|covers|specializes in"
        r"|specialises in)\s+"
        r"(?!(?:it|that|this|me|us|him|her|them|appointments?|bookings?)\b)[a-z]",
        text[said.end() :],
    ):
        return False  # "whoever does family medicine": that kind of doctor, not any
    return said is not None


def same_day(a: datetime, b: datetime) -> bool:
    return a.date() == b.date()
