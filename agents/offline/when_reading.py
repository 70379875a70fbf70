"""Reading when the caller wants to come in from one user turn, kept in the scratch (`want`).

For a move, the old appointment's words and the new day's are told apart (`split_reschedule`);
for a cancellation or a listing, the words may only pick one appointment. A time said with words
where a day would be ("next when at 4pm") asks the day; `reading.read_turn` calls it.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any

from agents.offline import anchored, keeping, moments, wanted
from agents.offline.calendar_words import MONTHS, WEEKDAYS, safe_date
from agents.offline.choices import DOCTOR_BY_NAME
from agents.offline.date_relations import relative_dates
from agents.offline.dates import When, day_of_month, day_phrases, find_when
from agents.offline.followups import (
    NEXT_TO_IT,
    SAME_DAY_WORDS,
    minutes_from_it,
    next_to_it,
    on_that_day,
    the_new_request,
)
from agents.offline.intents import Intent, names_a_visit_they_have
from agents.offline.numbers import normalize
from agents.offline.recent import (
    NAMES_ONE_OF_THEM,
    just_cancelled_start,
    just_written_day,
    just_written_start,
    last_reply,
)
from agents.offline.shifts import shift_of, side_of
from agents.planner import PlanContext

# (not the dots of a pause: "monday the 9th... the 9th, yes, monday, at 11")
_SENTENCE_END = re.compile(r"(?<!\bdr)(?<!\bmr)(?<!\bmrs)(?<!\bms)(?<!\.)[.?!:](?=\s|$)")


# a form filled in: "Current: Friday July 2, 10am, Dr Patel / Preferred: same day, 1:30pm"
_HAVE_LABEL = re.compile(
    r"\b(?:current(?:ly)?|now|existing|original|old|booked)(?: (?:appointment|appt|time|slot|booking|date))?\s*:"
)
_WISH_LABEL = re.compile(
    r"\b(?:preferred|prefer|wanted|new|requested|desired|change to|move to)"
    r"(?: (?:appointment|appt|time|slot|booking|date|day))?\s*:"
)
_NEXT_LABEL = re.compile(r"\b(?:name|dob|date of birth|phone|reason|notes?|thanks|thank you)\b\s*[:!,.]?")


def _labelled(text: str) -> tuple[str, str | None] | None:
    """(the visit they have, the wish) when the caller labels them ("Current: ..." / "Preferred:
    ..."), whatever order they come in; None when the text has no such labels."""
    have, wish = _HAVE_LABEL.search(text), _WISH_LABEL.search(text)
    if have is None or wish is None:
        return None
    if have.start() < wish.start():
        theirs, wished = text[: wish.start()], text[wish.end() :]
    else:  # "Preferred: ... Current: ...": the wish first
        theirs, wished = text[: wish.start()] + text[have.start() :], text[wish.end() : have.start()]
    if (other := _NEXT_LABEL.search(wished)) is not None:
        wished = wished[: other.start()]  # "... 1:30pm Thanks!": the wish ends where another field starts
    return theirs, wished.strip(" ,.") or None


def split_reschedule(text: str, now: datetime) -> tuple[str, str | None]:
    """'move my thursday appointment to friday at 3' -> ('move my thursday appointment', 'friday at 3').

    The new day follows the last "to/for/until" that has a day or time after it and no
    "appointment" (that "to" belongs to "I need to move my appointment on thursday")."""
    text = _on_their_day(text, now)
    if (labelled := _labelled(text)) is not None:
        return labelled
    markers = (
        r"\b(to|for|until|till|into|how about|what about|make it|make that|make this|put (?:it|that|this)|(?:can|could) (?:we|you|i|he|she|they) (?:do|have|get|come(?: in)?)"
        r"|(?:can|could|would|will) (?:it|that|this|he|she) (?:be|go|happen)(?! (?:moved|changed|pushed|shifted|bumped|brought|put|made|rescheduled|switched|swapped)\b)|(?:(?:that|the) )?same day"
        # "can we do the friday one earlier, like thursday": the day said as the example
        r"|(?:earlier|later|sooner),? (?:like|say|maybe|perhaps)"
        # "... she has to work that afternoon. so we'd need the morning of friday": the day asked for it
        r"|(?:we|i|he|she|they)(?:'d| would) (?:need|prefer|want))\b"
    )
    for m in reversed(list(re.finditer(markers, text))):
        if (
            m.group(1) in ("to", "till")
            and re.search(r"\b(?:quarter|half|\d{1,2}|ten|twenty|five)\s+$", text[: m.start()])
            # ("move it from 10 to 9": the old time, then the new)
            and not re.search(r"\bfrom\s+\d{1,2}(?::\d\d)?(?:\s*[ap]m)?\s+$", text[: m.start()])
        ):
            continue  # "tomorrow at quarter to 3": a time, not where the appointment goes
        if m.group(1).endswith("same day") and _time_goes_with_it(text, m):
            continue  # "can I make it 1:30 the same day": the time said with it is new too
        if m.group(1) == "for" and (
            _BOOKED_FOR.search(text[: m.start()]) or _REMINDED_FOR.search(text[: m.start()])
        ):
            # "lucas is down for dr rodriguez next tuesday", "a reminder text for monday": the
            # appointment they have
            continue
        after = text[m.end() :]
        # "... to tomorrow at 10:30 if dr chen is free": the condition is not part of the new time
        # ... and who the caller is after it ("... same day at 11 my date of birth is ...")
        after = re.split(
            r"\b(?:if|as long as|provided|assuming|because|since|unless|my date of birth|date of birth|my dob"
            r"|my birthday|i was born|my name is|my name's|the name is|(?:his|her|their) name(?: is|'s)"
            r"|(?:he|she) was born)\b",
            after,
        )[0]
        after = _that_sentence(after)  # "... say 4 o'clock? his dob is ...": that sentence
        if re.search(
            # ("... actually 10, 10 is better": the time judged, no visit described)
            # ("need to reschedule thursday's appt": that "to" is not where the visit goes)
            r"\b(appointments?|appts?|my(?! (?:shift|work|job|class|lunch|school|meeting))|it's"
            r"|is(?! (?:better|fine|good|great|perfect|ideal|best|ok|okay|lovely|possible)\b))\b",
            after,
        ):
            continue
        said = find_when(after, now)
        if not said.empty and (said.at is not None or find_when(m.group(0) + after, now).at is None):
            return text[: m.start()], after
        if not said.empty:  # "... to 2 instead, same day wednesday": the hour needs its "to"
            return text[: m.start()], m.group(0) + after
        if not find_when(m.group(0) + after, now).empty:  # "bump it to 4 that same day"
            return text[: m.start()], m.group(0) + after
    if (alone := _HOUR_INSTEAD.search(text)) is not None and _of_the_appointment(text[: alone.start()]):
        # "move my friday appointment, at 4 instead": the time that replaces the appointment's
        return text[: alone.start()], text[alone.start() :]
    days = day_phrases(text, now.date())  # a date of birth ("january 30th, 1965") is no day
    # "i meant thursday the 14th at 11, not wednesday": a day said as not wanted is no new day
    wanted_days = [d for d in days if not _NOT_BEFORE.search(text[: d.start()])]
    # "not the 14th, the 15th. Friday at 3": the Friday said is the 15th said, not a day of its own
    dated = {
        when.start.weekday()
        for d in wanted_days
        if (when := find_when(d.group(0), now)).start and re.search(r"\d", d.group(0))
    }
    wanted_days = [
        d
        for d in wanted_days
        if not (d.group(0).strip() in WEEKDAYS and WEEKDAYS.index(d.group(0).strip()) in dated)
    ] or wanted_days
    # "thursday 9/13", "thursday, september 13th": one day said twice over, not a day and a new one
    starts = _one_day_said_twice({find_when(d.group(0), now).start for d in days}, days, now)
    one_day = (
        len(days) >= 2
        and (
            all(re.fullmatch(r"[\s,]*(?:the\s+)?", text[a.end() : b.start()]) for a, b in pairwise(days))
            # "monday at 9 then, monday the 21st": the same day said twice, none of it the visit's
            or not any(_APPOINTMENT_NOUN.match(text, d.end()) for d in days)
        )
        and len(starts) == 1
        and None not in starts
    )
    if one_day and (
        (shift := shift_of(text[days[-1].end() :])) not in (None, (0, 0))
        or (shift is not None and _VISIT_WITH_ON.search(text[: days[0].start()]))
    ):
        # "he has Dr. Rodriguez on Wednesday the 20th. ... can you move it a week later, same time?",
        # "a reminder for Monday ... Monday doesn't work, could we do the day after?": the one day
        # said is the visit's, and the move is said from it ("on Tuesday the 22nd in the afternoon.
        # Can I go earlier that same day?": its part of the day is the visit's too)
        end = days[-1].end()
        end = part.end() if (part := _ITS_PART_OF_DAY.match(text, end)) is not None else end
        return text[:end], text[end:]
    if one_day and (later := _a_new_time_told_after(text, days, now)) is not None:
        # "I'm booked with Dr Chen Tuesday the 2nd at 2:30. Any chance of 10:30 the same morning
        # instead?": the day and time told are the visit's, the time asked after them the new one
        return text[:later], text[later:]
    if one_day:  # the one day said is where it goes, with the time said around it
        return "", text
    if len(days) >= 2 and wanted_days:  # "i can't make it thursday, can we do friday instead"
        last = wanted_days[-1]
        free = [d for d in wanted_days if not _of_the_visit(text, d)]
        if _of_the_visit(text, last) and free:
            # "what's dr patel got on fri? need to move my thurs appt", "10 AM would be better - on
            # Friday the 14th. I mean my appointment on Wednesday the 12th": the other day is new
            new = free[-1]
            noun = _APPOINTMENT_NOUN.match(text, last.end())
            old_end = noun.end() if noun is not None else last.end()
            begins = _sentence_start(text, new.start())
            if _VISIT_WORD.search(text[begins : new.start()]):
                begins = new.start()  # the time said before the new day, in its sentence, goes with it
            old_start = last.start()
            for d in days:  # "wednesday the 12th": the weekday said with it is the old day too
                if d.end() <= old_start and re.fullmatch(r"[\s,]*", text[d.end() : old_start]):
                    old_start = d.start()
            old = text[:begins] + " " + text[old_start:old_end]
            return old, text[begins:old_start] + " " + text[old_end:]
        start = last.start()
        sentence = _sentence_start(text, start)
        if (
            sentence > 0
            and not _VISIT_WORD.search(text[sentence:start])
            and not any(
                sentence <= d.start() < start and _APPOINTMENT_NOUN.match(text, d.end()) for d in days
            )
        ):
            start = sentence  # "... move my friday appointment. is 2 or 2:30 free on monday the 26th?"
        return text[:start], text[start:]
    return text, None


# the visit told as the caller has it: "I'm booked with Dr Chen", "he's down for", "I have an appointment"
_VISIT_TOLD = re.compile(
    r"\b(?:i'm|i am|he's|he is|she's|she is|we're|we are|they're|they are|i've been|he's been|she's been)"
    r" (?:booked|scheduled|down|pencil+ed in|in)\b"
    # (not "can I have an appointment ...", "could I get one": one asked for, not had)
    r"|\b(?<!\bcan )(?<!\bcould )(?<!\bmay )(?<!\bmight )(?<!\bwill )(?<!\bwould )(?<!\bshall )(?<!\bshould )"
    r"(?:i|he|she|we|they)(?:'ve| have| has|'s)?(?: got)? (?:an? |my |his |her |the )?(?:appointment|appt|visit"
    r"|booking|check ?up)\b|\b(?:my|his|her|our|their) (?:appointment|appt|visit|booking|check ?up)\b"
)


def _a_new_time_told_after(text: str, days: list[re.Match[str]], now: datetime) -> int | None:
    """Where the sentences asking a new time begin, when the one day said is told as the visit's
    ("I'm booked ... Tuesday the 2nd at 2:30.") and the sentences after it ask a time and no day
    ("Any chance of 10:30 the same morning instead?"); None otherwise."""
    begins = _sentence_start(text, days[0].start())
    if _VISIT_TOLD.search(text[begins : days[0].start()]) is None:
        return None
    ends = next((m.end() for m in _SENTENCE_END.finditer(text, days[-1].end())), None)
    if ends is None:
        return None
    after = text[ends:]
    if day_phrases(after, now.date()) or find_when(after, now).at is None:
        return None
    return ends


# the part of the day of the visit's day, said right after it
_ITS_PART_OF_DAY = re.compile(r",?\s+(?:in the|that|this) (?:morning|afternoon|evening)\b")


# a relative's visit told as the reason of a move ("my wife has her appointment here on friday the
# 15th, so ..."), to the next stop or "so"
_THEIR_VISIT_TOLD = re.compile(
    r"\bmy (?:husband|wife|partner|son|daughter|mum|mom|mother|dad|father)(?: [a-z]+)? (?:has|has got|'s got"
    r"|is seeing|sees|is booked)\b[^.;!?]*?(?=,? so\b|[.;!?]|$)"
)
# ... and the caller's visit moved to its day: "to the same day as hers"
_SAME_DAY_AS_THEIRS = re.compile(
    r"\b(?:the )?same day as (?:hers|his|theirs|hers is|his is|her (?:appointment|visit|one)|his (?:appointment"
    r"|visit|one)|my (?:husband|wife|partner|son|daughter|mum|mom|mother|dad|father)'s(?: (?:appointment|visit|one))?)\b"
)


def _on_their_day(text: str, now: datetime) -> str:
    """ "my wife has her appointment here on friday the 15th, so i'd like to move my dr. chen
    appointment to the same day as hers, at 1 pm": her day written in for "the same day as hers",
    and her visit's words taken out (its day is not the caller's visit)."""
    told, same = _THEIR_VISIT_TOLD.search(text), _SAME_DAY_AS_THEIRS.search(text)
    if told is None or same is None or same.start() < told.end():
        return text
    days = day_phrases(told.group(0), now.date())
    if not days:
        return text
    day = told.group(0)[days[0].start() : days[-1].end()]
    return f"{text[: told.start()]}{text[told.end() : same.start()]}{day}{text[same.end() :]}"


def _one_day_said_twice(
    starts: set[date | None], days: list[re.Match[str]], now: datetime
) -> set[date | None]:
    """ "no, the 13th, sorry. thursday": a bare weekday said with a date on that weekday is that date
    (read alone, "thursday" is the next one)."""
    bare = [d for d in days if _BARE_WEEKDAY.fullmatch(d.group(0))]
    dated = {find_when(d.group(0), now).start for d in days if d not in bare}
    if len(bare) != 1 or len(dated) != 1 or None in dated:
        return starts
    (day,) = dated
    return (
        {day} if day is not None and day.weekday() == WEEKDAYS.index(bare[0].group(0).split()[-1]) else starts
    )


_BARE_WEEKDAY = re.compile(r"(?:on |this |next )?(?:monday|tuesday|wednesday|thursday|friday)")


def _time_goes_with_it(text: str, same_day: re.Match[str]) -> bool:
    """ "can I make it 1:30 the same day", "to 3 instead same day friday": the time said right before
    "same day" is new too; a bare "same day" ("..., same day, at 11") splits only inside a sentence
    that said no time before it (not "Same day, Tuesday the 18th." after the time's sentence)."""
    before = text[: same_day.start()]
    if re.search(r"\d(?::\d\d)?\s*(?:am|pm|o'clock)?\s*(?:instead|then|please|if possible)?[\s,]*$", before):
        return True
    if same_day.group(1).startswith(("that", "the")):
        return False
    sentence = before[_sentence_start(text, same_day.start()) :]
    return not sentence.strip(" ,") or re.search(r"\d", sentence) is not None


_BOOKED_FOR = re.compile(
    r"\b(?:is|am|are|'s|'m|'re|was|were)\s+(?:down|booked(?: in)?|scheduled|pencil+ed in|put down|in)\s+$"
)
_NOT_BEFORE = re.compile(r"\b(?:not|instead of|rather than)\s+(?:on\s+|the\s+)?$")


_VISIT_WORD = re.compile(r"\b(?:appointment|appt|visit|booking|check ?up|one)s?\b")


def _sentence_start(text: str, at: int) -> int:
    """Where the sentence holding position `at` begins (after a real sentence end: "dr." is none)."""
    return max((m.end() for m in _SENTENCE_END.finditer(text, 0, at)), default=0)


_VISIT_ON = re.compile(
    r"\b(?:appointment|appt|visit|booking|check ?up)s?\s+(?:with\s+(?:dr|doctor)\.?\s+[a-z'-]+\s+)?(?:on|for)\s+"
    r"(?:(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday),?\s+)?(?:the\s+)?$"
)

# "he has Dr. Rodriguez on", "I'm seeing Dr. Chen at 2:30 on", "my 2:30 with Dr. Chen on": the
# day said next is the visit's
_VISIT_WITH_ON = re.compile(
    r"\b(?:has|have|'ve got|'s got|got|seeing|with)\s+(?:dr|doctor)\.?\s+[a-z'-]+\s+(?:at\s+\d{1,2}(?::\d\d)?"
    r"(?:\s*[ap]m)?\s+)?(?:on|for)\s+(?:the\s+)?$"
)


def _of_the_visit(text: str, day: re.Match[str]) -> bool:
    """The day names the appointment the caller has ("my thurs appt", "my appointment with Dr Chen
    on Wednesday the 12th"), not where it goes."""
    return (
        _APPOINTMENT_NOUN.match(text, day.end()) is not None
        or _VISIT_ON.search(text[: day.start()]) is not None
    )


def _of_the_appointment(before: str) -> bool:
    """Every day named before "at 4 instead" is the appointment's ("my friday appointment"), not
    the new day ("can it be monday dec 7 at 2 instead?")."""
    days = day_phrases(before)
    return all(_APPOINTMENT_NOUN.match(before, d.end()) for d in days)


_APPOINTMENT_NOUN = re.compile(r"(?:'s)?\s+(?:[a-z]+\s+)?(?:appointment|appt|visit|booking|check ?up|one)\b")
_HOUR_INSTEAD = re.compile(
    r"\bat (?:1[0-2]|[1-9])(?::[0-5]\d)?(?: ?[ap]m)? (?:instead|rather)\b(?! of| than)"
)

# a sentence that takes back what the one before said ("... to Tuesday at 11? No wait, Wednesday")
_TAKES_BACK = re.compile(
    # "... at 9:30? Hmm, no, he has school then. Better 3:30": a "no" of its own, then what is better
    r"^\s*(?:(?:oh|um|uh|er|hmm|ah)\b[\s,]*)*no\b[\s,.!]|^\s*(?:better|rather|preferably)\b"
    r"|^\s*(?:(?:no|oh|um|uh|er|hmm)\b[\s,]*)*(?:actually|no wait|wait|hang on|hold on|sorry|i mean|i meant"
    r"|make (?:it|that)|or rather|rather|scratch that|on second thoughts?|correction)\b"
)


def _that_sentence(text: str) -> str:
    """The first sentence of `text`, with the sentences right after it that correct it."""
    first, *more = _SENTENCE_END.split(text)
    for n, sentence in enumerate(more):
        # "... change for other day? Friday 24th, at the 9 in the morning.": the day comes next
        asked_for = n == 0 and _ANOTHER_DAY.search(first) is not None and day_phrases(sentence)
        # "... to the afternoon. same day, thursday. at 3:30.": more of the same new time
        more_of_it = _ONLY_WHEN_WORDS.fullmatch(sentence.strip()) is not None
        # "... tuesday the 20th instead? or maybe wednesday... no, tuesday, at 10 am.": still deciding
        more_of_it = more_of_it or (
            re.match(r"\s*(?:or|no|not)\b", sentence) is not None
            and bool(day_phrases(sentence) or _ONLY_A_TIME.match(sentence))
        )
        # "... to a morning instead. Is Dr Chen free Tuesday the 21st at 10:30?": where it goes, asked
        more_of_it = more_of_it or (
            n == 0
            and re.match(r"\s*(?:is|are|would|could|can|does|how about|what about)\b", sentence) is not None
            and bool(day_phrases(sentence))
            and not re.search(r"\b(?:appointment|appt|visit|booking)\b", sentence)
        )
        # "... to monday the 14th, in the afternoon? at 2, sorry, half past 2.", "... to monday the
        # 21st? morning's fine, 9:30, or, hmm, actually 10": the time for that day, decided
        # ("... to Tuesday week? Not this coming Tuesday, the one after. 2 pm, ideally.": after more of it)
        more_of_it = more_of_it or (
            _TIME_FIRST.match(sentence) is not None
            and not day_phrases(sentence)
            and not re.search(r"\b(?:appointment|appt|visit|booking|born|birth|dob|name)\b", sentence)
        )
        # "... could it be earlier that day? what has he got in the morning?": the part of the day asked
        more_of_it = more_of_it or (
            n == 0
            and re.match(r"\s*(?:what|anything|does|do|is there|has|have)\b", sentence) is not None
            and re.search(r"\b(?:morning|afternoon)\b", sentence) is not None
            and not re.search(r"\b(?:appointment|appt|visit|booking|born|birth|dob|name)\b", sentence)
        )
        # "... to the week after next? tuesday would suit me, same time.": the day of that week
        more_of_it = more_of_it or (
            n == 0
            and _A_WEEK.search(first) is not None
            and _WEEKDAY_FIRST.match(sentence) is not None
            and not re.search(r"\b(?:appointment|appt|visit|booking|born|birth|dob|name)\b", sentence)
        )
        if not (_TAKES_BACK.match(sentence) or _ONLY_A_TIME.match(sentence) or asked_for or more_of_it):
            break
        if _ONLY_A_TIME.match(sentence) and re.match(r"\s*\d", sentence):
            sentence = f"at {sentence.strip()}"  # "... that day? 3 please": 3 o'clock, as "at 3"
        first = f"{first}. {sentence}"
    return first


# a sentence of day and time words only ("same day, thursday", "at 3:30", "in the afternoon")
_ONLY_WHEN_WORDS = re.compile(
    r"(?:(?:same|that|the|this|next|day|time|at|on|in|around|about|say|instead|please|then|morning|afternoon|am|pm|like|maybe|ideally|preferably|o'clock|noon|midday"
    r"|monday|tuesday|wednesday|thursday|friday|january|february|march|april|may|june|july|august|september"
    r"|october|november|december|\d{1,2}(?::\d\d)?|\d{1,2}(?:st|nd|rd|th))[\s,]*)+[.!?]?"
)
# a sentence that starts with the time or the part of the day ("at 2, sorry, half past 2")
_TIME_FIRST = re.compile(
    # ("... to Friday? And first thing, 9am, if you can.": the time for that day)
    # ("... to Tuesday the 25th? Somewhere between 9 and 10, 9:30 ideally.": the range of times for it)
    r"\s*(?:(?:and|also|oh|so|but|at|say|like|around|maybe|ideally|um|uh|hmm|somewhere|sometime|between"
    r"|(?:1st|first) thing(?: in the morning)?)\W+)*(?:(?:half|quarter) (?:past|to|after) )?"
    r"(?:(?:1[0-2]|[1-9])(?::[0-5]\d)?\s*(?:am|pm|o'clock)?\b|noon\b|midday\b|(?:the )?(?:mornings?|afternoons?)(?:'s| is| are)?\b)"
)
# a week named without its day ("the week after next", "next week"), then the day in a sentence of its own
_A_WEEK = re.compile(r"\bweek\b(?![^.?!]*\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b)")
_WEEKDAY_FIRST = re.compile(
    r"\s*(?:(?:on|maybe|say|ideally|preferably|probably|the|um|uh|hmm|so|and)\W+)*"
    r"(?:monday|tuesday|wednesday|thursday|friday)s?\b"
)
_ANOTHER_DAY = re.compile(r"\b(?:other|another|different|new) (?:day|date|time)\W*$")


# a sentence that only gives the time ("... to the morning? 10 am same day")
_ONLY_A_TIME = re.compile(
    r"^\s*(?:at |say |like |around |maybe |ideally )?(?:(?:half|quarter) (?:past|to|after) )?(?:1[0-2]|[1-9])(?::[0-5]\d)?"
    r"\s*(?:am|pm|o'clock)?"
    r"(?:,?\s+(?:the same day|same day|that day|please|if possible|ideally|if you can|preferably"
    # "... after lunch the same day? 1:30 would be ideal."
    r"|(?:would|'d) (?:be )?(?:ideal|great|perfect|best|better|preferable|good|nice|work|suit me)(?: best| better)?"
    r"|is (?:ideal|best|perfect|better)"
    r"|works best|suits me(?: best| better)?|(?:would|'d) (?:be|suit me|work) better|is better))?\W*$"
)


# "... cancel it and I'll call in January", "I'll ring back next week to rebook": when the caller
# will be in touch, not a day of theirs
_LATER_CONTACT = re.compile(
    r"\b(?:i'll|i will|we'll|we will|i can|i'll just)\s+(?:call|ring|phone|rebook|get back|be in touch|reach out)"
    r"(?:\s+(?:you|back|again|to rebook))*\b[^.?!]{0,40}"
)

# "the lady I spoke to on Monday said ...", "I called last week about ...", "I got a reminder text for
# Monday": when the caller was last in touch (or was reminded), not the visit's day nor a new one
_PAST_CONTACT = re.compile(
    r"\b(?:i|we|she|he)\s+(?:spoke|talked|called|rang|phoned|was told|were told)\b[^.?!,]{0,25}?\b"
    r"(?:on|last|this)\s+(?:monday|tuesday|wednesday|thursday|friday|week|month)\b"
)
_DOCTOR_WANTED = re.compile(
    r"\b(?:rather|prefer to|prefer|like to|want to|wanna|could i|can i) (?:see|have|go with|switch to|be seen by) "
    r"(?:dr|doctor)\.? [a-z'-]+|\b(?:switch|change|move) (?:it |that |this )?(?:over )?to (?:dr|doctor)\.? [a-z'-]+"
)
_REMINDED_FOR = re.compile(r"\b(?:reminder|text|message|email|e-mail|call|letter|notice|confirmation)\s+$")


# "she's seeing Dr. Patel on Wednesday": a visit they have, by its doctor
_SEEING = re.compile(
    r"\b(?:i'm|i am|he's|he is|she's|she is|we're|we are|they're|they are) seeing (?:dr|doctor)\b"
)
# "we are moving to another city next month, so please cancel": when the family moves, not the visit
_MOVING_AWAY = re.compile(
    r"\b(?:we're|we are|i'm|i am|we|i)\s+(?:moving|relocating|leaving)\b[^.;!?,]*?(?=[.;!?,]|\s+so\b|\s+and\b|$)"
)


def read_when(ctx: PlanContext, s: dict[str, Any], rest: str, *, dob_said: bool) -> bool:
    """The day/time asked for (or which appointment is meant) into the scratch; whether any was said."""
    # "the day after memorial day": a date, no shift from the visit
    rest = relative_dates(rest, ctx.now.date())
    if s.get("task") == Intent.CANCEL:
        rest = _MOVING_AWAY.sub(" ", _LATER_CONTACT.sub(" ", rest))
    if s.get("task") in (Intent.CANCEL, Intent.RESCHEDULE):
        rest = _PAST_CONTACT.sub(" ", rest)
    if (
        not ctx.caller.verified
        and s.get("asked") in ("identity", "name", "dob")
        and not (_asks_for_a_day(rest) if dob_said else _plainly_booking_when(rest))
    ):
        # an answer to "what is your date of birth?" that isn't one ("march 14") is not a day to
        # book, and the other dates of one that is ("may 9, 1998, november 28", misheard on the
        # phone) are identity material too; a day plainly asked for is read ("... tomorrow at 3",
        # "... and can it be december 9 instead"), and so are words no birth date has ("next
        # thursday in the morning"): the task is kept
        return False
    task = s.get("task")
    kept_visit = keeping.KEPT.search(rest) is not None  # "I want to keep my check-up on Thursday, but ..."
    if task in (Intent.BOOK, Intent.RESCHEDULE):
        # "keep my thursday one, and see dr chen friday", "move it to friday and leave the one on
        # the 19th alone": not the day kept
        rest = keeping.without_kept(rest)
        rest = _in_the_month_said(rest, ctx)
    new_text: str | None = rest
    got = False
    if task == Intent.RESCHEDULE:
        old_text, new_text = split_reschedule(rest, ctx.now)
        said_new = new_text
        if new_text is None and (s.get("asked_new_day") or s.get("target")):
            new_text, old_text = rest, ""  # the answer to "what day would you like to move it to?"
        elif new_text is None and (end_asked := moments.edge_of_day(rest)[0]) is not None:
            # "... to later that same day. What's the latest he has?": that end of the day it goes
            # to (the appointment's day unless another is said)
            s["want"] = wanted.dump(wanted.merge(wanted.load(s.get("want")), When(edge=end_asked)))
            got = True
        if re.search(r"\b(same|the same|usual) (?:time|hour)\b", rest):
            s["same_time"] = True
            if DOCTOR_BY_NAME.search(rest) and not re.search(
                r"\b(?:another|different|other|new) (?:day|date)\b", rest
            ):
                # "could I go with Dr Chen instead at the same time": another doctor, the day kept
                # (used only when no new day is said)
                s["same_day"] = True
        # ("I'd rather see Dr. Chen for this one. Can you move it to him": the doctor wanted, not the visit's)
        old_text = _DOCTOR_WANTED.sub(" ", old_text) if old_text else old_text
        if old_text and not s.get("target") and _points_at_one(old_text, ctx):
            s["target_hint"] = old_text  # "my thursday appointment": which one, not when to
            got = True
            later = find_when(old_text, ctx.now)
            if (
                new_text is None
                and later.at is not None
                and re.search(r"\b(later|earlier|sooner|like)\b", old_text)
                # (not "... on monday at 10. can it be an hour later?": 10 is the old time)
                and (shift_of(old_text) or (0, 0))[1] == 0
            ):
                # "make my thursday appointment later in the day, like 3:30": that day, the new time
                later.start = later.end = None
                s["want"] = wanted.dump(wanted.merge(wanted.load(s.get("want")), later))
        asked = wanted.load(s.get("want"))
        if (
            s.get("target")
            and asked is not None
            and asked.start is not None
            and asked.start == asked.end
            and not _A_DATE_SAID.search(rest)
            and (moved := wanted.moved_on(asked, shift_of(rest))) is not None
        ):
            # "is there anything the day after, same time?" to a proposed new day: from that day
            s["want"] = wanted.dump(_with_the_time_said(moved, rest, ctx.now))
            return True
        new_part = said_new if said_new is not None else (rest if s.get("target") else "")
        if (
            not _another_date_said_for_it(s, new_part, ctx.now)
            and not _a_weekday_of_the_days_asked(s, rest)
            and anchored.read_move(s, rest, said_new)
        ):
            # "an hour later", "the Monday after": from the appointment (not "what about the week after?
            # does he have Tuesday the 27th at 2:30?": the date said)
            got = True
        if (
            not s.get("offered")
            and (side := side_of(rest)) is not None
            and _no_time(rest, ctx)
            # ("make it later, next week monday, same time": later is the day said)
            and (said_new is None or find_when(said_new, ctx.now).start is None)
        ):
            s["side"] = side  # "could it go earlier in the day?": that day, before the appointment's time
            got = True
    elif task in (Intent.CANCEL, Intent.LIST):
        if not s.get("target") and _points_at_one(rest, ctx):
            s["target_hint"] = rest
            return True
        return False
    elif (task == Intent.BOOK or (task is None and just_written_day(ctx) is not None)) and (
        moved := _from_the_day_asked(_asked_or_just_booked(ctx, s), rest, ctx.now)
    ) is not None:
        s["want"] = wanted.dump(moved)  # "the following Monday would be better, same time"
        return True
    elif (
        (task == Intent.BOOK or task is None)
        and (wanted.load(s.get("want")) or When()).start is None
        and (shift := shift_of(rest)) not in (None, (0, 0))
        # (or just cancelled: "cancel my check-up, and instead book me with Dr. Chen a week after that")
        and (written := just_written_start(ctx) or just_cancelled_start(ctx)) is not None
        # "about two weeks later, ... on Tuesday the 28th": the 28th, when the two differ
        and not _another_date_said(rest, ctx.now, (written + timedelta(days=shift[0])).date())
    ):
        # "and a follow-up two weeks after that": from the visit just booked, at its time unless
        # another is said
        s["want"] = wanted.dump(
            _with_the_time_said(wanted.shifted(None, written.replace(tzinfo=None), *shift), rest, ctx.now)
        )
        return True
    elif (
        task == Intent.BOOK
        and (next_to := NEXT_TO_IT.search(rest)) is not None
        # (their own visit: "that one", "mine"; "his" only of the one the caller speaks for)
        and re.search(r"\bthat one\b|\bmine\b|\bmy (?:appointment|visit|one|booking)\b", next_to.group(0))
        and find_when(rest, ctx.now).at is None  # ("... after his, at 3": the time said)
        and just_written_start(ctx) is None
        and (names_a_visit_they_have(rest) or _SEEING.search(rest) is not None)
    ):
        # "She's seeing Dr. Patel on Wednesday the 6th. Could she also see Dr. Chen that day, right
        # after that one?": next to the visit they have (looked up by the planner)
        s["from_their_visit"] = [0, 0, 0, minutes_from_it(next_to)]
        return True
    elif (
        task == Intent.BOOK
        and (wanted.load(s.get("want")) or When()).start is None
        and (shift := shift_of(rest)) is not None
        and shift[0] != 0
        and just_written_start(ctx) is None
        and (names_a_visit_they_have(rest) or kept_visit)
        # (the day of the visit they have may be said: "I have my check-up later this week. Could I
        # also see Dr. Chen the day before that?": no day in the sentence that asks)
        and (find_when(rest, ctx.now).start is None or _no_day_where_asked(rest, ctx.now))
    ):
        # "he already has his vaccination booked ... a check-up the day after that, at 11": from
        # the visit they have (looked up by the planner), at the time said
        # (and "at the same time": that visit's time too)
        s["from_their_visit"] = [*shift, int(re.search(r"\bsame time\b", rest) is not None)]
        said = find_when(rest, ctx.now)
        if said.at is not None or said.part != "any":
            s["want"] = wanted.dump(
                wanted.merge(wanted.load(s.get("want")), When(at=said.at, part=said.part))
            )
        return True
    elif (
        task == Intent.BOOK
        and (moved := wanted.moved_on(wanted.load(s.get("want")), shift_of(rest)))
        and not _another_date_said(rest, ctx.now, moved.start)
    ):
        # "the day after instead", "an hour later": from the day asked; "the day after? around 11":
        # with the time said
        s["want"] = wanted.dump(_with_the_time_said(moved, rest, ctx.now))
        return True
    elif task == Intent.BOOK and not find_when(fresh := the_new_request(rest), ctx.now).empty:
        new_text = fresh  # "I already see Dr Patel Thursday, but I need Dr Chen Friday": Friday
    if task in (Intent.BOOK, None) and new_text is not None:
        new_text = _next_to_the_visit_written(new_text, ctx)
    when = find_when(new_text, ctx.now) if new_text is not None else None
    if when is not None and task == Intent.RESCHEDULE and s.get("shift"):
        when.start = when.end = None  # "push my wednesday one back a week": wednesday is the old day
    if when is not None and task == Intent.RESCHEDULE:
        # "... to a morning the following week. Any day except Monday.": said after the new day's words
        when.not_days = sorted(set(when.not_days) | moments.ruled_out_days(rest)[0])
    if when is None or when.empty:
        return got
    if (
        task == Intent.RESCHEDULE
        and when.start is not None
        and when.start == when.end
        and when.at is None
        and when.edge is None
        and (edge := _EDGE_ASKED.search(rest)) is not None
    ):
        # "my monday one, sooner: what's the earliest dr chen has tomorrow?": that day's first
        when.edge, when.part, when.soonest = (
            ("first" if edge.group(1) == "earliest" else "last"),
            "any",
            False,
        )
    if (
        when.start is None
        and new_text is not None
        and not s.get("shift")
        and _day_unclear(new_text, when, task)
    ):
        s["day_unclear"] = True  # a time with words where the day was: ask the day, don't assume
    elif when.start is not None:
        s.pop("day_unclear", None)
    if (dated := _weekday_dated_before(ctx, new_text or rest)) is not None and (
        when.start is None or when.start.weekday() == dated.weekday()  # (not "... no, Thursday the 17th")
    ):
        # "Monday the 24th or Tuesday the 18th?", then "the Tuesday at 9:30": the 18th, as said
        when.start = when.end = dated
    elif (offered_on := _the_offered_day(s)) is not None and _same_weekday_said(
        when, offered_on, new_text or rest
    ):
        when.start = when.end = offered_on  # "4pm on thurs" to Thursday the 22nd's times: that Thursday
    elif (
        offered_on is not None
        and (
            _A_LATER_WEEK.search(" ".join(m.content or "" for m in ctx.messages if m.role == "user").lower())
            or _week_asked(wanted.load(s.get("want")), offered_on)
        )
        and (in_its_week := _in_the_week_of(when, offered_on, new_text or rest)) is not None
    ):
        # "Tuesday's no good ... make it Wednesday, same time" to Tuesday the 26th (next week), "the
        # Wednesday one at 3" after "Tuesday the 29th or Wednesday the 30th": that week's
        when.start = when.end = in_its_week
    elif (
        offered_on is not None
        and when.start is None
        and offered_on.weekday() not in when.not_days  # ("not the Monday, and not before 10": not that day)
        and (when.at is not None or when.after is not None or when.before is not None or when.part != "any")
    ):
        when.start = when.end = offered_on  # "any time after three" to Friday's times: Friday
    if (
        task in (Intent.BOOK, None)
        and when.at is None
        and when.part == "any"
        and re.search(r"\b(?:at )?(?:the )?same time\b", rest)
        and (written := just_written_start(ctx)) is not None
    ):
        # "and a follow-up with him on the 24th at the same time": the time of the visit just booked
        when.at = written.time().replace(tzinfo=None)
    s["want"] = wanted.dump(wanted.merge(wanted.load(s.get("want")), when))
    return True


_BARE_DAY_OF_MONTH = re.compile(
    r"\bthe (\d{1,2})(?:st|nd|rd|th)\b(?! of\b)(?!\s+(?:january|february|march|april|may|june|july|august|september"
    r"|october|november|december)\b)"
)
_MONTH_DAY = re.compile(
    r"\b(january|february|march|april|may|june|july|august|september|october|november|december) (\d{1,2})(?:st|nd|rd|th)\b",
    re.IGNORECASE,
)


def _in_the_month_said(text: str, ctx: PlanContext) -> str:
    """ "no, the 22nd" to "... on Tuesday, February 15th at 9 AM. Shall I go ahead?" (said in
    January): the 22nd of the month just said, when it is later than the next 22nd from today."""
    bare = _BARE_DAY_OF_MONTH.search(text)
    if bare is None or _MONTH_DAY.search(text) is not None:
        return text
    said = _MONTH_DAY.findall(last_reply(ctx))
    months = {m.lower() for m, _ in said}
    if len(months) != 1:
        return text
    (month,) = months
    today = ctx.now.date()
    day = int(bare.group(1))
    nearest = day_of_month(day, today)
    number = MONTHS[month]
    year = today.year + (1 if number < today.month else 0)
    there = safe_date(year, number, day)
    if there is None or nearest is None or there <= nearest:
        return text
    named = [w for w in WEEKDAYS if re.search(rf"\b{w}\b", text)]
    if named and WEEKDAYS[there.weekday()] not in named:
        return text  # "friday the 28th": the 28th that is a Friday, not the month just said
    return (
        f"{text[: bare.start()]}{month} {bare.group(1)}{text[bare.start() + len('the ' + bare.group(1)) :]}"
    )


def _next_to_the_visit_written(text: str, ctx: PlanContext) -> str:
    """ "book me with Dr. Patel on that same day at 10" after a cancellation or a move, "right after
    his new time": the day (and the half hour next to it) of the visit just written."""
    anchor = just_written_start(ctx) or just_cancelled_start(ctx) or _said_done(ctx)
    if anchor is not None and (that := _THAT_WEEKDAY.search(text)) is not None:
        if that.group(1) == WEEKDAYS[anchor.weekday()]:
            # "same time as me, 2 o'clock that Tuesday" after the caller's own Tuesday: that Tuesday
            text = f"{text[: that.start()]} on {anchor:%B} {anchor.day} {text[that.end() :]}".lower()
    said = find_when(text, ctx.now)
    if said.start is not None:
        return text
    if anchor is None:
        return text
    if (next_to := NEXT_TO_IT.search(text)) is not None and said.at is None:
        return next_to_it(text, next_to, anchor.replace(tzinfo=None))
    if next_to is not None:  # "and me right after my husband, 10:30": that day, at the time said
        return f"{text} on {anchor:%B} {anchor.day}".lower()
    if SAME_DAY_WORDS.search(text):
        return on_that_day(text, anchor.date())
    return text


_THAT_WEEKDAY = re.compile(r"\b(?:on )?that (monday|tuesday|wednesday|thursday|friday)\b")
_A_VISIT_SAID = re.compile(r"^Done\. |\bI'll book you with |^You have one upcoming appointment: ")


def _said_done(ctx: PlanContext) -> datetime | None:
    """When the visit of the last "Done. ..." said starts (a relative's request served after the
    caller's: the caller's records are out of reach, the words said to them are not)."""
    done = next(
        (
            m.content
            for m in reversed(ctx.messages)
            # ("... right after mine, so 9:30 the same day" to "I'll book you with ...": the one proposed)
            if m.role == "assistant" and _A_VISIT_SAID.search(m.content or "")
        ),
        None,
    )
    if done is None:
        return None
    visit = _A_VISIT_SAID.search(done)
    assert visit is not None
    said = find_when(normalize(re.split(r"(?<![Dd]r)\.\s", done[visit.end() :].strip())[0]), ctx.now)
    if said.start is None or said.at is None or said.start != said.end:
        return None
    return datetime.combine(said.start, said.at)


def _the_offered_day(s: dict[str, Any]) -> date | None:
    """The one day all the times just offered are on, or None."""
    days = {datetime.fromisoformat(str(x["start"])).date() for x in s.get("offered") or [] if x.get("start")}
    return days.pop() if len(days) == 1 else None


# the caller asked for a week to come ("sometime next week"): a weekday said later is in that week
_A_LATER_WEEK = re.compile(r"\b(?:next week|the week after|following week|in (?:2|two|3|three) weeks)\b")


_WEEKDAY_THE_NTH = re.compile(rf"\b({'|'.join(WEEKDAYS)}),? (?:the )?(\d{{1,2}})(?:st|nd|rd|th)\b")
_A_WEEKDAY_ALONE = re.compile(
    rf"^\W*(?:\w+\W+){{0,3}}?(?:the |on )({'|'.join(WEEKDAYS)})\b(?! (?:the )?\d| (?:after|before|following|week)\b)"
)


def _weekday_dated_before(ctx: PlanContext, text: str) -> date | None:
    """The date the caller gave a weekday earlier in the call ("Tuesday the 18th"), when this turn
    names that weekday alone ("the Tuesday at 9:30"): that date, never another week's Tuesday."""
    named = _A_WEEKDAY_ALONE.search(text)
    if named is None:
        return None
    earlier = " ".join(normalize(m.content or "") for m in ctx.messages[:-1] if m.role == "user")
    days = {int(n) for w, n in _WEEKDAY_THE_NTH.findall(earlier) if w == named.group(1)}
    if len(days) != 1:
        return None
    today, wanted_day = ctx.now.date(), WEEKDAYS.index(named.group(1))
    ahead = (today + timedelta(days=n) for n in range(62))
    return next((d for d in ahead if d.day in days and d.weekday() == wanted_day), None)


def _week_asked(want: When | None, day: date) -> bool:
    """Whether the days the caller asked for ("Tuesday the 29th or Wednesday the 30th", "the week of
    the 28th") are all in the week of `day`: a weekday said next is that week's."""
    if want is None or want.start is None:
        return False
    week_start = day - timedelta(days=day.weekday())
    asked = [want.start, want.end or want.start, *([want.fallback_day] if want.fallback_day else [])]
    return all(week_start <= d < week_start + timedelta(days=7) for d in asked)


def _in_the_week_of(when: When, day: date, text: str) -> date | None:
    """A weekday alone said to times offered in a later week: that weekday in the offered day's
    week, when today's reading falls before that week; None otherwise."""
    if when.start is None or when.start != when.end or when.start == day:
        return None
    said_when = re.search(
        r"\b(?:this|next|coming)\s+(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b|\b(?:tomorrow|today|week)\b"
        r"|\b\d{1,2}(?:st|nd|rd|th)\b|\d[/.]\d",
        text,
    )
    if said_when or _MONTHS.search(text) or re.search(r"\bi (?:said|meant|mean|told you)\b", text):
        return None  # "no, I said Wednesday": the day as it was said, from today
    week_start = day - timedelta(days=day.weekday())
    if when.start >= week_start:
        return None
    return week_start + timedelta(days=when.start.weekday())


def _same_weekday_said(when: When, day: date, text: str) -> bool:
    """The weekday alone (not "this", "next", a date) of the day offered, read from today as another."""
    return (
        when.start is not None
        and when.start == when.end
        and when.start != day
        and when.start.weekday() == day.weekday()
        and re.search(r"\b(?:this|next|coming|tomorrow|today|\d{1,2}(?:st|nd|rd|th)|week)\b|\d[/.]\d", text)
        is None
        and _MONTHS.search(text) is None  # "wednesday 4 december": that date
    )


def _with_the_time_said(day_asked: When, text: str, now: datetime) -> When:
    """`day_asked` with the time or part of the day `text` says ("the day after? around 11"); the
    day `text` names is said from the day asked, so its own reading (from today) is left out."""
    said = find_when(text, now)
    said.start = said.end = None
    return wanted.merge(day_asked, said)


def _asked_or_just_booked(ctx: PlanContext, s: dict[str, Any]) -> When | None:
    """The day asked for, or else the day of the visit just booked ("and the second: the thursday
    of that same week")."""
    if (want := wanted.load(s.get("want"))) is not None and want.start is not None:
        return want
    day = just_written_day(ctx)
    return When(start=day, end=day) if day is not None else want


def _another_date_said(text: str, now: datetime, day: date | None) -> bool:
    """A day named with its number ("Tuesday the 28th", "May 28") that is not `day`, the day an
    amount said around it gives ("about two weeks later"): the date said wins."""
    dated = " ".join(m.group(0) for m in day_phrases(text) if re.search(r"\d", m.group(0)))
    said = find_when(dated, now).start if dated else None
    return said is not None and said != day


def _from_the_day_asked(want: When | None, text: str, now: datetime) -> When | None:
    """ "The following Monday", "the Monday after" said of the one day asked for (or proposed): that
    weekday after it, with the time asked unless another is said; None when none is said."""
    if (
        want is None
        or want.start is None
        or want.start != want.end
        or (anchor := anchored.day_of(text)) is None
    ):
        return None
    days = anchored.days_from(want.start, *anchor)
    if days is None:
        return None
    moved = _with_the_time_said(want, text, now)
    moved.start = moved.end = want.start + timedelta(days=days)
    return moved


# Words that may stand around a time without naming a day ("to 3 pm please", "at 4 if possible").
_AROUND_A_TIME = set(
    "to at on for please the a an it its it's around about maybe if possible would be works work good fine"
    " ok okay can we could you i do make move change that this same instead then thanks thank so um uh"
    " in morning afternoon evening pm am p.m a.m o'clock noon half past quarter ish or later earlier"
    " appointment my reschedule switch bring push back forward bump day time any chance say like anytime sometime"
    " whenever after before suit suits better best ideal great perfect nice me prefer preferably ideally"
    " of sorry one more thing also actually just oh yes yeah bit little slightly tad"
    # ("7:45 before school", "before my shift": when in the day, no lost day)
    " school class shift".split()
)
_UNSURE_DAY = re.compile(
    r"\b(next|on|this|coming)\s+(?!week\b|month\b|available\b|time\b|one\b|slot\b|slots\b|opening\b|openings\b|free\b|spot\b|appointment\b|appt\b|availability\b|is\b|isn't\b|behalf\b)([a-z]+)"
)


_EDGE_ASKED = re.compile(r"\bthe (earliest|latest)\b(?! (?:week|day|date)\b)")


_A_DATE_SAID = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday)(?:,)? (?:the )?\d{1,2}(?:st|nd|rd|th)\b"
    r"|\b(?:january|february|march|april|may|june|july|august|september|october|november|december) \d{1,2}\b"
    # "any chance of the Friday after, the 11th?": the date said (not "what's the first you have")
    r"|\bthe \d{1,2}(?:st|nd|rd|th)\b(?!\s+(?:one|you|we|available|free|opening|slot|thing|time|appointment|thing)\b)"
)


def _another_date_said_for_it(s: dict[str, Any], text: str, now: datetime) -> bool:
    """A date said for the move ("the Friday after, the 11th") that is not the visit's own ("my son
    has an appointment next Thursday, the 12th. Can you make it two days earlier?")."""
    if not _A_DATE_SAID.search(text) or (said := find_when(text, now).start) is None:
        return False
    visit = next((a for a in s.get("appointments", []) if a.get("id") == s.get("target")), None)
    if visit is None:
        # not looked up yet: the date said after the shift is the new one ("the Friday after, the 11th"),
        # one said before it is the visit's ("next Thursday, the 12th. Can you make it two days earlier?")
        last = list(_A_DATE_SAID.finditer(text))[-1]
        return re.search(r"\b(?:after|before|earlier|later|sooner)\b", text[: last.start()]) is not None
    if (asked := wanted.load(s.get("want"))) is not None and asked.start not in (None, said):
        return True  # "... keep it on Friday, later in the day, 4 pm on Friday the 14th": back to its day
    return datetime.fromisoformat(str(visit["start"])).astimezone(now.tzinfo).date() != said


def _a_weekday_of_the_days_asked(s: dict[str, Any], text: str) -> bool:
    """ "the Thursday, at 4:30" to times offered for the days asked ("any day that same week"): the
    Thursday of those days, not the Thursday after the appointment."""
    asked = wanted.load(s.get("want"))
    if not s.get("offered") or asked is None or asked.start is None or asked.end is None:
        return False
    if asked.start == asked.end or re.search(r"\b(?:after|before|week|following|later|earlier)\b", text):
        return False
    if (anchor := anchored.day_of(text)) is None:
        return False
    days = [asked.start + timedelta(days=n) for n in range((asked.end - asked.start).days + 1)]
    return any(day.weekday() == anchor[0] for day in days)


_BEFORE_OR_AFTER_IT = re.compile(r"\b(?:day|week|days|weeks) (?:before|after) (?:that|it|then|that one)\b")


def _no_day_where_asked(text: str, now: datetime) -> bool:
    """The sentence that says "the day before that" names no day of its own."""
    for sentence in re.split(r"(?<=[.?!])\s+", text):
        if _BEFORE_OR_AFTER_IT.search(sentence):
            return find_when(_BEFORE_OR_AFTER_IT.sub(" ", sentence), now).start is None
    return False


def _day_unclear(text: str, when: When, task: str | None) -> bool:
    """ "next when at 4pm" (Whisper's "next Wednesday"), "move it to end the f2pm": a time said
    with words where a day would be. A lone time ("at 4", "to 3 pm") keeps its usual reading, as
    does the edge of a day ("to the end of the day, the last slot": the appointment's day)."""
    if when.edge is not None and when.at is None:
        return False
    if re.search(r"\bsame day as (?:his|hers|her|theirs|their|[a-z]+'s)\b", text):
        return True  # "Dr. Patel on the same day as his, at 10": a day not known here (his records are his)
    if re.search(r"\b(?:on|for) the (?:at )?\d{1,2}(?::\d\d)?\s*(?:am|pm)\b", text):
        return True  # "with Dr. Kit on the 1 PM": the day between "on the" and the time was lost
    if task == Intent.RESCHEDULE and when.at is None and when.part != "any":
        return False  # "move it to the afternoon? what does she have that afternoon?": that day's afternoon
    if task == Intent.RESCHEDULE:
        # the sentence with the time ("... could we make that 11:30 instead of 11? his bus gets in
        # late": the words of the reason are no lost day)
        pieces = [p for p in when.matched if p.strip(" ,.")]
        text = " ".join(
            sentence
            for sentence in re.split(r"(?<=[?!.])\s+", text)
            if not pieces or any(p in sentence for p in pieces)
        )
    words = [w.rstrip(".") for w in re.findall(r"[a-z][a-z'.]*", text)]  # "the morning." ends a sentence
    spoken = [w for w in words if not any(m and w in m for m in when.matched)]
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
    if _BOOKING_WHEN.search(text) is not None and _MONTHS.search(text) is None:
        return True
    # "wednesday june 3rd, 2:30": a weekday, a month and day with no year, and a clock time
    return (
        re.search(r"\b(?:monday|tuesday|wednesday|thursday|friday)\b", text) is not None
        and re.search(r"\d:\d\d|\b\d{1,2}\s*(?:am|pm)\b", text) is not None
        and re.search(r"\b(?:19|20)\d\d\b", text) is None
    )


# Words that ask for a day in an answer to "what is your date of birth?" beside the birth date: a
# weekday or a day word, a part of the day or a clock time, or a request ("could it be ...").
_ASKS_A_DAY = re.compile(
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|today|tonight|next|weekend"
    r"|morning|afternoon|evening|noon|o'clock|pm|p\.m|earliest|soonest|available|free|instead|rather"
    r"|prefer|can|could|would|book|appointment|appt|visit|how about|what about|works? for me|see (?:me|dr|doctor))\b"
    r"|\b(?:at|around|about|after|before) \d{1,2}\b|\d:\d\d"
)


def _asks_for_a_day(text: str) -> bool:
    """Beside a date of birth given when asked for one, words that plainly ask for a day or time."""
    return _ASKS_A_DAY.search(text) is not None


def _points_at_one(text: str, ctx: PlanContext) -> bool:
    """Words that may pick one appointment: a day, or a doctor ("the one with dr chen")."""
    return (
        not find_when(text, ctx.now).empty
        or re.search(r"\b(dr|doctor|with)\b", text) is not None
        or NAMES_ONE_OF_THEM.search(text) is not None  # "the Chen one", "the later one"
    )


def _no_time(text: str, ctx: PlanContext) -> bool:
    """No time, part of the day or bound said ("earlier in the day, like 9" says 9)."""
    when = find_when(text, ctx.now)
    return (
        when.at is None
        and when.part == "any"
        and when.edge is None
        and when.after is None
        and when.before is None
    )
