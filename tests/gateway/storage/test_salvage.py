"""A gateway process killed mid-call leaves a recording without a row (and, if the kill fell
between a write and the header's update, a header short of the data); the restarted gateway ends
the call as interrupted and recovers the recording: header made to cover the whole frames on disk,
listed with the call, on its audit chain."""

from __future__ import annotations

import subprocess
import sys
import wave
from pathlib import Path

from sqlalchemy import select

from gateway.chat.service import ChatService
from gateway.cluster.replicas import INTERRUPTED
from gateway.services import Services
from gateway.storage.recordings import recording_key
from gateway.storage.salvage import repair_wav
from gateway.store.models import ConversationRow, RecordingRow
from tests.conftest import make_settings, prepare_database

# A child process records 3.1 s of a call (1 kHz caller tone, bot silent) and is killed with SIGKILL
# before the call ends, as a gateway process dies: no close, no header patch, no row.
_RECORD_AND_DIE = """
import os, signal, sys
import numpy as np
from pathlib import Path
from gateway.twilio.recorder import CallRecorder
recorder = CallRecorder(Path(sys.argv[1]))
tone = (np.sin(np.arange(160) * 2 * np.pi * 1000 / 8000) * 8000).astype(np.int16)
for _ in range(155):  # 3.1 s in frames of 20 ms: the last 0.1 s never leaves memory
    recorder.add_caller(tone)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _record_and_die(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([sys.executable, "-c", _RECORD_AND_DIE, str(path)], capture_output=True, timeout=60)
    assert proc.returncode == -9, proc.stderr.decode()


def test_repair_covers_the_whole_frames_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "call.wav"
    _record_and_die(path)
    seconds = repair_wav(path)
    with wave.open(str(path)) as fixed:
        assert fixed.getnchannels() == 2 and fixed.getframerate() == 8000
        assert fixed.getnframes() == round(seconds * 8000)
        # Everything flushed before the kill is there: at most the last second is lost.
        assert 2.0 <= seconds <= 3.0
        assert max(abs(int(x)) for x in memoryview(fixed.readframes(800)).cast("h")) > 1000


async def test_restarted_gateway_recovers_the_killed_calls_recording(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, replica_id="killed-process")
    await prepare_database(settings)
    first = await Services.start(settings)  # the process that will die: opens the call
    call = await first.conversations.open("voice", caller_phone="+15035550199")
    await first.conversations.hold(call.id)
    await first.audit.flush()
    await first.stop()  # its connections; the call stays open on the books, as after a kill
    _record_and_die(first.recordings.recording_path(recording_key(call.id)))

    restarted = settings.model_copy(update={"replica_id": "restarted-process"})
    gateway = await Services.start(restarted, edges=(ChatService.start,))
    try:
        async with gateway.db.session() as s:
            status = await s.scalar(select(ConversationRow.status).where(ConversationRow.id == call.id))
            row = await s.scalar(select(RecordingRow).where(RecordingRow.conversation_id == call.id))
        assert status == "closed"
        assert row is not None and row.path == recording_key(call.id) and 2.0 <= row.duration_s <= 3.0
        kinds = [(e.kind, e.payload.get("reason")) for e in await gateway.audit.events(call.id)]
        assert ("conversation.ended", INTERRUPTED) in kinds
        assert ("call.recording_recovered", "the call's process stopped") in kinds
        assert (await gateway.audit.verify()).ok
        found = await gateway.recordings.find(row.path)
        assert found.size > 8000 * 4 * 2  # more than two seconds of stereo audio
    finally:
        await gateway.stop()
    # A second start finds nothing more to do.
    again = await Services.start(restarted, edges=(ChatService.start,))
    try:
        events = [e.kind for e in await again.audit.events(call.id)]
        assert events.count("call.recording_recovered") == 1
    finally:
        await again.stop()
