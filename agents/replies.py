"""The fixed words of the runtime: closing questions, transfer offers, and connector failures said
plainly. Kept in one place so every path that says the same thing says it the same way."""

from __future__ import annotations

import re

from speech.text import plain

ANYTHING_ELSE = "Is there anything else I can help you with?"
OFFER_TRANSFER = "Would you like me to transfer you to a member of our team?"

TAKE_YOUR_TIME = "Of course, take your time."

# "hang on, the dog is going crazy, one sec": the caller asks to wait, and says nothing else the
# conversation needs (no day, time or number: "hold on, can it be 4 instead?" is a change)
_WAIT = re.compile(
    r"\b(?:hang on|hold on|one (?:sec|second|moment|minute|mo)|just a (?:sec|second|moment|minute|mo)"
    r"|give me a (?:sec|second|moment|minute)|bear with me|be right back|brb|wait a (?:sec|second|moment|minute)"
    r"|hold that thought|let me think|let me see|let me check|i need to think|thinking about it)\b",
    re.IGNORECASE,
)
_DAY_OR_TIME = re.compile(
    r"\d|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|today|morning|afternoon"
    r"|noon|instead|dr|doctor|cancel\w*|book\w*|move|reschedul\w*|yes|yeah|no|nope|okay|ok|sure|go ahead"
    # "let me think. The twenty-first of August, nineteen sixty-eight?": an answer, said
    r"|january|february|march|april|may|june|july|august|september|october|november|december"
    r"|nineteen|twenty|thirty|first|second|third|[a-z]+teenth|[a-z]+tieth"
    # "hold on... can I just speak to the front desk, please?": a request of its own
    r"|speak|talk|person|someone|somebody|human|front desk|reception|receptionist|staff|transfer|operator)\b",
    re.IGNORECASE,
)


# what may come before the words of waiting ("sorry about that, hang on", "can you just hold on")
_BEFORE_WAIT = frozenset(
    "oh um uh er hmm ok okay so yeah yes well sorry about that just can could would you please wait right sure "
    "ah one sec second moment actually alright oops".split()
)


def asks_to_wait(text: str) -> bool:
    """The caller only asks the assistant to wait a moment (the question asked still stands); said
    first in the turn ("oh, hang on", "can you hold on"), not after other words ("the land will hang
    on please" is "11 AM, please" misheard)."""
    wait = _WAIT.search(text)
    return (
        wait is not None
        and all(w in _BEFORE_WAIT for w in re.findall(r"[a-z']+", text[: wait.start()].lower()))
        and _DAY_OR_TIME.search(text) is None
    )


# How the runtime's replies open ("Done. You're booked with …", "I'll book you with …", "I'm sorry,
# …"): a voice channel synthesizes these at start-up so a reply's first words are ready at once.
# Each is the first piece the speech layer cuts from such a reply (a test holds them to that).
OPENINGS = (
    "Done.",
    "Okay.",
    "Thank you,",
    "Thanks.",
    "I'm sorry,",
    "Sorry,",
    "I'll book you",
    "I'll move your appointment",
    "I'll cancel your appointment",
)

_FAILURE_WORDS = {
    "not_found": "I'm sorry, I couldn't find that in our system.",
    "conflict": "I'm sorry, that couldn't be done because something changed in our system.",
    "unavailable": "I'm sorry, our system isn't responding right now.",
    "rejected": "I'm sorry, our system didn't accept that request.",
    "unsupported": "I'm sorry, that's not something I can do here.",
    "unreadable": "I'm sorry, our system gave me an answer I couldn't read.",
    "error": "I'm sorry, something went wrong on our side.",
}


def failure_words(kind: str, message: str | None) -> str:
    """Plain words for a connector failure: its caller-safe message when short, else a default."""
    default = _FAILURE_WORDS.get(kind, _FAILURE_WORDS["error"])
    if message and kind not in ("unavailable", "unreadable", "error") and len(message) <= 160:
        text = plain(message)
        return text if text.endswith((".", "!", "?")) else text + "."
    return default


def greeting(business_name: str) -> str:
    return f"Thank you for contacting {business_name}. I'm the virtual assistant. How can I help you today?"


def goodbye(business_name: str) -> str:
    return f"Thank you for contacting {business_name}. Goodbye!"


def handoff_words(channel: str) -> str:
    """What the caller hears when a person takes over (a voice caller is on hold meanwhile)."""
    if channel == "voice":
        return "I'll connect you with a member of our team. Please hold on."
    return "I'll connect you with a member of our team. Someone will be with you shortly."
