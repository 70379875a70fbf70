"""A call from a browser instead of a phone line: the console's test call (docs/console.md).

The browser plays Twilio's part on one WebSocket. Caller audio comes as binary frames of 16-bit
little-endian mono PCM at the rate the page declared (its AudioContext's, 8-96 kHz); it is
resampled to 8 kHz here (`speech.resample`) and cut into the 20 ms frames the call pipeline takes.
Everything else is the Media Streams vocabulary as JSON text (`messages.py`): the browser sends
`mark` echoes once it has played the audio before them, keypad `dtmf` and `stop`; the gateway sends
`media` (mu-law, base64), `mark` and `clear` exactly as to Twilio, plus `transcript` events (what
the caller was heard to say, the bot's reply as it is spoken) and `ended`. The same `CallSession`
answers it: listening, barge-in with heard text from the marks, the agent, Piper, the recording.

Who may call, and the conversation it is stored as (`web-call`), are the console's business
(`gateway/console/test_call.py`); this module only runs the call.
"""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
from fastapi import WebSocket
from starlette.websockets import WebSocketDisconnect

from gateway.conversation import Conversation
from gateway.logging import get_logger
from gateway.services import Services
from gateway.twilio import messages
from gateway.twilio.call_socket import MESSAGE_TOO_BIG, POLICY_VIOLATION, CallSocket
from gateway.twilio.session import CallSession
from speech.pcm import PHONE_RATE
from speech.resample import LOW_LATENCY, StreamResampler

log = get_logger(__name__)

__all__ = ["MAX_RATE", "MESSAGE_TOO_BIG", "MIN_RATE", "POLICY_VIOLATION", "WebCall"]

MIN_RATE, MAX_RATE = 8000, 96000
_FRAME = PHONE_RATE // 50  # 160 samples: 20 ms


class WebCall(CallSocket):
    """One browser call on an accepted socket, from the greeting to the closed conversation."""

    def __init__(
        self, services: Services, websocket: WebSocket, conversation: Conversation, rate: int
    ) -> None:
        super().__init__(services, websocket, close_reason="caller hung up")
        self.conversation = conversation
        self._resampler = StreamResampler(rate, PHONE_RATE, quality=LOW_LATENCY)
        self._pending = np.zeros(0, dtype=np.int16)  # 8 kHz samples short of a whole frame
        self._posts: set[asyncio.Task[None]] = set()  # transcript events on their way out
        self._hung_up = asyncio.Event()  # the bot ended the call (goodbye, failed transfer)

    async def run(self) -> None:
        services = self.services
        try:
            models = await services.speech_models()
            self.session = CallSession(
                services,
                self.conversation,
                None,  # no Twilio call behind it: a handoff cannot be redirected
                self.conversation.id,
                self._send,
                self._hang_up,
                models,
                observer=self,
            )
            self.session.begin()
            services.drain.track(self, self.conversation.id)
            await self._until_over()
        except WebSocketDisconnect:
            self._disconnected()
        except Exception as exc:  # keep the books straight whatever broke
            log.exception("web call failed")
            self.close_reason = f"web call error: {type(exc).__name__}"
        finally:
            try:
                if self.session is not None:
                    await self.session.close(self.close_reason)
                elif not self.conversation.closed:
                    await self.conversation.close(self.close_reason)
            except Exception:
                log.exception("closing the web call failed", reason=self.close_reason)
            await self._send({"event": "ended", "reason": self.close_reason})
            await self._close_socket(1000, "")
            services.drain.untrack(self)

    async def _until_over(self) -> None:
        """Read the socket until the caller hangs up or the bot does (a goodbye, a failed
        transfer): then the books close first and `ended` goes out before the socket closes."""
        reader = asyncio.create_task(self._read(), name="web-call-reader")
        hung_up = asyncio.create_task(self._hung_up.wait())
        try:
            await asyncio.wait({reader, hung_up}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (reader, hung_up):
                task.cancel()
            await asyncio.wait({reader, hung_up})
        if not reader.cancelled():
            reader.result()  # what ended the reading (a disconnect, an error) is handled by run()

    async def _read(self) -> None:
        limit = self.services.settings.twilio_max_message_bytes
        while True:
            frame = await self.ws.receive()
            if frame["type"] == "websocket.disconnect":
                self._disconnected()
                return
            data = frame.get("bytes")
            text = frame.get("text")
            if len(data or text or "") > limit:
                await self._refuse(
                    f"message of {len(data or text or '')} bytes exceeds {limit}",
                    fatal=True,
                    code=MESSAGE_TOO_BIG,
                )
                return
            if data is not None:
                if len(data) % 2:
                    if await self._refuse("audio frame of an odd number of bytes", fatal=False):
                        return
                    continue
                self._caller_audio(np.frombuffer(data, dtype="<i2").astype(np.int16))
                continue
            try:
                message = messages.parse(text or "")
            except messages.ProtocolError as exc:
                if await self._refuse(str(exc), fatal=False):
                    return
                continue
            if await self._handle(message):
                return

    async def _handle(self, message: messages.Message) -> bool:
        """Act on one text message; True when the call is over."""
        session = self.session
        assert session is not None
        if isinstance(message, messages.Mark):
            session.mark(message.name)
        elif isinstance(message, messages.Dtmf):
            session.dtmf(message.digit)
        elif isinstance(message, messages.Media):  # mu-law frames, as a phone would send them
            session.audio(message.payload)
        elif isinstance(message, messages.Stop):
            self.close_reason = "caller hung up"
            return True
        else:
            return await self._refuse(f"{type(message).__name__.lower()} on a web call", fatal=False)
        return False

    def _caller_audio(self, samples: np.ndarray) -> None:
        assert self.session is not None
        pcm = np.concatenate([self._pending, self._resampler.process(samples)])
        whole = len(pcm) - len(pcm) % _FRAME
        for start in range(0, whole, _FRAME):
            self.session.pcm(pcm[start : start + _FRAME])
        self._pending = pcm[whole:]

    # -- CallObserver: the live transcript on the same socket ----------------------------------

    def caller_said(self, text: str) -> None:
        self._post({"event": "transcript", "speaker": "caller", "text": text})

    def bot_said(self, text: str) -> None:
        self._post({"event": "transcript", "speaker": "bot", "text": text})

    def _post(self, message: dict[str, Any]) -> None:
        task = asyncio.create_task(self._send(message))
        self._posts.add(task)
        task.add_done_callback(self._posts.discard)

    # -- the socket ----------------------------------------------------------------------------

    def _conversation_id(self) -> str | None:
        return self.conversation.id  # stored before the call starts: bad frames go on its chain

    async def _hang_up(self) -> None:
        self.close_reason = "bot ended the call"
        self._hung_up.set()
