"""The offline planner: deterministic intent matching and slot filling, no model needed.

It is the default on a fresh machine and the degraded mode when the model server is down. It uses
the same tools as a model would and goes through the same runtime policy: it never books
anything itself, it asks the runtime to, and the runtime asks the caller to confirm.

Its working memory (`ctx.scratch`) holds the task (book, reschedule, cancel, list), what it has
gathered (name, date of birth, provider, when), and what it offered (slots, appointments).
"""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta
from typing import Any

from agents.offline.choices import find_provider, pick_appointment, pick_slot, wants_any_provider
from agents.offline.dates import When, find_dob, find_when
from agents.offline.intents import Intent, intents, task_of
from agents.offline.names import find_name, possessive_name
from agents.offline.numbers import normalize
from agents.planner import PlanContext, PlanStep, ToolCall, ToolResult
from agents.speakable import join_spoken, say_date, say_time, say_when
from connectors.base import Appointment, Provider, Slot

MAX_OFFERED = 3
SEARCH_DAYS = 14  # "as soon as possible" looks this far ahead
_ids = itertools.count(1)

HELP = "I can book, move or cancel an appointment, tell you about your upcoming appointments, or connect you with our staff."


def _call(name: str, **arguments: Any) -> PlanStep:
    return PlanStep(tool_calls=[ToolCall(id=f"offline-{next(_ids)}", name=name, arguments=arguments)])


def _say(text: str, *, offers_transfer: bool = False) -> PlanStep:
    return PlanStep(say=text, offers_transfer=offers_transfer)


class OfflinePlanner:
    name = "offline"

    async def plan(self, ctx: PlanContext) -> PlanStep:
        s = ctx.scratch
        if ctx.step == 0:
            early = self._read_turn(ctx, s)
            if early is not None:
                return early
        else:
            early = self._read_result(ctx, s, ctx.turn_results[-1])
            if early is not None:
                return early
        return self._next(ctx, s)

    # ---------------------------------------------------------------------------- the user's turn

    def _read_turn(self, ctx: PlanContext, s: dict[str, Any]) -> PlanStep | None:
        raw = next((m.content for m in reversed(ctx.messages) if m.role == "user" and m.content), "")
        text = normalize(raw)
        found = intents(text)
        if Intent.HUMAN in found:
            return _call("transfer_to_person", reason="The caller asked to speak to a person.")
        task = task_of(found)
        understood = task is not None
        if task is not None and task != s.get("task"):
            for key in ("offered", "appointments", "target", "when", "provider_id", "any_provider", "chosen"):
                s.pop(key, None)
            s["task"] = task.value
        if ctx.caller.verified and (other := possessive_name(text)):
            mine = (ctx.caller.first_name or "").lower()
            if mine not in other.lower():
                return _say(f"I'm sorry, I can only help with your own appointments. {HELP}")
        rest = text
        if not ctx.caller.verified:
            dob, span = find_dob(text, ctx.now.date())
            if dob is not None:
                s["dob"] = dob.isoformat()
                understood = True
            rest = text.replace(span, " ") if span else text
            asked_for_name = s.get("asked") in ("identity", "name")
            name = find_name(rest, whole_answer=asked_for_name)
            if name is None and span:
                # "book me in please, sarah johnson march 14 1985": the words just before the date
                before = text.split(span)[0].replace(" and ", ",").split(",")[-1]
                name = find_name(before, whole_answer=True)
            if name is not None:
                s["first_name"], s["last_name"] = name
                understood = True
        when = find_when(rest, ctx.now)
        if not when.empty and not (not ctx.caller.verified and s.get("asked") in ("identity", "name", "dob")):
            s["when_text"] = rest
            understood = True
        provider = find_provider(text, [Provider.model_validate(p) for p in s.get("providers", [])])
        if provider is None and not s.get("providers"):
            s["provider_hint"] = f"{s.get('provider_hint', '')} {text}".strip()[-500:]
        if provider is not None:
            s["provider_id"] = provider.id
            understood = True
        elif wants_any_provider(text):
            s["any_provider"] = True
            understood = True
        if s.get("offered"):
            chosen = pick_slot(text, when, [Slot.model_validate(x) for x in s["offered"]])
            if chosen is not None:
                s["chosen"] = chosen.id
                understood = True
        if s.get("appointments") and not s.get("target"):
            target = pick_appointment(text, when, [Appointment.model_validate(a) for a in s["appointments"]])
            if target is not None:
                s["target"] = target.id
                understood = True
        if s.get("task") is None and (s.get("when_text") or re.search(r"\b(dr|doctor)\b", text)):
            s["task"] = Intent.BOOK.value  # "and another one with dr chen on friday": a booking
            understood = True
        if not understood:
            if Intent.GOODBYE in found or (Intent.DECLINE in found and not s.get("task")):
                return _call("end_conversation")
            if found and set(found) <= {Intent.GREETING, Intent.THANKS}:
                s["misses"] = 0
                return _say(
                    f"You're welcome. {HELP} What would you like to do?"
                    if Intent.THANKS in found
                    else f"Hello! {HELP} What would you like to do?"
                )
            s["misses"] = s.get("misses", 0) + 1
            if s["misses"] >= 2:
                return _call(
                    "transfer_to_person", reason="The assistant did not understand the caller twice in a row."
                )
            return _say(f"Sorry, I didn't understand that. {HELP} What would you like to do?")
        s["misses"] = 0
        return None

    # ---------------------------------------------------------------------------- tool results

    def _read_result(self, ctx: PlanContext, s: dict[str, Any], result: ToolResult) -> PlanStep | None:
        if result.outcome in ("refused", "invalid"):
            # The offline planner only makes calls the policy allows; a refusal means the data
            # changed under us. A person is the safe next step.
            return _call("transfer_to_person", reason=f"A {result.name} request was refused: {result.error}")
        if result.outcome == "failed":
            s.pop("chosen", None)
            return _say(
                f"{(result.error or '').split(': ', 1)[-1]} Would you like me to transfer you to a member of our team?",
                offers_transfer=True,
            )
        data = result.result if isinstance(result.result, dict) else {}
        if result.name == "verify_identity":
            if not data.get("verified"):
                by_phone = s.pop("trying_phone", False)
                s.pop("dob", None)
                s.pop("first_name", None)
                s.pop("last_name", None)
                s["asked"] = "identity"
                if by_phone:
                    return _say(
                        "Thanks. I couldn't match that to the number you're calling from. Could you tell me your first and last name and your date of birth?"
                    )
                return _say(
                    "I'm sorry, I couldn't verify those details. Could you tell me your full name and date of birth again?"
                )
            s.pop("asked", None)
            s["greeted_name"] = data.get("first_name")
        elif result.name == "list_providers":
            s["providers"] = data.get("providers", [])
        elif result.name == "list_free_slots":
            s["searched"] = True
            s["slots"] = data.get("slots", [])
        elif result.name == "list_appointments":
            s["appointments"] = data.get("appointments", [])
            s["listed"] = True
        return None

    # ---------------------------------------------------------------------------- what next

    def _next(self, ctx: PlanContext, s: dict[str, Any]) -> PlanStep:
        task = s.get("task")
        if task is None:
            return _say(f"How can I help you today? {HELP}")
        if task == Intent.PROVIDERS:
            if "providers" not in s:
                return _call("list_providers")
            s.pop("task", None)
            names = [p["name"] for p in s["providers"]]
            return _say(
                f"Our doctors are {join_spoken(names, 'and')}. Would you like to book an appointment?"
            )
        if not ctx.caller.verified:
            return self._verify(ctx, s)
        prefix = ""
        if s.pop("greeted_name", None):
            prefix = f"Thank you, {ctx.caller.first_name}. "
        step = self._task(ctx, s, task)
        if prefix and step.say:
            step.say = prefix + step.say
        return step

    def _verify(self, ctx: PlanContext, s: dict[str, Any]) -> PlanStep:
        dob = s.get("dob")
        if dob and s.get("first_name") and s.get("last_name"):
            return _call(
                "verify_identity", first_name=s["first_name"], last_name=s["last_name"], date_of_birth=dob
            )
        if dob and ctx.caller.has_caller_phone and not s.get("phone_tried"):
            s["phone_tried"] = s["trying_phone"] = True
            return _call("verify_identity", date_of_birth=dob)
        if dob:
            s["asked"] = "name"
            return _say("Thank you. And what is your first and last name?")
        if s.get("first_name"):
            s["asked"] = "dob"
            return _say(f"Thank you, {s['first_name']}. And what is your date of birth?")
        s["asked"] = "identity"
        if ctx.caller.has_caller_phone and not s.get("phone_tried"):
            return _say(
                "I can help with that. First, to confirm who I'm speaking with, what is your date of birth? If you're not the person on file for this number, please also tell me your full name."
            )
        return _say(
            "I can help with that. First, to confirm who I'm speaking with, could you tell me your full name and date of birth?"
        )

    def _task(self, ctx: PlanContext, s: dict[str, Any], task: str) -> PlanStep:
        person = ctx.caller.person_id
        if task in (Intent.LIST, Intent.CANCEL, Intent.RESCHEDULE) and not s.get("listed"):
            return _call("list_appointments", person_id=person)
        appointments = [Appointment.model_validate(a) for a in s.get("appointments", [])]
        appointments = [a for a in appointments if a.status == "booked"]
        if task == Intent.LIST:
            s.clear()
            if not appointments:
                return _say("You don't have any upcoming appointments. Would you like to book one?")
            spoken = [f"with {a.provider_name} on {say_when(a.start)}" for a in appointments]
            count = "one upcoming appointment" if len(spoken) == 1 else f"{len(spoken)} upcoming appointments"
            return _say(
                f"You have {count}: {join_spoken(spoken, 'and')}. Is there anything else I can help you with?"
            )
        if task in (Intent.CANCEL, Intent.RESCHEDULE):
            if not appointments:
                s.pop("task", None)
                return _say("I don't see any upcoming appointments for you. Would you like to book one?")
            target = next((a for a in appointments if a.id == s.get("target")), None)
            if target is None and len(appointments) == 1:
                target = appointments[0]
                s["target"] = target.id
            if target is None:
                spoken = [f"the one with {a.provider_name} on {say_when(a.start)}" for a in appointments]
                verb = "cancel" if task == Intent.CANCEL else "move"
                return _say(
                    f"You have {len(appointments)} upcoming appointments. Which one would you like to {verb}: {join_spoken(spoken)}?"
                )
            if task == Intent.CANCEL:
                return _call("cancel_appointment", appointment_id=target.id)
            if s.get("chosen"):
                return _call("reschedule_appointment", appointment_id=target.id, new_slot_id=s["chosen"])
            if not s.get("when_text") and not s.get("asked_new_day"):
                s["asked_new_day"] = True
                return _say(
                    f"Your appointment with {target.provider_name} is on {say_when(target.start)}. "
                    "What day would you like to move it to?"
                )
            s.setdefault("provider_id", target.provider_id)
            return self._find_slots(ctx, s, exclude=target.start.date() if not s.get("when_text") else None)
        # book
        if s.get("chosen"):
            return _call("book_appointment", person_id=person, slot_id=s["chosen"])
        return self._find_slots(ctx, s, exclude=None)

    def _find_slots(self, ctx: PlanContext, s: dict[str, Any], exclude: date | None) -> PlanStep:
        when = find_when(s.get("when_text", ""), ctx.now)
        if when.start is None and when.at is not None and s.get("last_day"):
            # "the 3 PM one" after times on Thursday were offered: 3 PM on that Thursday
            when.start = when.end = date.fromisoformat(s["last_day"])
        if "providers" not in s:
            return _call("list_providers")
        if not s.get("provider_id") and (hint := s.pop("provider_hint", None)):
            named = find_provider(hint, [Provider.model_validate(p) for p in s["providers"]])
            if named is not None:
                s["provider_id"] = named.id
        if not s.get("provider_id") and not s.get("any_provider") and s.get("when_text") is None:
            s["asked"] = "when"
            names = join_spoken([p["name"] for p in s["providers"]])
            return _say(
                f"Which doctor would you like to see: {names}, or any doctor? And what day works best for you?"
            )
        if s.get("when_text") is None and not s.get("searched"):
            when = When(soonest=True)
        if not s.get("searched"):
            start = max(when.start or ctx.now.date(), ctx.now.date())
            end = when.end or (start + timedelta(days=SEARCH_DAYS if when.start is None else 0))
            args: dict[str, Any] = {
                "start_date": start.isoformat(),
                "end_date": end.isoformat(),
                "part_of_day": when.part,
                "limit": 50,
            }
            if s.get("provider_id"):
                args["provider_id"] = s["provider_id"]
            return _call("list_free_slots", **args)
        s.pop("searched", None)
        if when.start is not None and when.start == when.end:
            s["last_day"] = when.start.isoformat()
        slots = [Slot.model_validate(x) for x in s.pop("slots", [])]
        slots = [x for x in slots if x.start > ctx.now and (exclude is None or x.start.date() != exclude)]
        if when.at is not None:
            exact = [x for x in slots if x.start.time().replace(tzinfo=None) == when.at]
            if exact:
                s["offered"] = [exact[0].model_dump(mode="json")]
                s["chosen"] = exact[0].id
                return self._task(ctx, s, s["task"])
            later = sorted(
                slots,
                key=lambda x: abs(
                    (x.start.hour * 60 + x.start.minute) - (when.at.hour * 60 + when.at.minute)
                ),
            )
            slots = sorted(later[:MAX_OFFERED], key=lambda x: x.start)
            lead = f"I'm sorry, {say_time_on(when)} isn't available."
        else:
            slots = slots[:MAX_OFFERED]
            lead = ""
        s.pop("when_text", None)
        if not slots:
            s.pop("offered", None)
            return _say(
                f"{lead} I'm sorry, I don't see any free times then. Would another day work for you?".strip()
            )
        s["offered"] = [x.model_dump(mode="json") for x in slots]
        return _say(f"{lead} {offer_sentence(slots)} Which would you like?".strip())


def say_time_on(when: When) -> str:
    if when.at is None:
        return "that time"
    from datetime import datetime as _dt

    moment = _dt.combine(when.start or date.today(), when.at)
    return f"{say_date(when.start)} at {say_time(moment)}" if when.start else say_time(moment)


def offer_sentence(slots: list[Slot]) -> str:
    """'Dr. Patel has Tuesday, December 8th at 9 AM, 9:30 AM, or 10 AM.' (grouped when possible)"""
    providers = {x.provider_name for x in slots}
    days = {x.start.date() for x in slots}
    if len(providers) == 1 and len(days) == 1:
        first = slots[0]
        times = join_spoken([say_time(x.start) for x in slots])
        return f"{first.provider_name} has {say_date(first.start.date())} at {times}."
    if len(providers) == 1:
        return f"{slots[0].provider_name} has {join_spoken([say_when(x.start) for x in slots])}."
    return f"I have {join_spoken([f'{x.provider_name} on {say_when(x.start)}' for x in slots])}."
