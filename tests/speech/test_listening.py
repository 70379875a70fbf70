"""Listening with the real turn detector, Silero and Whisper: caller turns in order, a turn the
caller went on with held and joined to the rest (or put before a keypad entry), barge-in only
while the bot can be heard, and no turns once listening has stopped (a handover, the end)."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from speech.listener import Heard
from speech.listening import BargeIn, Keyed, Listening
from speech.stt import SpeechToText
from speech.tts import TextToSpeech
from speech.turn import SpeechStarted
from speech.vad import SileroVadModel
from tests.speech.audio_helpers import compose, trim

pytestmark = pytest.mark.slow


def _say(tts: TextToSpeech, text: str) -> np.ndarray:
    return trim(tts.synthesize_blocking(text, 8000).pcm, 8000)


def _push(listening: Listening, audio: np.ndarray, *, bot_speaking: bool = False) -> list[object]:
    events: list[object] = []
    for i in range(0, len(audio) - 159, 160):
        events += listening.push(audio[i : i + 160], bot_speaking=bot_speaking)
    return events


def _listening(stt: SpeechToText, vad_model: SileroVadModel) -> Listening:
    return Listening.for_phone(stt, vad_model, barge_in_min_ms=240)


async def test_a_turn_the_caller_went_on_with_is_joined_to_the_rest(
    stt: SpeechToText, tts: TextToSpeech, vad_model: SileroVadModel
) -> None:
    audio, [(first_start, _), _] = compose(
        8000,
        500,
        _say(tts, "My date of birth is"),
        700,
        _say(tts, "March fourteenth, nineteen eighty five."),
        1200,
    )
    listening = _listening(stt, vad_model)
    events = _push(listening, audio)
    assert sum(isinstance(e, SpeechStarted) for e in events) == 2  # two turns by the silence alone
    turn = await listening.next_turn()
    assert isinstance(turn, Heard)
    text = turn.text.lower()
    assert "birth" in text and "march" in text and text.index("birth") < text.index("march"), turn.text
    assert abs(turn.start_ms - first_start // 8) < 400  # the joined turn starts with its first part
    assert listening.counts["joined_turns"] == 1
    assert listening.stop() == []  # nothing else was waiting


async def test_a_keypad_entry_completes_the_held_turn(
    stt: SpeechToText, tts: TextToSpeech, vad_model: SileroVadModel
) -> None:
    """ "My date of birth is" ... (the caller starts again, then types it instead)."""
    audio, _spans = compose(8000, 500, _say(tts, "My date of birth is"), 700, _say(tts, "it is"))
    listening = _listening(stt, vad_model)
    _push(listening, audio)  # the second part has not ended: only the first turn is queued
    listening.keyed("03141985")
    turn = await listening.next_turn()
    assert isinstance(turn, Keyed) and turn.entry == "03141985"
    assert turn.after is not None and "birth" in turn.after.text.lower()


async def test_barge_in_only_while_the_bot_can_be_heard(
    stt: SpeechToText, tts: TextToSpeech, vad_model: SileroVadModel
) -> None:
    audio, _spans = compose(8000, 300, _say(tts, "Sorry, I need to change that."), 600)
    over_the_bot = [
        e for e in _push(_listening(stt, vad_model), audio, bot_speaking=True) if isinstance(e, BargeIn)
    ]
    to_silence = [e for e in _push(_listening(stt, vad_model), audio) if isinstance(e, BargeIn)]
    assert over_the_bot and to_silence == []  # (again after a pause inside the sentence)


async def test_no_turns_once_stopped(stt: SpeechToText, tts: TextToSpeech, vad_model: SileroVadModel) -> None:
    """The call is being handed over (or has ended): the transcript still waiting is cancelled and
    nothing the caller says or types after that is queued."""
    audio, [_first, (second_start, _)] = compose(
        8000, 500, _say(tts, "Yes please."), 800, _say(tts, "Thank you."), 800
    )
    listening = _listening(stt, vad_model)
    _push(listening, audio[:second_start])  # the first turn has ended: its transcript is waiting
    cancelled = listening.stop()
    assert len(cancelled) == 1
    await asyncio.wait(cancelled)
    assert cancelled[0].cancelled()
    _push(listening, audio[second_start:])
    listening.keyed("1")
    assert listening.stop() == []  # the second turn and the key were never queued


async def test_a_turn_is_unanswered_from_its_end_until_it_is_taken(
    stt: SpeechToText, tts: TextToSpeech, vad_model: SileroVadModel
) -> None:
    """The caller waits for the bot from here (the voice edge then holds chat turns back)."""
    audio, _spans = compose(8000, 300, _say(tts, "Hello, I need an appointment."), 1200)
    listening = _listening(stt, vad_model)
    assert listening.unanswered == 0
    _push(listening, audio)
    assert listening.unanswered == 1
    turn = await listening.next_turn()
    assert isinstance(turn, Heard) and listening.unanswered == 0
