"""A reply's text to phone audio, synthesized ahead of playback.

The agent's reply arrives as text deltas; each goes to Piper as soon as it arrives, and the μ-law
chunks queue for paced playback, a couple of sentences ahead of it, so there is no silence between
one delta and the next. The first sentence of a reply,
when long, is split at its first comma: the caller hears the bot start a clause sooner instead
of waiting for a whole long sentence to be synthesized.
"""

from __future__ import annotations

import asyncio
import re
import time
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, Protocol

from agents.api import EndConversation, Handoff, ReplyDelta

_SENTENCE_END = re.compile(r"(\w+)?[.!?](?:\s|$)")
_ABBREVIATIONS = {"dr", "mr", "mrs", "ms", "st", "jr", "sr", "prof", "no"}
_MIN_WORDS_BEFORE_SPLIT = 4
_MIN_WORDS_AFTER_SPLIT = 3


class PhoneSynthesizer(Protocol):
    def stream_phone(self, text: str, *, first_urgent: bool = True) -> Any: ...  # of PhoneChunk


@dataclass
class ReplyPlan:
    """What the agent asked for besides speech, and when its first text came."""

    first_text_at: float | None = None
    handoff: Handoff | None = None
    end: bool = False


def speakable_pieces(text: str, first: bool) -> list[str]:
    """`text` as pieces to synthesize: a reply's long first sentence split at its first ", "."""
    if not first:
        return [text]
    sentence_end = len(text)
    for match in _SENTENCE_END.finditer(text):
        if (match.group(1) or "").lower() not in _ABBREVIATIONS:  # "Dr. Patel" goes on
            sentence_end = match.end()
            break
    comma = text.find(", ", 0, sentence_end)
    if comma < 0:
        return [text]
    before, after = text[: comma + 1], text[comma + 2 :]
    words_after = len(text[comma + 2 : sentence_end].split())
    if len(before.split()) < _MIN_WORDS_BEFORE_SPLIT or words_after < _MIN_WORDS_AFTER_SPLIT:
        return [text]
    return [before, after]


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
                    for i, piece in enumerate(speakable_pieces(out.text, first)):
                        # Only the reply's opening goes before other calls' later sentences.
                        async for chunk in tts.stream_phone(piece, first_urgent=first and i == 0):
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
