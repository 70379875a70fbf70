"""numpy's BLAS on one thread in a process that runs the speech models.

Whisper's features are computed with numpy on the STT worker threads (faster-whisper's log-mel
spectrogram: an FFT, then an 80 x 201 mel matrix times the spectrum, a BLAS matrix product).
numpy's OpenBLAS starts a thread per core for such a product and keeps them spinning between
calls. For one 3 s turn the product is tiny, and on two cores that are busy with Whisper, Piper and
the event loop the extra thread costs far more than it saves: measured here, 27-47 ms of CPU and
52-94 ms of wall time per turn's features with OpenBLAS's default threads, 2.4-2.8 ms of CPU and
4-6 ms of wall time on one thread (20 runs each, machine load ~9). The models have their own
threads (CTranslate2, onnxruntime), which this does not touch.

`OPENBLAS_NUM_THREADS` set in the environment wins: then nothing is changed.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

import numpy as np

# numpy's wheels ship scipy-openblas with a prefix and (for 64-bit ints) a suffix on its symbols.
_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads", "openblas_set_num_threads")


def use_one_blas_thread() -> bool:
    """Make numpy's OpenBLAS run on the calling process's threads only. False when the environment
    already says how many threads to use, or no OpenBLAS is found (another BLAS: left alone)."""
    if os.environ.get("OPENBLAS_NUM_THREADS"):
        return False
    libs = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    for path in sorted(libs.glob("lib*openblas*.so*")):
        try:
            library = ctypes.CDLL(str(path))  # already loaded by numpy: the same instance
        except OSError:
            continue
        for name in _SETTERS:
            setter = getattr(library, name, None)
            if setter is not None:
                setter(1)
                return True
    return False
