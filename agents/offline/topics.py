"""What a caller asks that is not an appointment: read before anything else in a turn.

- An emergency ("chest pain", "I can't breathe"): hang up and call 911, and a person takes over.
- Work for staff (billing, insurance, test results, prescriptions, records and forms, a nurse,
  the practice's address, medical questions, new patients): handed over at once, with the
  specific reason in the staff summary, nothing booked on the way. A visit asked for with its
  reason ("I'd like to come in about my cough", "an appointment to go over my results") is a
  booking; so are symptoms and results said with a plain request ("back pain, can I see someone
  today"). The caller's own name is left out first (Bill Price asks nothing about a bill).
- The practice's opening hours: answered from the setting (`hours.py`).
- "How are you", "are you a real person": answered, then what the assistant can do.
- Small talk and other questions ("what's the weather", "tell me a joke"): the caller is told
  what the assistant can do; a second one in a row goes to a person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from agents.offline import wanted
from agents.offline.birthdates import find_dob
from agents.offline.calendar_words import WEEKDAYS
from agents.offline.dates import find_when, weekday_date
from agents.offline.hours import OpeningHours, answer
from agents.offline.intents import Intent, intents, task_of
from agents.offline.names import find_name, name_near
from agents.offline.numbers import normalize
from agents.offline.steps import HELP, call, say
from agents.planner import PlanContext, PlanStep
from agents.replies import ANYTHING_ELSE

EMERGENCY_WORDS = "If this is a medical emergency, please hang up and call 911 right away, or go to the nearest emergency room."
REDIRECT = (
    "I'm sorry, I can't help with that. I can help with appointments: booking, moving or cancelling one, "
    "or telling you about your upcoming appointments. I can also tell you our opening hours."
)

_NOT_EMERGENCY = re.compile(
    r"\b(not|isn't|is not|no|non|nothing)\s+(an?\s+|like an?\s+)?(urgent|emergency)\b"
)
_EMERGENCY = re.compile(
    r"\b(chest (pain|pains|hurts|tightness|pressure)|pain in (my|his|her|the) chest|heart attack|cardiac arrest"
    r"|(can't|cant|cannot|can not|couldn't|could not|unable to) (breathe|breath|breathing)"
    r"|(hard|trouble|difficulty|struggling|problems?) (to )?breath\w*|short(ness)? of breath|not breathing"
    r"|stopped breathing|having a stroke|a stroke|stroke symptoms|face is drooping|slurred speech|unconscious"
    r"|unresponsive|passed out|fainted|collapsed|won't wake up|seizure|seizing|choking|overdos\w*|suicid\w*"
    r"|kill (myself|himself|herself)|end my life|(hurt|hurting|harm|harming) (myself|himself|herself)|self harm"
    r"|(isn't|is not|not|stopped) responding|hit (his|her|my|their|the) head|head injury|pass(ing)? out"
    r"|can't wake (him|her|them)|bleeding (heavily|a lot|badly|profusely|everywhere)"
    r"|won't stop bleeding|severe (bleeding|allergic reaction)|anaphyla\w*|throat is (closing|swelling)"
    r"|(medical )?emergency(?! (room|department|contact|visit))|911)\b"
)

_SELF_HARM = re.compile(
    r"\b(suicid\w*|kill (myself|me)|end my life|(hurt|hurting|harm|harming) myself|self harm|don't want to live)\b"
)

# An appointment plainly asked for: with one of these a topic word is what the visit is about.
_REQUEST = re.compile(
    r"\b(book|schedule|reschedul\w*|re schedule|cancel\w*|make an appointment|set up an appointment"
    r"|(need|want|like|get|have|see about|about) (an |a |a new |another )?(appointment|visit|check ?up|physical)"
    r"|an appointment (for|with|on|at|next|this|tomorrow|today|to|about|because)"
    r"|(see|talk to|speak (to|with)) (a |the |my |dr |doctor )?(doctor|dr|doc|gp|physician|provider|pediatrician)"
    r"|(arrange|organi[sz]e|book|schedule|get|have|need|want|like) (a |an |another |my )?(consultation|consult)"
    r"|(could|can|would|will) (the |dr\.? |doctor )?([a-z'-]+ ){0,2}see (me|him|her|them|us|my)\b"
    r"|(get|have|like|want|need) (me|him|her|them|it|this|my [a-z]+) (checked|looked at|seen)"
    r"|see (someone|somebody|anyone)|be seen|get seen|fit me in|squeeze me in|get me in|fit (him|her|them|us) in"
    r"|(could|can|would) (dr |doctor )?([a-z'-]+ )?see (me|him|her|them|us|my)\b"
    r"|(i|we|he|she|they|me|him|her) (\w+ )?(come|get) in|(come|get) in (for|on|at|to|tomorrow|today|next|this|some)"
    r"|move (my|it|the)|first available|next available"
    # asking for free times is asking to book ("what times has Dr Rodriguez got on Wednesday?")
    r"|(what|which) (times|slots|openings|appointments) (has|have|does|do|are)\b"
    r"|(what|which) (time|times|slots?|days?) (has|does|is|would) (dr|doctor)\b"
    r"|(has|have|does|do) (dr|doctor) [a-z'-]+ (got|have) (anything|any|something|a|some|time|space|room|free|open)"
    r"|any (openings?|availability|slots?|appointments?|spaces?|time) (with|on|for|this|next|tomorrow|today|left)"
    r"|(times?|slots?|appointments?) (free|available|open) (with|on|for|this|next|tomorrow|today)"
    r"|follow ?up (appointment|visit)|(need|want|get|getting|have|due for|time for|book|schedule)\s+"
    r"(a |an |my |the |our )?(follow ?up|flu shot|vaccin\w*|physical|check ?up|screening|exam))\b"
)


# The visit's reason said with the request: "an appointment about my rash", "come in for a refill".
_PURPOSE = re.compile(
    r"\b(appointment|appt|visit|check ?up|consultation|consult|see (a |the |my )?(doctor|dr|doc|physician)|come in"
    r"|get in|book\w*|schedule|arrange)\b"
    r".{0,40}\b(about|for (my|a|an|the|his|her)|to (discuss|talk about|go over|review|get|renew|check|look at)"
    r"|regarding|because)\b"
)


@dataclass(frozen=True)
class _Topic:
    pattern: re.Pattern[str]
    reason: str  # for staff: the handoff summary starts with it
    say: str  # for the caller, before "I'll connect you with a member of our team"
    visit_reason: bool = False  # with a booking asked for in the same turn, what the visit is about


_STAFF_TOPICS = [
    # a complaint is for the practice manager, never the assistant
    _Topic(
        re.compile(
            r"\b((make|file|lodge|raise|register|have) a (formal )?complaint|complain(ing)? about|i('d| would)? "
            r"(like|want) to complain|complaint about|(speak|talk) to (the |a )?(practice |office )?manager)\b"
        ),
        "Complaint: the caller wants to make a complaint",
        "I'm sorry to hear that. Our practice manager handles complaints.",
    ),
    # billing, most specific first
    _Topic(
        re.compile(
            r"\bcharge(?:s|d)?\b.*\b(bill|bills|statement|invoice|account|card)\b"
            r"|\b(bill|bills|statement|invoice)\b.*\bcharge(?:s|d)?\b"
        ),
        "Billing: a question about a charge on a bill",
        "Our billing team can help with charges on your bill.",
    ),
    _Topic(
        re.compile(
            r"\b(refund\w*|money back|overcharged|over charged|charged twice|double charged|reimburs\w*)\b"
        ),
        "Billing: a question about a refund",
        "Our billing team can help with refunds.",
    ),
    _Topic(
        re.compile(r"\b(pay|paying|payment|payments|balance|owe|outstanding|collections?)\b"),
        "Billing: a question about a payment or balance",
        "Our billing team can help with payments.",
    ),
    _Topic(
        re.compile(r"\b(bill|bills|billed|billing|invoice|statement|copay|co pay|receipt)\b"),
        "Billing: a question about a bill",
        "Our billing team can help with that.",
    ),
    _Topic(
        re.compile(r"\b(charged|charges|a charge|the charge|no show fee|late fee|late cancel\w* fee)\b"),
        "Billing: a question about a charge",
        "Our billing team can help with charges.",
    ),
    _Topic(
        re.compile(
            r"\b(how much (is|does|do|will|would)|cost|costs|price|prices|pricing|fee|fees|self pay)\b"
        ),
        "Billing: a question about costs",
        "Our staff can tell you about costs.",
    ),
    _Topic(
        re.compile(
            r"\b(take|accept)\s+(credit cards?|debit cards?|cards?|cash|checks?|cheques?|apple pay|hsa|fsa)\b"
        ),
        "Billing: a question about ways to pay",
        "Our billing team can help with payments.",
    ),
    # insurance ("do you take Anthem?": whatever the plan is called)
    _Topic(
        re.compile(
            r"\b(insurance|insurer|insured|coverage|covered|in network|out of network|medicaid|medicare|aetna"
            r"|cigna|blue cross|blue shield|united ?healthcare|humana|kaiser|anthem|tricare|deductible"
            r"|(do|does) (you|my plan) cover|(do|does|will) (you|you guys|y'all|the (clinic|practice|office)) (take|accept)"
            r"|prior authori[sz]ation|pre ?authori[sz]ation)\b"
        ),
        "Insurance: a question about insurance or coverage",
        "Our staff can help with insurance questions.",
    ),
    # test results
    _Topic(
        re.compile(
            r"\b(results?|lab|labs|lab work|blood ?work|blood tests?|x ?rays?|mri|ct scan|scan results|biopsy"
            r"|pathology|mammogram|ultrasound)\b"
        ),
        "Test results: a question about test or lab results",
        "Our clinical staff can help with test results.",
        visit_reason=True,
    ),
    # a medical question, whatever it is about ("is it normal to have a rash on antibiotics?")
    _Topic(
        re.compile(
            r"\b(should i (take|be worried|worry|go|be concerned|stop|start|keep)|is it (normal|safe|serious|bad|ok|okay)"
            r"|what should i (do|take)|medical (question|advice)|advice|side effects?|symptoms?)\b"
        ),
        "Medical question: the caller asked about symptoms or medical advice",
        "I can't give medical advice, but our clinical staff can help.",
    ),
    # prescriptions
    _Topic(
        re.compile(r"\b(refill\w*|re fill|renew (my |a )?(prescription|medication|meds))\b"),
        "Prescriptions: a prescription refill request",
        "Our clinical staff can help with prescription refills.",
    ),
    _Topic(
        re.compile(
            r"\b(prescription|prescriptions|prescribed|prescribe|script|scripts|medication|medications|meds|(?<!family )(?<!internal )"
            r"medicine|pharmacy|pharmacist|rx|dosage|dose|pills?|inhaler|antibiotics?|insulin)\b"
        ),
        "Prescriptions: a question about a prescription or medication",
        "Our clinical staff can help with prescriptions.",
    ),
    # a nurse, a message for the doctor
    _Topic(
        re.compile(
            r"\b(nurse|nurses|nurse line|triage|leave a message|message for (the |my )?(doctor|dr|nurse)"
            r"|call me back|callback)\b"
        ),
        "Clinical staff: the caller asked for a nurse or to leave a message",
        "Our clinical staff can help with that.",
    ),
    # the practice itself, when the settings don't say (FRONTDESK_BUSINESS_ADDRESS / _PHONE)
    _Topic(
        re.compile(
            r"\b(your address|the address|what's the address|located|location|directions|where are you"
            r"|where is the (office|clinic|practice)|how do i get there|parking|where (do|can|should) i park"
            r"|fax|your (phone|fax) number|the (office|clinic|practice)'?s? (phone|fax) number|your email|website)\b"
        ),
        "Practice information: the caller asked about the address, directions, parking or contact details",
        "Our staff can help with that.",
    ),
    # records, referrals, forms
    _Topic(
        re.compile(
            r"\b(medical records?|my records|records request|copy of my (records|chart)|referral|refer me"
            r"|sick note|doctor's note|doctors note|work note|school note|forms?|paperwork|vaccination records?"
            r"|(medical|sick|sickness|doctor's|doctors|fitness|fit to work|return to work) certificate|certificates?"
            r"|fit note|med cert|letter (for|to) (my )?(work|school|employer|boss|uni|university|college)"
            r"|immuni[sz]ation records?|(school|work|gym|camp|sports|daycare|jury duty) (note|letter|excuse)"
            r"|fill (out|in) (a|the|my|this|his|her)|sign (a|the|my|off))\b"
        ),
        "Records and forms: a question about records, referrals or forms",
        "Our staff can help with records, referrals and forms.",
    ),
    # medical questions and symptoms
    _Topic(
        re.compile(
            r"\b(symptoms?|side effects?|should i (take|be worried|worry|go|be concerned|stop|start)|is it (normal|safe|serious|bad)"
            r"|what should i (do|take)|medical (question|advice)|advice|diagnos\w*|fever|rash|cough|coughing|headache"
            r"|migraine|sore|hurts?|hurting|pain|painful|ache|aching|infection|infected|vomit\w*|throwing up|nause\w*"
            r"|dizzy|dizziness|swollen|swelling|allergic|allergy|allergies|flu|covid|sick|crook|unwell|poorly|bleeding|bleed|injur\w*"
            r"|sprain\w*|broke my|broken|pregnan\w*|blood pressure|sugar levels?)\b"
        ),
        "Medical question: the caller asked about symptoms or medical advice",
        "I can't give medical advice, but our clinical staff can help.",
        visit_reason=True,
    ),
]

# Registering is staff work: only registered patients can be verified and booked here.
_NEW_PATIENT = re.compile(
    r"\b(new patients?|become (a|your) patient|becoming (a|your) patient|register as a patient|sign up as a patient"
    r"|not a patient|never been (there|here|before)|first (time|visit) (there|here|with you)|establish care"
    r"|transfer (my|our) care|(just )?moved (here|to the area|to town)|new to the area|looking for a (new )?"
    r"(doctor|primary care|pcp|family doctor|pediatrician)|accepting (new )?patients)\b"
)

_HOURS = re.compile(
    r"\b((your|the|office|opening|business|clinic|practice|working) hours|hours of operation|what hours|opening times?|(are|is) (you|you guys|the (office|clinic|practice)) (open|closed)"
    r"|(what time|when) (do|does|are|is) (you|you guys|the (office|clinic|practice)) (open|close|closing|shut)"
    r"|(you're|you are|you guys) (open|closed)|how late|closing time|open (on|until|till|late|today|tomorrow"
    r"|now|this|next|saturday|sunday|monday|tuesday|wednesday|thursday|friday|weekends?)|still open"
    r"|closed (on|today|tomorrow|this|next|saturday|sunday|weekends?)|how early|close for lunch"
    r"|(weekend|weekday|holiday|saturday|sunday|monday|tuesday|wednesday|thursday|friday) hours"
    r"|(until|till) what time)\b"
)

_DOCTOR_FREE = re.compile(
    r"\b(dr|doctor)\b.*\b(have|has|got)\b.*\bopen\b|\b(have|has) (anything|something) open\b"
)

# Who the caller is talking to, or how it is doing: answered, then on with what they need.
_ABOUT_ME = re.compile(
    r"\b(are you (a |an )?(robot|human|real person|real|bot|ai|computer|machine|person)|who am i (speaking|talking) (to|with)"
    r"|what's your name|what is your name|who are you|how are you( doing)?( today)?|how's it going)\b"
)
_OFF_TOPIC = re.compile(
    r"\b(weather|forecast|raining|snowing|jokes?|riddle|tell me a story|poem|sing (me )?a song|the news"
    r"|sports scores?|the score|the game|football|basketball|baseball|soccer|hockey|movies?|tv show|netflix|recipe"
    r"|restaurant|pizza"
    r"|stocks?|bitcoin|crypto|politics|president|election|meaning of life|capital of|how old are you"
    r"|are you (a |an )?(robot|human|real person|real|bot|ai|computer|machine)|who (made|built|created) you"
    r"|your favou?rite|what's your name|what is your name|tell me about yourself|play (some )?music|horoscope"
    r"|\d+ (plus|times|minus|divided by) \d+|what time is it|what day is it|date today|lottery)\b"
)


@dataclass
class TopicRead:
    """What the topic check found: a step to take now, or words to say before the planner's next
    step (`preface`), and whether the turn still needs reading for an appointment task."""

    step: PlanStep | None = None
    preface: str | None = None
    answered: bool = False  # the turn was only this question: don't read it as a task


@dataclass(frozen=True)
class Practice:
    """What the assistant may say about the practice itself (from the settings)."""

    hours: OpeningHours
    address: str | None = None
    phone: str | None = None


_ADDRESS = re.compile(
    r"\b(your address|the address|what's the address|where are you( guys)?( located)?|located|location|directions"
    r"|where is the (office|clinic|practice)|how do i get there|how do i find you)\b"
)
_PHONE = re.compile(
    r"\b(your (phone |telephone )?number|the (office|clinic|practice)'?s? (phone |telephone )?number"
    r"|what number (can|should|do) i call|number to call|call you (back )?(at|on))\b"
)


def read_topic(ctx: PlanContext, s: dict[str, Any], practice: Practice | OpeningHours) -> TopicRead:
    practice = practice if isinstance(practice, Practice) else Practice(practice)
    hours = practice.hours
    raw = next((m.content for m in reversed(ctx.messages) if m.role == "user" and m.content), "")
    text = _without_names(normalize(raw), ctx, s)  # "this is Bill Price" asks nothing about billing
    in_a_row = s.pop("off_topic", 0)
    if _SELF_HARM.search(text):
        return TopicRead(
            step=_handover(
                "If you are thinking about harming yourself, please call or text 988 now, or call 911 if you are "
                "in danger.",
                "Possible emergency: the caller spoke of harming themselves and was given 988 and 911",
            )
        )
    if _EMERGENCY.search(_NOT_EMERGENCY.sub(" ", text)):
        return TopicRead(
            step=_handover(
                EMERGENCY_WORDS,
                "Possible emergency: the caller described urgent symptoms and was told to hang up and call 911",
            )
        )
    requested = _REQUEST.search(text) is not None
    if not ctx.caller.verified and _NEW_PATIENT.search(text):
        return TopicRead(
            step=_handover(
                "Our staff register new patients and book the first visit.",
                "A new patient would like to register and book",
            )
        )
    told = [
        f"We're at {practice.address}." if practice.address and _ADDRESS.search(text) else "",
        f"Our phone number is {practice.phone}." if practice.phone and _PHONE.search(text) else "",
    ]
    if words := " ".join(t for t in told if t):  # from the settings; without them staff answer
        if requested:
            return TopicRead(preface=words)
        if s.get("task") is None:
            return TopicRead(step=say(f"{words} {ANYTHING_ELSE}"), answered=True)
        return TopicRead(preface=words, answered=True)
    purpose = _PURPOSE.search(text) is not None
    for topic in _STAFF_TOPICS:
        # "I'd like to come in about my cough": what the visit is for; "check whether you take
        # Anthem before I book": staff first (only symptoms and results are a visit's reason
        # without saying so; "is it normal to ...?" is a question for clinical staff)
        if purpose:
            break
        if requested and topic.visit_reason:
            continue
        if topic.pattern.search(text):
            return TopicRead(step=_handover(topic.say, topic.reason))
    task = s.get("task")
    follow_up = s.pop("hours_told", False) and _just_a_day(text, ctx)  # "and on sunday?"
    asked = _HOURS.search(text)
    if asked is not None and _DOCTOR_FREE.search(text):
        asked = None  # "what does Dr Patel have open on Thursday?": free times, not opening hours
    if asked or follow_up:
        question = _clause(text, asked.start()) if asked else text
        words = answer(question, hours, ctx.now, _day_in(question, ctx, s))
        s["hours_told"] = True
        if requested or task_of(intents(text)) in (Intent.RESCHEDULE, Intent.CANCEL, Intent.LIST):
            return TopicRead(preface=words)  # "are you open saturday? I'd like to come in then"
        if task is None:
            return TopicRead(step=say(f"{words} {ANYTHING_ELSE}"), answered=True)
        return TopicRead(preface=words, answered=True)  # then the question the task is waiting on
    if not requested and task_of(intents(text)) is None and (about := _ABOUT_ME.search(text)):
        s["off_topic"] = in_a_row  # neither small talk nor understood: the count stands
        if about.group(0).startswith("how"):
            words = "I'm doing well, thank you."
        else:
            words = f"I'm the virtual assistant of {ctx.business_name}."
        if task is None:
            return TopicRead(step=say(f"{words} {HELP} How can I help you today?"), answered=True)
        return TopicRead(preface=words, answered=True)
    if not requested and task_of(intents(text)) is None and _OFF_TOPIC.search(text):
        if in_a_row >= 1:
            return TopicRead(
                step=_handover(
                    "I'm sorry, I can't help with that either.",
                    "Off topic: the caller asked twice in a row about things the assistant can't help with",
                )
            )
        s["off_topic"] = 1
        if task is None:
            return TopicRead(step=say(f"{REDIRECT} What would you like to do?"), answered=True)
        return TopicRead(preface="I'm sorry, I can't help with that.", answered=True)
    return TopicRead()


def _without_names(text: str, ctx: PlanContext, s: dict[str, Any]) -> str:
    """The text with the caller's own name left out (a name may be a topic word: Bill, Price, Park)."""
    names = [ctx.caller.first_name or ""]
    if not ctx.caller.verified:
        _, span = find_dob(text, ctx.now.date())
        rest = text.replace(span, " , ") if span else text
        said = find_name(rest, whole_answer=s.get("asked") in ("identity", "name", "dob"))
        if said is None and span:
            said = name_near(*text.partition(span)[::2])
        names.extend(said or ())
    for name in filter(None, names):
        text = re.sub(rf"\b{re.escape(name.lower())}\b", " ", text)
    return text


def _clause(text: str, at: int) -> str:
    """The part of `text` around position `at`, up to the next "and", "if", "but", comma or stop:
    the hours question in "what are your hours, and can I book tomorrow at 11"."""
    start = max([0, *(m.end() for m in _CLAUSE_END.finditer(text, 0, at))])
    end = next((m.start() for m in _CLAUSE_END.finditer(text, at)), len(text))
    return text[start:end]


_CLAUSE_END = re.compile(
    r"[.,;!?]|\b(and|if|but|so|because|also|then|can i|could i|i'd like|i want|i need)\b"
)


def _day_in(question: str, ctx: PlanContext, s: dict[str, Any]) -> date | None:
    """The day an hours question is about: named ("on friday", "on saturdays") or "that day" (the
    day being booked)."""
    if (named := find_when(question, ctx.now).start) is not None:
        return named
    if plural := re.search(rf"\b({'|'.join(WEEKDAYS)})s\b", question):
        return weekday_date(WEEKDAYS.index(plural.group(1)), ctx.now.date(), next_week=False)
    if re.search(r"\b(that|the same) day\b", question) and (want := wanted.load(s.get("want"))) is not None:
        return want.start
    return None


def _just_a_day(text: str, ctx: PlanContext) -> bool:
    """ "And on Sunday?" / "what about saturday": a day and hardly anything else."""
    return len(text.split()) <= 5 and not find_when(text, ctx.now).empty and task_of(intents(text)) is None


def _handover(words: str, reason: str) -> PlanStep:
    """Say why, then hand over (the runtime adds "I'll connect you with a member of our team")."""
    return PlanStep(say=words, tool_calls=call("transfer_to_person", reason=reason).tool_calls)
