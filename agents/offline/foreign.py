"""Words of callers whose first language is another one, mixed into English: greetings and
courtesies that are never a name ("Hola, José Ramírez here"), a doctor's title in Spanish,
Portuguese, French, Italian or German ("Dra. Patel") read as "dr", and the weekdays of those
languages ("el jueves at 11", "vendredi", "am Dienstag") read as the English day."""

from __future__ import annotations

import re
import unicodedata

# greetings, courtesies and fillers in other languages (accents folded and not): never a name
FOREIGN_WORDS = {
    "hola", "buenos", "buenas", "dias", "días", "tardes", "noches", "gracias", "muchas", "por", "favor",
    "senor", "señor", "senora", "señora", "senorita", "señorita", "bueno", "pues", "oiga", "mire", "cita",
    "bonjour", "bonsoir", "salut", "merci", "madame", "monsieur", "allo", "allô", "oui", "non",
    "hallo", "guten", "tag", "morgen", "danke", "bitte", "ja", "nein", "ciao", "buongiorno", "grazie",
    "prego", "ola", "olá", "bom", "dia", "obrigado", "obrigada", "namaste", "namaskar", "salaam",
    "salam", "assalamualaikum", "shukriya", "dhanyavaad", "ji", "haan", "si", "sí", "vale", "claro",
    # "I am" / "my name is" in other languages ("soy Ana López", "je suis Marie Dupont")
    "aqui", "aquí", "ici", "hier", "qui", "soy", "llamo", "mi", "nombre", "es", "je", "suis", "appelle", "ich", "bin", "heisse", "sono", "chiamo",
}  # fmt: skip

_TITLES = re.compile(
    r"\b(?:dra|doctora|docteur|doktor|dottore|dottoressa|doutor|doutora|drª|dr\.ª)\b(?=\.?\s+[^\W\d_])"
)


# "soy Ana López", "me llamo ...", "je m'appelle ...", "ich bin ...": an introduction
_I_AM = re.compile(
    r"(?:(?<=^)|(?<=[,.!?] )|(?<=[,.!?]))\s*(?:soy|me llamo|mi nombre es|je suis|je m'appelle|ich bin|ich hei(?:ss|ß)e"
    r"|mi chiamo|sono|eu sou|meu nome é|meu nome e)\s+(?=[^\W\d_])"
)


# weekday names of other languages, accents folded; not "domingo" / "domenica" (given names too)
_WEEKDAYS = {
    "lunes": "monday", "martes": "tuesday", "miercoles": "wednesday", "jueves": "thursday",
    "viernes": "friday", "sabado": "saturday",
    "lundi": "monday", "mardi": "tuesday", "mercredi": "wednesday", "jeudi": "thursday",
    "vendredi": "friday", "samedi": "saturday", "dimanche": "sunday",
    "segunda feira": "monday", "terca feira": "tuesday", "quarta feira": "wednesday",
    "quinta feira": "thursday", "sexta feira": "friday",
    "lunedi": "monday", "martedi": "tuesday", "mercoledi": "wednesday", "giovedi": "thursday",
    "venerdi": "friday",
    "montag": "monday", "dienstag": "tuesday", "mittwoch": "wednesday", "donnerstag": "thursday",
    "freitag": "friday", "samstag": "saturday", "sonntag": "sunday",
}  # fmt: skip
_WEEKDAY_WORD = re.compile(
    r"\b(?:(?:el|le|il|la|este|ce|next|this|on)\s+)?("
    + "|".join(k.replace(" ", r"[\s-]?") for k in sorted(_WEEKDAYS, key=len, reverse=True))
    + r")\b"
)


def respell_weekdays(text: str) -> str:
    """ "el jueves a las 11", "vendredi", "am Dienstag": the English weekday (lowercased text; an
    article before it becomes "on", so "el jueves" reads as "on thursday")."""
    folded = fold(text)
    if len(folded) != len(text):  # a letter that folds into two ("ß"): read the folded text
        text = folded
    out, last = [], 0
    for m in _WEEKDAY_WORD.finditer(folded):
        cue = m.group(0)[: m.start(1) - m.start()].strip()
        lead = f"{cue} " if cue in ("next", "this", "on") else "on "
        out.append(text[last : m.start()] + lead + _WEEKDAYS[re.sub(r"[\s-]+", " ", m.group(1))])
        last = m.end()
    text = _AT_HOUR.sub("at ", "".join(out) + text[last:])
    # "a las diez": the hour in Spanish, as a number
    text = re.sub(
        r"\bat (" + "|".join(_SPANISH_HOURS) + r")\b", lambda m: f"at {_SPANISH_HOURS[m.group(1)]}", text
    )
    # "a las tres y media", "diez y cuarto": the half and the quarter past
    text = re.sub(r"\b(1[0-2]|[1-9]) y media\b", r"\1:30", text)
    text = re.sub(r"\b(1[0-2]|[1-9]) y cuarto\b", r"\1:15", text)
    # "Lucas has la cita el viernes": the appointment, in the words the date readers and intents know
    return _APPOINTMENT_WORD.sub(lambda m: _APPOINTMENT_WORDS[m.group(1)], text)


_SPANISH_HOURS = {
    "una": "1", "dos": "2", "tres": "3", "cuatro": "4", "cinco": "5", "seis": "6", "siete": "7", "ocho": "8",
    "nueve": "9", "diez": "10", "once": "11", "doce": "12",
}  # fmt: skip
_APPOINTMENT_WORDS = {
    "la cita": "an appointment", "una cita": "an appointment", "mi cita": "my appointment", "su cita": "the appointment",
    "el turno": "an appointment", "le rendez-vous": "an appointment", "mon rendez-vous": "my appointment",
    "son rendez-vous": "the appointment", "a consulta": "an appointment", "minha consulta": "my appointment",
}  # fmt: skip
_APPOINTMENT_WORD = re.compile(r"\b(" + "|".join(sorted(_APPOINTMENT_WORDS, key=len, reverse=True)) + r")\b")


# "a las 11", "à 14h": "at" before an hour
_AT_HOUR = re.compile(
    r"(?:\ba las|(?<!\S)à|\ba la)\s+(?=\d|one\b|two\b|three\b|four\b|five\b|six\b|seven\b"
    r"|eight\b|nine\b|ten\b|eleven\b|twelve\b|una\b|dos\b|tres\b|cuatro\b|once\b|diez\b)"
)


def respell_titles(text: str) -> str:
    """ "dra. patel", "doctora chen", "docteur patel": a doctor's title, read as "dr" / "doctor";
    "soy Ana López" at the start of a sentence: "i'm Ana López"."""
    text = _I_AM.sub(lambda m: " my name is " if m.group(0)[:1].isspace() else "my name is ", text)
    return _TITLES.sub(lambda m: "dr" if m.group(0).startswith("dr") else "doctor", text)


def fold(word: str) -> str:
    """Lowercase without accents: "Sí" and "si" are one word."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# "for day 12, Wednesday", "to the Friday, day 7, at 10 hours": a date as Portuguese, Spanish and
# French callers say it ("dia 12", "el día 7", "le 12"), said in English; after a word that leads to
# a day, or beside a weekday (not "day 3 of the antibiotics", "on day 2 of 5")
_DAY_NUMBER = re.compile(
    r"\b(?P<lead>(?:for|on|to|until|till|from|by)|(?:monday|tuesday|wednesday|thursday|friday|saturday),?(?: the)?) "
    r"(?:the )?day (?P<day>[1-9]|[12]\d|3[01])\b(?!\s*(?:of|days?|weeks?|[:./]\d|out of|\d))"
)


def day_number_as_date(text: str) -> str:
    """ "for day 12, wednesday": "for the 12th, wednesday" (normalized text, numbers as digits)."""
    return _DAY_NUMBER.sub(
        lambda m: (
            f"{m.group('lead').removesuffix(' the')} the {m.group('day')}{_suffix(int(m.group('day')))}"
        ),
        text,
    )


def _suffix(n: int) -> str:
    return "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
