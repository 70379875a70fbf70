"""Identity on a bad phone line: a date of birth typed on the keypad after a misheard one is tried
with the calling number (not only the first date heard), and an answer to "what is your date of
birth?" with no date in it is asked again with the keypad, without thanking a name read from it."""

from __future__ import annotations

from agents.events import MemoryAuditSink
from connectors.demo import DemoConnector
from tests.agents.conftest import make_chat

EMILY = "+15035550103"  # Emily Davis, born July 23 1990: Dr. Patel on Thursday at 10 AM
JAMES = "+15035550104"  # James Wilson, born January 30 1965: Dr. Chen on Friday at 2:30 PM


async def test_a_typed_date_of_birth_after_a_misheard_one_verifies_with_the_number(
    demo: DemoConnector, audit: MemoryAuditSink
) -> None:
    call = make_chat(demo, audit, channel="voice", caller_phone=EMILY)
    await call.greet()
    assert "date of birth" in await call.say("I need to cancel my appointment.")
    misheard = await call.say("My date of birth is July 23, 1975, 2019.")
    assert "couldn't match" in misheard and "keypad" in misheard
    typed = await call.press("07231990")
    assert "first and last name" not in typed
    assert "Patel" in typed and "cancel" in typed.lower()


async def test_a_second_wrong_date_still_fails_and_counts(
    demo: DemoConnector, audit: MemoryAuditSink
) -> None:
    call = make_chat(demo, audit, channel="voice", caller_phone=EMILY)
    await call.greet()
    await call.say("What are my upcoming appointments?")
    await call.say("July 23, 1975")
    again = await call.press("07231991")
    assert "Patel" not in again and "Thursday" not in again  # nothing of hers before verification
    assert call.state.verified_person_id is None


async def test_no_date_in_the_answer_is_asked_again_with_the_keypad_not_thanked_by_name(
    demo: DemoConnector, audit: MemoryAuditSink
) -> None:
    call = make_chat(demo, audit, channel="voice", caller_phone=JAMES)
    await call.greet()
    await call.say("Please cancel my appointment on Friday.")
    reply = await call.say("Game will and for and can you ever be a 1965.")  # Whisper, for a date of birth
    assert "Game" not in reply
    assert "date of birth" in reply and "keypad" in reply
    typed = await call.press("01301965")
    assert "Marcus Chen" in typed


async def test_a_name_alone_in_chat_is_still_thanked(demo: DemoConnector, audit: MemoryAuditSink) -> None:
    chat = make_chat(demo, audit)
    await chat.greet()
    await chat.say("I'd like to book an appointment.")
    assert "Thank you, Emily" in await chat.say("Emily Davis")
