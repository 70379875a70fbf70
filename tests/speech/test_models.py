from pathlib import Path

import pytest

from speech.models import SpeechModels
from speech.stt import SpeechModelError
from speech.tts import VoiceNotFoundError

pytestmark = pytest.mark.slow


async def test_load_bundle_and_use_it() -> None:
    models = SpeechModels.load(stt_model=None, stt_workers=1, tts_voice=None, tts_workers=1)
    try:
        [chunk] = [c async for c in models.tts.stream("Good morning.", sample_rate=16000)]
        heard = await models.stt.transcribe(chunk.pcm, chunk.sample_rate)
        assert "morning" in heard.text.lower()
        assert models.vad is not None
    finally:
        models.close()


def test_missing_paths_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(SpeechModelError, match="not found"):
        SpeechModels.load(stt_model=str(tmp_path / "whisper"), stt_workers=1, tts_voice=None, tts_workers=1)
    with pytest.raises(VoiceNotFoundError, match="not found"):
        SpeechModels.load(stt_model=None, stt_workers=1, tts_voice=tmp_path / "voice.onnx", tts_workers=1)
