"""A phone call as Twilio would place it, for people without a Twilio account, tests and the bench.

It POSTs the signed incoming-call webhook, reads the `<Stream>` URL and one-time token from the
TwiML, opens the media stream with a signed upgrade and speaks the Media Streams protocol:
`connected`, `start`, 20 ms mu-law `media` frames for the whole call (the caller's turns, silence
in between), `dtmf`, `mark` echoes and `stop`. It "plays" the bot's audio like a phone does: a
mark is echoed once the audio before it has played (in real time with `realtime=True`, at once
otherwise) and `clear` drops what is queued. Each caller turn starts once the bot has finished
speaking (the gateway's `<utterance>:end` mark), or `barge_in_after_ms` into the bot's reply.

The caller measures latency itself: from the end of its speech to the first bot audio. What the
gateway transcribed and said is read afterwards from `GET /twilio/calls/{CallSid}/turns`.

This module is the call: the webhook, the turn-taking over the stream, the transcript afterwards.
The caller's turns (speech, digits) are `caller.py`; the phone's speaker and microphone on the
socket are `media_stream.py`; the report is `call_report.py`. Their public names are importable
from here too.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from gateway.clients.call_report import CallReport, TurnResult, call_report
from gateway.clients.caller import (
    FRAME,
    CallerTurn,
    SimulatorError,
    dtmf_turn,
    text_turns,
    voiced_end,
    wav_turn,
)
from gateway.clients.media_stream import FRAME_S, SILENCE, Microphone, Phone, suppress_closed
from gateway.twilio.signatures import sign

# A caller who answers back: given the bot's reply to the caller's last turn and that turn, a turn
# to say before going on with the script ("Sorry, I didn't catch that" -> the words again), or None.
AnswerBack = Callable[[str, CallerTurn], Awaitable[CallerTurn | None]]
MAX_ANSWERS_BACK = 4  # per call: a caller who answers back still follows the script
REPLY_STORED_S = 5.0  # how long the bot's reply may take to reach the gateway's record

__all__ = [
    "FRAME",
    "FRAME_S",
    "SILENCE",
    "AnswerBack",
    "CallReport",
    "CallSimulator",
    "CallerTurn",
    "SimulatorError",
    "TurnResult",
    "dtmf_turn",
    "gateway_urls",
    "text_turns",
    "voiced_end",
    "wav_turn",
]


def gateway_urls(ws_url: str) -> tuple[str, str]:
    """(voice webhook URL, base HTTP URL) for a `ws(s)://host/twilio/stream` URL."""
    parts = urlsplit(ws_url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme)
    if scheme is None or not parts.netloc:
        raise SimulatorError(f"--url must be ws:// or wss://HOST[:PORT]/twilio/stream, got {ws_url!r}")
    base = urlunsplit((scheme, parts.netloc, "", "", ""))
    return base + "/twilio/voice", base


_Answering = tuple[Callable[[], Awaitable[str]], AnswerBack]  # (the last reply, the caller's answer)


class CallSimulator:
    def __init__(
        self,
        ws_url: str,
        auth_token: str,
        *,
        realtime: bool = False,
        caller_number: str = "+15555550123",
        called_number: str = "+15555550100",
        reply_timeout_s: float = 30.0,
        stir_verstat: str | None = "TN-Validation-Passed-A",
    ) -> None:
        """`stir_verstat`: the caller ID's STIR/SHAKEN verdict as Twilio reports it (None: none)."""
        self.ws_url = ws_url
        self.stir_verstat = stir_verstat
        self.voice_url, self.base_url = gateway_urls(ws_url)
        self.auth_token = auth_token
        self.realtime = realtime
        self.caller_number = caller_number
        self.called_number = called_number
        self.reply_timeout_s = reply_timeout_s
        self.account_sid = "AC" + uuid.uuid4().hex
        self.call_sid = "CA" + uuid.uuid4().hex
        self.stream_sid = "MZ" + uuid.uuid4().hex
        self.idle = asyncio.Event()  # set once every turn has been played and answered

    # -- the webhook -------------------------------------------------------------------------

    async def answer(self, client: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
        """POST the incoming-call webhook as Twilio does; returns the stream URL and parameters."""
        params = {
            "AccountSid": self.account_sid,
            "CallSid": self.call_sid,
            "From": self.caller_number,
            "To": self.called_number,
            "CallStatus": "ringing",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        }
        if self.stir_verstat is not None:
            params["StirVerstat"] = self.stir_verstat
        headers = {"X-Twilio-Signature": sign(self.auth_token, self.voice_url, params)}
        response = await client.post(self.voice_url, data=params, headers=headers)
        if response.status_code != 200:
            raise SimulatorError(f"POST /twilio/voice answered {response.status_code}: {response.text[:200]}")
        try:
            root = ET.fromstring(response.text)
        except ET.ParseError as exc:
            raise SimulatorError(f"the webhook did not answer TwiML: {exc}") from None
        stream = root.find("./Connect/Stream")
        if stream is None or not stream.get("url"):
            raise SimulatorError("the TwiML has no <Connect><Stream url=...>")
        parameters = {p.get("name", ""): p.get("value", "") for p in stream.findall("Parameter")}
        return str(stream.get("url")), parameters

    # -- the call ----------------------------------------------------------------------------

    async def run(
        self,
        turns: list[CallerTurn],
        hold: asyncio.Event | None = None,
        answer_back: AnswerBack | None = None,
    ) -> CallReport:
        """Place the call, play `turns`, then (if given) stay on the line until `hold` is set.
        With `answer_back`, the caller reads each reply first and may say something else before
        the script's next turn (see `AnswerBack`)."""
        async with httpx.AsyncClient(timeout=30) as client:
            stream_url, parameters = await self.answer(client)
            answering = None if answer_back is None else (lambda: self._last_reply(client), answer_back)
            results, clears, close_code = await self._stream(stream_url, parameters, turns, hold, answering)
            transcript = await self.transcript(client)
        return call_report(self.call_sid, results, clears, transcript, close_code)

    async def rejoin(
        self,
        stream_url: str,
        parameters: dict[str, str],
        turns: list[CallerTurn],
        hold: asyncio.Event | None = None,
    ) -> CallReport:
        """The same call on a new media stream, as TwiML answering a later webhook connected it
        (a transfer nobody picked up, say). The report has no transcript: the gateway's record
        by CallSid is the call's first conversation."""
        self.stream_sid = "MZ" + uuid.uuid4().hex  # Twilio gives each stream its own
        results, clears, close_code = await self._stream(stream_url, parameters, turns, hold)
        return call_report(self.call_sid, results, clears, {}, close_code)

    async def _stream(
        self,
        stream_url: str,
        parameters: dict[str, str],
        turns: list[CallerTurn],
        hold: asyncio.Event | None,
        answering: _Answering | None = None,
    ) -> tuple[list[TurnResult], int, int | None]:
        # Twilio signs the URL from the TwiML; we may reach the gateway by another address.
        headers = {"X-Twilio-Signature": sign(self.auth_token, stream_url, {})}
        async with connect(self.ws_url, additional_headers=headers, max_size=2**22) as ws:
            phone = Phone(ws, self.stream_sid, self.realtime)
            results, close_code = await self._converse(ws, phone, parameters, turns, hold, answering)
        return results, phone.clears, close_code

    async def _converse(
        self,
        ws: ClientConnection,
        phone: Phone,
        parameters: dict[str, str],
        turns: list[CallerTurn],
        hold: asyncio.Event | None,
        answering: _Answering | None = None,
    ) -> tuple[list[TurnResult], int | None]:
        await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        await ws.send(json.dumps(self._start_message(phone, parameters)))
        reader = asyncio.create_task(self._read(ws, phone))
        player = asyncio.create_task(phone.play())
        sender = Microphone(ws, phone, self.realtime)
        idle = asyncio.create_task(sender.idle())
        results: list[TurnResult] = []
        try:
            phone.expect_reply()  # the greeting
            pending: tuple[int, CallerTurn, float, bool] | None = None
            script = list(turns)
            answers_left = MAX_ANSWERS_BACK if answering is not None else 0
            index = 0
            while script:
                turn = script[0]
                if turn.barge_in_after_ms is None:
                    replied = await self._wait(phone.finished, reader)
                else:  # talk over the reply that is playing
                    replied = await self._wait(phone.started, reader)
                    await asyncio.sleep(turn.barge_in_after_ms / 1000)  # the caller's timing
                said = pending[1] if pending is not None else None
                if pending is not None:
                    results.append(self._result(pending, phone if replied else None))
                    pending = None
                if reader.done():
                    results.extend(self._unplayed(index + 1, script))
                    break
                back = None
                if answering is not None and answers_left and said is not None and replied:
                    last_reply, answer_back = answering
                    back = await answer_back(await last_reply(), said)
                if back is not None:
                    answers_left -= 1
                    turn = back
                else:
                    script.pop(0)
                index += 1
                phone.expect_reply()
                try:
                    pending = (index, turn, *await self._say(turn, sender))
                except ConnectionClosed:  # the gateway hung up (or transferred) while we spoke
                    results.extend(self._unplayed(index, [turn, *script]))
                    break
            if pending is not None:
                replied = await self._wait(phone.finished, reader)
                results.append(self._result(pending, phone if replied else None))
            elif not turns:
                await self._wait(phone.finished, reader)  # just the greeting
            self.idle.set()
            if hold is not None:
                await hold.wait()  # the caller stays on the line, silent
            if not reader.done():
                # The gateway may hang up at any moment (after a goodbye, say): then it has
                # closed the stream already, and there is nothing left to stop.
                with suppress_closed():
                    await sender.send_json(
                        {"event": "stop", "stop": {"accountSid": self.account_sid, "callSid": self.call_sid}}
                    )
                    await ws.close()
        finally:
            for task in (idle, player):
                task.cancel()
            await asyncio.gather(idle, player, return_exceptions=True)
            with suppress_closed():
                await asyncio.wait_for(reader, 10)
        return results, ws.close_code

    @staticmethod
    def _unplayed(first: int, turns: list[CallerTurn]) -> list[TurnResult]:
        """`turns`, numbered from `first`, which the call ended before (reported, not dropped)."""
        return [
            TurnResult(
                turn=index,
                caller=turn.label,
                latency_ms=None,
                cut_off=False,
                kind=turn.kind,
                played=False,
            )
            for index, turn in enumerate(turns, start=first)
        ]

    async def _say(self, turn: CallerTurn, sender: Microphone) -> tuple[float, bool]:
        """Send one caller turn; (when the caller stopped speaking, whether the bot cut in)."""
        if turn.dtmf is not None:
            for digit in turn.dtmf:
                await sender.send_json({"event": "dtmf", "dtmf": {"track": "inbound_track", "digit": digit}})
            return time.monotonic(), False
        if turn.audio is None:
            raise SimulatorError(f"turn {turn.label!r} has neither audio nor digits")
        ended_at, cut_off = await sender.speak(turn.audio)
        return ended_at, cut_off and turn.barge_in_after_ms is None

    def _result(self, pending: tuple[int, CallerTurn, float, bool], phone: Phone | None) -> TurnResult:
        index, turn, ended_at, cut_off = pending
        first = phone.first_audio_at if phone is not None else None
        latency = None if first is None else (first - ended_at) * 1000
        gap = phone.longest_gap_s * 1000 if phone is not None and self.realtime else None
        return TurnResult(index, turn.label, latency, cut_off, turn.kind, gap_ms=gap, answered_at=first)

    async def _wait(self, event: asyncio.Event, reader: asyncio.Task[None]) -> bool:
        """Until `event` (True), the socket closing or the reply timeout (False)."""
        waiter = asyncio.create_task(event.wait())
        done, _ = await asyncio.wait(
            {waiter, reader}, timeout=self.reply_timeout_s, return_when=asyncio.FIRST_COMPLETED
        )
        waiter.cancel()
        return waiter in done

    async def _read(self, ws: ClientConnection, phone: Phone) -> None:
        with suppress_closed():
            async for raw in ws:
                phone.on_message(json.loads(raw))

    def _start_message(self, phone: Phone, parameters: dict[str, str]) -> dict[str, Any]:
        return {
            "event": "start",
            "sequenceNumber": phone.next_seq(),
            "streamSid": self.stream_sid,
            "start": {
                "streamSid": self.stream_sid,
                "accountSid": self.account_sid,
                "callSid": self.call_sid,
                "tracks": ["inbound"],
                "customParameters": parameters,
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            },
        }

    async def _last_reply(self, client: httpx.AsyncClient) -> str:
        """What the bot said after the caller's last turn, from the gateway's record of the call
        (a reply is stored once it has played: waited for, with a deadline)."""
        deadline = time.monotonic() + REPLY_STORED_S
        while True:
            data = await self._turns(client)
            rows = data.get("turns", [])
            last_caller = max((i for i, row in enumerate(rows) if row["speaker"] == "caller"), default=-1)
            replies = [row["text"] for row in rows[last_caller + 1 :] if row["speaker"] == "bot"]
            if replies or time.monotonic() > deadline:
                return " ".join(replies)
            await asyncio.sleep(0.05)  # polling the gateway's record with a deadline

    # -- afterwards ----------------------------------------------------------------------------

    async def transcript(self, client: httpx.AsyncClient, timeout_s: float = 15.0) -> dict[str, Any]:
        """The gateway's record of the call, once it has closed the conversation."""
        deadline = time.monotonic() + timeout_s
        while True:
            data = await self._turns(client)
            if data.get("status") == "closed" or time.monotonic() > deadline:
                return data
            await asyncio.sleep(0.1)  # polling the gateway's state with a deadline

    async def _turns(self, client: httpx.AsyncClient) -> dict[str, Any]:
        url = f"{self.base_url}/twilio/calls/{self.call_sid}/turns"
        headers = {"X-Twilio-Signature": sign(self.auth_token, url, {})}
        try:
            response = await client.get(url, headers=headers)
        except httpx.RemoteProtocolError:
            # a kept-alive connection the server closed while it was idle (seen once on a loaded
            # machine): the GET changes nothing, so it is asked again on a fresh connection
            response = await client.get(url, headers=headers)
        if response.status_code != 200:
            raise SimulatorError(f"GET {url} answered {response.status_code}: {response.text[:200]}")
        data: dict[str, Any] = response.json()
        return data
