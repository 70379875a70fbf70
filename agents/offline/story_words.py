"""Words of the caller's story that ask for nothing, taken out before a turn's intents are read
(normalized text): a cancellation told of the past ("I had to cancel my physical a few weeks back"),
a free slot someone else gave up ("Dr. Patel had a cancellation on Monday"), what was agreed at a
past visit, who will call another day, a work shift or a house move, a visit booked before the call
("so I booked the check-up ..." is a visit they have), and "yes, that's it" to the times offered."""

from __future__ import annotations

import re

# "my boss changed my shift": a shift at work, no move
_WORK_SHIFT = re.compile(
    r"\b(?:changed|swapped|moved|switched|put me on|gave me)?\s*(?:my|a|the|his|her|work|night|day|morning|evening"
    r"|late|early|double|weekend) shifts?\b"
)

# moving home is no appointment moved ("since I helped my son move house")
_MOVING_HOME = re.compile(
    r"\b(?:move|moving|moved|moves) (?:house|home|flat|in|out|away|abroad|to a new (?:house|place|flat|home)"
    # "we move to other city, so please cancel": the family moves, not the visit
    r"|to (?:an?(?:nother)? |other |a different |the )?(?:new )?(?:city|town|state|country|area|place|house|flat|apartment))\b"
)

# "someone said Dr. Patel had a cancellation on Monday at 2:30", "is the cancellation slot still
# free?": a free slot someone else gave up, not a cancellation asked for
_A_CANCELLATION_FREE = re.compile(
    r"\s(?:had|has|have|got|there's|there is|there was) (?:a|an|one) (?:last[- ]minute )?cancellation\b"
    r"|\s(?:the|a|that) cancellation (?:slot|spot|opening|appointment)\b"
)

# "like we discussed at my appointment today": what was said at a past visit
_SAID_AT_A_VISIT = re.compile(
    r"\b(?:discussed|agreed|said|told|talked about|mentioned|decided|suggested)\b[^.?!]{0,20}?\b(?:at|during|in) "
    r"(?:my|the|our) (?:last |recent |previous )?(?:appointment|visit|check ?up|consultation)"
    r"(?: (?:today|yesterday|this morning|last week))?"
)

# "I had to cancel my physical a few weeks back", "I know I've cancelled twice already", "I kept
# cancelling on you", "we had to cancel his ear check", "I bailed on my appointment": a cancellation
# told of the past, not asked for (to the end of its clause)
_CANCELLED_BEFORE = re.compile(
    r"(?:\b(?:i|we|he|she|they)(?:'ve|'d)?(?:\s+(?:have|had|has|know|already|just|kept|then|ended up|also|even|"
    r"had to|to))*\s+(?:cancell?ed|cancell?ing|dropped|called off|bailed on|had to (?:cancel|drop|call off|miss|skip))"
    r"|\band had to (?:cancel|drop|call off|miss|skip))\b"
    r"[^.?!;,]*?(?=[.?!;,]|\s(?:but|and|so|which is why)\b|$)"
)

# "my husband will call about his own another day", "I'll ring back some other time": when someone
# calls, not another day asked for a visit
_CALLS_ANOTHER_DAY = re.compile(
    r"\b(?:will|'ll|can|could|is going to|are going to)\s+(?:call|ring|phone|come back|get back|be in touch)\b[^.?!]{0,40}?"
    r"\b(?:another|some other|a different|other) (?:day|time)\b"
)

_YES_THATS_IT = re.compile(r"^\W*(?:yes|yeah|yep|yup|correct|right)\W+that(?:'s| is) it\b")

# "so I booked the check-up with Dr. Patel for Thursday ...": a visit the caller has, told
_BOOKED_BEFORE = re.compile(
    r"\b(?:i|we)(?: had| have|'ve)? (?:booked|scheduled|made)(?= (?:the|a|an|my|our|that|this)\b)"
)


def as_asked(text: str) -> str:
    """`text` with the story's words taken out (a booking made before the call reads as one they have)."""
    text = _BOOKED_BEFORE.sub("i have", text)
    text = _MOVING_HOME.sub(" ", text)
    text = _WORK_SHIFT.sub(" ", text)  # "my boss changed my shift": a shift at work, no move
    text = _YES_THATS_IT.sub("yes", text)  # "yes, that's it" to the times offered: a yes, no goodbye
    text = _A_CANCELLATION_FREE.sub(
        " had a free slot", text
    )  # "Dr. Patel had a cancellation ...: can I grab it?"
    text = _SAID_AT_A_VISIT.sub(" ", text)  # "like we discussed at my appointment today": a past visit
    text = _CANCELLED_BEFORE.sub(" ", text)  # "I had to cancel my physical a few weeks back": the story
    return _CALLS_ANOTHER_DAY.sub(" ", text)  # "my husband will call about his own another day"
