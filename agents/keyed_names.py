"""A last name typed on the phone keypad, one key per letter (2 = ABC ... 9 = WXYZ).

Whisper hears "Game's Wilton" for James Wilson; spelling aloud fares no better with a small model.
Keys are exact. "Wilson" typed is 945766, and with an exact date of birth that identifies the
person among everyone on file born that day; the keys match a name (not the name itself), so a
typed name is checked against the people the system of record finds for the date of birth."""

from __future__ import annotations

import unicodedata

_LETTER_KEYS = {
    letter: key
    for key, letters in {
        "2": "abc",
        "3": "def",
        "4": "ghi",
        "5": "jkl",
        "6": "mno",
        "7": "pqrs",
        "8": "tuv",
        "9": "wxyz",
    }.items()
    for letter in letters
}


def keys_of(name: str) -> str:
    """The keys that spell `name` (accents, spaces, hyphens and apostrophes are not typed:
    "O'Brien" is 627436)."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(_LETTER_KEYS[ch] for ch in decomposed if ch in _LETTER_KEYS)


def typed_name_keys(text: str) -> str | None:
    """The keys of a typed name: digits 2 to 9 only (1 and 0 carry no letters), at least two,
    an ending # allowed; None for anything else."""
    keys = text.strip().removesuffix("#")
    if 2 <= len(keys) <= 30 and all(ch in "23456789" for ch in keys):
        return keys
    return None
