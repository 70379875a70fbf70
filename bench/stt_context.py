"""Understanding: does a Whisper prompt built from what the agent expects lower the word error rate?

    .venv/bin/python bench/stt_context.py [--voices 9] [--kinds dob,name,...] [--eot]

A voice set of our own: answers of each kind (date of birth, name, day/time, slot choice,
yes/no, free request, full identity) said by espeak-ng voices (en-us, en-gb, en-gb-scotland,
en-029, en-us+f3, en-gb-x-rp, pitch and speed varied) and Piper, brought to the phone band with
sox (8 kHz, `sinc 300-3400`), a little hiss (-50 dBFS) and the mu-law codec. Each clip is
transcribed without and with the prompt the gateway would give (`gateway.expecting.py`);
WER by kind with jiwer after a normalisation (case, punctuation, numbers digit by digit).
Also: noise and breath clips with every prompt, which must stay empty (Whisper narrating its
prompt over line noise).

`--eot`: end of turn from meaning on the same answers (Piper, over a simulated line, through the
real turn detector, listener and Whisper): delay from the end of speech to the end of the turn,
with the fixed silence and with the completeness test, and cut-offs (turns ended while the caller
was still talking: answers said in two parts with a pause between).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import jiwer
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agents.expectation import Expectation, Expecting
from gateway.expecting import prompt_for
from speech.codec import ulaw_decode, ulaw_encode
from speech.pcm import read_wav
from speech.resample import resample
from speech.stt import Prompt, SpeechToText

RATE = 8000
DOCTORS = ("Dr. Priya Patel", "Dr. Marcus Chen", "Dr. Elena Rodriguez")
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# kind -> [(what the caller says, the reference transcript, the agent's expectation)]
# Names on file are those of the calling number (agents.identity.names_on_file).
_SLOTS = ("9 AM", "9:30 AM", "2 PM")
_SLOT_VOCAB = (*_SLOTS, "Tuesday", *DOCTORS)


def _dob() -> Expectation:
    return Expectation(Expecting.DATE_OF_BIRTH, MONTHS, keypad_digits=8)


def _name(*names: str) -> Expectation:
    return Expectation(Expecting.NAME, names)


def _identity(*names: str) -> Expectation:
    return Expectation(Expecting.IDENTITY, (*names, *MONTHS), keypad_digits=8)


SET: dict[str, list[tuple[str, str, Expectation]]] = {
    "date of birth": [
        ("March fourteenth, nineteen eighty five.", "March 14 1985", _dob()),
        ("It's the second of November, nineteen seventy two.", "it's the 2 of November 1972", _dob()),
        ("July twenty third, nineteen ninety.", "July 23 1990", _dob()),
        ("My date of birth is January thirtieth, nineteen sixty five.",
         "my date of birth is January 30 1965", _dob()),
        ("May ninth, nineteen ninety eight.", "May 9 1998", _dob()),
        ("September seventeenth, nineteen fifty eight.", "September 17 1958", _dob()),
    ],
    "name": [
        ("Siobhan O'Connor.", "Siobhan O'Connor", _name("Siobhan", "O'Connor")),
        ("My name is José Ramírez.", "my name is José Ramírez", _name("José", "Ramírez")),
        ("It's Maria Garcia.", "it's Maria Garcia", _name("Maria", "Garcia", "Lucas")),
        ("Lucas Garcia, my son.", "Lucas Garcia my son", _name("Maria", "Garcia", "Lucas")),
        ("Harper Young.", "Harper Young", _name("Harper", "Young")),
        ("This is Nathan Allen.", "this is Nathan Allen", _name("Nathan", "Allen")),
    ],
    "identity": [
        ("Sarah Johnson, March fourteenth, nineteen eighty five.", "Sarah Johnson March 14 1985",
         _identity("Sarah", "Johnson")),
        ("Siobhan O'Connor, October thirty first, nineteen ninety four.",
         "Siobhan O'Connor October 31 1994", _identity("Siobhan", "O'Connor")),
        ("Amelia Robinson, born May twenty seventh, nineteen seventy seven.",
         "Amelia Robinson born May 27 1977", _identity("Amelia", "Robinson")),
    ],
    "day/time": [
        ("Next Tuesday morning, please.", "next Tuesday morning please",
         Expectation(Expecting.WHEN, (*WEEKDAYS, *DOCTORS))),
        ("Thursday afternoon with Doctor Chen.", "Thursday afternoon with Doctor Chen",
         Expectation(Expecting.WHEN, (*WEEKDAYS, *DOCTORS))),
        ("Anytime on Friday after two.", "anytime on Friday after 2",
         Expectation(Expecting.WHEN, (*WEEKDAYS, *DOCTORS))),
        ("Wednesday at ten thirty with Doctor Rodriguez.", "Wednesday at 10 30 with Doctor Rodriguez",
         Expectation(Expecting.WHEN, (*WEEKDAYS, *DOCTORS))),
        ("Monday, early if you can.", "Monday early if you can",
         Expectation(Expecting.WHEN, (*WEEKDAYS, *DOCTORS))),
    ],
    "slot choice": [
        ("The nine thirty one, please.", "the 9 30 one please",
         Expectation(Expecting.SLOT_CHOICE, _SLOT_VOCAB, 1, _SLOTS)),
        ("Nine AM.", "9 am", Expectation(Expecting.SLOT_CHOICE, _SLOT_VOCAB, 1, _SLOTS)),
        ("Two PM works.", "2 pm works", Expectation(Expecting.SLOT_CHOICE, _SLOT_VOCAB, 1, _SLOTS)),
        ("The first one.", "the first one", Expectation(Expecting.SLOT_CHOICE, _SLOT_VOCAB, 1, _SLOTS)),
        ("I'll take the two o'clock.", "I'll take the 2 o'clock",
         Expectation(Expecting.SLOT_CHOICE, _SLOT_VOCAB, 1, _SLOTS)),
    ],
    "yes/no": [
        ("Yes.", "yes", Expectation(Expecting.YES_NO, ("yes", "no", *DOCTORS))),
        ("No.", "no", Expectation(Expecting.YES_NO, ("yes", "no", *DOCTORS))),
        ("Yes, that's right.", "yes that's right", Expectation(Expecting.YES_NO, ("yes", "no", *DOCTORS))),
        ("No, thank you.", "no thank you", Expectation(Expecting.YES_NO, ("yes", "no", *DOCTORS))),
        ("Yeah, go ahead.", "yeah go ahead", Expectation(Expecting.YES_NO, ("yes", "no", *DOCTORS))),
    ],
    "request": [
        ("I'd like to book an appointment.", "I'd like to book an appointment",
         Expectation(Expecting.REQUEST, DOCTORS)),
        ("I need to cancel my appointment on Friday.", "I need to cancel my appointment on Friday",
         Expectation(Expecting.REQUEST, DOCTORS)),
        ("Can I see Doctor Patel this week?", "can I see Doctor Patel this week",
         Expectation(Expecting.REQUEST, DOCTORS)),
        ("What time do you open tomorrow?", "what time do you open tomorrow",
         Expectation(Expecting.REQUEST, DOCTORS)),
        ("I want to move my checkup to next month.", "I want to move my checkup to next month",
         Expectation(Expecting.REQUEST, DOCTORS)),
    ],
}  # fmt: skip

# espeak-ng voice, pitch (-p), speed (-s); then Piper at three paces.
ESPEAK = [
    ("en-us", 50, 160), ("en-gb", 40, 150), ("en-gb-scotland", 55, 165), ("en-029", 45, 155),
    ("en-us+f3", 70, 170), ("en-gb-x-rp", 35, 145), ("en-us+m3", 30, 185), ("en-gb+f2", 60, 140),
]  # fmt: skip
PIPER_PACES = (1.0, 0.85, 1.2)

_NUM = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}


def normalise(text: str) -> str:
    """Lower case, no punctuation, 'Dr.' == 'doctor', 'a.m.' == 'am', numbers digit by digit,
    ordinals without suffix ('14th' == '14' == 'fourteen'), accents kept as said."""
    t = text.lower()
    t = re.sub(r"\b([ap])\.\s?m\.?", r"\1m", t)
    t = re.sub(r"\bdr\b\.?", "doctor", t)
    t = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", t)
    t = re.sub(r"(\d):(\d)", r"\1 \2", t)
    t = re.sub(r"[^\w' ]+", " ", t)
    t = re.sub(r"(\d)([a-z])", r"\1 \2", t)
    t = t.replace("o'clock", "oclock").replace("o clock", "oclock")
    words = [_NUM.get(w, w) for w in t.split()]
    return " ".join(" ".join(w) if w.isdigit() else w for w in words)


def phone_band(wav: Path, seed: int) -> np.ndarray:
    """Sox to 8 kHz, 300-3400 Hz, then -50 dBFS hiss and the mu-law codec."""
    out = wav.with_suffix(".8k.wav")
    subprocess.run(
        [
            "sox",
            str(wav),
            "-r",
            "8000",
            "-c",
            "1",
            "-b",
            "16",
            str(out),
            "sinc",
            "300-3400",
            "gain",
            "-n",
            "-3",
        ],
        check=True,
        capture_output=True,
    )
    pcm, rate = read_wav(out)
    assert rate == RATE
    hiss = np.random.default_rng(seed).normal(0, 32768 * 10 ** (-50 / 20), len(pcm))
    lead = np.zeros(RATE // 5)
    audio = np.concatenate([lead, pcm.astype(np.float64) + hiss, lead])
    audio[: len(lead)] += np.random.default_rng(seed + 1).normal(0, 32768 * 10 ** (-50 / 20), len(lead))
    audio[-len(lead) :] += np.random.default_rng(seed + 2).normal(0, 32768 * 10 ** (-50 / 20), len(lead))
    return ulaw_decode(ulaw_encode(np.clip(audio, -32768, 32767).astype(np.int16)))


def voice_set(
    tmp: Path, kinds: list[str], n_voices: int
) -> list[tuple[str, str, str, Expectation, np.ndarray]]:
    """(kind, voice, reference, expectation, 8 kHz audio) for every answer and voice."""
    from piper import SynthesisConfig

    from speech.tts import TextToSpeech

    tts = TextToSpeech.load(workers=1, varied=False)
    clips = []
    seed = 0
    for kind in kinds:
        for i, (said, reference, expectation) in enumerate(SET[kind]):
            for voice, pitch, speed in ESPEAK[:n_voices]:
                seed += 1
                wav = tmp / f"{kinds.index(kind)}-{i}-{voice}.wav"
                subprocess.run(
                    ["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(speed), "-w", str(wav), said],
                    check=True,
                    capture_output=True,
                )
                clips.append((kind, voice, reference, expectation, phone_band(wav, seed)))
            for pace in PIPER_PACES:
                seed += 1
                config = SynthesisConfig(length_scale=pace, noise_scale=0.5, noise_w_scale=0.6, volume=0.9)
                pcm = np.concatenate([c.audio_int16_array for c in tts.voice.synthesize(said, config)])
                wav = tmp / f"{kinds.index(kind)}-{i}-piper{pace}.wav"
                from speech.pcm import write_wav

                write_wav(wav, pcm, tts.sample_rate)
                clips.append((kind, f"piper x{pace}", reference, expectation, phone_band(wav, seed)))
    tts.close()
    return clips


def noise_clips() -> list[tuple[str, np.ndarray]]:
    """Line noise, a breath (low-passed noise swelling), a click, hum: no words in any."""
    rng = np.random.default_rng(7)
    n = RATE * 2
    t = np.arange(n) / RATE
    breath = np.convolve(rng.normal(0, 1500, n), np.ones(8) / 8, mode="same") * np.sin(np.pi * t / 2)
    click = np.zeros(n)
    click[n // 2 : n // 2 + 40] = rng.normal(0, 8000, 40)
    clips = {
        "hiss -40 dBFS": rng.normal(0, 32768 * 10 ** (-40 / 20), n),
        "hiss -30 dBFS": rng.normal(0, 32768 * 10 ** (-30 / 20), n),
        "breath": breath,
        "click": click + rng.normal(0, 30, n),
        "hum 60 Hz": 2000 * np.sin(2 * np.pi * 60 * t) + 600 * np.sin(2 * np.pi * 180 * t),
    }
    return [
        (name, ulaw_decode(ulaw_encode(np.clip(a, -32768, 32767).astype(np.int16))))
        for name, a in clips.items()
    ]


def wer(references: list[str], hypotheses: list[str]) -> float:
    refs = [normalise(r) for r in references]
    hyps = [normalise(h) or "<empty>" for h in hypotheses]
    return jiwer.wer(refs, hyps)


def _piper_wer(row: dict[str, list]) -> str:
    piper = [i for i, p in enumerate(row["piper"]) if p]
    refs = [row["ref"][i] for i in piper]
    plain = wer(refs, [row["plain"][i] for i in piper])
    return f"{plain:.1%} / {wer(refs, [row['prompted'][i] for i in piper]):.1%}"


async def measure(args: argparse.Namespace) -> None:
    kinds = args.kinds.split(",") if args.kinds else list(SET)
    stt = SpeechToText.load(workers=1)
    with tempfile.TemporaryDirectory() as tmp:
        clips = voice_set(Path(tmp), kinds, args.voices)
    print(f"{len(clips)} clips ({args.voices} espeak-ng voices + Piper x{len(PIPER_PACES)} paces)")
    rows: dict[str, dict[str, list]] = {}
    for kind, voice, reference, expectation, audio in clips:
        prompt = prompt_for(expectation)
        plain = await stt.transcribe(audio, RATE)
        prompted = await stt.transcribe(audio, RATE, context=prompt)
        row = rows.setdefault(
            kind, {k: [] for k in ("ref", "plain", "prompted", "ms_plain", "ms_prompted", "piper")}
        )
        row["piper"].append(voice.startswith("piper"))
        row["ref"].append(reference)
        row["plain"].append(plain.text)
        row["prompted"].append(prompted.text)
        row["ms_plain"].append(plain.processing_ms)
        row["ms_prompted"].append(prompted.processing_ms)
        if args.verbose and normalise(plain.text) != normalise(prompted.text):
            print(f"  {kind:13} {voice:16} {plain.text!r:45} -> {prompted.text!r}")
    print()
    print(
        "| answer | clips | WER without | WER with context | Piper only: without / with "
        "| exact without | exact with | ms without | ms with |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    every: dict[str, list] = {"ref": [], "plain": [], "prompted": [], "piper": []}
    for kind, row in rows.items():
        exact = [
            sum(normalise(r) == normalise(h) for r, h in zip(row["ref"], row[key], strict=True))
            for key in ("plain", "prompted")
        ]
        for key in every:
            every[key].extend(row[key])
        print(
            f"| {kind} | {len(row['ref'])} | {wer(row['ref'], row['plain']):.1%} | "
            f"{wer(row['ref'], row['prompted']):.1%} | {_piper_wer(row)} | {exact[0]} | {exact[1]} | "
            f"{statistics.median(row['ms_plain']):.0f} | {statistics.median(row['ms_prompted']):.0f} |"
        )
    print(
        f"| all | {len(every['ref'])} | {wer(every['ref'], every['plain']):.1%} | "
        f"{wer(every['ref'], every['prompted']):.1%} | {_piper_wer(every)} | | | | |"
    )
    print("\nNoise and breath with each prompt (must be empty):")
    prompts = {k: prompt_for(e) for k, (_s, _r, e) in ((k, SET[k][0]) for k in kinds)}
    prompts["primer only"] = Prompt("My date of birth is September 21, 1967.")
    bad = 0
    for name, audio in noise_clips():
        heard = {k: (await stt.transcribe(audio, RATE, context=p)).text for k, p in prompts.items()}
        heard["(none)"] = (await stt.transcribe(audio, RATE)).text
        words = {k: v for k, v in heard.items() if v}
        bad += len(words)
        print(f"  {name:14} {'empty' if not words else words}")
    print(f"non-empty: {bad}; decodes: {stt.decodes}")
    stt.close()


# -- end of turn from meaning ------------------------------------------------------------------

EOT_ANSWERS: list[tuple[str, list[str], Expectation]] = [
    ("date of birth", ["March fourteenth, nineteen eighty five."], _dob()),
    ("date of birth", ["It's July twenty third, nineteen ninety."], _dob()),
    ("yes/no", ["Yes."], Expectation(Expecting.YES_NO, ("yes", "no"))),
    ("yes/no", ["Yes, that's right."], Expectation(Expecting.YES_NO, ("yes", "no"))),
    ("yes/no", ["Yes, please."], Expectation(Expecting.YES_NO, ("yes", "no"))),
    ("yes/no", ["No, thank you."], Expectation(Expecting.YES_NO, ("yes", "no"))),
    ("slot choice", ["The nine thirty one, please."], Expectation(Expecting.SLOT_CHOICE, _SLOT_VOCAB, 1, _SLOTS)),
    ("slot choice", ["The first one."], Expectation(Expecting.SLOT_CHOICE, _SLOT_VOCAB, 1, _SLOTS)),
    ("request", ["I'd like to book an appointment."], Expectation(Expecting.REQUEST, DOCTORS)),
    # Said in two parts, a pause between: ending after the first part cuts the caller off.
    ("dob, paused", ["My date of birth is", "March fourteenth, nineteen eighty five."], _dob()),
    ("dob, paused", ["Um, it's", "July twenty third, nineteen ninety."], _dob()),
    ("request, paused", ["I'd like to book an appointment with", "Doctor Patel."],
     Expectation(Expecting.REQUEST, DOCTORS)),
    ("slot, paused", ["Let me think, um", "the nine thirty one."],
     Expectation(Expecting.SLOT_CHOICE, _SLOT_VOCAB, 1, _SLOTS)),
]  # fmt: skip
PAUSES_MS = (400, 500, 650)
PACES = (1.0, 0.85, 1.2)  # Piper's pace for one-part answers (its comma pauses vary with it)


async def eot(args: argparse.Namespace) -> None:
    """Stream time runs as fast as the frames can be pushed, except while a speculative transcript
    is being made: then frames go at real-time pace, so its verdict comes as late (in stream time)
    as Whisper takes on this machine."""
    from piper import SynthesisConfig

    from gateway.expecting import listening_for
    from speech.listener import Listener
    from speech.tts import TextToSpeech
    from speech.turn import TurnConfig, TurnDetector, TurnEnded
    from speech.vad import SileroVadModel

    stt = SpeechToText.load(workers=1)
    tts = TextToSpeech.load(workers=1, varied=False)
    vad = SileroVadModel.load()
    rng = np.random.default_rng(3)
    modes = {"fixed": None, **{f"meaning, {ms} ms": ms for ms in args.complete_end_ms}}
    totals = {m: [0, 0, []] for m in modes}
    print("| answer | said | mode | turns | cut off | end delay ms (median / max) |")
    print("| --- | --- | --- | ---: | ---: | --- |")

    def piper(text: str, pace: float) -> np.ndarray:
        config = SynthesisConfig(length_scale=pace, noise_scale=0.667, noise_w_scale=0.8, volume=0.9)
        pcm = resample(
            np.concatenate([c.audio_int16_array for c in tts.voice.synthesize(text, config)]),
            tts.sample_rate,
            RATE,
        )
        # Trimmed to where it sounds (10 ms blocks within 35 dB of the loudest), so a pause between
        # two parts is as long as it says and not Piper's own lead-in and tail on top.
        blocks = pcm[: len(pcm) // 80 * 80].astype(np.float64).reshape(-1, 80)
        loud = np.nonzero(
            np.sqrt((blocks**2).mean(axis=1)) >= np.sqrt((blocks**2).mean(axis=1)).max() * 10 ** (-35 / 20)
        )[0]
        return pcm[loud[0] * 80 : (loud[-1] + 1) * 80]

    for label, parts, expectation in EOT_ANSWERS:
        if len(parts) > 1:
            takes = [([piper(p, 1.0) for p in parts], pause) for pause in PAUSES_MS]
        else:
            takes = [([piper(parts[0], pace)], 0) for pace in PACES]
        for mode, complete_end_ms in modes.items():
            delays, cut = [], 0
            for speech, pause in takes:
                gap = np.zeros(RATE * pause // 1000, dtype=np.int16)
                pieces = [np.zeros(RATE // 2, dtype=np.int16)]
                for i, s in enumerate(speech):
                    pieces += [s] if i == 0 else [gap, s]
                pieces.append(np.zeros(RATE * 2, dtype=np.int16))
                audio = np.concatenate(pieces).astype(np.float64) + rng.normal(0, 20, sum(map(len, pieces)))
                audio = ulaw_decode(ulaw_encode(np.clip(audio, -32768, 32767).astype(np.int16)))
                config = TurnConfig(complete_end_ms=complete_end_ms or 200)
                listener = Listener(TurnDetector(config, model=vad), stt)
                if complete_end_ms is not None:
                    listener.expect(listening_for(expectation).hints)
                ends = []
                for f in range(0, len(audio) - 159, 160):
                    for event in listener.push(audio[f : f + 160]):
                        if isinstance(event, TurnEnded):
                            ends.append(event)
                            await listener.transcribe(event)
                    pending = listener.speculative
                    await asyncio.sleep(0.02 if pending is not None and not pending.done() else 0)
                if not ends:
                    continue
                if len(ends) > 1:  # a turn ended, and the caller went on talking: cut off
                    cut += 1
                else:
                    delays.append(ends[0].at_ms - (ends[0].end_ms - config.tail_ms))
            totals[mode][0] += len(takes)
            totals[mode][1] += cut
            totals[mode][2].extend(delays)
            shown = f"{statistics.median(delays):.0f} / {max(delays):.0f}" if delays else "-"
            print(f"| {label} | {' / '.join(parts)} | {mode} | {len(takes)} | {cut} | {shown} |", flush=True)
    for mode, (turns, cut, delays) in totals.items():
        print(f"| all | | {mode} | {turns} | {cut} | {statistics.median(delays):.0f} / {max(delays):.0f} |")
    stt.close()
    tts.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--voices", type=int, default=len(ESPEAK), help="espeak-ng voices to use (1-8)")
    parser.add_argument("--kinds", default="", help="comma-separated answer kinds (default: all)")
    parser.add_argument("--verbose", action="store_true", help="print each clip the prompt changed")
    parser.add_argument("--eot", action="store_true", help="end of turn from meaning instead of WER")
    parser.add_argument(
        "--complete-end-ms",
        type=int,
        nargs="+",
        default=[200, 300],
        help="--eot: silences tried after complete words",
    )
    args = parser.parse_args()
    asyncio.run(eot(args) if args.eot else measure(args))


if __name__ == "__main__":
    main()
