"""Where a gateway's memory goes: `frontdesk` with tracemalloc on, snapshots on a signal.

    python bench/traced_serve.py serve --host 127.0.0.1 --port 8000   (as `frontdesk serve`)

bench/soak.py --tracemalloc starts the gateway through this file instead of `frontdesk`. Every
SIGUSR1 makes the gateway collect its garbage and write, into $SOAK_TRACEMALLOC_DIR, a numbered
tracemalloc snapshot and a JSON note (resident memory before and after the collection, what the
collection found unreachable, live objects by type). `compare` then lists the allocation sites
and object types that grew between two of them. Diagnosis only: the snapshot stalls the event
loop for a second or two, and tracing costs memory and CPU all along.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

FRAMES = 6  # enough to see which of our calls is behind an allocation deep in a library


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _snapshot(_signum: int, _frame: FrameType | None) -> None:
    out = Path(os.environ["SOAK_TRACEMALLOC_DIR"])
    index = len(list(out.glob("*.json")))
    started = time.monotonic()
    rss_before = _rss_mb()
    unreachable = gc.collect()  # what only the cycle collector frees is not a leak: free it first
    types = Counter(type(o).__qualname__ for o in gc.get_objects())
    snap = tracemalloc.take_snapshot()
    snap.dump(str(out / f"{index}.snapshot"))
    note = {
        "rss_mb_before_collect": round(rss_before, 1),
        "rss_mb": round(_rss_mb(), 1),
        "gc_unreachable": unreachable,
        "traced_mb": round(tracemalloc.get_traced_memory()[0] / 2**20, 1),
        "objects": dict(types),
        "took_s": round(time.monotonic() - started, 2),
    }
    (out / f"{index}.json").write_text(json.dumps(note))


def compare(out: Path, before: int, after: int, top: int = 15) -> dict[str, Any]:
    """What grew from snapshot `before` to `after`: allocation sites (by line, with the call
    path of the biggest) and live objects by type."""
    old = tracemalloc.Snapshot.load(str(out / f"{before}.snapshot"))
    new = tracemalloc.Snapshot.load(str(out / f"{after}.snapshot"))
    noise = [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen *>")]
    old, new = old.filter_traces(noise), new.filter_traces(noise)
    sites = [
        {"site": str(d.traceback[0]), "grew_kb": round(d.size_diff / 1024, 1), "count_diff": d.count_diff}
        for d in new.compare_to(old, "lineno")[:top]
    ]
    paths = [
        {"grew_kb": round(d.size_diff / 1024, 1), "path": [str(f) for f in d.traceback]}
        for d in new.compare_to(old, "traceback")[:5]
    ]
    notes = [json.loads((out / f"{i}.json").read_text()) for i in (before, after)]
    grew = Counter(notes[1]["objects"])
    grew.subtract(notes[0]["objects"])
    return {
        "rss_mb": [n["rss_mb"] for n in notes],
        "traced_mb": [n["traced_mb"] for n in notes],
        "gc_unreachable": [n["gc_unreachable"] for n in notes],
        "objects_grew": dict(c for c in grew.most_common(15) if c[1] > 0),
        "sites": sites,
        "paths": paths,
    }


def main() -> None:
    # Run as a script, its folder comes first on sys.path, where bench/speech.py would stand in
    # for the speech package.
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    tracemalloc.start(FRAMES)
    signal.signal(signal.SIGUSR1, _snapshot)
    from gateway.cli.main import app

    sys.argv = ["frontdesk", *sys.argv[1:]]
    app()


if __name__ == "__main__":
    main()
