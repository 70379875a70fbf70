"""From the agent's expectation to a Whisper prompt, a completeness test and a keypad length."""

from __future__ import annotations

import pytest

from agents.expectation import Expectation, Expecting, holds_date_of_birth
from gateway.expecting import CONTEXT_KINDS, completeness_for, listening_for, prompt_for

DOCTORS = ("Dr. Priya Patel", "Dr. Marcus Chen")
MONTHS = ("January", "February", "March")
DOB = Expectation(Expecting.DATE_OF_BIRTH, MONTHS, keypad_digits=8)
SLOTS = Expectation(
    Expecting.SLOT_CHOICE, ("9 AM", "9:30 AM", "2 PM", "Tuesday", *DOCTORS), 1, ("9 AM", "9:30 AM", "2 PM")
)
YES_NO = Expectation(Expecting.YES_NO, ("yes", "no", *DOCTORS))


@pytest.mark.parametrize(
    "text",
    [
        "March 14, 1985.",
        "March 14th, 1985",
        "It's the 14th of March, 1985.",
        "my date of birth is March fourteenth 1985",
        "3/14/1985",
        "03-14-85",
    ],
)
def test_a_full_date_of_birth_is_complete(text: str) -> None:
    assert completeness_for(DOB)(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "My date of birth is",
        "My date of birth is...",
        "March 14th and",
        "Um,",
        "It's March 14th, um",
        "March",
    ],
)
def test_an_unfinished_date_of_birth_is_not(text: str) -> None:
    assert completeness_for(DOB)(text) is False


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("Yes.", True),
        ("No, thank you.", True),
        ("Yeah, that's right.", True),
        ("Correct.", True),
        ("No.", None),  # "No, ... but could we do Wednesday?": a bare no waits for the fixed silence
        ("Yes, and", False),
        ("Well, I was wondering whether Doctor Chen has anything later", None),
    ],
)
def test_yes_or_no(text: str, verdict: bool | None) -> None:
    assert completeness_for(YES_NO)(text) is verdict


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("The 9:30 one, please.", True),
        ("930 please", True),
        ("Nine thirty.", True),
        ("2 p.m. works", True),
        ("The first one.", True),
        ("The later one.", True),
        ("The 10:30 one", None),  # not offered: the fixed silence decides
        ("Let me think, um", False),
    ],
)
def test_a_slot_choice_names_an_offered_time_or_its_place(text: str, verdict: bool | None) -> None:
    assert completeness_for(SLOTS)(text) is verdict


def test_other_kinds_only_know_unfinished_words() -> None:
    request = completeness_for(Expectation(Expecting.REQUEST, DOCTORS))
    assert request("I'd like to book an appointment with") is False
    assert request("I'd like to book an appointment.") is None
    assert request("") is None


def test_prompts_carry_the_likely_words_and_a_primer() -> None:
    slot = prompt_for(SLOTS)
    assert slot is not None and slot.text.startswith("9 AM, 9:30 AM, 2 PM, Tuesday, Dr. Priya Patel")
    dob = prompt_for(DOB)
    assert dob is not None and "date of birth is" in dob.text and "January" not in dob.text
    names = prompt_for(Expectation(Expecting.NAME, ("Siobhan", "O'Connor")))
    assert names is not None and names.text == "Siobhan, O'Connor."
    assert prompt_for(Expectation(Expecting.NAME, ())) is None  # nobody on file: nothing to hint
    identity = prompt_for(Expectation(Expecting.IDENTITY, ("Sarah", "Johnson", *MONTHS)))
    assert identity is not None and "Sarah Johnson" in identity.text and "date of birth" in identity.text


def test_listening_follows_the_setting_and_the_measured_kinds() -> None:
    on = listening_for(SLOTS)
    assert (Expecting.SLOT_CHOICE in CONTEXT_KINDS) == (on.prompt is not None)
    assert on.keypad_digits == 1 and on.complete is not None and on.kind == "slot_choice"
    off = listening_for(SLOTS, context=False)
    assert off.prompt is None and off.complete is not None and off.keypad_digits == 1
    none = listening_for(DOB, context_kinds=frozenset())
    assert none.prompt is None and none.keypad_digits == 8
    assert "Patel" not in repr(on)  # the vocabulary stays out of logs


@pytest.mark.parametrize(
    ("text", "holds"),
    [
        ("My date of birth is March 14, 1985.", True),
        ("It's the 21st of April, 1900 and 79.", True),  # "nineteen hundred and seventy-nine"
        ("My date of work in January, 2016.", False),  # no day
        ("March 14, I'll see you at my eyes.", False),  # no year
        ("My date of birth is March 14, 2099.", False),  # not yet born
    ],
)
def test_the_form_of_a_date_of_birth_answer(text: str, holds: bool) -> None:
    assert holds_date_of_birth(text) is holds


def test_date_of_birth_answers_are_searched_for_their_form_and_others_are_not() -> None:
    dob = prompt_for(Expectation(Expecting.DATE_OF_BIRTH, ("March",), keypad_digits=8))
    identity = prompt_for(Expectation(Expecting.IDENTITY, ("Sarah", "Johnson"), keypad_digits=8))
    when = prompt_for(Expectation(Expecting.WHEN, ("Dr. Priya Patel",)))
    assert dob is not None and dob.answer is holds_date_of_birth
    assert identity is not None and identity.answer is holds_date_of_birth
    assert when is not None and when.answer is None
