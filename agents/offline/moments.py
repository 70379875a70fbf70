"""Ways of saying when that are about other words of the same turn, read by `dates.find_when`
(normalized text; a leaf module, so `dates` can use it):
- the edge of a day: "first thing tomorrow", "the first appointment of the day", "the earliest you
  have on Monday", "as early as possible" -> "first"; "last thing", "end of the day", "the latest
  slot", "as late as you can" -> "last": the first (last) free time of that day, proposed;
- now's time another day: "this time next week", "this time tomorrow" -> (days on, now's time)
  ("the same time next week" is the time of the appointment being moved: `shifts`);
- a fallback time: "quarter to 11, else 11 is fine", "3:30 or failing that 4", "if you only do
  half hours then 11 o'clock": where the second time's words start;
- a change of mind: "Wednesday, actually make it Thursday", "no wait, Thursday instead": where
  the words that replace the earlier ones start;
- the time of something else the caller has to do: "I start at noon", "I have to pick up my kid at
  4", "I get off at 1:30": never the time they ask for (`without_own_plans`).
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

_FIRST = re.compile(
    r"\b(?:first|1st) thing\b"
    r"|\b(?:the )?(?:first|1st|earliest) (?:appointment|slot|time|one|opening|spot|available)s?"
    r" (?:of|in|on) (?:the|that) (?:day|morning)\b"
    # "the first appointment on Monday", "first slot Friday" (not "my first appointment": a pick)
    r"|(?<!\bmy )(?<!\byour )\b(?:very )?(?:first|1st) (?:appointment|slot|opening|spot)\b"
    r"|\bearliest (?:appointment|slot|time|one|opening|spot)?\s*(?:you|u|he|she|they|dr|doctor)?\s*(?:have|has|got|can do"
    r"|'ve got|'s got|available|free)?\b"
    r"|\b(?:as )?early (?:in the day |in the morning )?as (?:possible|you can|you have|he can|she can|they can)\b"
    r"|\bstart of (?:the|that) day\b"
    r"|\bthe (?:first|1st) (?:you|u|he|she|they|dr [a-z]+|doctor [a-z]+) (?:have|has|got|'ve got|'s got|can do)\b"
    r"|\b(?:whatever|whichever)(?:'s| is| comes| one is)? (?:1st|first|earliest|soonest)\b"  # "thursday, whatever's first"
)
_LAST = re.compile(
    r"\blast thing\b|\bend of (?:the |that )?day\b"
    r"|(?<!\bmy )\b(?:the )?(?:very )?(?:last|latest) (?:appointment|slot|time|one|opening|spot|available)s?"
    r"(?: (?:of|in|on) (?:the|that) (?:day|afternoon))?\b"
    r"|\blatest (?:you|u|he|she|they|dr|doctor)?\s*(?:have|has|got|can do|'ve got|'s got|available|free)\b"
    r"|\b(?:as )?late (?:in the day |in the afternoon )?as (?:possible|you can|you have|he can|she can|they can)\b"
    # "what's her latest on Wednesday?", "the latest on friday" (not "by 3 at the latest")
    r"|\b(?:his|her|their|your) (?:very )?latest\b|(?<!\bat )\bthe latest (?:on|that|this|for)\b"
)
_BOTH_EDGES = re.compile(
    r"\b(?:earliest|first|1st)\b[^.?!]{0,30}?\b(?:and|or)\b[^.?!]{0,10}?\b(?:latest|last)\b"
)
# "earliest" alone asks for the soonest day ("your earliest appointment"): an edge of a day only
# when a day is named as well (`dates.find_when` checks), and never "the earliest day".
_NOT_AN_EDGE = re.compile(r"\b(?:earliest|latest|first|last) (?:day|date|week)\b")


def edge_of_day(text: str) -> tuple[str | None, str | None]:
    """("first" | "last" | "both", the words) or (None, None)."""
    if _NOT_AN_EDGE.search(text):
        return None, None
    if (both := _BOTH_EDGES.search(text)) is not None and (_FIRST.search(text) or _LAST.search(text)):
        return "both", both.group(0)  # "the earliest and the latest times Dr. Patel has": the two offered
    for edge, pattern in (("first", _FIRST), ("last", _LAST)):
        if m := pattern.search(text):
            return edge, m.group(0).strip()
    return None, None


_SAME_TIME = re.compile(
    r"\bthis time (?P<when>tomorrow|next week|in a week|a week from (?:now|today)|next (?:monday"
    r"|tuesday|wednesday|thursday|friday))\b"
)


def same_time_another_day(text: str, now: datetime) -> tuple[int, time, str] | None:
    """ "this time next week": (7, now's time on the half hour, the words), or None. The time is
    rounded to the nearest half hour: a caller saying it at 10:10 means the 10 o'clock hour."""
    m = _SAME_TIME.search(text)
    if m is None:
        return None
    when = m.group("when")
    if when.startswith("next ") and when != "next week":
        return None  # "this time next tuesday": the weekday is read by the date parser
    days = 1 if when == "tomorrow" else 7
    minutes = round((now.hour * 60 + now.minute) / 30) * 30
    rounded = datetime.combine(now.date(), time(0)) + timedelta(minutes=minutes)
    return days, rounded.time(), m.group(0)


# A second time the caller would take instead: "X, else Y", "X or failing that Y", "X, if not Y",
# "X. If you only do half hours then Y is fine".
_FALLBACK = re.compile(
    r"(?:\bor\s+)?\b(?:else|otherwise|failing that|if not(?:,? then)?|at a push|worst case|alternatively"
    r"|if (?:that's |that is |it's |it is )?not (?:possible|available|free)(?:,? then)?|but(?: also| even)?"
    r"|if (?:that's|that is|it's|it is) (?:not|taken|gone|booked)[a-z ]{0,12}?(?:,? then)?"
    r"|if (?:you|he|she|they) (?:only|can't|cannot|don't)[a-z' -]{0,40}?\bthen)\b"
    r"|\bor(?:\s+(?:maybe|at least|even|possibly))?\b"
)


def fallback_start(text: str, first_end: int) -> int | None:
    """Where the words of a fallback time start, after the first time's words end (`first_end`),
    or None. Only words that say "else" count ("or" too: "10:45 or 11" takes either, the first first)."""
    m = _FALLBACK.search(text, first_end)
    return m.end() if m is not None and m.start() - first_end < 60 else None


_CHANGE = re.compile(
    r"\b(?:actually|no wait|wait|hang on|hold on|sorry|pardon|i mean|i meant|make it|make that|or rather|rather|scratch that"
    r"|change (?:it|that) to|on second thoughts?|on 2nd thoughts?)\b|\bno[,.!]|\bnot (?:on )?[a-z]+day\b,?"
    # "at nine - no sorry, not nine, ten": the time taken back, then the one meant
    r"|\bnot (?:at )?(?:1[0-2]|0?[1-9])(?::[0-5]\d)?(?: ?[ap]m| o'clock)?\b,?"
    r"(?=[\s,.;!]+(?:but )?(?:at )?(?:(?:half|quarter) (?:past|to) )?(?:1[0-2]|0?[1-9])\b)"
    # spoken without commas: "monday at 10 no 10:30", "at 3 no no 4"
    r"|(?<=\d )no(?: no)*\b(?= (?:at |make it )?(?:\d|half|quarter|noon))"
    # "on wednes- no thursday", "tues- no wednesday": a day taken back as soon as it is said
    r"|(?<=day)(?: ?[-,])? no(?: no)*\b(?= (?:on |make it |it's |the )?(?:monday|tuesday|wednesday|thursday|friday"
    r"|saturday|sunday|tomorrow|today)\b)"
    # "at 10:20, oh, you do half hours, don't you, half past 10 then": the time settled on last
    r"|(?<=[,;.!?])(?= (?:at |say )?(?:(?:half|quarter) (?:past|to) )?(?:1[0-2]|0?[1-9])(?::[0-5]\d)?"
    r"(?: ?[ap]m)? then\b)"
    # "whatever is closest to 5 then, so 4:30 on friday": the time after "so" restates the pick
    r"|(?:(?<=[,;.!?])|(?<=\bthen)) so\b(?= (?:at )?(?:(?:half|quarter) (?:past|to) )?(?:1[0-2]|0?[1-9])(?::[0-5]\d)?"
    r"(?: ?[ap]m)?(?: on\b| then\b| please\b| it is\b| it's\b|\W*$))"
    # "yes but 3" / "ok but 10:30 please" to a read-back: the yes is to the rest, the hour after
    # "but" is the new time (an hour alone is read as one after the words of a change)
    r"|^\W*(?:yes|yeah|yep|yup|ok|okay|sure|fine)\W*\s*but\b(?=\s+(?:at\s+)?(?:1[0-2]|0?[1-9])(?::[0-5]\d)?"
    r"(?:\s*[ap]\.?m\.?)?(?:\s+(?:please|pls|instead|then))?\W*$)"
)
_DAY_WORD = (
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|today|the \d{1,2}(?:st|nd|rd|th))"
)
_TURNED_DOWN = re.compile(
    rf"\b(?P<day>{_DAY_WORD})(?:'s| is)? (?:no good|not good|not great|out|bad|busy|full|closed|too soon|too early|too late"
    r"|(?:a |the )?(?:bank |public |federal |national )?holiday|(?:doesn't|does not|won't|will not|isn't"
    rf"|is not) (?:work|good|going to work|possible)|no longer works|not possible)\b(?: for me| for us)?[,.;!]?"
)

# "I can't come on Monday, Tuesday works", "I'd rather not do Friday. Thursday?"
_CANNOT_COME = re.compile(
    rf"\b(?:can't|cannot|can not|couldn't|won't|will not|not|no longer)\s+(?:[a-z']+\s+){{0,3}}?(?:on\s+)?"
    # "I can't do Monday or Tuesday": every day of the list
    rf"(?P<day>{_DAY_WORD}(?:,? (?:or|and|nor) (?:on )?{_DAY_WORD})*)\b(?:'s)?[,.;!]?"
)

# "I've got work Friday", "I'm working Friday", "we're away on Monday": a day the caller is busy
_BUSY_ON = re.compile(
    r"\b(?:i've got|i have got|i have|i've|i got|we've got|we have|got)\s+(?:work|plans|school|something(?: on)?"
    r"|(?:an?|my)\s+[a-z]+)\s+(?:on\s+)?(?:that\s+)?"
    rf"(?P<day>{_DAY_WORD})\b(?:'s)?[,.;!]?"
    r"|\b(?:i'm|i am|we're|we are|i'll be|we'll be)\s+(?:working|busy|away|off|out|travelling|traveling|at work|tied up"
    r"|booked up|fully booked|out of town|out of the country|on holiday|on vacation|not around|not in town)\s+"
    rf"(?:on\s+)?(?:that\s+)?(?P<day2>{_DAY_WORD})\b(?:'s)?[,.;!]?"
    # "friday i have my grandson", "thursday i'm working": the day first
    rf"|\b(?P<day3>{_DAY_WORD}),?\s+(?:i've got|i have got|i have|i've|i got|we've got|we have|i'm|i am|we're|we are)\s+"
    r"(?:work|plans|school|something(?: on)?|(?:an?|my|our)\s+[a-z]+|working|busy|away|off|out of town|out(?! of)|tied up)\b"
    # (not "the following friday, i'm out of town on the 18th": busy another day)
    r"(?!\s+(?:on|this|next|the|that)\s)[,.;!]?"
)


_MOVE_WORDS = re.compile(
    r"\b(?:move|moved|moving|reschedul\w*|re schedule|postpone|push|pushed|shift|bump|rebook\w*|bring|brought|re ?arrang\w*"
    # an appointment named, not asked for ("lucas's vaccination appointment", not "a new appointment")
    r"|(?<!\ba )(?<!\ban )(?<!\bnew )(?<!another )(?<!\bone )(?:appointment|appt|visit|booking|check ?up"
    r"|physical|consult\w*|exam\w*|jab|vaccin\w*|shot|follow ?up|session)s?"
    r"|(?:can't|cannot|can not|won't|will not|unable to|not able to) (?:make|come|do|attend|go|manage)"
    # "I've got to see Dr Chen on Wednesday but my daughter can't drive me then": that time is fixed
    r"|(?:can't|cannot|can not|won't|will not|unable to|not able to) (?:[a-z]+ ){1,3}(?:then|that day|at that time)\b"
    # "I have the thing with Dr Chen Thursday", "I've got my one with Dr Patel": a visit they have
    # "I have something with Dr. Patel on Monday": likewise
    r"|(?<!can )(?<!could )(?<!may )(?:i have|i've got|i have got|i got|i've)\s+(?:(?:the|my|that|this)\s+"
    r"(?:[a-z]+\s+)?|something\s+)with (?:dr|doctor)"
    # "I've got, like, Dr. Chen on Monday": the doctor they are down to see that day
    r"|(?<!can )(?<!could )(?<!may )(?<!\bif )(?<!who )(?:i have|i've got|i have got|i got|i've|he's got|she's got|he has got|has"
    r"|she has got|we've got|they've got)\W+(?:like\W+|um\W+|uh\W+)?"
    r"(?:dr|doctor)\.?\s+[a-z'-]+\s+(?:on|this|next|tomorrow)\b"
    # "I have an appointment with Dr Patel, could we make it Thursday instead": one they have
    r"|(?<!can )(?<!could )(?<!may )(?<!do )(?<!\bif )(?:i have|i've got|i have got|i got|there's|i've|she has|he has|she's got|he's got|they have|we have)\s+an?\s+"
    r"(?:[a-z]+\s+)?(?:appointment|appt|visit|booking|check ?up)\s+(?:with|on|at|this|next|tomorrow|today|for"
    r"|monday|tuesday|wednesday|thursday|friday)\b)\b"
)


def only_a_change_of_mind(text: str) -> bool:
    """ "book Dr Patel Wednesday at 9, no wait, make that Thursday": the words that read as a move
    ("make that", "change that to", "instead") change a booking being asked for, when no
    appointment the caller has and no verb of moving one is named."""
    return bool(changes_of_mind(text)) and _MOVE_WORDS.search(text) is None


def changes_of_mind(text: str) -> list[tuple[int, int]]:
    """The words of a change of mind in "wednesday, actually make it thursday", "wednesday's no
    good, thursday then": (start, end) spans, the last first. The caller reads the words after
    one; when they name a day or time, they replace what was said before."""
    spans = [(m.start(), m.end()) for m in _CHANGE.finditer(text)]
    spans += [(m.end("day"), m.end()) for m in _TURNED_DOWN.finditer(text)]
    spans += [(m.end("day"), m.end()) for m in _CANNOT_COME.finditer(text)]
    spans += [(m.end(), m.end()) for m in _BUSY_ON.finditer(text)]
    return sorted(spans, key=lambda span: span[1], reverse=True)


_WD = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_DAYS_LIST = rf"(?P<days>(?:{_WD})s?(?:\s*,?\s*(?:or|and|nor)\s+(?:on\s+|the\s+)?(?:{_WD})s?)*)\b"
# weekdays the caller does not want: "not Monday", "any day but the Monday", "except Tuesdays", "other
# than Friday" (never the day of an appointment they mean: that is "can't make Monday")
_NOT_WANTED = re.compile(
    r"\b(?:(?:but )?not|except(?: for)?|excluding|other than|apart from|(?:any ?(?:day|time|thing)|anything) but)"
    rf"\s+(?:on\s+)?(?:a\s+|the\s+)?{_DAYS_LIST}"
)
# ... and days they cannot come, which may also name the appointment to move ("I can't do Monday")
_CANNOT = re.compile(
    rf"\b(?:can't|cannot|can not|couldn't|won't) (?:do|make|come|manage)(?: in)?\s+(?:on\s+)?{_DAYS_LIST}"
)


def _weekdays(words: str) -> set[int]:
    return {_WD.split("|").index(d) for d in re.findall(_WD, words)}


def ruled_out_days(text: str) -> tuple[set[int], set[int], str]:
    """The weekdays (0-6) the caller does not want ("any morning but not Monday"), those they also
    cannot come or turn down ("I can't do Monday", "Monday's no good"), and the text without the
    words of the first ones (so "not Monday" asks for no Monday)."""
    unwanted: set[int] = set()
    for m in _NOT_WANTED.finditer(text):
        unwanted |= _weekdays(m.group("days"))
    cannot = set(unwanted)
    for m in _CANNOT.finditer(text):
        cannot |= _weekdays(m.group("days"))
    for m in _TURNED_DOWN.finditer(text):
        cannot |= _weekdays(m.group("day"))
    for m in _BUSY_ON.finditer(text):
        cannot |= _weekdays(m.group("day") or m.group("day2") or m.group("day3"))
    return unwanted, cannot, _NOT_WANTED.sub(" ", text)


def without_busy_dates(text: str) -> str:
    """The text without the dates and weeks the caller is busy ("the 25th, I'm out of town on the
    18th", "I'll be away all next week"): never the day asked for, wherever they are said."""
    text = _AWAY_FOR_A_WEEK.sub(" ", text)
    return _BUSY_ON.sub(lambda m: " " if re.search(r"\d", m.group(0)) else m.group(0), text)


_AWAY_FOR_A_WEEK = re.compile(
    r"\b(?:i'll|i will|i'm|i am|we'll|we will|we're|we are|he'll|she'll|he's|she's) (?:be )?(?:away|out of town"
    r"|on holiday|on vacation|travelling|traveling|gone|abroad)(?: all| the whole| for| all of)? (?:next|this|that) week\b"
)


def without_days_turned_down(text: str) -> str:
    """The text without the days the caller cannot come or turns down ("I can't do Monday or
    Tuesday", "Monday's the holiday", "I'm away Friday")."""
    for pattern in (_CANNOT_COME, _CANNOT, _TURNED_DOWN, _BUSY_ON):
        text = pattern.sub(" ", text)
    return text


# "I start at noon", "my shift starts at 2", "I have to pick up my kid at 4", "I get off work at
# 1:30", "school lets out at 3": the clock time of the caller's own day, said as a reason
_OWN_PLANS = re.compile(
    r"\b(?:(?:i|we|he|she)(?:'ve| have)?(?: got| gotta| have)?(?: to)?\s+(?:start|finish|get off|get out|leave|clock in"
    r"|clock out|pick up|collect|drop off|work|am working|'m working|'m off|am off|have work|have class|have school"
    r"|have a meeting|have an? [a-z]+ appointment)"
    r"|(?:my|our|his|her) (?:shift|work|job|class|school|meeting|flight|train|bus)(?: run)?(?: starts| ends| finishes"
    r"| is| lets out|'s)?"
    r"|(?:school|work|class) (?:starts|ends|finishes|lets out|gets out))"
    r"\b[a-z' ]{0,30}?\b(?:at|by|around|till|until)\s+(?:\d{1,2}(?::\d\d)?(?:\s*(?:am|pm|o'clock))?|noon|midday)\b"
)


# "the cat refused to come in till three in the morning": a time of the night, told, never asked for
_NIGHT_TOLD = re.compile(
    r"\b(?:till|until|since|up (?:till|until)|from|at)\s+(?:0?[1-5]|12)(?::\d\d)?\s*(?:am|a\.m\.?|in the morning|at night)\b"
)


# "the bus doesn't reach you until a quarter to three": when the caller can get here, not the time
_GETS_HERE = re.compile(
    r"\b(?:the|my|our) (?:bus|train|ferry|tram|shuttle|ride|lift)\b[^.,;!?]{0,40}?\b(?:until|till|before|after|at)\s+"
    r"(?:a )?(?:(?:quarter|half) (?:past|to) )?\d{1,2}(?::\d\d)?(?:\s*(?:am|pm|o'clock))?"
)


# "I take the number 12 bus, and it only gets in at half twelve": when the ride arrives, told
_RIDE_ARRIVES = re.compile(
    r"\b(?:bus|train|ferry|tram|shuttle|ride|lift)\b[^.;!?]{0,40}?\b(?:gets? in|arrives?|comes? in|gets? (?:there|here)"
    r"|reach(?:es)? (?:you|there|here|town)|drops? (?:me|us|him|her) off)\s+(?:at|around|about|by)\s+"
    r"(?:(?:quarter|half) (?:past|to) )?\d{1,2}(?::\d\d)?(?:\s*(?:am|pm|o'clock))?"
)


# "I can't get there before quarter to 11, so 11 o'clock would be perfect", "I can be there from
# quarter past 9, so the 9:30": when the caller can come, then the time it makes them ask for
_CAN_BE_THERE = re.compile(
    r"\b(?:i|we|he|she|they)\s+(?:can't|cannot|can not|couldn't|won't|can|could)\s+(?:get|be|make it)"
    r"(?:\s+(?:there|in|here|over))?\s+(?:any\s+)?(?:before|until|till|from|after|by)\s+"
    r"(?:(?:quarter|half) (?:past|to) )?\d{1,2}(?::\d\d)?(?:\s*(?:am|pm|o'clock))?"
    r"(?=[,;.]?\s+(?:so|then|and so)\b[^.?!]{0,25}?\d)"
)


def without_own_plans(text: str) -> str:
    """The text without the clock times of the caller's own day (`_OWN_PLANS`, `_GETS_HERE`,
    `_CAN_BE_THERE` before the time it leads to) and of the night."""
    text = _CAN_BE_THERE.sub(" ", text)
    text = _RIDE_ARRIVES.sub(" ", text)
    return _NIGHT_TOLD.sub(" ", _GETS_HERE.sub(" ", _OWN_PLANS.sub(" ", text)))
