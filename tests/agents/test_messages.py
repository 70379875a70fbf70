"""Messages and callback requests with the offline planner (agents/offline/messages.py and the
runtime's read-back, agents/callbacks.py): several wordings, typed and spoken, other names and
numbers; nothing is stored before the caller's yes; no identity check is asked for."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.callbacks import MemoryCallbackBook
from agents.events import MemoryAuditSink
from agents.factory import build_agent, fixed_clock
from connectors.demo import DemoConnector
from tests.agents.conftest import NOW, TZ, Chat


def _chat(demo: DemoConnector, book: MemoryCallbackBook, caller_phone: str | None = None) -> Chat:
    audit = MemoryAuditSink()
    agent = build_agent(
        connector=demo,
        audit=audit,
        timezone=TZ,
        business_name="Riverside Family Clinic",
        clock=fixed_clock(NOW),
        callbacks=book,
    )
    return Chat(agent, audit, channel="voice" if caller_phone else "chat", caller_phone=caller_phone)


@pytest.mark.parametrize(
    ("turns", "name", "phone", "reason", "best_time", "promise"),
    [
        (
            ["Can someone call me back about my quote?", "Dana Ortiz", "503-555-0112", "this afternoon"],
            "Dana Ortiz",
            "+15035550112",
            "my quote",
            "this afternoon",
            "I'll make sure someone calls you back at 503 555 0112 this afternoon about your quote.",
        ),
        (
            [
                "I'd like to leave a message",
                "it's about the invoice I got",
                "my name is Raj Mehta",
                "(971) 555 0143",
                "any time",
            ],
            "Raj Mehta",
            "+19715550143",
            "the invoice I got",
            None,
            "I'll make sure someone calls you back at 971 555 0143 about the invoice you got.",
        ),
        (  # spoken: lowercase, numbers as words
            [
                "could you have doctor patel call me back regarding my test results",
                "lena fischer",
                "five oh three five five five oh one nine nine",
                "tomorrow morning",
            ],
            "Lena Fischer",
            "+15035550199",
            "my test results (for Dr. Patel)",
            "tomorrow morning",
            "calls you back at 503 555 0199 tomorrow morning about your test results",
        ),
        (  # everything in the first sentence: only the read-back is left
            ["This is Tom Okafor, please call me back at 212 555 0187 after 3 pm about my order"],
            "Tom Okafor",
            "+12125550187",
            "my order",
            "after 3 pm",
            "I'll make sure someone calls you back at 212 555 0187 after 3 pm about your order.",
        ),
    ],
)
async def test_a_message_is_gathered_read_back_and_stored_after_yes(
    demo: DemoConnector,
    turns: list[str],
    name: str,
    phone: str,
    reason: str,
    best_time: str | None,
    promise: str,
) -> None:
    book = MemoryCallbackBook()
    chat = _chat(demo, book)
    await chat.greet()
    replies = [await chat.say(t) for t in turns]
    assert "Shall I pass that on?" in replies[-1]
    assert name in replies[-1] and "date of birth" not in " ".join(replies)
    assert book.taken == []  # nothing stored before the yes
    done = await chat.say("yes")
    assert promise in done
    [taken] = book.taken
    assert (taken.name, taken.phone, taken.reason, taken.best_time) == (name, phone, reason, best_time)
    assert taken.channel == "chat" and chat.handoff is None


async def test_on_a_call_the_calling_number_is_offered_and_a_no_lets_a_part_be_changed(
    demo: DemoConnector,
) -> None:
    book = MemoryCallbackBook()
    chat = _chat(demo, book, caller_phone="+15035550177")
    await chat.greet()
    assert "What is it about?" in await chat.say("hi can you take a message for the office")
    assert "your name" in await chat.say("it's about my prescription refill")
    assert "calling from the best one" in await chat.say("Maria Lopez")
    assert "best time" in await chat.say("yes")
    question = await chat.say("in the morning")
    assert question == (
        "So that's Maria Lopez, at 503 555 0177, in the morning, about your prescription refill. Shall I pass that on?"
    )
    assert "Okay, I haven't passed it on" in await chat.say("no")
    again = await chat.say("call me tomorrow morning instead")
    assert "503 555 0177, tomorrow morning, about your prescription refill" in again
    assert "calls you back at 503 555 0177 tomorrow morning" in await chat.say("yes")
    [taken] = book.taken
    assert (
        taken.phone == "+15035550177" and taken.best_time == "tomorrow morning" and taken.channel == "voice"
    )


async def test_never_mind_drops_the_message(demo: DemoConnector) -> None:
    book = MemoryCallbackBook()
    chat = _chat(demo, book)
    await chat.greet()
    await chat.say("please have someone call me back")
    assert "no message" in await chat.say("actually never mind")
    assert book.taken == []


async def test_no_book_means_no_promise(demo: DemoConnector) -> None:
    """A runtime without a place to keep messages says so instead of promising a callback."""
    audit = MemoryAuditSink()
    agent = build_agent(
        connector=demo,
        audit=audit,
        timezone=TZ,
        business_name="Riverside Family Clinic",
        clock=fixed_clock(NOW),
    )
    chat = Chat(agent, audit)
    await chat.greet()
    await chat.say("This is Tom Okafor, please call me back at 212 555 0187 after 3 pm about my order")
    reply = await chat.say("yes")
    assert "can't take messages right now" in reply and "calls you back" not in reply


async def test_after_hours_a_person_is_not_promised_and_a_message_is_offered(demo: DemoConnector) -> None:
    """With staff hours (FRONTDESK_HANDOFF_AFTER_HOURS=message), a call on Saturday evening: no
    transfer to an empty office; the caller hears when we open, and a no is just a no."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    saturday = fixed_clock(datetime(2026, 12, 5, 18, 0, tzinfo=ZoneInfo(TZ)))
    for answer, expected in (("yes", "What is it about?"), ("no thanks", "Is there anything else")):
        audit, book = MemoryAuditSink(), MemoryCallbackBook()
        agent = build_agent(
            connector=demo,
            audit=audit,
            timezone=TZ,
            business_name="Riverside Family Clinic",
            clock=saturday,
            callbacks=book,
            after_hours_messages=True,
        )
        chat = Chat(agent, audit, channel="voice", caller_phone="+15035550177")
        await chat.greet()
        reply = await chat.say("can I speak to the receptionist")
        assert reply.startswith("We're closed right now; we open on Monday at 9 AM.")
        assert "Would you like to leave one?" in reply
        assert chat.handoff is None and chat.events("handoff.unanswered")[0]["why"] == "closed"
        assert expected in await chat.say(answer)
        assert chat.handoff is None


async def test_a_message_that_cannot_be_stored_is_not_promised(tmp_path: Path, demo: DemoConnector) -> None:
    """The gateway's book on a database without its tables: the caller hears an apology and a
    transfer offer, never "someone will call you back"."""
    from gateway.store.audit import AuditLog
    from gateway.store.callbacks import DatabaseCallbacks
    from gateway.store.db import Database

    broken = Database(f"sqlite+aiosqlite:///{tmp_path / 'unmigrated.db'}")
    audit = AuditLog(broken)
    agent = build_agent(
        connector=demo,
        audit=MemoryAuditSink(),
        timezone=TZ,
        business_name="Riverside Family Clinic",
        clock=fixed_clock(NOW),
        callbacks=DatabaseCallbacks(broken, audit),
    )
    chat = Chat(agent, MemoryAuditSink())
    await chat.greet()
    question = await chat.say(
        "This is Tom Okafor, please call me back at 212 555 0187 after 3 pm about my order"
    )
    assert "Shall I pass that on?" in question
    reply = await chat.say("yes")
    assert "something went wrong on our side" in reply and "transfer you" in reply
    assert "calls you back" not in reply
    await audit.close()
    await broken.close()


@pytest.mark.parametrize(
    ("said", "asks"),
    [
        ("can you have the doctor call me", True),
        ("I need a callback", True),
        ("could dr chen give me a call back", True),
        ("please ask someone to ring me", True),
        ("tell the nurse to call me", True),
        ("can you pass a message to the billing department", True),
        ("can somebody return my call", True),
        ("please get back to me about my bill", True),
        ("I'll call back later", False),  # the caller calls back, nobody is asked to
        ("can I call back tomorrow?", False),
        ("ok I will call you back", False),
        ("my callback number is on file", False),
        ("thanks for calling me back", False),
    ],
)
def test_which_wordings_ask_for_a_message(said: str, asks: bool) -> None:
    from agents.offline.messages import asks_for_message
    from agents.offline.numbers import normalize

    assert asks_for_message(normalize(said)) is asks
