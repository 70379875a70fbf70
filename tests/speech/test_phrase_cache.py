"""Repeated sentences: the phrase cache itself, and TTS serving a repeated sentence without Piper."""

from __future__ import annotations

import pytest

from speech.phrase_cache import PhraseCache
from speech.tts import TextToSpeech


def test_least_recently_used_goes_first_within_the_budget() -> None:
    cache = PhraseCache(max_bytes=300)
    cache.put("a", b"x" * 100)
    cache.put("b", b"y" * 100)
    cache.put("c", b"z" * 100)
    assert cache.get("a") == b"x" * 100  # "a" is now the most recent; "b" the oldest
    cache.put("d", b"w" * 100)
    assert "b" not in cache and "a" in cache and "c" in cache and "d" in cache
    assert cache.size_bytes == 300
    assert cache.get("b") is None
    assert (cache.hits, cache.misses) == (1, 1)


def test_replacing_a_sentence_counts_its_bytes_once_and_oversized_audio_is_not_kept() -> None:
    cache = PhraseCache(max_bytes=250)
    cache.put("a", b"x" * 100)
    cache.put("a", b"x" * 200)
    assert cache.size_bytes == 200
    cache.put("huge", b"h" * 251)
    assert "huge" not in cache and cache.get("a") == b"x" * 200


def test_negative_budget_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        PhraseCache(-1)


@pytest.mark.slow
async def test_a_repeated_sentence_is_served_from_the_cache_with_the_same_audio(tts: TextToSpeech) -> None:
    cached = TextToSpeech(tts.voice, 1, tts.path, phrase_cache_bytes=1_000_000)
    text = "Thank you for calling Riverside Clinic. How can I help you today?"
    first = [c async for c in cached.stream_phone(text)]
    synthesized = cached.synthesized
    assert synthesized == len(first) == 2
    again = [c async for c in cached.stream_phone(text)]
    assert cached.synthesized == synthesized  # Piper did not run again
    assert [(c.text, c.ulaw) for c in again] == [(c.text, c.ulaw) for c in first]
    # A new sentence after a cached one is still synthesized, in order.
    mixed = [c async for c in cached.stream_phone("How can I help you today? Goodbye now.")]
    assert [c.text for c in mixed] == ["How can I help you today?", "Goodbye now."]
    assert cached.synthesized == synthesized + 1
    cached.close()
