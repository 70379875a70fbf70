"""Families of held-out sets #112-#116 in other names, dates and wordings than the sets: a
24-hour time typed alone ("1500", "0930"), a doctor's surname alone as the answer to "what day
would you like to move it to?", "the end of next week" (its Friday), "my visit about a week ago"
on a bill, "two things ... and second, ..." (counting requests, not choosing the second visit),
"the doctor told me to come back in a few weeks" before the date asked for, "at like eleven",
"..., half past two then", a date the caller is away on, "my dad set up my check-up ... can I move
it", a time corrected in the sentence after the new day, "9:30, or, hmm, actually 10", a move given
up for a cancellation, and a visit kept while another is booked."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, assert_written_as_said, at, booked

# the clock: Tuesday 1 December 2026, 10:00; Emily Davis sees Dr Patel on Thursday 3rd at 10, James
# Wilson Dr Chen on Friday 4th at 2:30 PM, Lucas Garcia Dr Rodriguez on Tuesday 8th at 9:30

SETS_112_TO_116 = [
    # a 24-hour time typed alone, after the day's times were offered
    (["Sophia Taylor 12/5/2001", "Patel", "12/3", "1500", "yes"], "p-1007", {(PATEL, at(3, 15))}),
    (["book please", "Matthew Moore", "06/28/1969", "Chen", "monday", "0930", "yes"], "p-1010",
     {(CHEN, at(7, 9, 30))}),
    # the doctor's surname alone where the new day was asked: that doctor, the day asked next
    (["Emily Davis 7/23/1990. I need to move my appointment.", "Rodriguez", "Monday", "11am", "yes"], "p-1003",
     {(RODRIGUEZ, at(7, 11))}),
    # the end of next week is its Friday
    (["Mia White 1/25/1996. Dr. Chen at the end of next week, at 11 please.", "yes"], "p-1015",
     {(CHEN, at(11, 11))}),
    # "and second, ...": the second request, about the visit it names
    (["James Wilson 1/30/1965. Two things. First, book me with Dr. Patel on Monday the 7th at 2 PM.", "yes",
      "And second, my appointment with Dr. Chen on Friday has to move to Wednesday the 9th, same time.", "yes"],
     "p-1004", {(PATEL, at(7, 14)), (CHEN, at(9, 14, 30))}),
    # what the doctor advised, told as a story, then the date asked for
    (["Christopher Lee, 7/4/1975. The doctor told me to come back in a few weeks, and it's been longer than "
      "that, my fault. Could I see Dr. Patel on Wednesday the 16th at 10?", "yes"], "p-1014",
     {(PATEL, at(16, 10))}),
    # "at like eleven", then the day corrected with "same time, eleven"
    (["Hi, it's Joshua Lewis, 9/1/2004. Could I see Dr. Chen on Thursday the 10th, at like eleven?",
      "Sorry, I meant Friday the 11th. Same time, eleven.", "yes"], "p-1018", {(CHEN, at(11, 11))}),
    # the time settled on last: "..., half past two then"
    (["Amelia Robinson, 5/27/1977. Dr. Rodriguez on Monday the 7th at quarter past two, oh, you only do half "
      "hours, half past two then.", "yes"], "p-1019", {(RODRIGUEZ, at(7, 14, 30))}),
    # a date the caller is away on is not the date asked for
    (["Ryan Walker 12/12/1992. Is Dr. Patel free Wednesday the 9th at 3? Actually no, not the 9th, the 16th, "
      "I'll be out of town on the 9th.", "yes"], "p-1020", {(PATEL, at(16, 15))}),
    # a visit someone else set up, then "can I move it"
    (["Hi, this is Lucas Garcia, April 8th, 2015. My dad set up my check-up with Dr. Rodriguez for next "
      "Tuesday, but I have practice in the mornings. Can I move it to the afternoon? Same day, maybe two "
      "thirty?", "yes"], "p-1013", {(RODRIGUEZ, at(8, 14, 30))}),
    # the new time corrected in the sentence after the new day
    (["Emily Davis, 7/23/1990. My check-up with Dr. Patel on Thursday, could I move it to Monday the 7th, in "
      "the afternoon? At three, sorry, half past three.", "yes"], "p-1003", {(PATEL, at(7, 15, 30))}),
    # "9:30, or, hmm, actually 10": the hour alone replaces the time said before; "that afternoon" of
    # someone's flight is no day asked for
    (["James Wilson, 1/30/1965. I've got the follow-up with Dr. Chen this Friday and my son's flying in that "
      "afternoon. Could you move me to Tuesday the 8th? Morning's fine, nine thirty, or, hmm, actually ten.",
      "yes"], "p-1004", {(CHEN, at(8, 10))}),
    # a move given up for a cancellation
    (["Hi, Emily Davis, 7/23/1990. I was planning to reschedule my appointment with Dr. Patel on Thursday, but "
      "you know what, just cancel it, I'm hardly ever in town these days.", "yes"], "p-1003", set()),
    # a visit kept, another booked
    (["James Wilson, January 30th, 1965. I've got my blood work follow-up with Dr. Chen on Friday and I'm "
      "keeping that one. But I'd like a separate visit with Dr. Rodriguez on Wednesday the 9th at 10.", "yes"],
     "p-1004", {(CHEN, at(4, 14, 30)), (RODRIGUEZ, at(9, 10))}),
]  # fmt: skip


@pytest.mark.parametrize(("turns", "person", "after"), SETS_112_TO_116)
async def test_set_112_to_116_families(
    turns: list[str], person: str, after: set[object], chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, None)


async def test_a_day_not_caught_on_a_call_can_be_typed(chat: Chat, demo: DemoConnector) -> None:
    call = Chat(chat.agent, chat.audit, channel="voice", caller_phone="+15035550104")
    await call.say("I need to move my appointment.")
    await call.say("January 30th 1965")
    again = await call.say("happy memory game")  # "next Wednesday", as a small recogniser wrote it
    assert "four digits, month then day" in again, again
    assert call.agent.expectation(call.state).keypad_digits == 4  # four keys complete the entry
    offered = await call.press("1209")
    assert "Wednesday, December 9th" in offered, offered
    await call.say("2 PM")
    await call.say("yes")
    assert await booked(demo, "p-1004") == {(CHEN, at(9, 14))}


async def test_a_no_to_the_times_with_no_day_caught_offers_the_day_keys_on_a_call(chat: Chat) -> None:
    call = Chat(chat.agent, chat.audit, channel="voice", caller_phone="+15035550104")
    await call.say("James Wilson, January 30th 1965. I'd like to see Dr. Patel.")
    refused = await call.say("No.")
    assert "four digits, month then day" in refused, refused
    typed = await call.press("1210")
    assert "Thursday, December 10th" in typed, typed
    # typed on the website chat, four digits are no date: the keys are a phone's
    web = Chat(chat.agent, chat.audit, channel="chat")
    await web.say("James Wilson, January 30th 1965. I'd like to see Dr. Patel.")
    assert "four digits" not in await web.say("No.")
