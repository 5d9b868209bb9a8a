"""The one way the benchmarks measure a child process: wall and CPU time, peak memory, its output."""

import subprocess
import sys

import pytest

from benchmarks.measure import elapsed_ms, measure, write_results

#: Holds ~300 MB for a moment, burns some CPU, prints a lot (more than a pipe holds) and a last line.
_CHILD = ("import time; block = bytearray(300 * 2**20); block[::4096] = b'x' * len(block[::4096]); "
          "sum(range(3 * 10**6)); time.sleep(0.3); print('x' * 200_000); print('last line')")


def test_measure_sees_the_peak_memory_cpu_and_output_of_the_child():
    run = measure([sys.executable, "-c", _CHILD], capture=True)
    assert run.peak_tree_rss_mb > 300 and run.peak_process_rss_mb > 300
    assert run.cpu_seconds > 0 and run.wall_seconds >= 0.3
    assert run.stdout.splitlines()[-1] == "last line"


def test_measure_raises_with_the_error_output_of_a_failed_child():
    with pytest.raises(subprocess.CalledProcessError) as caught:
        measure([sys.executable, "-c", "import sys; sys.exit('broken input')"], capture=True)
    assert "broken input" in caught.value.stderr


def test_elapsed_ms_and_write_results(tmp_path, capsys):
    assert elapsed_ms(lambda: sum(range(10**5))) > 0
    path = write_results(tmp_path / "deep" / "r.md", "| a |\n")
    assert path.read_text() == "| a |\n"
    assert f"written to {path}" in capsys.readouterr().out
