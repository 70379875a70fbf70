"""Families of held-out sets #157-#164 in other names, dates and wordings than the sets: a parent or
a carer giving the relative's details beside their own ("He's Lucas Garcia, born ... I'm his mum,
Maria Garcia, ..."), a read-back answered by saying it back ("Yes, half past ten on the Friday, go
ahead"), a day taken back as it is said ("thurs- no friday"), a visit they have described and
another day asked for it without a verb of moving, a month of the caller's story beside the day
asked ("the wedding is in March ... Monday the 7th"), a learner's words ("at 14 hours 30", "delay
my appointment", "I don't need it more"), typed short forms ("b4", "n", "u"), and staff questions
beside a request."""

from __future__ import annotations

import pytest

from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, assert_written_as_said, at, booked, converse

# the clock: Tuesday 1 December 2026, 10:00; Emily Davis sees Dr Patel on Thursday 3rd at 10, James
# Wilson Dr Chen on Friday 4th at 2:30 PM, Lucas Garcia Dr Rodriguez on Tuesday 8th at 9:30
MARIA = "+15035550112"

FOR_A_RELATIVE = [
    (["Good afternoon, I'm phoning regarding my boy Lucas's check-up with Dr. Rodriguez next Tuesday. Could it "
      "go to Thursday the 10th at 2 PM?", "He's Lucas Garcia, he was born 8 April 2015. I'm his mum, Maria "
      "Garcia, 19 October 1982.", "Yes please."], "p-1013", {(RODRIGUEZ, at(10, 14))}, MARIA),
    (["It's Maria Garcia here, 10/19/1982. Lucas's appointment has to be cancelled, he's got a school trip. "
      "Lucas Garcia, 04/08/2015.", "Yes, cancel it."], "p-1013", set(), None),
    (["pls move lucas garcia appt w dr rodriguez, clashes w football", "his dob 4/8/2015, im his mum",
      "wed 12/9 at 3pm", "yes"], "p-1013", {(RODRIGUEZ, at(9, 15))}, None),
    (["lucas garcia 04/08/2015, im maria garcia his mom. cancel his tues appt pls", "yes pls"], "p-1013", set(),
     None),
    (["Hello, I'm Peter Nowak, I'm the carer for Mr. José Ramírez and he's asked me to book for him. He was "
      "born February 14th 1959. He'd like Dr. Chen on Wednesday the 9th at 11 in the morning.", "Yes."],
     "p-1023", {(CHEN, at(9, 11))}, None),
]  # fmt: skip

SAID_BACK = [
    (["Olivia Martinez, 5/9/1998. Dr. Patel on Friday the 11th at half past ten, please.", "Sorry, what was "
      "that? Did you say the 11th? Yes, Friday, half past ten, that's it, go ahead."], "p-1005",
     {(PATEL, at(11, 10, 30))}, None),
    (["Ryan Walker, December 12th 1992. Could I see Dr. Chen on Monday the 7th at two in the afternoon?",
      "Yes, two o'clock on Monday. Lovely, book it."], "p-1020", {(CHEN, at(7, 14))}, None),
    (["Hi, Nathan Allen calling for my wife Mia White, her birthday is January 25th 1996.",
      "She'd like Dr. Patel on Wednesday the 9th at 9 in the morning.", "Yes, book her in please."], "p-1015",
     {(PATEL, at(9, 9))}, None),
]  # fmt: skip

TAKEN_BACK_AND_STORIES = [
    (["hi um andrew harris march sixth nineteen sixty one", "doctor chen on thurs- no friday the eleventh uh two "
      "in the afternoon", "yep"], "p-1016", {(CHEN, at(11, 14))}, None),
    (["emily davis seven twenty three ninety, need to move my patel appointment",
      "um move it to mon- no tuesday tuesday at eleven", "yeah"], "p-1003", {(PATEL, at(8, 11))}, None),
    (["uh hi charlotte clark november fifteenth eighty nine can i see doctor patel to morrow at eleven",
      "yes"], "p-1017", {(PATEL, at(2, 11))}, None),
    (["David Anderson, 9/17/1958. My sister's wedding is in March and I want this looked at before then. Could I "
      "see Dr. Chen on Monday the 7th at 3?", "Yes."], "p-1006", {(CHEN, at(7, 15))}, None),
    (["Sophia Taylor, December 5th 2001. The train only arrives at 1:30, so could I have Dr. Patel on Wednesday "
      "the 9th at 2 PM?", "Yes."], "p-1007", {(PATEL, at(9, 14))}, None),
    (["Daniel Thomas, 4/21/1979. I've had a rash since Sunday night. Can Dr. Patel see me tomorrow at 11?",
      "Yes."], "p-1008", {(PATEL, at(2, 11))}, None),
    (["Emily Davis, 7/23/1990. My appointment with Dr. Patel is Thursday at ten, could it be around lunch that "
      "same day? Noon.", "Yes."], "p-1003", {(PATEL, at(3, 12))}, None),
]  # fmt: skip

VISIT_THEY_HAVE = [
    (["Emily Davis here, July 23rd 1990. I have my check-up with Dr. Patel on Thursday the 3rd, and my manager "
      "has called a meeting that morning. So I'd need Monday the 7th, at 2.", "Yes."], "p-1003",
     {(PATEL, at(7, 14))}, "+15035550103"),
    (["James Wilson, 1/30/1965. I have a 2:30 with Dr. Chen this Friday.", "Could we do Thursday the 10th at 11 "
      "instead?", "Yes."], "p-1004", {(CHEN, at(10, 11))}, "+15035550104"),
    (["maria here, lucas has dr rodriguez next tues, can we make it wed 12/9 at 10am instead",
      "lucas garcia 4/8/2015 im his mum", "yes pls"], "p-1013", {(RODRIGUEZ, at(9, 10))}, None),
]  # fmt: skip

LEARNERS_AND_TYPISTS = [
    (["Good day. Christopher Lee, born 04.07.1975. I want appointment with doctor Patel on Monday 7, at 14 "
      "hours 30.", "Yes."], "p-1014", {(PATEL, at(7, 14, 30))}, None),
    (["Hello. James Wilson, 30.01.1965. Please, I want to delay my appointment of Friday with doctor Chen to "
      "the Friday 11 of December, same hour.", "Yes."], "p-1004", {(CHEN, at(11, 14, 30))}, None),
    (["Emily Davis, birth 23.07.1990. I would like to anticipate my appointment of Thursday. Is possible "
      "tomorrow, Wednesday, at 3 pm?", "Yes, correct."], "p-1003", {(PATEL, at(2, 15))}, None),
    (["Hello, Emily Davis, 23.07.1990. My appointment of Thursday with doctor Patel, I want to change the "
      "hour, the same day at 16 hours, is possible?", "Yes."], "p-1003", {(PATEL, at(3, 16))}, None),
    (["Good morning. James Wilson, 30.01.1965. The appointment with doctor Chen of Friday, I don't need it "
      "more. Please cancel.", "Yes."], "p-1004", set(), None),
    (["Good morning. My son Lucas Garcia, born 8 of April 2015, he has appointment with doctor Rodriguez on "
      "the 8 of December. That day we have a wedding. We can come the Thursday 10 of December, at the same "
      "hour?", "Yes, is good."], "p-1013", {(RODRIGUEZ, at(10, 9, 30))}, MARIA),
    (["need dr chen mon b4 noon, 10:30 ok? sophia taylor 12/5/2001", "yes"], "p-1007",
     {(CHEN, at(7, 10, 30))}, None),
    (["need to move my appt w dr patel on thurs", "emily davis 7/23/1990", "can u do mon same time", "yes"],
     "p-1003", {(PATEL, at(7, 10))}, None),
    (["cancel my fri appt w dr chen n book me w dr patel wed 12/9 at 10am instead", "james wilson 1/30/65",
      "yes", "yes"], "p-1004", {(PATEL, at(9, 10))}, None),
    (["appt pls", "dr chen", "fri 12/11", "2pm", "ava hernandez 8/11/1993", "yes"], "p-1009",
     {(CHEN, at(11, 14))}, None),
    (["isabella jackson feb ruary third nineteen eighty seven, can i see doctor patel on wednesday the ninth at "
      "ten", "yes"], "p-1011", {(PATEL, at(9, 10))}, None),
]  # fmt: skip

CHANGES_OF_MIND = [
    (["Emily Davis, July 23, 1990. Could I book Dr. Patel for Friday the 4th at 11... oh, hang on, I already "
      "have one with her. Don't book a new one, just move that one to Friday at 11.", "Yes."], "p-1003",
     {(PATEL, at(4, 11))}, None),
    (["Maria Garcia, October 19, 1982, calling about my son Lucas Garcia, April 8, 2015. I was going to move "
      "his appointment... actually, no, please cancel it instead, we'll be away.", "Yes."], "p-1013", set(),
     None),
    (["Hi, I'm James Wilson, 1/30/1965. My insurance has changed and I need to see a doctor in my network, so "
      "please cancel my appointment with Dr. Chen on Friday.", "Yes."], "p-1004", set(), None),
]  # fmt: skip

# left open by earlier sessions (#131, #133), in other words
NEXT_TO_A_VISIT_THEY_HAVE = [
    (["Hello, Emily Davis, 7/23/1990. I'm keeping my appointment on Thursday, but I'd like another one with Dr. "
      "Patel two weeks after it, at the same time.", "Yes."], "p-1003", {(PATEL, at(3, 10)), (PATEL, at(17, 10))},
     None),
    (["Hi, I'm ringing for my husband James Wilson, his date of birth is January 30th 1965. He's seeing Dr. Chen "
      "on Friday the 4th. Could he also see Dr. Patel that day, just after that one?", "Yes please."], "p-1004",
     {(CHEN, at(4, 14, 30)), (PATEL, at(4, 15))}, None),
]  # fmt: skip

# sets #165-#172, in other words
SETS_165_TO_172 = [
    # a bad line: homophones inside a date of birth, a number spelled digit by digit, a time said twice
    (["daniel thomas april twenty won nineteen seventy nine i'd like doctor patel friday the eleventh at ten",
      "yes"], "p-1008", {(PATEL, at(11, 10))}, None),
    (["mia white january twenty fifth nineteen ninety six can i see doctor chin monday the fourteenth at eleven "
      "eleven thirty no sorry at eleven", "yes"], "p-1015", {(CHEN, at(14, 11))}, None),
    (["matthew moore june twenty ate nineteen sixty nine i need doctor chen on the ninth at ten thirty ten "
      "thirty", "yes"], "p-1010", {(CHEN, at(9, 10, 30))}, None),
    # couples and families: the caller's own after a relative's, "that Friday", "right after my wife"
    (["Hi, this is Ryan Walker, December 12th 1992. I need to book for myself and for my wife.",
      "Dr. Patel, Friday the 11th at 9 for me.", "Yes, please.", "My wife is Mia White, born January 25th "
      "1996. Right after me with Dr. Patel, 9:30 the same day.", "Yes."], "p-1015", {(PATEL, at(11, 9, 30))},
     None),
    (["Nathan Allen, June 16th 1984. I'm booking for my wife and me, my wife first.", "My wife is Mia White, "
      "January 25th 1996. Dr. Chen on Wednesday the 9th at 2 for her.", "Yes.", "And me right after my wife, "
      "2:30 with Dr. Chen.", "Yes please."], "p-1022", {(CHEN, at(9, 14, 30))}, None),
    (["Hello, Sophia Taylor, 12/5/2001. I want to see Dr. Chen, and my husband needs a visit as well.",
      "For me, Thursday the 10th at 11 with Dr. Chen.", "Lovely. My husband is Daniel Thomas, April 21st 1979. "
      "The same time as me, 11 o'clock that Thursday, but with Dr. Patel.", "Yes, go ahead."], "p-1008",
     {(PATEL, at(10, 11))}, None),
    # an assistant or an office calling for the patient
    (["Good afternoon, my name is Gregory Holt and I am the personal assistant to Mr. Daniel Thomas. He would "
      "like to see Dr. Chen on Monday the 14th at 2 in the afternoon. His date of birth is April 21st, 1979.",
      "Yes, please go ahead."], "p-1008", {(CHEN, at(14, 14))}, None),
    (["Hello, I'm calling from the office of Ms. Charlotte Clark, on her behalf. She would like Dr. Patel on "
      "Wednesday the 9th at 3. Her date of birth is November 15th, 1989.", "Yes, thank you."], "p-1017",
     {(PATEL, at(9, 15))}, None),
    # a day said by its relation to another: the week of the 14th, a holiday, the day before a visit
    (["Andrew Harris, 3/6/1961. Dr. Chen sometime the week of the 14th, the Tuesday of that week, at 10.",
      "Yes."], "p-1016", {(CHEN, at(15, 10))}, None),
    (["Olivia Martinez, 5/9/1998. Could I see Dr. Patel the day before Christmas Eve, at 11?", "Yes."], "p-1005",
     {(PATEL, at(23, 11))}, None),
    (["Emily Davis, 7/23/1990. I have my check-up with Dr. Patel later this week. Could I also see Dr. Chen the "
      "day before that, at 2 PM?", "Yes."], "p-1003", {(PATEL, at(3, 10)), (CHEN, at(2, 14))}, None),
    (["Emily Davis, 7/23/1990. Please cancel my check-up with Dr. Patel, and instead book me with Dr. Chen a "
      "week after that, at the same time.", "Yes.", "Yes, please."], "p-1003", {(CHEN, at(10, 10))}, None),
    # corrections after the read-back
    (["Ava Hernandez, 8/11/1993. Dr. Chen on Monday the 7th at 10:30.", "Sorry, 10, not 10:30.", "Yes."],
     "p-1009", {(CHEN, at(7, 10))}, None),
    (["James Wilson, 1/30/1965. Move my appointment with Dr. Chen to Wednesday the 9th at 3.", "Sorry, not the "
      "9th, the 10th. Thursday at 3.", "Yes."], "p-1004", {(CHEN, at(10, 15))}, None),
    # undecided, then settled; "whichever is first"; a day left open
    (["Emily Davis, July 23rd 1990. I can't decide whether to move or cancel my Thursday appointment... Cancel "
      "it, I think.", "Yes."], "p-1003", set(), None),
    (["Sophia Taylor, 12/5/2001. Dr. Patel, 10 or 10:30 on Friday the 11th... 10:30 is better. Friday the 11th "
      "at 10:30 with Dr. Patel.", "Yes."], "p-1007", {(PATEL, at(11, 10, 30))}, None),
    (["James Wilson, 1/30/1965. I need to move my Dr. Chen appointment. I don't mind when, the week after, same "
      "time?", "Yes."], "p-1004", {(CHEN, at(11, 14, 30))}, None),
]  # fmt: skip

# sets #173-#178, in other words
SETS_173_TO_178 = [
    (["James Wilson, 1/30/1965. Ah cannae make ma Friday wi Dr Chen. Could ye put it back tae the Monday, same "
      "time?", "Aye, go ahead."], "p-1004", {(CHEN, at(7, 14, 30))}, None),
    (["Emily Davis, 7/23/1990. I've Dr Patel on Thursday at ten, but I'm after getting a shift. Any chance of "
      "the Friday after, the 11th, at ten?", "Grand, yes."], "p-1003", {(PATEL, at(11, 10))}, None),
    (["Andrew Harris, 3/6/1961. Could ye book me in wi' Dr Chen the morra at 11?", "Aye."], "p-1016",
     {(CHEN, at(2, 11))}, None),
    (["Emily Davis, 23/07/1990. Kindly prepone my appointment to Wednesday 2nd, same timing.", "Yes, do the "
      "needful."], "p-1003", {(PATEL, at(2, 10))}, None),
    (["ava hernandez 8/11/1993 dr chen fri 12/4 at 11", "bet"], "p-1009", {(CHEN, at(4, 11))}, None),
    (["Olivia Martinez, 5/9/1998. Do I have anything coming up with Dr. Patel?", "Oh, no worries. Could I book "
      "one with her on Friday the 11th at 11?", "Yes."], "p-1005", {(PATEL, at(11, 11))}, None),
    (["James Wilson, 1/30/1965. Can you check what I've got booked with Dr. Chen?", "Can we push it back a week, "
      "to Friday the 11th at the same time?", "Yes."], "p-1004", {(CHEN, at(11, 14, 30))}, None),
    (["Emily Davis, 7/23/1990. Please scrap my Thursday check-up with Dr. Patel, I'm better now.", "Yes."],
     "p-1003", set(), None),
    (["Hi, I'm on a course on Thursday, so could you push my Dr Patel appointment back a day, to Friday? And "
      "first thing, 9am, if you can.", "Emily Davis, 7/23/1990.", "Yes please."], "p-1003", {(PATEL, at(4, 9))},
     "+15035550103"),
    (["Olivia Martinez, 5/9/1998. I fly out on the 10th, so could I see Dr. Chen a week today, Tuesday the 8th, "
      "at 11?", "Yes."], "p-1005", {(CHEN, at(8, 11))}, None),
    (["Buenos días, Maria Garcia aquí, la mamá de Lucas Garcia, he was born 4/8/2015. Lucas has la cita el "
      "martes 8 with Dr. Rodriguez. Please change it to el miércoles 9, a las diez.", "Sí, claro."], "p-1013",
     {(RODRIGUEZ, at(9, 10))}, MARIA),
]  # fmt: skip

ALL_FAMILIES = [
    *SETS_173_TO_178,
    *SETS_165_TO_172,
    *NEXT_TO_A_VISIT_THEY_HAVE,
    *FOR_A_RELATIVE,
    *SAID_BACK,
    *TAKEN_BACK_AND_STORIES,
    *VISIT_THEY_HAVE,
    *LEARNERS_AND_TYPISTS,
    *CHANGES_OF_MIND,
]


@pytest.mark.parametrize(("turns", "person", "after", "phone"), ALL_FAMILIES)
async def test_families_of_sets_157_to_164(
    turns: list[str], person: str, after: set[object], phone: str | None, chat: Chat, demo: DemoConnector
) -> None:
    await assert_written_as_said(chat, demo, turns, person, after, phone)


async def test_a_yes_then_a_refill_asked_books_and_then_goes_to_staff(
    chat: Chat, demo: DemoConnector
) -> None:
    turns = [
        "Matthew Moore, June 28th 1969. Dr. Chen on Monday the 7th at 11, for my annual.",
        "Yes, thanks. Oh, and I'm nearly out of my statins, can someone sort a refill?",
    ]
    talk, transcript = await converse(chat, turns, None)
    assert await booked(demo, "p-1010") == {(CHEN, at(7, 11))}, transcript
    assert talk.handoff is not None and "refill" in talk.handoff.reason.lower(), transcript


@pytest.mark.parametrize(
    ("turns", "person", "before", "topic"),
    [
        (["Emily Davis, 7/23/1990. I need to move my Thursday appointment to Monday the 7th at 10. And could "
          "someone check whether my blood test results have come back?"], "p-1003", {(PATEL, at(3, 10))},
         "result"),
        (["Please cancel Lucas's appointment with Dr. Rodriguez next Tuesday, we're moving to Texas. Could you "
          "also send his records to the new clinic?", "Lucas Garcia, April 8th 2015. I'm his mum."], "p-1013",
         {(RODRIGUEZ, at(8, 9, 30))}, "record"),
        (["Olivia Martinez, 5/9/1998. Forget the check-up I was going to book, I only want to know whether my "
          "test results are in."], "p-1005", set(), "result"),
    ],
)  # fmt: skip
async def test_a_staff_question_beside_a_request_goes_to_staff_and_nothing_is_written(
    turns: list[str], person: str, before: set[object], topic: str, chat: Chat, demo: DemoConnector
) -> None:
    talk, transcript = await converse(chat, turns, None)
    assert await booked(demo, person) == before, transcript
    assert talk.handoff is not None and topic in talk.handoff.reason.lower(), transcript
