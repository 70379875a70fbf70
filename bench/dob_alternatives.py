"""Dates of birth over the phone band, transcribed greedily and with the answer's form searched
among a beam search's alternatives (`speech.stt_prompt.Prompt.answer`, docs/benchmarks.md
"Answers among alternatives").

    .venv/bin/python bench/dob_alternatives.py [--voices piper,espeak:en-us,...] [--noise-db 30]

Each date is said by each voice (phone band, noise), transcribed with the gateway's
date-of-birth prompt twice: plain, and with `holds_date_of_birth` as the answer's form. Printed:
how often the read date is the one said, how often a date was read but a wrong one, and the
model's time per clip (p50 / p90).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATES = {
    "My date of birth is March 14th, 1985": date(1985, 3, 14),
    "It's November 2nd, 1972": date(1972, 11, 2),
    "I was born on May 9th, 1998": date(1998, 5, 9),
    "September 17th, 1958": date(1958, 9, 17),
    "January 30th, 1965": date(1965, 1, 30),
    "the 21st of April 1979": date(1979, 4, 21),
    "My birthday is December 5th, 2001": date(2001, 12, 5),
    "June 16th, 1984": date(1984, 6, 16),
}
VOICES = [
    "espeak:en-us",
    "espeak:en-gb:35:175",
    "espeak:en-gb-scotland",
    "espeak:en-029",
    "espeak:en-us+f3:60:160",
    "espeak:en-gb-x-rp",
    "espeak:en-us-nyc:45:150",
    "piper",
]
PRIMER = "My date of birth is September 21, 1967."  # the gateway's (gateway/expecting.py)


async def main(args: argparse.Namespace) -> None:
    from agents.expectation import holds_date_of_birth
    from agents.offline.birthdates import find_dob
    from agents.offline.numbers import normalize
    from gateway.evaluation.voices import CallerVoice, PhoneBand
    from speech.stt import SpeechToText
    from speech.stt_prompt import Prompt

    stt = SpeechToText.load(workers=1)
    ways = {"greedy": Prompt(PRIMER), "form among alternatives": Prompt(PRIMER, holds_date_of_birth)}
    right = dict.fromkeys(ways, 0)
    wrong = dict.fromkeys(ways, 0)
    times: dict[str, list[float]] = {k: [] for k in ways}
    for spec in args.voices.split(","):
        voice = CallerVoice(spec, PhoneBand(noise_db=args.noise_db))
        for text, born in DATES.items():
            clip = await voice.say(text)
            for way, prompt in ways.items():
                heard = await stt.transcribe(clip.audio, 8000, context=prompt)
                read = find_dob(normalize(heard.text), date.today())[0]
                right[way] += read == born
                wrong[way] += read is not None and read != born
                times[way].append(heard.processing_ms)
                if args.verbose:
                    print(f"{spec:26} {way:24} {text!r:42} -> {heard.text!r}")
        voice.close()
    clips = len(args.voices.split(",")) * len(DATES)
    print(f"{clips} clips")
    for way in ways:
        ms = sorted(times[way])
        print(
            f"{way:24} right {right[way]:3}  wrong date {wrong[way]:3}  "
            f"p50 {ms[len(ms) // 2]:.0f} ms  p90 {ms[int(len(ms) * 0.9)]:.0f} ms"
        )
    print(f"decodes: {stt.decodes}")
    stt.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--voices", default=",".join(VOICES))
    parser.add_argument("--noise-db", type=float, default=30.0)
    parser.add_argument("--verbose", action="store_true")
    asyncio.run(main(parser.parse_args()))
