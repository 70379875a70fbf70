"""Text to paced phone audio: the one loop that synthesizes and plays, for replies and notices.

Text arrives in pieces (an agent's reply as it is generated, or one notice); each goes to Piper as
soon as it arrives, and the μ-law chunks queue for paced playback, a couple of sentences ahead of
it, so there is no silence between one piece and the next. How a text's opening is cut into short
pieces, so that the caller hears it start sooner, is speech's business
(`speech.text.split_sentences`, `TextToSpeech.stream_phone`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass
from typing import Protocol

from gateway.twilio.playback import Playback, Utterance
from speech.tts import PhoneChunk


class PhoneSynthesizer(Protocol):
    def stream_phone(self, text: str, *, first_urgent: bool = True) -> AsyncIterator[PhoneChunk]: ...


@dataclass
class SpeechTiming:
    """When a spoken text's first piece arrived (kept also when the speaking is cut short);
    `on_first_audio` runs once, as the first chunk of audio starts to go out."""

    first_text_at: float | None = None
    on_first_audio: Callable[[], None] | None = None


class Speaker:
    def __init__(
        self,
        tts: PhoneSynthesizer,
        playback: Playback,
        *,
        ahead: int = 2,
        on_text: Callable[[str], None] | None = None,
    ) -> None:
        self.tts = tts
        self.playback = playback
        self._on_text = on_text  # each piece as it goes to synthesis (a live transcript)
        # At most `ahead` chunks wait unplayed: the TTS workers are shared by every call, and a new
        # reply's first sentence should not queue behind the far ends of other calls' replies.
        self._ahead = ahead

    async def speak(
        self,
        texts: AsyncGenerator[str, None],
        *,
        utterance: Utterance | None = None,
        timing: SpeechTiming | None = None,
        before_end: Callable[[], None] | None = None,
    ) -> Utterance:
        """Speak `texts` as one utterance (a new one unless given) and end it with its end mark;
        `before_end` runs just before that mark (the caller may answer the moment it plays).

        A failure to produce the text or its audio is raised here. Cancelling (barge-in) stops
        synthesis and closes `texts` (an agent's reply then stores the bot turn as said so far).
        """
        utterance = utterance if utterance is not None else self.playback.begin()
        chunks: asyncio.Queue[PhoneChunk | None] = asyncio.Queue()
        room = asyncio.Event()
        timing = timing or SpeechTiming()
        producer = asyncio.create_task(self._synthesize(texts, chunks, room, timing))
        try:
            while (chunk := await chunks.get()) is not None:
                room.set()
                if timing.on_first_audio is not None:
                    timing.on_first_audio()
                    timing.on_first_audio = None
                await self.playback.play(chunk.text, chunk.ulaw)
            await producer  # the text's or synthesis's failure is this utterance's failure
            if before_end is not None:
                before_end()
            await self.playback.end()
        finally:
            if not producer.done():
                producer.cancel()
            await asyncio.wait([producer])  # the text's source has finished (stored) after this
        return utterance

    async def say(self, text: str, *, utterance: Utterance | None = None) -> Utterance:
        """One fixed text (a notice, an apology)."""
        return await self.speak(_one(text), utterance=utterance)

    async def _synthesize(
        self,
        texts: AsyncGenerator[str, None],
        chunks: asyncio.Queue[PhoneChunk | None],
        room: asyncio.Event,
        timing: SpeechTiming,
    ) -> None:
        """Queue phone chunks in order, then None (also on failure)."""
        first = True
        try:
            async with aclosing(texts) as pieces:
                async for text in pieces:
                    if not text.strip():
                        continue
                    if timing.first_text_at is None:
                        timing.first_text_at = time.monotonic()
                    if self._on_text is not None:
                        self._on_text(text)
                    # Only the opening goes before other calls' later sentences.
                    async for chunk in self.tts.stream_phone(text, first_urgent=first):
                        while chunks.qsize() >= self._ahead:
                            room.clear()
                            await room.wait()
                        chunks.put_nowait(chunk)
                    first = False
        finally:
            chunks.put_nowait(None)


async def _one(text: str) -> AsyncGenerator[str, None]:
    yield text
