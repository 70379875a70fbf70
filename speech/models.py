"""The speech models of one process: one Whisper and one Piper, loaded together and shared."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
    ) -> SpeechModels:
        """Blocking (about a second): call it from a thread or before serving. Threads are per
        worker; None shares the cores between the workers."""
        stt = SpeechToText.load(stt_model, stt_workers, cpu_threads=stt_threads)
        try:
            tts = TextToSpeech.load(
                tts_voice, tts_workers, threads=tts_threads, phrase_cache_bytes=tts_phrase_cache_bytes
            )
        except Exception:
            stt.close()
            raise
        return cls(stt=stt, tts=tts, vad=SileroVadModel.load())

    def close(self) -> None:
        self.stt.close()
        self.tts.close()
