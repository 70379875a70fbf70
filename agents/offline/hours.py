"""The practice's opening hours: read from a setting (`FRONTDESK_BUSINESS_HOURS`), said back to
callers who ask "what are your hours?", "are you open on Saturday?", "what time do you close?".

The setting is groups separated by ";": days, then times or "closed":
"Mon-Fri 08:00-17:00; Sat 09:00-12:00" (also "mon,wed,fri 8am-5pm", "Sun closed"). Days not named
are closed. The hours are what the practice is open; which times can be booked is the system of
record's business (its free slots).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from agents.speakable import join_spoken, say_date, say_time

DEFAULT_HOURS = "Mon-Fri 09:00-17:00"
_DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_DAY_KEYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_CLOCK = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$")


def _day(word: str) -> int:
    key = word.strip().lower()[:3]
    if key not in _DAY_KEYS:
        raise ValueError(f"not a day of the week: {word!r}")
    return _DAY_KEYS.index(key)


def _clock(text: str) -> time:
    m = _CLOCK.match(text.strip().lower())
    if not m:
        raise ValueError(f"not a time of day: {text!r}")
    hour, minute, ampm = int(m.group(1)), int(m.group(2) or 0), (m.group(3) or "").replace(".", "")
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    if hour == 24 and minute == 0:
        return time(23, 59)
    return time(hour, minute)


@dataclass(frozen=True)
class OpeningHours:
    days: dict[int, tuple[time, time]]  # weekday (Monday 0) -> (opens, closes); absent: closed

    @classmethod
    def parse(cls, spec: str) -> OpeningHours:
        """'Mon-Fri 08:00-17:00; Sat 09:00-12:00' (ValueError when it can't be read)."""
        days: dict[int, tuple[time, time]] = {}
        for group in filter(None, (g.strip() for g in spec.split(";"))):
            m = re.match(r"^([A-Za-z, -]+?)\s+(closed|[\d:apm. ]+-[\d:apm. ]+)$", group, re.IGNORECASE)
            if not m:
                raise ValueError(f"opening hours: can't read {group!r} (e.g. 'Mon-Fri 08:00-17:00')")
            named: list[int] = []
            for part in m.group(1).split(","):
                if "-" in part:
                    first, last = (_day(x) for x in part.split("-", 1))
                    named.extend(
                        range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]
                    )
                else:
                    named.append(_day(part))
            if m.group(2).lower() == "closed":
                for d in named:
                    days.pop(d, None)
                continue
            opens, closes = (_clock(x) for x in m.group(2).split("-", 1))
            if closes <= opens:
                raise ValueError(f"opening hours: {group!r} closes before it opens")
            for d in named:
                days[d] = (opens, closes)
        return cls(days)

    def on(self, day: date) -> tuple[time, time] | None:
        return self.days.get(day.weekday())

    def describe(self) -> str:
        """'Monday to Friday, 8 AM to 5 PM, and Saturday, 9 AM to noon'."""
        if not self.days:
            return "by appointment only"
        runs: list[tuple[int, int, tuple[time, time]]] = []
        for d in sorted(self.days):
            if runs and runs[-1][1] == d - 1 and runs[-1][2] == self.days[d]:
                runs[-1] = (runs[-1][0], d, runs[-1][2])
            else:
                runs.append((d, d, self.days[d]))
        parts = []
        for first, last, (opens, closes) in runs:
            days = _DAY_NAMES[first] if first == last else f"{_DAY_NAMES[first]} to {_DAY_NAMES[last]}"
            if last == first + 1:
                days = f"{_DAY_NAMES[first]} and {_DAY_NAMES[last]}"
            parts.append(f"{days}, {_span(opens, closes)}")
        return join_spoken(parts, "and")

    def next_open_day(self, after: date) -> date | None:
        for i in range(1, 8):
            day = after + timedelta(days=i)
            if self.on(day) is not None:
                return day
        return None


def _say(t: time) -> str:
    return say_time(datetime.combine(date(2000, 1, 3), t))


def _span(opens: time, closes: time) -> str:
    return f"{_say(opens)} to {_say(closes)}"


_ASKS_CLOSE = re.compile(
    r"\b(close|closing|closes|shut|how late|until when|till when|(until|till) what time|open (until|till|late))\b"
)
_ASKS_OPEN = re.compile(
    r"\b(what time|when) ((do|does|will) )?(you|you guys|y'all|the (office|clinic|practice)) open\b|\bopen(ing)? time\b"
    r"|\bhow early\b"
)


def answer(text: str, hours: OpeningHours, now: datetime, day: date | None) -> str:
    """What to say to an hours question (normalized `text`); `day` is a day the caller named."""
    every = f"We're open {hours.describe()}."
    if re.search(r"\blunch\b", text):  # no lunch closing in the setting: say the hours as they are
        return every
    if re.search(r"\bweekends?\b", text) and day is None:
        weekend = [hours.days.get(5), hours.days.get(6)]
        if weekend == [None, None]:
            return f"We're closed on weekends. {every}"
        return every
    if re.search(r"\b(right )?now\b|\bcurrently\b|\bstill open\b", text) and day is None:
        today = hours.on(now.date())
        if today is not None and today[0] <= now.time().replace(tzinfo=None) < today[1]:
            return f"Yes, we're open now, until {_say(today[1])} today."
        return f"We're closed right now. {every}"
    if day is None and (_ASKS_CLOSE.search(text) or _ASKS_OPEN.search(text)):
        day = now.date()
    if day is None:
        return every
    said = _day_words(day, now.date())
    span = hours.on(day)
    if span is None:
        return f"We're closed {said}. {every}"
    if _ASKS_CLOSE.search(text) and not _ASKS_OPEN.search(text):
        return f"{said[:1].upper()}{said[1:]} we close at {_say(span[1])}."
    if _ASKS_OPEN.search(text) and not _ASKS_CLOSE.search(text):
        return f"{said[:1].upper()}{said[1:]} we open at {_say(span[0])}."
    if re.search(r"\b(?:what time|when|what hours|how late|how early)\b", text):
        return f"{said[:1].upper()}{said[1:]} we're open from {_span(*span)}."  # not a yes-no question
    return f"Yes, {said} we're open from {_span(*span)}."


def _day_words(day: date, today: date) -> str:
    if day == today:
        return "today"
    if day == today + timedelta(days=1):
        return "tomorrow"
    if day - today < timedelta(days=7):
        return f"on {_DAY_NAMES[day.weekday()]}s"
    return f"on {say_date(day)}"
