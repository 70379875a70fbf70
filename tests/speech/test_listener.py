"""The listener with the real turn detector, Silero and Whisper: what the agent expects next
(made into hints by the gateway, `gateway.expecting`) prompts Whisper and times the end of the
caller's turn."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from agents.expectation import Expectation, Expecting
from gateway.expecting import listening_for
from speech.listener import Heard, Listener
from speech.stt import SpeechToText
from speech.tts import TextToSpeech
from speech.turn import PauseDetected, TurnConfig, TurnDetector, TurnEnded
from speech.vad import SileroVadModel
from tests.speech.audio_helpers import compose, trim

pytestmark = pytest.mark.slow

DOB = Expectation(Expecting.DATE_OF_BIRTH, ("January", "March"), keypad_digits=8)
YES_NO = Expectation(Expecting.YES_NO, ("yes", "no"))


@pytest.fixture(scope="module")
def models() -> Iterator[tuple[SpeechToText, TextToSpeech, SileroVadModel]]:
    stt = SpeechToText.load(workers=1)
    tts = TextToSpeech.load(workers=1, varied=False)
    yield stt, tts, SileroVadModel.load()
    stt.close()
    tts.close()


def _say(tts: TextToSpeech, text: str) -> np.ndarray:
    return trim(tts.synthesize_blocking(text, 8000).pcm, 8000)


async def _listen(listener: Listener, audio: np.ndarray) -> list[tuple[TurnEnded, Heard]]:
    """Frames in stream order; at each pause the speculative transcript is awaited before the next
    frame (a transcript that comes while the caller is still silent, as on an idle machine)."""
    turns = []
    for i in range(0, len(audio) - 159, 160):
        for event in listener.push(audio[i : i + 160]):
            if isinstance(event, PauseDetected) and listener.speculative is not None:
                await listener.speculative  # its verdict reaches the detector before this returns
            if isinstance(event, TurnEnded):
                turns.append((event, await listener.transcribe(event)))
    return turns


async def test_a_complete_answer_ends_the_turn_sooner(models) -> None:
    stt, tts, vad = models
    audio, [(_start, stop)] = compose(8000, 500, _say(tts, "Yes."), 1000)
    fixed = Listener(TurnDetector(TurnConfig(), model=vad), stt)
    [(fixed_end, fixed_heard)] = await _listen(fixed, audio)
    judged = Listener(TurnDetector(TurnConfig(), model=vad), stt)
    judged.expect(listening_for(YES_NO).hints)
    [(end, heard)] = await _listen(judged, audio)
    assert fixed_end.complete is None and end.complete is True and heard.complete is True
    assert end.at_ms - stop // 8 <= fixed_end.at_ms - stop // 8 - 60, (end.at_ms, fixed_end.at_ms)
    assert heard.speculative_hit and heard.expecting == "yes_no" and heard.text == fixed_heard.text
    assert judged.counts["ended_complete"] == 1


async def test_an_unfinished_date_of_birth_is_waited_for(models) -> None:
    """ "My date of birth is ... March 14th, 1985": the fixed silence cuts the caller off in the
    pause; with the expectation the turn waits and is heard whole, transcribed with the prompt."""
    stt, tts, vad = models
    audio, _spans = compose(
        8000,
        500,
        _say(tts, "My date of birth is"),
        550,
        _say(tts, "March fourteenth, nineteen eighty five."),
        1200,
    )
    fixed = Listener(TurnDetector(TurnConfig(), model=vad), stt)
    assert len(await _listen(fixed, audio)) == 2  # cut off
    judged = Listener(TurnDetector(TurnConfig(), model=vad), stt)
    listening = listening_for(DOB)
    judged.expect(listening.hints)
    assert listening.keypad_digits == 8 and listening.prompt is not None
    [(_end, heard)] = await _listen(judged, audio)
    text = heard.text.lower()
    assert "birth" in text and "march" in text and "1985" in text, heard.text
    assert judged.counts["prompted_runs"] >= 1 and fixed.counts["prompted_runs"] == 0


async def test_context_off_gives_no_prompt_but_keeps_the_timing(models) -> None:
    stt, tts, vad = models
    audio, _spans = compose(8000, 500, _say(tts, "March fourteenth, nineteen eighty five."), 1000)
    listener = Listener(TurnDetector(TurnConfig(), model=vad), stt)
    hints = listening_for(DOB, context=False).hints
    assert hints.prompt is None
    listener.expect(hints)
    [(end, heard)] = await _listen(listener, audio)
    assert end.complete is True and "1985" in heard.text
    assert listener.counts["prompted_runs"] == 0
