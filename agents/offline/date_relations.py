"""Days said by their relation to another date, written as the date parsers read them (normalized
text in, normalized text out; run first by `dates.find_when`):

- a public holiday by name ("Memorial Day", "the 4th of July", "Thanksgiving"): its next date;
- "the day after May 28", "the day before the 20th", "the Friday before Memorial Day": that date;
- "the week of the 15th" (the week that date falls in): this week, next week or the week after
  next, as said of today; with a weekday of it ("the Wednesday of that week", "the week of the
  22nd, on the Thursday"): that day's date.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from agents.offline.calendar_words import MONTH_WORDS, MONTHS, WEEKDAYS, safe_date
from agents.offline.moments import _NOT_WANTED

_WD = "|".join(WEEKDAYS)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th `weekday` of the month (n = -1: the last)."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


_HOLIDAYS: dict[str, Callable[[int], date]] = {
    "new year's day": lambda y: date(y, 1, 1),
    "new years day": lambda y: date(y, 1, 1),
    "martin luther king day": lambda y: _nth_weekday(y, 1, 0, 3),
    "mlk day": lambda y: _nth_weekday(y, 1, 0, 3),
    "presidents day": lambda y: _nth_weekday(y, 2, 0, 3),
    "presidents' day": lambda y: _nth_weekday(y, 2, 0, 3),
    "president's day": lambda y: _nth_weekday(y, 2, 0, 3),
    "memorial day": lambda y: _nth_weekday(y, 5, 0, -1),
    "juneteenth": lambda y: date(y, 6, 19),
    "independence day": lambda y: date(y, 7, 4),
    "the 4th of july": lambda y: date(y, 7, 4),
    "labor day": lambda y: _nth_weekday(y, 9, 0, 1),
    "labour day": lambda y: _nth_weekday(y, 9, 0, 1),
    "columbus day": lambda y: _nth_weekday(y, 10, 0, 2),
    "veterans day": lambda y: date(y, 11, 11),
    "veterans' day": lambda y: date(y, 11, 11),
    "thanksgiving": lambda y: _nth_weekday(y, 11, 3, 4),
    "thanksgiving day": lambda y: _nth_weekday(y, 11, 3, 4),
    "christmas day": lambda y: date(y, 12, 25),
    "christmas eve": lambda y: date(y, 12, 24),
    "christmas": lambda y: date(y, 12, 25),
}
# only where a day is asked by it ("the day after Memorial Day", "the Friday before Labor Day", "on
# Christmas Eve"); elsewhere a holiday is the caller's story ("away for Christmas", "a cough since
# Christmas", "Thursday? no, that's Thanksgiving") and stays as said
_HOLIDAY = re.compile(
    rf"(?P<pre>\b(?:day|{_WD}) (?:before|after) (?:the )?|\bon )(?P<name>"
    + "|".join(re.escape(h) for h in sorted(_HOLIDAYS, key=len, reverse=True))
    + r")\b"
)

# "the day after may 28", "the friday before may 24", "the day before the 20th"
_NEXT_TO_A_DATE = re.compile(
    rf"\b(?:the )?(?P<what>day|{_WD}) (?P<side>after|before) (?:the )?(?:(?P<month>{MONTH_WORDS}) (?P<n>\d{{1,2}})"
    r"|(?P<nth>\d{1,2})(?:st|nd|rd|th))\b"
)
# "the week of the 15th", "the week of april 15"
_WEEK_OF = re.compile(
    rf"\b(?:in |during )?the week of (?:the )?(?:(?P<month>{MONTH_WORDS}) (?P<n>\d{{1,2}})(?:st|nd|rd|th)?"
    r"|(?P<nth>\d{1,2})(?:st|nd|rd|th))\b"
)
# the weekday of that week: "the wednesday of that week", "on the thursday", "that wednesday"
_ITS_WEEKDAY = re.compile(rf"\b(?:on )?(?:the |that )?({_WD})(?: of that week| that week)?\b")


# "... on Friday the 25th at 9:30. Could you move it to any day that same week?": the week of that date
_SAME_WEEK = re.compile(r"\b(?:that|the) same week\b")
_A_DATE = re.compile(
    rf"\b(?:(?P<month>{MONTH_WORDS}) (?P<n>\d{{1,2}})|the (?P<nth>\d{{1,2}}))(?:st|nd|rd|th)?\b"
    # ("and the second: dr chen on the thursday of that same week": which request, no date)
    r"(?!\s*:)"
)


def _the_week_of_the_date_said(text: str) -> str:
    """ "that same week" after a date said ("he has Friday the 25th ... any day that same week"):
    "the week of" that date."""
    same = _SAME_WEEK.search(text)
    if same is None or (said := [*_A_DATE.finditer(text[: same.start()])]) == []:
        return text
    return f"{text[: same.start()]}the week of {said[-1].group(0)}{text[same.end() :]}"


def _next_date(today: date, month: int | None, day: int) -> date | None:
    """The next `day` of `month` (or of this or next month) from today on."""
    if month is not None:
        there = safe_date(today.year, month, day)
        if there is not None and there < today:
            there = safe_date(today.year + 1, month, day)
        return there
    for ahead in range(0, 3):
        m = (today.month - 1 + ahead) % 12 + 1
        y = today.year + (today.month - 1 + ahead) // 12
        there = safe_date(y, m, day)
        if there is not None and there >= today:
            return there
    return None


def _written(day: date) -> str:
    return f"{day:%B} {day.day}".lower()


def _holiday(m: re.Match[str], today: date) -> str:
    rule = _HOLIDAYS[m.group("name")]
    day = rule(today.year)
    return m.group("pre") + _written(day if day >= today else rule(today.year + 1))


def relative_dates(text: str, today: date) -> str:
    text = _HOLIDAY.sub(lambda m: _holiday(m, today), text)

    def next_to(m: re.Match[str]) -> str:
        month = MONTHS[m.group("month")] if m.group("month") else None
        anchor = _next_date(today, month, int(m.group("n") or m.group("nth")))
        if anchor is None:
            return m.group(0)
        if m.group("what") == "day":
            day = anchor + timedelta(days=1 if m.group("side") == "after" else -1)
        else:
            weekday = WEEKDAYS.index(m.group("what"))
            step = 1 if m.group("side") == "after" else -1
            day = anchor + timedelta(days=step)
            while day.weekday() != weekday:
                day += timedelta(days=step)
        return _written(day)

    text = _NEXT_TO_A_DATE.sub(next_to, text)
    text = _the_week_of_the_date_said(text)
    if (week := _WEEK_OF.search(text)) is not None:
        month = MONTHS[week.group("month")] if week.group("month") else None
        anchor = _next_date(today, month, int(week.group("n") or week.group("nth")))
        if anchor is not None:
            monday = anchor - timedelta(days=anchor.weekday())
            after = text[week.end() :]
            # ("the week of the 21st, any day but the Monday": no weekday of it asked for)
            kept = _NOT_WANTED.sub(lambda m: " " * len(m.group(0)), after)
            if (named := _ITS_WEEKDAY.search(kept)) is not None:
                day = monday + timedelta(days=WEEKDAYS.index(named.group(1)))
                # "the week of the 8th? tuesday 3/9 at 3:30 would be best": the weekday said right
                # after it, even in a sentence of its own, is the day, with the words said after it
                begins = 0 if re.fullmatch(r"[\s,.?!;:-]*", after[: named.start()]) else named.start()
                after = f"{after[:begins]} {after[named.end() :]}"
                return f"{text[: week.start()]} on {_written(day)} {after}"
            weeks = (monday - (today - timedelta(days=today.weekday()))).days // 7
            said = {0: "this week", 1: "next week", 2: "the week after next"}.get(weeks)
            if said is not None:
                return f"{text[: week.start()]} {said} {after}"
    return text
