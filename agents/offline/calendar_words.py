"""Calendar words both date readers share: month and weekday names, regex fragments, a safe date.

Read by `dates` (days and times asked for) and `birthdates` (a date of birth).
"""

from __future__ import annotations

from datetime import date

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTH_WORDS = "|".join(sorted(MONTHS, key=len, reverse=True))  # the month names, longest first
MONTH = r"(?P<month>" + MONTH_WORDS + r")\.?"
MONTH_NC = r"(?:" + MONTH_WORDS + r")\.?"
DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
YEAR = r"(?P<year>\d{4})"


def safe_date(year: int, month: int, day: int) -> date | None:
    """The date, or None when there is no such day (February 30th)."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def office_hour(hour: int) -> int:
    """A bare hour read within office hours: 1-8 are afternoon, 9-12 as said."""
    return hour + 12 if 1 <= hour <= 8 else hour
