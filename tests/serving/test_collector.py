"""The garbage collector as the services run it."""

import gc

from serving.collector import SERVING_THRESHOLDS, serving_collector


def test_block_runs_with_serving_thresholds_and_startup_objects_frozen():
    kept = [[i] for i in range(1000)]  # alive when the block starts: frozen with the rest
    before = gc.get_threshold()
    with serving_collector():
        assert gc.get_threshold() == SERVING_THRESHOLDS
        assert gc.get_freeze_count() >= len(kept)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_settings_are_restored_when_the_block_raises():
    before = gc.get_threshold()
    try:
        with serving_collector():
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
