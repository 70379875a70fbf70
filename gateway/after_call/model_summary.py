"""A model-written after-call summary, kept only when it says nothing the record does not hold.

The model is given the deterministic summary as its only facts and asked for a short note for
staff. Its text is then checked against the record: every date, weekday, clock time and doctor it
names must be in the record, and it may speak of booking, moving or cancelling only when the agent
did (or tried) that. Anything else, or a model that does not answer, gives the deterministic one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from agents.llm.client import ChatClient
from agents.llm.errors import ModelProtocolError, ModelUnavailable
from gateway.after_call.record import CallRecord
from gateway.after_call.summary import deterministic_summary
from gateway.logging import get_logger

log = get_logger(__name__)

INSTRUCTIONS = (
    "You write the after-call note a receptionist leaves in the CRM. Use only the facts given: "
    "never add an appointment, date, time, doctor or action that is not in them. Three to five "
    "plain sentences, no lists, no greeting."
)

MONTHS = [
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
]  # fmt: skip
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_TIME = re.compile(r"\b(\d{1,2})(?:[:.](\d{2}))?\s*([ap])\.?\s*m\b", re.I)
_CLOCK24 = re.compile(r"\b([01]?\d|2[0-3]):([0-5]\d)\b")
_MONTH_DAY = re.compile(r"\b(" + "|".join(MONTHS) + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b", re.I)
_DAY_MONTH = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(" + "|".join(MONTHS) + r")\b", re.I)
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/\d{2,4})?\b")
_DOCTOR = re.compile(r"\bDr\.?\s+(?:[A-Z][a-z]+\s+)?([A-Z][a-zA-Z'-]+)")
_VERBS = {
    "book_appointment": re.compile(r"\b(book|booked|booking|schedul\w*)\b", re.I),
    "reschedule_appointment": re.compile(r"\b(reschedul\w*|moved?|moving)\b", re.I),
    "cancel_appointment": re.compile(r"\b(cancel\w*)\b", re.I),
}


@dataclass(frozen=True)
class Facts:
    """What a summary may name: from the record's datetimes, doctors and actions."""

    dates: set[tuple[int, int]]  # (month, day)
    weekdays: set[str]
    times: set[tuple[int, int]]  # (hour 0-23, minute)
    doctors: set[str]  # surnames, lower case
    tools: set[str]


def _datetimes(record: CallRecord) -> list[datetime]:
    found = [record.started_at] + ([record.ended_at] if record.ended_at else [])
    for action in record.actions:
        for source in (action.arguments, action.result or {}):
            for value in source.values():
                if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and "T" in value:
                    try:
                        moment = datetime.fromisoformat(value)
                    except ValueError:
                        continue
                    if moment.tzinfo is not None:
                        found.append(moment)
    return [record.local(m) for m in found]


def facts_of(record: CallRecord) -> Facts:
    moments = _datetimes(record)
    doctors: set[str] = set()
    for action in record.actions:
        for source in (action.arguments, action.result or {}):
            name = source.get("provider_name")
            if isinstance(name, str) and name.split():
                doctors.add(name.split()[-1].lower())
        for provider in (action.result or {}).get("providers") or []:
            if isinstance(provider, dict) and isinstance(provider.get("name"), str):
                doctors.add(provider["name"].split()[-1].lower())
    return Facts(
        dates={(m.month, m.day) for m in moments},
        weekdays={WEEKDAYS[m.weekday()] for m in moments},
        times={(m.hour, m.minute) for m in moments},
        doctors=doctors,
        tools={a.tool for a in record.actions},
    )


def unsupported_claims(text: str, facts: Facts) -> list[str]:
    """What the text names that the record does not hold (empty: the text may be kept)."""
    wrong: list[str] = []
    for m in _TIME.finditer(text):
        hour, minute = int(m.group(1)) % 12 + (12 if m.group(3).lower() == "p" else 0), int(m.group(2) or 0)
        if (hour, minute) not in facts.times:
            wrong.append(m.group(0).strip())
    for m in _CLOCK24.finditer(text):
        if (int(m.group(1)), int(m.group(2))) not in facts.times and not _TIME.match(text, m.start()):
            wrong.append(m.group(0))
    for m in _MONTH_DAY.finditer(text):
        if (MONTHS.index(m.group(1).lower()) + 1, int(m.group(2))) not in facts.dates:
            wrong.append(m.group(0))
    for m in _DAY_MONTH.finditer(text):
        if (MONTHS.index(m.group(2).lower()) + 1, int(m.group(1))) not in facts.dates:
            wrong.append(m.group(0))
    for m in _NUMERIC_DATE.finditer(text):
        if (int(m.group(1)), int(m.group(2))) not in facts.dates:
            wrong.append(m.group(0))
    for day in WEEKDAYS:
        if re.search(rf"\b{day}s?\b", text, re.I) and day not in facts.weekdays:
            wrong.append(day)
    for m in _DOCTOR.finditer(text):
        if m.group(1).lower() not in facts.doctors:
            wrong.append(m.group(0))
    for tool, verbs in _VERBS.items():
        found = verbs.search(text)
        if found and tool not in facts.tools:
            wrong.append(found.group(0))
    return wrong


@dataclass(frozen=True)
class Summary:
    text: str
    source: str  # "deterministic" | "model"
    rejected: list[str]  # what a model summary named that the record does not hold


async def summarize(record: CallRecord, client: ChatClient | None) -> Summary:
    """The model's summary when there is a model and its text checks out, else the deterministic one."""
    fallback = deterministic_summary(record)
    if client is None:
        return Summary(fallback, "deterministic", [])
    messages = [
        {"role": "system", "content": INSTRUCTIONS},
        {"role": "user", "content": "Facts:\n" + fallback},
    ]
    try:
        completion = await client.complete(messages)
    except (ModelUnavailable, ModelProtocolError) as exc:
        log.warning("model summary unavailable, the deterministic one is used", error_type=type(exc).__name__)
        return Summary(fallback, "deterministic", [])
    text = completion.text.strip()
    if not text:
        return Summary(fallback, "deterministic", ["(empty)"])
    wrong = unsupported_claims(text, facts_of(record))
    if wrong:
        log.warning(
            "model summary named what did not happen, the deterministic one is used", count=len(wrong)
        )
        return Summary(fallback, "deterministic", wrong)
    return Summary(text, "model", [])
