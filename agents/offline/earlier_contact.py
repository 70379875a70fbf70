"""Earlier contact the caller tells of: why they are calling now, never a request to be called.

"I was told to call back today to set up my follow-up", "Dr. Rodriguez's office asked me to call
back and reschedule", "the lady said I can move it if I call back", "I got a voicemail asking me to
ring back": the caller calling back themselves, as told. What they ask for (book, move, cancel) is
the task; a message is taken only when they ask to leave one or to be called (`messages`).
"""

from __future__ import annotations

import re

_CALL_BACK = r"(?:call|ring|phone)(?: (?:you|you guys|y'all|them|the office|the clinic|the practice))? back"

EARLIER_CONTACT = re.compile(
    # "was told to call back", "asked me to call back", "said i should ring back closer to the date"
    r"\b(?:told|asked|said|advised|instructed|reminded|wanted|wants|tells|says)"
    r"(?: (?:me|us|my [a-z]+|him|her|them))?(?: (?:that|if))?(?: (?:i|we|he|she))?"
    r"(?: (?:should|could|can|would|will|had to|have to|has to|need to|needed to|must|ought to|was to|were to))?"
    rf"(?: to)? {_CALL_BACK}\b"
    # "... I can move it if I call back", "when I ring back"
    rf"|\b(?:if|when|once|and|so) (?:i|we) (?:just )?{_CALL_BACK}\b"
    # "I'm calling back about ...", "I'm ringing back as asked"
    r"|\b(?:i'm|i am|we're|we are|i was|im) (?:just )?(?:calling|ringing|phoning)(?: you)? back\b"
    # "I got a message / a voicemail / a letter (asking me) to call back"
    r"|\b(?:message|voicemail|voice mail|letter|text|note|reminder|email)\b(?: (?:asking|telling|saying))?"
    rf"(?: (?:me|us))?(?: (?:that i should|i should))?(?: to)? {_CALL_BACK}\b"
    # a call back promised before, or never made: "they were supposed to call me back last week, so
    # can I just book it now", "Dr. Chen's office never rang me back"
    r"|\b(?:(?:was|were|is|are) (?:supposed|meant|going) to|said (?:they|she|he|someone|you)(?:'d| would| will)"
    r"|promised to|(?:never|didn't|did not|haven't|hasn't|has not|have not|never got around to)) (?:call|ring|phone)(?:ed)?"
    r" (?:me|us) back\b"
)


def without_earlier_contact(text: str) -> str:
    """`text` (normalized) without the earlier contact it tells of."""
    return EARLIER_CONTACT.sub(" ", text)
