"""A relative's request said with the caller's own ("... and one for my son with Dr Rodriguez at
3:30 the same day"): the caller's own is done first, then the relative's, as the relative, checked
on their own date of birth; the first person's records are out of reach from then on."""

from __future__ import annotations

import pytest

from agents.events import MemoryAuditSink
from connectors.demo import DemoConnector
from tests.agents.conftest import Chat
from tests.agents.test_phrasings import CHEN, PATEL, RODRIGUEZ, at, booked, converse

FAMILY_PHONE = "+15035550112"  # Maria Garcia's and her son Lucas's
LUCAS_SEEDED = {(RODRIGUEZ, at(8, 9, 30))}
MARIA, LUCAS = "p-1012", "p-1013"


@pytest.mark.parametrize(
    ("turns", "phone", "mine", "his"),
    [
        (  # his date of birth asked before her yes; "the same day" is her day
            [
                "Maria Garcia here, born 19 October 1982. Could I book Dr Chen for me on Friday at 11, and one for my "
                "boy with Dr Rodriguez at 11:30 the same day please.",
                "he was born on April 8th, 2015",
                "yes",
                "yes",
            ],
            FAMILY_PHONE,
            (CHEN, at(4, 11)),
            (RODRIGUEZ, at(4, 11, 30)),
        ),
        (  # his details in the first breath: no question
            [
                "It's Maria Garcia, 10/19/1982. Dr Patel for me Thursday at 2 please, and my son Lucas, born 4/8/2015, "
                "needs Dr Chen at 3 that day.",
                "yes please",
                "yes",
            ],
            FAMILY_PHONE,
            (PATEL, at(3, 14)),
            (CHEN, at(3, 15)),
        ),
        (  # a chat: no calling number, so his full name with his date of birth
            [
                "I'd like to see Dr Chen on Monday at 10, and one for my son with Dr Patel at 10:30 the same day. "
                "I'm Maria Garcia, October 19th 1982.",
                "Lucas Garcia, 8 April 2015",
                "yes",
                "yes",
            ],
            None,
            (CHEN, at(7, 10)),
            (PATEL, at(7, 10, 30)),
        ),
        (  # who the caller is comes after the request
            [
                "I need to book me in with Dr Patel on Friday at 9 and my son with Dr Rodriguez at 9:30 the same day",
                "Maria Garcia, October 19 1982",
                "April 8 2015",
                "yes",
                "yes",
            ],
            FAMILY_PHONE,
            (PATEL, at(4, 9)),
            (RODRIGUEZ, at(4, 9, 30)),
        ),
    ],
)
async def test_the_callers_own_then_the_relatives_as_the_relative(
    turns: list[str],
    phone: str | None,
    mine: tuple[str, object],
    his: tuple[str, object],
    chat: Chat,
    demo: DemoConnector,
    audit: MemoryAuditSink,
) -> None:
    _, transcript = await converse(chat, turns, phone)
    assert await booked(demo, MARIA) == {mine}, transcript
    assert await booked(demo, LUCAS) == LUCAS_SEEDED | {his}, transcript
    assert "Now for your" in transcript and "book Lucas with" in transcript, transcript
    kinds = [e[1] for e in audit.events]
    verified = [i for i, k in enumerate(kinds) if k == "agent.identity_verified"]
    aside = kinds.index("agent.identity_set_aside")
    assert len(verified) == 2 and verified[0] < aside < verified[1], kinds  # on record before him


async def test_a_wrong_date_of_birth_for_the_relative_books_nothing_for_anyone_else(
    chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(
        chat,
        [
            "This is Maria Garcia, October 19 1982. Dr Patel for me on Friday at 2, and one for my son with Dr Chen "
            "at 2:30 the same day.",
            "he's May 2nd 2016",
            "yes",
            "yes",
        ],
        FAMILY_PHONE,
    )
    assert await booked(demo, MARIA) == {(PATEL, at(4, 14))}, transcript
    assert await booked(demo, LUCAS) == LUCAS_SEEDED, transcript
    assert (CHEN, at(4, 14, 30)) not in await booked(demo, MARIA), transcript


async def test_after_the_switch_the_first_persons_appointments_are_out_of_reach(
    chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(
        chat,
        [
            "Maria Garcia, born October 19 1982. Please book me with Dr Chen on Monday at 2, and my son Lucas, born "
            "April 8 2015, with Dr Patel at 2:30 the same day.",
            "yes",
            "yes",
            "when are my appointments?",
        ],
        FAMILY_PHONE,
    )
    last = transcript.rsplit("\n", 1)[-1]
    assert "2 PM" not in last and "Dr. Marcus Chen" not in last, transcript  # hers, not said as his
    assert await booked(demo, MARIA) == {(CHEN, at(7, 14))}, transcript


async def test_an_answer_without_a_date_of_birth_leaves_the_relative_for_their_own_conversation(
    chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(
        chat,
        [
            "Maria Garcia, October 19 1982. Book me with Dr Chen on Friday at 11, and one for my son with Dr Patel at "
            "11:30 the same day.",
            "I don't have it with me",
            "yes",
        ],
        FAMILY_PHONE,
    )
    assert "new conversation" in transcript, transcript
    assert await booked(demo, LUCAS) == LUCAS_SEEDED, transcript


@pytest.mark.parametrize(
    ("later", "then", "his"),
    [
        (  # asked after hers was done, his details with it; "the same day" is hers
            "and my son too, Lucas Garcia, born April 8th 2015, with Dr Rodriguez the same day at 11:30",
            ["yes"],
            (RODRIGUEZ, at(7, 11, 30)),
        ),
        (  # asked without his details: they are asked for, as his
            "oh, could you also book my boy in with Dr Chen on Friday at 10?",
            ["Lucas Garcia, 04/08/2015", "yes"],
            (CHEN, at(4, 10)),
        ),
    ],
)
async def test_a_relative_asked_for_after_the_callers_own_is_served_as_the_relative(
    later: str, then: list[str], his: tuple[str, object], chat: Chat, demo: DemoConnector
) -> None:
    _, transcript = await converse(
        chat,
        ["Maria Garcia, October 19 1982. Dr Patel on Monday at 11 please.", "yes", later, *then],
        FAMILY_PHONE,
    )
    assert await booked(demo, MARIA) == {(PATEL, at(7, 11))}, transcript
    assert await booked(demo, LUCAS) == LUCAS_SEEDED | {his}, transcript


async def test_verified_as_herself_asking_for_her_son_goes_on_as_him(chat: Chat, demo: DemoConnector) -> None:
    _, transcript = await converse(
        chat,
        [
            "Maria Garcia, October 19 1982. My son needs a check-up Friday at 10 with Dr Rodriguez.",
            "April 8th 2015",
            "yes",
        ],
        FAMILY_PHONE,
    )
    assert await booked(demo, MARIA) == set(), transcript
    assert await booked(demo, LUCAS) == LUCAS_SEEDED | {(RODRIGUEZ, at(4, 10))}, transcript
