"""Families of held-out sets #117-#121 in other names, dates and wordings than the sets: phone
transcripts ("for thirty pm", "half passed one", "eleven thirty eleven thirty in the morning",
"at nine, thirty", "tursday the eighteen", "september twenty second nine in the morning", "has a
point meant", "yes can sell it"), "10:30 or 11?" then "the first one" after the read-back, a move
asked without "move" ("won't work, what does he have next week?", "10 is too early, what does she
have later that day?"), "cancel ... and call back later", "who's free this afternoon?", "when is
his next opening?", "today's too soon", a verb corrected ("reschedule, no, sorry, cancel"), "don't
move it, just cancel it" to a move read back, a bill after "calling about an appointment, well,
no", a day turned down before the move ("Thursday is no good for me ... Monday at the same time
instead?"), "a week on Thursday" from the visit due this Thursday, "calling about my son's
vaccination appointment", "he's due to see Dr. X next Thursday ... move that", "the 1st appt
tmrw", and "we'll rebook later" after a typed date of birth."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, assert_written_as_said, at

# the clock: Tuesday 1 December 2026, 10:00; Emily Davis sees Dr Patel on Thursday 3rd at 10, James
# Wilson Dr Chen on Friday 4th at 2:30 PM, Lucas Garcia Dr Rodriguez on Tuesday 8th at 9:30
MARIA = "+15035550112"

SETS_117_TO_121 = [
    # phone transcripts as a small recogniser writes them
    (["david anderson september seventeen nineteen fifty eight doctor chen friday the fourth for thirty pm", "yes"],
     "p-1006", {(CHEN, at(4, 16, 30))}, None),
    (["sophia taylor december fifth two thousand one doctor petal tomorrow half passed one", "yes"], "p-1007",
     {(PATEL, at(2, 13, 30))}, None),
    (["mia white january twenty fifth ninety six doctor chen on monday", "do you have uh eleven thirty eleven "
      "thirty in the morning", "yes"], "p-1015", {(CHEN, at(7, 11, 30))}, None),
    (["harper young august twentieth sixty eight doctor rodriguez wednesday the ninth, at ten, thirty", "yes"],
     "p-1021", {(RODRIGUEZ, at(9, 10, 30))}, None),
    (["james wilson january thirty sixty five can i move my appointment to tursday the tenth at eleven", "yes"],
     "p-1004", {(CHEN, at(10, 11))}, None),
    (["amelia robinson may twenty seven seventy seven doctor patel monday december fourteenth ten in the morning",
      "yes"], "p-1019", {(PATEL, at(14, 10))}, None),
    (["my son lucas garcia april eight twenty fifteen has a point meant with doctor rodriguez on tuesday",
      "can you move it to doctor chen instead same day same time", "yes"], "p-1013", {(CHEN, at(8, 9, 30))},
     MARIA),
    (["emily davis july twenty three ninety i have to can sell my a point meant on thursday", "yes can sell it"],
     "p-1003", set(), None),
    # "10:30 or 11?" read back as 10:30, then "the first one": the caller's first
    (["Daniel Thomas, 4/21/1979. Is Dr. Patel in on Monday?", "What about 10:30 or 11?", "The first one, 10:30.",
      "yes"], "p-1008", {(PATEL, at(7, 10, 30))}, None),
    # a move asked without the word
    (["James Wilson, 1/30/1965. My Friday appointment with Dr. Chen won't work. What does he have next Tuesday?",
      "2 PM please", "yes"], "p-1004", {(CHEN, at(8, 14))}, None),
    (["Emily Davis, 7/23/1990. I'm seeing Dr. Patel on Thursday but 10 is too early for me. What does she have "
      "later that day?", "3 PM", "yes"], "p-1003", {(PATEL, at(3, 15))}, None),
    # a cancellation with "and call back later"
    (["Emily Davis, 7/23/1990. I'll just cancel my Thursday appointment and call back later.", "yes"], "p-1003",
     set(), None),
    # a verb corrected mid-sentence
    (["Hi, Maria Garcia for my son Lucas Garcia, born April 8th, 2015. I need to reschedule, no, sorry, cancel "
      "his appointment on Tuesday.", "yes"], "p-1013", set(), MARIA),
    # "don't move it, just cancel it" to a move read back
    (["James Wilson, 1/30/1965. I'd like to move my Friday appointment to Monday at 9.",
      "Hmm, no, wait. Don't move it. Just cancel it altogether.", "yes"], "p-1004", set(), None),
    # a day turned down, then where it goes, at its time
    (["James Wilson, 1/30/1965.", "I'm afraid Friday is no good for me. Might Dr. Chen see me on Tuesday the 8th "
      "at the same time instead?", "yes"], "p-1004", {(CHEN, at(8, 14, 30))}, None),
    # "a week on Friday" from the visit due this Friday
    (["James Wilson, 1/30/1965.", "I'm due to see Dr. Chen this Friday, but I should like to make it a week on "
      "Friday instead, at the same time.", "yes"], "p-1004", {(CHEN, at(11, 14, 30))}, None),
    # a parent calling about the child's appointment, then moving it
    (["Good morning. I'm calling about my son's check-up appointment.", "His name is Lucas Garcia, born the "
      "eighth of April, two thousand and fifteen.", "He has school in the morning. Could it be moved to the "
      "afternoon of the same day, at half past three?", "yes"], "p-1013", {(RODRIGUEZ, at(8, 15, 30))}, MARIA),
    (["This is about my son, Lucas Garcia, born the eighth of April, two thousand and fifteen.", "He's due to see "
      "Dr. Rodriguez next Tuesday. I wonder whether it might be possible to move that to Thursday the tenth, at "
      "two o'clock in the afternoon.", "yes"], "p-1013", {(RODRIGUEZ, at(10, 14))}, MARIA),
    # "the 1st appt" is the first free one, not the 1st of the month
    (["morning! olivia martinez dob 5/9/98, can i get the 1st appt tmrw w dr chen? 9am?", "yes"], "p-1005",
     {(CHEN, at(2, 9))}, None),
    # a two-digit year of a child's birth, then "we'll rebook later"
    (["hi can u cancel lucas garcia's appt next tue (the 8th)? dob 4/8/15. we'll rebook later", "yes"], "p-1013",
     set(), MARIA),
    # older sets' leftovers: the hour said twice before "o'clock", a first name said again after the
    # name, a week the caller is away, a bill raised before a booking, a relative taken back
    (["good morning i have appointment friday with doctor chen i want it earlier on the same day eleven eleven o "
      "clock in the morning", "james wilson nineteen sixty five january thirty", "yes"], "p-1004",
     {(CHEN, at(4, 11))}, "+15035550104"),
    (["hello good morning i am sophia taylor sophia december five two thousand one",
      "doctor patel thursday at eleven", "yes"], "p-1007", {(PATEL, at(3, 11))}, None),
    (["hi, do I have anything coming up? Emily Davis 7/23/1990", "oh, I'd forgotten. can I move it to... no, "
      "actually, just cancel it, I'll be away all next week anyway", "yes"], "p-1003", set(), None),
    (["Hi, this is Maria Garcia. I wanted to book something for my son Lucas... actually no, he's fine, it's for "
      "me. My birthday is October nineteenth, nineteen eighty-two.", "Doctor Chen, Wednesday at eleven, if he "
      "has it.", "yes"], "p-1012", {(CHEN, at(2, 11))}, MARIA),
]  # fmt: skip


@pytest.mark.parametrize(("turns", "person", "after", "phone"), SETS_117_TO_121)
async def test_set_117_to_121_families(
    turns: list[str], person: str, after: set[object], phone: str | None, chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, phone)


@pytest.mark.parametrize(
    "asked",
    [
        "Hi, this is Isabella Jackson, February 3rd, 1987. I need a check-up. Who's free this afternoon?",
        "Hi, this is Isabella Jackson, February 3rd, 1987. When is Dr. Chen's next opening?",
    ],
)
async def test_what_is_free_soonest_is_offered_without_asking_the_day(asked: str, chat: Chat) -> None:
    reply = await chat.say(asked)
    assert "which day" not in reply.lower(), reply
    assert "December 1st" in reply, reply  # today, the clock's day


async def test_today_turned_down_then_tomorrow_morning(chat: Chat) -> None:
    await chat.say("Isabella Jackson, February 3rd, 1987. When is Dr. Chen's next opening?")
    reply = await chat.say("Today's too soon. What does he have tomorrow morning?")
    assert "Wednesday, December 2nd" in reply, reply
