"""One phone call's behaviour once its stream has started: listen, reply, barge-in, keypad, transfer.

The stream loop (`stream.py`) feeds it decoded frames, keypad digits and mark echoes and never
waits on it: transcription, the agent and synthesis run in tasks, so the socket keeps being read
(marks and barge-in keep working while the bot thinks or talks). One reply runs at a time; caller
turns that end meanwhile queue behind it.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import replace
from typing import Any

from gateway.twilio.barge_in import BargeInGate
from gateway.twilio.listener import HeardTurn, Listener
from gateway.twilio.voicing import ReplyPlan, synthesize_reply

from agents.api import AgentOutput, UserTurn
from agents.events import EventKind
from agents.expectation import Expectation
from gateway.conversation import Conversation
from gateway.logging import get_logger
from gateway.services import Services
from gateway.store.models import RecordingRow
from gateway.twilio.dtmf import PERSON_PLEASE, DigitCollector, entry_text
from gateway.twilio.playback import Playback, SendJson, Utterance
from gateway.twilio.recorder import CallRecorder
from gateway.twilio.transfer import hand_over
from gateway.twilio.words import SORRY, TRANSFER_FAILED, TRANSFER_NOTICE
from speech.codec import ulaw_decode
from speech.models import SpeechModels
from speech.tts import PhoneChunk
from speech.turn import SpeechResumed, SpeechStarted, TurnConfig, TurnDetector, TurnDiscarded, TurnEnded

log = get_logger(__name__)

_PLAYED_TIMEOUT_S = 15.0


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


class CallSession:
    def __init__(
        self,
        services: Services,
        conversation: Conversation,
        call_sid: str,
        stream_sid: str,
        send_json: SendJson,
        hang_up: Any,
        models: SpeechModels,
    ) -> None:
        self.services = services
        self.settings = services.settings
        self.conversation = conversation
        self.call_sid = call_sid
        self._hang_up = hang_up  # coroutine function closing the socket (Twilio ends the call)
        self.tts = models.tts
        settings = self.settings
        self.recorder: CallRecorder | None = None
        # The recording notice is said before the greeting; with record-after-consent, recording
        # starts when the caller, having heard all of it, speaks (goes on with the call).
        self._recording_notice = (
            settings.twilio_recording_notice.strip() if settings.twilio_record_calls else ""
        )
        self._awaiting_consent = settings.twilio_record_calls and settings.twilio_record_after_consent
        self._greeting: Utterance | None = None  # the utterance that carries the notice
        if settings.twilio_record_calls and not self._awaiting_consent:
            self._start_recording()
        self.playback = Playback(
            send_json,
            stream_sid,
            lead_ms=settings.twilio_playback_lead_ms,
            on_audio=self._record_bot,
        )
        detector = TurnDetector(TurnConfig(), model=models.vad)
        self.listener = Listener(detector, models.stt, context=settings.stt_context)
        self.gate = BargeInGate(settings.twilio_barge_in_min_ms)
        self.digits = DigitCollector(settings.twilio_dtmf_timeout_s, self._on_digits)
        # Caller turns in order: (transcript, speech starts seen when it ended), keypad entries, or
        # _RELEASE (answer a held turn).
        self._turns: asyncio.Queue[tuple[asyncio.Future[HeardTurn], int] | str | object] = asyncio.Queue()
        self._speech_starts = 0
        self._held: HeardTurn | None = None  # a turn the caller went on with before it was answered
        self._reply: asyncio.Task[None] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self._transferring = False
        self._notice: Utterance | None = None  # the transfer notice, once spoken
        self._redirect: asyncio.Task[bool] | None = None  # the REST call handing the call over
        self._closed = False
        self.stats = {"frames": 0, "barge_ins": 0, "turns": 0, "joined_turns": 0}

    # -- inputs from the stream loop (synchronous: they only start tasks) ----------------------

    def begin(self) -> None:
        self._reply = asyncio.create_task(self._greet(), name="greeting")
        self._worker = asyncio.create_task(self._turn_worker(), name="turns")

    def audio(self, ulaw: bytes) -> None:
        pcm = ulaw_decode(ulaw)
        self.stats["frames"] += 1
        if self.recorder is not None:
            self.recorder.add_caller(pcm)
        for event in self.listener.push(pcm):
            if isinstance(event, SpeechStarted) and self._awaiting_consent and self._notice_heard():
                self._start_recording(consent="the caller went on after hearing the recording notice")
                self.recorder.add_caller(pcm)  # type: ignore[union-attr]
            if isinstance(event, SpeechStarted | SpeechResumed):
                self.gate.speech_started()
                self._speech_starts += isinstance(event, SpeechStarted)
            elif isinstance(event, TurnEnded):
                self.gate.speech_stopped()
                # Transcription starts now (or is already running), not when the worker gets to it.
                transcript = asyncio.ensure_future(self.listener.transcribe(event))
                self._turns.put_nowait((transcript, self._speech_starts))
            elif isinstance(event, TurnDiscarded):
                self.gate.speech_stopped()
                if self._held is not None:  # the "continuation" was a cough: answer what was held
                    self._turns.put_nowait(_RELEASE)
        if self.gate.frame(self.bot_busy):
            self._spawn(self._barge_in("speech"))

    def _start_recording(self, consent: str | None = None) -> None:
        self.recorder = CallRecorder(self.settings.data_dir / "recordings" / f"{self.conversation.id}.wav")
        if consent is not None:
            self._awaiting_consent = False
            self.services.audit.record(
                self.conversation.id, "call.recording_started", "system", {"consent": consent}
            )

    def _notice_heard(self) -> bool:
        """Twilio has played every word of the recording notice (its marks came back)."""
        if self._greeting is None or not self._recording_notice:
            return False
        notice = _words(self._recording_notice)
        return _words(self._greeting.heard_text)[: len(notice)] == notice

    def _greeting_began(self, utterance: Utterance) -> None:
        self._greeting = utterance

    async def _greet(self) -> None:
        """The recording notice and the greeting, as one bot turn; then whether the caller heard
        all of the notice goes on the audit chain (also when the caller talked over it)."""
        try:
            await self._speak(
                self.conversation.greet(self._recording_notice or None), None, on_begin=self._greeting_began
            )
        finally:
            if self._recording_notice:
                heard = self._notice_heard()
                self.services.audit.record(
                    self.conversation.id,
                    "call.recording_notice",
                    "system",
                    {
                        "notice": self._recording_notice,
                        "heard": heard,
                        "recording": self.recorder is not None,
                    },
                )

    def dtmf(self, digit: str) -> None:
        self.digits.press(digit)

    def mark(self, name: str) -> None:
        self.playback.on_mark(name)

    @property
    def bot_busy(self) -> bool:
        """The caller can hear the bot: audio is going out or Twilio has not played all of it."""
        return self.playback.speaking

    # -- turns ---------------------------------------------------------------------------------

    def _on_digits(self, entry: str) -> None:
        if entry == PERSON_PLEASE:
            self._spawn(self._person_please())
        else:
            self._turns.put_nowait(entry)

    async def _turn_worker(self) -> None:
        while True:
            item = await self._turns.get()
            if self._transferring:
                if isinstance(item, tuple):
                    item[0].cancel()
                continue
            heard: HeardTurn | None = None
            if item is _RELEASE:
                heard, self._held = self._held, None
                if heard is None:
                    continue
                turn = _voice_turn(heard)
            elif isinstance(item, str):
                text = entry_text(item)
                if self._held is not None:  # "my date of birth is" ... then typed
                    text = f"{self._held.text} {text}"
                    self._held = None
                turn = UserTurn(text=text, channel="voice", dtmf=item, meta={"source": "dtmf"})
            else:
                assert isinstance(item, tuple)
                transcript, starts_at_end = item
                try:
                    heard = await transcript
                except Exception as exc:  # one lost turn, not a deaf call
                    log.error("transcription failed", error=repr(exc), conversation_id=self.conversation.id)
                    continue
                if not heard.text:
                    if self._held is not None:
                        self._turns.put_nowait(_RELEASE)
                    continue
                if self._held is not None:
                    heard = _joined(self._held, heard)
                    self._held = None
                if self._speech_starts > starts_at_end:
                    # The caller went on talking before any answer: the pause was mid-sentence.
                    # Hold this part and answer it together with the rest (no agent has run yet).
                    self._held = heard
                    self.stats["joined_turns"] += 1
                    continue
                turn = _voice_turn(heard)
            self.stats["turns"] += 1
            if self._reply is not None and not self._reply.done():
                await asyncio.wait([self._reply])  # replies never overlap
            self._reply = asyncio.create_task(self._speak(self.conversation.user_turn(turn), heard))
            await asyncio.wait([self._reply])

    async def _speak(
        self,
        outputs: AsyncIterator[AgentOutput],
        heard: HeardTurn | None,
        on_begin: Callable[[Utterance], None] | None = None,
    ) -> None:
        """A reply; if producing it fails (agent, store), the caller hears an apology, not silence.
        `on_begin` is handed the reply's utterance as it starts (the greeting's carries the notice)."""
        try:
            await self._speak_reply(outputs, heard, on_begin)
        except Exception as exc:  # cancellation (barge-in) is not an Exception and passes through
            log.error("reply failed", error=repr(exc), conversation_id=self.conversation.id)
            current = self.playback.current
            if current is not None and current.ended:
                return  # the reply was spoken; only its bookkeeping failed: say nothing more
            self.playback.begin()
            async for chunk in self.tts.stream_phone(SORRY):
                await self.playback.play(chunk.text, chunk.ulaw)
            await self.playback.end()

    async def _speak_reply(
        self,
        outputs: AsyncIterator[AgentOutput],
        heard: HeardTurn | None,
        on_begin: Callable[[Utterance], None] | None = None,
    ) -> None:
        """Agent text to paced audio, sentence by sentence, then any handoff or hang-up it asked for."""
        playback = self.playback
        utterance = playback.begin()
        if on_begin is not None:
            on_begin(utterance)
        asked_at = time.monotonic()
        expected = False
        plan = ReplyPlan()
        chunks: asyncio.Queue[PhoneChunk | None] = asyncio.Queue()
        room = asyncio.Event()
        producer = asyncio.create_task(synthesize_reply(outputs, self.tts, chunks, plan, room))
        try:
            while (chunk := await chunks.get()) is not None:
                room.set()
                await playback.play(chunk.text, chunk.ulaw)
            await producer  # the agent's or synthesis's failure is this reply's failure
            self._expect()  # before the end mark: the caller may answer (or type) the moment it plays
            expected = True
            await playback.end()
        finally:
            if not producer.done():
                producer.cancel()  # barge-in: stops synthesis and generation
            await asyncio.wait([producer])  # the conversation has stored the bot turn after this
            if not expected:  # interrupted or failed: what the agent expects after what it said
                self._expect()
            if heard is not None:
                await self._audit_timing(heard, asked_at, plan.first_text_at, playback.first_audio_at)
        handoff, end = plan.handoff, plan.end
        if utterance.said and await playback.wait_played(_PLAYED_TIMEOUT_S) and not utterance.interrupted:
            if self.conversation.last_bot_turn_id is not None:
                await self.conversation.record_heard(
                    self.conversation.last_bot_turn_id, utterance.heard_text, interrupted=False
                )
        if handoff is not None:
            await self._transfer()
        elif end:
            await self._hang_up()

    def _expect(self) -> None:
        """After a reply (or its interruption): what the agent expects next sets how the caller is
        heard (Whisper prompt, end of turn from meaning) and how many keys complete an entry."""
        try:
            listening = self.listener.expect(self.conversation.expectation())
        except Exception as exc:  # recognition hints are a help, never a reason to fail a call
            log.warning("no expectation", error=type(exc).__name__, conversation_id=self.conversation.id)
            listening = self.listener.expect(Expectation())
        self.digits.expect(listening.keypad_digits)

    async def _audit_timing(
        self, heard: HeardTurn, asked_at: float, first_text_at: float | None, first_audio_at: float | None
    ) -> None:
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
        if heard.stt_processing_ms is not None:
            payload["stt_processing_ms"] = round(heard.stt_processing_ms)
        if heard.stt_queued_ms is not None:
            payload["stt_queued_ms"] = round(heard.stt_queued_ms)
        if first_text_at is not None:
            payload["planning_ms"] = int((first_text_at - asked_at) * 1000)
        if first_text_at is not None and first_audio_at is not None and first_audio_at >= first_text_at:
            payload["tts_first_ms"] = int((first_audio_at - first_text_at) * 1000)
        if first_audio_at is not None and first_audio_at >= heard.ended_at:
            payload["reply_ms"] = int((first_audio_at - heard.ended_at) * 1000) + heard.eot_wait_ms
        await self.services.audit.append(self.conversation.id, EventKind.CALL_EVENT, "system", payload)

    # -- barge-in ------------------------------------------------------------------------------

    async def _barge_in(self, cause: str) -> None:
        """Stop talking: clear Twilio's buffer, cancel the reply, record what was actually heard."""
        utterance = self.playback.current
        reply = self._reply
        replying = reply is not None and not reply.done()
        if utterance is None or utterance.interrupted or not (replying or self.playback.speaking):
            return
        if replying and reply is not None:
            reply.cancel()
            await asyncio.wait([reply])  # the conversation stores the bot turn as it unwinds
        utterance = await self.playback.clear()
        if self.recorder is not None:
            self.recorder.cut_bot()
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
        if self._transferring or self.conversation.closed:
            return
        self._transferring = True
        await self._barge_in("dtmf")
        summary = "Caller pressed 0 to speak to a person."
        await self.conversation.request_handoff("caller pressed 0", summary)
        # The key press belongs in the transcript; with a handoff open it does not reach the agent.
        pressed = UserTurn(text=PERSON_PLEASE, channel="voice", dtmf=PERSON_PLEASE, meta={"source": "dtmf"})
        async with aclosing(self.conversation.user_turn(pressed)) as outputs:
            async for _ in outputs:
                pass
        self._reply = asyncio.create_task(self._transfer())

    async def _transfer(self) -> None:
        """Speak a notice, then hand the live call to staff through Twilio's REST API."""
        self._transferring = True
        self._notice = self.playback.begin()
        async for chunk in self.tts.stream_phone(TRANSFER_NOTICE):
            await self.playback.play(chunk.text, chunk.ulaw)
        await self.playback.end()
        await self.playback.wait_played(_PLAYED_TIMEOUT_S)
        # Shielded: Twilio may stop the stream while the request is out (the redirect takes the
        # call, or the caller hangs up); close() then lets it finish instead of cancelling it.
        if await asyncio.shield(self._start_redirect()) or self._closed:
            return
        self.playback.begin()
        async for chunk in self.tts.stream_phone(TRANSFER_FAILED):
            await self.playback.play(chunk.text, chunk.ulaw)
        await self.playback.end()
        await self.playback.wait_played(_PLAYED_TIMEOUT_S)
        await self._hang_up()

    def _start_redirect(self) -> asyncio.Task[bool]:
        if self._redirect is None:
            # Twilio then ends the media stream with `stop`; the stream loop closes the conversation.
            handing_over = hand_over(
                self.settings, self.services.audit, self.conversation.id, self.call_sid, TRANSFER_NOTICE
            )
            self._redirect = asyncio.create_task(handing_over, name="redirect")
        return self._redirect

    def _redirect_due(self) -> bool:
        """The caller has heard the whole transfer notice: the redirect it announced must happen."""
        notice = self._notice
        return notice is not None and notice.ended and not notice.interrupted and not self.playback.speaking

    # -- end -----------------------------------------------------------------------------------

    async def close(self, reason: str) -> None:
        """Stop everything, keep the recording, close the conversation. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self.digits.close()
        if self._redirect is not None or self._redirect_due():
            # A stop that came with or right after the notice's last mark: finish the transfer
            # (the SDK's own timeout bounds it) before the books are closed.
            await asyncio.wait([self._start_redirect()], timeout=self.settings.transfer_rest_timeout_s + 1)
        tasks = [t for t in (self._reply, self._worker, *self._background) if t is not None and not t.done()]
        while not self._turns.empty():  # turns still waiting for their transcript
            item = self._turns.get_nowait()
            if isinstance(item, tuple):
                tasks.append(item[0])
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        self.listener.close()
        # Each step on its own: if the store fails in one, the others still run (and the error is
        # logged); closing the conversation comes last so its `conversation.ended` ends the chain.
        steps = [self._save_recording(), self._audit_close(reason)]
        if not self.conversation.closed:
            steps.append(self.conversation.close(reason))
        for step in steps:
            try:
                await step
            except Exception:
                log.exception("closing the call: a step failed", reason=reason)

    async def _save_recording(self) -> None:
        if self.recorder is None:
            return
        duration = self.recorder.close()
        relative = self.recorder.path.relative_to(self.settings.data_dir)
        async with self.services.db.session() as s, s.begin():
            s.add(
                RecordingRow(
                    conversation_id=self.conversation.id, path=str(relative), duration_s=duration, channels=2
                )
            )

    async def _audit_close(self, reason: str) -> None:
        payload = {"event": "stream_closed", "reason": reason, **self.stats, **self.listener.counts}
        await self.services.audit.append(self.conversation.id, EventKind.CALL_EVENT, "system", payload)

    def _record_bot(self, ulaw: bytes) -> None:
        if self.recorder is not None:
            self.recorder.add_bot(ulaw_decode(ulaw))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        task.add_done_callback(_log_failure)


_RELEASE = object()


def _voice_turn(heard: HeardTurn) -> UserTurn:
    return UserTurn(
        text=heard.text,
        channel="voice",
        confidence=heard.confidence,
        meta={"audio_start_ms": heard.start_ms, "audio_end_ms": heard.end_ms},
    )


def _joined(first: HeardTurn, rest: HeardTurn) -> HeardTurn:
    """One turn from two parts split by a long pause; timings are those of the last part."""
    confidences = [c for c in (first.confidence, rest.confidence) if c is not None]
    return replace(
        rest,
        text=f"{first.text} {rest.text}",
        start_ms=first.start_ms,
        confidence=min(confidences) if confidences else None,
    )


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("call task failed", error=repr(task.exception()))
