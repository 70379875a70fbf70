"""Speech figures on this machine: STT, TTS, codec, end of turn, STT under concurrency.

    .venv/bin/python bench/speech.py [--repeat 3] [--sweep]

All audio is made by Piper and sent through the phone path (8 kHz mu-law). Printed:
- STT time and real-time factor per utterance length (median of --repeat runs, one at a time)
- TTS time to the first chunk and real-time factor (PCM and phone output)
- codec + resampling cost per second of audio
- end-of-turn delay after the speech stops, barge-in delay after it starts, and whether 300 ms
  pauses inside a sentence stay inside one turn (stream time: independent of machine load)
- STT with 1, 4 and 8 concurrent streams: wall time, per-request latency, audio-seconds per second
`--sweep` also compares STT worker/thread/beam settings. Other processes on the machine inflate
the timings; run it on a quiet machine (check `uptime`).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from speech.codec import ulaw_decode, ulaw_encode
from speech.resample import LOW_LATENCY, StreamResampler, resample
from speech.stt import SpeechToText
from speech.tts import TextToSpeech
from speech.turn import SpeechStarted, TurnConfig, TurnDetector, TurnEnded
from speech.vad import SileroVadModel

RATE = 8000
UTTERANCES = {
    "~1 s": "Yes, that works.",
    "~2 s": "I need to reschedule my appointment.",
    "~3 s": "Can I see Doctor Patel on Tuesday at three in the afternoon?",
    "~5 s": "My name is Maria Gonzalez and my date of birth is April twelfth, nineteen eighty five.",
    "~8 s": "Hi, I am calling because I was supposed to come in next Monday morning for a checkup, "
    "but I have to travel for work, so could we find another time later that week?",
}
REPLY = (
    "Sure. Doctor Lee has an opening on Tuesday, December 3rd at 3 PM. "
    "Shall I book that for you? I can also send a reminder to 5 5 5, 1 2 3, 4 5 6 7."
)
PHRASES = [
    "I would like to book", "an appointment for Tuesday", "my name is John Smith", "and my date of birth",
    "is March fifth", "please call me back", "so what time", "does the office open", "yes",
    "four five six seven", "my phone number is", "Sarah Thompson", "can you check", "if doctor Patel is free",
]  # fmt: skip


def phone(pcm: np.ndarray, rate: int) -> np.ndarray:
    return ulaw_decode(ulaw_encode(resample(pcm, rate, RATE)))


def trim(pcm: np.ndarray, rel_db: float = -35.0) -> np.ndarray:
    block = RATE // 100
    rms = np.sqrt((pcm[: len(pcm) // block * block].astype(np.float64).reshape(-1, block) ** 2).mean(axis=1))
    loud = np.nonzero(rms >= rms.max() * 10 ** (rel_db / 20))[0]
    return pcm[loud[0] * block : (loud[-1] + 1) * block]


def ms(seconds: float, digits: int = 1) -> str:
    return f"{seconds * 1000:7.{digits}f} ms"


def bench_codec() -> None:
    audio = (np.random.default_rng(0).normal(0, 3000, RATE * 10)).astype(np.int16)
    seconds = len(audio) / RATE
    frames = [audio[i : i + 160] for i in range(0, len(audio), 160)]

    def per_second(fn, rounds: int = 20) -> float:  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        for _ in range(rounds):
            fn()
        return (time.perf_counter() - start) / rounds / seconds

    enc = per_second(lambda: [ulaw_encode(f) for f in frames])
    dec_bytes = [ulaw_encode(f) for f in frames]
    dec = per_second(lambda: [ulaw_decode(b) for b in dec_bytes])

    def stream_up(quality: str) -> None:
        s = StreamResampler(RATE, 16000, quality=quality)
        for f in frames:
            s.process(f)

    up_stream = per_second(lambda: stream_up(LOW_LATENCY))
    up_stream_hq = per_second(lambda: stream_up("HQ"))
    up_batch = per_second(lambda: resample(audio, RATE, 16000))
    whole = per_second(lambda: resample(ulaw_decode(ulaw_encode(audio)), RATE, 16000))
    down_batch = per_second(lambda: resample(resample(audio, RATE, 22050), 22050, RATE), rounds=5)
    print("\n## codec and resampling (per second of audio)")
    print(f"mu-law encode, 20 ms frames        {ms(enc, 3)}")
    print(f"mu-law decode, 20 ms frames        {ms(dec, 3)}")
    print(f"8k->16k stream (QQ), 20 ms frames  {ms(up_stream, 3)}")
    print(f"8k->16k stream (HQ), 20 ms frames  {ms(up_stream_hq, 3)}")
    print(f"8k->16k whole buffer (HQ)          {ms(up_batch, 3)}")
    print(f"VAD input path (decode+QQ stream)  {ms(dec + up_stream, 3)}")
    print(f"encode+decode+8k->16k, whole buffer {ms(whole, 3)}")
    print(f"22.05k<->8k whole buffer (HQ) x2   {ms(down_batch, 3)}")


async def bench_stt(stt: SpeechToText, tts: TextToSpeech, repeat: int) -> dict[str, np.ndarray]:
    clips = {
        label: phone(tts.synthesize_blocking(text).pcm, tts.sample_rate) for label, text in UTTERANCES.items()
    }
    print(f"\n## STT {Path(stt.name).name} int8, workers={stt.workers}, beam={stt.beam_size} (one at a time)")
    # CPU time is what the same call costs on an idle core; wall time grows with machine load.
    print("length   audio    median time      RTF   CPU time   text")
    for label, clip in clips.items():
        runs, cpu = [], []
        for _ in range(repeat):
            c0 = time.process_time()
            runs.append(await stt.transcribe(clip, RATE))
            cpu.append(time.process_time() - c0)
        med = statistics.median(r.processing_ms for r in runs)
        dur = len(clip) / RATE
        print(
            f"{label:6s} {dur:5.2f} s  {med:8.1f} ms  {med / 1000 / dur:7.3f}  {ms(statistics.median(cpu), 0)}"
            f"   {runs[0].text[:50]}"
        )
    return clips


async def bench_concurrency(stt: SpeechToText, clip: np.ndarray) -> None:
    dur = len(clip) / RATE
    print(f"\n## STT concurrent streams ({dur:.1f} s utterance each, {stt.workers} workers)")
    print("streams   wall      latency mean   latency max   audio-s per s")
    for n in (1, 4, 8):
        start = time.perf_counter()

        async def one() -> float:
            t0 = time.perf_counter()
            await stt.transcribe(clip, RATE)
            return time.perf_counter() - t0

        lat = await asyncio.gather(*(one() for _ in range(n)))
        wall = time.perf_counter() - start
        print(
            f"{n:7d} {wall:6.2f} s   {statistics.mean(lat) * 1000:8.0f} ms   {max(lat) * 1000:8.0f} ms   {n * dur / wall:8.1f}"
        )


async def bench_tts(tts: TextToSpeech, repeat: int) -> None:
    print("\n## TTS Piper en_US-joe-medium (sentence streaming)")
    for label, kind in (("PCM 22.05 kHz", "pcm"), ("phone mu-law 8 kHz", "phone")):
        firsts, totals, audio = [], [], []
        for _ in range(repeat):
            start = time.perf_counter()
            first, seconds = None, 0.0
            stream = tts.stream(REPLY) if kind == "pcm" else tts.stream_phone(REPLY)
            async for chunk in stream:
                first = first or time.perf_counter() - start
                seconds += chunk.duration_s if kind == "pcm" else chunk.duration_ms / 1000
            firsts.append(first or 0.0)
            totals.append(time.perf_counter() - start)
            audio.append(seconds)
        f, t, a = statistics.median(firsts), statistics.median(totals), statistics.median(audio)
        print(f"{label:20s} first chunk {ms(f)}   whole reply {ms(t)} for {a:.1f} s audio   RTF {t / a:.3f}")
    sentences = ["Sure.", "One moment please.", "Doctor Lee has an opening on Tuesday at 3 PM."]
    for sentence in sentences:
        runs = []
        for _ in range(repeat):
            start = time.perf_counter()
            chunk = tts.synthesize_blocking(sentence)
            runs.append(time.perf_counter() - start)
        print(f"one sentence ({chunk.duration_s:.1f} s audio) {ms(statistics.median(runs))}   '{sentence}'")


def bench_turns(tts: TextToSpeech, vad: SileroVadModel, noise_rms: float = 20.0) -> None:
    phrases = [trim(phone(tts.synthesize_blocking(p).pcm, tts.sample_rate)) for p in PHRASES]
    rng = np.random.default_rng(0)
    config = TurnConfig()

    def line(*parts: np.ndarray | int) -> tuple[np.ndarray, list[tuple[int, int]]]:
        out, spans, pos = [], [], 0
        for part in parts:
            chunk = np.zeros(RATE * part // 1000, np.int16) if isinstance(part, int) else part
            if not isinstance(part, int):
                spans.append((pos * 1000 // RATE, (pos + len(chunk)) * 1000 // RATE))
            out.append(chunk)
            pos += len(chunk)
        audio = np.concatenate(out).astype(np.int32) + rng.normal(0, noise_rms, pos).astype(np.int32)
        return ulaw_decode(ulaw_encode(np.clip(audio, -32768, 32767).astype(np.int16))), spans

    def events(audio: np.ndarray) -> list:
        detector = TurnDetector(config, vad)
        return [e for i in range(0, len(audio), 160) for e in detector.push(audio[i : i + 160])]

    end_delays, start_delays, split, cost = [], [], 0, []
    for i, phrase in enumerate(phrases):
        for phase in (0, 7, 13):
            audio, [(onset, stop)] = line(500 + phase, phrase, 900)
            t0 = time.perf_counter()
            ev = events(audio)
            cost.append((time.perf_counter() - t0) / (len(audio) / RATE))
            end_delays.append([e for e in ev if isinstance(e, TurnEnded)][-1].at_ms - stop)
            start_delays.append(next(e for e in ev if isinstance(e, SpeechStarted)).at_ms - onset)
        for phase in (0, 11) if i + 1 < len(phrases) else ():
            audio, _ = line(400 + phase, phrase, 300, phrases[i + 1], 800)
            split += len([e for e in events(audio) if isinstance(e, TurnEnded)]) != 1
    print(
        f"\n## end of turn (end_silence_ms={config.end_silence_ms}, {len(end_delays)} utterances, "
        f"line noise {20 * np.log10(noise_rms / 32768):.0f} dBFS, stream time)"
    )
    print(
        f"end declared after speech stops: mean {statistics.mean(end_delays):.0f} ms, "
        f"p90 {np.percentile(end_delays, 90):.0f} ms, max {max(end_delays)} ms"
    )
    print(
        f"SpeechStarted after speech starts: mean {statistics.mean(start_delays):.0f} ms, max {max(start_delays)} ms"
    )
    print(f"300 ms pauses that ended a turn: {split} of {2 * (len(phrases) - 1)}")
    print(f"detector CPU per second of audio: {ms(statistics.mean(cost), 2)}")


async def sweep(tts: TextToSpeech) -> None:
    clip = phone(tts.synthesize_blocking(UTTERANCES["~3 s"]).pcm, tts.sample_rate)
    print("\n## STT settings sweep (~3 s utterance): workers x threads x beam")
    print("workers threads beam   one-at-a-time   4 concurrent wall")
    for workers, threads, beam in ((1, 2, 1), (2, 1, 1), (1, 1, 1), (2, 2, 1), (2, 1, 5)):
        stt = SpeechToText.load(workers=workers, cpu_threads=threads, beam_size=beam)
        single = statistics.median([(await stt.transcribe(clip, RATE)).processing_ms for _ in range(3)])
        start = time.perf_counter()
        await asyncio.gather(*(stt.transcribe(clip, RATE) for _ in range(4)))
        wall = time.perf_counter() - start
        print(f"{workers:7d} {threads:7d} {beam:4d}   {single:10.0f} ms   {wall * 1000:10.0f} ms")
        stt.close()


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sweep", action="store_true")
    args = parser.parse_args()

    t0 = time.perf_counter()
    stt = SpeechToText.load()
    t1 = time.perf_counter()
    tts = TextToSpeech.load()
    t2 = time.perf_counter()
    vad = SileroVadModel.load()
    t3 = time.perf_counter()
    print("## load (including one warm-up run)")
    print(f"Whisper tiny.en {ms(t1 - t0)}   Piper joe-medium {ms(t2 - t1)}   Silero VAD {ms(t3 - t2)}")

    bench_codec()
    clips = await bench_stt(stt, tts, args.repeat)
    await bench_tts(tts, args.repeat)
    bench_turns(tts, vad)
    bench_turns(tts, vad, noise_rms=150.0)
    await bench_concurrency(stt, clips["~3 s"])
    if args.sweep:
        await sweep(tts)
    stt.close()
    tts.close()


if __name__ == "__main__":
    asyncio.run(main())
