"""What a simulated call reports: per caller turn, the latency the caller measured and what the
gateway heard and said (read from `GET /twilio/calls/{CallSid}/turns` after the call)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class TurnResult:
    turn: int
    caller: str
    latency_ms: float | None  # caller's end of speech to the first bot audio
    cut_off: bool  # the bot started before the caller had finished
    kind: str = "speech"  # or "dtmf"
    transcribed: str | None = None
    bot: str | None = None
    gateway_timing: dict[str, Any] | None = None
    played: bool = True  # False: the gateway had ended the call before this turn's turn came
    gap_ms: float | None = None  # realtime: longest the speaker ran dry inside the bot's reply
    answered_at: float | None = None  # time.monotonic() of the reply's first audio (soak: per minute)

    def as_json(self) -> dict[str, Any]:
        return {
            "turn": self.turn,
            "caller": self.caller,
            "transcribed": self.transcribed,
            "bot": self.bot,
            "latency_ms": None if self.latency_ms is None else round(self.latency_ms),
            "cut_off": self.cut_off,
            **({"gateway": self.gateway_timing} if self.gateway_timing else {}),
            **({} if self.played else {"played": False}),
            **({} if self.gap_ms is None else {"gap_ms": round(self.gap_ms)}),
        }


@dataclass
class CallReport:
    call_sid: str
    greeting: str | None
    turns: list[TurnResult]
    clears: int
    transcript: dict[str, Any] = field(default_factory=dict)
    close_code: int | None = None


def call_report(
    call_sid: str,
    results: list[TurnResult],
    clears: int,
    transcript: dict[str, Any],
    close_code: int | None,
) -> CallReport:
    """The caller's turn results completed from the gateway's record of the call (`transcript`):
    what it transcribed and answered per turn, its greeting, its timing of each spoken turn."""
    turns = transcript.get("turns", [])
    timings = transcript.get("timings", [])
    greeting = None
    callers: list[dict[str, Any]] = []
    for row in turns:
        if row["speaker"] == "caller":
            callers.append({"text": row["text"], "bot": []})
        elif row["speaker"] == "bot":
            if callers:
                callers[-1]["bot"].append(row["text"])
            else:
                greeting = row["text"] if greeting is None else f"{greeting} {row['text']}"
    for result, caller in zip(results, callers, strict=False):
        result.transcribed = caller["text"]
        result.bot = " ".join(caller["bot"]) or None
    spoken = [r for r in results if r.kind == "speech"]
    for result, timing in zip(spoken, timings, strict=False):
        result.gateway_timing = {k: v for k, v in timing.items() if k != "event"}
    return CallReport(call_sid, greeting, results, clears, transcript, close_code)
