"""The speech models of one process: one Whisper and one Piper, loaded together and shared."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from speech.cpu_gate import CpuGate
from speech.stt import SpeechToText
from speech.tts import TextToSpeech
from speech.vad import SileroVadModel


@dataclass
class SpeechModels:
    stt: SpeechToText
    tts: TextToSpeech
    vad: SileroVadModel

    @classmethod
    def load(
        cls,
        stt_model: str | Path | None = None,
        stt_workers: int = 1,
        tts_voice: Path | str | None = None,
        tts_workers: int = 2,
        *,
        stt_threads: int | None = None,
        tts_threads: int | None = None,
        tts_phrase_cache_bytes: int = 0,
        cpu_slots: int | None = None,
    ) -> SpeechModels:
        """Blocking (about a second): call it from a thread or before serving. Threads are per
        worker; None shares the cores between the workers. Whisper runs and first sentences share
        one `CpuGate` of `cpu_slots` (None: one per core; 0: no gate)."""
        gate = None if cpu_slots == 0 else CpuGate(cpu_slots)
        stt = SpeechToText.load(stt_model, stt_workers, cpu_threads=stt_threads, gate=gate)
        try:
            tts = TextToSpeech.load(
                tts_voice,
                tts_workers,
                threads=tts_threads,
                phrase_cache_bytes=tts_phrase_cache_bytes,
                gate=gate,
            )
        except Exception:
            stt.close()
            raise
        return cls(stt=stt, tts=tts, vad=SileroVadModel.load())

    def close(self) -> None:
        self.stt.close()
        self.tts.close()
