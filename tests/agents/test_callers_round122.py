"""Families of held-out sets #122-#126 in other names, dates and wordings than the sets: English
as second-language speakers say it ("the appointment of my son ... change for Thursday", "no need
anymore. Cancel.", "for after tomorrow", "nine of may of ninety eight", "make it more late, next
week Tuesday", "displace my appointment", "put it one day before", "the Thursday ten, after the
noon", "no pardon", "Friday for o'clock"), a question about opening hours while the new day of a
move is asked, and "hold on ... can I speak to the front desk?"."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, assert_written_as_said, at

# the clock: Tuesday 1 December 2026, 10:00; Emily Davis sees Dr Patel on Thursday 3rd at 10, James
# Wilson Dr Chen on Friday 4th at 2:30 PM, Lucas Garcia Dr Rodriguez on Tuesday 8th at 9:30
MARIA = "+15035550112"

SETS_122_TO_126 = [
    (["the appointment of my son Lucas Garcia, the vaccine, the doctor Rodriguez. Change for Thursday the tenth "
      "please, same hour.", "Lucas Garcia, eight of April two thousand fifteen", "yes"], "p-1013",
     {(RODRIGUEZ, at(10, 9, 30))}, MARIA),
    (["Lucas Garcia. Birthday April eight, two thousand fifteen. Appointment doctor Rodriguez, no need anymore. "
      "Cancel.", "yes"], "p-1013", set(), MARIA),
    (["hello, is Olivia Martinez, I need a appointment with the doctor Chen for after tomorrow, in the morning, "
      "ten and half", "nine of may of ninety eight", "yes"], "p-1005", {(CHEN, at(3, 10, 30))}, None),
    (["good morning, I have appointment for the blood pressure with doctor Chen, I want to make it more late, "
      "next week Tuesday, same time", "James Wilson, thirty of January of sixty five", "yes"], "p-1004",
     {(CHEN, at(8, 14, 30))}, None),
    (["good afternoon, I must displace my appointment of Thursday with doctor Patel, to the Monday, at eleven "
      "hours in the morning", "Emily Davis, born twenty three July ninety", "yes"], "p-1003",
     {(PATEL, at(7, 11))}, None),
    (["hi, Lucas Garcia, my mother she book for me appointment with doctor Rodriguez, I want to put it one day "
      "before, the same time", "eight April two thousand fifteen", "yes"], "p-1013", {(RODRIGUEZ, at(7, 9, 30))},
     MARIA),
    (["mia white january twenty five ninety six, doctor Chen, the Thursday ten, after the noon, one o'clock",
      "yes"], "p-1015", {(CHEN, at(10, 13))}, None),
    (["Charlotte Clark, fifteen November eighty nine. Doctor Patel for the Friday eleven, no pardon, the Thursday "
      "ten, at ten hours", "yes"], "p-1017", {(PATEL, at(10, 10))}, None),
    (["Harper Young, August twentieth sixty eight. Doctor Patel, Friday for o'clock, afternoon", "yes"], "p-1021",
     {(PATEL, at(4, 16))}, None),
    # a parent on the family's number for the child's visit: his name and date of birth said as his
    (["Hi, this is Maria Garcia. I need to move my son's appointment, Lucas. His date of birth is April 8th "
      "2015.", "Can we do Thursday the 10th at 9:30 instead?", "yes"], "p-1013", {(RODRIGUEZ, at(10, 9, 30))},
     MARIA),
    (["Hi, Maria Garcia, October 19th 1982. My son Lucas has his vaccination next Tuesday, can we move it?",
      "His birthday's April 8th, 2015.", "Thursday the 10th, same time.", "yes"], "p-1013",
     {(RODRIGUEZ, at(10, 9, 30))}, MARIA),
    (["Hi, Maria Garcia here, I need to cancel my son Lucas's appointment next Tuesday. He already had his shots "
      "at school.", "April 8th, 2015, that's his birthday.", "yes"], "p-1013", set(), MARIA),
    (["Hi, Maria Garcia, calling for Lucas Garcia, April 8th 2015. Can you cancel his morning appointment on "
      "Tuesday the 8th?", "yes"], "p-1013", set(), MARIA),
    (["Maria Garcia for Lucas Garcia, born April 8th 2015. I need to move Lucas's appointment to Thursday the "
      "10th, as late in the day as you can.", "yes"], "p-1013", {(RODRIGUEZ, at(10, 16, 30))}, MARIA),
    # "the same time as it is now"
    (["Hi, this is James Wilson, January 30th 1965. I need to change my appointment with Dr. Chen.",
      "To next week, Tuesday the 8th.", "The same time as it is now is fine.", "yes"], "p-1004",
     {(CHEN, at(8, 14, 30))}, None),
    # households (set #124): a relative's visit told before the caller's own request
    (["Hi, this is Amelia Robinson, date of birth May 27th, 1977. My husband James sees Dr. Chen on Friday "
      "afternoon, and I'd like my own appointment with Dr. Chen that same Friday, the 4th, at 3:30.", "yes"],
     "p-1019", {(CHEN, at(4, 15, 30))}, None),
    (["Hi, Mia White, January 25th, 1996. My husband Christopher is seeing Dr. Patel at 10:30 on Monday the 7th. "
      "I'd like my own appointment with her right before his, at 10 o'clock.", "yes"], "p-1015",
     {(PATEL, at(7, 10))}, None),
    (["Hello, this is Maria Garcia, October 19, 1982. Lucas has his vaccination with Dr. Rodriguez on Tuesday, "
      "December 8th in the morning. Could you book me with Dr. Patel that same morning at 11, so we only make "
      "one trip? It's for me, not for him.", "yes"], "p-1012", {(PATEL, at(8, 11))}, MARIA),
    (["James Wilson here, date of birth January 30th, 1965. My wife Amelia sees Dr. Patel next week, but she'll "
      "sort out her own. This is for me: I need an appointment with Dr. Patel on Monday, December 7th at 11:30.",
      "yes"], "p-1004", {(CHEN, at(4, 14, 30)), (PATEL, at(7, 11, 30))}, None),
    (["Christopher Lee, July 4th, 1975. My wife and I want to come in back to back with Dr. Patel on Monday the "
      "7th. She'll call about her own, so this is just mine: could I have 10:30?", "yes"], "p-1014",
     {(PATEL, at(7, 10, 30))}, None),
    # a husband moving his wife's visit: "needs it moved"
    (["Hi, I'm calling for my wife, Emily Davis, her birthday is July 23rd, 1990. She has a check-up with Dr. "
      "Patel on Thursday and needs it moved to the following Monday, the 7th, at the same time, 10 am.", "yes"],
     "p-1003", {(PATEL, at(7, 10))}, "+15035550120"),
    # the one kept is not the doctor of the one moved
    (["Emily Davis, 07/23/1990. I'd like to book a visit with Dr. Chen on Wednesday, December 9th at 1:30.",
      "yes", "Thanks. So now I have two appointments. Keep the Dr. Chen one, but please move the earlier one, "
      "my check-up with Dr. Patel, to Monday, December 7th at 9 am.", "yes"], "p-1003",
     {(CHEN, at(9, 13, 30)), (PATEL, at(7, 9))}, None),
    # two visits listed, then the first one's day; "the second one two weeks after that"
    (["Sarah Johnson, March 14th, 1985. I need two appointments with Dr. Patel, a physical and then a follow-up. "
      "The physical first, please: Wednesday, December 2nd at 9 am.", "yes", "And the second one two weeks after "
      "that, Wednesday, December 16th, also at 9 am with Dr. Patel.", "yes"], "p-1001",
     {(PATEL, at(2, 9)), (PATEL, at(16, 9))}, None),
    # opening hours asked while the new day of a move is asked: still the move
    (["Emily Davis, 7/23/1990. I need to reschedule my Thursday appointment.", "What's the earliest you open? I'd "
      "like to come in before work.", "Then Tuesday the 8th at 9, please.", "yes"], "p-1003", {(PATEL, at(8, 9))},
     None),
]  # fmt: skip


@pytest.mark.parametrize(("turns", "person", "after", "phone"), SETS_122_TO_126)
async def test_set_122_to_126_families(
    turns: list[str], person: str, after: set[object], phone: str | None, chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, phone)


async def test_hold_on_then_the_front_desk_is_a_request_for_a_person(chat: Chat) -> None:
    await chat.say("Hi, I'd like to book an appointment.")
    await chat.say("Gregory Palmer, March 3rd 1970")
    await chat.say("Hold on... that's definitely my birthday. Can I just speak to the front desk, please?")
    assert chat.handoff is not None, chat.outputs
