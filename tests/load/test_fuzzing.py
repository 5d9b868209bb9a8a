"""Fuzzing every endpoint of the served OpenAPI document with schemathesis: no 5xx, no crashed worker.

schemathesis runs as a subprocess (its CLI) with a fixed seed, in two bounded runs: random valid and
invalid requests for every operation (bounded by the number of examples), then the coverage phase's
boundary values, missing fields and wrong media types (bounded by time, as it can generate thousands
of cases for a schema of several hundred fields). Its JSON report gives the cases and the failures.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.server

#: Seconds the coverage phase may take.
COVERAGE_BUDGET_S = 45
#: Each phase's run, as schemathesis options.
# One worker for the bounded run: with two, schemathesis counted one or two operations as skipped
# ("no examples in schema") in some runs although every one was fuzzed, whatever the seed.
RUNS = {
    "fuzzing": ["--phases", "examples,fuzzing", "--max-examples", "100", "--workers", "1"],
    "coverage": ["--phases", "coverage", "--max-time", str(COVERAGE_BUDGET_S), "--workers", "2"],
}


def _schemathesis(url: str, options: list[str], report_dir: Path) -> dict:
    command = [str(Path(sys.executable).with_name("schemathesis")), "run", f"{url}/docs.json",
               "--checks", "not_a_server_error", "--seed", "7", "--request-timeout", "70",
               "--report", "json", "--report-dir", str(report_dir), *options]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    reports = sorted(report_dir.glob("*.json"))
    assert reports, f"no schemathesis report (exit {done.returncode}):\n{done.stdout[-3000:]}{done.stderr}"
    return json.loads(reports[-1].read_text()) | {"output": done.stdout[-4000:]}


@pytest.mark.parametrize("phase", list(RUNS))
def test_fuzzing_every_endpoint_gives_no_server_error(unbroken, tmp_path, phase):
    report = _schemathesis(unbroken.url, RUNS[phase], tmp_path)
    cases = report["test_cases"]
    assert (cases["with_failures"], cases["errored"]) == (0, 0), (report["failures"], report["errors"],
                                                                  report["output"])
    assert cases["generated"] >= 100, report["output"]
    if phase == "fuzzing":
        assert report["operations"]["tested"] == report["operations"]["total"] >= 11, report["operations"]
