"""Day and time words as callers type or say them, spelled the one way the date parsers read.

Runs at the end of `numbers.normalize` (so every reader sees the same words):
- abbreviations and typos of day words: "tmrw", "2moro", "tomorow", "weds", "thurs", "tues",
  "wendsday" -> "tomorrow", "wednesday", ...; a word is a misspelt day only when it is no word
  of its own, starts like the day and is close to it ("munday" is a surname, not Monday);
- the short forms "mon", "tue", "wed", "thu", "fri" only where a day belongs ("on wed", "wed 2pm",
  not "wed like to book", a "we'd" typed without its apostrophe);
- British clock times: "half 3" / "half three" -> "3:30" (half past; never "half an hour");
  "the 9 and half" -> "9:30" (not "2 and a half hours");
  "twenty past 3" -> "3:20", "10 to 4" -> "3:50" (not "from 10 to 4");
- British relative days: "a week on thursday", "thursday week", "2 weeks today", "a week
  tomorrow", "tomorrow week", "friday fortnight" -> "a week from thursday", "2 weeks from today", "2 weeks from
  friday", ... (read by `dates._relative_days`);
- typed short forms of other when words: "wk", "nxt", "arvo" (Australian: afternoon);
- "prepone" (Indian English: bring an appointment earlier) -> "bring forward".
"""

from __future__ import annotations

import difflib
import re

_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_SPELLED = [*_DAYS, "tomorrow", "today", "tonight"]

# Typed short forms, always a day word.
_ALWAYS = {
    "tmrw": "tomorrow", "tmr": "tomorrow", "tmrow": "tomorrow", "tmro": "tomorrow", "tmoro": "tomorrow",
    "tmorrow": "tomorrow", "tomo": "tomorrow", "tomoz": "tomorrow", "tmw": "tomorrow", "2moro": "tomorrow",
    "2morro": "tomorrow", "2morrow": "tomorrow", "2mrw": "tomorrow", "2mro": "tomorrow", "2mora": "tomorrow",
    "tommorow": "tomorrow", "tommorrow": "tomorrow", "tomorow": "tomorrow", "tomorro": "tomorrow",
    "tdy": "today", "2day": "today", "2nite": "tonight", "tonite": "tonight",
    "weds": "wednesday", "wednes": "wednesday", "tues": "tuesday", "thurs": "thursday", "thur": "thursday",
    "thrs": "thursday", "thursd": "thursday", "firday": "friday", "fryday": "friday", "tursday": "thursday",
    "wk": "week", "wks": "weeks", "nxt": "next", "mornin": "morning", "arvo": "afternoon", "aft": "afternoon",
    "the morra": "tomorrow", "the morrow": "tomorrow", "efternoon": "afternoon",  # Scots
}  # fmt: skip
# Three-letter forms that are words or typed contractions too ("wed" for "we'd"): a day only next
# to day words ("on wed", "wed 2pm", "wed or thu", "tues appt", "next fri", "fri the 11th").
_SHORT = {"mon": "monday", "tue": "tuesday", "wed": "wednesday", "thu": "thursday", "fri": "friday"}
_DAY_BEFORE = {
    "on",
    "to",
    "for",
    "from",
    "next",
    "this",
    "until",
    "till",
    "by",
    "or",
    "and",
    "coming",
    "last",
    ",",
    "free",  # "is 9 free mon w/ dr chen"
    "available",
    "open",
    "do",  # "can you do fri same time"
}
_DAY_AFTER = re.compile(
    r"\s?(?:\d|the \d|(?:at|or|and|am|pm|next|week|works?|is|would|please|pls|plz|then|instead|just|after|before|around"
    r"|with|w|dr|doctor|free|available|ok|okay"
    r"|about|early|late|lunch|lunchtime|any ?time|first thing|if|possible|same)\b|morning|afternoon"
    r"|evening|arvo|noon|appt|appointment|[,.?!/→-]|$)"
)
_NOT_A_DAY = re.compile(
    r"\s(?:like|love|want|need|prefer|rather|be|have|appreciate|been|better|go|come|do|get|say|call)\b"
)
_SHORT_DAY = re.compile(r"(?<![\w'])(mon|tue|wed|thu|fri)\b\.?")
_ALWAYS_WORDS = re.compile(r"(?<![\w'])(" + "|".join(sorted(_ALWAYS, key=len, reverse=True)) + r")(?![\w'])")
# Words that look like a misspelt day but are words (or names) of their own.
_REAL = {"mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays", "sundays", "todays",
         "tomorrows", "thursby", "tuesley", "monkey", "fridge", "saturn", "sundae", "tonights", "frida"}  # fmt: skip

_HALF = re.compile(
    r"\bhalf (1[0-2]|[1-9])\b(?!\s*(?:(?:hours?|hrs?|days?|weeks?|months?|minutes?|mins?|past|after|to|till)\b|:|\d))"
)
# "at the 9 and half", "10 and a half" (a clock time said as a count): the half hour
_AND_HALF = re.compile(
    r"(?<!\bfor )(?<!\bis )(?<!'s )(?<!\baged )(?<!\bage )\b(1[0-2]|[1-9]) and (?:a )?half\b(?!\s*(?:hours?|hrs?|days?|weeks?|months?|years?|minutes?|mins?)\b)"
)
_WEEK_ON = re.compile(
    rf"\b(a|1|one|2|3|two|three) (weeks?|fortnight) (?:on|from) ({'|'.join(_DAYS)}|today|tomorrow)\b"
    rf"|\b(a|1|one|2|3|two|three) (weeks?|fortnight) (today|tomorrow|{'|'.join(_DAYS)})\b"
    rf"|\b(?:(?:on|this|next|for|by) )?({'|'.join(_DAYS)}|tomorrow|today) (week|fortnight)\b(?! ?(?:after|from|on|of|\d))"
)
# "twenty past 3", "10 to 4", "5 minutes past 2": minutes not a quarter or a half ("quarter to 11"
# and "half past 2" are read by `dates.find_time`); "from 10 to 4" is a range, not 3:50
_MINUTES_PAST = re.compile(
    r"(?<!from )(?<!between )\b(5|10|20|25)(?: (?:minutes?|mins?))? (past|after|to|till) (1[0-2]|[1-9])\b(?!:|\d)"
)
# "at 10.30", "10.30am", "for 14.00": a British clock time written with a stop (not "03.14.1985")
_STOP_TIME = re.compile(
    r"\b(at|around|about|by|for|after|before|say|or|then|till|until|from) ([01]?\d|2[0-3])\.([0-5]\d)\b(?!\.?\d)"
    r"|(?<![\d.])\b(1[0-2]|0?[1-9])\.([0-5]\d)(?= ?(?:am|pm|o'clock)\b)"
)
_PREPONE = re.compile(r"\bpre ?pon(e|es|ed|ing)\b")
_PREPONED = {"e": "bring forward", "es": "bring forward", "ed": "brought forward", "ing": "bringing forward"}


def _respell(word: str) -> str:
    """A misspelt day word ("wendsday", "thrusday", "tomorow") or the word as it was."""
    if len(word) < 5 or word in _REAL or word in _SPELLED:
        return word
    close = difflib.get_close_matches(word, _SPELLED, n=1, cutoff=0.8)
    if close and close[0][:2] == word[:2]:
        return close[0]
    return word


def _short_day(m: re.Match[str], text: str) -> str:
    """ "wed" as Wednesday where a day belongs: before a time or day word, or after "on", "next"..."""
    after = text[m.end() :]
    before = text[: m.start()].split()
    if _DAY_AFTER.match(after) or (before and before[-1] in _DAY_BEFORE and not _NOT_A_DAY.match(after)):
        return _SHORT[m.group(1)]
    return m.group(0)


def _week_on(m: re.Match[str]) -> str:
    if m.group(7):  # "thursday week": a week from thursday; "friday fortnight": 2 weeks from friday
        return f"a week from {m.group(7)}" if m.group(8) == "week" else f"2 weeks from {m.group(7)}"
    count, unit, base = (
        (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(4), m.group(5), m.group(6))
    )
    if unit == "fortnight":  # "a fortnight today": 2 weeks from today
        count, unit = (
            {"a": "2", "1": "2", "one": "2", "2": "4", "two": "4", "3": "6", "three": "6"}[count],
            "weeks",
        )
    return f"{count} {unit} from {base}"


def _minutes_past(m: re.Match[str]) -> str:
    minutes, hour = int(m.group(1)), int(m.group(3))
    if m.group(2) in ("to", "till"):
        hour, minutes = (hour - 1) or 12, 60 - minutes
    return f"{hour}:{minutes:02d}"


# a weekday a speech recogniser wrote as two words ("thirst day", "choose day", "when's day")
_HEARD = {
    "thirst day": "thursday", "thurs day": "thursday", "third day": "thursday", "choose day": "tuesday",
    "tues day": "tuesday", "to's day": "tuesday", "when's day": "wednesday", "wednes day": "wednesday",
    "wins day": "wednesday", "fri day": "friday", "fry day": "friday", "mon day": "monday",
    "wends day": "wednesday", "wens day": "wednesday", "fried day": "friday", "chews day": "tuesday",
    "twos day": "tuesday", "toos day": "tuesday",
}  # fmt: skip
_HEARD_AS_TWO = re.compile(rf"\b({'|'.join(re.escape(k) for k in _HEARD)})\b(?! of\b)")


# "thirsty" as a recogniser writes "thirty" after an hour ("nine thirsty") and "thursday" elsewhere
_AN_HOUR = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|1[0-2]|[1-9])"
_THIRTY_HEARD = re.compile(rf"\b({_AN_HOUR}) (?:thirsty|firty|thurty|dirty)\b")
# "thirsty" where a day is said ("on thirsty", "my thirsty appointment", "thirsty after lunch"),
# never as a symptom ("I'm always thirsty") nor after a word that may be an hour ("the knight thirsty")
_THURSDAY_HEARD = re.compile(
    r"(?:^|(?<=\bon )|(?<=\bthis )|(?<=\bnext )|(?<=\bmy )|(?<=\bhis )|(?<=\bher )|(?<=\bby )|(?<=\bfor )"
    r"|(?<=\btill )|(?<=\buntil )|(?<=\bto )|(?<=\bfrom )|(?<=, ))thirsty\b"
    r"|\bthirsty(?= (?:after|at|morning|afternoon|appointment|instead|next|the \d)\b)"
)

# "mourning" as a recogniser writes "morning", except where it is grief ("we're in mourning",
# "she is mourning her mother")
_MOURNING = re.compile(
    r"(?<!\bin )(?<!\bis )(?<!\bare )(?<!\bam )(?<!\bwas )(?<!\bwere )(?<!\bbeen )(?<!\bstill )(?<!'re )(?<!'m )"
    r"(?<!'s )\bmourning\b"
)


def respell(text: str) -> str:
    """Typos and typed short forms of day words ("tmrw", "2moro", "weds", "thrusday") and
    "prepone" in lowercased text, before number words become digits."""
    text = _THURSDAY_HEARD.sub("thursday", _THIRTY_HEARD.sub(r"\1 thirty", text))
    text = re.sub(r"\ba leven\b", "eleven", text)  # "a leven thirty"
    text = re.sub(
        r"\b(?:at )?tree (?=thirty\b|fifteen\b|forty five\b|o'clock\b|pm\b|in the\b)", "at three ", text
    )
    text = re.sub(r"\btoo (?=thirty\b|fifteen\b|forty five\b|o'clock\b|pm\b)", "two ", text)  # "too thirty"
    text = re.sub(r"\bcan sell\b", "cancel", text)  # "i need to can sell my appointment"
    text = _MOURNING.sub("morning", text)  # "ten in the mourning", "thursday mourning"
    # "half passed one", "quarter passed ten": the time, as a recogniser spells it
    text = re.sub(r"\b(half|quarter|ten|twenty|five|twenty five) passed\b", r"\1 past", text)
    text = re.sub(r"\bfor (?=o'clock\b|o clock\b)", "four ", text)  # "friday for o'clock"
    # "for thirty pm", "for fifteen in the afternoon": four, as a recogniser writes it before the minutes
    text = re.sub(
        r"\bfor (?=(?:thirty|fifteen|forty five|45|30|15) (?:pm|p m|in the afternoon)\b)", "four ", text
    )
    # texting: "fri b4 noon", "cancel my mon appt n book me ...", "can u do fri"
    text = re.sub(r"\bb4\b", "before", text)
    text = re.sub(r"(?<=[a-z] )n(?= [a-z])", "and", text)
    text = re.sub(r"(?<![\w'.])u(?![\w'.])", "you", text)
    text = _HEARD_AS_TWO.sub(lambda m: _HEARD[m.group(1)], text)
    text = _ALWAYS_WORDS.sub(lambda m: _ALWAYS[m.group(1)], text)
    text = re.sub(r"\b[a-z]{5,}\b", lambda m: _respell(m.group(0)), text)
    return _PREPONE.sub(lambda m: _PREPONED[m.group(1)], text)


def canonical(text: str) -> str:
    """Normalized text (number words as digits) with "half 3", "a week on thursday" and the
    three-letter day names ("on wed") in the forms the date parsers read."""
    text = _SHORT_DAY.sub(lambda m: _short_day(m, text), text)
    text = _HALF.sub(lambda m: f"{m.group(1)}:30", text)
    text = _AND_HALF.sub(lambda m: f"{m.group(1)}:30", text)
    text = _MINUTES_PAST.sub(_minutes_past, text)
    text = _STOP_TIME.sub(
        lambda m: f"{m.group(1)} {m.group(2)}:{m.group(3)}" if m.group(1) else f"{m.group(4)}:{m.group(5)}",
        text,
    )
    return _WEEK_ON.sub(_week_on, text)
