"""Two requests in one breath: "cancel my Thursday appointment and book a new one for Friday at 2",
"book me with Dr. Chen tomorrow at 10 and Dr. Patel on Friday at 11".

The first request is read as the turn; the second is kept (`carry`) and read when the caller says
yes to "Is there anything else I can help you with?" after the first one was done. The runtime
clears the planner's scratch after a confirmed write but keeps `carry` (`agents.confirmed_write`).
Identity said anywhere in the turn stays with the turn ("... and Dr. Patel on Friday at 11,
Olivia Martinez, May 9 1998").
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from agents.offline.birthdates import find_dob
from agents.offline.dates import find_when
from agents.offline.intents import Intent, intents, task_of
from agents.offline.names import find_name, name_near, relative_asked_for
from agents.offline.numbers import normalize
from agents.planner import Message, PlanContext
from agents.policy import classify_confirmation

# a sentence ends at a stop, but not at the one of a title ("with Dr. Patel, but ...")
_JOIN = re.compile(
    r"\b(?:and then|and also|and|then|also|after that|plus)\b"
    r"|(?<!\bdr)(?<!\bmr)(?<!\bms)(?<!\bmrs)(?<!\bst)(?<!\bprof)[.;!?](?=\s)"
)
_IDENTITY_CUE = re.compile(r"\b(this is|my name|name is|i'm|i am|it's|born|date of birth|dob|birthday)\b")
_BOOK_VERB = re.compile(r"\b(book|schedule|new appointment|make an appointment|set up)\b")
_ALREADY = re.compile(r"\b(already|usually|normally|always|currently|regularly)\b")
_GO_ON = re.compile(r"^\W*(and )?(the (other|second|next) (one|request|thing)|that too|the rest|next)\b")

# "... could we push it back a week?": a second request about the appointment just mentioned
_INSTEAD = re.compile(r"^(?!.*\b(?:appointment|appt|visit|booking|check ?up)s?\b).*\b(?:instead|rather)\b")
_ABOUT_IT = re.compile(
    r"\W*(?:[a-z']+[,.]?\s+){0,4}?(?:move|push|bring|shift|change|cancel|switch|swap|reschedule|bump|put)\s+(?:it|that)\b"
)

# an appointment the caller (or their child) already has: "my son's appointment", "he has a check-up"
_ONE_THEY_HAVE = re.compile(
    r"\b(?:my|his|her|our|their|[a-z]+'s) (?:[a-z]+ )?(?:appointment|appt|visit|booking|check ?up|physical"
    r"|consultation|follow ?up)s?\b"
    r"|\b(?:i|he|she|we|they|[a-z]+)(?:'ve got|'ve| have got| have| has got| has| had|'s got| got| is booked"
    r"| are booked|'s booked|'m booked|'re booked) (?:an? |the |in |in for an? |in for the )?(?:[a-z]+ ){0,2}"
    r"(?:appointment|appt|visit|booking|check[ -]?up|physical|consultation|follow[ -]?up)\b"
)


def split_followup(text: str, now: datetime) -> tuple[str, str] | None:
    """(the turn without the second request, the second request) or None (normalized text)."""
    for m in _JOIN.finditer(text):
        head, tail = text[: m.start()], text[m.end() :]
        first = task_of(intents(head))
        if first is None or re.match(r"\W*(if|unless|otherwise|in case|when)\b", tail):
            continue
        second = task_of(intents(tail))
        names_one = re.search(r"\b(dr|doctor)\b", tail) is not None and not find_when(tail, now).empty
        another = re.search(r"\b(another|a new one|a second one|one more)\b", tail) is not None
        if second is None and names_one and not another and not re.search(r"\b(dr|doctor)\b", head):
            continue  # "can I come in this afternoon? 3:30 with Dr. Patel would be ideal": one booking
        if second is None and (names_one or another):
            second = Intent.BOOK  # "... and Dr. Patel on Friday at 11"
        if first == Intent.BOOK and second in (Intent.RESCHEDULE, Intent.CANCEL) and _ABOUT_IT.match(tail):
            continue  # "I've got an appointment this Wednesday. Could we push it back a week?": that one
        if (
            first == Intent.BOOK
            and second in (Intent.RESCHEDULE, Intent.CANCEL)
            and _ONE_THEY_HAVE.search(head)
        ):
            if not _BOOK_VERB.search(head) and not another:
                continue  # "His check-up with Dr X is next Tuesday, we're away. Please cancel.": that one
        if first == Intent.BOOK and second == Intent.RESCHEDULE and _INSTEAD.search(tail):
            continue  # "I can't make my check-up on Thursday. Could we do Monday instead?": one move
        if (
            first == Intent.RESCHEDULE
            and second == Intent.BOOK
            and not another
            and not _BOOK_VERB.search(tail)
        ):
            continue  # "move my friday appointment. what does dr chen have thursday?": the new time
        if first == Intent.BOOK and second == Intent.BOOK and not another and _ALREADY.search(head):
            continue  # "I already see Dr Patel Thursday, but I also need Dr Chen Friday": one booking
        if first == Intent.BOOK and second == Intent.BOOK and not another and _no_day(head, now):
            continue  # "I usually see Dr Patel, but this time I need Dr Rodriguez Monday at 10": one booking
        if second is None or {first, second} <= {Intent.CANCEL, Intent.RESCHEDULE}:
            continue  # "I can't make it Thursday and need to reschedule": one move
        if second == first and not (second == Intent.BOOK and (names_one or another)):
            continue  # the same request said twice
        if Intent.PROVIDERS in (first, second) or first == Intent.LIST:
            continue  # "when's my appointment, and can you move it": the move is the request
        cut = _identity_start(tail, now)
        follow = tail[:cut].strip(" ,.;")
        if not follow:
            continue
        return f"{head} , {tail[cut:]}", follow
    return None


_NOW_WANTED = re.compile(r".*\b(need|want|like|book|schedule|prefer|after)\b")


def the_new_request(text: str) -> str:
    """The part of a booking that asks for something new, after an appointment the caller already
    has ("I already see Dr Patel Thursday, but I also need Dr Chen on Friday at 10": Friday)."""
    if (had := _ALREADY.search(text)) is None:
        return text
    wanted = _NOW_WANTED.search(text, had.end())
    return text[wanted.end() :] if wanted is not None else text


def _no_day(text: str, now: datetime) -> bool:
    """No day or time asked for in `text` (a date of birth is not one)."""
    _, span = find_dob(text, now.date())
    return find_when(text.replace(span, " ") if span else text, now).empty


def _identity_start(tail: str, now: datetime) -> int:
    """Where the caller's name or date of birth starts in the second request, if it is there."""
    starts = [len(tail)]
    _, span = find_dob(tail, now.date())
    if span:
        starts.append(tail.index(span))
        name = name_near(*tail.partition(span)[::2])
    else:
        name = find_name(tail)
    if cue := _IDENTITY_CUE.search(tail):
        starts.append(cue.start())
    if name and (said := re.search(rf"\b{re.escape(name[0].lower())}\b", tail)):
        starts.append(said.start())
    return min(starts)


def take_followup(ctx: PlanContext, s: dict[str, Any]) -> PlanContext:
    """The context this turn is read with: the kept second request when the caller says to go on,
    or the turn without the second request it carries (kept for later)."""
    users = [i for i, m in enumerate(ctx.messages) if m.role == "user" and m.content]
    if not users:
        return ctx
    last = users[-1]
    raw = ctx.messages[last].content or ""
    carried = s.pop("carry", None)
    if (
        carried
        and _after_done(ctx, last)
        and (classify_confirmation(raw) == "yes" or _GO_ON.search(normalize(raw)))
    ):
        return _with_user_turn(ctx, last, carried)
    text = normalize(raw)
    split = split_followup(text, ctx.now)
    if split is None:
        return ctx
    main, s["carry"] = split
    if (kin := relative_asked_for(s["carry"])) is not None and relative_asked_for(main) is None:
        # "one for me ..., and one for my son Lucas": the caller's own is done here; the relative's
        # needs a conversation of its own (one person verified per conversation), said, not dropped
        s["relative_left"] = kin
        s.pop("carry")
    return _with_user_turn(ctx, last, main)


def _after_done(ctx: PlanContext, last_user: int) -> bool:
    """The reply before this turn reported a completed write ("Done. You're booked ...")."""
    said = [m.content for m in ctx.messages[:last_user] if m.role == "assistant" and m.content]
    return bool(said) and said[-1].startswith("Done.")


def _with_user_turn(ctx: PlanContext, index: int, content: str) -> PlanContext:
    messages = list(ctx.messages)
    messages[index] = Message(role="user", content=content)
    return ctx.model_copy(update={"messages": messages})
