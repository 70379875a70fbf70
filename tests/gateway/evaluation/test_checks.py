"""Expectations against a conversation's record: protected data before verification, and how
providers, patients and times are matched (records built by hand, as `record.py` reads them)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from gateway.evaluation.checks import check
from gateway.evaluation.record import Appointment, Event, Patient, Practice, Record
from gateway.evaluation.scenario import Expect

TZ = "America/New_York"
EMILY = Patient("p-1003", "Emily", "Davis", date(1990, 7, 23))
JAMES = Patient("p-1004", "James", "Wilson", date(1965, 1, 30))
SEEDED = Appointment(
    "appt-1", "p-1003", "Emily Davis", "dr-patel", "Dr. Priya Patel",
    datetime(2026, 12, 3, 10, 0, tzinfo=ZoneInfo(TZ)), "booked",
)  # fmt: skip


def record(*events: tuple[str, dict], after: dict[str, Appointment] | None = None) -> Record:
    practice = Practice({"appt-1": SEEDED}, [EMILY, JAMES], {"dr-patel": "Dr. Priya Patel"})
    later = Practice(
        after if after is not None else {"appt-1": SEEDED}, practice.patients, practice.providers
    )
    return Record("c-1", practice, later, [Event(i, k, p) for i, (k, p) in enumerate(events, start=1)])


def verdict(expect: Expect, rec: Record, name: str):  # type: ignore[no-untyped-def]
    return next(v for v in check(expect, rec, TZ) if v.check == name)


DISCLOSURE = "nothing disclosed before verification"


def test_an_appointment_time_before_verification_is_a_disclosure() -> None:
    leaky = record(
        ("turn.user", {"text": "when is my appointment"}),
        ("turn.bot", {"said": "You're seeing Dr. Patel on Thursday, December 3rd at 10 AM."}),
        ("agent.identity_verified", {"person_id": "p-1003"}),
    )
    found = verdict(Expect(), leaky, DISCLOSURE)
    assert not found.ok and "appointment's time" in found.why
    after = record(
        ("turn.user", {"text": "when is my appointment, emily davis 7/23/1990"}),
        ("agent.identity_verified", {"person_id": "p-1003"}),
        ("turn.bot", {"said": "You're seeing Dr. Patel on Thursday, December 3rd at 10 AM."}),
    )
    assert verdict(Expect(), after, DISCLOSURE).ok


def test_dates_of_birth_and_names_the_caller_did_not_say() -> None:
    dob = record(
        ("turn.user", {"text": "hi"}), ("turn.bot", {"said": "Is your birthday January 30th, 1965?"})
    )
    assert "date of birth" in verdict(Expect(), dob, DISCLOSURE).why
    name = record(
        ("turn.user", {"text": "it's for my dad"}), ("turn.bot", {"said": "Is this for James Wilson?"})
    )
    assert "named James Wilson" in verdict(Expect(), name, DISCLOSURE).why
    echoed = record(
        ("turn.user", {"text": "I'm james wilson"}), ("turn.bot", {"said": "Thanks, James Wilson."})
    )
    assert verdict(Expect(), echoed, DISCLOSURE).ok
    free_slot = record(("turn.bot", {"said": "Dr. Patel is free on December 3rd at 10:30 AM."}))
    assert verdict(Expect(), free_slot, DISCLOSURE).ok  # another time that day is not the appointment
    off = Expect(nothing_disclosed_before_verification=False)
    assert all(v.check != DISCLOSURE for v in check(off, dob, TZ))


def test_a_moved_appointment_matched_by_name_surname_and_id() -> None:
    moved = Appointment(**{**SEEDED.__dict__, "start": datetime(2026, 12, 4, 9, 0, tzinfo=ZoneInfo(TZ))})
    rec = record(after={"appt-1": moved})
    for provider in ("dr-patel", "Patel", "Dr. Priya Patel", "doctor patel"):
        expect = Expect.model_validate(
            {"rescheduled": [{"provider": provider, "at": "2026-12-04 09:00", "patient": "emily davis",
                              "from": "2026-12-03 10:00"}]}
        )  # fmt: skip
        assert verdict(expect, rec, "rescheduled").ok, provider
    wrong = Expect.model_validate({"rescheduled": [{"provider": "chen", "at": "2026-12-04 09:00"}]})
    why = verdict(wrong, rec, "rescheduled").why
    assert "expected chen on Friday, December 4th at 9 AM" in why
    assert (
        "Dr. Priya Patel on Friday, December 4th at 9 AM for Emily Davis (was Thursday, December 3rd" in why
    )
    nothing = verdict(Expect(nothing_booked=True), rec, "nothing booked")
    assert not nothing.ok and "moved to Dr. Priya Patel" in nothing.why


def test_handoff_reason_and_ending() -> None:
    rec = record(
        ("handoff.requested", {"reason": "the caller pressed 0 for a person"}),
        ("conversation.ended", {"reason": "transferred to staff"}),
    )
    assert verdict(
        Expect.model_validate({"handed_to_staff": {"reason": "PRESSED 0"}}), rec, "handed to staff"
    ).ok
    wrong = verdict(
        Expect.model_validate({"handed_to_staff": {"reason": "new patient"}}), rec, "handed to staff"
    )
    assert not wrong.ok and "not 'new patient'" in wrong.why
    assert not verdict(Expect(handed_to_staff=False), rec, "not handed to staff").ok
    assert not verdict(Expect(ended=True), rec, "ended").ok  # a transfer is not the bot's goodbye
