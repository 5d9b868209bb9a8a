"""The feature benchmark's measurements, on a tiny generated folder."""

import pytest

from benchmarks.features import _report, build_from_folder, main, time_records_path


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    synthetic = pytest.importorskip("synthetic")
    out = tmp_path_factory.mktemp("kaggle")
    synthetic.write_tables(synthetic.generate_tables(300, seed=2), out)
    return out


def test_full_build_reports_rows_features_time_and_memory(folder):
    result = build_from_folder(folder)
    assert result["rows"] == 300 + round(0.1585 * 300)
    assert result["features"] > 700
    assert 0 < result["read_s"] < result["total_s"] and result["cpu_s"] > 0 and result["peak_gb"] > 0.05


@pytest.mark.parametrize("batch", [1, 8])
def test_records_path_timing_per_batch_size(folder, batch):
    [result] = time_records_path(folder, batch_sizes=(batch,), repeats=2)
    assert result["batch"] == batch and result["history_rows"] > 0
    assert result["ms_per_application"] == pytest.approx(result["ms_per_batch"] / batch)


def test_report_compares_with_the_reference_and_the_floor():
    build = {"read_s": 10.0, "build_s": 27.5, "total_s": 37.5, "cpu_s": 40.0, "peak_gb": 2.35, "rows": 9,
             "features": 800}
    serving = [{"batch": 64, "ms_per_batch": 96.0, "ms_per_application": 1.5, "cpu_ms_per_application": 1.2,
                "history_rows": 150.0}]
    report = _report({1.0: build}, serving, {"clients": 100, "application_only": 0.7, "all_features": 0.75})
    assert "| 1 | 9 | 800 | 10.0 | 27.5 | 37.5 | 40.0 | 2.35 | 0.50 | 0.50 |" in report
    assert "measured 1.50 ms wall (0.50 of the floor), 1.20 ms CPU (0.40 of the floor)" in report
    assert "| all families | 0.7500 |" in report
    assert ("Full scale before issue 21: 54.8 s, 3.73 GB; goal: at most 30 s and 2.4 GB; now 37.5 s "
            "(1.25 of the goal; CPU 40.0 s), 2.35 GB (0.98 of the goal)") in report


def test_command_writes_the_report(folder, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "scale-0.001").symlink_to(folder)
    out = tmp_path / "report.md"
    main(["--data-dir", str(data_dir), "--scales", "0.001", "--auc-clients", "0", "--out", str(out)])
    assert f"| 0.001 | {300 + round(0.1585 * 300)} | " in out.read_text()
