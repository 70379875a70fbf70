"""What the caller wants, from keywords and short phrases (text already normalized)."""

from __future__ import annotations

import re
from enum import StrEnum

from agents.offline import keeping, story_words
from agents.offline.dates import day_phrases
from agents.offline.names import DOCTOR_NAMED
from agents.offline.shifts import shift_of


class Intent(StrEnum):
    BOOK = "book"
    RESCHEDULE = "reschedule"
    CANCEL = "cancel"
    LIST = "list"
    PROVIDERS = "providers"
    HUMAN = "human"
    GOODBYE = "goodbye"
    GREETING = "greeting"
    THANKS = "thanks"
    DECLINE = "decline"  # "no", "that's all": an answer to "anything else?"


_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_CANT = r"(can't|cannot|can not|won't be able to|unable to|not able to|couldn't)"
_NOT_COMING = (
    r"(won't|wont|will not|(?:is|are|am|'m|'re|'s)? ?not going to|isn't going to|aren't going to|not gonna"
    r"|(?:won't|wont|will not|not) be able to|unable to|not able to|can't|cannot|can not|couldn't|could not)"
    r"( be able to)?"
)
_THEIR = r"(my|his|her|our|their|the|that|this|[a-z]+'s)"
# what "drop the ..." is about when it is no visit: "I drop the kids at school"
# "they'll take me off the road", "take me off the blood thinner": off a job or a medicine, no list
_OFF_NO_LIST = r"(?! (?:the |my |that |this )?(?:road|roads|roster|rota|duty|shifts?|work|job|team|case|medications?|meds|pills?|tablets?|blood thinner))"

_NOT_A_VISIT = r"(?! (?:kids?|children|son|daughter|boy|girl|husband|wife|mum|mom|dad|car|dog|keys|bags?) )"
_VISIT = r"([a-z]+ )?(appointment|appt|visit|booking|check[ -]?up|physical|consultation|follow[ -]?up)"
_PATTERNS: list[tuple[Intent, re.Pattern[str]]] = [
    (
        Intent.HUMAN,
        re.compile(
            r"\b(speak|talk|connect|transfer|put me through|get me|reach|chat)\b.*\b(person|human|someone|somebody|"
            r"anyone|anybody|agent|staff|receptionist|reception|representative|operator|nurse|front desk|office|real|live)\b"
            r"|\b(want|need|like|give me)\b.*\b(a (real |live )?(person|human)|an agent|the operator|"
            r"a receptionist|a representative|staff member|someone real)\b"
            r"|\b(representative|operator|human being|real person|live person|live agent|receptionist"
            r"|(actual|real|live) (human|person|people)|is (there|this) (a|an|any) (human|person)|somebody real"
            r"|(practice|office|clinic) manager|a manager|the manager|supervisor|someone in charge"
            r"|front desk|customer service|put me through)\b"
            r"|\b(someone|somebody|anyone|anybody|a person|a human)( i| we)? (can|could) (talk|speak)"
            r"|^\s*(a |an |the )?(real |live |actual )?(person|human|agent|someone|somebody|staff|people)"
            r"( (please|pls|plz|plse|now|asap|thanks|thx|ty))*\s*[.!]*\s*$"
            r"|^\s*0\s*[.!#]?\s*$"  # the keypad's "a person, please"
            # "can I talk to Gabrielle?" (a name, or "a real person" misheard as one): a person
            r"|\b(can|could|may) i (please )?(talk|speak) (to|with) (?!you\b|u\b|the (bot|assistant)\b)[a-z]"
            r"|\bi('d| would) like to (talk|speak) (to|with) (?!you\b|u\b|the (bot|assistant)\b)[a-z]"
        ),
    ),
    (
        Intent.RESCHEDULE,
        re.compile(
            r"\b(reschedul\w*|re schedule|rebook\w*|re book|move|moving|change|make (that|this)|switch|push (it |my |the |that )?(back|forward|appointment)?|postpone"
            # a learner's words for it: "delay my appointment", "anticipate my appointment" (bring it earlier)
            r"|(?:delay|anticipate|advance) (?:my|the|his|her|our|their|[a-z]+'s) (?:[a-z]+ )?(?:appointment|appt|visit|consultation)"
            r"|re ?arrange|rearrang\w*|re ?organi[sz]e (my|the|his|her)"
            r"|bring (it )?forward|come forward|bump|shift|make (my|the|it|that|this)\b.{0,60}\b(later|earlier|sooner)"
            # "my appointment with Dr Chen on Thursday is in the afternoon and my daughter can only
            # drive me in the morning now", "my appointment ... on Friday, make it Monday": that visit,
            # at another time
            r"|\b(?:my|his|her|our|the)\s+(?:[a-z]+\s+){0,2}(?:appointment|appt|visit|check ?up)\b(?:dr\.\s|(?!\.\s)[^?!]){0,90}"
            r"\b(?:(?:can|could) only|(?<!able to )(?<!can't )(?<!cannot )(?<!won't )(?<!not )(?<!gonna )make it)\b"
            # "she has an appointment with Dr Patel on Tuesday and would rather see Dr Chen instead"
            r"|\b(?:has|have|'ve got|has got) (?:an?|my|his|her|the) (?:[a-z]+ )?(?:appointment|appt|visit|check ?up)\b[^.?!]{0,60}"
            r"\b(?:would rather see|'d rather see|rather see|prefer to see|would prefer|switch (?:it )?to"
            # "I have my appointment with him Wednesday afternoon but I'd rather come Monday"
            r"|(?:would|'d) rather (?:come|come in|go|do|have it|make it|be seen))\b"
            # "bring my appointment forward", "push my checkup back", "switch lucas's appointment"
            r"|(bring|bringing|push|pushing|move|moving|put|putting) (my|the|his|her|their|that|this|[a-z]+'s)( [a-z]+\.?){0,5}"
            r" (forward|back|out)"
            # "I'd like my Dr Chen appointment two hours later": an appointment one has, later
            # (not "my check-up with Dr. Patel later this week": when it is)
            r"|(my|his|her|our|their|[a-z]+'s)( [a-z]+){0,2} (appointment|appt|visit|booking|check ?up)\b.{0,40}"
            r"\b(later|earlier|sooner)\b(?! (?:this|that|next|in the) (?:week|month|day|morning|afternoon)\b| today| on\b)"
            r"|(switch|swap) (my|the|his|her|their|that|this|it|[a-z]+(?: [a-z]+)?'s)\b"
            r"|come in (a bit |a little )?(earlier|later|sooner)|(earlier|later) (that|the) same day"
            r"|(different|another|other) (time|day|date)|instead|rather than (dr|doctor)\b"
            # "his shot appointment, he's got a cold ... could we do monday the 19th": the visit they have, another day
            r"|\b(my|his|her|our|their|[a-z]+'s) ([a-z]+ ){0,2}(appointment|appt|visit|booking|check[ -]?up|follow[ -]?up"
            r"|shot|jab|vaccination)\b[^?!]{0,90}\b(could|can) we (do|make it|go for|try|have it|move it)\b"
            # "he needs his Fri 24th 14:30 w/ Dr Chen moved to Mon 27th", "need Dr Rodriguez appt on the
            # 29th moved to 1400 hours": had moved
            r"|\b(?:need|needs|want|wants|like|get|have|had)\b[^.?!]{0,60}?\b(?:moved|rescheduled|changed|pushed|shifted"
            r"|switched) (?:to|till|until|back|forward|earlier|later)\b"
            # a learner's "pass it to Friday", "transfer it on Wednesday, 12 February" (not "pass it to
            # the doctor": a message)
            r"|\b(pass|transfer|transpose|translate|carry) (it|that|this|my (appointment|appt|visit|consult\w*)) (to|on|for"
            r"|into) (the |a )?(monday|tuesday|wednesday|thursday|friday|next|tomorrow|day \d|\d|same|another|other"
            r"|later|earlier|following|week)"
            # "can you put my appointment with Dr. Chen on Wednesday the 2nd to Monday the 31st"
            r"|(put|putting) (my|the|his|her|our|their|[a-z]+'s)( [a-z]+){0,2} (appointment|appt|visit|booking|check ?up)\b"
            r"(?:[^.?!]|(?<=dr)\.){0,50}\bto (?!see\b|be\b|get\b)"
            # "can you put it to monday at 10", "put it off till friday"
            r"|(put|putting) (it|that|this) (to|on|for|off|over to|back to|back|forward|in the (morning|afternoon))\b"
            # "his check-up ... could it go to the day after": the visit they named, elsewhere
            r"|(can|could|would|might) (it|that|this) (possibly |maybe |perhaps |please )?(go|move|be moved) (to|till"
            r"|until|into)\b"
            # "Mon appt w/ Dr Patel: earlier pls": that appointment, earlier
            r"|(appointment|appt|visit|booking)\b[^.?!]{0,30}\b(earlier|later|sooner) (pls|please|plz)\b"
            # "can it go earlier in the day", "could it be a bit later", "can we make it sooner"
            r"|(can|could) (it|that|this|we|i|he|she) (go|be|come|get) (a bit |a little |any |much )?(earlier|later|sooner)"
            # "could my appointment be a bit later?", "can lucas's check-up go earlier?"
            r"|(can|could|would) (my|the|his|her|our|their|[a-z]+'s)( [a-z]+)? (appointment|appt|visit|booking"
            r"|check[ -]?up|one) (go|be|come|get|start) (a bit |a little |any |much |slightly )?(earlier|later|sooner)"
            # "could my Friday appointment go to the first Monday in May", "can his check-up be on the 9th instead"
            r"|(can|could|would) (my|the|his|her|our|their|[a-z]+'s)( [a-z]+){0,2} (appointment|appt|visit|booking"
            r"|check[ -]?up|jab|shot|vaccination)( with (dr|doctor)\.? [a-z'-]+)? (go|be|come|get|happen|change) (to|on|for"
            r"|at|till|until|into)\b"
            # "Friday appointment with Dr Chen, better for me Monday 2 December at 10h": that one, then
            r"|\b(monday|tuesday|wednesday|thursday|friday)('s)? (appointment|appt|visit)\b[^.?!]{0,40}\b(better|rather"
            r"|prefer|preferably)\b[^.?!]{0,15}\b(monday|tuesday|wednesday|thursday|friday|\d{1,2}(st|nd|rd|th)?)\b"
            # "He's got Dr. Chen this Thursday, but he'd rather go the day after": that visit, moved
            r"|\b(he's|she's|i've|we've|he has|she has|i have|they've) got (dr|doctor)\.? [a-z'-]+\b[^.?!]{0,60}"
            r"\b(would|'d) rather (go|come|come in|do|have it|make it|be seen|see)\b"
            # "can his appointment on the 18th go to Thursday the 17th?": the day it has said between
            r"|(can|could|would|may|might) (my|his|her|our|their|the|[a-z]+'s) ([a-z]+ ){0,2}(appointment|appt|visit"
            r"|booking|check[ -]?up)\b[^.?!]{0,30}\b(go|move|be moved|change|be changed|shift) (to|till|until|into)\b"
            # "his appointment on Friday the 22nd, could it possibly go to Wednesday the 27th"
            # "i have a blood pressure follow-up with dr chen, can it go to wednesday"
            r"|(appointment|appt|visit|booking|check[ -]?up|follow[ -]?up|physical|shot|jab|vaccination)\b[^.?!]{0,40}"
            r"\b(can|could|would|might|may) (it|that|this)"
            r" (possibly |maybe |perhaps |please |instead )?(go|be moved|move|change) (to|till|until)\b"
            # "my 2:30 with dr chen doesn't suit anymore", "my friday appointment doesn't suit me now": that one, another time
            r"|\b(my|his|her|our|their|[a-z]+'s) (\d{1,2}(:\d\d)?( ?[ap]m)?|[a-z]+day|[a-z]+)( [a-z]+){0,2}( with (dr|doctor)\.? [a-z'-]+)?"
            r" ((doesn't|does not|no longer|won't|will not|isn't going to) suits?( me| us)?( any ?more| now)?"
            # "his nine thirty with dr rodriguez clashes with school, can we do four pm the same day"
            r"|(clashes|conflicts) with)\b"
            # "my appointment on Friday no longer suits. Might it go to the Tuesday after": across the full stop
            r"|(appointment|appt|visit|booking|check[ -]?up|follow[ -]?up|physical)\b[^.?!]{0,40}"
            r"\b(no longer suits?|doesn't suit|does not suit|won't suit|isn't convenient|is no longer convenient)\b"
            r"(?: (?:me|us|him|her|them))?(?: any ?more)?[.,;!]?\s+(can|could|would|might|may) (it|that|this|we|you) (possibly |perhaps |please )?"
            r"(go|be|move|change|have it|make it|do)\b"
            # "could my appointment be moved", "can I get it pushed to friday"
            # "she needs it moved": the -s forms only with what is to be moved ("my number has changed")
            r"|(needs|wants|gets) (it|that|this|him|her|them|(his|her|my|the|their) ([a-z]+ ){0,2}(appointment|appt|visit"
            r"|booking|check ?up|vaccination)) (moved|pushed|shifted|bumped|changed|rescheduled|brought forward)"
            r"|(be|get|getting|have|having|want|need|like) (it |that |this |him |her |them |(my|the|his|her|our"
            r"|their|[a-z]+'s)( [a-z]+){0,3} (appointment|appt|visit|booking|check ?up|one|jab|shot|time|slot|session"
            r"|consult|consultation|physical) )?(moved|pushed|shifted|bumped|changed|switched|swapped|postponed"
            r"|rescheduled|brought forward|put back|put off))\b"
        ),
    ),
    (
        Intent.CANCEL,
        re.compile(
            r"\b(cancel\w*|annul\w*|call off|(won't|wont|will not) be able to (make|come)|can't make it|cannot make it|can't come"
            r"|cannot come|unable to (come|make it)|not going to make it|not gonna make it"
            rf"|take me off{_OFF_NO_LIST}|remove (me|my appointment)|drop my appointment|delete my appointment"
            # "scrap lucas's vaccination appointment", "knock my check-up on the head", "call it off"
            r"|scrap (it|that|my|his|her|the|[a-z]+'s)|knock (it|that|my|his|her|the|[a-z]+'s)( [a-z.'-]+){0,7} on the head"
            r"|call (it|that|the appointment|my appointment) off"
            # "you can take him off Dr Rodriguez's list", "cross her off the books"
            r"|(take|cross|strike|scratch|remove) (me|him|her|us|them|my [a-z]+( [a-z]+){0,2}|his name|her name) (off|from) (the|your|his|her"
            r"|(dr|doctor) [a-z'-]+'s) (list|schedule|books|calendar|diary|appointments?)"
            r"|(isn't|is not|won't|doesn't|does not) (going to |gonna )?work( out)?( for me)? ?(anymore|any more)"
            # ("scratch that" alone takes back the caller's own words: "Tuesday, no, scratch that, Wednesday")
            rf"|(drop|delete|remove|get rid of) (my|the|his|her|that|this)\b{_NOT_A_VISIT}|(scrap|scratch) (my|the|his|her)\b"
            r"|(scrap|scratch) (that|this) (appointment|appt|booking|visit|one|check ?up)\b|(scrap|bin|ditch) it\b"
            r"|(don't|do not|doesn't|does not|no longer|won't|will not) (need|want) (the|my|that|this|his|her|their|our|[a-z]+'s)( [a-z]+){0,2}"
            r" (appointment|appt|visit|booking|jab|shot|vaccination|check ?up)s?( any ?more| now)?\b(?! (?:on|at|with)\b.{0,30}\b(?:but|instead)\b)"
            r"|won't be coming"
            # "appointment doctor rodriguez, no need anymore. cancel.": not needed
            r"|no (?:more )?need (?:for (?:it|that|this|the appointment) )?(?:any ?more|now)|not needed any ?more"
            # "my mum is in hospital that day so i can't bring lucas to doctor rodriguez"
            rf"|{_CANT} (?:bring|take|get) (?:him|her|them|my [a-z]+|[a-z]+) (?:in |there )?to (?:the |his |her |their |my )?"
            r"(?:appointment|appt|visit|dr|doctor|check ?up|vaccination|jab)"
            r"|can't do (the|my|that) (appointment|visit)"
            # "my son will not make it to his appointment", "she won't make it Friday", "he isn't going
            # to be there", "I'll have to miss my check-up": not coming, said of the appointment
            rf"|{_NOT_COMING} (make it(?! (on|in) time| by| before)|make (it to )?{_THEIR} {_VISIT}|be there(?! (on|in) time| by| before)"
            rf"|keep {_THEIR} {_VISIT})"
            rf"|(will|'ll|have to|has to|going to|gonna|got to|gotta) (have to )?miss {_THEIR} {_VISIT}"
            # "I can't make Friday anymore", "we can't do tomorrow"
            rf"|{_CANT} (make|do|come|attend)( in| to)?( on)? (the )?({_DAYS}|tomorrow|today|that day)"
            # "Lucas's appointment with Dr. Rodriguez next Thursday morning clashes with his school trip"
            rf"|{_VISIT}\b[^?!]{{0,60}}\b(?:clashes|conflicts|clash|conflict) with\b"
            # "my husband has an appointment with Dr. Chen on Thursday that he can't make"
            rf"|{_VISIT}\b[^?!]{{0,40}}\b(that |which )?(i|he|she|they|we) {_CANT} (make|do|attend|come to|get to)\b(?! it (on|in) time))\b"
        ),
    ),
    (
        Intent.LIST,
        re.compile(
            r"\b(when is|when's|what time is|(what|which) (day|date|time)('s| is| was)|do i have|"
            r"(what|which) (day|date|time) and (day|date|time) (is|was|'s) (it|that|his|her|mine)|"
            r"my (upcoming |next )?appointments?\b(?! (with|on|for))|"
            # (not "let me check my calendar": the caller's own diary, looked at before a day is said)
            r"list|check (on )?my(?! (?:own )?(?:calendar|diary|planner|agenda|phone|rota|shifts?|emails?"
            r"|notes)\b)|confirm my|am i (booked|scheduled|seeing)|when am i|remind me"
            r"|(what|which) appointments? (i|i've|do i|have i) (have|got|booked)|appointments? i (have|'ve got|got)"
            r"|what('s| is| have i got) (booked|scheduled|coming up) for me|my bookings"
            # "do we have something booked for him?", "is she booked in?", "anything scheduled for me"
            r"|(do|have) (i|we) (already )?(have|got) (something|anything|an appointment|a visit|appointments|one)"
            r"( [a-z]+)? (booked|scheduled|coming up|on (file|the books))"
            r"|(do|have) you (have|got) (something|anything|an appointment|a visit) (booked|scheduled) for"
            r"|(is|are) (he|she|they|we|i) (booked|scheduled|down)( in)?"
            # "check whether I'm booked in", "see if we have anything scheduled"
            r"|(whether|if) (i|we|he|she|they)('m|'re|'s| am| are| is)? (already |still |currently )?(booked|scheduled)"
            r"|(whether|if) (i|we|he|she|they)( have|'ve| has)( got)? (anything|something|an appointment|a visit)"
            r" (booked|scheduled|coming up|on (file|the books))"
            r"|(anything|something) (booked|scheduled|coming up) for (me|him|her|them|us|my)"
            # "could you check what I've got booked with Dr. Chen?"
            # (not "what has he got on Friday afternoon?": the doctor's free times)
            r"|what (i've|i have|have i) got (booked|scheduled|on|coming up)"
            r"|what (he's|she's|he has|she has|has he|has she) got (booked|scheduled|coming up)"
            # "he's forgotten what time his appointment next week is", "I can't remember when my check-up is"
            r"|(what time|when|what day|which day|what date) (my|his|her|our|their|[a-z]+'s) ([a-z'.-]+ ){0,4}?"
            r"(appointment|appt|visit|check ?up|check-up|follow ?up|physical|jab|vaccination)s?( [a-z.'-]+){0,5}? (is|was|are))\b"
            r"(?! (?:over|done|finished|through)\b)"
            r"|\b(show|tell|read|give|what are)\b.*\bappointments\b"
        ),
    ),
    (
        Intent.BOOK,
        re.compile(
            # ("once I know his school schedule": a timetable, not a booking)
            r"\b(book|(?<!\bmy )(?<!\bhis )(?<!\bher )(?<!\bour )(?<!their )(?<!school )(?<!\bwork )schedule|make an? appointment|new appointment|an appointment|set up|see (a |the )?(doctor|dr|doc|gp)|appt|appts|"
            # "I need to see someone", "I'd like to see somebody": a visit (a staff topic is read before)
            r"(?:need|want|like|have|got) to see (?:someone|somebody|anyone|anybody)\b(?! (?:about|regarding|in|at|from)\b)|"
            # ("the cat refused to come in till three": no visit)
            r"consult|(arrange|organi[sz]e) (a|an|another|my|the)|(?<!refused to )(?<!wouldn't )(?<!would not )come in|get in|available|"
            # "I need to get my son in", "can you fit her in this week"
            r"(?:get|fit|squeeze) (?:me|him|her|them|us|my (?:son|daughter|wife|husband|mum|mom|dad|kid|child|boy|girl|baby|partner"
            r"|father|mother))(?: in| in to see| into see)\b|availability|opening|openings|free (slot|time)s?|appointment"
            r"|check ?up|check-up|physical|consultation|visit|(?:need|want|like|book|make|schedule|get|set up) (?:two|2|three|3|a couple of|a few) (?:appointments|appts|visits)"
            # "if doctor chen has anything this coming monday", "get that seen to", "have it looked at"
            r"|(?:dr|doctor)\.? [a-z'-]+ (?:has|have|got|would have|might have) (?:anything|something|any (?:time|slots?"
            r"|openings?|room|space|availability))|(?:get|have) (?:that|it|this|them|my [a-z]+) (?:seen to|looked at|checked"
            r"(?: out)?|seen by (?:a|the) (?:doctor|dr)))\b"
        ),
    ),
    (
        Intent.PROVIDERS,
        re.compile(
            r"\b(which|what|who are( the)?) (doctors|providers)\b|\bdoctors do you have\b"
            # "do you have a doctor that sees kids", "is there a pediatrician", "any doctors for children?"
            r"|\b(do you have|have you got|is there|are there) (an? |any )?(doctors?|pediatricians?|paediatricians?"
            r"|specialists?|women doctors?|female doctors?|male doctors?)\b(?= (that|who|which|for|there|here|in|at)\b|\W*$)"
        ),
    ),
    (
        Intent.GOODBYE,
        re.compile(
            r"\b(bye|goodbye|good bye|bye bye|hang up|that's all|that is all|that's it|that is it|that's everything"
            r"|that is everything|that'll be all|that will be all|nothing else|nothing more|i'm done|we're done"
            r"|all set|have a good|take care|see you|talk to you later)\b"
        ),
    ),
    (Intent.THANKS, re.compile(r"\b(thanks|thank you|cheers)\b")),
    (
        Intent.DECLINE,
        re.compile(
            r"^\s*(no|nope|nah|not really|no thanks|no thank you|i'm good|i am good|all good)\b"
            r"|\b(none of (those|them|these)|neither|(don't|doesn't|do not|does not|won't) work( for me)?)\b"
        ),
    ),
    (Intent.GREETING, re.compile(r"^\s*(hi|hello|hey|good (morning|afternoon|evening))\b")),
]

_BOOK_PATTERN = next(pattern for intent, pattern in _PATTERNS if intent == Intent.BOOK)
_MY_APPOINTMENT = re.compile(
    r"\b(?:my|our|his|her|their|[a-z]+'s)(?: (?!(?:new|next|first|another|an?|the)\b)[a-z]+){0,2}? "
    r"(?:appointment|appt|vaccination|jab|check ?up|check-up)\b"
)

# "i have the check up thirst day with doctor patel": a visit they have, named with its day or doctor
_THE_ONE_I_HAVE = re.compile(
    # (not "could I have the appointment right after his": one asked for)
    # ("i have the vaccination with doctor rodriguez on monday": the visit named by what it is for)
    r"(?<!can )(?<!could )(?<!may )(?<!\bdo )\bi (?:have|'ve got|have got|got) (?:the|my) (?:[a-z]+ )?(?:appointment|appt"
    r"|check ?up|visit|physical|vaccination|jab|shot|follow[ -]?up|consult(?:ation)?)\b"
    r"(?=[^.?!]{0,40}\b(?:with|on|monday|tuesday|wednesday|thursday|friday|tomorrow|next)\b)"
)
_HAS_THEIR_VISIT = re.compile(
    r"\b(?:has|have|'s got|has got|'ve got) (?:his|her|my|their|our|the) (?:[a-z]+ ){0,2}?"
    r"(?:appointment|appt|visit|booking|check[ -]?up|physical|jab|shot|vaccination|follow[ -]?up)s?\b"
)
_ABOUT_THEIR_VISIT = re.compile(
    # ("this is james wilson about my blood pressure check with doctor chin": a name between)
    # ("calling for my husband james wilson, born ..., about his dr. chen appointment": after a comma)
    r"(?:\b(?:calling|ringing|phoning|call|ring|phone|writing|here|it's|this is)(?: [a-z]+){0,2}? (?:you )?|[,;]\s*)"
    r"(?:about|regarding|re|concerning"
    r"|in regards? to) (?:my|our|his|her|their|[a-z]+'s)(?: [a-z'.]+){0,3}? (?:appointment|appt|visit|booking|check ?up"
    r"|follow[ -]?up|physical|review|consultation"
    r"|jab|vaccination|check)s?\b(?: (?:appointment|appt|visit|booking)s?\b)?"
)

_MY_APPOINTMENT_TO = re.compile(
    r"\b(?:my|our) (?:appointment|appt|booking|visit)s? (?:to|for|till|until|into) (?:the |a )?"
    r"(?=[^.?!]{0,30}?(?:\b(?:mon|tues|wednes|thurs|fri)day\b|\btomorrow\b|\bnext\b|\d))"
)
# words of a visit besides the one the caller has ("book another", "a second one", "set up a new")
_NEW_WORDS = r"book|schedule|new|another|extra|second|additional|set up|make an?"
_A_NEW_ONE = re.compile(rf"\b(?:{_NEW_WORDS})\b")
_ASKS_WHEN = re.compile(r"\b(?:what|when|which|remind|confirm|check|is it|do i have|have i got)\b")

TASKS = (Intent.RESCHEDULE, Intent.CANCEL, Intent.LIST, Intent.BOOK, Intent.PROVIDERS)


_ANOTHER_TIME = re.compile(
    r"\b((can|could) (we|i|you) (do|have|get|try|go for|make it|come)|how about|what about|would .{1,20} work"
    r"|(is|are) .{1,25} (free|available|open)|rather|another (day|time)|other (day|time)|some other"
    r"|(a|the) (different|later|earlier) (day|date|time)|works? better|(put|book) me (in )?for"
    # "I can't make Thursday with Dr Chen. What's he got early next week?"
    r"|what(?:'s| has| does) (?:he|she|they|dr\.? [a-z'-]+|doctor [a-z'-]+)(?: got| have| has)"
    r"|what (?:have you|do you have|else (?:do you|does (?:he|she)) have)|anything (?:else|early|earlier|later))\b"
)


# the caller says to cancel, in so many words ("take me off the schedule", "scrap it")
_SAYS_CANCEL = re.compile(
    rf"\b(cancel\w*|call (it |that )?off|take (me|him|her|us|them|it|that|my name) (off|out){_OFF_NO_LIST}"
    r"|(off|from) (the|your) (schedule|calendar|books|list|diary)"
    rf"|(scrap|scratch|delete|remove|drop) (it|that|this|me|my|the|his|her)\b{_NOT_A_VISIT})"
)
_CHANGED_MIND = re.compile(
    r"\b(?:actually|on (?:second|2nd) thoughts?|you know what|scratch that|forget (?:it|that|the move)|never mind|no wait"
    r"|let's just|let us just|i'll just|i will just|just (?=cancel)"
    r"|come to think of it|rather than (?:move|moving|change|changing|reschedul\w*)(?: it)?)\b"
)
# "instead" said of another visit time: "give me Monday instead", "instead of cancelling"
# (in the same clause: "... with dr chen, my daughter's taking me to her doctor instead" is why)
_INSTEAD_OF_A_VISIT = re.compile(
    r"\binstead of (?:cancel\w*|calling it off)|(?:\d|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|tomorrow|morning|afternoon|week|(?:dr|doctor)\.? (?!instead\b)[a-z]+|time|day|date|reschedul\w*|move|change"
    r"|switch|book\w*)\b)[^.!?,;]{0,60}\binstead\b"
    r"|\binstead\b[^.!?,;]{0,30}(?:\d|\b(?:monday|tuesday|wednesday|thursday|friday|tomorrow|dr|doctor)\b)"
)
_SAYS_MOVE = re.compile(
    r"\b(reschedul\w*|re schedule|rebook\w*|re book|move|moved|change|switch|swap|postpone|push|bring|shift|bump"
    r"|instead|another|different|other (day|time)|rather|later|earlier|sooner)\b"
)


# an appointment the caller (or the one they call for) has: "my son's vaccination appointment"
# "hes got the vaccination thursday" (as a recogniser writes it), "she's got her check-up"
_GOT_A_VISIT = re.compile(
    r"\b(?:he's|hes|she's|shes|i've|ive|we've|he has|she has|i have|we have)\s+got\s+(?:an?\s+|my\s+|his\s+|her\s+"
    r"|the\s+)?(?:[a-z]+\s+)?(?:appointment|appt|visit|booking|check[ -]?up|physical|jab|shot|vaccination)s?\b"
)
_THEIR_VISIT = re.compile(
    r"\b(?:my|his|her|our|their|[a-z]+'s)\s+(?:(?!(?:a|an|the|some)\b)[a-z]+(?:'s)?\s+){0,2}?"
    r"(?:appointment|appt|visit|booking|check[ -]?up|physical|jab|shot|vaccination)s?\b"
    # "I have appointment tuesday with doctor chen", "he have consult with doctor rodriguez" (a
    # learner's or a typist's words)
    r"|\b(?:i|we|he|she) (?:have|has|got|had) (?:an? |my |the )?(?:appointment|appt|visit|booking|check[ -]?up"
    r"|consult(?:ation)?)\b"
    r"|" + _GOT_A_VISIT.pattern
)
_OTHER_TIME_FOR_IT = re.compile(
    r"\b(?:(?:the|that) same day\b(?! as)|same day (?:but|at|only|just|,|\?|$)|(?:can|could) (?:we|i|you|it|he|she) "
    r"(?:do|have|make it|be|go|get|come)\b.{0,30}\b(?:instead|later|earlier|sooner|after|before)\b"
    # "possible later, like 4:30?", "too late for me ... can it be 9 o'clock", "same time but friday"
    r"|(?:a bit |a little |any )?(?:later|earlier|sooner)\b|too (?:late|early)\b|(?:can|could) (?:it|that) be\b"
    r"|same time (?:but|on|next|the|,)"
    # "... but there's a school trip, can we do tuesday the fourteenth": another day for it
    r"|(?:can|could) (?:we|you) (?:do|make it|have it|go for|move it to)\s+(?:on\s+)?(?:the\s+)?(?:next\s+)?"
    r"(?:monday|tuesday|wednesday|thursday|friday|\d{1,2}(?:st|nd|rd|th))\b)"
)
_HAVE_ONE = re.compile(
    r"(?<!can )(?<!could )(?<!may )(?<!do )(?<!would )(?<!\bif )(?<!when )"
    # ("my son lucas garcia, april 8 2015, has an appointment ...": the year of his birth before it)
    # ("he have consult with doctor rodriguez": a learner's, with no article)
    r"\b(?:(?:i|we|they)(?: have|'ve got| have got| got)|(?:he|she|[a-z]+|\d{4},?)(?: has|'s got| has got| got)"
    r"|(?:he|she) have)"
    r" (?:an? )?"
    # ("he has a vaccination appointment with Dr. Rodriguez": what it is for, between)
    r"(?:(?:vaccination|blood pressure|follow[ -]?up|check[ -]?up|annual|school|physical|flu) )?"
    r"(?:appointment|appt|visit|booking|consult(?:ation)?)(?: (?:with|on|at|next|this) [^.,;!?]*)?"
)
_WEEKDAY_OR_DATE = (
    r"(?:monday|tuesday|wednesday|thursday|friday|tomorrow|\d{1,2}(?:st|nd|rd|th)|(?:january|february|march|april"
    r"|may|june|july|august|september|october|november|december) \d|\d{1,2} of [a-z]+)"
)
_THEIR_VISIT_ON_A_DAY = re.compile(
    rf"(?:{_HAS_THEIR_VISIT.pattern}|{_GOT_A_VISIT.pattern}"
    # (not "can I have an appointment with Dr Patel tomorrow? I could do 11:30": one asked for)
    r"|(?<!\bcan )(?<!\bcould )(?<!\bmay )\b(?:i|we|he|she) (?:have|has) (?:an? )?appointment\b"
    # "I have Dr. Rodriguez at 9:30 on Tuesday the 30th"
    r"|\b(?:i|we|he|she)(?: have|'ve got|'ve| has|'s got) (?:dr|doctor)\.? [a-z'-]+"
    # "my 2:30 with doctor chin on monday"
    r"|\bmy \d{1,2}(?::\d\d)?(?: ?[ap]m| o'clock)? (?:appointment |appt )?with (?:dr|doctor)\.? [a-z'-]+)"
    rf"(?:[^.!?;]|(?<=dr)\.){{0,40}}?\b{_WEEKDAY_OR_DATE}"
)
_ANOTHER_DAY_ASKED = re.compile(
    r"(?:[.!?;,]\s*|\s)(?:so\s+|and\s+|but\s+)?(?:(?:we|i|he|she|they)(?:'d| would) (?:need|like|prefer|want)"
    r"|(?:could|can) (?:we|i|he|she|it|you) (?:have|do|get|go for|be|make it)\b"
    # "that day we are travelling. we can come the friday 2 of february": a learner's order
    r"|(?:we|i|he|she|they) (?:can|could) (?:come|do|make it|go)\b|any chance (?:of|for|on)\b)[^.!?;]{0,40}?\b"
    # ("could it be 10:30 the same day?": a time on it)
    rf"(?:{_WEEKDAY_OR_DATE}|\d{{1,2}}:\d\d|\d{{1,2}} ?(?:am|pm)\b|(?:the )?same day|that day)"
)
_CANCEL_AND_BOOK = re.compile(
    r"\bcancel\b[^.?!]{0,80}?(?:\b(?:and|then|but)|&)\s+(?:then\s+|instead\s+|please\s+|can you\s+|could you\s+)?"
    r"(?:book|schedule|make)\s+(?:me|him|her|us|them|an?|another|a new|new|with|in|for)\b"
)
# "Please cancel my Tuesday appointment with Dr. Patel - I'd rather see Dr. Chen instead": the
# cancellation said, and a visit with the other doctor
_CANCEL_FOR_ANOTHER_DOCTOR = re.compile(
    r"\bcancel\b[^?!]{0,80}?\b(?:i|we|he|she)(?:'d| would) (?:rather|prefer to|like to) see (?=(?:dr|doctor)\b)"
)
_NO_NEW_BOOKING = re.compile(
    r"\b(?:don't|do not|dont|no need to|not) (?:book|make|schedule) (?:a new one|a new appointment|another one|another"
    r"|a second one|me a new)\b"
)
_NO_LONGER_NEEDED = re.compile(
    r"\b(?:don't|do not|dont|no longer|won't|will not) (?:need|want) (?:it|that|this|the appointment|my appointment)"
    r"(?: (?:more|anymore|any more|any longer|now))?\b"
)
_BOOKED_IN = re.compile(
    r"\b(?:i am|i'm|we are|we're|he is|he's|she is|she's) (?:already |actually )?booked(?: in)? (?:with|for|on|to see"
    # "I'm booked in that Thursday morning with Dr. Patel": the day of the one they have, then who
    r"|(?:(?:that|this|next|on) )?(?:monday|tuesday|wednesday|thursday|friday|tomorrow)\b)"
)
_HAS_A_DOCTOR = re.compile(
    r"(?<!can )(?<!could )(?<!may )(?<!do )(?<!would )(?<!will )(?<!\bif )(?<!when )(?<!does )(?<!can't )"
    # ("my son lucas garcia has dr rodriguez next week": a name before "has" too)
    r"(?<!')\b(?:i|we|he|she|they|(?!who\b|which\b|what\b|anyone\b|nobody\b|you\b|u\b|ya\b|y'all\b)[a-z]+)(?: have| has|'ve got|'s got| got| have got"
    r"| has got) (?:an? (?:appointment|appt|visit|\d{1,2}(?::\d\d)?(?: ?[ap]m| o'clock)?) )?(?:with )?(?:dr|doctor)\b"
)
_A_VISIT_THEY_HAVE = re.compile(
    r"\b(?:my|his|her|our|their) (?:[a-z]+ ){0,2}(?:appointment|appt|visit|check ?up|follow ?up|booking)\b"
    r"|\b(?:i'm|i am|he's|he is|she's|she is|we're|we are) (?:seeing|booked (?:in )?with|down for) (?:dr|doctor)\b"
    # "I'm seeing him this Friday" (the doctor just named)
    r"|\b(?:i'm|i am|he's|he is|she's|she is|we're|we are) seeing (?:him|her) (?:(?:this|next|on) )?"
    r"(?:monday|tuesday|wednesday|thursday|friday|tomorrow)\b"
    r"|(?<!can )(?<!could )(?<!may )(?<!\bdo )\b(?:i've got|i have got|i have|i've|he's got|she's got|he has|she has"
    r"|we have) (?:an? |the )?(?:[a-z]+ ){0,3}(?:appointment|appt|visit|check ?up|follow ?up)\b"
)
# "I'd like it later in the day", "but I'd like to go earlier", "we'd rather come in a bit later": the
# visit said before it, at another time
_WANTS_IT_SHIFTED = re.compile(
    r"\b(?:i|we|he|she|they)(?:'d| would) (?:like|prefer|rather|want|love)(?: to)?"
    r"(?: (?:go|come|come in|be seen|have it|make it|move it|get it|it|do it|have the appointment))?"
    r"(?: (?:a bit|a little|slightly|much|an hour|a few hours|a day|a week))? (?:earlier|later|sooner)\b"
)
_DOES_NOT_FIT = re.compile(
    r"\b(?:won't|will not|doesn't|does not|isn't going to|is not going to|not going to) (?:work|suit)\b"
    r"|\btoo (?:early|late|soon)\b|\b(?:clashes|conflicts)\b"
)
# "Tuesday isn't going to work for my check-up", "the 9th doesn't suit for his jab any more": the
# day of a visit they have that does not fit, so it goes elsewhere (which day is asked)
_ITS_DAY_DOES_NOT_FIT = re.compile(
    rf"\b(?:{_WEEKDAY_OR_DATE}|that day|that time|the time)\b(?:,? (?:isn't|is not|won't|will not|doesn't|does not"
    r"|no longer|is no longer) (?:going to |gonna )?(?:work|suit)s?\b(?: out)?|(?: is|'s) no good)(?: any ?more)? for "
    r"(?:me |us |him |her |them )?(?:for )?(?:my|his|her|our|their|[a-z]+'s) (?:[a-z]+ ){0,2}?(?:appointment|appt"
    r"|visit|booking|check[ -]?up|follow[ -]?up|physical|jab|shot|vaccination)\b"
    # "my check-up on Tuesday isn't going to work", "his appointment Friday is no good now"
    r"|\b(?:my|his|her|our|their|[a-z]+'s) (?:[a-z]+ ){0,2}?(?:appointment|appt|visit|booking|check[ -]?up"
    r"|follow[ -]?up|physical|jab|shot|vaccination)\b(?:[^.?!]|(?<=dr)\.){0,40}?\b(?:(?:isn't|is not|won't|will not|doesn't"
    r"|does not|is no longer) (?:going to |gonna )?(?:work|suit)s?|(?:is|'s) no good)\b"
)
_THAT_DAYS_ONE_MOVED = re.compile(
    r"\bthe (?:monday|tuesday|wednesday|thursday|friday|\d{1,2}(?:st|nd|rd|th)) (?:one|appointment|appt|visit)"
    r" (?:a (?:bit|little|day|week) )?(?:earlier|later|sooner)\b"
)
_MAKE_IT_ANOTHER = re.compile(
    r"\b(?:can|could|may) (?:we|you|i) (?:make it|make that|have it|do it|switch it|change it to)\b"
)
_OTHER_TIMES_ASKED = re.compile(
    r"\bwhat (?:else )?(?:does|do|would|could|can) (?:he|she|they|you|dr\.? [a-z'-]+|doctor [a-z'-]+) (?:have|offer|do)\b"
    r"|\b(?:later|earlier) (?:that|the same|in the) day\b|\b(?:anything|something) (?:else|later|earlier)\b"
    r"|\banother (?:day|time)\b"
)
# "I got a reminder text for Monday with Dr. Chen": the visit they have, by its reminder
_REMINDED = re.compile(
    r"\b(?:got|had|received|receive|get|saw)\s+(?:a|an|the|my|this|that|your)\s+(?:[a-z]+\s+)?reminder\b[^.?!]*"
)
_A_VISIT_TOLD = re.compile(
    rf"{_A_VISIT_THEY_HAVE.pattern}|{_HAS_A_DOCTOR.pattern}|{_THEIR_VISIT.pattern}|{_REMINDED.pattern}"
    r"|\b(?:my|his|her|our|their) (?:[a-z]+ ){0,2}follow[ -]?up\b"
    r"|\b(?:my|his|her|our|their) (?:dr|doctor)\.? [a-z'-]+ (?:appointment|appt|visit|check ?up|follow ?up)\b"
)
# "get one", "one for me", "see me": a visit of its own
_ONE_OF_ITS_OWN = r"(?:get|have|need|want|grab|take) one|one (?:for|too|as well)|(?:see|for) me"
# "can I get one", "one for me too", "another": a visit of its own (not "could I have the same time")
_ONE_MORE = re.compile(rf"\b(?:{_ONE_OF_ITS_OWN}|also|as well|too|{_NEW_WORDS})\b")
# "could it be ...", "could you put it ...", "can you slide it ...", "could I have ...": asked of it
_IT_SHIFTED = re.compile(
    r"\b(?:could|can|would|will|may) (?:it|you|we|i|he|she|that) (?:be|put|slide|push|bump|move|shift|have|do"
    r"|make|go|get|change|switch|bring)\b|\b(?:put|slide|push|bump|shift|move|bring) (?:it|that|him|her)\b"
)
_TOO_LATE_FOR = re.compile(r"\btoo (?:late|early|soon) for (?:me|us|him|her|them)\b")
_A_NEW_VISIT = re.compile(
    # ("his appointment ... is too early": how it suits, not one more)
    rf"\b(?:{_NEW_WORDS}|arrange|also|as well|too(?! (?:early|late|soon|far|much|busy|long|short|close|tight)\b)"
    # "can I get one the same day as his?": a visit of the caller's own beside someone else's
    rf"|(?:can|could|may) i (?:get|have|book|grab|take|see|come)|{_ONE_OF_ITS_OWN})\b"
)


# "I have one with Dr Patel Friday morning", "his appointment on Wednesday the 30th with doctor
# rodriguez", "my check-up on the 9th": a visit they have, placed by its doctor or its day
_THEIR_VISIT_PLACED = re.compile(
    r"(?:(?<!can )(?<!could )(?<!may )(?<!\bdo )(?<!\bif )\b(?:i|we|he|she)(?: have|'ve got| have got| has| has got"
    r"|'s got| got) one"
    r"|\b(?:my|his|her|our|their) (?:[a-z]+ ){0,2}?(?:appointment|appt|visit|check[ -]?up|follow[ -]?up|booking"
    r"|physical|jab|shot|vaccination)s?)\b"
    rf"(?:[^.?!;]|(?<=dr)\.){{0,25}}?\b(?:with (?:dr|doctor)\b|(?:on |this |next |for )?{_WEEKDAY_OR_DATE})"
)
# ("I want to make my appointment for Friday": the one asked for, not one they have)
_ASKED_FOR_JUST_BEFORE = re.compile(
    r"\b(?:make|get|set up|arrange|want|need|like|book|schedule|fit|squeeze)(?: in)?\s+$"
)
# "... and need it later in the day", ", we'd like Tuesday the 29th at 10 am": wished at another time
_WISHED_AT_ANOTHER_TIME = re.compile(
    rf"{_WANTS_IT_SHIFTED.pattern}"
    r"|\b(?:need|want|needs|wants) it (?:to be )?(?:moved )?(?:a bit |a little |an hour |a day |a week )?"
    r"(?:earlier|later|sooner)\b"
    rf"|{_ANOTHER_DAY_ASKED.pattern}"
)


def _placed_visit_wished_elsewhere(text: str) -> bool:
    """ "I have one with Dr Patel Friday morning and need it later in the day, 4pm Friday?", "his
    appointment on Wednesday the 30th with doctor rodriguez, we'd like Tuesday the 29th at 10 am": the
    visit they have, then another day or time wished, no new one said (not "... and I'd like one too")."""
    visit = _THEIR_VISIT_PLACED.search(text)
    if visit is None or _ASKED_FOR_JUST_BEFORE.search(text[: visit.start()]):
        return False
    wish = _WISHED_AT_ANOTHER_TIME.search(text, visit.end())
    return (
        wish is not None
        and not _A_NEW_ONE.search(text)
        and not _A_NEW_VISIT.search(_TOO_LATE_FOR.sub(" ", text[visit.end() :]))
        and not _another_doctor_after(text, wish.start())
    )


# a time or day asked ("can I get 4pm?", "Thursday at 3?", "something later?")
_A_TIME_ASKED = re.compile(
    rf"\b(?:{_WEEKDAY_OR_DATE}|\d{{1,2}}:\d\d|\d{{1,2}} ?(?:am|pm)|noon|later|earlier|sooner|morning|afternoon)\b"
)


# ("two weeks after my last visit ... could I have 11am that day?", "I'm booking the follow-up we
# agreed at my appointment last week": a visit had, the new one asked for is no move of it)
_A_PAST_VISIT = re.compile(
    r"\b(?:last|previous|past|recent|was|were|had|ago|yesterday|booking|follow[ -]?up|agreed|after my)\b"
)


def unclear_move_or_another(text: str) -> bool:
    """ "I have one with Dr Patel on Thursday. Can I get 4pm?": a visit they have told, then a time
    asked that may be for it or for one more; which is asked (a second visit is never booked beside
    it on a guess). Not when "book", "new", "another", "second", "also" or another doctor is said."""
    visit = _THEIR_VISIT_PLACED.search(text)
    if visit is None or _ASKED_FOR_JUST_BEFORE.search(text[: visit.start()]) or _A_PAST_VISIT.search(text):
        return False
    after = text[visit.end() :]
    return (
        _A_TIME_ASKED.search(after) is not None
        and not _A_NEW_ONE.search(text)
        and not _ONE_MORE.search(after)
        and not _another_doctor_after(text, visit.end())
    )


def wants_their_visit_shifted(text: str) -> bool:
    """ "I'm booked in that Thursday morning with Dr. Patel and I'd like it later in the day": a visit
    they have, told, then wished earlier or later (not "... and I'd like one too")."""
    if _placed_visit_wished_elsewhere(text):
        return True
    visit = _A_VISIT_TOLD.search(text) or _BOOKED_IN.search(text)
    wish = _WANTS_IT_SHIFTED.search(text, visit.end()) if visit is not None else None
    return (
        visit is not None
        and wish is not None
        # (not "I need to book my physical with Dr. Patel, I'd prefer later in the day": a booking)
        and not _A_NEW_ONE.search(text)
        and not _ONE_MORE.search(text[visit.end() :])
        # (the doctor of the visit may be named after its day: "... Thursday morning with Dr. Patel")
        and not _another_doctor_after(text, wish.start())
    )


# "His appointment on Wednesday the 24th with Dr. Rodriguez - what's free the following week?": free
# times asked for, said from the visit they have (the week after it, later, another day)
_FREE_TIMES_FROM_IT = re.compile(
    r"\b(?:what(?:'s| is| else is)|anything|something|what do you have|what have you got|what does (?:he|she) have)"
    r"\b[^.?!]{0,15}?\b(?:free|available|open|going)?\b[^.?!]{0,10}?\b(?:the following|the week after|the day after"
    r"|the next day|later that|earlier that|later in|earlier in|a day later|a week later|another|a different|instead)\b"
)


def asks_free_times_from_their_visit(text: str) -> bool:
    """ "his appointment on Wednesday the 24th with Dr. Rodriguez - what's free the following week?":
    other times for the visit they have (not "... and what's free for me the week after")."""
    visit = _A_VISIT_TOLD.search(text)
    asked = _FREE_TIMES_FROM_IT.search(text, visit.end()) if visit is not None else None
    return (
        visit is not None
        and asked is not None
        and not _A_NEW_ONE.search(text)
        and not _A_NEW_VISIT.search(text[visit.end() :])
        and not _another_doctor_after(text, asked.start())
    )


def _another_doctor_after(text: str, at: int) -> bool:
    """A doctor named after `at` that was not named before it ("I have my check-up with Dr Chen on
    Monday, and I'd like to see Dr Patel on Friday": a visit of its own)."""
    return bool(set(DOCTOR_NAMED.findall(text[at:])) - set(DOCTOR_NAMED.findall(text[:at])))


def intents(text: str) -> list[Intent]:
    """All intents found, most specific first (a reschedule mentions an appointment too)."""
    text = _UNDECIDED.sub(" ", text)
    if (kept := keeping.keeps_the_other(text)) is None:
        return _intents(text)
    # "an extra appointment, not change the one I have": read without the kept one's words; a
    # visit on top of it is a booking
    rest, extra = kept
    found = _intents(rest)
    if extra:
        found = [i for i in found if i != Intent.LIST]
        if Intent.BOOK not in found:
            found.append(Intent.BOOK)
    elif task_of(found) is None:  # "I'll keep my appointment": no move, no cancellation, no booking
        found = [i for i in _intents(text) if i not in (Intent.RESCHEDULE, Intent.CANCEL, Intent.BOOK)]
    return found


_NOT_THIS_VERB = re.compile(
    r"\b(?:not|don't|do not|dont|no need to|rather than|instead of)\s+(?:to\s+|want to\s+|wanna\s+|an?\s+)?"
    r"(reschedul\w*|re schedule|rebook\w*|re book|move|change|cancel\w*)\b(?:\s+it|\s+(?:to|of) (?:my|the) (?:existing|current|other) one)?"
    # "cancel: Tue 28th 10:00, Dr Patel - no rebook": a list's "no rebooking"
    r"|\bno (rebook\w*|re book\w*|reschedul\w*)\b"
)


def _denied_verb(denied: re.Match[str]) -> str:
    """The verb `_NOT_THIS_VERB` found denied ("not cancel", "no rebook")."""
    return denied.group(1) or denied.group(2)


_VERB_CORRECTED = re.compile(
    # ("I want to move... sorry, cancel": the trailing dots of a word broken off)
    r"\b(?:reschedul\w*|re schedule|move|change|cancel\w*)\b(?:[^.?!]|\.{2,}|…){0,12}?[\s,]+(?:no|sorry|i mean|i meant|actually"
    r"|or rather|rather|wait)\b(?:[\s,]+(?:no|sorry|i mean|i meant|actually|wait))*[\s,]+(?:to\s+)?"
    r"(?P<to>reschedul\w*|re schedule|move|change|cancel\w*)\b"
)
_GIVEN_UP = re.compile(
    r"\b(?:i|we|he|she)\s+(?:was|were|had been|'d been)\s+(?:going to|gonna|planning to|planning on|thinking of"
    r"|thinking about|about to|meaning to|hoping to)\s+(reschedul\w*|re schedule|mov\w*|chang\w*|push\w*|cancel\w*)\b"
    # "I thought about rescheduling, but ...", "I considered moving it, but ..."
    r"|\b(?:i|we|he|she)\s+(?:thought about|thought of|considered|wondered about)\s+(reschedul\w*|mov\w*|chang\w*"
    r"|cancel\w*)\b(?=[^.?!]{0,30}\bbut\b)"
)
# "I'm not sure whether to move or cancel ... hmm. Cancel it": the two weighed, not both asked
_UNDECIDED = re.compile(
    r"\b(?:not sure|don't know|do not know|can't decide|cannot decide|wondering) (?:whether|if) (?:i should |to )?"
    r"(?:move|reschedule|change|cancel)(?: it| my [a-z]+(?: [a-z]+){0,3}?)? or (?:(?:to )?(?:move|reschedule|change|cancel))"
    r"(?: it)?\b"
    # "we'll rebook once I know his schedule": later, not now
    r"|\b(?:we'll|i'll|we will|i will|we can|i can)\s+(?:re ?book|reschedule|book again)\b[^.?!]{0,20}?\b(?:once|when|later"
    r"|after|another time)\b"
    # "I'd rather not pick a new day right now", "I can't decide on a new day yet": no other time asked
    r"|\b(?:rather not|don't want to|do not want to|not ready to|can't|cannot|won't)\s+(?:pick|choose|set|decide on|book"
    r"|find|commit to)\s+(?:a |another |any )?(?:new |other |different )?(?:day|time|date|one)\b"
    # "I thought about rescheduling, but ...": weighed and let go
    r"|\b(?:i|we) (?:thought about|thought of|considered) (?:reschedul\w*|moving(?: it)?|changing(?: it)?)\b,?\s*(?:but\b)?"
)
_A_YEAR = re.compile(r"\s*,?\s*(?:19|20)?\d\d\b(?!\s*(?::|am|pm|o'clock))")
_NUMERIC_DATE = re.compile(r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}\b")


def _days_named(text: str) -> int:
    """How many days are named ("wednesday the 9th" is one), a date of birth left out."""
    text = _NUMERIC_DATE.sub(" ", text)  # "7/23/90"
    days, end = 0, -10
    for d in day_phrases(text):
        if not _A_YEAR.match(text, d.end()):
            same = d.start() - end <= 3 and re.search(r"\d", d.group(0)) is not None  # "friday, the 4th"
            days, end = days + (not same), d.end()
    return days


# booking again some other time, said with a cancellation: "please cancel it; I will contact you
# to rebook at a later date", "I'll rebook when I'm back": not a move asked for now
_REBOOK_LATER = re.compile(
    r"\b(?:i'll|ill|i will|we'll|well|we will|i shall|i can|i'd|i would|i'll have to|i'll need to|i will need to)\s+"
    r"(?:(?:contact|call|ring|phone|email|get back to|get in touch with|reach out to)\s+(?:(?:you|the office|the clinic|"
    r"you guys|the practice)\s+)?(?:back\s+)?(?:again\s+)?(?:(?:in|next|after|around)\s+[a-z]+\s+)?(?:to|and)\s+)?"
    r"(?:rebook|re book|reschedule|re ?arrange|book again|make another"
    r"(?: one| appointment)?|book another(?: one| appointment)?|(?:book|make) a new (?:one|appointment))\b[^.;!?]*"
    r"|\b(?:rebook|reschedule|re ?arrange|book again)\s+(?:(?:it|that|with (?:him|her|them|(?:dr|doctor)\.? [a-z'-]+))\s+)?"
    r"(?:at a later date|later|another time|some other time|when[^.;!?]*)"
    # "please cancel it, we don't need another time right now", "no, I don't want another time": no
    # other time wanted
    r"|\b(?:don't|do not|dont|won't|will not|no longer) (?:need|want) (?:an?other|a new|a different|any other|other)"
    r" (?:time|day|date|appointment|appt|one|slot|booking)\b[^.;!?]*"
    r"|\bno need (?:for|to book) (?:an?other|a new) (?:time|day|date|appointment|one)\b[^.;!?]*"
    # "cancel it please, i'll call back another time": the call, not the appointment, is for later
    r"|\b(?:i'll|i will|we'll|we will|i can|i'd|i'll just)\s+(?:call|ring|phone|get back to you|be in touch)"
    r"(?:\s+(?:you|you guys|the office))?(?:\s+back)?\s+(?:another time|some other time|later|another day|when[^.;!?]*)"
    # "please cancel that booking, I'll sort it out another time": the caller sees to it later
    r"|\b(?:i'll|i will|we'll|we will|i'm going to|i'm gonna)\s+(?:just\s+)?(?:sort|figure|work|deal|arrange|look"
    r"|see|try|organi[sz]e)\b[^.;!?]{0,25}?\b(?:another|some other|a different) (?:time|day)\b"
)


# (not "I won't be able to come in on Friday to see Dr Chen": the visit they have)
_CANT_ON_A_DAY = re.compile(
    rf"\b{_CANT} (?:make|do|come|attend)(?: in| to)?(?: on)? (?:the )?(?:{_DAYS})\b(?!\s+(?:to|for|with)\b)"
)


def _intents(text: str) -> list[Intent]:
    text = story_words.as_asked(text)  # the caller's story told beside the request asks for nothing
    if _REBOOK_LATER.search(text) and _SAYS_CANCEL.search(text):
        text = _REBOOK_LATER.sub(" ", text)
    if _SAYS_CANCEL.search(text):  # "cancel my tuesday appointment and call back later": no move "later"
        text = re.sub(
            r"\b(?:call|ring|phone) (?:you |you guys )?back\b(?: later| another time| some other time)?",
            " ",
            text,
        )
    found = [intent for intent, pattern in _PATTERNS if pattern.search(text)]
    if (
        Intent.CANCEL in found
        and Intent.RESCHEDULE not in found
        and not _SAYS_CANCEL.search(text)
        and _days_named(text) >= 2  # "I can't make Friday, ... Monday at 2?", "Friday doesn't work, the 9th?"
    ):
        found[found.index(Intent.CANCEL)] = Intent.RESCHEDULE
    # "I need to see Dr Chen early next week. I can't do Monday, so Tuesday": a day the booking
    # is not for, no appointment of theirs
    if (
        Intent.BOOK in found
        and (Intent.RESCHEDULE in found or Intent.CANCEL in found)
        and not _THEIR_VISIT.search(text)
        and (rest := _CANT_ON_A_DAY.sub(" ", text)) != text
    ):
        left = [intent for intent, pattern in _PATTERNS if pattern.search(rest)]
        if Intent.BOOK in left and Intent.RESCHEDULE not in left and Intent.CANCEL not in left:
            found = left
    # "and instead book me with Dr Chen on the 3rd" (after a cancellation): a booking, "instead" no move
    if (
        Intent.RESCHEDULE in found
        and Intent.BOOK in found
        and re.search(r"\bbook (?:me|him|her|us|them|an?|another|with|in|for|something|one)\b", text)
        and not re.search(
            r"\b(?:reschedul\w*|re schedule|move|change|switch|swap|push|shift|postpone|bring|bump)\b", text
        )
        and not _THEIR_VISIT.search(text)
    ):
        found.remove(Intent.RESCHEDULE)
    # "cancel, not reschedule, just cancel" / "don't cancel it, move it": the verb said with "not" is
    # not the request, when the other one is said outside it
    if Intent.RESCHEDULE in found and Intent.CANCEL in found and (denied := _NOT_THIS_VERB.search(text)):
        rest = _NOT_THIS_VERB.sub(" ", text)
        verb = _denied_verb(denied)
        if verb.startswith("cancel") and _SAYS_MOVE.search(rest):
            found.remove(Intent.CANCEL)
        elif not verb.startswith("cancel") and _SAYS_CANCEL.search(rest):
            found.remove(Intent.RESCHEDULE)
    # "I need to reschedule, no, sorry, cancel his appointment": the verb said after the correction
    if Intent.RESCHEDULE in found and Intent.CANCEL in found and (fixed := _VERB_CORRECTED.search(text)):
        found.remove(Intent.RESCHEDULE if fixed.group("to").startswith("cancel") else Intent.CANCEL)
    # "I was gonna move my appointment ..., but just cancel it": the verb given up is not the request
    if Intent.RESCHEDULE in found and Intent.CANCEL in found and (given_up := _GIVEN_UP.search(text)):
        rest = _GIVEN_UP.sub(" ", text)
        verb = given_up.group(1) or given_up.group(2)
        if verb.startswith("cancel") and _SAYS_MOVE.search(rest):
            found.remove(Intent.CANCEL)
        elif not verb.startswith("cancel") and _SAYS_CANCEL.search(rest):
            found.remove(Intent.RESCHEDULE)
    # "NEW appt (not a change to my existing one): Dr Chen Fri": a booking, the move denied
    if (
        Intent.RESCHEDULE in found
        and (denied := _NOT_THIS_VERB.search(text)) is not None
        and not _denied_verb(denied).startswith("cancel")
        and not _SAYS_MOVE.search(rest := _NOT_THIS_VERB.sub(" ", text))
        and re.search(r"\b(?:new|another|book|second)\b", rest)
    ):
        found = [Intent.BOOK, *(i for i in found if i not in (Intent.RESCHEDULE, Intent.BOOK))]
    # "cancel" in "reschedule instead of cancel" is the reschedule; "move" + "cancel" likewise
    if Intent.RESCHEDULE in found and Intent.CANCEL in found and re.search(r"\binstead\b", text):
        if _INSTEAD_OF_A_VISIT.search(text) or not _SAYS_CANCEL.search(text):
            found.remove(Intent.CANCEL)
        elif not _SAYS_MOVE.search(re.sub(r"\binstead\b", " ", text)):
            # "cancel my appointment ... my daughter's taking me to a specialist instead": why, no move
            found.remove(Intent.RESCHEDULE)
    # "I won't be able to make that, can you cancel it?": "make that" is no move when the caller
    # says cancel and names nothing else to move to
    if Intent.RESCHEDULE in found and Intent.CANCEL in found and _SAYS_CANCEL.search(text):
        if not _SAYS_MOVE.search(text):
            found.remove(Intent.RESCHEDULE)
    # "I can't come Thursday anymore, can we do next Thursday": not coming then, but another time;
    # "I cannot come on friday, put my appointment one week later": a time said from the appointment
    if (
        Intent.CANCEL in found
        and Intent.RESCHEDULE not in found
        and (_ANOTHER_TIME.search(text) or shift_of(text))
        # (not "the week after is out too. please just cancel it")
        and not re.search(r"\b(?:just|please|go ahead and|simply) cancel\b", text)
    ):
        found[found.index(Intent.CANCEL)] = Intent.RESCHEDULE
    # "I want to move my appointment to... actually, just cancel it": the caller's last word is the task
    if Intent.RESCHEDULE in found and Intent.CANCEL in found:
        later = _CHANGED_MIND.split(text)[-1] if _CHANGED_MIND.search(text) else ""
        # ("... actually, no, please cancel it instead": "instead" of the move given up)
        if (
            _SAYS_CANCEL.search(later)
            and not _SAYS_MOVE.search(re.sub(r"\binstead\b", " ", later))
            and shift_of(later) is None
        ):
            found.remove(Intent.RESCHEDULE)
    # "I'm calling about my son's vaccination appointment - can we do the same day but after school?":
    # another time for an appointment they have, asked for without a verb of moving it
    booked_in = _BOOKED_IN.search(text) is not None  # "I am booked with Dr Chen on Friday ..."
    if (
        (
            Intent.BOOK in found
            or booked_in
            # nothing else asked: "hes got the vaccination thursday ... can we do tuesday", "he has
            # his vaccination ... next monday. is there something later that morning?" (not "he
            # needs his flu shot ... could she do it the monday after": a visit of its own)
            or (
                not set(found) - {Intent.GREETING, Intent.THANKS}
                and (_GOT_A_VISIT.search(text) is not None or _HAS_THEIR_VISIT.search(text) is not None)
            )
        )
        and not {Intent.RESCHEDULE, Intent.CANCEL} & set(found)
        and (Intent.LIST not in found or not _ASKS_WHEN.search(text))  # "when is it? can it be later?"
        and (booked_in or _THEIR_VISIT.search(text))
        and _OTHER_TIME_FOR_IT.search(text)
        and (
            not _A_NEW_VISIT.search(_TOO_LATE_FOR.sub(" ", text))  # "it's too late for me": not one for me
            or (booked_in and not _A_NEW_ONE.search(text))  # "... could I come the day before"
        )
    ):
        found = [Intent.RESCHEDULE, *(i for i in found if i not in (Intent.BOOK, Intent.LIST))]
    # "I have my blood pressure appointment with Dr. Chen on Thursday the 8th ... she has to work
    # that afternoon. So we'd need the morning of Friday, February 9th": another day asked for a
    # visit they have, described with its day
    if (
        not {Intent.RESCHEDULE, Intent.CANCEL} & set(found)
        and (visit := _THEIR_VISIT_ON_A_DAY.search(text)) is not None
        and _ANOTHER_DAY_ASKED.search(text, visit.end()) is not None
        and not _A_NEW_VISIT.search(text[visit.end() :])
        # (not "I have my check-up with Dr Chen on Monday, and I'd like to see Dr Patel on Friday":
        # another doctor, a visit of its own)
        and not _another_doctor_after(text, visit.end())
    ):
        found = [Intent.RESCHEDULE, *(i for i in found if i not in (Intent.BOOK, Intent.LIST))]
    # "I have an appointment with Dr Chen" and nothing asked yet: that one (which it is comes first),
    # not a new booking
    if (
        Intent.BOOK in found
        and not {Intent.RESCHEDULE, Intent.CANCEL} & set(found)
        and _HAVE_ONE.search(text)
        and not _BOOK_PATTERN.search(_HAVE_ONE.sub(" ", text))
    ):
        found = [Intent.LIST, *(i for i in found if i not in (Intent.BOOK, Intent.LIST))]
    # "My Friday appointment with Dr. Chen won't work. What does he have next week?", "I'm seeing Dr.
    # Patel on Friday but 10 is too early. What does she have later that day?": that visit, moved
    if (
        not {Intent.RESCHEDULE, Intent.CANCEL} & set(found)
        and (_A_VISIT_THEY_HAVE.search(text) or _HAVE_ONE.search(text))
        and (
            (_DOES_NOT_FIT.search(text) and _OTHER_TIMES_ASKED.search(text))
            # "I've got a blood pressure appointment with Dr. Chen on Wednesday. Can we make it Thursday?"
            or _MAKE_IT_ANOTHER.search(text)
        )
    ):
        found = [Intent.RESCHEDULE, *(i for i in found if i not in (Intent.BOOK, Intent.DECLINE))]
    # "I'm booked in that Thursday morning with Dr. Patel and I'd like it later in the day", "I'm
    # seeing him this Friday but I'd like to go earlier": the visit they have, wished at another time
    # (never a second booking beside it)
    if not {Intent.RESCHEDULE, Intent.CANCEL} & set(found) and (
        wants_their_visit_shifted(text) or asks_free_times_from_their_visit(text)
    ):
        found = [
            Intent.RESCHEDULE,
            *(i for i in found if i not in (Intent.BOOK, Intent.LIST, Intent.DECLINE)),
        ]
    # "I'm seeing Dr. Chen on Friday at 2:30. Could it be an hour earlier, same day?", "my follow-up
    # with Dr. Chen ... could you put it a week later?", "I've got Dr. Patel on Tuesday. Could I have
    # the same time but the day after?": a visit they have, and an amount or side to move it by
    if (
        not {Intent.RESCHEDULE, Intent.CANCEL} & set(found)
        and (visit := _A_VISIT_TOLD.search(text)) is not None
        and (asked := _IT_SHIFTED.search(text, visit.end())) is not None
        and shift_of(text[visit.end() :]) is not None
        # (not "my husband has his check-up friday, can I get one the same day but after his?")
        and not _ONE_MORE.search(text[visit.end() :])
        # (not "... could I have one the day after with Dr. Patel": another doctor, a visit of its own)
        and not _another_doctor_after(text, asked.end())
    ):
        found = [
            Intent.RESCHEDULE,
            *(i for i in found if i not in (Intent.BOOK, Intent.LIST, Intent.DECLINE)),
        ]
    # "I got a reminder text for Monday with Dr. Chen", "I received a reminder about my appointment":
    # the visit they have (what they want done with it comes next, or is said after)
    if (
        not {Intent.RESCHEDULE, Intent.CANCEL, Intent.LIST} & set(found)
        and (reminded := _REMINDED.search(text)) is not None
        and not _BOOK_PATTERN.search(text[: reminded.start()] + " " + text[reminded.end() :])
    ):
        found = [Intent.LIST, *(i for i in found if i != Intent.BOOK)]
    # "can we do the friday one earlier, like thursday": the visit of that day, moved
    if not {Intent.RESCHEDULE, Intent.CANCEL} & set(found) and (
        _THAT_DAYS_ONE_MOVED.search(text) or _ITS_DAY_DOES_NOT_FIT.search(text)
    ):
        found = [Intent.RESCHEDULE, *(i for i in found if i not in (Intent.BOOK, Intent.LIST))]
    # "you know he has doctor rodriguez", "i've got dr chen on friday" and nothing asked: the visit they
    # have (which it is comes first; a new booking would be a guess)
    if not set(found) - {Intent.GREETING, Intent.THANKS} and _HAS_A_DOCTOR.search(text):
        found = [Intent.LIST, *found]
    # "I'm calling about my son's appointment with Dr. Rodriguez next Thursday": the visit they
    # have, whatever day is named with it (what they want done with it comes next)
    if (
        (Intent.BOOK in found or not set(found) - {Intent.GREETING, Intent.THANKS})
        and not {Intent.RESCHEDULE, Intent.CANCEL, Intent.LIST} & set(found)
        and (about := (_ABOUT_THEIR_VISIT.search(text) or _THE_ONE_I_HAVE.search(text))) is not None
        # (not "it's not about my blood pressure visit, something else": another visit)
        and not re.search(r"\b(?:not|n't)\s+(?:about|regarding)\b", about.group(0))
        and not _BOOK_PATTERN.search(text[: about.start()] + " " + text[about.end() :])
    ):
        found = [Intent.LIST, *(i for i in found if i != Intent.BOOK)]
    # "i need to resked my appt", "something about my appointment": a verb not understood, said of
    # an appointment the caller has: which one it is comes first (a new booking would be a guess)
    if (
        (Intent.BOOK in found or not set(found) - {Intent.GREETING, Intent.THANKS})
        and not {Intent.RESCHEDULE, Intent.CANCEL, Intent.LIST} & set(found)
        and (mine := _MY_APPOINTMENT.search(text)) is not None
        and not _BOOK_PATTERN.search(text[: mine.start()] + " " + text[mine.end() :])
        # a date of birth aside; the day of the one they have may be said ("my thurs appt")
        and _days_named(text[: mine.start()] + " " + text[mine.end() :]) == 0
        and not re.search(
            r"\b\d{1,2}(?::\d\d)?\s*(?:am|pm)\b|\b(?:at|@) \d|\b(?:today|tomorrow|tmrw|next|week)\b", text
        )
    ):
        found = [Intent.LIST, *(i for i in found if i != Intent.BOOK)]
    # "can I wish you my appointment for next Monday at 3" (a verb not caught), "... my appointment to
    # next Wednesday at 11": a day for an appointment the caller has is a move, not a new visit
    if (
        not {Intent.RESCHEDULE, Intent.CANCEL} & set(found)
        and _MY_APPOINTMENT_TO.search(text)
        and not _A_NEW_ONE.search(text)
        and not _ASKS_WHEN.search(text)
    ):
        found = [Intent.RESCHEDULE, *(i for i in found if i not in (Intent.BOOK, Intent.LIST))]
    # "when is dr patel available": a question about free times, not about the caller's bookings
    if Intent.LIST in found and re.search(
        r"\b(available|availability|opening|openings|free|earliest|soonest|(can|could) (he|she|they|you) see me"
        r"|(can|could) see me)\b",
        text,
    ):
        found.remove(Intent.LIST)
        if Intent.BOOK not in found:
            found.append(Intent.BOOK)
    # "cancel my mon appt w dr chen and book me w dr patel tues at 11am instead": the two said in so
    # many words, a cancellation and a booking (never a move the caller did not ask for)
    if (
        _CANCEL_AND_BOOK.search(text)
        or (
            (other := _CANCEL_FOR_ANOTHER_DOCTOR.search(text)) is not None
            and _another_doctor_after(text, other.end())
        )
    ) and not re.search(
        r"\b(?:reschedul\w*|re schedule|move|change|switch|swap|push|shift|postpone|bring|bump)\b", text
    ):
        found = [Intent.CANCEL, Intent.BOOK, *(i for i in found if i not in TASKS)]
    # "I'd like to book Dr. Patel ... oh wait, I already have one, don't book a new one, just move
    # that one": the booking taken back
    if Intent.RESCHEDULE in found and Intent.BOOK in found and _NO_NEW_BOOKING.search(text):
        found.remove(Intent.BOOK)
    # "the appointment ... of friday, i don't need it more. please cancel": no longer needed is no booking
    if Intent.CANCEL in found and Intent.BOOK in found and _NO_LONGER_NEEDED.search(text):
        found.remove(Intent.BOOK)
    return found


# "please move my Thursday 2:30 with Dr. Chen", "my 10 o'clock with Dr. Patel on Friday": the visit
# they have, named by its day or time
MY_VISIT_BY_ITS_TIME = re.compile(
    r"\bmy (?:monday|tuesday|wednesday|thursday|friday|\d{1,2}(?::\d\d)?(?: ?(?:am|pm|o'clock))?)"
    r"(?: \d{1,2}(?::\d\d)?(?: ?(?:am|pm|o'clock))?)? (?:with|appt|one|slot|check ?up)\b"
)


def names_a_visit_they_have(text: str) -> bool:
    """ "I've got the blood pressure check with Dr. Chen on Monday", "he has his vaccination ...",
    "I have an appointment with Dr. Patel": a visit of theirs, described."""
    return (
        any(
            p.search(text) is not None
            for p in (
                _GOT_A_VISIT,
                _HAS_THEIR_VISIT,
                _THE_ONE_I_HAVE,
                _HAVE_ONE,
                _REMINDED,
                MY_VISIT_BY_ITS_TIME,
            )
        )
        # "I have Dr. Chen on Monday. Please change it to Tuesday": the doctor they are down to see
        or re.search(r"\b(?:i|we|he|she)(?: have|'ve got|'ve| has|'s got) (?:dr|doctor)\.? [a-z'-]+\b", text)
        is not None
        or re.search(
            r"\bi(?:'ve| have) got (?:the|my|a|an) (?:[a-z]+ ){0,3}?(?:appointment|appt|visit|check ?up|check|follow[ -]?up"
            r"|physical|review)\b",
            text,
        )
        is not None
    )


_THEIR_VISIT_SAID = re.compile(
    r"\b(?:his|her|their|[a-z]+'s)\s+(?:[a-z-]+\s+){0,2}?(?:appointment|appt|visit|vaccination|check ?up"
    r"|follow[ -]?up|physical)s?\b"
)


def spoke_of_their_visit(text: str) -> bool:
    """ "my son Lucas's appointment", "his vaccination": a visit someone else has."""
    return _THEIR_VISIT_SAID.search(text.lower()) is not None


def task_of(found: list[Intent]) -> Intent | None:
    for task in TASKS:
        if task in found:
            return task
    return None
