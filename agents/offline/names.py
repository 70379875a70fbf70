"""A caller's name from what they said: "my name is Sarah Johnson", "this is sarah johnson",
"Sarah Johnson, March 14th 1985", or just "sarah johnson" when that is the whole answer."""

from __future__ import annotations

import re

import jellyfish
from rapidfuzz.fuzz import ratio

from agents.offline.foreign import FOREIGN_WORDS

_CUES = re.compile(
    r"\b(?:my name is|my name's|name is|name's|this is|it's|it is|i am|i'm|im|calling for|"
    r"the patient is|patient name is|patient's name is|you're speaking with|you are speaking with|"
    r"speaking with|you're talking to|you are talking to|here is|here's|for"
    # Indian English: "myself Nathan Allen" (not "for myself", "by myself")
    r"|(?<!for )(?<!by )(?<!to )myself"
    # "hello, is Olivia Martinez" (Spanish "es", Italian "è"): the greeting, then "is" and the name
    r"|(?<=^hello, )is|(?<=^hello )is|(?<=^hi, )is|(?<=^hi )is|(?<=^hola, )is|(?<=^hola )is)\s+(?=(?P<rest>.+))"
)  # the rest is a lookahead: "i'm calling to book ... my name is olivia martinez" tries every cue
# a name given as on a form: "DOB May 9th 1998, name Olivia Martinez", "name: Mia White"
_NAME_LABEL = re.compile(r"(?:^|[,.;:!?-]\s*)(?:full |patient |patient's )?name\s*[:,-]?\s+(?=(?P<rest>.+))")
_WHAT_FOR = re.compile(r"\bfor\s")
_A_THING = re.compile(r"(?:a|an|the|my|his|her|our|their|some|this|that|these|those|any)\b")
# a letter's sign-off: "Kind regards, James Wilson", "Yours sincerely, Harper Young"
_SIGN_OFF = re.compile(
    r"(?:\b(?:(?:kind|best|warm|warmest|many|with)\s+)?regards|\b(?:yours\s+)?(?:sincerely|faithfully|truly)"
    r"|\bbest wishes|\bwith thanks|\bmany thanks)[,.!]?\s+(?=(?P<rest>.+))"
)
# a cue after the name: "Olivia Martinez here", "olivia martinez speaking", "... is my name"
_AFTER_CUES = re.compile(r"\s+(?:here|speaking|calling|is my name|is calling|is the name)\b")
# a name said between the verb and the thing it is about: "reschedule emily davis my appointment"
_NAME_BEFORE_THING = re.compile(
    r"\b(?:reschedul\w*|cancel\w*|move|change|book)\s+(?P<first>[a-z'-]+)\s+(?P<last>[a-z'-]+)\s+"
    r"(?:my|our) (?:appointment|appt|visit|booking|check ?up)s?\b"
)
NOT_NAMES = {
    "a", "an", "the", "and", "my", "is", "i", "im", "i'm", "me", "it", "it's", "this", "that", "on",
    "of", "at", "in", "to", "for", "born", "date", "birth", "birthday", "dob", "yes", "no", "yeah",
    "hi", "hello", "hey", "calling", "call", "want", "would", "like", "need", "please", "book",
    "appointment", "appointments", "schedule", "cancel", "reschedule", "move", "with", "doctor", "dr",
    "sure", "ok", "okay", "so", "um", "uh", "well", "was", "name", "thanks", "thank", "you", "just",
    "about", "here", "looking", "trying", "new", "patient", "lunch", "dinner", "breakfast", "nearby", "student", "teacher", "pensioner", "retired", "retiree", "morning", "afternoon", "good",
    "today", "tomorrow", "next", "week", "sorry", "again", "its", "also", "correct", "right",
    "show", "tell", "what", "when", "where", "who", "his", "her", "their", "can", "could",
    # words that follow "I'm" / "it's" / "this is" without being a name ("I'm all set")
    "all", "set", "fine", "done", "not", "great", "back", "ready", "free", "busy", "late",
    "going", "having", "still", "wondering", "afraid", "available", "sick", "feeling", "interested",
    "out", "over", "up", "booked", "there", "everything", "nothing", "that's", "alright",
    "very", "really", "glad", "happy", "any", "some", "only", "too", "much", "better", "worse",
    # time words ("for half past two" is not a name)
    "half", "past", "quarter", "noon", "midday", "o'clock", "am", "pm", "evening", "tonight", "days",
    "day", "month", "weeks", "time", "earliest", "first", "soon", "possible", "asap", "then", "instead",
    # answers to the bot's questions that are not names ("yes, go ahead", "the second one please")
    "go", "ahead", "one", "ones", "second", "third", "fourth", "last", "option", "choice", "works",
    "sounds", "perfect", "do", "does", "did", "don't", "yep", "yup", "nope", "nah", "definitely",
    "absolutely", "exactly", "wait", "hold", "actually", "mean", "meant", "said", "let's", "lets",
    "let", "booking", "other", "another", "different", "earlier", "later", "same", "maybe",
    # Whisper's mishearings of "date of birth" ("state of birth", "data birth")
    "state", "data", "dates",
    # what callers ask for ("a doctor for help")
    "help", "question", "questions",
    # words around an introduction or a request ("olivia martinez speaking, could i see ...")
    "speaking", "called", "see", "get", "come", "make", "have", "has", "had", "got", "needs", "wants",
    "wanna", "gonna", "be", "been", "are", "were", "should", "i'd", "i'll", "i've", "we", "we'd",
    "you're", "he", "she", "they", "him", "them", "us", "our", "your", "visit", "checkup", "quick", "regarding", "hoping", "wanted", "er", "erm", "hmm", "oh", "umm", "uhh", "ah", "mm",
    "from", "by", "as", "or", "but", "if", "because", "hiya", "greetings", "howya", "howdy", "heya", "hullo",
    "g'day", "gday", "yo", "cheers", "grand", "dear", "mister", "mr", "mrs",
    "ms", "appt", "appts", "vaccination", "vaccinations", "vaccine", "jab", "shot", "shots", "exam",
    "birthdate", "bday", "something", "anything", "came", "coming", "went", "gone", "thing", "things",
    "anymore", "think", "thought", "know", "guess", "saw", "someone", "anyone", "everyone", "stuff",
    # the line a caller calls from ("calling from my wifes phone date of birth ...")
    "phone", "phones", "cell", "mobile", "landline", "number", "line", "work", "office",
    # someone the caller is calling for ("for my son lucas garcia")
    "son", "daughter", "child", "kid", "kids", "husband", "wife", "mother", "mom", "mum", "father", "dad",
    "baby", "boy", "girl", "partner", "grandson", "granddaughter", "grandmother", "grandfather", "spouse",
    "stepson", "stepdaughter", "brother", "sister", "little", "one's", "he's", "she's", "named",
    "girlfriend", "boyfriend", "fiance", "fiancee",
}  # fmt: skip
NOT_NAMES |= FOREIGN_WORDS  # "Hola, José Ramírez here": greetings in other languages
# greetings of English varieties ("G'day, Ryan Walker here", "Mornin'. James Wilson", "Howdy")
NOT_NAMES |= {"g'day", "gday", "mornin", "mornin'", "morning'", "evenin", "howdy", "hiya", "heya", "hullo", "yo",
              "cheers", "ta", "mate", "y'all", "ma'am", "sir", "reckon", "listen", "look", "right-o", "righto"}  # fmt: skip
# kinds of doctor ("I'll go with the family medicine doctor. Amelia Robinson, ...")
NOT_NAMES |= {"family", "medicine", "medical", "internal", "pediatrics", "paediatrics", "pediatric", "paediatric",
              "general", "practitioner", "specialist", "cardiology", "dermatology", "gp"}  # fmt: skip
# how the receptionist is addressed ("Good morning, young lady. James Wilson here")
NOT_NAMES |= {"lady", "ladies", "gentleman", "gentlemen", "lass", "lassie", "laddie", "sweetie", "luv",
              "madam"}  # fmt: skip
# where a caller is, or is not ("I'm off work then", "I'm away Monday", "I'm home sick")
NOT_NAMES |= {"off", "away", "home", "abroad", "outside", "working", "work", "travelling", "traveling",
              "after", "before", "around", "between", "until", "till", "unavailable", "stuck", "tied"}  # fmt: skip
# what a relative says or does ("my wife keeps saying david you ought to ...", "my son told me")
NOT_NAMES |= {"keeps", "keep", "kept", "saying", "says", "say", "told", "tells", "telling", "thinks", "think",
              "thought", "asked", "asks", "asking", "reckons", "always", "never", "usually", "nagging", "nags",
              "insists", "insisted", "reminded", "reminds", "suggested", "suggests", "worried", "worries",
              "makes", "made", "drove", "drives", "driving", "takes", "took", "brings", "brought"}  # fmt: skip
# a slip owned up to ("oops, typo - 10/31/1994"), and days named for what they are ("halloween")
NOT_NAMES |= {
    "oops",
    "whoops",
    "typo",
    "sorry",
    "mistake",
    "correction",
    "halloween",
    "christmas",
    "valentine's",
}
# contractions and booking words typed in lower case ("dob 4/8/15. we'll rebook later")
NOT_NAMES |= {"we'll", "i'll", "you'll", "they'll", "he'll", "she'll", "we're", "they're", "you're", "we've",
              "i've", "i'd", "we'd", "rebook", "rebooking", "resched", "reschedule", "later", "soon"}  # fmt: skip
# dialect words beside a name ("a olivia martinez dis", "maria garcia, the mam, not the young fella")
NOT_NAMES |= {"dis", "dat", "dem", "mi", "yuh", "wid", "fella", "fellow", "mam", "wee", "lad",
              "lass", "missus", "himself", "herself"}  # fmt: skip
# what a relative does ("my wife Amelia sees Dr. Patel", "my son Lucas needs ...")
NOT_NAMES |= {"sees", "needs", "wants", "goes", "gets", "visits", "likes", "comes", "works", "lives", "has",
              "had", "does", "did", "is", "was"}  # fmt: skip
# how often ("I'm barely ever in this part of town", "I'm hardly home", "I'm rarely sick")
NOT_NAMES |= {"barely", "hardly", "rarely", "seldom", "ever", "often", "sometimes", "mostly", "normally",
              "generally", "occasionally", "constantly", "forever"}  # fmt: skip
# what someone already does or is ("he's already seeing Dr Rodriguez", "she's still waiting")
NOT_NAMES |= {"already", "still", "also", "just", "seeing", "waiting", "going", "coming", "getting", "having",
              "seen", "been", "due", "booked", "scheduled", "supposed"}  # fmt: skip
# number words ("nineteen ninety" is a year, never a name)
NOT_NAMES |= {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
              "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty",
              "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "thousand", "oh", "zero"}  # fmt: skip
# places and people of a caller's story ("the school nurse did it"), never a patient's name
NOT_NAMES |= {"school", "nurse", "nurses", "pharmacy", "pharmacist", "clinic", "hospital", "dentist", "camp",
              "office", "receptionist", "boss", "employer", "coach", "daycare", "nursery"}  # fmt: skip
# what a chat message says in two words without being a name ("chen pls", "dont care", "bye now")
NOT_NAMES |= {"pls", "plz", "plse", "thx", "ty", "dont", "don't", "care", "resched", "appt", "now", "bye", "cool",
              "cheers", "works", "sounds", "whoever", "whatever", "either", "neither", "earliest", "latest",
              "first", "last", "second", "other", "one", "same", "time", "day", "asap", "soon", "nope", "yep"}  # fmt: skip
# Scottish and other speech as a recogniser writes it: "I'm wanting tae see Doctor Chen", "aye", "och"
NOT_NAMES |= {"wanting", "tae", "wi", "wi'", "ye", "aye", "och", "ken", "gonnae", "wantin", "needin", "hopin"}  # fmt: skip
# small talk before the name ("Ha, nice. Well, ... Mia White, January 25th, 1996")
NOT_NAMES |= {"ha", "haha", "hah", "heh", "hehe", "lol", "nice", "lovely", "awesome", "wow", "brilliant", "sweet"}  # fmt: skip
# verbs said before a name's possessive ("please scrap Lucas's flu shot"), and words read beside a name ("my
# husband will ring ...", "we live together", "a nurse doing long shifts")
NOT_NAMES |= {"scrap", "ditch", "drop", "shift", "bump", "postpone", "delete", "remove", "confirm", "check", "change",
              "switch", "swap", "push", "bring", "live", "living", "together", "married", "engaged",
              "doing", "shifts", "nights", "long", "ring", "rings", "phone", "phones"}  # fmt: skip
CALENDAR_WORDS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
    "nov", "dec", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
}  # fmt: skip
_WORD = re.compile(r"^[a-zà-öø-ÿ][a-zà-öø-ÿ'’.-]*$")


_FILLERS = {"um", "uh", "er", "erm", "umm", "uhh", "ah", "oh", "hi", "hello", "hey", "yeah", "yes", "well", "so",
            "okay", "ok", "sure", "mm", "the", "a", "me", "just", "actually"}  # fmt: skip
# "for my son lucas garcia": the person a caller calls for ("for my blood pressure" names no one)
# the people a caller calls for; `_KIN` adds the family words of a patient's own speech
_RELATIONS = (
    "girlfriend|boyfriend|fiancee|fiance|son|daughter|child|kid|husband|wife|mother|mom|mum|father|dad|baby|boy"
    "|girl|partner|grandson"
    "|granddaughter|grandmother|grandfather|spouse|stepson|stepdaughter|brother|sister"
)
_KIN = f"{_RELATIONS}|grandma|grandpa|nan"
KIN = _KIN  # the words for a relative, for patterns elsewhere
_RELATIVE = re.compile(
    rf"^\W*(?:(?:my|our|the)\s+)?(?:little\s+|youngest\s+|oldest\s+)?(?:{_RELATIONS})(?:'s)?\b"
    r"(?:,?\s+(?:named|called|whose name is|his name is|her name is))?"
)


def _is_name_word(w: str) -> bool:
    if len(w.strip(".")) < 2:
        return False  # an initial or a spelled-out letter ("m a r t i n e z")
    if w.endswith("n't"):
        return False  # "lucas garcia won't make it", "she can't come"
    if w.endswith("s") and re.fullmatch(_KIN, w[:-1]):
        return False  # "my wifes phone": a relative's thing, the apostrophe left out
    return not (w in NOT_NAMES or w in CALENDAR_WORDS or not _WORD.match(w) or any(ch.isdigit() for ch in w))


def _name_words(text: str, *, leading: bool = True) -> list[str]:
    """The name words at the start of `text`. With `leading`, any other words before the name are
    skipped ("um yes it is sarah johnson"); without, only fillers ("this is uh sarah johnson")."""
    words: list[str] = []
    for raw in re.findall(r"[^\s,;.!?]+(?:\.(?=\S))?|[,;.!?]", text):
        if raw in ",;.!?":
            if words:
                break  # a name ends at a comma or a stop ("emily davis, 7/23/1990. something came up")
            continue
        w = raw.strip('"()')
        owner = w.endswith("'s") and len(w) > 3
        w = w[:-2] if owner else w
        if not w:
            continue
        if len(words) >= 2 and w == "will":
            break  # "my son lucas garcia will not make it": a verb after a full name ("Will Harris" is not)
        if len(words) >= 2 and owner:
            break  # "it's maria garcia lucas's mom": a full name, then someone else's
        if not _is_name_word(w):
            if words or not (leading or w in _FILLERS):
                break  # the name has ended ("sarah johnson born on ...")
            continue
        words.append(w)
        if owner:
            break  # "lucas garcia's vaccination": the name ends with its owner's s
    return words


# The patient named by the one calling for them: "the appointment of my son Lucas Garcia",
# "mum of Lucas Garcia", "on behalf of my father, John Smith". That person, not the caller, is the
# one whose date of birth follows.
_FOR_SOMEONE = re.compile(
    rf"\b(?:(?:my|our)\s+(?:little\s+|youngest\s+|oldest\s+|eldest\s+|elderly\s+)?(?:{_KIN})"
    r"(?:'s name is|,?\s+(?:named|called|whose name is|his name is|her name is|their name is))?"
    r"|(?:mum|mom|mother|father|dad|parent|guardian|carer|caregiver) (?:of|to|for)(?: my (?:"
    rf"{_KIN}))?|on behalf of(?: my (?:{_KIN}))?"
    # "maria garcia, lucas's mom. lucas garcia, born ...": the parent of the one named next
    r"|\b[a-z]+'s (?:mum|mom|mommy|mother|father|dad|daddy|parent|guardian|carer|caregiver)[.,;]?"
    r"(?:\s+(?:he's|she's|he is|she is|his name is|her name is|his full name is|her full name is))?"
    # "my son's appointment, Lucas Garcia" ("my sons appointment" typed in a hurry)
    rf"|(?:my|our)\s+(?:{_KIN})(?:'s|s)\s+(?:appointment|appt|visit|check ?up|booking))\s*,?\s+(?=(?P<rest>.+))"
)


# "Please cancel my son's appointment ... He's Lucas Garcia": named after the relation
_THEY_ARE = re.compile(
    r"\b(?:he's|she's|he is|she is|they're|they are|his name is|her name is|their name is|his name's|her name's)"
    r"\s+(?=(?P<rest>.+))"
)
# "my son", "our little girl's", "my sons appointment" (the apostrophe left out)
# a doctor named with the title ("dr. patel", "doctor chen"): the whole words, the surname as group 1
DOCTOR_NAMED = re.compile(r"\b(?:dr|doctor)\.?\s+([a-z'-]+)")
KIN_WORDS = re.compile(rf"\b(?:my|our)\s+(?:[a-z]+\s+)?(?:{_KIN})(?:'s|s)?\b")
_KIN_SAID = KIN_WORDS


# "maria garcia, lucas garcia's mom": the child named with the parent's word after it
_PARENT_OF = re.compile(
    r"\b(?P<first>[a-z'-]+) (?P<last>[a-z-]+)'s (?:mum|mom|mommy|mother|father|dad|daddy|parent|guardian)\b"
)


def someone_elses_name(text: str) -> tuple[str, str] | None:
    """The full name of the patient a caller speaks for ("my son Lucas Garcia", "my son's
    appointment ... he's Lucas Garcia", "Lucas Garcia's mum"), or None."""
    cues = list(_FOR_SOMEONE.finditer(text))
    if _KIN_SAID.search(text):
        cues += list(_THEY_ARE.finditer(text))
    for m in cues:
        words = _name_words(m.group("rest"), leading=False)
        if 2 <= len(words) <= 4:
            return _title(words[0]), _title(words[-1])
    return _parent_of(text)


def _parent_of(text: str) -> tuple[str, str] | None:
    """ "lucas garcia's mom" (not "maria garcia lucas's mom": the two words before the 's end a
    run of name words of even length, so they are one whole name, not the end of another)."""
    for m in _PARENT_OF.finditer(text):
        run = _words_before(text[: m.end("last")])
        if len(run) >= 2 and len(run) % 2 == 0 and run[-2:] == [m.group("first"), m.group("last")]:
            return _title(m.group("first")), _title(m.group("last"))
    return None


# a date of birth said as another person's: "he was born ...", "his date of birth is ..."
_THIRD_PERSON_DOB = re.compile(
    # ("his birthday's the 8th of April 2015": "'s" for "is")
    r"\b(?:(?:his|her|their) (?:date of birth|dob|d\.o\.b\.?|birthday|birth date|birthdate)(?:'s)?"
    r"|(?:he|she|they)(?:'s| is| was| were| are)? born"
    # "Lucas Garcia is my son, born ...": the relative's
    rf"|\b(?:is|'s) (?:my|our) (?:{_KIN})\W+born)(?:\W+(?:is|was|on|in))?\W*$"
)
# a verb after a full name that is the subject of its clause ("Lucas Garcia won't make it")
_VERB_AFTER = re.compile(
    r"^(?:'s\s+)?(?:won't|wont|will|has|had|is|isn't|was|wasn't|can't|cannot|can|could|couldn't|needs|wants"
    r"|does|doesn't|did|didn't|should|must|would|may|might|got|'s)\b"
)
_CLAUSE_START = re.compile(r"(?:^|[.,;:!?]\s*|\b(?:and|but|so|because)\s+)")


def dob_of_another(before_dob: str) -> bool:
    """The words just before a date of birth give it as someone else's ("... He was born")."""
    return _THIRD_PERSON_DOB.search(before_dob[-60:]) is not None


def subject_names(text: str) -> list[tuple[str, str]]:
    """Full names that begin a clause as its subject: "Lucas Garcia won't make it to his
    appointment", "... Mia White has a check-up on Friday" (not "Maria Garcia, calling for ...")."""
    found: list[tuple[str, str]] = []
    for m in _CLAUSE_START.finditer(text):
        rest = text[m.end() :]
        words = _name_words(rest, leading=False)
        if not 2 <= len(words) <= 3:
            continue
        said = re.search(r"\b" + r"\s+".join(map(re.escape, words)) + r"\b", rest)
        if said is not None and _VERB_AFTER.match(rest[said.end() :].lstrip()):
            name = (_title(words[0]), _title(words[-1]))
            if name not in found:
                found.append(name)
    return found


def corrected_name(text: str, first: str, last: str) -> tuple[str, str] | None:
    """A name said again with its spelling fixed ("sorry, it's Isabella with two Ls" after
    "Isabela Jackson"): a word close to, but not the same as, the first or last name given."""
    fixed = [first, last]
    for w in re.findall(r"[a-zà-öø-ÿ][a-zà-öø-ÿ'’-]+", text):
        if not _is_name_word(w) or len(w) < 3:
            continue
        for i, was in enumerate(n.lower() for n in (first, last)):
            # the same name spelt another way: close letters, or the same sound from the same start
            alike = ratio(w, was) >= 75 or (
                w[0] == was[0] and jellyfish.metaphone(w) == jellyfish.metaphone(was)
            )
            if w != was and alike:
                fixed[i] = _title(w)
    return (fixed[0], fixed[1]) if fixed != [first, last] else None


_I_AM_KIN = re.compile(
    rf"^\W*(?:oh,?\s+|and\s+|sorry,?\s+|btw,?\s+)?(?:i'm|i am|this is)\s+(?:his|her|their|the)\s+(?:{_KIN}|parent|guardian|carer)\b"
)


def introduces_self(text: str) -> bool:
    """The turn only says who is speaking ("I'm his mother, Maria Garcia", "this is Sarah
    Johnson by the way"): no request in it."""
    if _I_AM_KIN.search(text):
        return True
    return find_name(text) is not None and len(re.findall(r"[a-z']+", text)) <= 8


# a name said surname first, and said so: "lee, christopher - lee is my last name", "garcia, lucas -
# last name first", "wilson, james (wilson's the surname)", "wilson james, that's wilson as in the surname"
_SURNAME_FIRST_SAID = re.compile(
    r"\b(?P<last>[a-z'-]+),?\s+(?P<first>[a-z'-]+)\W{1,4}(?:(?:that's|thats|it's)\s+)?(?:(?:last name|surname|family name)"
    r"\s+(?:first|1st)|(?P<explained>[a-z-]+)(?:'s| is)?\s+(?:my|the)\s+(?:last name|surname|family name)"
    r"|(?P=last)\s+as in (?:the|my)\s+(?:last name|surname))"
)
# a title and the family name, then the given name: "mrs jackson, isabella", "mr lee, christopher"
_TITLE_SURNAME_FIRST = re.compile(
    r"\b(?:mrs|mr|ms|miss|mx)\.?\s+([a-z][a-z'-]+),\s*([a-z][a-z'-]+)\b(?!\s+[a-z][a-z'-]+,)"
)
# a greeting, then the name alone before a comma ("hi, ryan walker, i want to book ...")
_GREETED_NAME = re.compile(
    r"^\W*(?:hi|hello|hey|hiya|howdy|good (?:morning|afternoon|evening)|morning|afternoon)\W+"
    r"([a-z][a-z'-]+)\s+([a-z][a-z'-]+)\s*[,.;]"
)


# how the receptionist is addressed: "young man" is not Mr Man (nor "young lady" Ms Lady)
_ADDRESSED = re.compile(r"\byoung (?:man|lady|fella|fellow|sir|miss|lad|lass|woman|one|un)\b")

_ROLE = re.compile(
    r"\b(i am|i'm|im) (?:a |an )?(?:student|patient|teacher|pensioner|retiree|retired|nurse|mother|father|mum|mom"
    r"|dad)\b,?(?= [a-z])"
)


def find_name(text: str, *, whole_answer: bool = False) -> tuple[str, str] | None:
    """(first, last) from normalized text, or None.

    With `whole_answer` (the bot just asked for the name) the leading words may be the name
    without any cue ("sarah johnson march 14th 1985"). A cue may come before the name ("this is",
    "my name's", "it's") or after it ("Olivia Martinez here", "olivia martinez speaking").
    """
    text = _ROLE.sub(r"\1", text)  # "i am student, joshua lewis": who, after what they are
    text = _ADDRESSED.sub(" ", text)  # "good afternoon, young man. ava hernandez here"
    first = re.search(r"\b(?:first|1st) name(?: is|'s)?\s+([^\W\d_][\w'-]*)", text)
    last = re.search(r"\b(?:last name|surname|family name)(?: is|'s)?\s+([^\W\d_][\w'-]*)", text)
    if first and last:  # "first name sarah, last name johnson" in either order
        return _title(first.group(1)), _title(last.group(1))
    if last and last.group(1) not in NOT_NAMES:  # "this is Olivia calling, last name Martinez"
        for cue in _CUES.finditer(text[: last.start()]):
            words = _name_words(_RELATIVE.sub(" ", cue.group("rest")), leading=False)
            if len(words) == 1:
                return _title(words[0]), _title(last.group(1))
    if (theirs := someone_elses_name(text)) is not None:
        return theirs
    if (said := _SURNAME_FIRST_SAID.search(text)) is not None and said.group("explained") in (
        None,
        said.group("last"),
    ):
        if _is_name_word(said.group("last")) and _is_name_word(said.group("first")):
            return _title(said.group("first")), _title(
                said.group("last")
            )  # "lee, christopher - lee is my last name"
    if (titled := _TITLE_SURNAME_FIRST.search(text)) and all(_is_name_word(w) for w in titled.groups()):
        return _title(titled.group(2)), _title(titled.group(1))  # "mrs jackson, isabella, born ..."
    if (greeted := _GREETED_NAME.match(text)) and all(_is_name_word(w) for w in greeted.groups()):
        return _title(greeted.group(1)), _title(greeted.group(2))  # "hi, ryan walker, i want to book ..."
    swapped = re.match(r"^\W*([^\W\d_][\w'-]*),\s*([^\W\d_][\w'-]*)\s*(?:[.;,]|$)", text)
    if swapped and _is_name_word(swapped.group(1)) and _is_name_word(swapped.group(2)):
        return _title(swapped.group(2)), _title(swapped.group(1))  # "Garcia, Maria.": last name first
    for cue in [*_CUES.finditer(text), *_NAME_LABEL.finditer(text), *_SIGN_OFF.finditer(text)]:
        if _WHAT_FOR.match(cue.group(0)) and _A_THING.match(cue.group("rest")):
            continue  # "for a routine review of my medication": what it is for, not whom
        if re.match(r"(?:i'm|i am|im)\s", cue.group(0)) and re.match(
            r"(?:a|an|so|very|just|not|bit)\b", cue.group("rest")
        ):
            continue  # "forgive me if i'm a bit muddled": how the caller is, not who
        words = _name_words(_RELATIVE.sub(" ", cue.group("rest")), leading=False)
        if 2 <= len(words) <= 4:
            return _title(words[0]), _title(words[-1])
    for cue in _AFTER_CUES.finditer(text):
        words = _words_before(text[: cue.start()])
        if 2 <= len(words) <= 4:
            return _title(words[0]), _title(words[-1])
    if (
        (m := _NAME_BEFORE_THING.search(text))
        and _is_name_word(m.group("first"))
        and _is_name_word(m.group("last"))
    ):
        return _title(m.group("first")), _title(m.group("last"))
    if whole_answer:
        words = _name_words(text)
        if 2 <= len(words) <= 4:
            return _title(words[0]), _title(words[-1])
    return None


def name_near(before: str, after: str) -> tuple[str, str] | None:
    """The name said right next to a date of birth without a cue: the clause just before it
    ("Good morning. Olivia Martinez, May 9 1998") or just after it ("born May 9 1998 olivia
    martinez, can I ..."). The clause must start with the name (fillers and greetings aside)."""
    # "with dr chen" is no one's name ("... the family medicine doctor. mia white": a sentence ends)
    before = re.sub(r"\b(?:dr\.?|doctor|with)\s+[a-z'-]+", ",", before)
    # "James Wilson (30 Jan 1965)": a bracket ends the clause as a comma does
    for clause in reversed(re.split(r"[.,;!?()\[\]]|\band\b", before)):
        clause = re.sub(
            r"\b(?:born|born on|date of birth|dob|birthday|birth date|birthdate)\s*(?:is\s*)?$",
            "",
            clause.strip(),
        )
        words = _words_before(clause)
        if not words and (lead := _NAME_THEN_LINE.match(clause)) is not None:
            # "james wilson on my wife's phone, born ...": the name, then the line it comes from
            words = _name_words(lead.group("name"), leading=False)
        if not words:
            continue  # "Olivia Martinez, date of birth May 9 1998": the clause before that one
        if 2 <= len(words) <= 4:
            return _first_and_last(words)
        break
    tail = re.split(r"[.,;!?()\[\]]", after.lstrip(" .,;!?)]"), maxsplit=1)[0]
    words = _name_words(tail, leading=False)
    if 2 <= len(words) <= 4:
        return _first_and_last(words)
    return None


def _first_and_last(words: list[str]) -> tuple[str, str]:
    """The first and last of a name's words; "lucas garcia lucas" (the first name said again) is
    Lucas Garcia."""
    if len(words) >= 3 and words[-1] == words[0]:
        words = words[:-1]
    return _title(words[0]), _title(words[-1])


_NAME_THEN_LINE = re.compile(
    r"^\W*(?:(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening)|yes|yeah|um|uh|so)\W+)*"
    r"(?P<name>[a-z'-]+ [a-z'-]+)\s+(?:on|from|calling from|using|with) (?:my|a|his|her|the|our)\b"
)


def _words_before(text: str) -> list[str]:
    """The name words that end `text`, read backwards ("good morning olivia martinez"); none
    when a possessive is among them ("lucas garcia's vaccination appt": a thing, not a name)."""
    words: list[str] = []
    for raw in reversed(re.split(r"[\s,;]+", text.strip())):
        w = raw.strip('.!?"()')
        if not w or not _is_name_word(w) or (words and raw.endswith((".", "!", "?"))):
            break  # (a sentence's end: "i'm a little confused. nathan allen here")
        words.insert(0, w)
    if any(w.endswith(("'s", "’s")) for w in words[:-1]):
        return []
    return words


def possessive_name(text: str) -> str | None:
    """'John Smith' in "show me john smith's appointments" (someone else's records)."""
    m = re.search(r"\b([a-z][a-z'-]+)\s+([a-z][a-z-]+)'s\b", text)
    if not m or m.group(1) in NOT_NAMES or m.group(2) in NOT_NAMES:
        return None
    return f"{_title(m.group(1))} {_title(m.group(2))}"


def _title(word: str) -> str:
    return "-".join(part[:1].upper() + part[1:] for part in word.split("-"))


_BARE = re.compile(r"\s*([A-ZÀ-Ö][\w'’-]+)\s+([A-ZÀ-Ö][\w'’-]+)\s*[.!]?\s*")


def bare_name(raw: str) -> tuple[str, str] | None:
    """A message that is only a capitalised first and last name ("Emily Davis"), as typed or as
    Whisper writes a name; or, typed all in lower case, a greeting at most and two words that are
    no words of a request ("ava hernandez", "hi james wilson"), as chat users type their names."""
    m = _BARE.fullmatch(raw)
    if m is None:
        return _typed_name(raw)
    words = [w.lower() for w in m.groups()]
    if any(w in NOT_NAMES or w in CALENDAR_WORDS or any(ch.isdigit() for ch in w) for w in words):
        return None
    return _title(words[0]), _title(words[1])


def only_in_lower_case(raw: str, name: tuple[str, str]) -> bool:
    """The words of `name` are in the raw turn, but never written with capitals as a name is
    ("funny story" among words written with capitals: "Christopher Lee", "Dr. Chen")."""
    first, last = (re.escape(part) for part in name)
    said = list(re.finditer(rf"\b(?P<first>{first})\W+(?P<last>{last})\b", raw, re.IGNORECASE))
    return bool(said) and not any(
        m.group("first")[0].isupper() and m.group("last")[0].isupper() for m in said
    )


def name_sentences(raw: str) -> list[tuple[str, str]]:
    """The sentences of the raw turn that are only a capitalised first and last name ("... when I
    turn it. Christopher Lee. My wife says ...")."""
    parts = [part.rstrip(".,;!") for part in re.split(r"(?<=[.,;!?])\s+", raw.strip())]
    return [n for part in parts if _BARE.fullmatch(part) and (n := bare_name(part)) is not None]


def _typed_name(raw: str) -> tuple[str, str] | None:
    if raw != raw.lower() or re.search(r"[^\w\s'’,.!-]", raw):
        return None  # capitals follow `_BARE`; digits, slashes or questions are no bare name
    words = raw.replace(",", " ").strip(" .!").split()
    while words and words[0] in _FILLERS:
        words = words[1:]  # "hi james wilson"
    if len(words) != 2 or not all(_is_name_word(w) for w in words):
        return None
    if words[0] == words[1] or not all(re.search(r"[aeiouyà-öø-ÿ]", w) for w in words):
        return None  # "zzz qqq", "wub wub": keys hit, not a name
    return _title(words[0]), _title(words[1])


# a request for a relative: "one for my son", "book my daughter in", "my husband needs to see"
_FOR_KIN = re.compile(
    rf"\b(?:for|book|booking|schedule|move|cancel|reschedule|bring|take|get|put|fit|squeeze|slot|pop|add|see)\s+(?:my|our)\s+"
    rf"(?:little\s+|youngest\s+|oldest\s+|eldest\s+|elderly\s+)?(?:{_KIN})\b(?!'s (?:doctor|dr)\b)"
    # (not "my wife says I should see Dr. Patel": the caller, on the relative's advice)
    rf"|\b(?:my|our)\s+(?:{_KIN})(?!\s+(?:says|said|thinks|thought|reckons|suggested|suggests|tells me|told me"
    r"|wants me|would like me|keeps telling me)\b)(?:\s+[a-z]+){0,2}?(?:'s|s)?\s+(?:also\s+|too\s+)?"
    r"(?:needs?|wants?|has to|should|would like|appointment|appt|visit|check ?up|jab|shot)\b"
    # "I need to cancel Lucas's appointment. He's my son, ...": whose visit, said after it
    rf"|\b[a-z]+'s (?:appointment|appt|visit|booking|check ?up)\b[^?!]{{0,40}}?\b(?:he|she)(?:'s| is) (?:my|our) (?:{_KIN})\b"
    # "no, not mine, my son's", "not me, it's for my daughter": the request was the relative's all along
    rf"|\bnot (?:mine|me|for me|my own|my one)\b[,.;]?\s+(?:(?:it's|it is|its)\s+)?(?:for\s+)?(?:my|our)\s+(?:{_KIN})\b"
)


# a relative said NOT to be the one asked for: "not for my son this time, for me", "it isn't for my
# daughter"
_NOT_FOR_KIN = re.compile(
    rf"\b(?:(?:it|this|that)(?:'s| is|s)? not|(?:it|this|that) isn't|isn't|not)(?: (?:for|about))? (?:my|our) (?:{_KIN})"
    r"(?:'s)?(?: this time| today| now)?\b"
)


# "something for my son lucas... actually no, he's fine, it's for me": the relative taken back
_KIN_TAKEN_BACK = re.compile(
    rf"\bfor (?:my|our) (?:{_KIN})(?: [a-z]+)?\W+(?:(?:actually|sorry|wait|oh),? )*no\W+(?:(?:he|she|they)(?:'s|'re| is| are)"
    r" (?:fine|ok|okay|all right|alright|good)\W+)?(?=(?:it's|it is|its|this is|this one's) (?:for )?me\b"
    # "for my son Lucas, no, actually, not for my son this time, for me"
    rf"|(?:(?:actually|sorry|wait),?\s+)*(?:not (?:for|about) (?:my|our) (?:{_KIN})(?:'s)?(?: this time| today| now)?\W+)?"
    r"for me\b)"
)


def without_kin_denied(text: str) -> str:
    """The words without a relative said not to be the one asked for ("not for my son, for me",
    "for my son... actually no, he's fine, it's for me")."""
    return _NOT_FOR_KIN.sub(" ", _KIN_TAKEN_BACK.sub(" ", text))


def asks_for_a_relative(text: str) -> bool:
    """The words ask for something for a relative of the caller ("and one for my son Lucas")."""
    return _FOR_KIN.search(text) is not None


def relative_asked_for(text: str) -> str | None:
    """The relative a request is for ("and one for my son Lucas": "son"), or None."""
    if not asks_for_a_relative(text):
        return None
    m = re.search(rf"\b(?:my|our)\s+(?:[a-z]+\s+)?({_KIN})\b", text)
    return m.group(1) if m else None


_KIN_FIRST = re.compile(
    rf"^\W*(?:(?:one|another|one more|an? \w+)\s+for\s+)?(?:my|our)\s+"
    rf"(?:little\s+|youngest\s+|oldest\s+|eldest\s+|elderly\s+)?({_KIN})\b(?!'s (?:doctor|dr)\b)"
)


def relative_first(text: str) -> str | None:
    """The relative a second request begins with ("my son Lucas, born ..., needs Dr X at 11",
    "my son with Dr X at 3:30"): "son", or None."""
    m = _KIN_FIRST.search(text)
    return m.group(1) if m else None


# the caller says who they are to the patient, so is not the patient: "I'm James Wilson's wife",
# "this is his mother", "James Wilson's daughter here", "calling on behalf of ..."
_THEIR_RELATIVE_SPEAKING = re.compile(
    rf"\b(?:i'm|i am|im|this is|it's|it is)\s+(?:[a-z'-]+\s+)?(?:[a-z'-]+'s|his|her|their)\s+"
    rf"(?:{_KIN}|parent|guardian|carer|caregiver|assistant|secretary|friend|neighbou?r)\b"
    rf"|\b[a-z'-]+'s\s+(?:{_KIN}|parent|guardian|carer|caregiver)\s+(?:here|speaking|calling)\b"
    r"|\b(?:calling|ringing|phoning|speaking) on behalf of\b"
)


def speaks_for_the_patient(text: str, name: tuple[str, str]) -> bool:
    """The caller says they are someone else to the patient named `name` ("I'm James Wilson's
    wife. ... James Wilson, born ..."), not that relative by that name ("this is his mother,
    Maria Garcia")."""
    theirs = rf"\W*{re.escape(name[0].lower())}\W+{re.escape(name[1].lower())}\b"
    return any(re.match(theirs, text[m.end() :]) is None for m in _THEIR_RELATIVE_SPEAKING.finditer(text))


def spoke_for_a_relative(text: str) -> bool:
    """A relative named ("my son", "our daughter"): the caller may be speaking for them."""
    return _KIN_SAID.search(text) is not None
