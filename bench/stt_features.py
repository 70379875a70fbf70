"""Whisper's log-mel features with numpy's OpenBLAS threads as they come, and on one thread.

    .venv/bin/python bench/stt_features.py [--rounds 20] [--seconds 3]

Each mode runs in a child process of its own (the BLAS thread count is per process): faster-whisper's
feature extractor on one turn of audio, `--rounds` times with a 0.2 s pause between (turns come
one at a time, and the pause is where OpenBLAS's idle threads spin), reporting CPU time (all
threads of the process) and wall time per turn. `speech/blas.py` explains why the speech process
uses one thread.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def measure(mode: str, rounds: int, seconds: float) -> dict[str, object]:
    import numpy as np
    from faster_whisper.feature_extractor import FeatureExtractor

    from speech.blas import use_one_blas_thread

    if mode == "one":
        use_one_blas_thread()
    extractor = FeatureExtractor(feature_size=80)
    audio = (np.random.default_rng(1).standard_normal(int(16000 * seconds)) * 0.1).astype(np.float32)
    extractor(audio)  # first run: allocations, thread start
    cpu, busy = time.process_time(), 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        extractor(audio)
        busy += time.perf_counter() - started
        time.sleep(0.2)
    return {
        "blas_threads": mode,
        "cpu_ms_per_turn": round((time.process_time() - cpu) / rounds * 1000, 1),
        "wall_ms_per_turn": round(busy / rounds * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=3.0, help="length of the turn's audio")
    args = parser.parse_args()
    for mode in ("default", "one"):
        out = subprocess.run(
            [sys.executable, __file__, "--child", mode, str(args.rounds), str(args.seconds)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        print(out.strip(), flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        print(json.dumps(measure(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))))
    else:
        main()
