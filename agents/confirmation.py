"""Yes/no questions the runtime itself asks, and what the caller's answer does.

A write that passed the policy is not run: it is held as the pending action and the caller is
asked "I'll <exactly what>. Shall I go ahead?". Only an explicit yes runs it; a no drops it; any
other answer is a new request for the planner (and the pending write is gone). The runtime, not a
planner, decides what a yes is. An offered transfer is answered the same way.
"""

from __future__ import annotations

import re
import uuid

from pydantic import BaseModel

from agents.api import AgentOutput
from agents.callbacks import CallbackBook, readback, take_confirmed_message
from agents.confirmed_write import run_confirmed_write
from agents.connector_calls import ConnectorCalls
from agents.events import EventKind
from agents.handoff import hand_off
from agents.memory import PendingAction
from agents.next_person import CALLERS_OWN, CARRY, NEXT_PERSON
from agents.offline.numbers import normalize
from agents.planner import Message, ToolCall, ToolResult
from agents.policy import classify_confirmation
from agents.replies import ANYTHING_ELSE, TAKE_YOUR_TIME, asks_to_wait
from agents.tools import TAKE_MESSAGE, ToolRegistry, ToolSpec
from agents.turn import StepOutcome, Turn
from agents.writes import describe
from connectors.base import Capability

_OFFER_ANOTHER_TIME = (Capability.BOOK_APPOINTMENT, Capability.RESCHEDULE_APPOINTMENT)


async def ask_confirmation(turn: Turn, call: ToolCall, spec: ToolSpec, args: BaseModel) -> StepOutcome:
    """Hold the write as pending, with a fresh idempotency key, and ask the caller."""
    state, memory = turn.state, turn.memory
    summary = describe(spec.name, args, memory)
    memory.write_seq += 1
    memory.pending = PendingAction(
        call_id=call.id,
        tool=spec.name,
        arguments=args.model_dump(mode="json"),
        summary=summary,
        idempotency_key=f"{state.conversation_id}-{memory.write_seq}-{uuid.uuid4().hex[:16]}",
    )
    question = f"I'll {summary}. Shall I go ahead?"
    if spec.name == TAKE_MESSAGE:  # a message is read back whole: every part the caller gave
        question = readback(memory.pending.arguments, state.caller_phone)
    await turn.emit(
        EventKind.CONFIRMATION_REQUESTED,
        "agent",
        {"tool": spec.name, "arguments": memory.pending.arguments, "summary": summary},
    )
    outputs = turn.say(question)
    result = ToolResult(
        call_id=call.id, name=call.name, outcome="awaiting_confirmation", result={"asked_caller": question}
    )
    return StepOutcome(result, outputs, True)


async def answer_pending(
    turn: Turn, text: str, tools: ToolRegistry, calls: ConnectorCalls, callbacks: CallbackBook | None = None
) -> list[AgentOutput] | None:
    """The caller's answer to "Shall I go ahead?"; None: it was a new request, for the planner.
    `callbacks`: where a confirmed message goes (`agents.callbacks`)."""
    memory = turn.memory
    assert memory.pending is not None
    said_back = _says_it_back(text, memory.pending.summary) and not _another_doctor(
        text, memory.pending.summary
    )
    asks_again = _ASKS_AGAIN.search(text) is not None or _only_asks_what_it_was(text, memory.pending.summary)
    if asks_again and classify_confirmation(text) != "no" and not said_back:
        # "sorry, could you repeat that?": the same question again, the write still held
        if memory.pending.tool == TAKE_MESSAGE:
            return turn.answer(text, readback(memory.pending.arguments, turn.state.caller_phone))
        return turn.answer(text, f"I'll {memory.pending.summary}. Shall I go ahead?")
    if asks_to_wait(text):  # "hang on, the dog ... one sec": the write still held for the answer
        return turn.answer(text, TAKE_YOUR_TIME)
    if _ONLY_A_PAUSE.match(text) is not None:
        # "wait", "wait a second", "one moment please": a pause, no no; the write still held and
        # the question asked again, so the caller's next "yes" goes ahead with it
        if memory.pending.tool == TAKE_MESSAGE:
            return turn.answer(text, TAKE_YOUR_TIME)
        return turn.answer(text, f"Sure, take your time. I'll {memory.pending.summary}. Shall I go ahead?")
    text = _BACK.sub("", text) or text  # "sorry about that! where were we? yes, ..."
    verdict = classify_confirmation(_without_numbers_of(text, memory.pending.summary))
    if (
        verdict != "yes"
        and classify_confirmation(_without_names_of(text, memory.pending.summary)) == "yes"
        and not _another_doctor(text, memory.pending.summary)
    ):
        verdict = "yes"  # "Thursday's fine, yes" to a Thursday: it only repeats the proposal
    if verdict != "yes" and said_back:
        # "Yes, that's it, nine o'clock. Go ahead please." / "Did you say Tuesday? Yes, Tuesday,
        # half past ten, that's right, go ahead.": the proposal's own time and day said back
        verdict = "yes"
    if verdict != "yes" and _asks_for_it(text, memory.pending.tool):
        verdict = "yes"  # "no, I'll call back when it's fixed, just cancel it please" to a cancel
    deferred = verdict == "yes" and puts_it_off(text) and not _asks_for_it(text, memory.pending.tool)
    if deferred:
        # "ok thanks, I'll call back once I've checked with work": thanks and later, never a yes
        verdict = "no"
    question = _question_after_yes(text) if verdict != "yes" else None
    if question is not None:  # "yes that's fine, and do you validate parking?": the write, then the question
        verdict = "yes"
        waiting = memory.scratch.get(NEXT_PERSON)
        if (
            isinstance(waiting, dict)
            and waiting.get("kin") != CALLERS_OWN
            and _A_RELATIVE_NEXT.search(question)
        ):
            # "... and my husband needs a visit too" said before: what is said for him now is his request
            waiting["text"] = question
        else:
            memory.scratch[CARRY] = question
    if verdict == "yes":
        await turn.emit(EventKind.CONFIRMATION_GIVEN, "caller", {"tool": memory.pending.tool, "text": text})
        memory.messages.append(Message(role="user", content=text))
        if memory.pending.tool == TAKE_MESSAGE:
            pending, memory.pending = memory.pending, None
            return await take_confirmed_message(turn, pending, callbacks, calls)
        outputs = await run_confirmed_write(turn, tools, calls)
        if question is not None and not memory.last_reply_done():
            memory.scratch.pop(CARRY, None)  # the write failed: the caller hears that first
        return outputs
    pending, memory.pending = memory.pending, None
    await turn.emit(
        EventKind.CONFIRMATION_DECLINED,
        "caller",
        {"tool": pending.tool, "summary": pending.summary, "verdict": verdict, "text": text},
    )
    if verdict != "no" or _asks_for_another(text, pending.tool) or _ASKS_STAFF_FIRST.search(text):
        # "no, wait, don't move it, just cancel it altogether": another write, for the planner;
        # "don't book it yet, I first need to ask someone about a charge": the question, for it too
        return None
    # The planner keeps its scratch (it knows what the caller was looking for, so "a different
    # time" can follow); it sees that the action is no longer pending.
    if pending.tool == TAKE_MESSAGE:  # the planner keeps the parts: one can be corrected
        return turn.answer(text, "Okay, I haven't passed it on. What would you like to change?")
    if deferred:  # nothing done, and no other time pressed on a caller who will decide later
        return turn.answer(text, f"Okay, I've left it for now. {ANYTHING_ELSE}")
    follow_up = "Would you like a different time?" if pending.tool in _OFFER_ANOTHER_TIME else ANYTHING_ELSE
    return turn.answer(text, "Okay, I won't do that. " + follow_up)


async def answer_transfer_offer(turn: Turn, text: str) -> list[AgentOutput] | None:
    """The caller's answer to "Would you like me to transfer you?"; None: a new request."""
    memory = turn.memory
    reason, memory.transfer_offered = memory.transfer_offered, None
    assert reason is not None
    verdict = classify_confirmation(text)
    if verdict == "yes" and _SIGNS_OFF.search(text) and not _ASKS_FOR_PERSON.search(text):
        return None  # "ok great, thanks, bye": a goodbye, not a yes to being put through
    if thanks_only(text):
        # "ok, thank you" / "great, thanks" to "... connect you with them, or is there anything
        # else?": thanks for the answer, no yes to being put through; the caller is asked whether
        # there is anything else (a person can still be asked for then)
        return turn.answer(text, f"You're welcome. {ANYTHING_ELSE}")
    if verdict == "yes":
        return await hand_off(turn, reason)
    if verdict == "no":
        return turn.answer(text, f"Okay. {ANYTHING_ELSE}")
    return None


# "I'll call back", "let me check with my husband first", "not just yet", "I'll think about it": the
# answer deferred; with "ok thanks" before it, still no yes to the write
_PUTS_IT_OFF = re.compile(
    r"\b(?:i'll|i will|i'd|will|let me|i'm going to|i'm gonna|gonna|going to|i need to|i have to|i've got to"
    r"|i gotta|i should|i'd better|i'd like to|first i|ill)\s+(?:just\s+|have to\s+|need to\s+|better\s+|probably\s+)?"
    r"(?:call (?:you )?back|ring (?:you )?back|phone (?:you )?back|get back to you|come back to you|call again"
    r"|think about it|think it over|sleep on it|let you know(?! if)|check (?:with|first|my)|ask (?:my|him|her|them|first)"
    r"|talk to (?:my|him|her)|speak (?:to|with) (?:my|him|her)|confirm (?:with|my|first)|look at my|see (?:what|if|how)"
    r"|hold off)\b"
    r"|\b(?:not|don't|do not|no need to)\s+(?:book|booking|move|cancel)?\s*(?:it\s+|that\s+|anything\s+)?"
    r"(?:just\s+)?(?:yet|now|right now|for now|today)\b"
    r"|\b(?:maybe|perhaps)\s+(?:later|another time|next time)\b"
    r"|\b(?:once|after|when)\s+i(?:'ve| have)?\s+(?:checked|asked|spoken|talked|heard|confirmed|looked|know)\b",
    re.IGNORECASE,
)
# ... unless the write itself is asked for with it ("yes book it, I'll call back if I need to change it")
_GO_AHEAD = re.compile(
    r"\b(?:go ahead|book it|book that|lock it in|do it|confirm it|yes please|please do|take it|grab it|sounds good)\b",
    re.IGNORECASE,
)


def puts_it_off(text: str) -> bool:
    """The caller defers the answer ("thanks, I'll call back once I've checked with work") and does
    not also say to go ahead."""
    return _PUTS_IT_OFF.search(text) is not None and _GO_AHEAD.search(text) is None


# Thanks with nothing but acknowledgement around it: "ok, thank you", "great, thanks so much", "got
# it, cheers". Any word of its own ("yes", "please", "sure", "that'd be great", "put me through")
# makes it an answer to the question asked instead.
_ACKNOWLEDGES = (
    r"oh|ah|ok|okay|okey|okie|k|kk|alright|alrighty|all right|right|then|great|perfect|lovely|brilliant|cool"
    r"|awesome|excellent|wonderful|fantastic|super|fab|nice|good|sweet|grand|fine|marvellous|marvelous|splendid"
    r"|that's (?:great|perfect|lovely|brilliant|wonderful|fine|ok|okay|good|helpful|very helpful|useful|kind)"
    r"|got it|good to know|i see|understood|noted|makes sense|fair enough|no worries|no problem|not to worry"
)
_THANKS = (
    r"thanks|thank you|thank u|thankyou|ty|thx|thanx|tysm|cheers|ta|many thanks|much appreciated"
    r"|(?:i )?appreciate (?:it|that)"
)
# what the thanks may be for, or how much: "thanks so much for your help", "thank you for the info"
_THANKS_TAIL = (
    r"(?:\s+(?:so|very|a lot|a bunch|a million|again|anyway|anyways|all the same|kindly|much|lots))*"
    r"(?:\s+for (?:that|this|your help|the help|the info|the information|letting me know|checking|explaining"
    r"|everything|all your help))?"
)
_THANKS_ONLY = re.compile(
    rf"^\W*(?:(?:{_ACKNOWLEDGES})\b\W*)*(?:{_THANKS}){_THANKS_TAIL}\b(?:\W*(?:(?:{_ACKNOWLEDGES}|{_THANKS})"
    rf"{_THANKS_TAIL})\b)*\W*$"
)


def thanks_only(text: str) -> bool:
    """The caller only says thank you, with an "ok" or a "great" at most: a close, not a yes."""
    return _THANKS_ONLY.match(text.strip().lower().replace("\u2019", "'")) is not None


# a caller ending the conversation ...
_SIGNS_OFF = re.compile(
    r"\b(?:bye|goodbye|good bye|bye bye|that's all|that's everything|talk to you later|take care)\b", re.I
)
# ... unless they also ask to be put through
_ASKS_FOR_PERSON = re.compile(
    r"\b(?:connect|transfer|put me through|(?:speak|talk) (?:to|with) (?:someone|somebody|a person|them|a human|staff))\b",
    re.I,
)


# a question for someone else held before the write: "I first need to ask someone about a charge"
_ASKS_STAFF_FIRST = re.compile(
    r"\b(?:ask|talk to|speak (?:to|with)|check with)\s+(?:someone|somebody|a person|staff|the office|billing"
    r"|the front desk|reception)\b[^.?!]{0,40}\babout\b",
    re.IGNORECASE,
)


# a question about what was proposed: "what day is that?", "which doctor was that with?", "what time
# did you say?", "who's that with?", "when is that?"
_ABOUT_THE_PROPOSAL = (
    r"\b(?:(?:what|which) (?:day|date|time|doctor|dr)(?: (?:is|was|'s) (?:that|it|this)| did you (?:just )?say"
    r"| was (?:it|that) again| again)\b"
    r"|what(?:'s| is| was) the (?:day|date|time|doctor)(?: again)?(?=\s*[?.!,]|\s*$)"
    r"|who(?:'s| is| was) (?:that|it|this) with\b|(?:with )?(?:which|what) doctor(?: is| was)? (?:that|it)\b"
    r"|when (?:is|was|'s) (?:that|it)(?: again)?(?=\s*[?.!,]|\s*$))"
)


# a turn of nothing but a pause to "Shall I go ahead?": "wait", "wait a sec", "um, one moment",
# "hang on a second" (a "wait" with anything more, "wait, not Friday", is a change or a no)
_PAUSE = (
    r"wait(?: up)?|hang on|hold on|hold up|one (?:sec|second|moment|minute|mo)|just a (?:sec|second|moment|minute|mo)"
    r"|(?:wait|hang on|hold on|give me) (?:a|one|just a) (?:sec|second|moment|minute|mo)|a (?:sec|second|moment)"
)
_ONLY_A_PAUSE = re.compile(
    rf"^\W*(?:(?:oh|um|uh|er|erm|hmm|ok|okay|sorry|just)\W+)*(?:{_PAUSE})(?:\W+(?:{_PAUSE}))*"
    r"(?:\W+(?:please|pls|sorry|thanks))?\W*$",
    re.IGNORECASE,
)


# the caller did not hear the question: "could you repeat that?", "pardon?", "say that again"
_ASKS_AGAIN = re.compile(
    r"\b(?:(?:could|can|would) you (?:please )?(?:repeat|say) (?:that|it|this)(?: again)?|repeat (?:that|it) please"
    r"|say (?:that|it) again|come again|pardon(?: me)?\?|what was that|(?:i )?didn't (?:quite )?(?:catch|hear) (?:that|it|you))"
    r"|^\W*(?:sorry|pardon|excuse me|what|huh|eh)\W*\?\W*$",
    re.IGNORECASE,
)


# the pending write asked for again in plain words, by its own verb ("just cancel it please")
_SAME_VERB = {
    "cancel_appointment": r"cancel",
    "book_appointment": r"book",
    "reschedule_appointment": r"(?:move|reschedule|change|switch|shift)",  # "yes please switch it"
}


# back from a pause, before the answer: "sorry about that! where were we?", "ok i'm back"
_BACK = re.compile(
    r"^(?:\W*(?:sorry(?: about that)?|(?:ok(?:ay)?,? )?i'?m back|back now|right|so|where were we|thanks for waiting"
    r"|thank you for waiting|sorry for the wait)\b\W*)+(?=\w)",
    re.IGNORECASE,
)


def _only_asks_what_it_was(text: str, summary: str) -> bool:
    """ "Sorry, what day is that?", "which doctor was that?", "what time did you say?" and nothing
    else: the proposal is said again, never read as a new request ("what day" is no question about
    their visits). With more said ("which doctor is it? I'd rather see Dr. Chen") it is a request."""
    sentences = re.split(r"(?<=[.?!])\s+", text.strip())
    if not any(re.search(_ABOUT_THE_PROPOSAL, s, re.IGNORECASE) for s in sentences):
        return False
    rest = " ".join(s for s in sentences if not re.search(_ABOUT_THE_PROPOSAL, s, re.IGNORECASE))
    if _another_doctor(re.sub(_ABOUT_THE_PROPOSAL, " ", text, flags=re.IGNORECASE), summary):
        return False  # "which doctor is that with, dr chen?" to Dr. Patel's: another doctor asked
    return (
        re.fullmatch(
            r"(?:\W|\b(?:sorry|pardon|excuse me|um|uh|er|hmm|oh|ok|okay|wait|hang on)\b)*", rest.lower()
        )
        is not None
    )


def _another_doctor(text: str, summary: str) -> bool:
    """The words name a doctor the proposal does not ("... 4:30 with Dr. Patel" to Dr. Rodriguez's)."""
    named = re.findall(r"\b(?:dr|doctor)\.?\s+([a-z][a-z'-]+)", text.lower())
    return any(name not in summary.lower() and name not in _NOT_A_DOCTOR for name in named)


# words after "doctor" that name nobody: "which doctor was that?", "the doctor is fine, yes"
_NOT_A_DOCTOR = frozenset(
    "was is it that this again did you and or on at with for please who the is's i then too".split()
)


def _asks_for_another(text: str, tool: str) -> bool:
    """A "no" to the write proposed that asks for the other kind ("don't move it, just cancel it")."""
    return any(
        _asks_for_it(text, other) for other in _SAME_VERB if other != tool and other in _MOVE_OR_CANCEL
    )


_MOVE_OR_CANCEL = ("cancel_appointment", "reschedule_appointment")


def _asks_for_it(text: str, tool: str) -> bool:
    verb = _SAME_VERB.get(tool)
    if verb is None:
        return False
    said = text.lower()
    asked = re.search(
        rf"\b(?:just|please|go ahead and|yes,?|so|fine,?|ok,?|okay,?|alright,?|then,?)\s+{verb}"
        # ("yes, please change": the verb alone, at the end)
        r"(?: (?:it|that|this|the appointment|my appointment)\b|\W*$)",
        said,
    )
    denied = re.search(
        rf"\b(?:don't|do not|not|never|no need to|didn't|did not)\s+(?:want to\s+|need to\s+)?{verb}\b", said
    )
    # "ok, move it to 3 on friday": a new time is a new request, never a yes to the one proposed
    clause = re.split(r"[.!?;]", said[asked.end() :])[0] if asked is not None else ""
    elsewhere = _NAMES_A_TIME.search(clause) is not None
    return asked is not None and denied is None and not elsewhere


_NAMES_A_TIME = re.compile(
    r"\d|\b(?:instead|monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|today|next|later|earlier"
    r"|morning|afternoon|evening|noon|week|dr|doctor)\b"
)


# "yes that's fine and do you validate parking": a question of its own after the yes
_YES_THEN_QUESTION = re.compile(
    r"^(?P<yes>.+?)(?:[,.;!\u2014-]\s*|\s+)(?:(?:and|also|oh|plus|by the way|one more thing|quick question)[,]?\s+)*"
    r"(?P<question>(?:(?:do|does|is|are|can|could|will|would|should|shall|any)\s+(?:you|i|there|we|the|your|y'all|u"
    r"|they|it|parking|one)\b|(?:where|how|what|who|which)\b).*)$",
    re.IGNORECASE,
)
# ... unless the question is about the write itself ("yes, and can it be at 3 instead?")
_ABOUT_THE_WRITE = re.compile(
    r"\d|\b(?:but|instead|actually|rather|wait|change|different|another|other|earlier|later|cancel\w*|move"
    r"|book\w*|reschedul\w*|dr|doctor|monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|today"
    r"|morning|afternoon|evening|am|pm|o'clock|noon|week|month|day|date|him|her|son|daughter|wife|husband|mum|mom"
    r"|dad)\b",
    re.IGNORECASE,
)


# "Yes please. Oh, and my inhaler prescription ran out, can someone send a refill?": a whole
# sentence of yes, then something else of the caller's
_YES_SENTENCE_THEN = re.compile(r"^(?P<yes>[^.!?;]+[.!;]+)\s+(?P<question>\S.*)$")


_A_RELATIVE_NEXT = re.compile(
    r"^\W*(?:(?:and|now|then|also|next|ok|okay|so)\W+)*(?:(?:for|book|and) )?(?:my|our) (?:husband|wife|partner|son"
    r"|daughter|mum|mom|mother|dad|father|kid|child|boy|girl)\b",
    re.IGNORECASE,
)
# ... unless it changes the write itself ("my husband, not me", "instead")
_NOT_THIS_ONE = re.compile(
    r"\b(?:not (?:me|for me|mine)|instead|rather|but for|wrong|actually)\b", re.IGNORECASE
)


def _question_after_yes(text: str) -> str | None:
    """The question asked after a plain yes, when it is not about the write; else None."""
    whole = _YES_SENTENCE_THEN.match(text.strip())
    if (
        whole is not None
        and classify_confirmation(whole["yes"]) == "yes"
        and (
            not _ABOUT_THE_WRITE.search(whole["question"])
            # "Great. My husband is Michael Brown, ... same time as me, but with Dr. Chen": the next
            # person's request, after this one is done
            or (_A_RELATIVE_NEXT.search(whole["question"]) and not _NOT_THIS_ONE.search(whole["question"]))
        )
        and classify_confirmation(whole["question"]) == "other"
    ):
        return whole["question"]
    said = _YES_THEN_QUESTION.match(text.strip())
    if (
        said is None
        or classify_confirmation(said["yes"]) != "yes"
        or _ABOUT_THE_WRITE.search(said["question"])
    ):
        return None
    return said["question"]


def _without_numbers_of(text: str, summary: str) -> str:
    """ "Yes, 3:30 is right" to "…at 3:30 PM. Shall I go ahead?": numbers that only repeat the
    proposal's own are agreement; any other number ("yes, 4 is better") stays a new request."""
    said = re.findall(r"\d+(?::\d{2})?", text)
    if not said or not all(n in re.findall(r"\d+(?::\d{2})?", summary) for n in said):
        return text
    return re.sub(r"\d+(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)?", " ", text, flags=re.IGNORECASE)


# indexed by the hour mod 12
_HOUR_WORDS = "twelve one two three four five six seven eight nine ten eleven".split()
_MINUTE_WORDS = {0: r"o'? ?clock|hundred", 15: r"fifteen", 30: r"thirty", 45: r"forty[ -]?five"}


def _without_spoken_time(text: str, summary: str) -> str:
    """The proposal's new time said in words ("nine o'clock", "half past ten", "four thirty in the
    afternoon") taken out of `text`; any other time stays (a new request)."""
    said = re.findall(r"\bat (\d{1,2})(?::(\d{2}))?\s*(AM|PM)\b", summary)
    if not said:
        return text
    hour, minute, half = said[-1]  # of a move, the new time is the last one
    h, m = int(hour) % 12, int(minute or 0)
    word = _HOUR_WORDS[h]
    forms = [rf"{word}(?:\s+(?:{_MINUTE_WORDS[m]}))?" if m in _MINUTE_WORDS else word]
    if m == 30:
        forms.append(rf"half (?:past )?{word}")
    if m == 15:
        forms.append(rf"(?:a )?quarter past {word}")
    part = r"in the morning|a\.?m\.?" if half == "AM" else r"in the (?:afternoon|evening)|p\.?m\.?"
    return re.sub(rf"\b(?:{'|'.join(forms)})\b(?:\s*(?:{part})\b)?", " ", text, flags=re.IGNORECASE)


# the caller checking what they heard before saying yes: "what's that? did you say tuesday?",
# "which doctor was that? dr patel? yes, go ahead"
_HEARD_CHECK = re.compile(
    r"^\W*(?:(?:what's that|what was that|sorry|pardon)\W+)*(?:did you say|was that|you said"
    rf"|{_ABOUT_THE_PROPOSAL})[^.?!]*\?\s*",
    re.IGNORECASE,
)


def _without_heard_check(text: str) -> str:
    return _HEARD_CHECK.sub("", text) or text


def _says_it_back(text: str, summary: str) -> bool:
    """The proposal's own day, time and doctor said back with a yes: "Yes, Tuesday, half past ten,
    go ahead"; in spoken words too ("Friday the thirteenth at nine, yes, book it" to the 13th at 9)."""
    timeless = _without_spoken_time(text, summary)  # before `normalize` makes "ten" 10
    return any(
        classify_confirmation(_without_names_of(_without_heard_check(said), summary)) == "yes"
        for said in (timeless, normalize(timeless))
    )


def _without_names_of(text: str, summary: str) -> str:
    """ "Thursday's fine, yes" / "with Dr Patel, yes please" to "...Dr. Priya Patel on Thursday,
    February 25th at 2 PM. Shall I go ahead?": the day, month, doctor's names and numbers the
    proposal itself says are agreement; a word it does not say ("Friday's fine") stays."""
    if summary.startswith("move "):  # of a move, only the new day is agreed to
        summary = summary.rpartition(" to ")[2]
    own = {w.casefold() for w in re.findall(r"\b[A-Z][a-z]+\b", summary)} | {
        "dr",
        "doctor",
        "the",
        "on",
        "at",
        "with",
        "is",
        "am",
        "pm",
    }
    text = re.sub(r"\b(\d{1,2})(?:st|nd|rd|th)\b", r"\1", text)  # "the 25th": 25
    words = re.sub(r"\b([A-Za-z]+)'s\b", r"\1", _without_numbers_of(text, summary))
    return re.sub(r"\b[A-Za-z]+\b", lambda m: " " if m.group(0).casefold() in own else m.group(0), words)
