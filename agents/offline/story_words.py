"""Words of the caller's story that ask for nothing, taken out before a turn's intents are read
(normalized text): a cancellation told of the past ("I had to cancel my physical a few weeks back"),
a free slot someone else gave up ("Dr. Patel had a cancellation on Monday"), what was agreed at a
past visit, who will call another day, a work shift or a house move, a visit booked before the call
("so I booked the check-up ..." is a visit they have), and "yes, that's it" to the times offered.
`without_told` leaves out the clauses that only tell the story ("Dr. Chen started me on a new pill"),
so a staff topic word in them is read as what happened, not as a question for staff."""

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
    # "we're moving to Denver at the end of August": the family moves to a place, not the visit to a day
    r"|\b(?:we're|we are|i'm|i am|they're|they are|he's|she's) (?:moving|relocating) (?:to|out to|over to) (?!(?:the |a |an "
    r"|another |other |next |this |that |my |his |her )|(?:mon|tues|wednes|thurs|fri|satur|sun)day|tomorrow|today|\d"
    r"|morning|afternoon|evening|later|earlier|january|february|march|april|may|june|july|august|september|october"
    r"|november|december)[a-z]+"
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


# A clause that asks: a question (typed or said: "what's the ...", not "when I saw Dr. Chen"), a want
# or a need of the caller's, a request to the practice ("can you", "please"), a refill or a renewal,
# "a question about" (what staff are for), or a problem for staff to put right ("I think I was charged
# twice", "the pharmacy never got it": told, but told to be fixed).
_ASKS = re.compile(
    r"\?|^\W*(?:what|when|where|why|how|who|which)(?:'s| is| are| do| does| did| can| could| should| will)\b"
    r"|\b(?:i|we)(?:'d| would)? (?:really |just |also |still )?(?:need|want|like)\b"
    r"|\b(?:can|could|would|will) you\b|\b(?:do|does|did|is|are|should|can|could|may) (?:i|we|you|it|he|she|they)\b"
    r"|\b(?:please|questions?|refill\w*|re fill|renew\w*|wonder\w*|ask|asking)\b"
    # "I wanted to check whether you accept Anthem before I book": a question put politely
    r"|\b(?:check|checking|find out|know|see) (?:whether|if)\b"
    r"|\b(?:i think|wrong|mistake|twice|never (?:got|received|came|arrived)|still (?:waiting|haven't|hasn't)"
    r"|problems?|issues?|denied|rejected|lost)\b"
    # "... and a bad cough is that something i should worry about": a question said without its mark
    r"|\b(?:is|are) (?:that|it|this|these|those) (?:something|anything|normal|serious|bad|ok|okay|safe|a problem)\b"
    r"|\bworr(?:y|ied|ying)\b|\bconcern(?:ed|ing)\b|\bsuggest\b|\bor (?:just )?wait\b"
)

# What marks a clause as the caller's story: something done or said before the call (by the caller,
# a doctor, a friend, an employer), how things have been since, or what someone else needs.
_STORY = re.compile(
    r"\b(?:said|says|told|tells|started|changed|switched|put (?:me|him|her|us) on|gave|given|wanted|suggested"
    r"|recommended|reminded|mentioned|thought|took|taken|been|since|isn't|wasn't|aren't|weren't"
    r"|doesn't|didn't|haven't|hasn't|ran out|finished|stopped|upped|lowered|increased|reduced|adjusted|saw|seen"
    r"|went|moved|got|had|handles|handled|fills out|filled out)\b"
    # "they need an immunization form signed", "my new employer wants a form": someone else's need
    r"|\b(?:he|she|they|(?:my|his|her|their|the) (?:[a-z']+ )?[a-z']+)\s+(?:also |now |just |really )?(?:needs?|wants?|requires?)\b"
)

# a clause ends at a stop, a comma, or before "but" / "so" ("..., so please cancel the one on Thursday")
_CLAUSE_BREAK = re.compile(
    r"(?<!\bdr\.)(?<!\bmr\.)(?<!\bms\.)(?<!\bmrs\.)(?<=[.;!?:])\s+|,\s*|\s(?=(?:but|so) )"
)


def told_only(clause: str) -> bool:
    """A clause of the caller's story that asks nothing ("Dr. Chen started me on a new blood pressure
    pill", "my friend said I should talk to a doctor about vaccines"): a staff topic word in it is
    what happened, not a question for staff."""
    return _STORY.search(clause) is not None and _ASKS.search(clause) is None


def without_told(text: str) -> str:
    """`text` (normalized) without the clauses that only tell the caller's story: what is left asks."""
    return ", ".join(c for c in _CLAUSE_BREAK.split(text) if c and not told_only(c))


def asks_something(text: str) -> bool:
    """Whether `text` asks anything ("i've had a rash for 3 days, is that something i should worry
    about?": the story's question, with no topic word of its own)."""
    return _ASKS.search(text) is not None
