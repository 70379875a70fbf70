"""Two requests in one breath: "cancel my Thursday appointment and book a new one for Friday at 2",
"book me with Dr. Chen tomorrow at 10 and Dr. Patel on Friday at 11".

The first request is read as the turn; the second is kept (`CARRY`): the runtime keeps it when it
clears the scratch after a confirmed write (`agents.confirmed_write`) and plans it as the caller's
next words once the first is done (`agents.runtime`); a yes to "Is there anything else I can help
you with?" after a write still takes it up where it was left waiting.
Identity said anywhere in the turn stays with the turn ("... and Dr. Patel on Friday at 11,
Olivia Martinez, May 9 1998").
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from agents.next_person import CALLERS_OWN, CARRY, NEXT_PERSON
from agents.offline import two_people
from agents.offline.birthdates import find_dob
from agents.offline.calendar_words import WEEKDAYS
from agents.offline.dates import day_phrases, find_when
from agents.offline.intents import TASKS, Intent, intents, task_of
from agents.offline.moments import only_a_change_of_mind
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
from agents.offline.shifts import shift_of
from agents.planner import Message, PlanContext
from agents.policy import classify_confirmation

# a sentence ends at a stop, but not at the one of a title ("with Dr. Patel, but ...")
# ("done before then", "by then", "until then": a time already said, no second request after it)
_JOIN = re.compile(
    r"\b(?:and then|and also|and|(?<!before )(?<!by )(?<!until )(?<!till )(?<!since )then|also|after that|plus)\b"
    r"|(?<=\s)&(?=\s)"
    r"|(?<!\bdr)(?<!\bmr)(?<!\bms)(?<!\bmrs)(?<!\bst)(?<!\bprof)[.;!?](?=\s)"
)
# ("his date of birth is ...": whose it is goes with it)
_IDENTITY_CUE = re.compile(
    # (not "while I'm on, could I book myself in": no name after it)
    r"\b(this is|my name|name is|(?:i'm|i am)(?! (?:on|here|at|in|calling|ringing|phoning|sorry|so|just|not|also|free|away"
    r"|afraid|wondering|hoping|trying|looking|going|after|off|back|still|really|very|a|an|the|fine|ok|okay|good|sure)\b)"
    r"|it's|born|(?:(?:his|her|their|my) )?(?:date of birth|dob|birthday))\b"
)
_TWO_ASKED = re.compile(r"\b(?:two|2|both|a couple of) (?:visits|appointments|appts|slots|bookings)\b")
_BOOK_VERB = re.compile(r"\b(book|schedule|new appointment|make an appointment|set up)\b")
# a booking someone made before the call: "my mom set up my appointment", "you booked me"
_BOOKED_BY_SOMEONE = re.compile(
    r"\b(?:my (?:mom|mum|mother|dad|father|wife|husband|partner|daughter|son|sister|brother)|he|she|they|someone"
    r"|somebody|you|your office|the office)\s+(?:already\s+)?(?:set (?:me |him |her |it )?up|booked|scheduled|made)\b"
)
# something of the family's own elsewhere: "my wife's got her hair appointment", "his swimming lesson"
NOT_HERE = re.compile(
    r"\b(?:hair|nail|dentist|dental|vet|school|swimming|driving|music|piano|dance|court|work|job|bank|salon|lawyer"
    r"|eye|optician|physio|parent teacher) (?:appointment|appt|lesson|class|interview|meeting)s?\b"
)
_ALREADY = re.compile(r"\b(already|usually|normally|always|currently|regularly)\b")
_CHANGED = re.compile(
    r"\W*(?:actually|no|nah|wait|sorry|i mean|i meant|make (?:it|that)|or rather|rather|scratch that|hang on|hold on)\b"
)
_GO_ON = re.compile(r"^\W*(and )?(the (other|second|next) (one|request|thing)|that too|the rest|next)\b")

# "... could we push it back a week?": a second request about the appointment just mentioned
_INSTEAD = re.compile(r"^(?!.*\b(?:appointment|appt|visit|booking|check ?up)s?\b).*\b(?:instead|rather)\b")
_ABOUT_IT = re.compile(
    r"\W*(?:[a-z']+[,.]?\s+){0,4}?(?:move|push|bring|shift|change|cancel|switch|swap|reschedule|bump|put)\s+(?:it|that)\b"
)

# an appointment the caller (or their child) already has: "my son's appointment", "he has a check-up"
_ONE_THEY_HAVE = re.compile(
    r"\b(?:my|his|her|our|their|[a-z]+'s) (?:[a-z]+ ){0,2}(?:appointment|appt|visit|booking|check ?up|physical"
    r"|consultation|follow ?up)s?\b"
    r"|\b(?:i|he|she|we|they|[a-z]+)(?:'ve got|'ve| have got| have| has got| has| had|'s got| got| is booked"
    r"| are booked|'s booked|'m booked|'re booked) (?:an? |the |my |his |her |our |in |in for an? |in for the )?"
    r"(?:[a-z]+ ){0,2}"
    r"(?:appointment|appt|visit|booking|check[ -]?up|physical|consultation|follow[ -]?up)\b"
    # "the appointment of my son Lucas" (as Spanish and French speakers say it)
    r"|\bthe (?:[a-z]+ )?(?:appointment|appt|visit|booking|check ?up) of (?:my|his|her|our|their)\b"
    # "my son Lucas, DOB ... 2015, is having appointment with Dr Rodriguez on the 30th" (Indian English)
    r"|(?:\bis|\bam|\bare|'s|'m|'re) having (?:an? |the |my |his |her |our )?(?:[a-z]+ )?(?:appointment|appt|visit"
    r"|check[ -]?up|consultation)\b(?= (?:with|on|at)\b)"
    # "I am booked to see Dr. Chen on Wednesday": the visit they have, by its doctor
    r"|\b(?:i am|i'm|we are|we're|he is|he's|she is|she's) (?:already )?booked(?: in)? (?:to see|with) (?:dr|doctor)\b"
    # "he's due to see Dr. Rodriguez next Thursday", "I'm booked in with Dr. Chen on Friday"
    r"|\b(?:i'm|i am|he's|he is|she's|she is|we're|we are|[a-z]+ is) (?:due to see|due in with|booked (?:in )?with"
    r"|down for|scheduled (?:to see|with)) (?:dr|doctor)\b"
    # "... dob 04/08/2015. got an appointment with Dr Rodriguez on Thursday": said without the "I've"
    r"|(?:^|[.!?;]\s+)(?:got|have got) an? (?:[a-z]+ )?(?:appointment|appt|visit|booking|check[ -]?up)\b"
    # "my husband James Wilson (dob 1/30/1965) has an appointment with Dr Chen this Friday"
    # ... and "my son Lucas Garcia, born 8 April 2015, has appointment with the children doctor"
    r"|[),]\s*(?:has|have|has got|'s got) (?:an? )?(?:[a-z]+ )?(?:appointment|appt|visit|booking|check[ -]?up)\b"
)


def split_followup(text: str, now: datetime) -> tuple[str, str] | None:
    """(the turn without the second request, the second request) or None (normalized text)."""
    parts = _split(text, now)
    if parts is None:
        return None
    return _main_and_second(*parts, now)


def _main_and_second(head: str, tail: str, cut: int, now: datetime) -> tuple[str, str]:
    """The turn with the caller's own details kept in it, and the second request alone."""
    second = _with_the_day_of(head, tail[:cut].strip(" ,.;"), now)
    if _TWO_ASKED.search(head) and (doctor := DOCTOR_NAMED.search(head)) and not DOCTOR_NAMED.search(second):
        # "two appointments with Dr. Patel: Monday the 7th at 2, and then Monday the 14th at 2 as
        # well": the second is with the doctor both were asked of
        second = f"{second} with {doctor.group(0)}"
    return f"{head} , {tail[cut:]}", second


# a numbered list of requests: "1. Cancel my appointment ... at 2:30. 2. Book me ...": "2." is no hour
_LIST_NUMBER = re.compile(r"(?:^|(?<=[:.,!?;]\s))\d{1,2}[.)]\s+(?=[a-z])")


def _without_list_numbers(text: str) -> str:
    """The turn without the numbers of a list of requests, when the caller numbered them from 1."""
    if not re.search(r"(?:^|[:.,!?;]\s)1[.)]\s+[a-z]", text):
        return text
    return _LIST_NUMBER.sub("", text)


# a series said in one breath: "... the 15th and the Thursday after, the 22nd", "Monday the 26th at 3
# and the Monday after that, the 2nd of August", "... and then the following Monday, August 2nd"
_DAYS = "|".join(WEEKDAYS)
_SERIES = re.compile(
    rf",?\s+(?:and|&)\s+(?:then\s+)?(?:again\s+)?(?:on\s+)?the\s+(?:following\s+(?P<following>{_DAYS})"
    rf"|(?P<after>{_DAYS})\s+(?:after|following)(?:\s+that)?)\b"
)
# where the second's own words end ("the thursday after, the 22nd. 9 in the morning for both")
_SENTENCE_END = re.compile(r"(?<!\bdr)(?<!\bmr)(?<!\bms)(?<!\bmrs)[.;!?](?=\s|$)")


def split_series(text: str, now: datetime) -> tuple[str, str] | None:
    """(the turn with the first visit of a weekly series, the second visit as a request of its
    own) or None: never the last date alone, the first lost (normalized text)."""
    m = _SERIES.search(text)
    if m is None or task_of(intents(text)) not in (None, Intent.BOOK):
        return None
    head, tail = text[: m.start()], text[m.end() :]
    end = _SENTENCE_END.search(tail)
    own, rest = (tail[: end.start()], tail[end.end() :]) if end else (tail, "")
    if find_dob(own, now.date())[1]:
        return None  # ("... the 22nd, born 3/4/1980": the caller's details in it, read whole)
    _, span = find_dob(head, now.date())
    first = find_when(head.replace(span, " ") if span else head, now)
    if first.start is None or first.start != first.end:
        return None
    weekday = WEEKDAYS.index(m.group("following") or m.group("after"))
    said = find_when(own, now)
    if re.search(r"\d", own):
        second = said.start
    else:
        second = first.start + timedelta(days=7)  # "Monday at 3 and the Monday after"
    if (
        second is None
        or second <= first.start
        or second.weekday() != weekday
        or first.start.weekday() != weekday
    ):
        return None  # the days said do not make the series: read as one request, as before
    main = f"{head} . {rest}".strip(" .") if rest.strip(" .,") else head
    at = said.at or find_when(main, now).at or find_when(f"{own} {rest}", now).at
    request = f"book {_on(second)}" + (f" at {_clock(at)}" if at is not None else "")
    if (doctor := DOCTOR_NAMED.search(head)) is not None:
        request = f"{request} with {doctor.group(0)}"  # "two sessions with Dr. Chen, ...": both with them
    return main, request


def _clock(at: time) -> str:
    """ "3 pm", "9:30 am": a time as callers say it, read back the same by `dates`."""
    hour = at.hour % 12 or 12
    return f"{hour}{f':{at.minute:02d}' if at.minute else ''} {'am' if at.hour < 12 else 'pm'}"


def _split(text: str, now: datetime) -> tuple[str, str, int] | None:
    """The turn before the second request, the second request, and where the caller's own name or
    date of birth starts in it (they stay with the turn)."""
    for m in _JOIN.finditer(text):
        head, tail = text[: m.start()], text[m.end() :]
        first = task_of(intents(head))
        # "..., and a follow-up with him two weeks later, Monday the 24th": a second visit
        again = re.search(r"\b(?:a|the) (?:follow ?up|second|return|repeat)\b", tail) is not None and (
            not _no_day(tail, now)
            or shift_of(tail) is not None  # "... and the follow-up two weeks after that"
        )
        if (
            first is None
            and _names_a_visit(head, now)
            and (relative_first(tail) or relative_asked_for(tail) or _names_a_visit(tail, now) or again)
        ):
            # "Dr Patel for me Thursday at 2, and my son needs Dr Chen at 3", "I'd like Dr Patel on
            # Tuesday at 9, and then Dr Chen the same day at 4": two visits, no verb for the first
            first = Intent.BOOK
        if first is None or re.match(r"\W*(if|unless|otherwise|in case|when)\b", tail):
            continue
        listed = re.split(r"(?<!\bdr)(?<!\bmr)(?<!\bms)(?<!\bmrs)[.!?;:]", tail, maxsplit=1)
        if (
            len(listed) == 2
            and re.fullmatch(r"\W*(?:a|an|the|one|another)(?: [a-z-]+){1,3}\W*", listed[0]) is not None
            and _no_day(head, now)
            and _no_day(listed[0], now)
            and not _no_day(listed[1], now)
        ):
            # "two appointments, a physical and then a follow-up. The physical first: Wednesday at 9":
            # the visits listed, then the first one's day (the second comes as its own request)
            continue
        second = task_of(intents(tail))
        names_one = re.search(r"\b(dr|doctor)\b", tail) is not None and not find_when(tail, now).empty
        another = (
            re.search(r"\b(another|a new one|a second one|one more)\b", tail) is not None
            or again
            # "two visits with Dr. Chen: Monday the 16th at 10, and then Monday the 23rd at 10 too"
            # (not "I need to book two appointments. First one's for my son ...": nothing asked yet)
            # (nor "two appointments on the same afternoon, one for me ...": no day of the first)
            or (
                _TWO_ASKED.search(head) is not None
                and find_when(head, now).start is not None
                and find_when(tail, now).start is not None
            )
        )
        # ("my wife wants a doctor to look at it. Dr. Patel, this Friday ...": no doctor named before)
        if (
            second is None
            and names_one
            and not another
            and not re.search(r"(?<!\ba )(?<!\bthe )(?<!\bany )\b(dr|doctor)\b", head)
        ):
            continue  # "can I come in this afternoon? 3:30 with Dr. Patel would be ideal": one booking
        if second is None and (names_one or another):
            second = Intent.BOOK  # "... and Dr. Patel on Friday at 11"
        if first == Intent.BOOK and second in (None, Intent.BOOK) and relative_asked_for(tail):
            # "... and one for my son Lucas ... with Dr. Rodriguez straight after mine": his, another visit
            second, another = Intent.BOOK, True
        if (
            first == Intent.CANCEL
            and second == Intent.RESCHEDULE
            and re.search(r"\b(?:book|schedule|make (?:a )?new|new appointment)\b", tail)
        ):
            # "cancel my monday one, and instead book dr chen on the 19th", "... and instead make new
            # appointment to doctor Patel": both, as said
            second = Intent.BOOK
        if first == Intent.BOOK and second in (Intent.RESCHEDULE, Intent.CANCEL) and _ABOUT_IT.match(tail):
            continue  # "I've got an appointment this Wednesday. Could we push it back a week?": that one
        if (
            first == Intent.BOOK
            and second in (Intent.RESCHEDULE, Intent.CANCEL)
            and _no_day(head, now)
            and not _BOOK_VERB.search(head)
        ):
            # "I'd feel more comfortable seeing someone else for this visit. Could my appointment on
            # Thursday stay at the same time but with Dr. Chen?": why, then the one request
            continue
        if (
            first == Intent.BOOK
            and second in (Intent.RESCHEDULE, Intent.CANCEL)
            and _ONE_THEY_HAVE.search(head)
        ):
            if not _BOOK_VERB.search(_BOOKED_BY_SOMEONE.sub(" ", head)) and not another:
                # "His check-up with Dr X is next Tuesday, we're away. Please cancel.", "my mom set up
                # my appointment for Thursday, ... can I move it": that one
                continue
        if (
            first == Intent.BOOK
            and second == Intent.RESCHEDULE
            and _CHANGED.match(tail)
            and only_a_change_of_mind(tail)
        ):
            continue  # "... wednesday at 11... actually make that 11:30": the same booking, changed
        if (
            first == Intent.BOOK
            and second == Intent.RESCHEDULE
            and re.search(r"\b(?:can't|cannot|can not|won't|unable to) (?:do|make|come|manage)\b", tail)
            and not _NAMES_ONE_TO_MOVE.search(tail)
        ):
            continue  # "Dr Chen early next week. I can't do Monday, so Tuesday": the day of this booking
        if (
            first == Intent.BOOK
            and second == Intent.RESCHEDULE
            and re.search(r"\b(?:sooner|earlier|later)\b", head)
            and _no_day(head, now)
        ):
            continue  # "I'd like to see Dr. Chen sooner. Can I move my Thursday visit to tomorrow?": one move
        if first == Intent.BOOK and second == Intent.RESCHEDULE and _INSTEAD.search(tail):
            continue  # "I can't make my check-up on Thursday. Could we do Monday instead?": one move
        if (
            first == Intent.RESCHEDULE
            and second == Intent.BOOK
            and not another
            and not _BOOK_VERB.search(tail)
        ):
            continue  # "move my friday appointment. what does dr chen have thursday?": the new time
        if (
            first == Intent.BOOK
            and second == Intent.BOOK
            and not another
            and _ONE_THEY_HAVE.search(head)
            and not _BOOK_VERB.search(head)
        ):
            continue  # "I have my check-up Thursday with Dr Patel; could Dr Chen also see me then?": one booking
        if (
            first == Intent.BOOK
            and (
                second == Intent.BOOK
                or (second != Intent.CANCEL and _OWN_REQUEST.match(tail.lstrip(" ,.")) is not None)
            )
            and _SOMEONE_ELSES_VISIT.search(head)
            and not _BOOK_VERB.search(head)
        ):
            continue  # "my husband James sees Dr. Chen on Monday, and I'd like my own ...": one booking
        if first == Intent.BOOK and second == Intent.BOOK and not another and _ALREADY.search(head):
            continue  # "I already see Dr Patel Thursday, but I also need Dr Chen Friday": one booking
        if first == Intent.BOOK and second == Intent.BOOK and not another and _no_day(head, now):
            continue  # "I usually see Dr Patel, but this time I need Dr Rodriguez Monday at 10": one booking
        if (
            first == Intent.BOOK
            and second == Intent.BOOK
            and not another
            and names_one
            and not re.search(r"\b(dr|doctor)\b", head)
            and find_when(head, now).at is None
        ):
            continue  # "... my sister says I should get it looked at. could I see Dr Patel Thursday?": one
        if first == Intent.BOOK and second == Intent.BOOK and not another and _PREFERENCE.search(tail):
            continue  # "whoever's free first thing Thursday. Dr. Patel at 9 would be ideal.": one booking
        if second is None or {first, second} <= {Intent.CANCEL, Intent.RESCHEDULE}:
            continue  # "I can't make it Thursday and need to reschedule": one move
        if second == first and not (second == Intent.BOOK and (names_one or another)):
            continue  # the same request said twice
        if Intent.PROVIDERS in (first, second) or first == Intent.LIST:
            continue  # "when's my appointment, and can you move it": the move is the request
        if (
            NOT_HERE.search(tail)
            and not _BOOK_VERB.search(tail)
            and not re.search(r"\b(?:dr|doctor)\b", tail)
        ):
            continue  # "... at 10? My wife's got her hair appointment that afternoon": why, not a request
        cut = _identity_start(tail, now)
        if not tail[:cut].strip(" ,.;"):
            continue
        return head, tail, cut
    return None


# the same visit, wished for more precisely: "Dr. Patel at 9 would be ideal", "preferably 10"
_PREFERENCE = re.compile(
    r"\b(?:would be (?:ideal|great|perfect|best|lovely|nice|good)|ideally|preferably|if possible|would suit me"
    r"|(?:i'd|i would) prefer|(?:is|'s) (?:my )?(?:first choice|preference)"
    r"|if (?:she|he|they|you) (?:has|have|'s got|'ve got) (?:it|one|that|space|room|a slot)"
    r"|if (?:it's|that's|it is|that is) (?:free|available|possible|open))\b"
)


# words of a move of a visit the caller has ("move my Thursday one", "the appointment I have")
_NAMES_ONE_TO_MOVE = re.compile(
    r"\b(?:move|moved|reschedul\w*|push|shift|postpone|change|bring|bump)\b"
    r"|\b(?:appointment|appt|visit|booking|check ?up|one)s?\b"
)


SAME_DAY_WORDS = re.compile(
    r"\b(?:on )?(?:the|that)(?: very)? same day\b|\bsame day\b|\bthat day\b"
    # "book my son right after me, at 11:30", "back to back with mine": the day of the caller's visit
    r"|\b(?<!day )(?<!week )(?:(?:right|straight|just|immediately) )?(?:after|before) (?:me|mine|my appointment|my visit"
    r"|my one)\b"
    r"|\bback to back\b(?: with (?:me|mine))?"
)


def _with_the_day_of(head: str, follow: str, now: datetime) -> str:
    """ "Dr Patel on Monday at 3, and one with Dr Rodriguez at 3:30 the same day": the second
    request is read on its own later (after the first is done), so the day it shares with the
    first is written into it ("... at 3:30 on march 1"); read alone, "the same day" was today."""
    asked = find_when(follow, now)
    if asked.start is not None or (asked.at is None and not SAME_DAY_WORDS.search(follow)):
        return follow
    _, span = find_dob(head, now.date())
    first = find_when(head.replace(span, " ") if span else head, now)
    if first.start is None or first.start != first.end:
        return follow
    if (next_to := NEXT_TO_IT.search(follow)) is not None and first.at is not None and asked.at is None:
        return next_to_it(follow, next_to, datetime.combine(first.start, first.at))
    if SAME_DAY_WORDS.search(follow):
        return on_that_day(follow, first.start)
    return f"{follow} {_on(first.start)}"


# next to another visit: "right after mine" (the half hour after it), "an hour after his", "just
# before hers", "the same time as mine"
NEXT_TO_IT = re.compile(
    # (not "the day after mine": another day)
    r"\b(?<!day )(?<!week )(?<!days )(?<!weeks )(?:(?P<n>an|a|one|1|2|two|half an|90|30|45|15) (?P<unit>hours?|minutes?|mins?) "
    r"|(?:right|straight|just|immediately|directly) )?(?P<side>after|before|(?:at )?the same time as)"
    r" (?:me|mine|him|his|her|hers|them|theirs|that one|(?:my|his|her|their) (?:appointment|visit|one|booking)"
    # "right after my husband", "straight after my daughter's"
    r"|my (?:husband|wife|partner|son|daughter|boy|girl|mum|mom|mother|dad|father|kid|child)(?:'s)?)\b"
)
_AMOUNTS = {"an": 1, "a": 1, "one": 1, "1": 1, "2": 2, "two": 2, "half an": 0.5}


def minutes_from_it(next_to: re.Match[str]) -> float:
    """How far from the other visit `NEXT_TO_IT` says: the half hour after it (an amount said: that
    much; before it: the other way; "the same time as mine": 0)."""
    side = next_to.group("side")
    minutes = 30.0
    if next_to.group("n"):
        amount = float(_AMOUNTS.get(next_to.group("n"), next_to.group("n")))
        minutes = amount * 60 if next_to.group("unit").startswith("hour") else amount
    if side.endswith("same time as"):
        minutes = 0
    return -minutes if side == "before" else minutes


def next_to_it(text: str, next_to: re.Match[str], start: datetime) -> str:
    """ "Dr. Rodriguez, right after mine" with the visit at `start`: the time `minutes_from_it`
    says, on its day, written in."""
    at = start + timedelta(minutes=minutes_from_it(next_to))
    said = f"on {at:%B} {at.day} at {at.hour % 12 or 12}:{at:%M} {'am' if at.hour < 12 else 'pm'}".lower()
    return f"{text[: next_to.start()]} {said} {text[next_to.end() :]}"


def on_that_day(text: str, day: date) -> str:
    """ "... at 3:30 the same day" with that day written in: "... at 3:30 on march 1"."""
    return SAME_DAY_WORDS.sub(_on(day), text, count=1)


def _on(day: date) -> str:
    return f"on {day:%B} {day.day}".lower()


# a relative's visit told before the caller's own request: "my husband James sees Dr. Chen on Monday
# afternoon, and I'd like my own ...", "Lucas has his vaccination with Dr. Rodriguez on Wednesday"
_SOMEONE_ELSES_VISIT = re.compile(
    r"\b(?:my (?:husband|wife|partner|son|daughter|boy|girl|mum|mom|mother|dad|father|kid|child)(?: [a-z]+)?"
    r"|(?!i\b|we\b|you\b)[a-z]+) (?:sees|is seeing|'s seeing|has|has got|'s got|is due to see|is booked (?:in )?with)"
    r" (?:(?:his|her|their|a|an|the) )?(?:[a-z]+ )?(?:dr|doctor|appointment|appt|vaccination|check ?up|visit|jab)\b"
)
_NOW_WANTED = re.compile(r".*\b(need|want|like|book|schedule|prefer|after)\b")
# the caller's own request said after it: "I'd like to come in at the same time", "could I have ..."
_OWN_REQUEST = re.compile(
    r"\b(?:i'd like|i would like|can i|could i|may i|i want|i'd love|book me|get me|i need to see|i'll have)\b"
    r"(?! (?:to )?(?:book|make|get|move|cancel|reschedule) (?:him|her|them|it|one for (?:him|her|them)|his|her)\b)"
)


def own_request_after_theirs(text: str) -> bool:
    """ "My wife Emily already has her check-up with Dr. Patel at 10 on Wednesday. I'd like to come in
    at the same time, but with Dr. Chen": a relative's visit told, then a request of the caller's own."""
    theirs = _SOMEONE_ELSES_VISIT.search(text)
    return theirs is not None and _OWN_REQUEST.search(text, theirs.end()) is not None


def the_new_request(text: str) -> str:
    """The part of a booking that asks for something new, after an appointment the caller already
    has ("I already see Dr Patel Thursday, but I also need Dr Chen on Friday at 10": Friday)."""
    if (had := _ALREADY.search(text) or _SOMEONE_ELSES_VISIT.search(text)) is None:
        return text
    wanted = _NOW_WANTED.search(text, had.end())
    if wanted is None:
        return text
    new, had_part = text[wanted.end() :], text[had.end() : wanted.end()]
    days = day_phrases(had_part)
    if (
        days
        and days[-1].start() - days[0].end() <= 5  # one day: "thursday the 9th"
        and not day_phrases(new)
        and _ON_ITS_DAY.search(text[had.end() :])
    ):
        # "Lucas already has Dr Rodriguez on Thursday the 9th at 9:30. Could I see Dr Patel right
        # after him, at 10": on that visit's day
        return f"{new} on {had_part[days[0].start() : days[-1].end()]}"
    return new


# the new visit tied to the day of the one the caller has: "right after him", "the same day"
_ON_ITS_DAY = re.compile(
    r"\b(?:(?:right|straight|just|directly|immediately) (?:after|before)|(?:after|before) (?:him|her|them|it|that|his"
    r"|hers|theirs|mine))\b"
    r"|\b(?:the )?same (?:day|morning|afternoon)\b|\bthat (?:same )?(?:day|morning|afternoon)\b"
)


# "the doctor said come back in a few weeks": what a doctor advised, told as the story of the call
_DOCTOR_SAID = re.compile(
    r"\b(?:the |my |dr\.? |doctor )?(?:dr|doctor)\.?(?: [a-z]+)? (?:said|told (?:me|us|him|her)|wanted (?:me|us|him|her)"
    r"|asked (?:me|us)|suggested|recommended|advised)\b"
)


def _names_a_visit(text: str, now: datetime) -> bool:
    """A doctor and a day or time ("dr patel for me thursday at 2"), a date of birth aside."""
    return re.search(r"\b(dr|doctor)\b", _DOCTOR_SAID.sub(" ", text)) is not None and not _no_day(text, now)


# the caller's own name or date of birth after a relative's request ("... I'm Maria Garcia, ...")
_OWN_IDENTITY = re.compile(
    r"^\W*(?:i'm|i am|this is|my name is|my name's|it's|me,|and i'm|my date of birth|my dob|i was born)\b"
)


def _relatives_part(tail: str, cut: int) -> tuple[str, str]:
    """(the relative's request with the details said for them, the caller's own details after it)."""
    if _OWN_IDENTITY.search(tail[cut:]):
        return tail[:cut].strip(" ,.;"), tail[cut:]
    return tail.strip(" ,.;"), ""


def _no_day(text: str, now: datetime) -> bool:
    """No day or time asked for in `text` (a date of birth is not one)."""
    _, span = find_dob(text, now.date())
    return find_when(text.replace(span, " ") if span else text, now).empty


def _identity_start(tail: str, now: datetime) -> int:
    """Where the caller's name or date of birth starts in the second request, if it is there."""
    starts = [len(tail)]
    _, span = find_dob(tail, now.date())
    if span:
        starts.append(tail.index(span))
        name = name_near(*tail.partition(span)[::2])
    else:
        name = find_name(tail)
    if cue := _IDENTITY_CUE.search(tail):
        starts.append(cue.start())
    if name and (said := re.search(rf"\b{re.escape(name[0].lower())}\b", tail)):
        starts.append(said.start())
    return min(starts)


def take_followup(ctx: PlanContext, s: dict[str, Any]) -> PlanContext:
    """The context this turn is read with: the kept second request when the caller says to go on,
    or the turn without the second request it carries (kept for later)."""
    users = [i for i, m in enumerate(ctx.messages) if m.role == "user" and m.content]
    if not users:
        return ctx
    last = users[-1]
    raw = ctx.messages[last].content or ""
    carried = s.pop(CARRY, None)
    if (
        carried
        and _after_done(ctx, last)
        and (classify_confirmation(raw) == "yes" or _GO_ON.search(normalize(raw)))
    ):
        return _with_user_turn(ctx, last, carried)
    text = _without_list_numbers(normalize(raw))
    if carried and not _after_done(ctx, last) and task_of(intents(text)) is None:
        # "cancel my chen one and book dr patel on the 17th", then "james wilson 1/30/1965": the
        # second still waits for the first to be done
        s[CARRY] = carried
    if (without := two_people.their_details_now(s, text, ctx.now)) is not None:
        # "I'm Ryan Walker, born .... She's Mia White, born ...": hers kept with her request
        text = without
        ctx = _with_user_turn(ctx, last, without)
    if (both := two_people.split_both(text, ctx.now)) is not None:
        # "10:00 for me and 10:30 for him": the caller's own now, the relative's once it is done
        own, relative, their_kin = both
        if task_of(intents(relative)) is None and (task := task_of(intents(own))) is not None:
            relative = f"{task.value} {relative}"  # "book for myself and for my son": his is a booking too
        two_people.keep_for_later(s, relative, their_kin)
        return _with_user_turn(ctx, last, own)
    if (booking := _if_none(text, ctx.now)) is not None:
        # "when's my appointment? and if I don't have one, can I see Dr Patel Wednesday at 1:30?":
        # the booking kept for the answer "none" (`planner`)
        s[IF_NONE_KEY] = booking[1]
        return _with_user_turn(ctx, last, booking[0])
    if (series := split_series(text, ctx.now)) is not None:
        # "Thursday the 15th and the Thursday after, the 22nd. 9 in the morning for both": the
        # first now, the second (at the time said for both) once it is done
        s[CARRY] = series[1]
        return _with_user_turn(ctx, last, series[0])
    parts = _split(text, ctx.now)
    if parts is None:
        return ctx
    head, tail, cut = parts
    if (again := _said_again(head, tail, ctx.now)) is not None:
        # "9:30 maybe... no, make it 10. Monday the 28th at 10 with Dr. Chen.": the request said
        # over again, settled, not a second one
        return _with_user_turn(ctx, last, again)
    tasks = {i for i in intents(text) if i in TASKS}
    if len(tasks) == 1 and task_of(intents(head)) not in (None, *tasks):
        # "the appointment ... of friday, i don't need it more. please cancel": one request, said
        # in two sentences (the first alone reads as another task), not two requests
        return ctx
    main, carry = _main_and_second(head, tail, cut, ctx.now)
    kin = relative_asked_for(carry) or relative_first(tail)
    if kin is None and (named := _relative_by_first_name(head, carry, ctx.now)) is not None:
        # "... for me and my partner Charlotte Clark, her birthday is .... Me with Dr Chen ..., and
        # Charlotte with Dr Patel the same morning": hers, as her, with the details said for her
        kin, details = named
        s[NEXT_PERSON] = {"kin": kin, "text": _with_the_day_of(head, f"{details} {carry}", ctx.now)}
        return _with_user_turn(ctx, last, main)
    if kin is not None and relative_asked_for(head) is None:
        # "one for me ..., and one for my son Lucas (born ...)": the caller's own first; the
        # relative's, with the details said for them, once it is done, as that person
        # (`agents.next_person`: one person verified at a time)
        theirs, own = _relatives_part(tail, cut)
        s[NEXT_PERSON] = {
            "kin": kin,
            "text": _with_the_task_of(head, _with_the_day_of(head, theirs, ctx.now)),
        }
        return _with_user_turn(ctx, last, f"{head} , {own}" if own else head)
    if kin is None and (theirs_first := _relatives_first(head)) is not None and _THE_CALLERS.search(carry):
        # "cancel my son's appointment (he's Lucas Garcia, born ...), and book me with Dr Patel the
        # same day": the relative's first; the caller's own once it is done, as the caller, with
        # the name and date of birth the caller gave for themselves before the relative's part
        own = _own_identity(head[:theirs_first], ctx.now)
        s[NEXT_PERSON] = {"kin": CALLERS_OWN, "text": f"{own}{carry}"}
        return _with_user_turn(ctx, last, main)
    s[CARRY] = carry
    return _with_user_turn(ctx, last, main)


_ANOTHER_VISIT_WORDS = re.compile(
    r"\b(?:another|second|also|too|again|follow ?up|as well|then|for (?:my|him|her|them)|my (?:son|daughter|husband|wife))\b"
)


def _said_again(head: str, tail: str, now: datetime) -> str | None:
    """The second part when it only says the first one over, whole and settled ("Dr. Patel, 9 or
    9:30... 9:30 is better. Wednesday the 30th at 9:30 with Dr. Patel."): the same doctor and day
    (or none said before), a day and a time, nothing of another visit; None otherwise."""
    said = find_when(tail, now)
    if said.start is None or said.at is None or _ANOTHER_VISIT_WORDS.search(tail):
        return None
    _, span = find_dob(head, now.date())
    # ("Sophia Taylor, 12/5/2001. Dr. Patel, 10 or 10:30 ...": who they are stays with it)
    who = head[: head.index(span) + len(span)] + " . " if span else ""
    head = head[head.index(span) + len(span) :] if span else head
    before = find_when(head, now)
    if before.start is not None and before.start != said.start:
        return None
    theirs, first = DOCTOR_NAMED.search(tail), DOCTOR_NAMED.search(head)
    if theirs is not None and first is not None and theirs.group(1) != first.group(1):
        return None
    if task_of(intents(head)) not in (None, Intent.BOOK) or task_of(intents(tail)) not in (None, Intent.BOOK):
        return None
    return who + (tail if theirs is not None or first is None else f"{tail} with {first.group(0)}")


def _with_the_task_of(head: str, theirs: str) -> str:
    """ "for my son" said after "I need to book for myself": his request is a booking too."""
    if task_of(intents(theirs)) is None and (task := task_of(intents(head))) is not None:
        return f"{task.value} {theirs}"
    return theirs


def _relative_by_first_name(head: str, carry: str, now: datetime) -> tuple[str, str] | None:
    """(the kin word, "first last, born <date>.") when the second request begins with the first
    name of a relative named in full, with a date of birth, before it; None otherwise."""
    for m in re.finditer(rf"\b(?:my|our) ({KIN}) ([a-z][a-z'-]+) ([a-z][a-z'-]+)\b", head):
        if not re.match(rf"\W*(?:and\s+|then\s+)?{re.escape(m.group(2))}\b", carry):
            continue
        _, span = find_dob(head[m.end() :], now.date())
        if span:
            return m.group(1), f"{m.group(2)} {m.group(3)}, born {span}."
    return None


IF_NONE_KEY = "if_none"  # the scratch key of a booking asked for in case there is no appointment
_IF_NONE = re.compile(
    r"\W*(?:and\s+|but\s+|so\s+)?(?:if (?:i|there|you) (?:don't|do not|doesn't|does not|have no|haven't got|isn't|is not"
    r"|can't find)(?: have)?(?: any| one| an appointment| anything)?|if not|if none|otherwise)[\s,]*"
)


def _if_none(text: str, now: datetime) -> tuple[str, str] | None:
    """(the question, the booking) for "when's my appointment? and if I don't have one, can I see
    Dr Patel Wednesday?", or None."""
    for m in re.finditer(r"[?.!,;]\s*|\s(?=and if|if (?:i|there|you|not|none)|otherwise)", text):
        head, tail = text[: m.start() + 1], text[m.end() :]
        none = _IF_NONE.match(tail)
        if none is None or task_of(intents(head)) != Intent.LIST:
            continue
        booking = tail[none.end() :]
        if task_of(intents(booking)) == Intent.BOOK or not find_when(booking, now).empty:
            return head, booking
    return None


# the second request is the caller's own ("and book me ...", "and I need one too")
_THE_CALLERS = re.compile(
    r"\b(?:book me|see me|for me|for myself|(?:i|i'd|i would) (?:need|like|want)|i'd also like|me too|one too)\b"
)


def _relatives_first(head: str) -> int | None:
    """Where the relative the first request is for is named in it ("cancel my son's appointment",
    "cancel Lucas's appointment ... my son Lucas Garcia, born ..."), or None."""
    if (m := KIN_WORDS.search(head)) is None:
        return None
    if relative_asked_for(head) is None and someone_elses_name(head) is None:
        return None  # "my son is ill, so cancel my appointment": the caller's own
    return min(
        [m.start(), *(n.start() for n in re.finditer(r"\b[a-z]+'s (?:appointment|appt|visit|booking)", head))]
    )


def _own_identity(before_relative: str, now: datetime) -> str:
    """ "this is maria garcia, born october 19 1982. " from the words before the relative's part,
    or nothing when the caller gave no date of birth of their own there."""
    dob, span = find_dob(before_relative, now.date())
    if dob is None or not span:
        return ""
    name = name_near(*before_relative.partition(span)[::2]) or find_name(before_relative.replace(span, " , "))
    who = f"this is {name[0]} {name[1]}, " if name else ""
    return f"{who}born {dob:%B} {dob.day} {dob.year}. ".lower()


def _after_done(ctx: PlanContext, last_user: int) -> bool:
    """The reply before this turn reported a completed write ("Done. You're booked ...")."""
    said = [m.content for m in ctx.messages[:last_user] if m.role == "assistant" and m.content]
    return bool(said) and said[-1].startswith("Done.")


def with_last_words(ctx: PlanContext, content: str) -> PlanContext:
    """The context with the caller's last turn read as `content`."""
    users = [i for i, m in enumerate(ctx.messages) if m.role == "user" and m.content]
    return _with_user_turn(ctx, users[-1], content) if users else ctx


def _with_user_turn(ctx: PlanContext, index: int, content: str) -> PlanContext:
    messages = list(ctx.messages)
    messages[index] = Message(role="user", content=content)
    return ctx.model_copy(update={"messages": messages})
