"""Tests of benchmarks/training.py: it runs the command, measures it, replays its trials bare, reports."""

import json
import os
import re

import pytest

from benchmarks.training import main
from synthetic import generate_tables, write_tables


def test_benchmark_appends_one_measured_run_per_variant(tmp_path, capsys):
    out = tmp_path / "bench.jsonl"
    status = main(["--clients", "400", "--compare-features", "--out", str(out),
                   "--bentoml-home", str(tmp_path / "home"), "--", "--trials", "1", "--folds", "2",
                   "--threads", "1"])
    assert status == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert ["--application-only" in r["args"] for r in rows] == [False, True]
    for row in rows:
        assert row["clients"] == 400 and row["wall_seconds"] > 0 and row["peak_rss_mb"] > 50
        assert 0.5 < row["cv_auc"] <= 1
    assert "1.00x" in capsys.readouterr().out


@pytest.fixture(scope="module")
def kaggle_scale_stand_in(tmp_path_factory):
    """A data folder whose scale-1/ holds a small generated folder: the full mode's path on little data."""
    data_dir = tmp_path_factory.mktemp("benchmark_data")
    write_tables(generate_tables(400, seed=2), data_dir / "scale-1")
    return data_dir


def test_full_scale_mode_replays_each_trial_bare_and_writes_the_report(kaggle_scale_stand_in, tmp_path,
                                                                        capsys, monkeypatch):
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    out = tmp_path / "full.md"
    status = main(["--scale", "full", "--data-dir", str(kaggle_scale_stand_in), "--compare-sample", "0.5",
                   "--out", str(out), "--bentoml-home", str(tmp_path / "home"), "--",
                   "--trials", "2", "--folds", "2", "--threads", "1"])
    assert status == 0
    report = out.read_text()
    assert "| before (issue 21) | 1228 | 2 | | 9.2 | |" in report
    now = re.search(r"^\| now \| (\d+) \| 2 \| (\d+) \| ([\d.]+) \| (0\.\d{4}) \|$", report, re.MULTILINE)
    assert now and float(now.group(3)) > 0.05
    trials = re.findall(r"^\| (\d) \| (\d+) \| \d+ \| \d+ \| ([\d.]+) \|", report, re.MULTILINE)
    assert [t[0] for t in trials] == ["0", "1"] and all(int(t[1]) > 0 and float(t[2]) > 0 for t in trials)
    assert re.search(r"^\| 0.5 sample \(200 rows\) \| \d+ \| 0\.\d{4} \(sample\) \| 0\.\d{4} \|", report,
                     re.MULTILINE)
    assert "bare lightgbm.train" in capsys.readouterr().out
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"  # the bare replay's, as the command's
