import datetime as dt

import pytest

from speech.text import normalize, ordinal, reply_sentences, split_sentences, spoken_date, spoken_time

TODAY = dt.date(2031, 3, 10)  # a Monday


@pytest.mark.parametrize(
    ("clock", "spoken"),
    [
        ("15:00", "3 PM"),
        ("9:30", "9:30 AM"),
        ("09:05", "9:05 AM"),
        ("12:00", "12 PM"),
        ("00:15", "12:15 AM"),
        ("23:45", "11:45 PM"),
        ("3pm", "3 PM"),
        ("10:15 a.m.", "10:15 AM"),
        ("7 p.m.", "7 PM"),
        ("12:30am", "12:30 AM"),
    ],
)
def test_times(clock: str, spoken: str) -> None:
    assert normalize(f"See you at {clock} then", TODAY) == f"See you at {spoken} then"


@pytest.mark.parametrize("clock", ["15:00.", "3 p.m.", "3pm.", "3 PM."])
def test_a_time_at_the_end_of_a_sentence_keeps_the_full_stop(clock: str) -> None:
    assert split_sentences(normalize(f"Come at {clock} Call us first.", TODAY)) == [
        "Come at 3 PM.",
        "Call us first.",
    ]
    assert normalize(f"Come at {clock}", TODAY) == "Come at 3 PM."


def test_dates_near_today_get_the_weekday() -> None:
    assert normalize("on 2031-03-11", TODAY) == "on Tuesday, March 11th"
    assert normalize("on 3/22/2031", TODAY) == "on Saturday, March 22nd"
    assert spoken_date(dt.date(2031, 12, 3), TODAY) == "Wednesday, December 3rd"


def test_far_dates_get_the_year_and_birth_dates_no_weekday() -> None:
    assert normalize("born 1985-04-12", TODAY) == "born April 12th, 1985"
    assert normalize("DOB 07/04/62", TODAY) == "DOB July 4th, 1962"
    assert spoken_date(dt.date(2033, 1, 1), TODAY) == "Saturday, January 1st, 2033"


def test_month_names_get_ordinals() -> None:
    assert normalize("on Dec 3 or December 21st", TODAY) == "on December 3rd or December 21st"
    assert normalize("Sept. 2", TODAY) == "September 2nd"


def test_invalid_dates_are_left_alone() -> None:
    assert normalize("code 2031-02-30", TODAY) == "code 2031-02-30"


@pytest.mark.parametrize(
    ("number", "spoken"),
    [
        ("555-123-4567", "5 5 5, 1 2 3, 4 5 6 7"),
        ("(212) 555-0199", "2 1 2, 5 5 5, 0 1 9 9"),
        ("+1 415 555 2671", "4 1 5, 5 5 5, 2 6 7 1"),
        ("5551234567", "5 5 5, 1 2 3, 4 5 6 7"),
        ("555-0100", "5 5 5, 0 1 0 0"),
    ],
)
def test_phone_numbers_digit_by_digit(number: str, spoken: str) -> None:
    assert normalize(f"Call {number} now.", TODAY) == f"Call {spoken} now."


def test_abbreviations_money_and_symbols() -> None:
    assert normalize("Dr. Lee and Mrs. Smith", TODAY) == "Doctor Lee and Missus Smith"
    assert normalize("It is on Main St. Bring ID.", TODAY) == "It is on Main Street. Bring ID."
    assert normalize("St. Mary clinic", TODAY) == "Saint Mary clinic"
    assert normalize("The copay is $25.50 or $1", TODAY) == "The copay is 25 dollars and 50 cents or 1 dollar"
    assert (
        normalize("50% off, Smith & Sons, room #4", TODAY) == "50 percent off, Smith and Sons, room number 4"
    )


def test_combined_reply() -> None:
    text = "Dr. Patel can see you on 2031-03-12 at 14:30. Call 555-123-4567 to confirm."
    assert normalize(text, TODAY) == (
        "Doctor Patel can see you on Wednesday, March 12th at 2:30 PM. Call 5 5 5, 1 2 3, 4 5 6 7 to confirm."
    )


def test_plain_text_is_unchanged() -> None:
    assert normalize("Hello, how can I help you today?", TODAY) == "Hello, how can I help you today?"
    assert normalize("", TODAY) == ""


def test_helpers() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"
    ]  # fmt: skip
    assert spoken_time(0, 0) == "12 AM"
    assert spoken_time(12, 0, "a") == "12 AM"


def test_sentence_splitting() -> None:
    text = 'Thanks! Doctor Lee is free at 3 PM. Does that work? "Yes." Great\nBye'
    assert split_sentences(text) == [
        "Thanks!",
        "Doctor Lee is free at 3 PM.",
        "Does that work?",
        '"Yes."',
        "Great",
        "Bye",
    ]


def test_decimals_and_times_do_not_split() -> None:
    assert split_sentences("It costs 3.50 today. At 9:30 AM.") == ["It costs 3.50 today.", "At 9:30 AM."]


def test_long_sentences_are_cut_at_clause_breaks() -> None:
    long = ", ".join(f"item number {i} is here" for i in range(8)) + "."
    parts = split_sentences(long, max_words=12)
    assert len(parts) > 1
    assert " ".join(parts) == long
    assert all(len(p.split()) <= 12 + 5 for p in parts)


def test_punctuation_only_gives_no_sentences() -> None:
    assert split_sentences("... !? ,") == []
    assert split_sentences("") == []


def test_a_long_first_sentence_is_cut_at_its_first_clause_break() -> None:
    text = "Sure, Doctor Lee has an opening on Tuesday at 3 PM. Shall I book it, or not?"
    # What follows a short opening is cut the same way when long: it is waited for too.
    assert split_sentences(text, first_max_words=6) == [
        "Sure,",
        "Doctor Lee has an opening",
        "on Tuesday at 3 PM.",
        "Shall I book it, or not?",
    ]
    assert split_sentences("On Monday, June 1st, Doctor Lee has 9 AM or 10 AM.", first_max_words=6) == [
        "On Monday,",
        "June 1st,",
        "Doctor Lee has 9 AM or 10 AM.",
    ]
    assert split_sentences("Yes, that works.", first_max_words=6) == ["Yes,", "that works."]
    assert split_sentences("Thank you, Sarah.", first_max_words=6) == ["Thank you,", "Sarah."]
    assert split_sentences("Doctor Lee has Monday, June 1st.", first_max_words=6) == [
        "Doctor Lee has Monday, June 1st."
    ]
    assert split_sentences("One two three four five six seven eight.", first_max_words=6) == [
        "One two three four five six seven eight."
    ]


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("I'll book you with Doctor Chen on Monday, June 1st at 9 AM.", "I'll book you"),
        ("You're booked with Doctor Chen on Monday.", "You're booked"),
        ("Please hold while I connect you with a member of our team.", "Please hold while I connect you"),
        ("Could you tell me your first and last name?", "Could you tell me your first and last name?"),
        (
            "I'd like to transfer you to the nurse line today.",
            "I'd like to transfer you to the nurse line today.",
        ),
        ("Okay with me.", "Okay with me."),
    ],
)
def test_a_long_first_clause_is_cut_after_its_opening_phrase(text: str, first: str) -> None:
    pieces = split_sentences(text, first_max_words=6)
    assert pieces[0] == first
    assert " ".join(pieces) == text  # nothing lost or reordered


def test_time_ranges_emails_and_web_addresses() -> None:
    assert normalize("Open 9:00-17:00 daily", TODAY) == "Open 9 AM to 5 PM daily"
    assert normalize("Open 9am–5pm.", TODAY) == "Open 9 AM to 5 PM."
    assert normalize("Write to front.desk@riverside-clinic.org today.", TODAY) == (
        "Write to front dot desk at riverside-clinic dot org today."
    )
    assert (
        normalize("See www.riverside.org/forms for forms.", TODAY)
        == "See www dot riverside dot org for forms."
    )


def test_part_of_day_replaces_am_pm() -> None:
    assert normalize("at 9:30 in the morning", TODAY) == "at 9:30 in the morning"
    assert normalize("at 15:00 in the afternoon", TODAY) == "at 3 in the afternoon"
    assert normalize("at 9:30 AM in the morning", TODAY) == "at 9:30 AM in the morning"  # said as written


def test_reply_sentences_keep_abbreviations_and_drop_markdown() -> None:
    """How a reply streams (moved here from tests/agents/test_parsers.py with the code)."""
    assert reply_sentences("Okay. I found **Dr. Patel** at 3 PM. Shall I?") == [
        "Okay.",
        "I found Dr. Patel at 3 PM.",
        "Shall I?",
    ]
