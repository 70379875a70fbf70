"""`frontdesk transcribe FILE.wav` and `frontdesk say "TEXT" -o OUT.wav [--phone]`: the speech models
from the command line, with the same defaults and settings (FRONTDESK_STT_MODEL, FRONTDESK_TTS_VOICE)
as the service."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from gateway.cli.common import fail, run, settings_or_exit


def register(app: typer.Typer) -> None:
    @app.command()
    def transcribe(
        file: Path = typer.Argument(
            ..., help="A WAV file (PCM, mu-law, A-law or float; any rate; mixed to mono)."
        ),
        model: str | None = typer.Option(None, help="CTranslate2 Whisper directory or cached name."),
        as_json: bool = typer.Option(False, "--json", help="Print text, confidence and timings as JSON."),
    ) -> None:
        """Print what is said in a WAV file."""
        from speech.pcm import AudioFormatError, read_wav
        from speech.stt import SpeechModelError, SpeechToText

        settings = settings_or_exit()
        try:
            pcm, rate = read_wav(file)
            stt = SpeechToText.load(model or settings.stt_model, workers=1)
        except (AudioFormatError, SpeechModelError) as exc:
            raise fail(str(exc)) from None
        try:
            result = run(stt.transcribe(pcm, rate))
        except AudioFormatError as exc:
            raise fail(f"{file}: {exc}") from None
        finally:
            stt.close()
        if as_json:
            fields = ("text", "confidence", "duration_s", "processing_ms", "no_speech_prob")
            typer.echo(json.dumps({name: getattr(result, name) for name in fields}))
        else:
            typer.echo(result.text)

    @app.command()
    def say(
        text: str = typer.Argument(
            ..., help="What to say; times, dates and phone numbers are spoken naturally."
        ),
        output: Path = typer.Option(..., "-o", "--output", help="WAV file to write."),
        phone: bool = typer.Option(
            False, "--phone", help="As a caller hears it: 8 kHz through mu-law and back."
        ),
        rate: int | None = typer.Option(None, help="Sample rate of the file (default: the voice's own)."),
        voice: Path | None = typer.Option(None, help="Piper voice .onnx (its .onnx.json beside it)."),
    ) -> None:
        """Write speech for TEXT to a WAV file."""
        from speech.codec import ulaw_decode
        from speech.pcm import PHONE_RATE, AudioFormatError, write_wav
        from speech.tts import TextToSpeech, VoiceNotFoundError, to_phone_frames

        settings = settings_or_exit()
        if phone and rate not in (None, PHONE_RATE):
            raise fail("--phone audio is 8000 Hz; leave out --rate")
        try:
            tts = TextToSpeech.load(voice or settings.tts_voice, workers=1)
        except VoiceNotFoundError as exc:
            raise fail(str(exc)) from None
        try:
            speech = tts.synthesize_blocking(text, rate)
            if not speech.text:
                raise fail("nothing to say: the text has no words")
            pcm, out_rate = speech.pcm, speech.sample_rate
            if phone:
                pcm, out_rate = ulaw_decode(to_phone_frames(pcm, speech.sample_rate)), PHONE_RATE
            write_wav(output, pcm, out_rate)
        except (AudioFormatError, OSError) as exc:
            raise fail(str(exc)) from None
        finally:
            tts.close()
        typer.echo(f"wrote {output} ({len(pcm) / out_rate:.2f} s, {out_rate} Hz): {speech.text}", err=True)
