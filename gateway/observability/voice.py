"""A phone turn's trace and stage timings, from what the voice edge measured: the caller's audio
and its end-of-turn wait (listening), the transcription (STT), then after planning the reply's
synthesis; and the `turn_timing` figures it audits, as latency histograms."""

from __future__ import annotations

import time
from typing import Any

from gateway.observability.metrics import Metrics
from gateway.observability.telemetry import Telemetry
from gateway.observability.tracing import TurnTrace
from speech.listening import Heard

# turn_timing's fields (milliseconds) -> the stage they time
_STAGES = {
    "eot_wait_ms": "end_of_turn",
    "stt_queued_ms": "stt_queue",
    "stt_processing_ms": "stt_run",
    "tts_first_ms": "tts_first_chunk",
    "reply_ms": "reply",
}


def open_voice_turn(telemetry: Telemetry, conversation_id: str, heard: Heard | None) -> TurnTrace:
    """The turn's trace, from the start of the caller's audio (`heard`; None: a greeting or keyed
    entry, from now), with its listening and STT spans."""
    if heard is None:
        return telemetry.open_turn(conversation_id, "voice")
    began = heard.ended_at - max(0, heard.end_ms - heard.start_ms) / 1000
    trace = telemetry.open_turn(conversation_id, "voice", began)
    trace.span(
        "listening",
        began,
        heard.ended_at,
        {
            "frontdesk.audio_ms": heard.end_ms - heard.start_ms,
            "frontdesk.eot_wait_ms": heard.eot_wait_ms,
            "frontdesk.expecting": heard.expecting or "",  # the kind of answer, never its words
        },
    )
    transcript = heard.transcript
    trace.span(
        "stt",
        heard.ended_at,
        heard.ended_at + heard.stt_ms / 1000,
        {
            "frontdesk.speculative": heard.speculative_hit,
            "frontdesk.stt_queued_ms": round(transcript.queued_ms),
            "frontdesk.stt_processing_ms": round(transcript.processing_ms),
        },
    )
    return trace


def close_voice_turn(
    telemetry: Telemetry, trace: TurnTrace, first_text_at: float | None, first_audio_at: float | None
) -> None:
    """The reply has been spoken (or cut short): its synthesis span, then the end of the turn."""
    if first_text_at is not None:
        attributes: dict[str, int] = {}
        if first_audio_at is not None and first_audio_at >= first_text_at:
            attributes["frontdesk.tts_first_ms"] = int((first_audio_at - first_text_at) * 1000)
        trace.span("synthesis", first_text_at, time.monotonic(), attributes)
    telemetry.close_turn(trace)


def record_voice_timing(metrics: Metrics, timing: dict[str, Any]) -> None:
    """A `turn_timing` payload (gateway/twilio/session.py) into the stage histograms."""
    for field, stage in _STAGES.items():
        value = timing.get(field)
        if isinstance(value, int | float) and not isinstance(value, bool):
            metrics.stage("voice", stage, value / 1000)
