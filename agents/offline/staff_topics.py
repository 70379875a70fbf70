"""Staff work a caller may ask about (billing, insurance, results, prescriptions, records...).

`STAFF_TOPICS` is the table `topics.read_topic` goes through, most specific first; `REQUEST` and
`PURPOSE` tell a booking that names its reason ("come in about my cough") from a staff topic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# the reason of a medical question's handoff (both of its topics below)
MEDICAL_QUESTION = "Medical question: the caller asked about symptoms or medical advice"

# An appointment plainly asked for: with one of these a topic word is what the visit is about.
REQUEST = re.compile(
    r"\b(book|schedule|reschedul\w*|re schedule|cancel\w*|make an appointment|set up an appointment"
    r"|(need|want|like|get|have|see about|about) (an |a |a new |another )?(appointment|appt|visit|check ?up|physical)"
    r"|an appointment (for|with|on|at|next|this|tomorrow|today|to|about|because)"
    r"|(see|talk to|speak (to|with)) (a |the |my |dr |doctor )?(doctor|dr|doc|gp|physician|provider|pediatrician)"
    r"|(arrange|organi[sz]e|book|schedule|get|have|need|want|like) (a |an |another |my )?(consultation|consult)"
    r"|(could|can|would|will) (the |dr\.? |doctor )?([a-z'-]+ ){0,2}see (me|him|her|them|us|my)\b"
    # "I need to get my son in, he's got a cough": a visit asked for
    r"|(get|fit|squeeze) (me|him|her|them|us|my (son|daughter|wife|husband|mum|mom|dad|kid|child|boy|girl|baby|partner"
    r"|father|mother)) in\b"
    r"|(get|have|like|want|need) (me|him|her|them|it|this|my [a-z]+) (checked|looked at|seen)"
    r"|see (someone|somebody|anyone)|be seen|get seen|fit me in|squeeze me in|get me in|fit (him|her|them|us) in"
    r"|put (me|him|her|them|us) (in|down) (with|for|on)"
    r"|(could|can|would) (dr |doctor )?([a-z'-]+ )?see (me|him|her|them|us|my)\b"
    r"|(i|we|he|she|they|me|him|her) (\w+ )?(come|get) in|(come|get) in (for|on|at|to|tomorrow|today|next|this|some)"
    r"|move (my|it|the)|first available|next available"
    # "could I come at 3:30 then? my allergies ...": a time asked for, for the visit
    r"|(could|can|may) (i|we|he|she) (come|book|have|take|do) (at|for|on) \d"
    # "please I need doctor for my back pain", "any doctor is ok": a visit asked for plainly
    r"|(need|want|looking for) (a |an |the |to see a |to see the |to see )?(doctor|doc|gp|physician)\b(?! (said|says|told))"
    r"|any (doctor|dr|gp|physician)|whichever doctor|whoever is (free|available)"
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
PURPOSE = re.compile(
    # (not a visit that was: "an itemised invoice for my last visit, for my insurance")
    r"(?<!\blast )(?<!\bprevious )(?<!\brecent )(?<!\bpast )(?<!\bother )"
    # (nor one charged for: "65 dollars for a visit in november, who do i talk to about that")
    r"(?<!\bfor a )(?<!\bfor my )(?<!\bfor the )(?<!\bfor his )(?<!\bfor her )"
    r"\b(appointment|appt|visit|check ?up|follow ?up|consultation|consult|see (a |the |my )?(doctor|dr|doc|physician)|come in"
    r"|get in|book\w*|schedule|arrange)\b"
    # ("my visit about 2 weeks ago": when it was, not what a new one is about; "a follow-up, but
    # first, I got a bill for my February visit": another matter)
    r"(?:(?!\bbut\b).){0,40}\b(about(?! (?:\d+|a|an|a few|a couple of) (?:days?|weeks?|months?|years?) ago\b)|for (my|a|an|the|his|her)|to (discuss|talk about|go over|review|get|renew|check|look at)"
    r"|regarding|because)\b"
)


# What a visit asked for is about, wherever it is said in the request: "an appointment with Dr Chen
# on Thursday, 1 June, at 11 a.m. for a routine review of my medication".
VISIT_ABOUT = re.compile(
    r"\bfor (?:a |an |my |his |her |the )?(?:\w+ )?(?:review|check|check ?up|discussion|follow ?up|consultation"
    r"|talk|chat|look) (?:of|about|on|regarding|at)\b"
)


# The reason given as a clause of its own beside a request: "... Wednesday the 2nd at 9, it's about my
# thyroid medication", "... at eleven thirty, it's for my inhaler and a review".
REASON_CLAUSE = re.compile(
    r"\b(?:the reason is|the reason's|reason being)\b"
    r"|\b(?:it'?s|it is|this is|that'?s|mainly|mostly|just)\s+"
    r"(?:(?:mainly|mostly|just|really|about|for|regarding|to)\s+)*"
    r"(?:about|for|regarding|to (?:discuss|talk about|go over|review|check|look at|sort out))\b"
)


@dataclass(frozen=True)
class Topic:
    """A kind of staff work: the words that name it, and what staff and the caller are told."""

    pattern: re.Pattern[str]
    reason: str  # for staff: the handoff summary starts with it
    say: str  # for the caller, before "I'll connect you with a member of our team"
    visit_reason: bool = False  # with a booking asked for in the same turn, what the visit is about
    # a question staff can answer later ("is there parking?"): asked while a request is under way,
    # the caller is told so and the request goes on; asked alone, it goes to staff
    aside: bool = False


# "do you take ...?" asked of the practice ("do you accept Medicare", not walk-ins, nor "how far in
# advance do you take bookings?"): a plan, whatever it is called (payment cards are a billing topic,
# read before)
_TAKE_OR_ACCEPT = (
    r"(?:do|does|will) (?:you|you guys|y'all|the (?:clinic|practice|office)) (?:take|accept)"
    r"(?! (?:walk|bookings?|appointments?|same[- ]day|online|calls?|messages?|texts?|emails?|children|kids|babies"
    r"|new patients|patients|visits?|reservations?))"
)


# a practical "is it ok ...": "is it ok if I bring my kid along?", "is it okay to park out front?"
# (not "is it ok to take ibuprofen", "... to wait", "... to come in with a fever": those are clinical)
_NOT_PRACTICAL = (
    r"(?! (?:if|for|to) (?:i |we |me |us |my [a-z]+ )?(?:bring|arrive|turn up|show up|park|pay|call|phone|ring|text"
    r"|email|be late|reschedule|cancel|check in)\b)"
)

# someone brought along to the visit, asked about: "can my husband come in with me?", "is it ok if I
# bring my kid along?" (not "could I bring my daughter in on Friday?": a visit for her)
_COMPANION = (
    r"(?:my|a|the|our|his|her) (?:kids?|children|child|son|daughter|baby|toddler|little one|partner|husband|wife"
    r"|boyfriend|girlfriend|friend|mum|mom|dad|mother|father|carer|caregiver|interpreter|translator|dog|service dog"
    r"|support person)"
)
_SOMEONE_ALONG = (
    rf"(?:(?:can|could|may) (?:i|we)|(?:is it|would it be) (?:ok|okay|alright|all right|fine) (?:if (?:i|we) |to )"
    rf"|(?:do you mind|is it a problem|would it be a problem) if (?:i|we) )(?:bring|take) {_COMPANION}"
    r"(?! in\b| into\b| to see\b| for (?:a|an|his|her|their|the) )"
    rf"|(?:can|could|may) {_COMPANION} (?:come|be there|stay) (?:with|along|in with)"
)


STAFF_TOPICS = [
    # a complaint is for the practice manager, never the assistant
    Topic(
        re.compile(
            r"\b((make|file|lodge|raise|register|have) a (formal )?complaint|complain(ing)? about|i('d| would)? "
            r"(like|want) to complain|complaint about|(speak|talk) to (the |a )?(practice |office )?manager)\b"
        ),
        "Complaint: the caller wants to make a complaint",
        "I'm sorry to hear that. Our practice manager handles complaints.",
    ),
    # billing, most specific first
    Topic(
        re.compile(
            r"\bcharge(?:s|d)?\b.*\b(bill|bills|statement|invoice|account|card)\b"
            r"|\b(bill|bills|statement|invoice)\b.*\bcharge(?:s|d)?\b"
        ),
        "Billing: a question about a charge on a bill",
        "Our billing team can help with charges on your bill.",
    ),
    Topic(
        re.compile(
            r"\b(refund\w*|money back|overcharged|over charged|charged twice|double charged|reimburs\w*)\b"
        ),
        "Billing: a question about a refund",
        "Our billing team can help with refunds.",
    ),
    # "is parking free, or do I need to pay?": about parking, not a bill
    Topic(
        re.compile(r"\b(parking|car park|parking lot|park (my|the) car|where (do|can|should) i park)\b"),
        "Practice information: the caller asked about parking",
        "Our staff can help with that.",
        aside=True,
    ),
    Topic(
        re.compile(r"\b(pay|paying|payment|payments|balance|owe|outstanding|collections?)\b"),
        "Billing: a question about a payment or balance",
        "Our billing team can help with payments.",
    ),
    Topic(
        re.compile(r"\b(bill|bills|billed|billing|invoice|statement|copay|co pay|receipt)\b"),
        "Billing: a question about a bill",
        "Our billing team can help with that.",
    ),
    Topic(
        re.compile(r"\b(charged|charges|a charge|the charge|no show fee|late fee|late cancel\w* fee)\b"),
        "Billing: a question about a charge",
        "Our billing team can help with charges.",
    ),
    Topic(
        re.compile(
            r"\b(how much (is|does|do|will|would)|cost|costs|price|prices|pricing|fee|fees|self pay)\b"
        ),
        "Billing: a question about costs",
        "Our staff can tell you about costs.",
    ),
    Topic(
        re.compile(
            r"\b(take|accept)\s+(credit cards?|debit cards?|cards?|cash|checks?|cheques?|apple pay|hsa|fsa)\b"
        ),
        "Billing: a question about ways to pay",
        "Our billing team can help with payments.",
    ),
    # insurance ("do you take Anthem?": whatever the plan is called)
    Topic(
        re.compile(
            # ("do I need to bring my insurance card?" is what to bring; "do you take walk-ins?" no plan)
            r"\b((?<!bring my )(?<!bring the )(?<!bring your )(?<!bring an )(?<!bring our )insurance(?! cards?\b)"
            r"|insurer|insured|coverage|covered|in network|out of network|medicaid|medicare|aetna"
            r"|cigna|blue cross|blue shield|united ?healthcare|humana|kaiser|anthem|tricare|deductible"
            rf"|(do|does) (you|my plan) cover|{_TAKE_OR_ACCEPT}"
            r"|prior authori[sz]ation|pre ?authori[sz]ation)\b"
        ),
        "Insurance: a question about insurance or coverage",
        "Our staff can help with insurance questions.",
    ),
    # test results
    Topic(
        re.compile(
            r"\b(results?|lab|labs|lab work|blood ?work|blood tests?|x ?rays?|mri|ct scan|scan results|biopsy"
            r"|pathology|mammogram|ultrasound)\b"
        ),
        "Test results: a question about test or lab results",
        "Our clinical staff can help with test results.",
        visit_reason=True,
    ),
    # a medical question, whatever it is about ("is it normal to have a rash on antibiotics?")
    Topic(
        re.compile(
            r"\b(should i (take|be worried|worry|go|be concerned|stop|start|keep(?! (?:it|that|the appointment|my appointment)\b)"
            # "should I come in or just wait it out?": whether to be seen is a clinical question
            r"|come in or (?:just )?wait|be seen or)"
            rf"|is it (normal|safe|serious|bad|ok|okay){_NOT_PRACTICAL}"
            # "we were wondering if it's safe for her to get the flu shot"
            rf"|(?:if|whether) it(?:'s| is) (?:normal|safe|serious|bad|ok|okay){_NOT_PRACTICAL} (?:for|to)"
            # "I wondered whether I ought to be worried or whether it can wait"
            r"|(ought|need) to be (worried|concerned)|(whether|if) (it|this) can wait|(can|could) (it|this) wait"
            r"|what should i (do|take)|medical (question|advice)|advice|side effects?|symptoms?"
            # "can i take ibuprofen with my blood thinner?"
            r"|(can|could|should|may) (i|he|she|we) (take|mix|combine) (?!an? |the |some |my appointment)[a-z ]{1,30}\b(with|while|and|on)\b)\b"
        ),
        MEDICAL_QUESTION,
        "I can't give medical advice, but our clinical staff can help.",
    ),
    # prescriptions
    Topic(
        re.compile(r"\b(refill\w*|re fill|renew (my |a )?(prescription|medication|meds))\b"),
        "Prescriptions: a prescription refill request",
        "Our clinical staff can help with prescription refills.",
    ),
    Topic(
        re.compile(
            r"\b(prescription|prescriptions|prescribed|prescribe|script|scripts|medication|medications|meds|(?<!family )(?<!internal )"
            # ("on hold with the pharmacy all morning": where the caller was, no question)
            # ("is the pharmacy downstairs open late?": a place, not a prescription)
            r"medicine|(?<!with the )(?<!at the )(?<!to the )pharmacy(?! (?:downstairs|next door|nearby|down the|round the"
            r"|around the|across|in the building|is open|open|hours|close))|pharmacist|rx|dosage|dose|pills?|inhaler"
            r"|antibiotics?|insulin|ibuprofen|paracetamol|acetaminophen|tylenol|advil|aspirin|blood thinners?|warfarin)\b"
        ),
        "Prescriptions: a question about a prescription or medication",
        "Our clinical staff can help with prescriptions.",
    ),
    # a nurse, a message for the doctor
    Topic(
        re.compile(
            # "the school nurse said he should get his eyes checked", "the nurse asked me to call back and
            # move it": what someone said, not a request
            # ("I'm a nurse doing long shifts": the caller's job)
            r"\b((?<!school )(?<!i'm a )(?<!i am a )(?<!as a )(?<!work as a )(?<!she's a )(?<!he's a )(?<!i'm an )"
            r"nurses?(?!(?: [a-z]+){0,3} (said|says|told|suggested|recommended|thinks|thought|noticed|wants|asked|wanted|rang|called))"
            r"|nurse line|triage|leave a message|message for (the |my )?(doctor|dr|nurse)"
            r"|call me back|callback)\b"
        ),
        "Clinical staff: the caller asked for a nurse or to leave a message",
        "Our clinical staff can help with that.",
    ),
    # the practice itself, when the settings don't say (FRONTDESK_BUSINESS_ADDRESS / _PHONE)
    Topic(
        re.compile(
            r"\b(your address|the address|what's the address|located|location|directions|where are you"
            r"|where is the (office|clinic|practice)|how do i get there|parking|where (do|can|should) i park|(somewhere|place|anywhere|where) to park"
            r"|park (nearby|near by|close by|outside|on site)"
            # ("can you fax them": records sent, a request for staff, below)
            r"|fax (number|no)|your fax|the fax|your (phone|fax) number|the (office|clinic|practice)'?s? (phone|fax) number|your email"
            r"|what(?:'s| is) (?:your|the) website|website address)\b"
        ),
        "Practice information: the caller asked about the address, directions, parking or contact details",
        "Our staff can help with that.",
        aside=True,
    ),
    # what to expect of a visit: staff can tell ("how long will it take?", "what should I bring?")
    Topic(
        re.compile(
            r"\b(how long (will|does|do|is|would) (it|the|my|a|an|each)\b[^?.!]{0,30}\b(take|last|be)"
            # "how long is an appointment?", "how long are the visits?": the visit's length
            r"|how long (is|are) (the|my|a|an|each|your|his|her) (usual |typical |normal |first |new patient )?"
            r"(appointment|appt|visit|check ?up|consultation)s?"
            r"|what (should|do|must|shall) (i|we|he|she) (bring|need to bring|wear|prepare)|need to bring"
            r"|(should|do) (i|we) (fast|bring)|walk[ -]?ins?|same (building|place|location|office|address)|which (building|floor"
            r"|entrance)|wheelchair|step[- ]free|disabled access|accessible|elevator|a lift"
            # "do I need to fast before it?", "will he have to bring anything?": preparing for the visit
            r"|(do|will|would|should|must) (i|we|he|she|they) (need|have) to (fast|bring|prepare|wear|fill)"
            r"|fast(ing)? (before|beforehand|for (it|the|my|his|her))"
            # "is it ok if I bring my kid along?": someone coming along
            rf"|{_SOMEONE_ALONG})\b"
        ),
        "Practice information: the caller asked what to expect of a visit",
        "Our staff can help with that.",
        aside=True,
    ),
    # records, referrals, forms
    Topic(
        re.compile(
            r"\b(medical records?|(?:my|his|her|their|our) (?:medical )?records|records request|copy of my (records|chart)|referral|refer me"
            r"|sick note|doctor's note|doctors note|work note|school note|forms?|paperwork|vaccination records?"
            r"|(medical|sick|sickness|doctor's|doctors|fitness|fit to work|return to work) certificate|certificates?"
            r"|fit note|med cert|(medical|sick|doctor's|doctors) cert|letter (for|to) (my )?(work|school|employer|boss|uni|university|college)"
            r"|immuni[sz]ation records?|(school|work|gym|camp|sports|daycare|jury duty) (note|letter|excuse)"
            r"|fill (out|in) (a|the|my|this|his|her)|sign (a|the|my|off)"
            # a copy of one's file asked for, in any words: "a copy of my medical history, all my
            # papers, to send to my new doctor", "send my chart over to my new clinic"
            r"|(?:a )?cop(?:y|ies) of (?:all )?(?:my|his|her|their|our|the) (?:[a-z']+ ){0,2}?(?:history|papers|chart|charts"
            r"|files?|notes|documents|documentation)"
            r"|(?:send|transfer|forward|fax|email|release) (?:over )?(?:all )?(?:my|his|her|their|our) (?:[a-z']+ ){0,2}?"
            r"(?:history|papers|chart|files?|notes|documents|documentation)(?! (?:to|with) (?:the|my) (?:appointment|visit))"
            # "I need my medical history sent to my new doctor in Mexico"
            r"|(?:my|his|her|their|our) (?:[a-z']+ ){0,2}?(?:history|papers|chart|files?|notes|documents|records?)"
            r" (?:sent|transferred|forwarded|faxed|emailed|released|copied))\b"
        ),
        "Records and forms: a question about records, referrals or forms",
        "Our staff can help with records, referrals and forms.",
    ),
    # medical questions and symptoms
    Topic(
        re.compile(
            r"\b(symptoms?|side effects?|should i (take|be worried|worry|go|be concerned|stop|start)|is it (normal|safe|serious|bad)"
            r"|what should i (do|take)|medical (question|advice)|advice|diagnos\w*|fever|rash|cough|coughing|headache"
            r"|migraine|sore|hurts?|hurting|pain|painful|ache|aching|infection|infected|vomit\w*|throwing up|nause\w*"
            r"|dizzy|dizziness|swollen|swelling|allergic|allergy|allergies|flu|covid|sick|crook|unwell|poorly|bleeding|bleed|injur\w*"
            r"|sprain\w*|broke my|broken|pregnan\w*|blood pressure|sugar levels?)\b"
        ),
        MEDICAL_QUESTION,
        "I can't give medical advice, but our clinical staff can help.",
        visit_reason=True,
    ),
]


# what a caller said was wrong, named in a medical question's handoff so staff know what it is about
_SYMPTOMS = re.compile(
    r"\b(fever|temperature|rash|cough|coughing|headache|migraine|sore throat|sore|pain|ache|aching|infection"
    r"|vomiting|throwing up|nausea|dizzy|dizziness|swollen|swelling|allergic reaction|bleeding|blood pressure"
    r"|sugar levels?|chills|tired|fatigue|shortness of breath|side effects?)\b"
)


def reason_for(topic: Topic, text: str) -> str:
    """The handoff reason: the topic's, with the symptoms a medical question named ("Medical
    question: ... (mentioned: fever)")."""
    if not topic.reason.startswith("Medical question"):
        return topic.reason
    named = list(dict.fromkeys(m.group(1) for m in _SYMPTOMS.finditer(text)))[:4]
    return f"{topic.reason} (mentioned: {', '.join(named)})" if named else topic.reason


def staff_matter(text: str) -> Topic | None:
    """The staff work a callback request is about ("can someone in billing call me back"): staff
    take it over at once, as if asked directly; None for a plain message or a practice question."""
    for topic in STAFF_TOPICS:
        if topic.aside or topic.reason.startswith("Clinical staff"):
            continue
        if topic.pattern.search(text):
            return topic
    return None
