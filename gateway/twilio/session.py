"""One phone call's lifecycle once its stream has started: greet, answer turns, barge-in, keypad,
hand over to a person, close.

The stream loop (`stream.py`) feeds it decoded frames, keypad digits and mark echoes and never
waits on it: transcription, the agent and synthesis run in tasks, so the socket keeps being read
(marks and barge-in keep working while the bot thinks or talks). Listening (turns, held turns,
when the caller has talked over the bot) is speech's (`speech.listening`); speaking goes through
`Speaker`; handing over through `CallTransfer`. One reply runs at a time; caller turns that end
meanwhile queue behind it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from agents.api import EndConversation, Handoff, UserTurn
from agents.events import EventKind
from agents.expectation import Expectation
from gateway.conversation import Conversation
from gateway.expecting import listening_for
from gateway.logging import get_logger
from gateway.observability.voice import close_voice_turn, open_voice_turn, record_voice_timing
from gateway.reply import Reply
from gateway.services import Services
from gateway.twilio.dtmf import PERSON_PLEASE, DigitCollector, entry_text
from gateway.twilio.playback import Playback, SendJson, Utterance
from gateway.twilio.recording import CallRecording
from gateway.twilio.speaker import Speaker, SpeechTiming
from gateway.twilio.transfer import CallTransfer, HangUp
from gateway.twilio.words import DRAIN_GOODBYE, SORRY
from speech.codec import ulaw_decode
from speech.listening import BargeIn, Heard, Keyed, Listening, SpeechStarted, TranscriptionFailed
from speech.models import SpeechModels

log = get_logger(__name__)

_PLAYED_TIMEOUT_S = 15.0
_REPLY_GRACE_S = 8.0  # draining, past the deadline: how long a reply being spoken may go on


class CallObserver(Protocol):
    """Who follows the call's words as they happen (the console's test call shows them live)."""

    def caller_said(self, text: str) -> None: ...

    def bot_said(self, text: str) -> None: ...


Opening = Callable[[Conversation, str | None], Reply]  # the call's first words (the recording notice)


class CallSession:
    def __init__(
        self,
        services: Services,
        conversation: Conversation,
        call_sid: str | None,
        stream_sid: str,
        send_json: SendJson,
        hang_up: HangUp,
        models: SpeechModels,
        observer: CallObserver | None = None,
        opening: Opening | None = None,
    ) -> None:
        """`opening`: what the call starts with instead of the agent's greeting (a call back from
        a transfer nobody answered: `transfer_result.nobody_answered`)."""
        self.services = services
        self._opening = opening
        self._observer = observer
        self.settings = settings = services.settings
        self.conversation = conversation
        self._hang_up = hang_up  # closes the socket (Twilio ends the call)
        self.recording = CallRecording(settings, services.audit, conversation.id, services.recordings)
        self.playback = Playback(
            send_json, stream_sid, lead_ms=settings.twilio_playback_lead_ms, on_audio=self.recording.bot
        )
        self.speaker = Speaker(
            models.tts, self.playback, on_text=observer.bot_said if observer is not None else None
        )
        self.listening = Listening.for_phone(
            models.stt, models.vad, barge_in_min_ms=settings.twilio_barge_in_min_ms
        )
        self.digits = DigitCollector(settings.twilio_dtmf_timeout_s, self._on_digits)
        self.transfer = CallTransfer(
            settings,
            services.audit,
            conversation.id,
            call_sid,
            self.speaker,
            hang_up,
            played_timeout_s=_PLAYED_TIMEOUT_S,
        )
        self._reply: asyncio.Task[None] | None = None
        self._stopping: Utterance | None = None  # the utterance a barge-in is stopping
        self._worker: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._closed = False
        self.stats = {"frames": 0, "barge_ins": 0, "turns": 0}
        # Voice before chat for the CPU (gateway/voice_first.py): this caller waits for the bot from
        # the end of a turn to the reply's first audio, and chat turns hold back meanwhile.
        self._voice_first = services.conversations.voice_first
        self._reply_pending = False  # a turn is taken and its reply has not started to play
        self._caller_waits = False

    # -- inputs from the stream loop (synchronous: they only start tasks) ----------------------

    def begin(self) -> None:
        self._reply = asyncio.create_task(self._greet(), name="greeting")
        self._worker = asyncio.create_task(self._turn_worker(), name="turns")

    def audio(self, ulaw: bytes) -> None:
        self.pcm(ulaw_decode(ulaw))

    def pcm(self, pcm: npt.NDArray[np.int16]) -> None:
        """One 20 ms frame of caller audio, 8 kHz 16-bit (Twilio's, decoded; or a browser's)."""
        self.stats["frames"] += 1
        self.recording.caller(pcm)
        for event in self.listening.push(pcm, bot_speaking=self.bot_busy):
            if isinstance(event, SpeechStarted):
                self.recording.speech_started(pcm)
            elif isinstance(event, BargeIn):
                self._spawn(self._barge_in("speech"))
        self._update_waiting()

    def _update_waiting(self) -> None:
        """Tell `VoiceFirst` whether this caller waits for the bot now (a turn ended, no reply heard)."""
        waits = not self._closed and (self.listening.unanswered > 0 or self._reply_pending)
        if waits != self._caller_waits:
            self._caller_waits = waits
            self._voice_first.caller_waiting(self, waits)

    def _reply_heard(self) -> None:
        self._reply_pending = False
        self._update_waiting()

    def dtmf(self, digit: str) -> None:
        self.digits.press(digit)

    def mark(self, name: str) -> None:
        self.playback.on_mark(name)

    @property
    def bot_busy(self) -> bool:
        """The caller can hear the bot: audio is going out or Twilio has not played all of it."""
        return self.playback.speaking

    # -- turns ---------------------------------------------------------------------------------

    async def _greet(self) -> None:
        """The recording notice (if any) and the greeting (or the given opening), as one bot turn."""
        utterance = self.playback.begin()
        self.recording.greeting_began(utterance)  # the utterance that carries the notice
        try:
            notice = self.recording.notice or None
            opening = self._opening or (lambda conversation, notice: conversation.greet(notice))
            await self._speak(opening(self.conversation, notice), None, utterance=utterance)
        finally:
            self.recording.greeting_over()

    def _on_digits(self, entry: str) -> None:
        if entry == PERSON_PLEASE:
            self._spawn(self._person_please())
        else:
            self.listening.keyed(entry)

    async def _turn_worker(self) -> None:
        while True:
            caller = await self.listening.next_turn()
            if self.transfer.started:
                continue
            heard: Heard | None = None
            if isinstance(caller, TranscriptionFailed):  # one lost turn, not a deaf call
                log.error(
                    "transcription failed", error=repr(caller.error), conversation_id=self.conversation.id
                )
                continue
            if isinstance(caller, Keyed):
                text = entry_text(caller.entry)
                if caller.after is not None:  # "my date of birth is" ... then typed
                    text = f"{caller.after.text} {text}"
                turn = UserTurn(text=text, channel="voice", dtmf=caller.entry, meta={"source": "dtmf"})
            else:
                heard = caller
                turn = UserTurn(
                    text=heard.text,
                    channel="voice",
                    confidence=heard.transcript.confidence,
                    meta={"audio_start_ms": heard.start_ms, "audio_end_ms": heard.end_ms},
                )
            self.stats["turns"] += 1
            if self._observer is not None:
                self._observer.caller_said(turn.text)
            if self._reply is not None and not self._reply.done():
                await asyncio.wait([self._reply])  # replies never overlap
            self._reply_pending = True  # until this reply's first audio (`_reply_heard`)
            self._update_waiting()
            self._reply = asyncio.create_task(self._speak(self.conversation.user_turn(turn), heard))
            await asyncio.wait([self._reply])
            self._reply_heard()  # also when it was cancelled before it began

    async def _speak(self, reply: Reply, heard: Heard | None, *, utterance: Utterance | None = None) -> None:
        """A reply; if producing it fails (agent, store), the caller hears an apology, not silence."""
        try:
            await self._speak_reply(reply, heard, utterance)
        except Exception as exc:  # cancellation (barge-in) is not an Exception and passes through
            log.error("reply failed", error=repr(exc), conversation_id=self.conversation.id)
            current = self.playback.current
            if current is not None and current.ended:
                return  # the reply was spoken; only its bookkeeping failed: say nothing more
            await self.speaker.say(SORRY)

    async def _speak_reply(self, reply: Reply, heard: Heard | None, utterance: Utterance | None) -> None:
        """Agent text to paced audio, sentence by sentence, then any handoff or hang-up it asked for."""
        asked_at = time.monotonic()
        trace = open_voice_turn(self.services.telemetry, self.conversation.id, heard)
        timing = SpeechTiming(on_first_audio=self._reply_heard)
        expected = False

        def expect_before_end() -> None:  # the caller may answer (or type) the moment it plays
            nonlocal expected
            self._expect()
            expected = True

        try:
            utterance = await self.speaker.speak(
                reply.text(), utterance=utterance, timing=timing, before_end=expect_before_end
            )
        finally:  # the conversation has stored the bot turn by now
            self._reply_heard()  # (already, unless it failed or was cut short before any audio)
            if not expected:  # interrupted or failed: what the agent expects after what it said
                self._expect()
            close_voice_turn(
                self.services.telemetry, trace, timing.first_text_at, self.playback.first_audio_at
            )
            if heard is not None:
                await self._audit_timing(heard, asked_at, timing.first_text_at, self.playback.first_audio_at)
        played = await self.playback.wait_played(_PLAYED_TIMEOUT_S) if utterance.said else False
        if played and not utterance.interrupted and self.conversation.last_bot_turn_id is not None:
            await self.conversation.record_heard(
                self.conversation.last_bot_turn_id, utterance.heard_text, interrupted=False
            )
        if isinstance(reply.outcome, Handoff):
            self.listening.deafen()  # turns from now on are for the person, not the agent
            await self.transfer.run()
        elif isinstance(reply.outcome, EndConversation):
            await self._hang_up()

    def _expect(self) -> None:
        """After a reply (or its interruption): what the agent expects next sets how the caller is
        heard (Whisper prompt, end of turn from meaning) and how many keys complete an entry."""
        context = self.settings.stt_context
        try:
            listening = listening_for(self.conversation.expectation(), context=context)
        except Exception as exc:  # recognition hints are a help, never a reason to fail a call
            log.warning("no expectation", error=type(exc).__name__, conversation_id=self.conversation.id)
            listening = listening_for(Expectation(), context=context)
        self.listening.expect(listening.hints)
        self.digits.expect(listening.keypad_digits)

    async def _audit_timing(
        self, heard: Heard, asked_at: float, first_text_at: float | None, first_audio_at: float | None
    ) -> None:
        transcript = heard.transcript
        payload: dict[str, Any] = {
            "event": "turn_timing",
            "audio_end_ms": heard.end_ms,
            "eot_wait_ms": heard.eot_wait_ms,
            "stt_ms": heard.stt_ms,
            "speculative_stt": heard.speculative_hit,
            "expecting": heard.expecting,  # the kind only: the vocabulary is never logged
        }
        if heard.complete is not None:
            payload["eot_by_meaning"] = "complete" if heard.complete else "incomplete"
        payload["stt_processing_ms"] = round(transcript.processing_ms)
        payload["stt_queued_ms"] = round(transcript.queued_ms)
        if first_text_at is not None:
            payload["planning_ms"] = int((first_text_at - asked_at) * 1000)
        if first_text_at is not None and first_audio_at is not None and first_audio_at >= first_text_at:
            payload["tts_first_ms"] = int((first_audio_at - first_text_at) * 1000)
        if first_audio_at is not None and first_audio_at >= heard.ended_at:
            payload["reply_ms"] = int((first_audio_at - heard.ended_at) * 1000) + heard.eot_wait_ms
        record_voice_timing(self.services.telemetry.metrics, payload)
        await self.services.audit.append(self.conversation.id, EventKind.CALL_EVENT, "system", payload)

    # -- barge-in ------------------------------------------------------------------------------

    async def _barge_in(self, cause: str) -> None:
        """Stop talking: clear Twilio's buffer, cancel the reply, record what was actually heard."""
        utterance = self.playback.current
        reply = self._reply
        replying = reply is not None and not reply.done()
        if utterance is None or utterance.interrupted or not (replying or self.playback.speaking):
            return
        if utterance is self._stopping:  # a second BargeIn while the first still cancels the reply
            return
        self._stopping = utterance
        if replying and reply is not None:
            reply.cancel()
            await asyncio.wait([reply])  # the conversation stores the bot turn as it unwinds
        utterance = await self.playback.clear()
        self.recording.cut_bot()
        if utterance is None or not utterance.said:
            return
        self.stats["barge_ins"] += 1
        turn_id = self.conversation.last_bot_turn_id
        await self.services.audit.append(
            self.conversation.id,
            EventKind.CALL_EVENT,
            "caller",
            {"event": "barge_in", "cause": cause, "said": utterance.said_text, "heard": utterance.heard_text},
        )
        if turn_id is not None:
            await self.conversation.record_heard(turn_id, utterance.heard_text, interrupted=True)

    # -- people --------------------------------------------------------------------------------

    async def _person_please(self) -> None:
        if self.transfer.started or self.conversation.closed:
            return
        self.transfer.started = True
        self.listening.deafen()
        await self._barge_in("dtmf")
        summary = "Caller pressed 0 to speak to a person."
        await self.conversation.request_handoff("caller pressed 0", summary)
        # The key press belongs in the transcript; with a handoff open it does not reach the agent.
        pressed = UserTurn(text=PERSON_PLEASE, channel="voice", dtmf=PERSON_PLEASE, meta={"source": "dtmf"})
        await self.conversation.user_turn(pressed).finish()
        self._reply = asyncio.create_task(self.transfer.run())

    # -- end -----------------------------------------------------------------------------------

    async def say_goodbye_for_drain(self) -> None:
        """The replica is stopping and the drain deadline has passed (gateway/drain.py): no more
        turns are answered; a reply being spoken may finish (briefly), then the caller hears that
        the call must end. The stream loop hangs up after this."""
        if self._closed or self.transfer.started:  # a transfer hands the call over by itself
            return
        self.listening.deafen()
        if self._worker is not None:
            self._worker.cancel()  # turns not yet answered are not started now
        reply = self._reply
        if reply is not None and not reply.done():
            await asyncio.wait([reply], timeout=_REPLY_GRACE_S)
            if not reply.done():
                reply.cancel()
                await asyncio.wait([reply])  # the conversation stores the bot turn as it unwinds
        if self.playback.speaking:
            await self.playback.clear()
            self.recording.cut_bot()
        await self.services.audit.append(
            self.conversation.id,
            EventKind.CALL_EVENT,
            "system",
            {"event": "drain_goodbye", "said": DRAIN_GOODBYE},
        )
        await self.speaker.say(DRAIN_GOODBYE)
        await self.playback.wait_played(_PLAYED_TIMEOUT_S)

    async def close(self, reason: str) -> None:
        """Stop everything, keep the recording, close the conversation. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._update_waiting()  # a caller who hung up waits for nothing
        self.digits.close()
        await self.transfer.close()
        tasks: list[asyncio.Future[Any]] = [
            t for t in (self._reply, self._worker, *self._background) if t is not None and not t.done()
        ]
        tasks += self.listening.stop()  # turns still waiting for their transcript
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        self.listening.close()
        # Each step on its own: if the store fails in one, the others still run (and the error is
        # logged); closing the conversation comes last so its `conversation.ended` ends the chain.
        steps = [self.recording.save(self.services.conversations.writes), self._audit_close(reason)]
        if not self.conversation.closed:
            steps.append(self.conversation.close(reason))
        steps.append(self.recording.upload())  # last: the call is over and stored before the upload
        for step in steps:
            try:
                await step
            except Exception:
                log.exception("closing the call: a step failed", reason=reason)

    async def _audit_close(self, reason: str) -> None:
        payload = {"event": "stream_closed", "reason": reason, **self.stats, **self.listening.counts}
        await self.services.audit.append(self.conversation.id, EventKind.CALL_EVENT, "system", payload)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        task.add_done_callback(_log_failure)


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("call task failed", error=repr(task.exception()))
