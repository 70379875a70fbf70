"""Whether and when a call is recorded, and the notice that says so.

The recording notice is said first, in the greeting's bot turn. With record-after-consent (for
all-party-consent states) recording starts only when the caller, having heard every word of the
notice (Twilio echoed its marks), speaks: goes on with the call. Whether the notice was heard goes
on the audit chain once the greeting is over (also when the caller talked over it).
"""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt

from gateway.settings import Settings
from gateway.storage.recordings import Recordings, recording_key
from gateway.store.audit import AuditLog
from gateway.store.call_writes import recording_write
from gateway.store.group_commit import GroupCommitter
from gateway.twilio.playback import Utterance
from gateway.twilio.recorder import CallRecorder
from speech.codec import ulaw_decode


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


class CallRecording:
    def __init__(
        self, settings: Settings, audit: AuditLog, conversation_id: str, recordings: Recordings
    ) -> None:
        self._settings = settings
        self._recordings = recordings
        self.key = recording_key(conversation_id)  # what the row holds, in every store
        self._audit = audit
        self._conversation_id = conversation_id
        self.recorder: CallRecorder | None = None
        self.notice = settings.twilio_recording_notice.strip() if settings.twilio_record_calls else ""
        self._awaiting_consent = settings.twilio_record_calls and settings.twilio_record_after_consent
        self._greeting: Utterance | None = None  # the utterance that carries the notice
        self._notice_logged = False
        if settings.twilio_record_calls and not self._awaiting_consent:
            self._start()

    def caller(self, pcm: npt.NDArray[np.int16]) -> None:
        if self.recorder is not None:
            self.recorder.add_caller(pcm)

    def bot(self, ulaw: bytes) -> None:
        if self.recorder is not None:
            self.recorder.add_bot(ulaw_decode(ulaw))

    def cut_bot(self) -> None:
        """Barge-in: Twilio dropped the bot audio still queued; the file drops it too."""
        if self.recorder is not None:
            self.recorder.cut_bot()

    def speech_started(self, pcm: npt.NDArray[np.int16]) -> None:
        """The caller began to speak (`pcm`: the frame that showed it, already past `caller`)."""
        if self._awaiting_consent and self.notice_heard():
            self._start(consent="the caller went on after hearing the recording notice")
            self.caller(pcm)

    def greeting_began(self, utterance: Utterance) -> None:
        self._greeting = utterance

    def greeting_over(self) -> None:
        self._log_notice()

    def _log_notice(self) -> None:
        """The notice's event, once: at the end of the greeting, or earlier when the caller goes on
        after hearing it while the greeting still plays (the chain shows the notice first)."""
        if self.notice and not self._notice_logged:
            self._notice_logged = True
            self._audit.record(
                self._conversation_id,
                "call.recording_notice",
                "system",
                {"notice": self.notice, "heard": self.notice_heard(), "recording": self.recorder is not None},
            )

    def notice_heard(self) -> bool:
        """Twilio has played every word of the recording notice (its marks came back)."""
        if self._greeting is None or not self.notice:
            return False
        notice = _words(self.notice)
        return _words(self._greeting.heard_text)[: len(notice)] == notice

    async def save(self, writes: GroupCommitter) -> None:
        """Close the file and list it with the conversation under its storage key (the console
        plays it from there). Through the turn writer: while the database is away the row waits
        in the turn spool and is stored once it is back (added once, also by a second replay)."""
        if self.recorder is None:
            return
        duration = self.recorder.close()
        await writes.write(recording_write(self._conversation_id, self.key, duration))

    async def upload(self) -> None:
        """Into the configured store (S3: uploaded, then removed from local disk; if that fails
        it stays on disk for the retry). After `save`: the row is there for the retry to find (or in the
        turn spool while the database is away: the retry finds it once it is stored)."""
        if self.recorder is not None and self.recorder.closed:
            await self._recordings.upload(self.key)

    def _start(self, consent: str | None = None) -> None:
        self.recorder = CallRecorder(self._recordings.recording_path(self.key))
        if consent is not None:
            self._awaiting_consent = False
            self._log_notice()
            self._audit.record(
                self._conversation_id, "call.recording_started", "system", {"consent": consent}
            )
