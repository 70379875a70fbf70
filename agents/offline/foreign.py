"""Words of callers whose first language is another one, mixed into English: greetings and
courtesies that are never a name ("Hola, José Ramírez here"), and a doctor's title in Spanish,
Portuguese, French, Italian or German ("Dra. Patel") read as "dr"."""

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


def respell_titles(text: str) -> str:
    """ "dra. patel", "doctora chen", "docteur patel": a doctor's title, read as "dr" / "doctor";
    "soy Ana López" at the start of a sentence: "i'm Ana López"."""
    text = _I_AM.sub(lambda m: " my name is " if m.group(0)[:1].isspace() else "my name is ", text)
    return _TITLES.sub(lambda m: "dr" if m.group(0).startswith("dr") else "doctor", text)


def fold(word: str) -> str:
    """Lowercase without accents: "Sí" and "si" are one word."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
