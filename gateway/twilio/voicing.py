"""A reply's text to phone audio, synthesized ahead of playback.

The agent's reply arrives as text deltas; each goes to Piper as soon as it arrives, and the μ-law
chunks queue for paced playback, a couple of sentences ahead of it, so there is no silence between
one delta and the next. How a reply's opening is cut into short pieces, so that the caller hears
it start sooner, is speech's business (`speech.text.split_sentences`, `TextToSpeech.stream_phone`).
"""

from __future__ import annotations

import asyncio
import time
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, Protocol

from agents.api import EndConversation, Handoff, ReplyDelta


class PhoneSynthesizer(Protocol):
    def stream_phone(self, text: str, *, first_urgent: bool = True) -> Any: ...  # of PhoneChunk


@dataclass
class ReplyPlan:
    """What the agent asked for besides speech, and when its first text came."""

    first_text_at: float | None = None
    handoff: Handoff | None = None
    end: bool = False


async def synthesize_reply(
    outputs: Any,  # AsyncIterator[AgentOutput]
    tts: PhoneSynthesizer,
    chunks: asyncio.Queue[Any],
    plan: ReplyPlan,
    room: asyncio.Event,
    ahead: int = 2,
) -> None:
    """Consume the agent's outputs; queue phone chunks in order, then None (also on failure).

    At most `ahead` chunks wait unplayed (the consumer sets `room` after taking one): the TTS
    workers are shared by every call, and a new reply's first sentence should not queue behind
    the far ends of other calls' replies. Cancelling it closes the agent's output stream, which
    stores the bot turn as said so far.
    """
    try:
        async with aclosing(outputs) as stream:
            async for out in stream:
                if isinstance(out, ReplyDelta) and out.text.strip():
                    first = plan.first_text_at is None
                    if first:
                        plan.first_text_at = time.monotonic()
                    # Only the reply's opening goes before other calls' later sentences.
                    async for chunk in tts.stream_phone(out.text, first_urgent=first):
                        while chunks.qsize() >= ahead:
                            room.clear()
                            await room.wait()
                        chunks.put_nowait(chunk)
                elif isinstance(out, Handoff):
                    plan.handoff = out
                elif isinstance(out, EndConversation):
                    plan.end = True
    finally:
        chunks.put_nowait(None)
