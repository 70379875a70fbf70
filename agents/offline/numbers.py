"""Spoken numbers to digits, so one set of parsers serves speech recognition and typed chat.

Whisper writes "the fourth of march nineteen eighty-five" as often as "March 4th, 1985";
`normalize` turns the first into "the 4th of march 1985". Runs of number words become:
- a year when two groups start with 19 or 20 ("nineteen eighty five" -> 1985, "twenty oh one");
- a clock time when a small hour is followed by minutes ("three thirty" -> 3:30);
- an ordinal when the run ends in one ("twenty first" -> 21st);
- otherwise a plain number ("two thousand and one" -> 2001), or a digit string for longer runs
  of single digits (phone numbers: "five five five one two one two").
"""

from __future__ import annotations

import calendar
import difflib
import re
from collections.abc import Callable

from agents.offline import daywords, verbwords
from agents.offline.clock_digits import CLOCK_DIGITS
from agents.offline.foreign import day_number_as_date, respell_titles, respell_weekdays

_UNITS = {
    "zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "thirtieth": 30,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1000}
_NUMBER_WORDS = set(_UNITS) | set(_TENS) | set(_ORDINALS) | set(_SCALES)


def ordinal_suffix(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def _groups(words: list[str]) -> list[int]:
    """'nineteen eighty five' -> [19, 85]; 'three thirty' -> [3, 30]; 'five five' -> [5, 5]."""
    groups: list[int] = []
    i = 0
    while i < len(words):
        w = words[i]
        if w in _TENS:
            value = _TENS[w]
            nxt = words[i + 1] if i + 1 < len(words) else None
            if nxt is not None and nxt in _UNITS and 0 < _UNITS[nxt] < 10 and nxt != "oh":
                value += _UNITS[nxt]
                i += 1
            elif nxt is not None and nxt in _ORDINALS and _ORDINALS[nxt] < 10:
                value += _ORDINALS[nxt]
                i += 1
            groups.append(value)
        elif w == "oh" and i + 1 < len(words) and words[i + 1] in _UNITS:
            groups.append(_UNITS[words[i + 1]])  # "nineteen oh five", "three oh five"
            i += 1
        elif w in _UNITS:
            groups.append(_UNITS[w])
        elif w in _ORDINALS:
            groups.append(_ORDINALS[w])
        i += 1
    return groups


_DIGIT_WORDS = {w: v for w, v in _UNITS.items() if v < 10}


def _digits_then_year(words: list[str]) -> str | None:
    """ "one one oh two seventy two": a month and day said digit by digit, then a two-digit year,
    as "1 1 0 2 72" (each "oh" a zero: the date of birth reader needs all four digits, where
    `_groups` would read "oh two" as the 2 of "three oh two")."""
    if len(words) not in (5, 6) or any(w not in _DIGIT_WORDS for w in words[:4]):
        return None
    month = _DIGIT_WORDS[words[0]] * 10 + _DIGIT_WORDS[words[1]]
    day = _DIGIT_WORDS[words[2]] * 10 + _DIGIT_WORDS[words[3]]
    year = _two_digit_year(words[4:])
    if year is None or not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return " ".join(str(_DIGIT_WORDS[w]) for w in words[:4]) + f" {year:02d}"


def _two_digit_year(words: list[str]) -> int | None:
    """ "eighty five", "eighty", "fifteen", "oh four": a year said without its century."""
    if len(words) == 1 and words[0] in _TENS:
        return _TENS[words[0]]
    if len(words) == 1 and 10 <= _UNITS.get(words[0], 0) <= 19:
        return _UNITS[words[0]]
    if len(words) == 2 and words[0] in _TENS and _DIGIT_WORDS.get(words[1], 0) > 0:
        return _TENS[words[0]] + _DIGIT_WORDS[words[1]]
    if len(words) == 2 and words[0] in ("oh", "zero") and _DIGIT_WORDS.get(words[1], 0) > 0:
        return _DIGIT_WORDS[words[1]]
    return None


def _starts_digits_then_year(tokens: list[str], i: int) -> bool:
    """ "oh three one four eighty five": the "oh" is the month's first digit, not "oh, hello"."""
    return any(
        _digits_then_year(tokens[i : i + n]) is not None
        and (len(tokens) <= i + n or tokens[i + n] not in _NUMBER_WORDS)
        for n in (5, 6)
    )


def _run_to_text(words: list[str]) -> str:
    if (as_digits := _digits_then_year(words)) is not None:
        return as_digits
    is_ordinal = words[-1] in _ORDINALS or words[-1] in ("twentieth", "thirtieth")
    scale = next((k for k, w in enumerate(words) if w in _SCALES), None)
    if scale is not None and scale >= 2 and not (scale == 2 and words[0] in _TENS and words[1] in _UNITS):
        # "april eight two thousand fifteen": a number, then "two thousand fifteen" (not 10015)
        return f"{_run_to_text(words[: scale - 1])} {_run_to_text(words[scale - 1 :])}"
    if scale is not None:
        total, current = 0, 0
        for w in words:
            if w in _SCALES:
                current = max(current, 1) * _SCALES[w]
                if _SCALES[w] == 1000:
                    total, current = total + current, 0
            else:
                current += sum(_groups([w]))
        value = total + current
        return f"{value}{ordinal_suffix(value)}" if is_ordinal else str(value)
    groups = _groups(words)
    if (
        len(groups) == 3
        and 1 <= groups[0] <= 12
        and groups[1] in (19, 20)
        and 32 <= groups[2] < 100
        and not is_ordinal
    ):
        # "ten nineteen eighty two": month 10, day 19, year 82 (as "seven twenty three ninety"), not
        # October 1982: a month said as a number comes with its day, and 82 is no day
        return " ".join(str(g) for g in groups)
    if len(groups) > 2 and groups[-2] in (19, 20) and groups[-1] < 100 and not is_ordinal:
        # "one twenty five nineteen ninety six": a month and day, then a year
        head = " ".join(str(g) for g in groups[:-2])
        return f"{head} {groups[-2] * 100 + groups[-1]}"
    if len(groups) == 1:
        value = groups[0]
        return f"{value}{ordinal_suffix(value)}" if is_ordinal else str(value)
    if len(groups) == 2 and groups[0] in (19, 20) and 0 <= groups[1] < 100 and not is_ordinal:
        return str(groups[0] * 100 + groups[1])
    if len(groups) == 2 and 1 <= groups[0] <= 12 and 0 <= groups[1] < 60 and not is_ordinal:
        if words[1] == "oh" or groups[1] >= 10:
            return f"{groups[0]}:{groups[1]:02d}"
    if all(g < 10 for g in groups) and len(groups) >= 3:
        return "".join(str(g) for g in groups)
    return " ".join(str(g) for g in groups)


_APOSTROPHES = {
    "cant": "can't", "wont": "won't", "dont": "don't", "doesnt": "doesn't", "didnt": "didn't", "isnt": "isn't",
    "arent": "aren't", "wasnt": "wasn't", "couldnt": "couldn't", "wouldnt": "wouldn't", "shouldnt": "shouldn't",
    "havent": "haven't", "im": "i'm", "ive": "i've", "youre": "you're", "thats": "that's", "whats": "what's",
    "theyre": "they're", "itll": "it'll", "whens": "when's", "wheres": "where's", "hows": "how's",
    "whoevers": "whoever's", "its": "it's",
    # Scots, as said and as a recogniser writes it: "ah cannae make it", "put it back tae the tuesday"
    "cannae": "can't", "canna": "can't", "dinnae": "don't", "didnae": "didn't", "wouldnae": "wouldn't",
    "couldnae": "couldn't", "isnae": "isn't", "wasnae": "wasn't", "ah've": "i've", "ah'm": "i'm", "ah'd": "i'd",
    "ah'll": "i'll", "tae": "to",
}  # fmt: skip
_CONTRACTIONS = re.compile(r"\b(" + "|".join(_APOSTROPHES) + r")\b")


_COMPARATIVES = {"late": "later", "early": "earlier", "soon": "sooner"}


_TIME_WITHOUT_COLON = re.compile(
    # ("1500." after the times offered: the stop ends it; "10.30.5" stays)
    r"^(\W*(?:at |the |how about |what about |maybe |ok |okay |um |uh )?)(0?[1-9]|1[0-8])(00|15|30|45)(?![\d/:-]|\.\d)"
)


_DIGIT_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth", 7: "seventh", 8: "eighth",
                  9: "ninth"}  # fmt: skip


def normalize(text: str) -> str:
    """Lowercase, hyphens as spaces, number words as digits; other words and punctuation kept."""
    lowered = text.lower().replace("\u2019", "'")  # Whisper may write a typographic apostrophe
    lowered = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", lowered)  # "eighty-five"; keep 1985-03-04
    # a recogniser's run-together words: "seventynine", "twentyfirst", "dateofbirth"
    lowered = _RUN_TOGETHER.sub(lambda m: " ".join(w for w in m.groups() if w), lowered)
    # speech written without apostrophes: "i cant make it", "im calling", "dont need"
    lowered = _CONTRACTIONS.sub(lambda m: _APOSTROPHES[m.group(0)], lowered)
    # Whisper's homophones of an hour: "at for pm", "at to thirty", "at won o'clock"
    lowered = _HOUR_HOMOPHONE.sub(lambda m: f"{m.group(1)} {_HOMOPHONE_HOURS[m.group(2)]}", lowered)
    # "with Dr Patel on Tuesdays at 11" (Whisper's plural, or a habit said of one visit): that weekday
    lowered = re.sub(
        r"\b(on|for|this|next) (monday|tuesday|wednesday|thursday|friday|saturday|sunday)s\b"
        r"(?=,?\s+(?:at|around|about|in the|morning|afternoon|evening|\d))",
        r"\1 \2",
        lowered,
    )
    lowered = re.sub(r"\b(o clock|oclock|o'clok|o’clock)\b", "o'clock", lowered)  # speech-to-text's forms
    if len(lowered.split()) <= 5:
        # a short message with a time typed without its colon: "1030", "the 230 one", "930 pls", and
        # the 24-hour clock's "0930", "1400" (up to 18:45: a year such as 1985 stays a year)
        lowered = _TIME_WITHOUT_COLON.sub(r"\1\2:\3", lowered)
    # "i need a 930 appointment", "the 230 slot": a clock time typed without its colon, before what it is
    lowered = re.sub(
        r"\b(a|an|the|my) (0?[1-9]|1[0-2])(00|15|30|45) (?=(?:appointment|appt|slot|one|visit|booking|time)\b)",
        r"\1 \2:\3 ",
        lowered,
    )
    # "ten turdy", "one tirty p m": thirty as Caribbean and Irish callers say it (and a recogniser writes it)
    lowered = re.sub(r"\b(?:turdy|tirty|tirtee|thirdy|thurty|toity)\b", "thirty", lowered)
    lowered = re.sub(r"\b(?:after noon|after the noon)\b", "afternoon", lowered)  # "in the after noon"
    # "the twenty 1st": the tens in words, the ordinal in digits
    lowered = re.sub(
        r"\b(twenty|thirty) ([1-9])(?:st|nd|rd|th)\b",
        lambda m: f"{m.group(1)} {_DIGIT_ORDINALS[int(m.group(2))]}",
        lowered,
    )
    # "to morrow", "to day": split as a recogniser may write them
    lowered = re.sub(r"\bto morrow\b", "tomorrow", lowered)
    # "I need to rescan you my appointment", "I have the movement appointments": "reschedule" and
    # "to move my appointment" as a recogniser may write them on a poor line
    lowered = re.sub(r"\b(?:re ?scan (?:you|your|jewel|dual|jul)|re ?shed(?:ule|jewel| you'll| jewel)|re ?skedule)\b",
                     "reschedule", lowered)  # fmt: skip
    lowered = re.sub(r"\b(?:have|need) the movement,? (appointments?|appt)\b", r"have to move my \1", lowered)
    # Scots "date o' birth", "ma wee boy": of, my
    lowered = re.sub(
        r"\bo' (?=birth|the|april|may|june|july|march|[a-z]+ber|january|february|august)", "of ", lowered
    )
    lowered = re.sub(r"\bma (?=wee|son|daughter|boy|girl|lassie|laddie|husband|wife|man|mum|maw|da|dad|appointment|doctor)",
                     "my ", lowered)  # fmt: skip
    # "wed 12/9 @ 11", "@10am": at
    lowered = re.sub(r"@\s*(?=\d)", "at ", lowered)
    # typed in a hurry: "movemy wed appt", "cancelmy appt"
    lowered = re.sub(r"\b(move|cancel|book|change|reschedule|push|shift|resched)(my|me)\b", r"\1 \2", lowered)
    lowered = re.sub(
        r"\b(my|our|his|her) wee (?=boy|girl|lad|lass|lassie|laddie|son|daughter|one)", r"\1 ", lowered
    )
    # "the same hour" (a learner's "la misma hora", "la même heure"): the same time
    lowered = re.sub(r"\b(same|the same) hour\b", r"\1 time", lowered)
    # "feb ruary", "sep tember", "de cember": a month split as a recogniser may write it
    lowered = re.sub(
        r"\b(?:jan u ?ary|janu ary|feb ?ru ?ary|febru ary|sep ?tem ?ber|septem ber|oc ?to ?ber|octo ber|no ?vem ?ber|novem ber"
        r"|de ?cem ?ber|decem ber|au gust)\b",
        lambda m: m.group(0).replace(" ", ""),
        lowered,
    )
    lowered = re.sub(r"\bto day\b(?! (?:at|is|of)\b)", "today", lowered)
    # "the office on the second floor": a floor, not a date
    lowered = re.sub(
        r"\b(?:first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th|ground|top) (floor|level|entrance|door|building)\b",
        r"upper \1",
        lowered,
    )
    # "march for teen", "six teen": a number in the teens split as a recogniser may write it
    lowered = re.sub(
        r"\b(thir|four|for|fif|six|seven|eigh|nine) teen(th)?\b",
        lambda m: ("four" if m.group(1) == "for" else m.group(1)) + "teen" + (m.group(2) or ""),
        lowered,
    )
    # "three thirty three thirty": a time said twice over on a bad line is one time
    lowered = re.sub(
        r"\b((?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve) (?:thirty|fifteen|forty five))"
        r" \1\b",
        r"\1",
        lowered,
    )
    # homophones of a digit inside a date of birth, as a recogniser writes them: "july for nineteen
    # seventy five", "april twenty won nineteen seventy nine", "nineteen fifty ate", "ninety to",
    # "to thousand for" (never "june for a check-up": a year must follow, or the date end there)
    lowered = _DATE_HOMOPHONES.sub(_digit_heard, lowered)
    # "four thirty's good", "quarter to three's fine": the time, then "is"
    lowered = re.sub(
        r"\b(thirty|fifteen|forty five|o'clock|noon|(?:to|past|at|after) (?:one|two|three|four|five|six|seven|eight|nine"
        r"|ten|eleven|twelve))'s\b"
        # "nine's perfect", "two's fine": the hour, then "is"
        r"|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)'s(?= (?:fine|good|great|perfect|ok|okay"
        r"|better|best|ideal|grand|lovely|brilliant|spot on|works?)\b)",
        lambda m: f"{m.group(1) or m.group(2)} is",
        lowered,
    )
    # "make it 11 on friday the 29th", "how about 2 then": the hour; "9 is too early": not that hour
    lowered = re.sub(
        r"\b(make it|make that|how about|what about|rather|better)\s+(1[0-2]|[1-9])(?=\s+(?:on|then|instead|please|if|that"
        r"|same|o'clock)\b|\s*[,.?!]|\s*$)",
        r"\1 at \2",
        lowered,
    )
    lowered = re.sub(
        r"\b(?:1[0-2]|[1-9])(?::[0-5]\d)?(?:\s*[ap]m)? (?=is (?:too|a bit|way) (?:early|late)\b)",
        "that ",
        lowered,
    )
    # "i saw her last time": a visit before, not the last slot of a day
    lowered = re.sub(
        r"\b(saw|seen|had|was|went|did|visited|came|see|saw him|saw her)( [a-z]+)? last time\b",
        r"\1\2 before",
        lowered,
    )
    # "next, thursday" (a recogniser's pause written as a comma): next week's thursday
    lowered = re.sub(
        r"\b(next|this|coming),\s+(?=(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b)",
        r"\1 ",
        lowered,
    )
    # "I have the movement appointments" (Whisper's "I have to move my appointment")
    lowered = re.sub(r"\bthe movement,? appointments?\b", "to move my appointment", lowered)
    # "december fifth too thousand one": the year's two as a recogniser may write it
    lowered = re.sub(r"\b(?:too|to) thousand\b(?= (?:and )?[a-z]+\b|[,.]?$)", "two thousand", lowered)
    lowered = re.sub(r"\bw/\s*(?=[a-z])", "with ", lowered)  # "an appt w/ dr patel"
    # "nine thirty'd suit me": a number, then "would"
    lowered = re.sub(
        r"\b([a-z]+|\d{1,2}(?::\d\d)?)'d\b",
        lambda m: (
            f"{m.group(1)} would" if m.group(1) in _NUMBER_WORDS or m.group(1)[0].isdigit() else m.group(0)
        ),
        lowered,
    )
    # an ordinal a speech recogniser spelt its own way ("forteenth", "ninteenth", "twelth")
    lowered = re.sub(r"\b[a-z]{3,}th\b", lambda m: _ordinal_respelt(m.group(0)), lowered)
    # "thursday the week after this one": next week's
    lowered = re.sub(r"\b(?:the )?week after this(?: one| week)?\b", "next week", lowered)
    # "on second thought, cancel that one": a change of mind, no second of anything
    lowered = re.sub(r"\bon (?:second|2nd) thoughts?\b", "actually", lowered)
    lowered = daywords.respell(lowered)  # "tmrw", "2moro", "weds", "thrusday"
    lowered = verbwords.respell(lowered)  # "mvoe", "reshedule", "cancle"
    lowered = respell_titles(lowered)  # "dra. patel", "doctora chen"
    # "half past one", "quarter to one": the hour ("one" is otherwise kept as a word: "the first one")
    lowered = re.sub(r"\b(half|quarter) (past|after|to|till) one\b", r"\1 \2 1", lowered)
    # a learner's comparative: "possible more late, like 4:30?"
    lowered = re.sub(r"\bmore (late|early|soon)\b", lambda m: _COMPARATIVES[m.group(1)], lowered)
    lowered = respell_weekdays(lowered)  # "el jueves", "vendredi", "am dienstag"
    # "3-ish", "half 2ish", "10:30ish": about that time
    lowered = re.sub(r"\b(\d{1,2}(?::[0-5]\d)?)\s?-?\s?ish\b", r"around \1", lowered)
    # times written the French/Quebec way: "10h30", "14h", "9 h 15"
    lowered = re.sub(r"\b([01]?\d|2[0-3])\s?h\s?([0-5]\d)\b", r"\1:\2", lowered)
    lowered = re.sub(r"\b([01]?\d|2[0-3])h\b", r"\1:00", lowered)
    # "at 13 hours 30", "15 hours", "at 9 hours and 30": a 24-hour time said the way many languages say it
    lowered = re.sub(
        r"\b(?:at|a las|the) ([01]?\d|2[0-3]) hours?(?: and)? ([0-5]\d)\b(?! minutes?)", r"at \1:\2", lowered
    )
    lowered = re.sub(
        r"\b(at) ([01]?\d|2[0-3]) hours\b(?! (?:later|earlier|before|after|from|ago)\b)", r"\1 \2:00", lowered
    )
    # words are any letters ("josé"), so accented names survive to the identity lookup
    tokens = re.findall(r"\d+(?:[/:.\-]\d+)+|[^\W\d_]+(?:'[^\W\d_]+)?|\d+(?:st|nd|rd|th)?|[^\w\s]", lowered)
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            while run and run[-1] == "and":
                run.pop()
                out_tail.append("and")
            if run:
                out.append(_run_to_text(run))
            out.extend(out_tail)
            out_tail.clear()
            run.clear()

    out_tail: list[str] = []
    for i, tok in enumerate(tokens):
        if tok in _NUMBER_WORDS and not (tok == "second" and _is_time_unit(tokens, i)):
            # "oh" only counts inside a number ("nineteen oh five"), not as "oh, hello"
            if tok == "oh" and not run and not _starts_digits_then_year(tokens, i):
                out.append(tok)
                continue
            if tok == "one" and not run and (not _numeric_one(tokens, i) or _one_after_an_ordinal(tokens, i)):
                # "the 3 pm one", "that one", "the second one two weeks later": a pronoun, not a number
                out.append(tok)
                continue
            if tok == "one" and _a_clock_time(run) and not _numeric_one(tokens, i):
                flush()  # "the nine thirty one": the 9:30 one, not 9:31
                out.append(tok)
                continue
            run.append(tok)
            if tok in _ORDINALS:
                flush()  # "the second one": the ordinal ends the number
        elif tok == "and" and run and any(w in _SCALES for w in run):
            run.append(tok)
        else:
            flush()
            out.append(tok)
    flush()
    text = " ".join(out)
    text = re.sub(r"\s+([,.?!:;])", r"\1", text)
    text = daywords.canonical(text)  # "half 3", "a week on thursday", "on wed"
    # "3 p. m." / "3 p.m." / "3pm" -> "3 pm"
    text = re.sub(r"(\d)\s*([ap])\s*\.?\s*m\b\.?", r"\1 \2m", text)
    # "at the ten of the morning", "at the 3 and a half of the afternoon": Spanish's "a las diez
    # de la mañana" said in English; the hour with its part of the day
    text = _HOUR_OF_THE_DAY.sub(_hour_of_the_day, text)
    # "nine sharp", "10 on the dot": that hour exactly
    text = re.sub(r"\b(1[0-2]|[1-9])(?::00)? (?:o'clock )?(?:sharp|on the dot)\b", r"\1 o'clock", text)
    for pattern, replacement in _YEARS_AND_TIMES_SAID:
        text = pattern.sub(replacement, text)
    text = day_number_as_date(text)  # "for day 12, wednesday": the 12th
    # "zero two, zero three, one nine eight seven": a date said digit by digit in pairs
    text = re.sub(r"\b(\d) (\d), ?(\d) (\d), ?((?:19|20)\d\d)\b", r"\1\2/\3\4/\5", text)
    # "thursday 9 at 4 pm": the 9th, since the time is said after it
    text = re.sub(
        r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday),? ([1-9]|[12]\d|3[01])"
        # ("friday fifteen in the morning at nine thirty": the 15th, the time said after it)
        r"(?=(?:,? in the (?:morning|afternoon|evening))?,? (?:at|around|by) \d)",
        lambda m: f"{m.group(1)} the {m.group(2)}{ordinal_suffix(int(m.group(2)))}",
        text,
    )
    # "tuesday 26, in afternoon, 15:00 please": past 12 the number after a weekday is its date
    text = re.sub(
        r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday),? (1[3-9]|2\d|3[01])\b"
        r"(?![:.]\d|\s*(?:h\b|hrs?\b|hours?\b|minutes?\b|mins?\b|o'clock\b|:))",
        lambda m: f"{m.group(1)} the {m.group(2)}{ordinal_suffix(int(m.group(2)))}",
        text,
    )
    # "thursday the seven at nine thirty", "friday the eight same time": the 7th, the 8th
    text = re.sub(
        r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday),? the ([1-9]|[12]\d|3[01])\b"
        r"(?![:.]\d|\s*(?:am|pm|o'clock|a\.m|p\.m)\b)",
        lambda m: f"{m.group(1)} the {m.group(2)}{ordinal_suffix(int(m.group(2)))}",
        text,
    )
    # "twenty eighth o june": "of", as said in Scotland and Ireland
    text = re.sub(
        r"\b(\d{1,2}(?:st|nd|rd|th)) o(?: ?')? (?=(?:january|february|march|april|may|june|july|august|september"
        r"|october|november|december)\b)",
        r"\1 of ",
        text,
    )
    # "twenty three, july, nineteen ninety": the day, the month and the year said apart
    text = re.sub(
        r"\b([12]?\d|3[01]),\s+(january|february|march|april|may|june|july|august|september|october|november"
        r"|december),?\s+(?=(?:19|20)\d\d\b)",
        r"\1 \2 ",
        text,
    )
    # "anything later than that? four maybe?", "10 ideally": an hour said alone, a time
    text = re.sub(
        r"(?:^|(?<=[.?!,]\s))(1[0-2]|[1-9])\s+(?=(?:maybe|perhaps|possibly|ideally|preferably|or so|ish"
        r"|would be (?:ideal|great|good|perfect|best|better|nice|lovely))\b)",
        r"at \1 ",
        text,
    )
    # "is 1 ok?", "would 3 work?": an hour asked about
    text = re.sub(
        r"\b(is|would|does|will|could|can) (1[0-2]|[1-9])(?=(?::[0-5]\d)?(?: or (?:1[0-2]|[1-9])(?::[0-5]\d)?)? (?:ok|okay"
        r"|alright|all right|possible|free|available|good|fine|work|works|suit)\b)",
        r"\1 at \2",
        text,
    )
    # "11 or 1, the earlier one's better": the caller's own two hours, one of them preferred
    text = re.sub(
        r"(?:^|(?<=[.?!,]\s))(1[0-2]|[1-9])(?= or (?:at )?(?:1[0-2]|[1-9])(?::[0-5]\d)?,?(?: but| though)? (?:the (?:earlier"
        r"|later|first|second)|whichever|either|would (?:work|be fine|suit)|works|work|both work|is fine|are fine)\b)",
        r"at \1",
        text,
    )
    # "I could do 10 or 2": two hours said as times
    text = re.sub(r"\b(do|make) (1[0-2]|[1-9])(?= or (?:at )?(?:1[0-2]|[1-9])\b)", r"\1 at \2", text)
    # "at 1 or at 4?": one list of times
    text = re.sub(r"\bat (\d{1,2}(?::[0-5]\d)?(?:\s*[ap]m)?) or at (?=\d)", r"at \1 or ", text)
    # "either 11 or 3 works": two hours said as times
    text = re.sub(
        r"\beither (1[0-2]|[1-9])(?=(?::[0-5]\d)?(?:\s*[ap]m)? or (?:1[0-2]|[1-9])\b)", r"either at \1", text
    )
    # "at like 11", "at, um, 11", "around, uh, 3": the filler between the word and its time left out
    text = re.sub(
        r"\b(at|around|about|by),?\s+(?:(?:like|um+|uh+|er+|erm|uhm|you know|i guess|i think),?\s+)+(?=\d)",
        r"\1 ",
        text,
    )
    # Whisper writes "two thirty pm" as "2 30 pm" or "2.30 pm", and "at two thirty" as "at 2 30"
    text = re.sub(
        r"(?<![/\d])\b(\d{1,2})[ .]([0-5]\d)(?=\s*(?:am|pm|o'clock)\b)", r"\1:\2", text
    )  # not "11/1 11am"
    # ... and "eleven thirty" as "1130": a clock time after "at" or before am/pm (hours 1-12)
    text = re.sub(
        r"\b(at|around|by|about) (1[0-2]|[1-9])([0-5]\d)\b(?![:/.\-]?\d)|\b(1[0-2]|[1-9])([0-5]\d)(?=\s*(?:am|pm)\b)",
        lambda m: f"{m.group(1)} {m.group(2)}:{m.group(3)}" if m.group(1) else f"{m.group(4)}:{m.group(5)}",
        text,
    )
    # ("at ten, 10 am", "at 12, twelve noon": the hour said again, not its minutes)
    text = re.sub(
        r"\b(1[0-2]|[1-9]),? \1\b(?=\s*(?:am|pm|a\.m|p\.m|o'clock|noon|in the|sharp|$|[.,!?]))", r"\1", text
    )
    text = re.sub(r"\b(at|around|by|about) (\d{1,2}) ([0-5]\d)\b(?![/:.\-]?\d)", r"\1 \2:\3", text)
    text = re.sub(r"\b(at|around|by|about) (\d{1,2}), (15|30|45)\b(?![/:.\-]?\d)", r"\1 \2:\3", text)
    # "do you have uh 11 30", "11 30 in the morning": the hour and its minutes, said apart
    text = re.sub(
        r"\b(have|uh|um|er|or|say|like|maybe)((?: (?:uh|um|er))*) (1[0-2]|[1-9]) (15|30|45)\b"
        r"(?![/:.\-]?\d| ?(?:minutes?|mins?|days?|weeks?|years?|hours?|people|of)\b)",
        r"\1\2 \3:\4",
        text,
    )
    text = re.sub(
        r"\b(1[0-2]|[1-9]) (15|30|45) (?=(?:in the (?:morning|afternoon)|am|pm)\b)", r"\1:\2 ", text
    )
    # "september 22nd 9 in the morning": the hour said right after the date is the time that day
    text = re.sub(
        r"\b(\d{1,2}(?:st|nd|rd|th)),? (?=(?:1[0-2]|[1-9])(?::[0-5]\d)? ?(?:in the (?:morning|afternoon|evening)"
        r"|am|pm|o'clock)\b)",
        r"\1 at ",
        text,
    )
    # "10 hour" (how some callers say "10 o'clock"), "at 14 hours"; not a length ("a 2 hour
    # wait", "in 1 hour", "the 24 hour pharmacy")
    text = _HOUR_AS_TIME.sub(lambda m: f"{m.group(1)}:00", text)
    # "the same time as it is now", "same time as before": the appointment's time
    text = re.sub(
        r"\bsame (time|hour) as (?:it is|it's|its|it was|before|now|the (?:old|current|original) one"
        r"|my (?:current|old|original) one|the current)(?: now)?\b",
        r"same \1",
        text,
    )
    # "ten ten o'clock": the hour said twice (no minutes go before "o'clock")
    text = re.sub(
        r"\b(1[0-2]|[1-9]):(1[0-2]|0[1-9]) (?=o'clock\b)",
        lambda m: f"{m.group(1)} " if int(m.group(2)) == int(m.group(1)) else m.group(0),
        text,
    )
    # "for after tomorrow" (Spanish "pasado mañana"): the day after tomorrow
    text = re.sub(
        r"(?<!\bday )(?<!\banytime )(?<!\bany time )\bafter tomorrow\b", "the day after tomorrow", text
    )
    # "september 1st oh 4" (a year said "oh four"): 04
    text = re.sub(r"\b(\d{1,2}(?:st|nd|rd|th)?),? oh (\d)\b(?![:.]?\d)", r"\1 0\2", text)
    # "9 of may of 98" (a date as Spanish and French speakers say it): "9 of may 98"
    text = re.sub(
        r"\b(\d{1,2}(?:st|nd|rd|th)? of (?:january|february|march|april|may|june|july|august|september|october"
        r"|november|december)) of (?=(?:19|20)?\d\d\b)",
        r"\1 ",
        text,
    )
    # "same day, 11", "that day 3": the hour said with the day it is on is a clock time
    text = re.sub(
        r"\b((?:the )?same day|that (?:same )?day),? (1[0-2]|[1-9])\b(?![:.]?\d| ?(?:st|nd|rd|th|days?|weeks?|hours?)\b)",
        r"\1 at \2",
        text,
    )
    # "4 instead", "2 rather": an hour said alone to change a time is a clock time ("at 4 instead")
    text = re.sub(
        r"(?<![:\d])(?<!\bat )(?<!\bby )\b(1[0-2]|[1-9]) (instead|rather)\b(?! of| than)", r"at \1 \2", text
    )
    text = re.sub(
        r"\bsame timing\b", "same time", text
    )  # Indian English: "prepone it to monday, same timing"
    # "fifteen one five": a number, then spelled out digit by digit on a bad line, is that number
    text = re.sub(r"\b([1-9])(\d) \1 \2\b", r"\1\2", text)
    # ... and "at like 9 30", "say 2 30", "tuesday 2 30", "3 30 then": an hour and its quarter said
    # apart is a clock time anywhere, unless a number or a month is beside it (a date: "7 15 1990")
    return _QUARTER_APART.sub(_quarter_time, text)


_SURELY_DAY_FIRST = re.compile(r"(?<![\d/.:-])\b(?:1[3-9]|2\d|3[01])[/.](?:0?[1-9]|1[0-2])\b")


def _month_day(month: str, day: str, year: str = "") -> str:
    return f"{calendar.month_name[int(month)].lower()} {int(day)}{', ' + year if year else ''}"


# How a speech recogniser or a typist writes years and times once the number words are digits,
# each rewritten to the one form the date readers know; applied in this order.
_YEARS_AND_TIMES_SAID: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    # "nineteen ... eighty-five" said with a pause comes out of Whisper as "1900, 85"; "nineteen
    # hundred and eighty-five" (how espeak-ng and many older callers say a year) as "1900 and 85"
    # or "19 hundred and 85" (here "19 100 and 85")
    (re.compile(r"\b(19|20)(?:00|,? 100)[,.]?(?: and)? ([0-9]{2})\b(?![:/.]\d)"), r"\1\2"),
    # ... or as "19 84" after the month and day ("june 16th 19 84")
    (
        re.compile(
            r"\b((?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?,? )"
            r"(19|20) (\d{2})\b(?![:/.]?\d)"
        ),
        r"\1\2\3",
    ),
    # ... or as "1980, 5" ("nineteen eighty ... five")
    # (not across a sentence's end, nor before what is counted: "1990. two things: ...")
    (
        re.compile(
            # (nor "1990, 7 23 90": the date said again in numbers)
            r"\b(19|20)([1-9])0,? ([1-9])\b(?![:/.]?\d|\s+\d{1,2}[\s/.-]\d{2,4}\b|\s*(?:am|pm|o'clock)\b|\s+(?:things|questions|kids|children"
            r"|people|appointments|more|of)\b)"
        ),
        r"\1\2\3",
    ),
    # ... or as "1900, 1998" / "1990, 1998": a start, then the whole year; the last one stands
    (re.compile(r"\b(?:19|20)\d\d[,.]? ((?:19|20)\d\d)\b"), r"\1"),
    # ... or as "85 1985" / "65, 1965": the year's end, then the whole year said again
    (re.compile(r"\b(\d{2})[,.]? ((?:19|20)\1)\b"), r"\2"),
    # a time typed with a dot ("11.30", "make it 9.45"): not a date ("12.3.1990") nor an amount ("1.5 hours")
    (
        re.compile(
            r"(?<![\d.])\b(1[0-2]|0?[1-9])\.(00|15|30|45)\b(?![.\d]|\s*(?:hours?|hrs?|days?|weeks?|%|percent))"
        ),
        r"\1:\2",
    ),
    # an arrow for "to" ("resched appt thu -> fri 1400", "fri 14:30 appt → mon 24/10"): a move, or
    # "then" before another verb ("cancel thu -> book fri")
    (re.compile(r"\s*(?:-\s*>|→|=\s*>|⇒|➡️?)\s*(?=(?:re)?book|cancel|new\b)"), " then "),
    (re.compile(r"\s*(?:-\s*>|→|=\s*>|⇒|➡️?)\s*"), " move to "),
    # " / " between the parts of a typed list ("mia white / 25.01.1996 / dr chen / wed 26.10. / 13:30")
    # (not "dd / mm / yy", a date's format spelt out)
    (
        re.compile(
            r"(?<!\bdd)(?<!\bmm)(?<!\byy)(?<!\byyyy)(?:(?<=[a-z.])\s+/\s+|\s+/\s+(?=[a-z]))(?!(?:dd|mm|yy|yyyy)\b)"
        ),
        ", ",
    ),
    # ISO dates ("2050-10-18"): the month's name, as every date reader knows it
    (
        re.compile(r"(?<![\d/.-])\b((?:19|20)\d\d)-(0?[1-9]|1[0-2])-(0?[1-9]|[12]\d|3[01])\b(?![\d:-])"),
        lambda m: _month_day(m.group(2), m.group(3), m.group(1)),
    ),
    # a day and month with no year, the day first where it cannot be a month ("19/10", "26.10."):
    # that date (a year after it is a date of birth's, read elsewhere); and "10/08" too when the
    # same words have a date that can only be day first ("10/08 ... change to 14/08", "born 23/07/1990")
    (
        re.compile(r"(?<![\d/.:-])\b([0-3]?\d)[/.](0?[1-9]|1[0-2])\b\.?(?![/.]?\d)"),
        lambda m: (
            _month_day(m.group(2), m.group(1))
            if int(m.group(1)) > 12 or _SURELY_DAY_FIRST.search(m.string)
            else m.group(0)
        ),
    ),
    # times typed short: "10a", "3p", "10:30a" (a typist's am and pm)
    (
        re.compile(
            r"(?<![\d:/.-])\b(1[0-2]|0?[1-9])(:[0-5]\d)? ?(?:(p)|(a)(?=\s*(?:$|[?.!,;)-]|(?:tomorrow|today|on|with|w"
            r"|please|pls|plz|if|for|then|monday|tuesday|wednesday|thursday|friday)\b)))\b(?!\.\s?m\b)"
        ),
        lambda m: f"{m.group(1)}{m.group(2) or ''} {m.group(3) or m.group(4)}m",
    ),
    # "1030h", "fri 17th, 0930", "push my 1430", "dr chen, 1100, tue": four digits as a clock time
    *CLOCK_DIGITS,
    # "friday 24th": that date, said with its weekday ("friday the 24th")
    (
        re.compile(
            r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday),? (\d{1,2}(?:st|nd|rd|th))\b"
        ),
        r"\1 the \2",
    ),
]


_HOUR_OF_THE_DAY = re.compile(
    r"\b(at|around|about|by|for) the (1[0-2]|[1-9])(?::([0-5]\d))?"
    r"(?: and (?:a )?(half|quarter))? (?:of|in) the (morning|afternoon|evening|night)\b"
)


def _hour_of_the_day(m: re.Match[str]) -> str:
    minutes = m.group(3) or {"half": "30", "quarter": "15", None: "00"}[m.group(4)]
    return f"{m.group(1)} {m.group(2)}:{minutes} in the {m.group(5)}"


_RUN_TOGETHER = re.compile(
    rf"\b({'|'.join(_TENS)})({'|'.join(w for w, n in {**_UNITS, **_ORDINALS}.items() if 0 < n < 10)})\b"
    r"|\b(date)(of)(birth)\b"
)
_HOMOPHONE_HOURS = {"for": "four", "fore": "four", "to": "two", "too": "two", "won": "one", "ate": "eight"}
_MONTH_NAMES = r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
_TENS_WORDS = r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
_YEAR_NEXT = r"(?=,?\s+(?:nineteen|twenty|two thousand|to thousand|too thousand|(?:19|20)\d\d)\b)"
# the date ends there: a stop, or the words of what comes next ("... sixty won i need to book"; not
# "for" before what it may be for: "eighty for my son", while "for and" is no phrase)
_DATE_ENDS = (
    r"(?=\s*(?:[.,;!?]|$)|\s+and\b|(?<!for)\s+(?:i|i'm|i'd|it's|it|can|could|my|please|we|this|is|so)\b)"
)
_DATE_HOMOPHONES = re.compile(
    # after a month (and the tens of its day), before the year: "july for nineteen ...", "april twenty won 1979"
    rf"\b(?P<lead>{_MONTH_NAMES}(?: {_TENS_WORDS})?) (?P<d1>for|fore|to|too|won|ate){_YEAR_NEXT}"
    # the last digit of a year, at the end of the date: "nineteen seventy to", "december twelve ninety to.",
    # "nineteen oh ate" (without the century only the tens no clock has: "nine thirty to" stays)
    rf"|\b(?P<tens>(?:nineteen|twenty) (?:{_TENS_WORDS}|oh)|sixty|seventy|eighty|ninety) (?P<d2>to|too|won|ate|for)"
    + _DATE_ENDS
    # "to thousand for": the year 2004
    + r"|\b(?:to|too) thousand(?: and)? (?P<d3>for|fore|to|too|won|ate|one|two|three|four|five|six|seven|eight|nine"
    r"|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty)\b"
    # "two thousand and won", "two thousand for": the year 2001, 2004, where the date ends
    r"|\b(?P<millennium>two thousand(?: and)?) (?P<d4>for|fore|to|too|won|ate)" + _DATE_ENDS
)


def _digit_heard(m: re.Match[str]) -> str:
    if m.group("d1"):
        return f"{m.group('lead')} {_HOMOPHONE_HOURS[m.group('d1')]}"
    if m.group("d2"):
        return f"{m.group('tens')} {_HOMOPHONE_HOURS[m.group('d2')]}"
    if m.group("d4"):
        return f"{m.group('millennium')} {_HOMOPHONE_HOURS[m.group('d4')]}"
    last = m.group("d3")
    return f"two thousand {_HOMOPHONE_HOURS.get(last, last)}"


_HOUR_HOMOPHONE = re.compile(
    r"\b(at|by|around|about|say|till|until|from|like|maybe) (for|fore|to|too|won|ate)\b"
    r"(?=\s*(?:pm\b|am\b|p\.\s?m\b|a\.\s?m\b|p m\b|a m\b|o'?\s?clock\b|thirty\b|fifteen\b|forty\b|45\b|30\b|15\b"
    r"|in the (?:morning|afternoon|evening)\b|[,.?!]|$))"
)
_HOUR_AS_TIME = re.compile(
    r"(?<!\bin )(?<!\bfor )(?<!\bwithin )(?<!\bevery )(?<!\ba )(?<!\ban )(?<!\bthe )(?<!\bper )(?<!\bup to )"
    r"(?<!\bover )(?<!\bunder )(?<!\blast )(?<!\bnext )(?<!\bback )(?<!\bby )(?<!\bforward )(?<!\bahead )"
    r"(?<!\bit )(?<!\bthat )(?<!\bthis )(?<!\bhim )(?<!\bher )(?<!\bme )(?<!\bus )(?<!\bjust )\b([01]?\d|2[0-3]) (?:hour\b|(?<=\bat \d )hours\b|(?<=\bat \d\d )hours\b)"
    r"(?!\s*(?:s\b|later|earlier|sooner|back|forward|ahead|ago|before|after|from|long|or so|appointment|slot|visit|wait|window|block|session|drive|away)\b)"
)
_QUARTER_APART = re.compile(
    r"\b(1[0-2]|[1-9]) (00|15|30|45)\b(?!\s*[/:.\-]?\s*\d|\s*(?:min|minutes?|hours?|days?|weeks?|years?)\b)"
)
_BEFORE_A_DATE = re.compile(
    r"(?:\d|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*|[/:.\-])\s*$"
)


def _quarter_time(m: re.Match[str]) -> str:
    if _BEFORE_A_DATE.search(m.string[: m.start()]):
        return m.group(0)
    return f"{m.group(1)}:{m.group(2)}"


def _ordinal_respelt(word: str) -> str:
    if word in _NUMBER_WORDS:
        return word
    close = difflib.get_close_matches(word, [w for w in _ORDINALS if len(w) >= 6], n=2, cutoff=0.88)
    return close[0] if len(close) == 1 else word


_HOUR_WORDS = {
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
}


def _a_clock_time(run: list[str]) -> bool:
    """An hour and its half or quarter in words ("nine thirty", "ten forty five")."""
    return (len(run) == 2 and run[0] in _HOUR_WORDS and run[1] in ("fifteen", "thirty")) or (
        len(run) == 3 and run[0] in _HOUR_WORDS and run[1:] == ["forty", "five"]
    )


_MINUTES_BEFORE_PAST = ("quarter", "half", "ten", "twenty", "five")


def _one_after_an_ordinal(tokens: list[str], i: int) -> bool:
    """ "the second one two weeks later": a pronoun (not "the fifth one o'clock", "the 21st one pm")."""
    after = tokens[i + 1] if i + 1 < len(tokens) else ""
    return i > 0 and tokens[i - 1] in _ORDINAL_WORDS and after not in _CLOCK_AFTER


_CLOCK_AFTER = frozenset({"am", "pm", "p", "a", "o'clock", "o", "thirty", "fifteen", "forty", "oh"})
_ORDINAL_WORDS = frozenset(
    {"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"}
)


def _numeric_one(tokens: list[str], i: int) -> bool:
    before = tokens[i - 1] if i > 0 else ""
    after = tokens[i + 1] if i + 1 < len(tokens) else ""
    # "half one", "quarter past one", "ten to one": a clock time
    if before == "half" or (before in ("past", "to") and i > 1 and tokens[i - 2] in _MINUTES_BEFORE_PAST):
        return True
    # ("between one and two", "from one to three", "until one")
    return before in ("at", "number", "option", "is", "by", "around", "between", "from", "until", "till") or after in (
        "am", "pm", "p", "a", "o'clock", "thirty", "fifteen", "forty", "oh", "hundred", "thousand",
    ) or after in _UNITS or after in _TENS  # fmt: skip


def _is_time_unit(tokens: list[str], i: int) -> bool:
    """'wait a second' is not an ordinal."""
    return i > 0 and tokens[i - 1] in ("a", "one")
