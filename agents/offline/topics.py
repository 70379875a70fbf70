"""What a caller asks that is not an appointment: read before anything else in a turn.

- An emergency ("chest pain", "I can't breathe"): hang up and call 911, and a person takes over.
- Work for staff (billing, insurance, test results, prescriptions, records and forms, a nurse,
  the practice's address, medical questions, new patients): handed over at once, with the
  specific reason in the staff summary, nothing booked on the way. A visit asked for with its
  reason ("I'd like to come in about my cough", "an appointment to go over my results") is a
  booking; so are symptoms and results said with a plain request ("back pain, can I see someone
  today"). The caller's own name is left out first (Bill Price asks nothing about a bill). The
  topics and the words that make a booking are in `staff_topics.py`.
- The practice's opening hours: answered from the setting (`hours.py`).
- "How are you", "am I talking to a real person?": answered (honestly: an automated assistant that
  can connect them to staff), then on with the call; only asking FOR a person hands over.
- "How early should I get there?": arrive a few minutes before the appointment (not the hours).
- "Sorry, what was that?" with no question of a task waiting: the last reply said again.
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
from agents.offline.day_checks import without_day_check
from agents.offline.hours import OpeningHours, answer
from agents.offline.intents import Intent, intents, task_of
from agents.offline.messages import ABOUT_OTHER_NEW_PATIENTS
from agents.offline.names import find_name, name_near
from agents.offline.numbers import normalize
from agents.offline.staff_topics import (
    MEDICAL_QUESTION,
    PURPOSE,
    REASON_CLAUSE,
    REQUEST,
    STAFF_TOPICS,
    VISIT_ABOUT,
    reason_for,
)
from agents.offline.steps import HELP, call, say
from agents.offline.story_words import asks_something, without_told
from agents.planner import PlanContext, PlanStep
from agents.replies import ANYTHING_ELSE

EMERGENCY_WORDS = "If this is a medical emergency, please hang up and call 911 right away, or go to the nearest emergency room."
REDIRECT = (
    "I'm sorry, I can't help with that. I can help with appointments: booking, moving or cancelling one, "
    "or telling you about your upcoming appointments. I can also tell you our opening hours."
)

SYMPTOMS_TOLD = "I'm sorry to hear that. Would you like to book a visit with one of our doctors?"

ASIDE_FOR_STAFF = "I don't have that information here, but our staff can help with it."

_NOT_EMERGENCY = re.compile(
    r"\b(not|isn't|is not|no|non|nothing)\s+(an?\s+|like an?\s+)?(urgent|emergency)\b"
    # "travelling home for a family emergency", "an emergency at work": not one for this call
    r"|\b(?:family|work|personal|childcare|home|dental|vet|pet) emergency\b|\bemergency (?:at|with) (?:home|work|school)\b"
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

# Registering is staff work: only registered patients can be verified and booked here.
_NEW_PATIENT = re.compile(
    r"\b(new patients?|become (a|your) patient|becoming (a|your) patient|register as a patient|sign up as a patient"
    r"|not a patient|never been (there|here|before)|first (time|visit) (there|here|with you)|establish care"
    r"|transfer (my|our) care|(just )?moved (here|to the area|to town)|new to the area|looking for a (new )?"
    r"(doctor|primary care|pcp|family doctor|pediatrician)|accepting (new )?patients)\b"
)

_EARLIEST_ASKED = re.compile(
    r"\b(?:what's|what is|whats|when's|when is|whens) the (?:earliest|latest|first|last)\b[^.?!]{0,30}"
    r"\b(?:you've got|you have|you got|available|free|open|(?:can|could) see me)\b"
)
NEW_PATIENTS_ASKED = (
    "Our staff register new patients and book their first visit, and I can connect you with them. If you're "
    "already a patient here, I can book, move or cancel an appointment for you. Would you like me to connect you?"
)
NEW_PATIENTS_LATER = "Our staff register new patients, and I can connect you with them afterwards."

_HOURS = re.compile(
    r"\b((your|the|office|opening|business|clinic|practice|working) hours|hours of operation|what hours|opening times?|(are|is) (you|you guys|y'all|yall|you all|ya|the (office|clinic|practice)) (open|closed)"
    r"|(what time|when) ((do|does|are|is|will) )?(you|you guys|y'all|yall|you all|ya|the (office|clinic|practice)) (open|close|closing|shut)"
    r"|(you're|you are|you guys|y'all|yall|y'all are|you all are) (open|closed)|how late|closing time|open (on|until|till|late|today|tomorrow"
    r"|now|this|next|saturday|sunday|monday|tuesday|wednesday|thursday|friday|weekends?)|still open"
    r"|closed (on|today|tomorrow|this|next|saturday|sunday|weekends?)|how early|close for lunch"
    r"|(weekend|weekday|holiday|saturday|sunday|monday|tuesday|wednesday|thursday|friday) hours"
    r"|(until|till) what time)\b"
)

_DOCTOR_FREE = re.compile(
    r"\b(dr|doctor)\b.*\b(have|has|got)\b.*\bopen\b|\b(have|has) (anything|something) open\b"
    # "whatever's open Friday", "is anything open on friday with dr chen?": free times, not the hours
    r"|\b(?:whatever(?:'s| is)?|anything|something|whichever(?:'s| is)?|any (?:times?|slots?|appointments?|spots?)"
    r"|(?:times?|slots?|appointments?|spots?)(?: that are| which are)?) (?:is |are |still )?(?:open|free|available)\b"
)

# Who the caller is talking to, or how it is doing: answered, then on with what they need.
_ABOUT_ME = re.compile(
    r"\b(are you (a |an )?(robot|human|real person|real|bot|ai|computer|machine|person)|who am i (speaking|talking) (to|with)"
    r"|what's your name|what is your name|who are you|how are you( doing)?( today)?|how's it going)\b"
)
# Whether the caller is talking to a person, asked ("am I talking to a real person or a machine?", "is
# this a real person I'm talking to?", "are you an actual human? just curious"): answered honestly and
# the call goes on; only asking FOR a person ("I'd rather talk to a human") hands over.
_WHAT_I_AM = r"(?:a |an )?(?:real |actual |live |proper )?(?:person|human|human being|machine|robot|bot|computer|recording|ai)"
_ASKS_IF_A_PERSON = re.compile(
    rf"\b(?:am i|are we) (?:talking|speaking|chatting|texting) (?:to|with) {_WHAT_I_AM}\b"
    rf"|\bis (?:this|that|it) {_WHAT_I_AM}(?: (?:i'm|i am|we're) (?:talking|speaking|chatting) (?:to|with))?\b"
    rf"|\bare you {_WHAT_I_AM}\b|\bare you (?:for )?real\b"
)
# what is left of such a question once it is taken out: "... or a machine?"
_OR_WHAT_ELSE = re.compile(rf"^\W*(?:or|or just|or are you|or is it) {_WHAT_I_AM}\b")
# ... and a person asked for with it: "are you a real person? if not, put me through to someone"
_ASKS_FOR_ONE = re.compile(
    r"\b(?:rather|prefer|want|need|like|let me|can i|could i|may i)\b[^.?!]{0,30}\b(?:talk|speak|chat)\b"
    r"|\b(?:put me through|connect me|transfer me|get me)\b"
)

# "how early should I get there?": when to arrive for the visit, not the opening hours
_WHEN_TO_ARRIVE = re.compile(
    r"\bhow (?:early|soon|long before|much before|far ahead)\b[^.?!]{0,30}\b(?:get|arrive|be|turn up|show up|check in"
    r"|come)\b(?! in (?:for|on|at)\b)"
    r"|\b(?:what time|when) (?:should|do|must|shall) (?:i|we|he|she|they) (?:get there|arrive|be there|turn up|show up"
    r"|check in)\b"
    r"|\b(?:should|do|must) (?:i|we|he|she|they) (?:arrive|get there|be there|turn up|show up|come) (?:early|beforehand"
    r"|before)\b"
)
WHEN_TO_ARRIVE = "I don't have an exact time, but it's best to arrive a few minutes before your appointment time to check in."

# "sorry, what was that?", "pardon?" with nothing pending: the last reply said again
_DID_NOT_HEAR = re.compile(
    r"^\W*(?:(?:oh|um|uh|er|sorry|i'm sorry|excuse me|pardon|pardon me|wait)\W+)*"
    r"(?:what was that|what did you (?:just )?say|what(?:'s| is) that|come again|say (?:that|it) again"
    r"|(?:could|can|would) you (?:please )?(?:repeat|say) (?:that|it|this)(?: again)?|repeat (?:that|it)"
    r"|(?:i )?(?:didn't|did not) (?:quite )?(?:catch|hear|get) (?:that|it|you|what you said)|pardon(?: me)?"
    r"|(?:sorry|what|huh|eh|excuse me)(?=\W*\?))"
    r"(?:\W+(?:please|again|sorry|one more time))*\W*$"
)

_OFF_TOPIC = re.compile(
    r"\b(weather|forecast|rain|raining|rainy|snow|snowing|sunny|umbrella|jokes?|riddle|tell me a story|poem"
    r"|sing (me )?a song|the news|world series|super ?bowl|world cup|playoffs?|who (do you think )?(will|'ll|is going to|is gonna) win"
    r"|sports scores?|the score|the game|the match|did you (?:watch|see) the|football|basketball|baseball|soccer|hockey"
    r"|movies?|tv show|netflix|recipe"
    r"|restaurant|pizza|cafe|coffee shop|takeaway|take out|takeout|tacos?|burgers?|sushi|a pub|a bar|brunch"
    # "a good place to get lunch near the clinic?", "recommend somewhere for lunch"
    r"|(?:place|somewhere|anywhere|spot) (?:to|for) (?:get |grab |have )?(?:lunch|dinner|breakfast|coffee|a bite|food|eat)"
    r"|recommend (?:a |somewhere|anywhere|a place)|where (?:can|could|should) (?:i|we) (?:eat|get lunch|grab lunch)"
    r"|stocks?|bitcoin|crypto|politics|president|election|meaning of life|capital of|how old are you"
    r"|are you (a |an )?(robot|human|real person|real|bot|ai|computer|machine)|who (made|built|created) you"
    r"|your favou?rite|what's your name|what is your name|tell me about yourself|play (some )?music|horoscope"
    r"|\d+ (plus|times|minus|divided by) \d+|what time is it|what day is it|date today|lottery)\b"
)


# another place's hours, or a tradesman nearby: nothing the practice does ("is the pharmacy down the
# street open on Sundays?", "do you know a good plumber around here?")
_PLACE = (
    r"(?:the|a|any) (?:pharmacy|chemist|bank|post office|library|store|shop|supermarket|grocery(?: store)?|gym|dmv"
    r"|mall|gas station|petrol station)\b(?:\s+[a-z]+){0,4}?"
)
_OTHER_PLACE_OPEN = re.compile(
    rf"\b{_PLACE}\s+(?:is|are|be|stays?)\s+(?:open|closed)|\b(?:is|are|does|do) {_PLACE}\s+(?:open|close|closed)\b"
    r"|\b(?:do you know|can you recommend|could you recommend|know of) (?:a|any|of a|of any) (?:good |decent |cheap |reliable )?"
    r"(?:plumber|electrician|mechanic|lawyer|attorney|hairdresser|barber|vet|builder|handyman|locksmith|cleaner"
    r"|babysitter|nanny|tailor|taxi|cab)s?\b"
)


_BOOKING_GIVEN_UP = re.compile(
    r"\bi (?:was going to|was gonna|had planned to|thought i'd|thought i would|meant to) (?:book|make|schedule)"
    r"[^.?!]*?\bbut\b"
    # "I thought about booking Dr. Chen to go over my blood test, but maybe I don't need a visit"
    r"|\b(?:i|we) (?:thought about|was thinking about|were thinking about|was thinking of|were thinking of"
    r"|considered|was considering|were considering|wondered about) (?:booking|making|scheduling|coming in|getting)"
    r"(?:\b(?:dr|mr|mrs|ms)\.|[^.?!])*?\bbut\b"
    # "never mind the follow-up visit I was going to book, I just want to know ..."
    r"|\b(?:never mind|forget|scratch) (?:about )?(?:the|my|that) [^.?!]{0,40}?\bi (?:was going to|was gonna|meant to"
    r"|wanted to) (?:book|make|schedule)\b"
)


@dataclass
class TopicRead:
    """What the topic check found: a step to take now, or words to say before the planner's next
    step (`preface`), and whether the turn still needs reading for an appointment task."""

    step: PlanStep | None = None
    preface: str | None = None
    answered: bool = False  # the turn was only this question: don't read it as a task
    rest: str | None = None  # the turn without the question, to be read as the task's words


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


# results asked for, not a visit's reason: "can you tell me my lab results and book ...", "are my
# blood test results back yet? also i need a check-up"
_ASKS_FOR_RESULTS = re.compile(
    r"\b(?:tell|give|read|send|let) (?:me |us )?(?:know )?(?:what )?(?:my|his|her|the|our) (?:[a-z]+ ){0,2}?results?\b"
    r"|\b(?:are|have|did|were) (?:my|his|her|the|our) (?:[a-z]+ ){0,2}?results? (?:in|back|ready|come|came|arrived|normal|ok)\b"
    r"|\b(?:what|how) (?:my|his|her|our) (?:[a-z]+ ){0,2}?results? (?:were|was|are|say|said|showed?)\b"
    # "can someone tell me if my lab results from last month came back?"
    r"|\b(?:if|whether) (?:my|his|her|the|our) (?:[a-z]+ ){0,2}?results? (?:[a-z]+ ){0,4}?(?:came|have come|are|is|were"
    r"|got) (?:back|in|ready|through)\b"
    # "can I just get my lab results?", "I'd like to know his blood test results" (not "... results
    # looked at by the doctor": a visit)
    r"|\b(?:(?:can|could|may) (?:i|we|you)|(?:i|we) (?:just )?(?:want|need|would like|'d like)(?: to)?)"
    r" (?:just |please |maybe )?(?:get|have|know|hear|see|find out|send|give me) (?:me |us )?(?:my|his|her|the|our)"
    r" (?:[a-z]+ ){0,2}?results?\b(?! (?:looked at|gone over|reviewed|explained|checked|discussed|gone through))"
)


_NO_VISIT_WANTED = re.compile(
    r"\b(?:i|we)(?: really)? (?:don't|do not|dont) (?:need|want) (?:an? |to )?(?:appointment|appt|booking|book|visit|"
    r"make an appointment|come in)\b|\b(?:i'm|i am|we're|we are) not (?:calling|ringing|phoning|here|writing) "
    r"(?:to book|to make an appointment|for an appointment|about an appointment|about booking)\b"
    # "I might book something later, but not now"
    r"|\b(?:i|we) (?:might|may|could|will|'ll) book (?:something|one|an appointment|a visit)? ?later\b[^.?!]*"
)
_COURSE_ENDS = re.compile(
    r"\b(?:once|when|after|as soon as|before|until|till) (?:my|the|his|her|their) (?:course of )?(?:antibiotics|medication"
    r"|meds|pills|tablets|treatment|course)(?: course)? (?:are|is|has|have|'s|'re)? ?(?:finished|done|over|complete[d]?"
    r"|ended|run out|used up)\b"
)
_TAKEN_BACK = re.compile(
    r"\b(?:i'm|i am) (?:calling|ringing|phoning) (?:about|regarding) an? [a-z ]{0,30}?,? (?:well,? )?(?:no|sorry),? "
    r"(?:actually|i mean|it's)\b"
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
    if _DID_NOT_HEAR.match(text) and s.get("task") is None and (last := _last_reply(ctx)) is not None:
        # the caller did not hear the last reply, and no question of a task is waiting to be asked
        # again (the planner asks that one itself): the reply said again, nothing else changed
        s["off_topic"] = in_a_row
        offers = bool(re.search(r"\bwould you like me to (?:connect|transfer|put) you\b", last, re.I))
        return TopicRead(
            step=say(last, offers_transfer=offers, transfer_reason=REPEATED_OFFER), answered=True
        )
    # "I was going to book an appointment just to get my inhaler renewed, but ...": no booking asked
    text = _BOOKING_GIVEN_UP.sub(" ", text)
    # "a follow-up once my antibiotics are finished": when the visit should be, no question about them
    text = _COURSE_ENDS.sub(" ", text)
    # "I'm calling about an appointment, well, no, actually about the bill": what was taken back
    text = _TAKEN_BACK.sub(" ", text)
    # "I don't need an appointment, it's about a charge", "I'm not calling to book": no visit asked
    text = _NO_VISIT_WANTED.sub(" ", text)
    # a move or a cancellation is a request too: "he won't make his check-up, he's poorly" gives why
    said_task = task_of(intents(text))  # read once: `intents` is the costliest reading of a turn
    requested = (
        REQUEST.search(text) is not None
        or said_task in (Intent.CANCEL, Intent.RESCHEDULE)
        # "... so dr chen on monday at 2 please", "I'd like Dr. Rodriguez tomorrow, the latest you've
        # got": a doctor and a time (or a day and which of its times) asked for is a request
        or (
            re.search(r"\b(?:dr|doctor)\.?\s+[a-z]", text) is not None
            and ((when := find_when(text, ctx.now)).at is not None or (when.start is not None and when.edge))
        )
        # "... so Monday the 26th. What's the earliest you've got?"
        or _EARLIEST_ASKED.search(text) is not None
    )
    if not ctx.caller.verified and _NEW_PATIENT.search(text):
        if not _NEW_PATIENT.search(ABOUT_OTHER_NEW_PATIENTS.sub(" ", text)):
            if requested:
                # "my mom wants to become a patient, do you take new patients? And I need an
                # appointment myself": the question is for staff, the caller's own request goes on
                return TopicRead(preface=NEW_PATIENTS_LATER)
            # "Is Dr. Patel taking new patients?": the caller may be one of ours already
            step = say(
                NEW_PATIENTS_ASKED,
                offers_transfer=True,
                transfer_reason="A question about registering new patients",
            )
            return TopicRead(step=step, answered=True)
        if said_task == Intent.PROVIDERS and not requested:
            # "we just moved to the area. Which doctors work there?": the question answered, the
            # registering offered (staff do it) rather than a transfer nobody asked for
            return TopicRead(preface=NEW_PATIENTS_LATER)
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
    if said_task == Intent.CANCEL:
        # "we got his vaccination done at the pharmacy, so you can take him off the list": why the
        # visit is not needed, not a question for staff
        text = _DONE_ELSEWHERE.sub(" ", text)
        said_task = task_of(intents(text))
    if said_task in (Intent.CANCEL, Intent.RESCHEDULE):
        # "i got a new job and the insurance is different so i need to cancel my appointment": why
        # the visit must go, not a question for staff ("... cancel it, my insurance changed" too)
        text = _INSURANCE_CHANGED.sub(" ", _WHY_BEFORE.sub(" ", text))
    purpose = PURPOSE.search(text) is not None or (
        requested and (VISIT_ABOUT.search(text) is not None or REASON_CLAUSE.search(text) is not None)
    )
    under_way = requested or s.get("task") is not None
    asks = without_told(text)  # the turn without the clauses that only tell the caller's story
    symptoms_told = not under_way and _symptoms_told(text, asks)
    for topic in STAFF_TOPICS:
        # "I'd like to come in about my cough": what the visit is for; "check whether you take
        # Anthem before I book": staff first (only symptoms and results are a visit's reason
        # without saying so; "is it normal to ...?" is a question for clinical staff)
        if purpose:
            break
        if requested and topic.visit_reason and not _ASKS_FOR_RESULTS.search(text):
            continue
        if requested and topic.reason.startswith("Records") and _A_VISIT_FOR_A_FORM.search(text):
            continue  # "a sports physical w dr patel, need the form for a rec league": the visit is for it
        if topic.visit_reason and not topic.pattern.search(_VISIT_NAMES.sub(" ", text)):
            continue  # "I've got the blood pressure appointment on Thursday": which visit, not a question
        if topic.pattern.search(text) and not topic.pattern.search(asks):
            # "Dr. Chen started me on a new pill ... can we push it back to Thursday?": what happened,
            # not a question for staff; with no request, a story of symptoms is a visit to offer
            if (under_way and not _RAISED.match(topic.reason)) or (
                symptoms_told and _CLINICAL.match(topic.reason)
            ):
                continue
        if topic.pattern.search(text):
            if topic.aside and s.get("task") is not None:
                # "oh, before that, is there parking?" while a booking waits: said, then on with it;
                # "is there parking, by the way? anyway, friday at 2": and the rest read for the task
                rest = _without_sentence(normalize(raw), topic.pattern)
                if rest is not None and not find_when(rest, ctx.now).empty:
                    return TopicRead(preface=ASIDE_FOR_STAFF, rest=rest)
                return TopicRead(preface=ASIDE_FOR_STAFF, answered=True)
            if topic.aside and (
                _NAMES_A_REQUEST.search(_without_the_visit_asked_about(text, topic.pattern))
                or not find_when(text, ctx.now).empty
            ):
                # "dr patel thursday at 11:30, and is there parking?": said, and the request read
                return TopicRead(preface=ASIDE_FOR_STAFF)
            if topic.aside:
                # "is there parking?" alone: staff can tell, if the caller wants them now
                offer = f"{ASIDE_FOR_STAFF} Would you like me to connect you with them, or is there anything else I can help you with?"
                return TopicRead(
                    step=say(offer, offers_transfer=True, transfer_reason=topic.reason), answered=True
                )
            return TopicRead(step=_handover(topic.say, reason_for(topic, text)))
    if symptoms_told:
        # "my allergies have been out of control since May, the stuff from the pharmacy isn't cutting
        # it": no question asked, so a visit is offered ("yes" books one)
        s["asked_book"] = True
        return TopicRead(step=say(SYMPTOMS_TOLD), answered=True)
    task = s.get("task")
    if _WHEN_TO_ARRIVE.search(text):
        # "yes please. how early should I get there?": the visit's arrival, not the opening hours
        if task is None and not requested:
            return TopicRead(step=say(f"{WHEN_TO_ARRIVE} {ANYTHING_ELSE}"), answered=True)
        rest = _without_asked(normalize(raw), _WHEN_TO_ARRIVE)
        if rest and (requested or task_of(intents(rest)) is not None or not find_when(rest, ctx.now).empty):
            return TopicRead(preface=WHEN_TO_ARRIVE, rest=rest)
        return TopicRead(preface=WHEN_TO_ARRIVE, answered=True)
    follow_up = s.pop("hours_told", False) and _just_a_day(text, ctx)  # "and on sunday?"
    asked = _HOURS.search(text)
    if asked is not None and _DOCTOR_FREE.search(text):
        asked = None  # "what does Dr Patel have open on Thursday?": free times, not opening hours
    if asked is not None and _OTHER_PLACE_OPEN.search(text):
        asked = None  # "is the pharmacy down the street open on Sundays?": another place's hours
        if requested:  # "... Anyway, please cancel my Thursday one": the request, without the question
            return TopicRead(
                preface="I'm sorry, I can't help with that.", rest=_without_question(normalize(raw))
            )
    if asked or follow_up:
        question = _clause(text, asked.start()) if asked else text
        if asked and re.search(r"\b(?:close|closing|closes|shut)\b", text[asked.end() :]):
            question = f"{question} and when you close"  # "what time do you open and close?": both
        if asked:  # "what time do you open ... and what time do you close?": both parts
            question = " and ".join(
                [question, *(_clause(text, m.start()) for m in _HOURS.finditer(text, asked.end()))]
            )
        words = answer(question, hours, ctx.now, _day_in(question, ctx, s))
        s["hours_told"] = True
        rest = _without_question(normalize(raw))  # names kept: they are read with the rest
        if requested or task_of(intents(text)) in (Intent.RESCHEDULE, Intent.CANCEL, Intent.LIST):
            if task_of(intents(rest)) is not None and not re.search(r"\b(?:then|that day|that)\W*$", rest):
                # "please cancel my Monday appointment. Also, are you open between Christmas and
                # New Year's?": the request without the question ("open" is no other time)
                return TopicRead(preface=words, rest=rest)
            return TopicRead(preface=words)  # "are you open saturday? I'd like to come in then"
        if re.search(r"\b(?:dr|doctor)\b", rest) or not find_when(rest, ctx.now).empty:
            # "dr patel on the 15th at 11am. oh and are you open on saturdays?": the answer, and
            # the rest read for the booking (without the question's day)
            return TopicRead(preface=words, rest=rest)
        if task is None:
            return TopicRead(step=say(f"{words} {ANYTHING_ELSE}"), answered=True)
        return TopicRead(preface=words, answered=True)  # then the question the task is waiting on
    # "good morning, how are you? it's James Wilson, born ...": who is speaking is read as well
    introduced = (
        find_dob(text, ctx.now.date())[0] is not None or _INTRODUCES.search(normalize(raw)) is not None
    )
    if (person := _asked_if_a_person(ctx, raw)) is not None:
        words, rest = person
        s["off_topic"] = in_a_row  # neither small talk nor understood: the count stands
        if rest is not None:  # "... just curious. I need to cancel Monday's check-up": read on
            return TopicRead(preface=words, rest=rest)
        if task is None:
            return TopicRead(step=say(f"{words} {HELP} How can I help you today?"), answered=True)
        return TopicRead(preface=words, answered=True)
    if not requested and task_of(intents(text)) is None and (about := _ABOUT_ME.search(text)):
        s["off_topic"] = in_a_row  # neither small talk nor understood: the count stands
        if about.group(0).startswith("how"):
            words = "I'm doing well, thank you."
        else:
            words = f"I'm the virtual assistant of {ctx.business_name}."
        if introduced:
            return TopicRead(preface=words)
        if task is None:
            return TopicRead(step=say(f"{words} {HELP} How can I help you today?"), answered=True)
        return TopicRead(preface=words, answered=True)
    off_topic = (
        _OFF_TOPIC.search(text) is not None
        or _OTHER_PLACE_OPEN.search(text) is not None
        or (
            # right after a redirect, another question about nothing the assistant does ("do you know
            # a good taco place near you?"): off topic again
            in_a_row >= 1
            and _A_QUESTION.search(text) is not None
            and find_dob(text, ctx.now.date())[0] is None
        )
    )
    if not requested and task_of(intents(text)) is None and off_topic:
        if in_a_row >= 1:
            return TopicRead(
                step=_handover(
                    "I'm sorry, I can't help with that either.",
                    "Off topic: the caller asked twice in a row about things the assistant can't help with",
                )
            )
        s["off_topic"] = 1
        if introduced:
            # "Andrew Harris, born ... Quick question, is the pharmacy down the street open on
            # Sundays?": said so, and who is speaking read as well
            return TopicRead(preface="I'm sorry, I can't help with that.")
        if task is None:
            return TopicRead(step=say(f"{REDIRECT} What would you like to do?"), answered=True)
        return TopicRead(preface="I'm sorry, I can't help with that.", answered=True)
    rest = without_day_check(normalize(raw), ctx.now)
    if rest is not None and task_of(intents(rest)) != Intent.LIST:
        # "Dr. Patel for Tuesday, what day is that, the tenth? Yes, at one thirty": the caller's own
        # check of the date, no question about their visits; the request read without it
        return TopicRead(rest=rest)
    return TopicRead()


REPEATED_OFFER = "The caller accepted a transfer (offered again after they asked to hear the reply once more)"


def _last_reply(ctx: PlanContext) -> str | None:
    """What the assistant said last, to say it again."""
    return next((m.content for m in reversed(ctx.messages) if m.role == "assistant" and m.content), None)


def _asked_if_a_person(ctx: PlanContext, raw: str) -> tuple[str, str | None] | None:
    """A question whether the caller is talking to a person, without asking for one: the honest
    answer, and the rest of the turn to read for a request (None: there is none)."""
    said = normalize(raw)
    if not _ASKS_IF_A_PERSON.search(said) or _ASKS_FOR_ONE.search(_ASKS_IF_A_PERSON.sub(" ", said)):
        return None
    # the question taken out, and its "or a machine?" ("are you a bot? are you real?": both)
    rest = " ".join(_OR_WHAT_ELSE.sub(" ", part) for part in _ASKS_IF_A_PERSON.split(said))
    if Intent.HUMAN in intents(rest):
        return None  # "is this a machine? get me a human": a person asked for
    words = f"I'm the virtual assistant of {ctx.business_name}: an automated assistant, not a person."
    asks_more = (
        task_of(intents(rest)) is not None
        or find_dob(rest, ctx.now.date())[0] is not None
        or _INTRODUCES.search(rest) is not None
        or not find_when(rest, ctx.now).empty
    )
    if not asks_more:
        return words, None  # then what the assistant does, staff among it
    return f"{words} If you'd rather talk to a member of our team, just say so.", rest


_A_VISIT_FOR_A_FORM = re.compile(
    r"\b(?:physical|exam|examination|check ?up|medical)\b(?!\s+(?:records?|certificate|cert))"
)
_A_QUESTION = re.compile(
    r"\?\s*$|^\W*(?:\w+\W+){0,3}?(?:do you know|do you think|can you tell me|have you|did you|who|what's|where|which)\b"
)
_INTRODUCES = re.compile(r"\b(?:this is|my name is|my name's)\b")

_WHY_BEFORE = re.compile(
    r"(?:^|(?<=[.;!?]))[^.;!?]*\b(?=so (?:i|we|he|she|they)(?: [a-z']+){0,2} (?:need|needs|have|has|want|wants|got|gotta|must|will"
    r"|would like|'d like|'ll|am going|'m going|'m gonna)(?: to)? (?:cancel|move|reschedul|change|call off))"
    # "... it's a whole thing with the forms, anyway, can you cancel his appointment": the story
    # told before "anyway", and then the request (a question before it is still asked)
    r"|^[^?]*\b(?:anyway|anyways|long story short|so anyway)\b[,.]?(?=\s+(?:can|could|would|please|i|we)\b[^.;!?]{0,30}"
    r"\b(?:cancel|move|reschedul|change|call off))"
)
_INSURANCE_CHANGED = re.compile(
    r"\b(?:my|our|his|her|the) (?:health )?insurance (?:has |have |just )?(?:changed|switched|is different|ran out"
    r"|lapsed|ended|expired|stopped|was cancelled|got cancelled)\b"
    # "... and I have to find a doctor in network": why, no question
    r"(?:[^.;!?]{0,20}?\b(?:find|see|go to|switch to) (?:a|another|some) (?:new )?(?:doctor|clinic|practice|provider)"
    r"(?: (?:who is|that is|that's|who's))? (?:in|in my|in our|on my|within) network)?"
    # "my employer switched our plan", "... until I sort out the new coverage": the same story
    r"|\b(?:switched|changed) (?:our|my|the) (?:health )?(?:plan|insurance|cover)\b"
    r"|\b(?:until|till|once|when) (?:i|we) (?:sort out|sort|figure out|get|have) (?:the |my |our )?(?:new )?(?:coverage|cover|insurance|plan)\b"
)
_DONE_ELSEWHERE = re.compile(
    r"\b(?:got|had|have had|'ve had|already had|already got|was given|were given)\b[^.;!?]{0,60}?"
    r"\b(?:done|sorted|seen to|given|elsewhere|at (?:the|a|our|my) [a-z]+)\b[^.;!?]*?(?=\bso\b|[.;!?,]|$)"
    # "the school nurse already did it", "the pharmacist gave it to him last week"
    r"|\b(?:the|a|our|his|her|my|their) (?:[a-z]+ )?(?:nurse|pharmacist|pharmacy|school|clinic|doctor|gp)\b"
    r"[^.;!?]{0,40}?\b(?:did|done|gave|given|sorted|took care of|has|had)\b[^.;!?]*?(?=\bso\b|[.;!?,]|$)"
)

# the words that name a visit by what it is for ("the blood pressure appointment", "his asthma review")
_VISIT_NAMES = re.compile(
    r"\b(?:[a-z]+ ){1,2}(?=(?:appointment|appt|visit|check[ -]?up|follow[ -]?up|review|consultation|check)s?\b)"
)


# what a story of symptoms may tell beside them ("the stuff from the pharmacy isn't cutting it")
# a bill or a complaint is raised to be dealt with, never only the caller's story
_RAISED = re.compile(r"Billing:|Complaint:")
_CLINICAL = re.compile(rf"{re.escape(MEDICAL_QUESTION)}|Prescriptions:")


def _symptoms_told(text: str, asks: str) -> bool:
    """Symptoms named only in the clauses that tell the caller's story ("my allergies have been out of
    control since May"): nothing asked of staff, so a visit is offered rather than a handoff (a
    prescription told alone, "the pharmacy never got my prescription", is still for staff; "i've had a
    rash for 3 days, is that something i should worry about?" asks about the story)."""
    return not asks_something(asks) and any(
        t.visit_reason
        and t.reason == MEDICAL_QUESTION
        and t.pattern.search(text)
        and not t.pattern.search(asks)
        for t in STAFF_TOPICS
    )


def asked_about(ctx: PlanContext, s: dict[str, Any], text: str) -> str | None:
    """The staff topic a request for a person names ("can I talk to someone about a charge on my
    bill?": billing), as its reason for staff; None when it names none."""
    plain = _without_names(normalize(text), ctx, s)
    return next((t.reason for t in STAFF_TOPICS if t.pattern.search(plain)), None)


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
    # "I'm his personal assistant, Jonathan Price": the name said with the role is no topic
    text = _NAMED_WITH_A_ROLE.sub(" ", text)
    # a doctor's name, or how the speech model heard it, is no topic ("Dr. Pay tell", "Dr Price")
    return _TITLED_TOPIC_WORD.sub(" dr ", text)


_NAMED_WITH_A_ROLE = re.compile(
    r"\b(?:assistant|secretary|carer|caregiver|receptionist|manager|pa),?\s+[a-z'-]+\s+[a-z'-]+"
    r"(?=\s*[.,;]|\s+(?:and|here|speaking|calling)\b)"
)
_TITLED_TOPIC_WORD = re.compile(
    r"\b(?:dr|doctor)\.?\s+(?:pay|paid|bill|bills|price|cost|charge|fee|rx|script|lab|scan|nurse)\b(?!\s+(?:for|of|on|from)\b)"
)


def _without_question(text: str) -> str:
    """The turn without its opening-hours question: from the question's first words to the end of
    its clause ("hi this is ... are you open on saturdays if not ..." keeps who is speaking)."""
    if (asked := _HOURS.search(text)) is None:
        return text
    return f"{text[: asked.start()]} , {text[_clause_end(text, asked.end()) :]}"


_SENTENCE_STOP = re.compile(r"[.;!?](?=\s|$)")


def _without_sentence(text: str, pattern: re.Pattern[str]) -> str | None:
    """The turn without the sentence `pattern` matches in ("is there parking, by the way?")."""
    if (found := pattern.search(text)) is None:
        return None
    start = max([0, *(m.end() for m in _SENTENCE_STOP.finditer(text, 0, found.start()))])
    end = next((m.end() for m in _SENTENCE_STOP.finditer(text, found.end())), len(text))
    return f"{text[:start]} {text[end:]}".strip()


def _without_asked(text: str, pattern: re.Pattern[str]) -> str:
    """The turn without the question `pattern` matches, from its first word to the end of its
    sentence ("dr rodriguez on monday the 15th at 10:30, and also, how early should i get there?")."""
    if (found := pattern.search(text)) is None:
        return text
    end = next((m.end() for m in _SENTENCE_STOP.finditer(text, found.end())), len(text))
    before = re.sub(
        r"(?:[\s,;]|\b(?:and|also|oh|plus|but|so|one more thing|quick question)\b)*$",
        "",
        text[: found.start()],
    )
    return f"{before} {text[end:]}".strip()


def _clause(text: str, at: int) -> str:
    """The part of `text` around position `at`, up to the next "and", "if", "but", comma or stop:
    the hours question in "what are your hours, and can I book tomorrow at 11"."""
    start = max([0, *(m.end() for m in _CLAUSE_END.finditer(text, 0, at))])
    return text[start : _clause_end(text, at)]


def _clause_end(text: str, at: int) -> int:
    """Where the clause going on at position `at` ends: the next "and", "if", comma or stop."""
    return next((m.start() for m in _CLAUSE_END.finditer(text, at)), len(text))


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


# words of a request said beside a question for staff ("... and is there parking?")
_NAMES_A_REQUEST = re.compile(r"\b(?:book|schedule|appointment|appt|reschedul\w*|cancel\w*|move|dr|doctor)\b")


# the visit a question is about: "how long does the appointment usually last?", "what should I
# bring to my appointment?" (its doctor too: "... my appt with dr chen"); no request for one
_THE_VISIT = re.compile(
    r"\b(?:the|my|an|a|each|this|that|his|her|our|their|your|the first|a first|a new patient)\s+"
    r"(?:appointment|appt|visit|check ?up|consultation)s?\b(?:\s+(?:with|for)\s+(?:dr|doctor)\.?\s+[a-z'-]+)?"
)


def _without_the_visit_asked_about(text: str, question: re.Pattern[str]) -> str:
    """`text` without the visit named in the sentence of the question for staff: a question ABOUT
    the appointment is no request for one (before, "appointment" there started a booking)."""
    asked = question.search(text)
    if asked is None:
        return text
    start = max(text.rfind(stop, 0, asked.start()) for stop in ".?!") + 1
    ends = [i for stop in ".?!" if (i := text.find(stop, asked.end())) != -1]
    end = min(ends) if ends else len(text)
    return text[:start] + _THE_VISIT.sub(" ", text[start:end]) + text[end:]


def _handover(words: str, reason: str) -> PlanStep:
    """Say why, then hand over (the runtime adds "I'll connect you with a member of our team")."""
    return PlanStep(say=words, tool_calls=call("transfer_to_person", reason=reason).tool_calls)
