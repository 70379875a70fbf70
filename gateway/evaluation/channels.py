"""The three ways a scenario reaches the agent, each as a user of the product would:

- `agent`: the `AgentRuntime` in this process through the gateway's `ConversationManager`, the
  same path as `frontdesk agent chat` (channel "terminal", or "voice" with a caller ID);
- `chat`: a served gateway and a WebSocket client speaking the chat protocol (`ChatClient`);
- `call`: a served gateway and the Twilio simulator (`CallSimulator`): the caller's words spoken
  by a caller voice, recordings played as they are, keypad turns sent as DTMF.

Each returns what it sent and, for calls, what the gateway transcribed; the verdict comes from
the database afterwards (`record.py`), not from here.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from gateway.evaluation.practice import ScenarioClock
from gateway.evaluation.scenario import Scenario, Turn
from gateway.evaluation.server import ServedGateway
from gateway.evaluation.voices import CallerVoice
from gateway.settings import Settings

if TYPE_CHECKING:
    from agents.api import Channel as TurnChannel

NO_CALLER_ID = "+15555550199"  # a number no demo patient has: the call carries no useful caller ID


@dataclass
class TurnLog:
    said: str  # what the caller said (the reference for WER), or the keys pressed
    kind: str  # text | wav | keypad
    heard: str | None = None  # what the gateway took it as (calls: the transcript)
    played: bool = True  # False: the conversation was over before this turn


@dataclass
class Outcome:
    conversation_id: str | None
    turns: list[TurnLog] = field(default_factory=list)
    voice: str | None = None


class Channel(Protocol):
    name: str

    async def start(self) -> None: ...

    async def converse(self, scenario: Scenario) -> Outcome: ...

    async def stop(self) -> None: ...


class _Transcriber:
    """Whisper for recorded turns on text channels (loaded on first use)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._stt: Any = None

    async def text(self, turn: Turn) -> str:
        if turn.text is not None:  # the scenario says what the recording says
            return turn.text
        from speech.pcm import read_wav
        from speech.stt import SpeechToText

        if self._stt is None:
            self._stt = await asyncio.to_thread(SpeechToText.load, self.settings.stt_model)
        pcm, rate = await asyncio.to_thread(read_wav, str(turn.wav))
        return (await self._stt.transcribe(pcm, rate)).text

    def close(self) -> None:
        if self._stt is not None:
            self._stt.close()


class AgentChannel:
    name = "agent"

    def __init__(self, settings: Settings, clock: ScenarioClock) -> None:
        self.settings = settings
        self.clock = clock
        self.services: Any = None
        self.transcriber = _Transcriber(settings)

    async def start(self) -> None:
        from gateway.services import Services

        self.services = await Services.start(self.settings, self.clock)

    async def stop(self) -> None:
        self.transcriber.close()
        if self.services is not None:
            await self.services.stop()

    async def converse(self, scenario: Scenario) -> Outcome:
        from agents.api import EndConversation, Handoff, UserTurn
        from gateway.reply import Reply
        from gateway.twilio.dtmf import entry_text

        phone = scenario.setup.caller_phone
        channel: TurnChannel = "voice" if phone else "terminal"
        conversation = await self.services.conversations.open(channel, caller_phone=phone)
        outcome = Outcome(conversation.id)
        ended = handed = False

        async def drain(reply: Reply) -> None:
            nonlocal ended, handed
            last = await reply.finish()
            ended = ended or isinstance(last, EndConversation)
            handed = handed or isinstance(last, Handoff)

        await drain(conversation.greet())
        for turn in scenario.turns:
            if ended or handed:
                outcome.turns.append(TurnLog(turn.label, turn.kind, played=False))
                continue
            if turn.keypad is not None:  # as the voice edge reads keys: `*` starts over, `#` ends
                digits = turn.keypad.split("#", 1)[0].rsplit("*", 1)[-1]
                user = UserTurn(text=entry_text(digits), channel=channel, dtmf=digits)
            else:
                user = UserTurn(text=await self.transcriber.text(turn), channel=channel)
            outcome.turns.append(TurnLog(turn.label, turn.kind, heard=user.text))
            await drain(conversation.user_turn(user))
        if not conversation.closed:
            await conversation.close(
                "completed" if ended else "transferred to staff" if handed else "input ended"
            )
        return outcome


class ChatChannel:
    name = "chat"

    def __init__(self, settings: Settings, clock: ScenarioClock, timeout_s: float = 60.0) -> None:
        self.settings = settings
        self.gateway = ServedGateway(settings, clock)
        self.timeout_s = timeout_s
        self.transcriber = _Transcriber(settings)

    async def start(self) -> None:
        await asyncio.to_thread(self.gateway.start)

    async def stop(self) -> None:
        self.transcriber.close()
        await asyncio.to_thread(self.gateway.stop)

    async def converse(self, scenario: Scenario) -> Outcome:
        from gateway.clients.chat_client import ChatClient, ChatClientError

        async with ChatClient(self.gateway.url, timeout_s=self.timeout_s) as client:
            outcome = Outcome(client.conversation_id)
            await client.greeting()
            for turn in scenario.turns:
                if client.status != "bot":  # with staff, or closed: the bot no longer answers
                    outcome.turns.append(TurnLog(turn.label, turn.kind, played=False))
                    continue
                text = await self.transcriber.text(turn)
                try:
                    await client.say(text)
                except ChatClientError as exc:
                    if "conversation_closed" not in str(exc):
                        raise
                    outcome.turns.append(TurnLog(turn.label, turn.kind, played=False))
                    continue
                outcome.turns.append(TurnLog(turn.label, turn.kind, heard=text))
            if client.status != "closed" and await _bot_ended(self.settings, client.conversation_id):
                # The goodbye's reply came before the conversation was closed: wait for the close.
                await client.wait_for(lambda e: e["type"] == "status" and e["status"] == "closed")
        return outcome


async def _bot_ended(settings: Settings, conversation_id: str | None) -> bool:
    from gateway.store.db import Database
    from gateway.store.models import ConversationRow

    db = Database(settings.database_url)
    try:
        async with db.session() as s:
            row = await s.get(ConversationRow, conversation_id)
            return bool(row is not None and (row.state or {}).get("ended"))
    finally:
        await db.close()


class CallChannel:
    name = "call"

    def __init__(
        self,
        settings: Settings,
        clock: ScenarioClock,
        voice: CallerVoice,
        timeout_s: float = 60.0,
        *,
        answers: bool = False,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.gateway = ServedGateway(settings, clock)
        self.voice = voice
        self.timeout_s = timeout_s
        self.answers = answers  # the caller answers back (gateway/evaluation/answering.py)
        self._voices: dict[str, CallerVoice] = {}  # scenarios' own voices, through the same band

    async def start(self) -> None:
        await asyncio.to_thread(self.gateway.start)

    async def stop(self) -> None:
        self.voice.close()
        for voice in self._voices.values():
            voice.close()
        await asyncio.to_thread(self.gateway.stop)

    def voice_for(self, scenario: Scenario) -> CallerVoice:
        spec = scenario.setup.voice
        if spec is None:
            return self.voice
        if spec not in self._voices:
            self._voices[spec] = CallerVoice(spec, self.voice.band)
        return self._voices[spec]

    async def converse(self, scenario: Scenario) -> Outcome:
        from gateway.clients.call_simulator import CallerTurn, CallSimulator, dtmf_turn, wav_turn
        from gateway.evaluation.record import conversation_for_call

        voice = self.voice_for(scenario)
        turns: list[CallerTurn] = []
        for turn in scenario.turns:
            if turn.keypad is not None:
                turns.append(dtmf_turn(turn.keypad))
            elif turn.wav is not None:
                turns.append(wav_turn(str(turn.wav)))
            else:
                assert turn.text is not None
                spoken = await voice.say(turn.text)
                turns.append(CallerTurn(label=turn.text, audio=spoken.audio))
        token = self.settings.twilio_auth_token.get_secret_value()  # type: ignore[union-attr]
        simulator = CallSimulator(
            self.gateway.stream_url,
            token,
            caller_number=scenario.setup.caller_phone or NO_CALLER_ID,
            reply_timeout_s=self.timeout_s,
        )
        caller = None
        if self.answers:
            from gateway.evaluation.answering import AnsweringCaller

            script = [t.text for t in scenario.turns if t.text is not None]
            caller = AnsweringCaller(voice, script, self.clock())
        report = await simulator.run(turns, answer_back=caller)
        conversation_id = await conversation_for_call(self.settings, report.call_sid)
        if conversation_id is not None:
            await _closed(self.settings, conversation_id)
        outcome = Outcome(conversation_id, voice=voice.label)
        following = 0  # the next turn of the script; anything else was the caller answering back
        for result in report.turns:
            if following < len(turns) and result.caller == turns[following].label:
                turn = scenario.turns[following]
                following += 1
                said, kind = (turn.text if turn.text is not None else turn.label), turn.kind
            elif result.kind == "dtmf":
                said, kind = f"[keypad {result.caller.removeprefix('dtmf:')}]", "keypad"
            else:
                said, kind = result.caller, "text"
            outcome.turns.append(TurnLog(said, kind, heard=result.transcribed, played=result.played))
        return outcome


async def _closed(settings: Settings, conversation_id: str, timeout_s: float = 15.0) -> None:
    """Until the conversation's `conversation.ended` event is stored (the voice edge writes it
    just after marking the conversation closed, which is what the simulator waits for)."""
    from gateway.evaluation.record import read_events

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if any(e.kind == "conversation.ended" for e in await read_events(settings, conversation_id)):
            return
        await asyncio.sleep(0.05)  # polling the database with a deadline, as the simulator does
