"""How real callers introduce themselves around a date of birth, beyond "my name is":

- the name the records hold, said beside the one they go by: "it's Matt - Matthew Moore on your
  records", "Katie, registered as Katherine Lee", "I go by Bill, full name William Scott";
- the surname first, as on a form: "Davis, Emily - 1990-07-23";
- a name set off from the date by a dash: "Mia White - DOB 25.01.1996";
- a numeric date explained in words, which settles the order of day and month: "06/03/1961 -
  that's the 6th of March" (without such words a date like 06/03 stays read the US way, unless
  typed with dots, "06.03.1961", the European way: day first).
"""

from __future__ import annotations

import re
from datetime import date

from agents.offline.calendar_words import MONTHS

# the name the records hold, said after a cue ("registered as Matthew Moore")
_RECORD_BEFORE = re.compile(
    r"\b(?:(?:on|in) (?:your |the |our |my )?(?:records?|files?|system|books|chart|computer|database)"
    r"(?:,)?(?: (?:as|under|it's|it is|i'm|i am))?"
    r"|(?:the |your |my )?(?:records?|files?|system|chart|computer|database) (?:says?|said|has|have|shows?|will say"
    r"|should say|lists?)(?: (?:it's|it is|me as|me under|me))?"
    r"|(?:registered|listed|filed|down|booked) (?:as|under)(?: the name)?(?: of)?"
    r"|under the name(?: of)?|(?:full|legal|real|official|proper|registered) name(?: is|'s)?"
    r"|(?:officially|legally|formally))[\s,:]+(?=(?P<rest>.+))"
)
# ... or before one ("Matthew Moore on your records", "Matthew Moore officially")
_RECORD_AFTER = re.compile(
    r"\s+(?:is\s+)?(?:(?:on|in) (?:your |the |our |my )?(?:records?|files?|system|books|chart|computer|database)"
    r"|officially|legally|on paper|formally)\b"
)
# the name they go by: not the one to look up ("but I go by Matt", "everyone calls me Bill")
_NICKNAME = re.compile(
    r"\b(?:(?:but|and|though)\s+)?(?:i|everyone|people|friends|they|most people|you can)?\s*"
    r"(?:go(?:es)? by|call(?:s)? me|known as|prefer)\s+[^\W\d_][\w'-]*(?:\s+for short)?"
    r"|\b[^\W\d_][\w'-]*\s+for short\b"
)
_DASHES = re.compile(r"\s+[-–—]+\s+|\s+[-–—]+(?=\s*$)|^\s*[-–—]+\s+")


def without_nicknames(text: str) -> str:
    return _NICKNAME.sub(" , ", text)


def record_name(text: str) -> tuple[str, str] | None:
    """The name a caller says the records hold, when they say so; else None."""
    from agents.offline.names import _name_words, _title, _words_before

    text = without_nicknames(text)
    for cue in _RECORD_BEFORE.finditer(text):
        words = _name_words(cue.group("rest"), leading=False)
        if 2 <= len(words) <= 4:
            return _title(words[0]), _title(words[-1])
    for cue in _RECORD_AFTER.finditer(text):
        words = _words_before(re.split(r"[,;:]|\s[-–—]+\s", text[: cue.start()])[-1])
        if 2 <= len(words) <= 4:
            return _title(words[0]), _title(words[-1])
    return None


_SURNAME_FIRST = re.compile(
    r"(?:^|[.?!;:]\s*|\s(?:is|it's|name)\s+)(?P<last>[^\W\d_][\w'-]+),\s*(?P<first>[^\W\d_][\w'-]+)\W*$"
)
_DOB_CUE = re.compile(
    r"\b(?:born(?: on)?|date of birth|dob|birthday|birth date|birthdate)\s*(?:is\s*)?[:\s,-]*$"
)


def name_by_dob(before: str, after: str) -> tuple[str, str] | None:
    """The name next to a date of birth: "Davis, Emily - 1990-07-23" (surname first), or one set
    off by a dash ("Mia White - DOB ...")."""
    from agents.offline.names import _is_name_word, _title, name_near

    clause = _DOB_CUE.sub("", _DASHES.sub(" ", before.rstrip()))
    m = _SURNAME_FIRST.search(clause.rstrip(" ,;:-–—"))
    if m and _is_name_word(m.group("last")) and _is_name_word(m.group("first")):
        return _title(m.group("first")), _title(m.group("last"))
    return name_near(_DASHES.sub(", ", before), _DASHES.sub(", ", after))


_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
# the words right after the numeric date, maybe after a cue ("- that's the 6th of March", "(May 4th)"),
# and not a day and time to book ("06/03/1961, March 6th at 4pm please")
_WORDS_DATE = re.compile(
    r"^[\s,(:;–—-]*(?:(?:(?:that's|that is|that being|ie|meaning|as in|which is|so|or|i mean|it's|it is)\b"
    r"|i\.\s?e\.)[\s,:]*)?(?:the\s+)?"
    rf"(?:(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>{_MONTH})\b"
    rf"|(?P<month2>{_MONTH})\.?\s+(?:the\s+)?(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\b)"
    r"(?![\s,]*(?:at\s+|@\s*)?\d|\s*(?:am|pm|o'clock|morning|afternoon|evening))"
)
# words just after a numeric date that say the day comes first ("that's day first", "(dd/mm/yyyy)",
# "British format", "the European way"), not a month first ("mm/dd" is the reading already)
_BRACKETED = re.compile(r"^\s*\((?P<inner>[^()]{0,60})\)")
_DAY_FIRST = re.compile(
    r"^[\s,(:;–—-]*(?:(?:that's|that is|it's|it is|so|i\.e\.|ie|as in|written|in)\b[\s,:]*)?(?:the\s+)?"
    r"(?:day\s*(?:1st|first|before (?:the )?month|then (?:the )?month)"
    r"|d{1,2}\s*[/.-]\s*m{1,2}(?:\s*[/.-]\s*y{2,4})?"
    r"|(?:british|uk|english|european|euro|australian|aussie|irish|international)\s+(?:format|style|way|order)"
    r"|(?:british|uk|european) (?:date|dating))\b"
)
_DOTTED = re.compile(r"^(?P<a>\d{1,2})\.(?P<b>\d{1,2})\.(?P<y>\d{4})$")
_NUMERIC = re.compile(r"^(?P<a>\d{1,2})\s?[/.-]\s?(?P<b>\d{1,2})\s?[/.-]\s?(?:\d{2}|\d{4})$")


def explained_dob(text: str, found: date, span: str) -> tuple[date, str] | None:
    """A numeric date of birth whose day and month the caller also says in words, just after it
    ("06/03/1961 - that's the 6th of March", "4/5/88 (May 4th)"): the date the words give, when
    its numbers are the two in the numeric date, and the span through the words. A date typed with
    dots and a four-digit year ("04.07.1975") is day first, as where that is the custom. Else None."""
    m = _NUMERIC.match(span.strip())
    if m is None:
        return None
    after = text[text.index(span) + len(span) :]
    said = _WORDS_DATE.match(after)
    if said is None and (aside := _BRACKETED.match(after)) is not None:
        # "31/10/1994 (sorry, irish format lol, 31 Oct)": the day in words inside the bracket
        inner = aside.group("inner")
        for start in (0, *(i + 1 for i, ch in enumerate(inner) if ch in ", ;:")):
            if (said := _WORDS_DATE.match(inner[start:])) is not None:
                break
        if said is not None:
            day = int(said.group("day") or said.group("day2"))
            month = MONTHS[said.group("month") or said.group("month2")]
            if sorted((day, month)) == sorted((int(m.group("a")), int(m.group("b")))):
                try:
                    return date(found.year, month, day), span + after[: aside.end()]
                except ValueError:
                    return None
            return None
    if said is None and (cue := _DAY_FIRST.match(after)) is not None:
        # "03/02/1987 - that's day first", "03/02/87 (dd/mm/yy)", "in British format": day, month
        try:
            return date(found.year, int(m.group("b")), int(m.group("a"))), span + after[: cue.end()]
        except ValueError:
            return None
    if said is None:
        dotted = _DOTTED.match(span.strip())
        if dotted is None or int(dotted.group("b")) > 12:
            return None
        try:  # "25.01.1996", "04.07.1975": typed with dots, the day comes first
            return date(int(dotted.group("y")), int(dotted.group("b")), int(dotted.group("a"))), span
        except ValueError:
            return None
    day = int(said.group("day") or said.group("day2"))
    month = MONTHS[said.group("month") or said.group("month2")]
    if sorted((day, month)) != sorted((int(m.group("a")), int(m.group("b")))):
        return None
    try:
        return date(found.year, month, day), span + after[: said.end()]
    except ValueError:
        return None


def only_after_for(text: str, name: tuple[str, str]) -> bool:
    """The name was read only after a "for" ("been meaning to book for ages lol"), a weak cue that
    a name said right beside the date of birth outweighs."""
    from agents.offline.names import find_name

    return find_name(re.sub(r"\bfor\b", "|", text)) != name
