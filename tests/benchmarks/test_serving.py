"""Which service configurations the serving benchmark runs, and in which order (benchmarks/serving.py)."""

import pytest

from benchmarks.serving import parse_args, service_configurations


def _labels(*argv: str) -> list[str]:
    return [settings.label for settings in service_configurations(parse_args(list(argv)))]


def test_each_comparison_is_paired_with_a_run_of_the_default_in_every_round_in_alternating_order():
    assert _labels("--workers", "1", "--batching", "on", "--no-monitoring-cost", "--repeats", "3") == [
        "batched, 1 worker", "batched, 1 worker, not recorded",
        "batched, 1 worker, not recorded", "batched, 1 worker",
        "batched, 1 worker", "batched, 1 worker, not recorded"]


def test_the_default_runs_first_when_the_grid_leaves_it_out():
    assert _labels("--workers", "2", "--batching", "on", "--no-monitoring-cost") == [
        "batched, 1 worker", "batched, 2 workers", "batched, 1 worker, not recorded"]


def test_without_comparisons_nothing_is_repeated():
    labels = _labels("--workers", "1", "2", "--no-recording-cost", "--no-monitoring-cost", "--repeats", "3")
    assert labels == [
        "unbatched, 1 worker", "batched, 1 worker", "unbatched, 2 workers", "batched, 2 workers"]


def test_repeats_below_one_are_refused(capsys):
    with pytest.raises(SystemExit):
        parse_args(["--repeats", "0"])
    assert "--repeats: must be a whole number >= 1, got 0" in capsys.readouterr().err
