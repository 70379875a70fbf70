"""Recordings of calls whose gateway process died: repaired, kept and listed with their call.

A recording is written to local disk as the call goes; its WAV header gets its sizes and the call
its `recordings` row only when the call ends. A process killed mid-call (SIGKILL, a lost
machine) leaves a file with a header that claims no audio and no row, so the console would not
show it. When that process's calls have been ended as interrupted (`gateway.cluster.replicas`),
the replica that has the file on its disk (the restarted process, with the same data directory)
fixes the header to cover what reached the disk, lists it with the call and keeps it in the
configured store, with an audit event saying what was recovered.
"""

from __future__ import annotations

import asyncio
import struct
from pathlib import Path

from sqlalchemy import select

from gateway.logging import get_logger
from gateway.statuses import ConversationStatus
from gateway.storage.recordings import RECORDINGS, Recordings, recording_key
from gateway.store.audit import AuditLog
from gateway.store.db import Database
from gateway.store.models import ConversationRow, RecordingRow
from speech.pcm import PHONE_RATE

log = get_logger(__name__)

_BYTES_PER_FRAME = 4  # stereo, 16-bit (gateway/twilio/recorder.py)
_HEADER_SEARCH = 256


def repair_wav(path: Path) -> float:
    """Make the RIFF and data chunk sizes match what is in the file (whole frames only);
    returns the duration in seconds. `ValueError` for a file that is not such a WAV."""
    with path.open("r+b") as f:
        head = f.read(_HEADER_SEARCH)
        if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            raise ValueError(f"{path.name}: not a WAV file")
        at = head.find(b"data", 12)
        if at < 0:
            raise ValueError(f"{path.name}: no data chunk")
        size = f.seek(0, 2)
        start = at + 8
        frames = max(0, size - start) // _BYTES_PER_FRAME
        data_bytes = frames * _BYTES_PER_FRAME
        f.truncate(start + data_bytes)  # a frame cut in half by the kill is dropped
        f.seek(4)
        f.write(struct.pack("<I", start + data_bytes - 8))
        f.seek(at + 4)
        f.write(struct.pack("<I", data_bytes))
    return frames / PHONE_RATE


async def salvage_recordings(db: Database, audit: AuditLog, recordings: Recordings) -> list[str]:
    """List and keep the recordings on this machine's disk whose call has ended without them (its
    process died). Returns the conversation ids whose recording was recovered."""
    folder = recordings.disk.root / RECORDINGS
    names = await asyncio.to_thread(lambda: sorted(p.stem for p in folder.glob("*.wav") if p.is_file()))
    if not names:
        return []
    async with db.session() as s:
        listed = set(
            await s.scalars(
                select(RecordingRow.conversation_id).where(RecordingRow.conversation_id.in_(names))
            )
        )
        ended = set(
            await s.scalars(
                select(ConversationRow.id).where(
                    ConversationRow.id.in_(names), ConversationRow.status == ConversationStatus.CLOSED
                )
            )
        )
    recovered: list[str] = []
    for conversation_id in names:
        if conversation_id in listed or conversation_id not in ended:
            continue  # listed already, or a call still being recorded here or elsewhere
        key = recording_key(conversation_id)
        path = recordings.recording_path(key)
        try:
            duration = await asyncio.to_thread(repair_wav, path)
        except (OSError, ValueError) as exc:
            log.warning("recording of an interrupted call could not be repaired", error=str(exc))
            continue
        async with db.session() as s, s.begin():
            s.add(RecordingRow(conversation_id=conversation_id, path=key, duration_s=duration, channels=2))
        await audit.append(
            conversation_id,
            "call.recording_recovered",
            "system",
            {"key": key, "duration_s": round(duration, 2), "reason": "the call's process stopped"},
        )
        await recordings.upload(key)
        recovered.append(conversation_id)
    if recovered:
        log.warning("recordings of interrupted calls recovered", count=len(recovered))
    return recovered
