"""Text for the ear: how dates, times and ordinals are said, spoken-form normalisation before TTS,
and sentence splitting for streaming.

`normalize("See Dr. Lee on 2030-12-03 at 15:00, call 555-123-4567")` gives
"See Doctor Lee on Tuesday, December 3rd at 3 PM, call 5 5 5, 1 2 3, 4 5 6 7": what a receptionist
would say. Dates near `today` are said with their weekday; far ones (a date of birth) with the year.

The one owner of these words: the agent phrases its replies with them too (`agents.speakable`),
so a date reads the same whether the agent wrote it or the normaliser rewrote it. Pure text, no
audio: importing it loads no model (the one module of `speech` that `agents` may import).

Two splits, two jobs: `reply_sentences` cuts a reply into the sentences it streams as (on every
channel; abbreviations still in it), `split_sentences` cuts normalised text into the pieces Piper
synthesizes (clause cuts, a short first piece).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from phonenumbers import Leniency, PhoneNumberMatcher

_ABBREVIATIONS = {
    "dr": "Doctor",
    "mr": "Mister",
    "mrs": "Missus",
    "ms": "Miz",
    "prof": "Professor",
    "jr": "Junior",
    "sr": "Senior",
    "ave": "Avenue",
    "blvd": "Boulevard",
    "rd": "Road",
    "apt": "Apartment",
    "appt": "appointment",
    "approx": "approximately",
    "dept": "department",
    "vs": "versus",
    "etc": "et cetera",
    "e.g": "for example",
    "i.e": "that is",
}
_ABBREV_RE = re.compile(
    r"\b(" + "|".join(re.escape(k) for k in sorted(_ABBREVIATIONS, key=len, reverse=True)) + r")\.(?=\W|$)",
    re.IGNORECASE,
)
_TITLES = {"dr", "mr", "mrs", "ms", "prof"}  # always followed by a name, never end a sentence
_SAINT_OR_STREET = re.compile(r"(?<!\w )\bSt\.(\s+)(?=[A-Z])|(?<=\w )St\.")
_NUMBER_SIGN = re.compile(r"(?:#|\bNo\.)\s?(?=\d)")

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b(?!:)")
_US_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})\b")
_MONTH_DAY = re.compile(rf"\b({_MONTH_NAMES})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?![:\d])", re.IGNORECASE)

_AMPM = r"(?:\s*([ap])\.?\s?m\b\.?)"
_CLOCK = re.compile(rf"\b([01]?\d|2[0-3]):([0-5]\d)(?::[0-5]\d)?{_AMPM}?", re.IGNORECASE)
_HOUR_AMPM = re.compile(rf"(?<![:\d])\b(1[0-2]|0?[1-9]){_AMPM}", re.IGNORECASE)
_TIME_RANGE = re.compile(
    r"(\d{1,2}(?::\d{2})?\s*(?:[ap]\.?\s?m\.?)?)\s*[-–]\s*(?=\d{1,2}(?::\d{2}|\s*[ap]\.?\s?m))", re.I
)
_EMAIL = re.compile(r"\b([\w.+-]+)@([\w-]+(?:\.[\w-]+)+)\b")
_URL = re.compile(r"\b(?:https?://)?(www\.[\w-]+(?:\.[\w-]+)+)(/\S*)?", re.I)
_PART_OF_DAY = re.compile(r"\s+(?:in the (?:morning|afternoon|evening)|at night|tonight)\b", re.I)
_MONEY = re.compile(r"\$(\d[\d,]*)(?:\.(\d{2}))?\b")
_PERCENT = re.compile(r"(\d)\s?%")

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|(?<=[.!?…][\"')\]])\s+|\n+")
_REPLY_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'])")
_MARKDOWN = re.compile(r"[*_`#>|]+|^\s*[-•]\s+", re.MULTILINE)
_CLAUSE_BREAK = re.compile(r"(?<=[,;:])\s+")


def ordinal(n: int) -> str:
    """1 -> '1st', 2 -> '2nd', 11 -> '11th', 23 -> '23rd'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def spoken_day(day: dt.date, *, weekday: bool = True) -> str:
    """'Tuesday, December 3rd'; without the weekday 'December 3rd'."""
    text = f"{calendar.month_name[day.month]} {ordinal(day.day)}"
    return f"{calendar.day_name[day.weekday()]}, {text}" if weekday else text


def spoken_date(day: dt.date, today: dt.date | None = None) -> str:
    """'Tuesday, December 3rd' for dates around now; 'April 12th, 1985' for long-past dates."""
    today = today or dt.date.today()
    text = spoken_day(day, weekday=day >= today - dt.timedelta(days=730))
    if not today - dt.timedelta(days=60) <= day <= today + dt.timedelta(days=300):
        text = f"{text}, {day.year}"
    return text


def spoken_time(hour: int, minute: int, meridiem: str | None = None) -> str:
    """24-hour or am/pm clock to '3 PM' / '9:30 AM'."""
    if meridiem:
        am = meridiem.lower().startswith("a")
        hour = hour % 12 + (0 if am else 12)
    suffix = "AM" if hour < 12 else "PM"
    hour12 = hour % 12 or 12
    return f"{hour12} {suffix}" if minute == 0 else f"{hour12}:{minute:02d} {suffix}"


def spoken_digits(number: str) -> str:
    """Digit by digit, groups separated by a comma pause: '555-0199' -> '5 5 5, 0 1 9 9'."""
    groups = [g for g in re.split(r"\D+", number) if g]
    if number.lstrip().startswith("+1") and groups and groups[0] == "1":
        groups = groups[1:]  # the domestic country code is noise to a caller
    if len(groups) == 1 and len(groups[0]) in (10, 7):  # unformatted: use the NANP grouping
        g = groups[0]
        groups = [g[:3], g[3:6], g[6:]] if len(g) == 10 else [g[:3], g[3:]]
    return ", ".join(" ".join(group) for group in groups)


def plain(text: str) -> str:
    """Drop markdown markup and collapse whitespace, so text can be spoken as is."""
    text = _MARKDOWN.sub("", text)
    return re.sub(r"\s+", " ", text).strip()


def reply_sentences(text: str) -> list[str]:
    """A reply as the sentences it streams as (the voice edge synthesizes each as it arrives).

    Abbreviations like 'Dr.' are not sentence ends: the split needs a capital after the space,
    and 'Dr. Patel' is re-joined below.
    """
    parts = _REPLY_SENTENCE_END.split(plain(text))
    out: list[str] = []
    for part in parts:
        if out and re.search(r"\b(Dr|Mr|Mrs|Ms|St)\.$", out[-1]):
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return [p for p in out if p]


def _date_or_none(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _replace_dates(text: str, today: dt.date) -> str:
    def iso(m: re.Match[str]) -> str:
        day = _date_or_none(int(m[1]), int(m[2]), int(m[3]))
        return spoken_date(day, today) if day else m[0]

    def us(m: re.Match[str]) -> str:
        year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
        if len(m[3]) == 2 and year > today.year + 10:
            year -= 100  # '85 is 1985, not 2085
        day = _date_or_none(year, int(m[1]), int(m[2]))
        return spoken_date(day, today) if day else m[0]

    def month_day(m: re.Match[str]) -> str:
        month = _MONTHS[m[1].lower()]
        return f"{calendar.month_name[month]} {ordinal(int(m[2]))}" if 1 <= int(m[2]) <= 31 else m[0]

    text = _ISO_DATE.sub(iso, text)
    text = _US_DATE.sub(us, text)
    return _MONTH_DAY.sub(month_day, text)


def _replace_times(text: str) -> str:
    def keep_stop(m: re.Match[str], spoken: str) -> str:
        # "3 p.m. Call me": the period of "p.m." also ends the sentence.
        return spoken + "." if m[0].endswith(".") and _ends_sentence(m) else spoken

    def clock(m: re.Match[str]) -> str:
        spoken = spoken_time(int(m[1]), int(m[2]), m[3])
        if not m[3] and _PART_OF_DAY.match(m.string, m.end()):  # "9:30 in the morning", not "AM in the"
            spoken = spoken.rsplit(" ", 1)[0]
        return keep_stop(m, spoken)

    text = _CLOCK.sub(clock, text)
    return _HOUR_AMPM.sub(lambda m: keep_stop(m, spoken_time(int(m[1]), 0, m[2])), text)


def _replace_addresses(text: str) -> str:
    """info@clinic.org -> 'info at clinic dot org'; www.clinic.org -> 'www dot clinic dot org'."""
    text = _EMAIL.sub(lambda m: f"{m[1].replace('.', ' dot ')} at {m[2].replace('.', ' dot ')}", text)
    return _URL.sub(lambda m: m[1].replace(".", " dot "), text)


def _replace_phone_numbers(text: str) -> str:
    out, last = [], 0
    for match in PhoneNumberMatcher(text, "US", leniency=Leniency.POSSIBLE):
        out += [text[last : match.start], spoken_digits(match.raw_string)]
        last = match.end
    return "".join(out) + text[last:]


def _replace_money(m: re.Match[str]) -> str:
    dollars = int(m[1].replace(",", ""))
    words = f"{dollars} dollar" + ("" if dollars == 1 else "s")
    if m[2] and int(m[2]):
        words += f" and {int(m[2])} cent" + ("" if int(m[2]) == 1 else "s")
    return words


def _ends_sentence(m: re.Match[str]) -> bool:
    """An abbreviation's period also ends the sentence when nothing or a capital follows."""
    return re.match(r"\s*$|\s+[A-Z]", m.string[m.end() :]) is not None


def _replace_abbreviations(text: str) -> str:
    def street(m: re.Match[str]) -> str:
        if m[1]:
            return f"Saint{m[1]}"
        return "Street." if _ends_sentence(m) else "Street"

    def expand(m: re.Match[str]) -> str:
        word = _ABBREVIATIONS[m[1].lower()]
        return word + "." if m[1].lower() not in _TITLES and _ends_sentence(m) else word

    text = _SAINT_OR_STREET.sub(street, text)
    text = _NUMBER_SIGN.sub("number ", text)
    return _ABBREV_RE.sub(expand, text)


def normalize(text: str, today: dt.date | None = None) -> str:
    """Rewrite dates, times, phone numbers, money and abbreviations the way they are said."""
    today = today or dt.date.today()
    text = " ".join(text.replace("\u00a0", " ").split("\t"))
    text = _replace_addresses(text)  # first: their dots are not sentence ends or abbreviations
    text = _replace_abbreviations(text)
    text = _replace_dates(text, today)  # before phone numbers: 12/03/2024 has ten digits
    text = _TIME_RANGE.sub(r"\1 to ", text)  # "9:00-17:00" -> "9 AM to 5 PM"
    text = _replace_times(text)
    text = _replace_phone_numbers(text)
    text = _MONEY.sub(_replace_money, text)
    text = _PERCENT.sub(r"\1 percent", text)
    text = text.replace("&", " and ")
    return re.sub(r"[ ]{2,}", " ", text).strip()


SHORT_OPENING_WORDS = 3

# Words a phrase can start with: a long opening clause is cut in front of one of them.
# Not "and"/"or" ("your first and last name") nor "to" ("I'd like to book").
_PHRASE_STARTS = frozenset("with on at for from in about because until after before by".split())


def _opening_phrase(clause: str, max_words: int) -> list[str]:
    """`clause` cut after its first phrase when it is longer than `max_words`: before the first
    preposition or conjunction after at least two words and within the first `max_words` ("I'll
    book you | with Doctor Chen on Monday,"). Whole when there is none."""
    words = clause.split()
    if len(words) <= max_words:
        return [clause]
    cuts = [i for i in range(2, max_words + 1) if words[i].lower() in _PHRASE_STARTS]
    if not cuts:
        return [clause]
    return [" ".join(words[: cuts[0]]), " ".join(words[cuts[0] :])]


def _first_pieces(sentence: str, max_words: int, opening_alone: bool = True) -> list[str]:
    """A reply's first sentence as the pieces it is synthesized in (see `split_sentences`)."""
    long_sentence = len(sentence.split()) > max_words
    head, *rest = _CLAUSE_BREAK.split(sentence, maxsplit=1)
    # A short opening ("Thank you," "Sure," "On Monday,") goes on its own even in a short
    # sentence: such openings repeat from call to call, so they come from the phrase cache. What
    # follows it is waited for too (the opening lasts under a second), so it is cut the same way
    # when long: "On Monday," | "June 1st," | "Doctor Lee has 9 AM or 10 AM."
    short_head = opening_alone and len(head.split()) <= SHORT_OPENING_WORDS
    if rest and any(ch.isalnum() for ch in head) and (long_sentence or short_head):
        tail = _first_pieces(rest[0], max_words, opening_alone=False) if short_head else [rest[0]]
        pieces = [head, *tail]
    else:
        pieces = [sentence]
    if long_sentence:
        pieces[0:1] = _opening_phrase(pieces[0], max_words)
    return pieces


def split_sentences(text: str, max_words: int = 24, first_max_words: int | None = None) -> list[str]:
    """Sentences in order; a sentence longer than `max_words` is cut at clause breaks (, ; :)
    so that the first audio of a long reply is not held back by one long sentence. With
    `first_max_words`, a longer first sentence is cut at its first clause break ("Sure, ..."), and
    a first clause still longer than that after its opening phrase: the caller waits in silence
    for the first piece only, and Piper's time grows with the length of what it says. A first
    clause of up to three words is cut off even from a short sentence ("Thank you," "Sarah.")."""
    sentences = [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]
    if first_max_words and sentences:
        sentences[0:1] = _first_pieces(sentences[0], first_max_words)
    out: list[str] = []
    for sentence in sentences:
        if len(sentence.split()) <= max_words:
            out.append(sentence)
            continue
        piece: list[str] = []
        for clause in _CLAUSE_BREAK.split(sentence):
            piece.append(clause)
            if len(" ".join(piece).split()) >= max_words // 2:
                out.append(" ".join(piece))
                piece = []
        if piece:
            out.append(" ".join(piece))
    return [s for s in out if any(ch.isalnum() for ch in s)]
