"""The serving process's collector settings: startup objects frozen, collections made rarer."""

from __future__ import annotations

import gc

from gateway.gc_tuning import THRESHOLDS, tune_for_server


def test_tune_for_server_freezes_startup_objects_and_sets_thresholds() -> None:
    before = gc.get_threshold()
    try:
        tune_for_server()
        assert gc.get_threshold() == THRESHOLDS
        assert gc.get_freeze_count() > 10_000  # the imported modules' objects, at least
        assert THRESHOLDS[0] > before[0]
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
