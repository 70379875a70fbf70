"""A simulated caller who answers back (`CallSimulator.run(answer_back=...)`) over a real served
gateway: it reads each reply from the gateway's record and may key or say something before the
script's next turn; the report holds every turn said, in order."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gateway.clients.call_simulator import CallerTurn, CallSimulator, dtmf_turn, text_turns
from tests.conftest import LiveServer, make_settings, running_server
from tests.gateway.twilio.conftest import AUTH_TOKEN

JAMES = "+15035550104"  # James Wilson, born January 30 1965, Dr. Chen on Friday at 2:30 PM


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with running_server(make_settings(tmp_path_factory.mktemp("answer-back"))) as live:
        yield live


async def test_the_caller_keys_its_date_of_birth_when_asked_and_the_script_goes_on(
    server: LiveServer,
) -> None:
    replies: list[tuple[str, str]] = []

    async def answer_back(reply: str, said: CallerTurn) -> CallerTurn | None:
        replies.append((said.label, reply))
        if "date of birth" in reply and said.dtmf is None:
            return dtmf_turn("01301965")
        return None

    script = await text_turns(["I need to cancel my appointment.", "Yes, please."])  # Piper
    sim = CallSimulator(server.ws_url + "/twilio/stream", AUTH_TOKEN, caller_number=JAMES)
    report = await sim.run(script, answer_back=answer_back)
    assert [(t.caller, t.kind) for t in report.turns] == [
        ("I need to cancel my appointment.", "speech"),
        ("dtmf:01301965", "dtmf"),
        ("Yes, please.", "speech"),
    ]
    # it read the reply to each turn it had said before the next one: the question for the date
    # of birth after the request, and the offer to cancel after the keys
    assert replies[0][0] == "I need to cancel my appointment." and "date of birth" in replies[0][1]
    assert replies[1][0] == "dtmf:01301965" and "Dr. Marcus Chen" in replies[1][1]
    assert report.turns[-1].bot is not None and "cancelled" in report.turns[-1].bot.lower()
