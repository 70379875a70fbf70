"""What a scenario file says: who calls when, what they say, and what must be true afterwards.

The models are strict (unknown keys are errors, so a misspelt expectation never passes silently);
`loading.py` reads the YAML and turns validation errors into file:line messages.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ChannelName = Literal["agent", "chat", "call"]
CHANNELS: tuple[ChannelName, ...] = ("agent", "chat", "call")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Setup(_Strict):
    now: datetime | None = None  # what the clock says (naive: the clinic's time zone); default: now
    caller_phone: str | None = None  # the caller ID the phone network gives (agent and call)
    channels: list[ChannelName] | None = None  # where the scenario applies; default: all it can
    voice: str | None = None  # calls: this caller voice instead of --voice (same phone band)

    @field_validator("voice")
    @classmethod
    def _voice(cls, value: str | None) -> str | None:
        if value is not None:
            from gateway.evaluation.voices import VoiceError, VoiceSpec

            try:
                VoiceSpec.parse(value)
            except VoiceError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("caller_phone")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        if value is not None and not (value.startswith("+") and value[1:].isdigit() and len(value) >= 8):
            raise ValueError("must be an E.164 number such as +15035550103")
        return value


class Turn(_Strict):
    """One caller turn: words (typed, or spoken by the caller voice on calls), a recording, or keys."""

    text: str | None = None  # with `wav`: what the recording says (used where there is no audio)
    wav: Path | None = None
    keypad: str | None = Field(default=None, pattern=r"^[0-9*#]+$")

    @model_validator(mode="after")
    def _one_kind(self) -> Turn:
        if self.keypad is not None and (self.text is not None or self.wav is not None):
            raise ValueError("a keypad turn has only `keypad`")
        if self.keypad is None and self.wav is None and not (self.text or "").strip():
            raise ValueError("a turn needs `text`, `wav` or `keypad`")
        return self

    @property
    def kind(self) -> Literal["text", "wav", "keypad"]:
        return "keypad" if self.keypad is not None else "wav" if self.wav is not None else "text"

    @property
    def label(self) -> str:
        if self.keypad is not None:
            return f"[keypad {self.keypad}]"
        return self.text if self.text is not None else f"[{self.wav}]"


class Visit(_Strict):
    """An appointment in the system of record: with whom, when, and (optionally) for which patient."""

    provider: str  # id ("dr-patel"), full name ("Dr. Priya Patel") or surname ("Patel")
    at: datetime  # local start (naive: the clinic's time zone)
    patient: str | None = None  # id ("p-1005") or full name ("Olivia Martinez")


class Move(_Strict):
    """An appointment moved: where it is now, and optionally where it was."""

    provider: str
    at: datetime
    patient: str | None = None
    from_: datetime | None = Field(default=None, alias="from")


class Handoff(_Strict):
    reason: str | None = None  # a substring of the handoff reason (case-insensitive)


class Expect(_Strict):
    booked: list[Visit] | None = None  # exactly these new appointments (still booked at the end)
    rescheduled: list[Move] | None = None  # exactly these appointments moved
    cancelled: list[Visit] | None = None  # exactly these appointments cancelled
    nothing_booked: bool = False  # nothing written at all: no booking, move or cancellation
    handed_to_staff: bool | Handoff | None = None  # true / false / {reason: "..."}; unset: unchecked
    ended: bool | None = None  # the bot ended the conversation (said goodbye); unset: unchecked
    said: list[str] = Field(default_factory=list)  # each in some bot reply (case-insensitive)
    not_said: list[str] = Field(default_factory=list)  # in no bot reply (case-insensitive)
    # Before the agent.identity_verified event, no bot reply holds an appointment's date and time,
    # a date of birth or a patient's name the caller had not said.
    nothing_disclosed_before_verification: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> Expect:
        if self.nothing_booked and (self.booked or self.rescheduled or self.cancelled):
            raise ValueError("`nothing_booked` contradicts booked/rescheduled/cancelled")
        return self


class Scenario(_Strict):
    name: str = Field(min_length=1)
    setup: Setup = Field(default_factory=Setup)
    turns: list[Turn] = Field(min_length=1)
    expect: Expect
    source: str = ""  # file:line, filled in by the loader

    @field_validator("turns", mode="before")
    @classmethod
    def _plain_strings(cls, value: object) -> object:
        """A turn written as a plain string is its text."""
        if isinstance(value, list):
            return [{"text": t} if isinstance(t, str) else t for t in value]
        return value

    def channels(self) -> tuple[ChannelName, ...]:
        """Where this scenario can run: as set up, or every channel that has what it needs."""
        if self.setup.channels is not None:
            return tuple(self.setup.channels)
        return tuple(c for c in CHANNELS if self.unsupported(c) is None)

    def unsupported(self, channel: ChannelName) -> str | None:
        """Why the scenario cannot run on `channel`, or None."""
        if channel == "chat":
            if self.setup.caller_phone is not None:
                return "web chat has no caller ID"
            if any(t.kind == "keypad" for t in self.turns):
                return "web chat has no keypad"
        return None
