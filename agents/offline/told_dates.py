"""Dates and times a turn tells that are not the day asked for (normalized text): the caller's own
day leading to the time asked ("I'm back from lunch at 1, so 2 o'clock"), an order of people ("the
first is Joshua Lewis"), a date of birth said again in words ("2/3/1987, February 3rd"), and a date
gone by beside its weekday ("Friday, November 9" said in December: the Friday is read)."""

from __future__ import annotations

import re
from datetime import date

from agents.offline.calendar_words import MONTH_WORDS, MONTHS, WEEKDAYS, safe_date

# "I'm back from lunch at 1, so 2 o'clock?", "my lunch break ends at 12:30, so an hour after that,
# 1:30?", "my last visit, which was on the 15th, so that's Friday December 6th": the caller's own
# day (or a past visit) told, then "so" and the time or day it leads to ("... so could Dr. Patel see
# me at 2:30?": the doctor's "dr." is no end of the sentence; "... so noon?"; a day left out before
# the comma, "i'm off at 1 , so": the space kept)
_OWN_DAY_THEN_SO = re.compile(
    # "he's out at 3:15, so 4pm": out of school or work at that time
    r"\b(?:lunch|break|back|ends?|ended|finish(?:es|ed)?|done|free|off|out|home|arrives?|get (?:there|here|in)"
    # "I'm in meetings till quarter past two, so could Dr Chen see me at three o'clock?"
    r"|till|until|busy|tied up|meetings?|at work|in class|at school"
    r"|last (?:visit|appointment|appt)|was on|were on)\b[^.?!]{0,30}?\b(?:\d{1,2}(?::\d\d)?(?:\s*[ap]m)?"
    # "she's finished at 2 on Monday, so ...": the caller's own time on a day
    + rf"(?P<day>\s+on\s+(?:(?:{'|'.join(WEEKDAYS)})(?:\s+the\s+\d{{1,2}}(?:st|nd|rd|th))?|the\s+\d{{1,2}}(?:st|nd|rd|th)))?"
    r"|the \d{1,2}(?:st|nd|rd|th))(?:,? right)?\s*[,.?!]*\s+(?=so\b(?:[^.?!]|(?<=\bdr)\.){0,40}?(?:\d|noon|midday))"
)


# "the first is Joshua Lewis, ...", "the second is my daughter Mia": the order of those asked for
_THE_NTH_IS = re.compile(
    r"\bthe (?:1st|2nd|3rd|first|second|third) (?:one )?(?:is|will be|'s) (?=(?:my|our|his|her|for)\b|[a-z]+ [a-z]+,)"
)


# "born 2/13/1987, sorry, 2/3/1987, February 3rd": the date of birth said again in words
_BIRTH_DATE_IN_WORDS = re.compile(
    rf"\b(?P<m>\d{{1,2}})/(?P<d>\d{{1,2}})/(?:19|20)\d\d\s*,?\s*(?:that's |that is |i mean |so )?(?:the )?"
    rf"(?P<words>(?P<month>{MONTH_WORDS}) (?:the )?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?)\b"
)


# ... and what is left of it once the date of birth itself is taken out ("born  , , february 3rd")
_BORN_ON_A_DAY = re.compile(
    rf"\b(?:born|date of birth|dob|birthday)(?: is| was| on)?[\s,.]*(?:(?:sorry|i mean|that's|that is)\W+)*(?:the )?"
    rf"(?:{MONTH_WORDS}) (?:the )?\d{{1,2}}(?:st|nd|rd|th)?\b(?!,? ?(?:\d|at\b))"
)


def _without_birth_date_said_again(text: str) -> str:
    """`text` without a date of birth said again in words."""

    def without(m: re.Match[str]) -> str:
        same = MONTHS[m.group("month")] == int(m.group("m")) and int(m.group("day")) == int(m.group("d"))
        return m.group(0)[: m.start("words") - m.start()] if same else m.group(0)

    return _BORN_ON_A_DAY.sub(" ", _BIRTH_DATE_IN_WORDS.sub(without, text))


def without_dates_told(text: str) -> str:
    """`text` without the dates and times it tells that are not asked for."""
    text = _without_birth_date_said_again(_THE_NTH_IS.sub(" ", text))
    if (own := _OWN_DAY_THEN_SO.search(text)) is not None:
        text = text[: own.start()] + _own_day_kept(text, own) + text[own.end() :]
    return text


# "... at 3 o'clock that day", "the same day": the day the caller told before
_THAT_DAY = re.compile(r"\b(?:that|the same|that same) day\b")


def _own_day_kept(text: str, own: re.Match[str]) -> str:
    """What stays of the caller's own day told: nothing, but the day named in it when the request
    after it is for "that day" or names no day ("I get off at quarter to three on Wednesday the
    26th, so Dr Chen at 3 o'clock that day": the 26th, at 3)."""
    from agents.offline.dates import day_phrases  # dates reads told_dates

    rest = re.split(r"[.?!]", text[own.end() :], maxsplit=1)[0]
    # "I'm free at 1 on Friday, so Dr Chen at 2?": the day of the caller's own time, when the
    # request names none of its own
    own_day_asked = own.group("day") is not None and not day_phrases(rest)
    # ("... on the 15th, so that's Friday December 6th. Could I have 10am that day?": that day is
    # the one said after, not the caller's own)
    that = _THAT_DAY.search(text, own.end())
    if (that is None or day_phrases(text[own.end() : that.start()])) and not own_day_asked:
        return " "
    return " " + " ".join(day.group(0) for day in day_phrases(own.group(0))) + " "


_WEEKDAY_MONTH_DAY = re.compile(
    rf"\b(?P<wd>{'|'.join(WEEKDAYS)}),? (?:the )?(?P<month>{MONTH_WORDS}) (?:the )?(?P<n>\d{{1,2}})(?:st|nd|rd|th)?\b"
    r"(?!,? ?(?:\d{4}|'\d\d))"
)


def date_gone_by_beside_its_weekday(text: str, today: date) -> str:
    """ "Friday, November 9" said on 1 December (November 9 gone, and next year's no Friday): a date
    the line or the caller got wrong; the weekday beside it is what is read (the read-back says
    the date before anything is written)."""

    def weekday_only(m: re.Match[str]) -> str:
        month, n = MONTHS[m.group("month")], int(m.group("n"))
        there = safe_date(today.year, month, n)
        if there is None or there >= today:
            return m.group(0)
        later = safe_date(today.year + 1, month, n)
        if later is not None and later.weekday() == WEEKDAYS.index(m.group("wd")):
            return m.group(0)
        return m.group("wd")

    return _WEEKDAY_MONTH_DAY.sub(weekday_only, text)


# a clause of the caller's story: cut at sentence ends, commas, semicolons and the joining words
# ("... in August, and I've got a long flight, so I want a check-up before I go")
_CLAUSE_END = re.compile(
    # (not the comma of "Thursday, August 21st": one day)
    r"(?<!\bdr)(?<!\bmr)(?<!\bmrs)(?<!\bms)(?:[.?!;]|"
    + "".join(f"(?<!{weekday})" for weekday in WEEKDAYS)
    + r",)(?=\s|$)|\s(?=(?:and|so|but|because|since)\s)"
)
# words of a clause that asks or says when the caller can come ("could Dr. Patel see me ...", "I'd
# like to come in ...", "I'm free ...", "is the 21st ok"): no story
_ASKS = re.compile(
    r"\b(?:could|can|would|will|may|book|booked|schedule|see|come|get in|slot|slots"
    r"|available|free|open|like|want|need|prefer|please|how about|what about|is there|does|any"
    r"|ok|okay|possible|suits?|works?|good|fine|better|instead|not|rather|maybe|make it|try)\b"
    r"|^\W*(?:and |so |but )?(?:is|are|has|have|got|do|what|how|when|on|at|for|in)\b"
    # "the Thursday after next, that's the 10th": the day asked, said again
    r"|^\W*(?:that's|that is|thats|which is|which would be|i mean|i\.e)\b"
)
# a clause that tells something: it has a subject or a verb ("start date is the 21st", "he put me
# on a new tablet back in June", "my brother is getting married in August"; not "July 8th at 11
# in the morning", cut from its weekday by a comma)
_TELLS = re.compile(
    r"\b(?:i|we|he|she|they|my|our|his|her|their|is|are|was|were|'s|'m|'re|been|had|did|got|went|put|told"
    r"|gave|said|[a-z]{3,}ed)\b"
)


def story_clauses(text: str) -> list[tuple[int, int]]:
    """Where the clauses of `text` that tell the caller's story are (no request in them)."""
    spans, start = [], 0
    for end in [m.start() for m in _CLAUSE_END.finditer(text)] + [len(text)]:
        clause = text[start:end]
        if _TELLS.search(clause) and not _ASKS.search(clause):
            spans.append((start, end))
        start = end + 1
    return spans
