"""The gateway core does not know its channels: the core (services, conversation, wiring, store)
imports neither the chat, the Twilio nor the console package, the server imports none of the
clients, a process serves the channels it is started with, and the voice edge's stock phrases join
the agent's only when the voice channel is served."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from gateway.chat.service import ChatService, chat_service
from gateway.services import Services
from gateway.twilio.edge import VoiceEdge
from gateway.twilio.words import PHONE_PHRASES, TRANSFER_NOTICE
from tests.conftest import make_settings, prepare_database
from tests.test_package_arrows import _imports

ROOT = Path(__file__).resolve().parents[2]


CORE = ["gateway/services.py", "gateway/conversation.py", "gateway/wiring.py", "gateway/store"]
SERVER = [*CORE, "gateway/app.py", "gateway/chat", "gateway/twilio", "gateway/console"]


def _modules(paths: list[str]) -> dict[str, set[str]]:
    files = [
        f for p in paths for f in ([ROOT / p] if p.endswith(".py") else sorted((ROOT / p).rglob("*.py")))
    ]
    return {str(f.relative_to(ROOT)): _imports(f) for f in files}


def test_the_core_imports_no_channel() -> None:
    wrong = {
        f"{path}: {module}"
        for path, modules in _modules(CORE).items()
        for module in modules
        if module.startswith(("gateway.chat", "gateway.twilio", "gateway.console"))
    }
    assert wrong == set()
    probe = "import sys, gateway.services; print(sorted(m for m in sys.modules if m.startswith(('gateway.chat', 'gateway.twilio'))))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_the_server_does_not_import_the_clients() -> None:
    wrong = {
        f"{path}: {m}"
        for path, modules in _modules(SERVER).items()
        for m in modules
        if m.startswith("gateway.clients")
    }
    assert wrong == set()


async def test_a_process_serves_the_channels_it_is_started_with(tmp_path: Path) -> None:
    notice = "This call is recorded for quality."
    settings = make_settings(tmp_path, twilio_record_calls=True, twilio_recording_notice=notice)
    await prepare_database(settings)
    core = await Services.start(settings)
    try:
        assert core.edge(ChatService) is None and core.edge(VoiceEdge) is None
        assert TRANSFER_NOTICE not in core.stock_phrases() and notice not in core.stock_phrases()
    finally:
        await core.stop()

    both = await Services.start(settings, edges=(VoiceEdge.start, ChatService.start))
    try:
        assert chat_service(both) is both.edge(ChatService) and both.edge(VoiceEdge) is not None
        phrases = both.stock_phrases()
        assert notice in phrases and all(p in phrases for p in PHONE_PHRASES)
        assert phrases[: len(both.agent.stock_phrases())] == both.agent.stock_phrases()
        assert len(phrases) == len(set(phrases))  # each said once, however many channels name it
        hub = chat_service(both).hub
        conversation_id = await hub.open_conversation()
        await hub.visitor_message(conversation_id, "which doctors do you have?", "e-1")
    finally:
        await both.stop()  # the chat edge stores what it queued before the database closes
    again = await Services.start(settings, edges=(ChatService.start,))
    try:
        hub = chat_service(again).hub
        subscriber = hub.new_subscriber()
        await hub.attach(conversation_id, 0, subscriber)
        frames = []
        while not subscriber.queue.empty():
            frames.append(json.loads(subscriber.queue.get_nowait()))
    finally:
        await again.stop()
    # The visitor's message was stored when the first process stopped its chat edge.
    assert any(f.get("client_id") == "e-1" for f in frames), frames
