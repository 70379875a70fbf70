"""Families of held-out sets #137-#141 in other names, dates and wordings than the sets: a week
named first and its day in the next sentence ("the week after next? Wednesday works best"), "an
appointment ... that she can't make" then "the following week, same time" to the cancellation read
back, small talk before the name ("Haha, lovely. So ..."), an aside with the new day in the same
turn ("parking, by the way? Anyway, Monday the 7th at 3"), "Lucas's appointment ... He's my son",
and "Now for me: ..." after a relative's visit was moved."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, assert_written_as_said, at, booked, converse

# the clock: Tuesday 1 December 2026, 10:00; Emily Davis sees Dr Patel on Thursday 3rd at 10, James
# Wilson Dr Chen on Friday 4th at 2:30 PM, Lucas Garcia Dr Rodriguez on Tuesday 8th at 9:30
MARIA = "+15035550112"

SETS_137_TO_141 = [
    (["James Wilson, 1/30/1965. My Friday appointment with Dr. Chen, could it go to the week after next? "
      "Wednesday works best, same time.", "yes"], "p-1004", {(CHEN, at(16, 14, 30))}, "+15035550104"),
    (["Hi, my wife Emily has an appointment with Dr. Patel on Thursday that she can't make.",
      "Emily Davis, July 23rd 1990.", "The following week, same time, please.", "yes"], "p-1003",
     {(PATEL, at(10, 10))}, "+15035550103"),
    (["Hi there, how are you today?", "Haha, lovely. So I'd like to book a check-up with Dr. Chen. Olivia "
      "Martinez, May 9th, 1998.", "Friday the 4th at 11 AM?", "Yep."], "p-1005", {(CHEN, at(4, 11))},
     "+15035550105"),
    (["Emily Davis, July 23rd 1990. I need to move my Thursday appointment with Dr. Patel.", "Do you have a "
      "parking garage, by the way? Anyway, Monday the 7th at 3 PM would be great.", "Yes."], "p-1003",
     {(PATEL, at(7, 15))}, "+15035550103"),
    (["Hello, Maria Garcia, October 19th 1982. I need to cancel Lucas's appointment next Tuesday. He's my "
      "son, his birthday is April 8th, 2015.", "Yes."], "p-1013", set(), MARIA),
]  # fmt: skip


async def test_the_callers_own_visit_after_a_relatives_move_is_booked_for_the_caller(
    chat: Chat, demo: DemoConnector
) -> None:
    turns = [
        "Maria Garcia, 10/19/1982. I need to move my son Lucas's appointment with Dr. Rodriguez.",
        "Lucas Garcia, April 8th 2015. Could it be Wednesday the 9th at 2?",
        "Yes.",
        "Now for me: Dr. Chen on Friday the 11th at 10 AM, please.",
        "Yes.",
    ]
    _talk, transcript = await converse(chat, turns, MARIA)
    assert await booked(demo, "p-1013") == {(RODRIGUEZ, at(9, 14))}, transcript
    assert await booked(demo, "p-1012") == {(CHEN, at(11, 10))}, transcript


@pytest.mark.parametrize(
    "first",
    [
        "Hi, Maria Garcia, 10/19/1982. Two things: I need to move my son Lucas's appointment with Dr. Rodriguez, "
        "and I'd like to book myself in with Dr. Patel as well.",
        "Maria Garcia, born October 19th 1982. Could you move my son's appointment, and book me with Dr. Patel "
        "too?",
    ],
)
async def test_the_callers_own_request_said_after_a_relatives_is_served_next(
    first: str, chat: Chat, demo: DemoConnector
) -> None:
    turns = [first, "Lucas Garcia, April 8th 2015. Wednesday the 9th at 2, please.", "Yes.",
             "Friday the 11th at 10 AM.", "Yes."]  # fmt: skip
    _talk, transcript = await converse(chat, turns, MARIA)
    assert "Now for yours." in transcript, transcript
    assert await booked(demo, "p-1013") == {(RODRIGUEZ, at(9, 14))}, transcript
    assert await booked(demo, "p-1012") == {(PATEL, at(11, 10))}, transcript


# households of set #133 (another's visit as the anchor of the caller's, by first name or "right after
# mine"), in other names and dates
HOUSEHOLDS = [
    (["I'm calling for my husband James Wilson, born January 30th 1965, about his Dr. Chen appointment.",
      "He can't make it, could you move it to Monday the 7th at 11?", "Yes."], "p-1004", {(CHEN, at(7, 11))}, None),
    (["Hi, I'm calling for my wife, Emily Davis, date of birth July 23rd 1990. She's already seeing Dr. Patel on "
      "Thursday. Could she also see Dr. Chen the same day as that one, at 2 in the afternoon?", "Yes."], "p-1003",
     {(PATEL, at(3, 10)), (CHEN, at(3, 14))}, None),
    (["Hi, Sarah Johnson here, born March 14th 1985. I'd like Dr. Chen on Wednesday the 2nd at 11 am.", "Yes.",
      "And my husband Daniel Thomas needs one too, his birthday is April 21st 1979. Could he see Dr. Chen right "
      "after mine?", "Yes."], "p-1008", {(CHEN, at(2, 11, 30))}, "+15035550101"),
    (["Maria Garcia, October 19th 1982. Dr. Patel on Friday the 4th at 1 please.", "Yes.",
      "And Lucas too please, he's April 8th 2015. Dr. Rodriguez, right after mine.", "Yes."], "p-1013",
     {(RODRIGUEZ, at(8, 9, 30)), (RODRIGUEZ, at(4, 13, 30))}, MARIA),
    (["James Wilson, January 30th 1965. My wife has her appointment here on Monday the 7th, so I'd like to move "
      "my Dr. Chen appointment to the same day as hers, at 3 pm.", "Yes."], "p-1004", {(CHEN, at(7, 15))},
     "+15035550104"),
    (["Emily Davis, July 23rd 1990. My husband has surgery that day, so I need to move my Dr. Patel appointment "
      "to the next day, same time.", "Yes."], "p-1003", {(PATEL, at(4, 10))}, "+15035550103"),
]  # fmt: skip


# set #143's windows and choices: "between two and three", "anytime from three", "the later of those",
# "whichever's earlier", "the earliest you have tomorrow", "anything later than that? three maybe?",
# "book something with Dr. X instead" after a cancellation
WINDOWS_AND_CHOICES = [
    (["Sarah Johnson, March 14th 1985. Dr. Chen on Monday the 7th, sometime between two and three?",
      "The later of those.", "Yes."], "p-1001", {(CHEN, at(7, 14, 30))}),
    (["Sophia Taylor, December 5th 2001. Dr. Patel on Friday the 4th, anytime from three.", "The first one.",
      "Yes."], "p-1007", {(PATEL, at(4, 15))}),
    (["Olivia Martinez, May 9th 1998. Dr. Rodriguez on Wednesday the 9th, between eleven and twelve.",
      "Whichever's earlier.", "Yes."], "p-1005", {(RODRIGUEZ, at(9, 11))}),
    (["Mia White, January 25th 1996. Dr. Chen on Monday the 7th, four or after?", "The last one.", "Yes."],
     "p-1015", {(CHEN, at(7, 16, 30))}),
    (["Daniel Thomas, April 21st 1979. I'd like to see Dr. Patel.", "The earliest you have tomorrow.", "Yes."],
     "p-1008", {(PATEL, at(2, 9))}),
    (["Ava Hernandez, August 11th 1993. Dr. Patel on Thursday morning.", "Anything later than that? Three maybe?",
      "Yes."], "p-1009", {(PATEL, at(3, 15))}),
    (["Emily Davis, July 23rd 1990. Please cancel my appointment with Dr. Patel.", "Yes.",
      "Could I book something with Dr. Chen instead? Whatever he has on Monday.", "The first one.", "Yes."],
     "p-1003", {(CHEN, at(7, 9))}),
]  # fmt: skip


@pytest.mark.parametrize(("turns", "person", "after"), WINDOWS_AND_CHOICES)
async def test_windows_and_choices_among_the_times_offered(
    turns: list[str], person: str, after: set[object], chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, None)


# sets #142, #145 and #146: a correction to a day of the month said after a read-back in a later
# month, a date and its weekday said apart ("the 10th, sorry. Thursday."), "which doctor it's with"
# (no doctor named: the visit's own), "2 would be ideal", and what a recogniser writes ("doctor pat
# el", "rod riguez", "march for teen", "the twenty 1st", "speak with reception")
async def test_the_day_of_month_corrected_after_a_read_back_is_in_the_month_read_back(
    chat: Chat, demo: DemoConnector
) -> None:
    turns = ["Sophia Taylor, December 5th 2001. Dr. Patel on Tuesday, January 12th at 9 AM please.",
             "No, the 14th. Sorry, I'm away that week.", "Yes."]  # fmt: skip
    _talk, transcript = await converse(chat, turns, None)
    assert await booked(demo, "p-1007") == {(PATEL, at(14, 9).replace(year=2027, month=1))}, transcript


RECOGNISER_AND_CORRECTIONS = [
    (["Hi, I need to move my son Lucas's appointment. He's Lucas Garcia, April 8th 2015.",
      "Could it be Wednesday the 9th at 2?", "No, the 10th, sorry. Thursday.", "Yes."], "p-1013",
     {(RODRIGUEZ, at(10, 14))}, MARIA),
    (["I have to reschedule my son's appointment next week, I forget which doctor it's with.",
      "Lucas Garcia, born April 8th, 2015.", "Could it be Thursday the 10th instead, around 3?", "Yes."], "p-1013",
     {(RODRIGUEZ, at(10, 15))}, MARIA),
    (["Ava Hernandez, August 11th 1993. Dr. Chen on Monday the 7th, please.",
      "Hmm, anything in the afternoon that day? 3 would be ideal.", "Yes."], "p-1009", {(CHEN, at(7, 15))}, None),
    (["mia white january twenty fifth nineteen ninety six", "doctor pat el", "mon day the seven", "ten 30", "yes"],
     "p-1015", {(PATEL, at(7, 10, 30))}, None),
    (["joshua lewis", "september first two thousand four", "i need doctor rod riguez wednes day the twenty 3rd at "
      "eleven", "yes"], "p-1018", {(RODRIGUEZ, at(23, 11))}, None),
    (["i need a appointment", "sarah johnson", "march for teen nineteen eighty five", "doctor chen friday at ten",
      "yes"], "p-1001", {(CHEN, at(4, 10))}, None),
]  # fmt: skip


async def test_asking_for_reception_while_the_name_is_asked_goes_to_staff(chat: Chat) -> None:
    for said in ["hello i need appointment with doctor chen", "tomasz kowalczyk", "june 3 1980",
                 "please let me speak with reception"]:  # fmt: skip
        await chat.say(said)
    assert chat.handoff is not None


# sets #147-#151: the caller's own two times and which is better, another time for a visit they
# describe ("I've got the follow-up with Dr. X on Friday. Can we make it earlier that day?", "has his
# vaccination ... something later that morning?"), "needs his appointment moved to", "is 2 ok?", a
# cancellation's reason ("my insurance changed"), "I'm Maria, his mom", a visit the day after a
# visit they have, households in one turn, "the day after mine at the same time", "book me ... that
# same day" after a relative's cancellation, "the next morning at 9"
SETS_147_TO_151 = [
    (["Olivia Martinez, May 9th 1998. Dr. Chen on Monday the 7th. Is 10 or 2 free? The later one would suit me "
      "better.", "Yes."], "p-1005", {(CHEN, at(7, 14))}, None),
    (["Emily Davis, July 23rd 1990. My Thursday appointment with Dr. Patel clashes with work. Could it be Friday "
      "the 4th instead? 9:30 or 2, the later one's better.", "Yes."], "p-1003", {(PATEL, at(4, 14))}, None),
    (["James Wilson, 1/30/65. I've got the follow-up with Dr. Chen on Friday. Can we make it earlier that day? 11 "
      "or 1, the earlier one's better.", "Yes."], "p-1004", {(CHEN, at(4, 11))}, "+15035550104"),
    (["Hello, I'm Maria Garcia. My son Lucas Garcia, born 04/08/2015, has his vaccination with Dr Rodriguez next "
      "Tuesday. Is there something later that morning? 11 maybe?", "yes"], "p-1013", {(RODRIGUEZ, at(8, 11))},
     MARIA),
    (["lucas garcia dob 4/8/2015 needs his appointment moved to wednesday the 9th at 4pm", "yep"], "p-1013",
     {(RODRIGUEZ, at(9, 16))}, MARIA),
    (["Sophia Taylor, December 5th 2001. Dr. Chen on Thursday, please.", "is 2 ok?", "yes"], "p-1007",
     {(CHEN, at(3, 14))}, None),
    (["Hi, I'm calling about my appointment with Dr. Chen on Friday. I'll need to cancel it, my insurance changed.",
      "James Wilson, January 30th 1965.", "Yes."], "p-1004", set(), "+15035550104"),
    (["Hi, I have to cancel my son's appointment with Dr. Rodriguez next Tuesday. It's Lucas Garcia, born April 8 "
      "2015. I'm Maria, his mom.", "Yes please."], "p-1013", set(), MARIA),
    (["Hi, it's about my son Lucas Garcia, his date of birth is April 8th, 2015.", "He already has his vaccination "
      "booked with Dr. Rodriguez. Could you book him a check-up with her the day after that, at 2 in the "
      "afternoon?", "Yes please."], "p-1013", {(RODRIGUEZ, at(8, 9, 30)), (RODRIGUEZ, at(9, 14))}, MARIA),
    (["Hi, I'm Isabella Jackson, February 3rd 1987. Can I book Dr. Chen for Wednesday the 9th at 11?", "Yes please.",
      "And my husband Nathan Allen, June 16th 1984, needs Dr. Chen too, the day after mine at the same time.",
      "Yes."], "p-1022", {(CHEN, at(10, 11))}, "+15035550111"),
    (["Hi, I'm calling about my wife's appointment. She is Emily Davis, born July 23rd 1990.", "She's booked with "
      "Dr. Patel on Thursday morning, but she can't make it. Could you move it to the next morning at 9?", "Yes."],
     "p-1003", {(PATEL, at(4, 9))}, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("turns", "visits"),
    [
        (["Hi, it's Maria Garcia, October 19th 1982. I need two appointments: one for me with Dr. Patel on Monday "
          "the 7th at 10 AM, and one for my son Lucas Garcia, born April 8th 2015, with Dr. Rodriguez straight after "
          "mine.", "Yes please.", "Yes."],
         {"p-1012": {(PATEL, at(7, 10))}, "p-1013": {(RODRIGUEZ, at(8, 9, 30)), (RODRIGUEZ, at(7, 10, 30))}}),
        (["Hi, Maria Garcia here, October 19th 1982. My son Lucas doesn't need his vaccination appointment any more, "
          "so I'd like to cancel it. He's Lucas Garcia, April 8th 2015.", "Yes, cancel it.",
          "And can you book me with Dr. Patel on that same day at 11 AM?", "Yes please."],
         {"p-1012": {(PATEL, at(8, 11))}, "p-1013": set()}),
    ],
)  # fmt: skip
async def test_a_mother_and_her_son_each_get_their_own_visit(
    turns: list[str], visits: dict[str, set[object]], chat: Chat, demo: DemoConnector
) -> None:
    _talk, transcript = await converse(chat, turns, MARIA)
    for person, after in visits.items():
        assert await booked(demo, person) == after, transcript


# set #148: accents as a recogniser writes them: "o'" for "of" in a date of birth, the day, month and
# year said apart with commas, "I'm wanting tae see Doctor Chen", "at for p m", "yes, please change",
# "could it go later on the Thursday?" (that Thursday, the visit's)
ACCENTS = [
    (["Hiya, it's Andrew Harris here, I'd like tae book in wi' Doctor Patel please", "sixth o' March, nineteen "
      "sixty-one", "Friday the 4th, half two in the afternoon", "aye go ahead"], "p-1016", {(PATEL, at(4, 14, 30))},
     None),
    (["hello, I want change my appointment, Thursday, doctor Patel", "Emily Davis. Twenty three, July, nineteen "
      "ninety", "Monday, seven, at nine o'clock", "ok yes"], "p-1003", {(PATEL, at(7, 9))}, None),
    (["Hello, aye, Ryan Walker here, I'm wanting tae see Doctor Chen", "twelfth of December, nineteen ninety-two",
      "Friday, the fourth, first thing in the morning, nine o'clock", "aye, that's right"], "p-1020",
     {(CHEN, at(4, 9))}, "+15035550120"),
    (["yeah hi, uh, this is Matthew Moore, I need to see doctor Patel", "June twenty-eighth, nineteen sixty-nine",
      "uh, wednes day, next week wednesday, the ninth, at for p m", "yep, go ahead"], "p-1010",
     {(PATEL, at(9, 16))}, None),
    (["Hello, I am having one appointment on thurs day with doctor pa tel, I need to change it",
      "Emily Davis, twenty three July, nineteen ninety", "Friday, Friday four, same time ten o'clock possible?",
      "yes, please change"], "p-1003", {(PATEL, at(4, 10))}, None),
    (["Hello, Emily Davis here, twenty-third o' July nineteen ninety. I need tae shift my appointment on Thursday",
      "could it go later on the Thursday? half three?", "aye, please"], "p-1003", {(PATEL, at(3, 15, 30))},
     "+15035550103"),
]  # fmt: skip


# sets #152-#156: "to morrow", "the second floor" asked at a read-back, the caller's own two times
# with one preferred ("11:30 or 3:30, but 3:30 would be ideal", "I could do 10 or 2, but the later
# one", "at 1 or at 4? 4 would be better", "10 or 11 would work. 11 ideally."), "earlier that day?
# what has he got in the morning?", "finish work at 4, so ... 4:30", "the same day as my check-up",
# "clashes with his school trip", households ("an hour after mine")
SETS_152_TO_156 = [
    (["Sophia Taylor, December 5th 2001. i need dr patel to morrow at nine thirty", "yes"], "p-1007",
     {(PATEL, at(2, 9, 30))}, None),
    (["Emily Davis, July 23rd 1990. Please move my Thursday appointment with Dr. Patel to Monday the 7th at 11.",
      "Which entrance do I use? Is the office still on the second floor?", "Yes, move it please."], "p-1003",
     {(PATEL, at(7, 11))}, None),
    (["Charlotte Clark, November 15th 1989. Dr. Patel on Wednesday the 9th at 11:30 or 3:30, but 3:30 would be "
      "ideal.", "Yes."], "p-1017", {(PATEL, at(9, 15, 30))}, None),
    (["Sarah Johnson, March 14th 1985. I'd like to see Dr. Patel on Monday the 7th. I could do 10 or 2, but the "
      "later one would suit me better.", "Yes."], "p-1001", {(PATEL, at(7, 14))}, None),
    (["Emily Davis, July 23rd 1990. Could my Thursday appointment move to Tuesday the 8th at 1 or at 4? 4 would be "
      "better.", "Yes."], "p-1003", {(PATEL, at(8, 16))}, None),
    (["Mia White, January 25th 1996. Dr. Chen on Friday the 4th, please.", "10 or 11 would work. 11 ideally.",
      "Yes."], "p-1015", {(CHEN, at(4, 11))}, None),
    (["James Wilson, born 1/30/1965. My appointment with Dr. Chen on Friday, could it be earlier that day? What has "
      "he got in the morning?", "The first one is fine.", "Yes."], "p-1004", {(CHEN, at(4, 9))}, "+15035550104"),
    (["Mia White, January 25, 1996. Dr. Patel, Wednesday the 9th. I finish work at 4, so the last slot of the day "
      "would be ideal, 4:30.", "Yes please."], "p-1015", {(PATEL, at(9, 16, 30))}, None),
    (["Hi, Emily Davis here, July 23rd 1990. I've got my check-up coming up with Dr. Patel.", "I'd like to book my "
      "partner in on the same day as my check-up so we can come in together. He's Ryan Walker, December 12th, "
      "1992. Dr. Chen, around 11?", "Yes, go ahead."], "p-1020", {(CHEN, at(3, 11))}, "+15035550103"),
    (["Hi, Lucas's appointment with Dr. Rodriguez next Tuesday morning clashes with his school trip. I'm his mom.",
      "Lucas Garcia, April 8th 2015.", "The next day, Wednesday, at 2:30, please.", "Yes."], "p-1013",
     {(RODRIGUEZ, at(9, 14, 30))}, MARIA),
    (["Hi, it's Mia White, birthday January 25th, 1996. I want to book for me and my husband.",
      "Me first: Dr. Chen on Friday at 9:30 in the morning.", "Yes.", "Then Nathan Allen, that's my husband, June "
      "16th, 1984. Dr. Patel on the same day as mine, an hour after mine.", "Yes, that's right."], "p-1022",
     {(PATEL, at(4, 10, 30))}, "+15035550115"),
]  # fmt: skip


# every family above with its phone, one test: the turns leave the person with exactly those visits
ALL_FAMILIES = [
    *SETS_137_TO_141,
    *HOUSEHOLDS,
    *RECOGNISER_AND_CORRECTIONS,
    *SETS_147_TO_151,
    *ACCENTS,
    *SETS_152_TO_156,
]


@pytest.mark.parametrize(("turns", "person", "after", "phone"), ALL_FAMILIES)
async def test_families_of_sets_137_to_156(
    turns: list[str], person: str, after: set[object], phone: str | None, chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, phone)
