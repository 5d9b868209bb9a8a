"""Tests of benchmarks/training.py: it runs the command, measures it and appends the results."""

import json

from benchmarks.training import main


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
