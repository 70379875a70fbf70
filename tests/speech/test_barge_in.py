"""When caller speech over the bot counts as barge-in (`speech.barge_in`)."""

from __future__ import annotations

from speech.barge_in import BargeInGate


def test_barge_in_needs_sustained_speech_while_the_bot_talks():
    gate = BargeInGate(min_speech_ms=100)  # 5 frames
    gate.speech_started()
    assert not any(gate.frame(bot_speaking=True) for _ in range(3))
    gate.speech_stopped()  # a short blip (echo, cough): no barge-in
    assert not any(gate.frame(bot_speaking=True) for _ in range(10))
    gate.speech_started()
    fired = [gate.frame(bot_speaking=True) for _ in range(10)]
    assert fired.index(True) == 4 and fired.count(True) == 1
    gate.speech_started()
    assert not any(gate.frame(bot_speaking=False) for _ in range(10))  # bot silent: just a turn
