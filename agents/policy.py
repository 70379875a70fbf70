"""Policy the runtime enforces on every tool call, whichever planner made it.

Rules, each with a name that goes into the `agent.policy_refusal` audit event:
- `unknown_tool`: the tool is not in the registry;
- `invalid_arguments`: malformed JSON or arguments failing the tool's schema (the validation
  message goes back to the planner so it can repair the call);
- `identity_not_verified`: a protected read or write before the caller is verified;
- `other_person`: a protected call naming a person (or someone's appointment) other than the
  verified caller;
- `unknown_record`: a write naming a slot the caller was never offered (so the runtime can say
  exactly what it is about to do and the model cannot invent ids).
Writes that pass are not run: the runtime holds them as the pending action until the caller says
an explicit yes (`classify_confirmation`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from agents.planner import ToolCall
from agents.tools import ToolRegistry, ToolSpec


@dataclass(frozen=True)
class Allowed:
    spec: ToolSpec
    args: BaseModel


@dataclass(frozen=True)
class Refused:
    rule: str
    message: str  # for the planner: what was wrong and how to repair it
    tool: str

    @property
    def outcome(self) -> Literal["refused", "invalid"]:
        return "invalid" if self.rule == "invalid_arguments" else "refused"


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "arguments"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def check_call(
    call: ToolCall, registry: ToolRegistry, *, verified_person_id: str | None
) -> Allowed | Refused:
    """The checks that need no I/O: tool known, arguments valid, identity, person named."""
    spec = registry.get(call.name)
    if spec is None:
        return Refused(
            "unknown_tool",
            f"There is no tool named {call.name!r}. Use one of: {', '.join(registry.names)}.",
            call.name,
        )
    raw: Any = call.arguments
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else {}
        except json.JSONDecodeError as exc:
            return Refused("invalid_arguments", f"The arguments are not valid JSON: {exc.msg}.", call.name)
    if not isinstance(raw, dict):
        return Refused("invalid_arguments", "The arguments must be a JSON object.", call.name)
    try:
        args = spec.arguments.model_validate(raw)
    except ValidationError as exc:
        return Refused("invalid_arguments", f"Invalid arguments: {_validation_message(exc)}.", call.name)
    if spec.reads_protected and verified_person_id is None:
        return Refused(
            "identity_not_verified",
            "The caller's identity is not verified yet. Ask for their full name and date of birth "
            "and call verify_identity first.",
            call.name,
        )
    person_id = getattr(args, "person_id", None)
    if spec.reads_protected and person_id is not None and person_id != verified_person_id:
        return Refused(
            "other_person",
            "Only the verified caller's own records may be used. Do not reveal or change anyone else's.",
            call.name,
        )
    return Allowed(spec, args)


# ---------------------------------------------------------------------------------------------
# What counts as an explicit yes. Decided here, by the runtime, never by a planner: the whole
# utterance must be agreement (plus filler); anything more is a new request, not a yes.

_YES_CORE = {
    "yes", "yeah", "yea", "yep", "yup", "ya", "sure", "ok", "okay", "alright", "correct", "right",
    "absolutely", "definitely", "certainly", "confirm", "confirmed", "perfect", "affirmative",
    "mhm", "uh-huh", "proceed", "ahead", "good", "great", "fine", "works", "mm-hmm", "mmhmm", "mhmm",
    "yes'm", "yass", "yah", "aye", "awesome", "excellent", "wonderful", "lovely",
    "y", "yy", "yess", "yesss", "k", "kk", "okie", "okey", "oky", "okey-dokey", "righto", "right-o", "ye", "yh", "yas", "yessir",
    "bet", "grand", "brilliant", "cool", "sweet", "super", "splendid", "terrific", "marvellous", "marvelous",
    "cracking", "ace", "champion", "spot-on", "deal", "agreed", "surely", "gladly", "exactly",
    "ripper", "beaut", "bonza", "bonzer", "choice",  # Australian and New Zealand: "ripper, go for it"
    "si", "sí", "oui", "ja", "haan", "han", "ji", "theek", "thik",  # callers whose first language is another
    "claro", "perfecto", "perfecta", "vale", "dale", "bueno", "bien", "sim", "certo", "bene", "genau", "parfait",
    "exacto", "correcto", "acuerdo", "daccord", "d'accord", "jawohl", "tak", "da", "evet", "achha", "acha",
    "perfeito", "perfeita", "bom", "bon", "listo", "entendido",
}  # fmt: skip
# courtesies in other languages around a yes ("Sí, gracias", "oui merci", "ja bitte")
_OTHER_FILLER = {
    "gracias", "muchas", "por", "favor", "senor", "senora", "esta", "de", "muy", "merci", "beaucoup",
    "c'est", "que", "danke", "bitte", "schon", "grazie", "obrigado", "obrigada", "shukriya", "dhanyavaad", "ok",
    # "sim, pode marcar", "sim, pode ser", "oui, c'est bon", "si, cancelala", "si, reservala"
    "pode", "marcar", "ser", "cancelala", "cancelalo", "reservala", "reservalo", "hazlo", "adelante", "isso",
    "est", "tout", "fait", "s'il", "vous", "plait", "plaît",
}  # fmt: skip
# Agreement said as a phrase of words that alone are not a yes ("please do", "do it")
_YES_PHRASES = re.compile(
    r"\b(please do|do it|do that|go for it|book it|let's do|you bet|uh huh|mm hmm|sure thing"
    # regional and informal ways of saying it: Australian, British, Indian English, text speak
    r"|too easy|lock (it|that|me) in|pencil (it|that|me) in|put me (down|in)|sign me up|make it so"
    r"|do the needful|go on then|that'll do|that will do|i'll take (it|that|that one)|take it"
    r"|spot on|bang on|good stuff|happy days|works for me|let's go|go on|confirm it|sounds about right|suits me|will do nicely"
    r"|i guess so|guess so|i suppose so|suppose so|i think so|that should work|should be fine)\b"
)
_YES_FILLER = {
    "please", "go", "do", "it", "that", "that's", "thats", "is", "sounds", "thanks", "thank", "you",
    "of", "course", "all", "let's", "lets", "book", "cancel", "move", "reschedule", "one", "the",
    "uh", "um", "oh", "well", "so", "thing", "and", "i", "very", "much", "sir", "ma'am", "would",
    "be", "this", "yes", "appointment", "exactly", "indeed", "now", "for", "me", "fantastic",
    "huh", "hmm", "mm", "bet", "by", "with", "to", "looks", "a", "plan", "only",  # "yes, correct only"
    "cheers", "ta", "mate", "lock", "in", "pencil", "put", "down", "sign", "up", "make", "too",
    "easy", "needful", "kindly", "on", "then", "that'll", "will", "i'll", "take", "spot", "bang",
    "stuff", "happy", "days", "works", "let", "confirm", "about", "hai", "dear", "love", "lol", "as",
    "nicely", "perfectly", "nice", "just", "really", "quite", "lovely", "suit", "suits", "right",
    "pls", "plz", "plez", "plse", "thx", "thanx", "thnx", "ty",  # typed short forms
    "that'd", "thatd", "it'd", "itd",  # "that'd be grand, go ahead"
    "booking",  # "go ahead with the booking"
    "his", "hers", "theirs",  # "yes, cancel his please" (a relative's visit, read back)
    "man", "bro", "boss", "my", "friend", "buddy", "pal", "darling", "hun", "honey", "sweetheart", "madam",
    "dude", "guy", "guys", "chief", "ma", "sah", "auntie", "uncle",  # "yes man go ahead", "yes ma"
    "guess", "suppose", "think", "should", "work",  # "i guess so", "i think so", "that should work"
    "her", "him", "them", "us",  # "yes, book her in"
    "mine",  # "yes, cancel mine"
    "g", "fam", "ngl", "fr", "tbh",  # "sounds good g", "bet thx", "yeah ngl"
    "ah", "och",  # "ah that's grand, yeah, go ahead"
    "o", "abeg", "am",  # Nigerian Pidgin: "yes o, go ahead", "abeg cancel am" ("am": it)
    "dat", "mi", "dem", "fi",  # Jamaican: "yes man dat good", "yes mi dear"
}  # fmt: skip
_YES_FILLER |= _OTHER_FILLER
_NO_CORE = {"no", "nope", "nah", "don't", "dont", "not", "stop", "wait", "never", "negative", "hold"}
_NO_FILLER = {
    "thanks", "thank", "you", "mind", "on", "do", "it", "that", "please", "uh", "um", "oh", "well",
    "actually", "i", "changed", "my", "forget", "a", "second", "sec", "minute", "way", "want",
    "one", "the", "sorry", "that's", "thats", "right", "now", "go", "ahead", "never",
    "book", "cancel", "move", "this", "yet",
    "think", "guess", "suppose", "so",  # "i don't think so", "i guess not"
}  # fmt: skip

# a sentence acknowledging what was just said, before the answer: "ok, good to know. go ahead"
_HEARD_THAT = re.compile(
    r"^\W*(?:(?:ok|okay|alright|all right|oh|ah|hmm|um|i see|good to know|got it|noted|understood|fair enough"
    r"|makes sense|that's fine|thanks|thank you)\b[\s,]*)*(?:good to know|got it|noted|i see|understood"
    r"|fair enough|makes sense|let me (?:think|see)|hmm+|um+)\W*[.!;…]\s*(?=[a-z])"
)

# "no worries", "not a problem": a way of saying yes, though it has a "no" in it
_NO_TROUBLE = re.compile(
    r"\b(?:no worries|no worry|no problem|no problems|no probs?|not a problem|no bother|no dramas|no sweat"
    r"|no issues?|no trouble|why not)\b"  # "sure why not": agreement
)

Confirmation = Literal["yes", "no", "other"]

# After a plain yes, words that would change or question what is agreed: a day, a time, a doctor,
# a question, a "but" ("oh lovely, yes, perfect, thanks so much, that's a weight off my mind" is a
# yes; "yes, but can it be Friday" and "yes, and do you validate parking?" are not)
_CHANGES_IT = re.compile(
    r"[?]|\b(?:but|though|however|instead|actually|rather|wait|change|different|another|other|earlier|later"
    r"|cancel|move|book|dr|doctor|monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|today"
    r"|morning|afternoon|evening|am|pm|o'clock|week|month|if|unless|only|except|what|when|where|how|why|who)\b"
    # a question asked after it: "... and will i still get the reminder text"
    r"|\b(?:can|could|will|would|do|does|is|are|should|shall)\s+(?:i|you|we|it|there|he|she|they|that|this)\b"
)


_ENGLISH_YES = {
    "yes",
    "yeah",
    "yep",
    "yup",
    "sure",
    "ok",
    "okay",
    "alright",
    "perfect",
    "great",
    "fine",
    "lovely",
    "absolutely",
    "definitely",
    "correct",
}


def _yes_then_chatter(folded: str) -> bool:
    """A plain yes first, then only chatter: "oh lovely, yes, perfect, thank you so much! that's a
    weight off my mind honestly", "yes please, that's great, my mum will be thrilled haha"."""
    clauses = re.sub(r"[!;.]", ",", folded).split(",")
    for n, clause in enumerate(clauses):
        words = re.findall(r"[a-z]+(?:['-][a-z]+)?", clause)
        if not all(w in _YES_CORE or w in _YES_FILLER for w in words):
            return False  # something other than agreement before the yes
        # an English yes only: the chatter is read for English words that would change it ("sí, pero el jueves")
        if any(w in _ENGLISH_YES for w in words):
            chatter = " ".join(clauses[n + 1 :])
            return bool(chatter.strip()) and _CHANGES_IT.search(chatter) is None and n <= 2
    return False


def classify_confirmation(text: str) -> Confirmation:
    folded = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    folded = _NO_TROUBLE.sub(" fine ", folded)  # "yep, no worries": agreement, whatever its "no"
    folded = re.sub(r"\bcan sell\b", "cancel", folded)  # "yes can sell it", as a recogniser writes it
    folded = _HEARD_THAT.sub("", folded)  # "ok, good to know. go ahead": what follows the acknowledgement
    words = re.findall(r"[a-z]+(?:['-][a-z]+)?", folded)  # "Sí, claro": accents folded
    if not words or re.search(r"\d", text):
        return "other"  # "yes, 4 is fine" names something else: a new request, never a yes
    has_no = any(w in _NO_CORE for w in words)
    has_yes = any(w in _YES_CORE for w in words) or (not has_no and _YES_PHRASES.search(" ".join(words)))
    if has_yes and not has_no and all(w in _YES_CORE or w in _YES_FILLER for w in words):
        return "yes"
    if not has_no and _yes_then_chatter(folded):
        return "yes"
    if has_no and all(w in _NO_CORE or w in _NO_FILLER for w in words):  # "no, don't go ahead"
        return "no"
    return "other"
