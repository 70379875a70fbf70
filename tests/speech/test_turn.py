"""End of turn and barge-in on real Silero VAD with Piper speech over a mu-law phone line.

"Speech starts/stops" is measured on the signal: the first/last 10 ms block within 35 dB of the
utterance's loudest block (tests/speech/audio_helpers.py)."""

from collections.abc import Callable

import numpy as np
import pytest
from pydantic import ValidationError

from speech.pcm import AudioFormatError, split_frames
from speech.turn import (
    PauseDetected,
    SpeechResumed,
    SpeechStarted,
    TurnConfig,
    TurnDetector,
    TurnDiscarded,
    TurnEnded,
    TurnEvent,
)
from speech.vad import SileroVadModel, VadModelError
from tests.speech.audio_helpers import compose, line_noise, phone_line
from tests.speech.conftest import load_fixture

pytestmark = pytest.mark.slow

PHRASES = [
    "I need to move my appointment",
    "my date of birth is June ninth",
    "yes please",
    "can I speak to someone about billing",
    "the number is four one five",
    "Elizabeth Carter",
    "thank you so much",
]
PAIRS = [
    ("my name is Robert Chen", "and I am calling about my prescription"),
    ("is March fifth", "at ten in the morning"),
    ("yes", "that works"),
    ("I was wondering", "if Doctor Alvarez is available"),
    ("could you check", "Thursday afternoon"),
]


def run(detector: TurnDetector, audio: np.ndarray) -> list[TurnEvent]:
    events: list[TurnEvent] = []
    for frame in split_frames(audio, detector.config.sample_rate):
        events.extend(detector.push(frame))
    return events


def of(kind: type, events: list[TurnEvent]) -> list:
    return [e for e in events if isinstance(e, kind)]


@pytest.mark.parametrize("phase_ms", [0, 13])
def test_end_of_turn_within_window_after_speech_stops(
    say: Callable[[str], np.ndarray], vad_model, phase_ms: int
) -> None:
    config = TurnConfig()
    for i, text in enumerate(PHRASES):
        audio, [(start, stop)] = compose(8000, 500 + phase_ms, say(text), 900, seed=i)
        events = run(TurnDetector(config, vad_model), audio)
        [ended] = of(TurnEnded, events)
        delay = ended.at_ms - stop // 8
        assert config.end_silence_ms - 40 <= delay <= 400, (text, delay)
        # The turn's audio holds the whole utterance, with little else.
        assert ended.start_ms <= start // 8 and ended.end_ms >= stop // 8 - 20
        assert len(ended.audio) == (ended.end_ms - ended.start_ms) * 8
        assert ended.speech_ms >= config.min_speech_ms and not ended.forced


def test_digital_silence_skips_the_model_and_finds_the_same_turns(say, vad_model) -> None:
    """A line carrying digital zeros between turns (the caller listening): the VAD stops running
    its model there, and finds the turns it finds when it scores every window."""
    parts = [2000, say("I need to move my appointment"), 3000, say("yes please"), 1500]
    audio = phone_line(
        np.concatenate([np.zeros(8 * p, np.int16) if isinstance(p, int) else p for p in parts])
    )
    skipping = TurnDetector(TurnConfig(), vad_model)
    scoring = TurnDetector(TurnConfig(skip_silent_windows=False), vad_model)
    events = run(skipping, audio)
    assert [(e.start_ms, e.end_ms, e.at_ms) for e in of(TurnEnded, events)] == [
        (e.start_ms, e.end_ms, e.at_ms) for e in of(TurnEnded, run(scoring, audio))
    ]
    # Onsets (barge-in) come within a window of each other: the model restarts from a settled state.
    reference = run(TurnDetector(TurnConfig(skip_silent_windows=False), vad_model), audio)
    starts = [e.at_ms for e in of(SpeechStarted, events)]
    assert len(starts) == len(of(SpeechStarted, reference))
    for a, b in zip(starts, [e.at_ms for e in of(SpeechStarted, reference)], strict=True):
        assert abs(a - b) <= 32
    # About 6.5 s of zeros (~200 windows), less the few scored while the state settles.
    assert skipping.vad_windows_skipped > 150 and scoring.vad_windows_skipped == 0
    # On a line with hiss (-64 dBFS) instead of zeros nearly every window is scored.
    noisy, _ = compose(8000, *parts, seed=3)
    hiss = TurnDetector(TurnConfig(), vad_model)
    assert len(of(TurnEnded, run(hiss, noisy))) == 2 and hiss.vad_windows_skipped < 10


def test_barge_in_fires_within_300ms_of_onset(say: Callable[[str], np.ndarray], vad_model) -> None:
    for i, text in enumerate(PHRASES):
        audio, [(start, _)] = compose(8000, 700 + 7 * i, say(text), 500, seed=i)
        detector = TurnDetector(TurnConfig(), vad_model)
        fired: list[tuple[int, SpeechStarted]] = []
        for frame in split_frames(audio, 8000):
            fired += [(detector.position_ms, e) for e in detector.push(frame) if isinstance(e, SpeechStarted)]
        [(pushed_ms, started)] = fired
        assert started.at_ms == pushed_ms  # the event fires on the frame that completes the evidence
        assert 0 < started.at_ms - start // 8 <= 300, text
        assert abs(started.onset_ms - start // 8) <= 64


@pytest.mark.parametrize("pause_ms", [150, 250, 300])
def test_pause_inside_a_sentence_does_not_end_the_turn(say, vad_model, pause_ms: int) -> None:
    for i, (first, second) in enumerate(PAIRS):
        audio, spans = compose(8000, 400, say(first), pause_ms, say(second), 800, seed=i)
        events = run(TurnDetector(TurnConfig(), vad_model), audio)
        [ended] = of(TurnEnded, events)
        assert ended.at_ms > spans[1][1] // 8, (first, pause_ms)
        assert len(of(SpeechStarted, events)) == 1
        if pause_ms >= 250:  # a hint to transcribe early, then taken back
            kinds = [type(e) for e in events]
            assert kinds.index(PauseDetected) < kinds.index(SpeechResumed) < kinds.index(TurnEnded)


def test_a_long_pause_does_end_the_turn(say, vad_model) -> None:
    audio, spans = compose(8000, 400, say("I need a refill"), 700, say("for my inhaler"), 800)
    ended = of(TurnEnded, run(TurnDetector(TurnConfig(), vad_model), audio))
    assert len(ended) == 2
    assert ended[0].at_ms < spans[1][0] // 8 < ended[1].at_ms


def test_clicks_coughs_and_line_noise_make_no_turn(vad_model) -> None:
    rng = np.random.default_rng(3)
    click = np.zeros(40, dtype=np.int16)
    click[:8] = [30000, -30000, 20000, -20000, 10000, -10000, 5000, -5000]
    burst = (rng.normal(0, 6000, 8000 * 120 // 1000) * np.hanning(960)).astype(np.int16)
    audio, _ = compose(8000, 300, click, 600, burst, 600, click, 500)
    events = run(TurnDetector(TurnConfig(), vad_model), audio)
    assert of(SpeechStarted, events) == [] and of(TurnEnded, events) == []
    quiet = run(TurnDetector(TurnConfig(), vad_model), phone_line(line_noise(8000 * 3)))
    assert quiet == []


def test_too_little_speech_is_discarded(say, vad_model) -> None:
    config = TurnConfig(min_speech_ms=5000)  # nothing short counts as a turn
    audio, _ = compose(8000, 300, say("hello there"), 600)
    events = run(TurnDetector(config, vad_model), audio)
    assert of(TurnEnded, events) == []
    assert len(of(SpeechStarted, events)) == 1 and len(of(TurnDiscarded, events)) == 1


def test_committed_fixtures(fixture_index: dict, vad_model) -> None:
    for name, info in fixture_index.items():
        audio, rate = load_fixture(name)
        events = run(TurnDetector(TurnConfig(sample_rate=rate), vad_model), audio)
        ended = of(TurnEnded, events)
        assert 0 < ended[-1].at_ms - info["speech_ms"][-1][1] <= 400, name
        if info["pauses_ms"]:  # the inserted pauses are short: one turn
            assert len(ended) == 1


def test_bytes_frames_and_uneven_frames_give_the_same_turn(say, vad_model) -> None:
    audio, _ = compose(8000, 400, say("thank you so much"), 700)
    by_array = of(TurnEnded, run(TurnDetector(TurnConfig(), vad_model), audio))
    detector = TurnDetector(TurnConfig(), vad_model)
    by_bytes = []
    for i in range(0, len(audio), 159):  # odd-sized sample frames are fine
        by_bytes += of(TurnEnded, detector.push(audio[i : i + 159].astype("<i2").tobytes()))
    assert len(by_array) == len(by_bytes) == 1
    assert abs(by_array[0].at_ms - by_bytes[0].at_ms) <= 20


def test_bad_frames_are_refused_and_lose_nothing(say, vad_model) -> None:
    audio, [(_, stop)] = compose(8000, 400, say("thank you so much"), 700)
    frames = split_frames(audio, 8000)
    detector = TurnDetector(TurnConfig(), vad_model)
    events: list[TurnEvent] = []
    for i, frame in enumerate(frames):
        if i == 30:
            with pytest.raises(AudioFormatError, match="even number of bytes"):
                detector.push(frame.tobytes()[:-1])  # odd byte count
            with pytest.raises(AudioFormatError, match="NaN"):
                detector.push(np.full(160, np.nan, dtype=np.float32))
            with pytest.raises(AudioFormatError, match="mono"):
                detector.push(np.zeros((160, 2), dtype=np.int16))
            assert detector.push(np.zeros(0, dtype=np.int16)) == []
        events += detector.push(frame)
    [ended] = of(TurnEnded, events)
    assert detector.position_ms == len(frames) * 20  # refused frames were not counted
    assert 0 < ended.at_ms - stop // 8 <= 400


def test_reset_and_finish(say, vad_model) -> None:
    speech = say("I need to move my appointment")
    audio, _ = compose(8000, 300, speech, 0)
    detector = TurnDetector(TurnConfig(), vad_model)
    events = run(detector, audio)
    assert of(SpeechStarted, events) and not of(TurnEnded, events) and detector.in_speech
    [ended] = detector.finish()
    assert isinstance(ended, TurnEnded) and len(ended.audio) > len(speech) * 0.9
    assert detector.finish() == []
    run(detector, audio[: len(audio) // 2])
    detector.reset()
    assert detector.position_ms == 0 and not detector.in_speech and detector.finish() == []


def test_monologue_is_cut_at_max_turn(say, vad_model) -> None:
    speech = say("and then I also need to tell you about my other medication")
    audio, _ = compose(8000, 300, speech, 100, speech, 100, speech, 600)
    events = run(TurnDetector(TurnConfig(max_turn_ms=2000), vad_model), audio)
    ended = of(TurnEnded, events)
    assert len(ended) >= 3 and ended[0].forced and not ended[-1].forced
    assert all(e.end_ms - e.start_ms <= 2000 + 200 + 160 for e in ended), ended  # max turn, pre-roll, tail


def test_wideband_stream(say, vad_model) -> None:
    from speech.resample import resample

    audio, [(_, stop)] = compose(8000, 400, say("thank you so much"), 700)
    wide = resample(audio, 8000, 16000)
    [ended] = of(TurnEnded, run(TurnDetector(TurnConfig(sample_rate=16000), vad_model), wide))
    assert ended.sample_rate == 16000 and 0 < ended.at_ms - stop // 8 <= 400


def test_config_validation() -> None:
    with pytest.raises(ValidationError, match="pause_ms"):
        TurnConfig(pause_ms=400, end_silence_ms=300)
    with pytest.raises(ValidationError, match="neg_threshold"):
        TurnConfig(threshold=0.3, neg_threshold=0.5)
    with pytest.raises(ValidationError, match="sample rate"):
        TurnConfig(sample_rate=12)
    with pytest.raises(ValidationError):
        TurnConfig(end_silence_ms=0)
    with pytest.raises(ValidationError, match="complete_end_ms"):
        TurnConfig(complete_end_ms=400)  # longer than the fixed end
    with pytest.raises(ValidationError, match="complete_end_ms"):
        TurnConfig(incomplete_end_ms=300)  # shorter than the fixed end


def test_missing_or_wrong_vad_model_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(VadModelError, match="not found"):
        SileroVadModel(tmp_path / "silero.onnx")
    (tmp_path / "junk.onnx").write_bytes(b"junk")
    with pytest.raises(VadModelError, match="cannot load"):
        SileroVadModel(tmp_path / "junk.onnx")


def test_noisy_line(say, vad_model) -> None:
    """Hiss at about -47 dBFS (a poor mobile line): still one turn per sentence, ended in time."""
    for i, (first, second) in enumerate(PAIRS[:3]):
        clean, spans = compose(8000, 500, say(first), 250, say(second), 900, seed=i)
        noisy = np.clip(clean.astype(np.int32) + line_noise(len(clean), seed=i, level=150.0), -32768, 32767)
        events = run(TurnDetector(TurnConfig(), vad_model), phone_line(noisy.astype(np.int16)))
        [ended] = of(TurnEnded, events)
        assert 0 < ended.at_ms - spans[-1][1] // 8 <= 400
        [started] = of(SpeechStarted, events)
        assert 0 < started.at_ms - spans[0][0] // 8 <= 300


def test_reconfigure_for_digit_groups(say, vad_model) -> None:
    """Reading out a number, callers pause long between groups: a longer end silence keeps one turn."""
    audio, spans = compose(8000, 400, say("five five five"), 500, say("one two three"), 900)
    detector = TurnDetector(TurnConfig(), vad_model)
    assert len(of(TurnEnded, run(detector, audio))) == 2
    detector.reset()
    assert detector.reconfigure(end_silence_ms=700).end_silence_ms == 700
    [ended] = of(TurnEnded, run(detector, audio))
    assert 0 < ended.at_ms - spans[-1][1] // 8 <= 750
    with pytest.raises(ValidationError):
        detector.reconfigure(end_silence_ms=100)  # shorter than pause_ms
    with pytest.raises(ValueError, match="sample_rate"):
        detector.reconfigure(sample_rate=16000)
    assert detector.config.end_silence_ms == 700  # a refused change changes nothing


def test_clipped_speech_still_makes_one_turn(say, vad_model) -> None:
    speech = say("I would like to book an appointment")
    clipped = np.clip(speech.astype(np.int32) * 8, -32768, 32767).astype(np.int16)  # +18 dB, hard clipped
    audio, [(start, stop)] = compose(8000, 400, clipped, 800)
    events = run(TurnDetector(TurnConfig(), vad_model), audio)
    [ended] = of(TurnEnded, events)
    assert 0 < ended.at_ms - stop // 8 <= 400 and ended.start_ms <= start // 8


# -- end of turn from meaning ------------------------------------------------------------------


def run_judged(detector: TurnDetector, audio: np.ndarray, words: Callable[[int], str]) -> list[TurnEvent]:
    """Like `run`, and at the n-th pause the detector hears `words(n)` as the transcript so far
    (what the listener's speculative run gives it), before the next frame."""
    events: list[TurnEvent] = []
    pauses = 0
    for frame in split_frames(audio, detector.config.sample_rate):
        for event in detector.push(frame):
            events.append(event)
            if isinstance(event, PauseDetected):
                detector.heard(words(pauses), event.silence_since_ms)
                pauses += 1
    return events


def test_words_that_complete_the_answer_end_the_turn_sooner(say, vad_model) -> None:
    config = TurnConfig()
    for i, text in enumerate(["yes", "March fifth nineteen eighty", "the first one"]):
        audio, [(_start, stop)] = compose(8000, 500, say(text), 900, seed=i)
        [fixed] = of(TurnEnded, run(TurnDetector(config, vad_model), audio))
        judged = TurnDetector(config, vad_model, complete=lambda words: True)
        [sooner] = of(TurnEnded, run_judged(judged, audio, lambda n, said=text: said))
        assert fixed.complete is None and sooner.complete is True
        fixed_delay, sooner_delay = fixed.at_ms - stop // 8, sooner.at_ms - stop // 8
        assert config.complete_end_ms - 40 <= sooner_delay <= config.complete_end_ms + 60, (
            text,
            sooner_delay,
        )
        assert sooner_delay <= fixed_delay - 60, (text, sooner_delay, fixed_delay)
        # The same audio as the fixed end gives (the listener's speculative transcript is reused).
        assert (sooner.start_ms, sooner.end_ms) == (fixed.start_ms, fixed.end_ms)


def test_unfinished_words_wait_longer_so_the_caller_is_not_cut_off(say, vad_model) -> None:
    """ "my date of birth is ... March fifth": the fixed silence ends the turn in the pause; the
    words say the answer is not there yet, so the detector waits and hears it whole."""
    first, rest = say("my date of birth is"), say("March fifth nineteen eighty")
    audio, _spans = compose(8000, 500, first, 550, rest, 1200)

    def complete(words: str) -> bool | None:
        return not words.rstrip(".").lower().endswith(" is")

    fixed = of(TurnEnded, run(TurnDetector(TurnConfig(), vad_model), audio))
    assert len(fixed) == 2  # cut off after "is"
    judged = TurnDetector(TurnConfig(), vad_model, complete=complete)
    heard = ["My date of birth is", "My date of birth is March 5th, 1980."]
    [whole] = of(TurnEnded, run_judged(judged, audio, lambda n: heard[min(n, 1)]))
    assert whole.complete is True  # the second pause's words completed it: ended sooner too
    assert whole.end_ms - whole.start_ms > (len(first) + len(rest)) // 8


def test_a_verdict_counts_only_for_the_silence_it_was_made_in(say, vad_model) -> None:
    config = TurnConfig()
    audio, [(_start, stop)] = compose(8000, 500, say("yes"), 900)
    detector = TurnDetector(config, vad_model, complete=lambda words: True)
    events: list[TurnEvent] = []
    verdicts = []
    for frame in split_frames(audio, 8000):
        for event in detector.push(frame):
            events.append(event)
            if isinstance(event, PauseDetected):  # a transcript of older audio than the pause's
                verdicts.append(detector.heard("Yes.", event.silence_since_ms - 100))
    [ended] = of(TurnEnded, events)
    assert verdicts == [None] and ended.complete is None
    assert ended.at_ms - stop // 8 >= config.end_silence_ms - 40
    assert TurnDetector(config, vad_model).heard("Yes.", 0) is None  # no test given: no verdict


def test_the_end_is_held_for_a_transcript_on_its_way(say, vad_model) -> None:
    """A slow transcript: the fixed silence has passed when its verdict comes. The end waits for
    it (the reply would wait for that transcript anyway), so "my date of birth is" is not cut off."""
    first, rest = say("my date of birth is"), say("March fifth nineteen eighty")
    audio, _spans = compose(8000, 500, first, 550, rest, 1200)
    detector = TurnDetector(TurnConfig(), vad_model, complete=lambda words: not words.endswith(" is"))
    events: list[TurnEvent] = []
    due: tuple[str, int] | None = None  # (words, voice end) of the transcript on its way
    held = 0
    for frame in split_frames(audio, 8000):
        for event in detector.push(frame):
            events.append(event)
            if isinstance(event, PauseDetected):
                detector.judging(event.silence_since_ms)
                words = (
                    "My date of birth is" if due is None and not of(TurnEnded, events) else "March 5th, 1980."
                )
                due = (words, event.silence_since_ms)
        if detector.awaiting_words:
            held += 1
            if held == 5 and due is not None:  # the transcript arrives 100 ms after the end was due
                detector.heard(*due)
    assert held >= 5  # the end was held
    [whole] = of(TurnEnded, events)
    assert whole.end_ms - whole.start_ms > (len(first) + len(rest)) // 8


def test_a_transcript_that_never_comes_holds_the_end_only_so_long(say, vad_model) -> None:
    config = TurnConfig()
    audio, [(_start, stop)] = compose(8000, 500, say("yes"), 1500)
    detector = TurnDetector(config, vad_model, complete=lambda words: True)
    events: list[TurnEvent] = []
    for frame in split_frames(audio, 8000):
        for event in detector.push(frame):
            events.append(event)
            if isinstance(event, PauseDetected):
                detector.judging(event.silence_since_ms)
    [ended] = of(TurnEnded, events)
    delay = ended.at_ms - stop // 8
    limit = config.end_silence_ms + config.verdict_wait_ms
    assert limit - 40 <= delay <= limit + 40 and ended.complete is None, delay
