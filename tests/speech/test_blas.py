"""numpy's OpenBLAS on one thread (speech/blas.py): set when the environment says nothing."""

from __future__ import annotations

import ctypes
from pathlib import Path

import numpy as np
import pytest

from speech.blas import use_one_blas_thread


def _openblas_threads() -> int:
    libs = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    [path] = sorted(libs.glob("lib*openblas*.so*"))
    library = ctypes.CDLL(str(path))
    return int(library.scipy_openblas_get_num_threads64_())


def test_numpy_blas_runs_on_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    assert use_one_blas_thread()
    assert _openblas_threads() == 1
    a = np.ones((80, 201), dtype=np.float32)
    assert float((a @ np.ones((201, 300), dtype=np.float32))[0, 0]) == 201.0  # still computes


def test_the_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    assert not use_one_blas_thread()
