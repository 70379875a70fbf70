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


def test_pinned_sentences_stay_outside_the_budget_and_are_not_replaced() -> None:
    cache = PhraseCache(max_bytes=200)
    cache.put("hello", b"o" * 50)
    cache.pin("hello", b"p" * 80)  # pinning takes a sentence out of the recent ones
    assert cache.size_bytes == 0 and cache.pinned_bytes == 80
    cache.put("hello", b"q" * 10)  # a later synthesis of it does not replace the pinned audio
    for name in "abc":
        cache.put(name, b"x" * 100)  # evicts recent sentences only
    assert cache.get("hello") == b"p" * 80 and "a" not in cache and "c" in cache
    assert cache.size_bytes == 200 and cache.pinned_bytes == 80


@pytest.mark.slow
async def test_preloaded_openings_start_a_reply_without_piper(tts: TextToSpeech) -> None:
    cached = TextToSpeech(tts.voice, 1, tts.path, phrase_cache_bytes=1_000_000)
    assert cached.preload(["On Wednesday,", "Done."]) == 2
    assert cached.preload(["Done."]) == 0  # already there
    synthesized = cached.synthesized
    chunks = [c async for c in cached.stream_phone("On Wednesday, Dr. Lena Park has 2 PM or 3 PM.")]
    assert chunks[0].text == "On Wednesday,"
    assert cached.synthesized == synthesized + len(chunks) - 1  # only what follows the opening ran
    off = TextToSpeech(tts.voice, 1, tts.path, phrase_cache_bytes=0)
    assert off.preload(["Done."]) == 0 and "Done." not in off.phrase_cache  # the cache is off
    cached.close()
    off.close()
