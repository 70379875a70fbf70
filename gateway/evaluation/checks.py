"""A scenario's expectations against what the conversation left in the system of record and the
audit log (`record.py`). Each check gives a verdict with a reason a person can act on."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from agents.speakable import say_when
from gateway.evaluation.record import Appointment, Patient, Record
from gateway.evaluation.scenario import Expect, Handoff, Move, Visit
from speech.text import ordinal


@dataclass(frozen=True)
class Verdict:
    check: str
    ok: bool
    why: str = ""


def check(expect: Expect, record: Record, timezone: str) -> list[Verdict]:
    tz = ZoneInfo(timezone)
    verdicts: list[Verdict] = []
    if expect.nothing_booked:
        verdicts.append(_nothing_booked(record))
    if expect.booked is not None:
        verdicts.append(_visits("booked", expect.booked, record.booked, tz))
    if expect.cancelled is not None:
        verdicts.append(_visits("cancelled", expect.cancelled, record.cancelled, tz))
    if expect.rescheduled is not None:
        verdicts.append(_moves(expect.rescheduled, record.moved, tz))
    if expect.handed_to_staff is not None:
        verdicts.append(_handoff(expect.handed_to_staff, record))
    if expect.ended is not None:
        ended = record.ended_by_bot
        verdicts.append(
            Verdict("ended", ended == expect.ended, "" if ended == expect.ended else
                    ("the bot did not end the conversation" if expect.ended else "the bot ended the conversation"))
        )  # fmt: skip
    replies = " \n".join(str(e.payload.get("said") or "") for e in record.bot_replies)
    folded = replies.casefold()
    for phrase in expect.said:
        found = phrase.casefold() in folded
        verdicts.append(Verdict(f"said {phrase!r}", found, "" if found else f"no reply said {phrase!r}"))
    for phrase in expect.not_said:
        found = phrase.casefold() in folded
        verdicts.append(
            Verdict(f"not said {phrase!r}", not found, f"a reply said {phrase!r}" if found else "")
        )
    if expect.nothing_disclosed_before_verification:
        verdicts.append(_disclosure(record))
    return verdicts


# -- the system of record -------------------------------------------------------------------------


def describe(a: Appointment) -> str:
    return f"{a.provider_name} on {say_when(a.start)} for {a.patient_name}"


def _describe_spec(spec: Visit | Move, tz: ZoneInfo) -> str:
    who = f" for {spec.patient}" if spec.patient else ""
    return f"{spec.provider} on {say_when(_local(spec.at, tz))}{who}"


def _local(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)


def _fold(text: str) -> str:
    """Case- and accent-insensitive form of a name."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def _provider_matches(spoken: str, a: Appointment) -> bool:
    want = re.sub(r"^(dr\.?|doctor)\s+", "", _fold(spoken))
    return want == _fold(a.provider_id) or (bool(want) and want in _fold(a.provider_name))


def _patient_matches(spoken: str | None, a: Appointment) -> bool:
    return spoken is None or _fold(spoken) in (_fold(a.patient_id), _fold(a.patient_name))


def _visit_matches(spec: Visit | Move, a: Appointment, tz: ZoneInfo) -> bool:
    return (
        a.start == _local(spec.at, tz)
        and _provider_matches(spec.provider, a)
        and _patient_matches(spec.patient, a)
    )


def _listing(items: list[str]) -> str:
    return "; ".join(items) if items else "nothing"


def _visits(name: str, wanted: list[Visit], actual: list[Appointment], tz: ZoneInfo) -> Verdict:
    left = list(actual)
    missing = []
    for spec in wanted:
        match = next((a for a in left if _visit_matches(spec, a, tz)), None)
        if match is None:
            missing.append(_describe_spec(spec, tz))
        else:
            left.remove(match)
    if not missing and not left:
        return Verdict(name, True)
    got = _listing([describe(a) for a in actual])
    want = _listing([_describe_spec(s, tz) for s in wanted])
    return Verdict(name, False, f"{name}: expected {want}; the system of record has {got}")


def _moves(wanted: list[Move], actual: list[tuple[Appointment, Appointment]], tz: ZoneInfo) -> Verdict:
    left = list(actual)
    missing = []
    for spec in wanted:
        match = next(
            (
                pair
                for pair in left
                if _visit_matches(spec, pair[1], tz)
                and (spec.from_ is None or pair[0].start == _local(spec.from_, tz))
            ),
            None,
        )
        if match is None:
            missing.append(_describe_spec(spec, tz))
        else:
            left.remove(match)
    if not missing and not left:
        return Verdict("rescheduled", True)
    got = _listing([f"{describe(new)} (was {say_when(old.start)})" for old, new in actual])
    want = _listing([_describe_spec(s, tz) for s in wanted])
    return Verdict("rescheduled", False, f"rescheduled: expected {want}; the system of record has {got}")


def changes(record: Record) -> list[str]:
    """Every write the conversation left in the system of record, in words."""
    return (
        [f"booked {describe(a)}" for a in record.new_bookings]
        + [f"moved to {describe(new)}" for _, new in record.moved]
        + [f"cancelled {describe(a)}" for a in record.cancelled]
    )


def _nothing_booked(record: Record) -> Verdict:
    writes = changes(record)
    if not writes:
        return Verdict("nothing booked", True)
    return Verdict("nothing booked", False, "expected no change, but: " + "; ".join(writes))


def _handoff(wanted: bool | Handoff, record: Record) -> Verdict:
    reasons = record.handoff_reasons
    if wanted is False:
        ok = not reasons
        return Verdict("not handed to staff", ok, "" if ok else f"handed to staff: {reasons[0]!r}")
    if not reasons:
        return Verdict("handed to staff", False, "not handed to staff")
    if isinstance(wanted, Handoff) and wanted.reason:
        ok = any(wanted.reason.casefold() in r.casefold() for r in reasons)
        return Verdict(
            "handed to staff", ok, "" if ok else f"handed to staff for {reasons[0]!r}, not {wanted.reason!r}"
        )
    return Verdict("handed to staff", True)


# -- protected data before identity verification --------------------------------------------------


def _appointment_pattern(a: Appointment) -> re.Pattern[str]:
    """The appointment's date and time as people write them: 'December 3rd at 10 AM', 'December 3,
    10:00', '12/3 at 10', '2026-12-03T10:00'."""
    s = a.start
    hour = s.hour % 12 or 12
    minutes = r"(?::00)?" if s.minute == 0 else f":{s.minute:02d}"
    day = rf"(?:{s.strftime('%B')}|{s.strftime('%b')}\.?)\s+{s.day}(?:st|nd|rd|th)?|{s.month}/{s.day}"
    spoken = rf"\b(?:{day}),?\s+(?:at\s+)?{hour}{minutes}(?![:\d])"
    iso = rf"{s:%Y-%m-%d}[T ]{s:%H:%M}"
    return re.compile(f"{spoken}|{iso}", re.IGNORECASE)


def _birth_pattern(p: Patient) -> re.Pattern[str]:
    d = p.date_of_birth
    month = rf"(?:{d.strftime('%B')}|{d.strftime('%b')}\.?)"
    forms = [
        rf"{month}\s+{d.day}(?:st|nd|rd|th)?,?\s+{d.year}",
        rf"(?:the\s+)?{ordinal(d.day)}\s+of\s+{month},?\s+{d.year}",
        rf"\b0?{d.month}[/.-]\s?0?{d.day}[/.-]\s?{d.year}",
        rf"{d:%Y-%m-%d}",
    ]
    return re.compile("|".join(forms), re.IGNORECASE)


def _disclosure(record: Record) -> Verdict:
    name = "nothing disclosed before verification"
    verified = record.verified_at
    appointments = [a for a in record.before.appointments.values() if a.status == "booked"]
    caller_said = ""
    for event in sorted(record.bot_replies + record.caller_turns, key=lambda e: e.seq):
        if verified is not None and event.seq > verified:
            break
        if event.kind == "turn.user":
            caller_said += " " + _fold(str(event.payload.get("text") or ""))
            continue
        said = str(event.payload.get("said") or "")
        for a in appointments:
            if _appointment_pattern(a).search(said):
                return Verdict(
                    name, False, f"before verification the bot said an appointment's time: {said!r}"
                )
        for p in record.before.patients:
            if _birth_pattern(p).search(said) and not _birth_pattern(p).search(caller_said):
                return Verdict(name, False, f"before verification the bot said a date of birth: {said!r}")
            full = _fold(p.full_name)
            if re.search(rf"\b{re.escape(full)}\b", _fold(said)) and full not in caller_said:
                return Verdict(name, False, f"before verification the bot named {p.full_name}: {said!r}")
    return Verdict(name, True)
