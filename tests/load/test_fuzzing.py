"""Fuzzing every endpoint of the served OpenAPI document with schemathesis: no 5xx, no crashed worker.

schemathesis runs as a subprocess (its CLI) with a fixed seed and a time budget, so the run is
bounded and repeatable; its JSON report gives the number of cases and the failures.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.server

#: Seconds of fuzzing: the budget is spent whatever the speed of the server.
BUDGET_S = 60


def _schemathesis(url: str, report_dir: Path) -> dict:
    command = [str(Path(sys.executable).with_name("schemathesis")), "run", f"{url}/docs.json",
               "--checks", "not_a_server_error", "--phases", "coverage,fuzzing", "--max-examples", "25",
               "--seed", "7", "--workers", "2", "--request-timeout", "70", "--max-time", str(BUDGET_S),
               "--report", "json", "--report-dir", str(report_dir)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=BUDGET_S + 240, check=False)
    reports = sorted(report_dir.glob("*.json"))
    assert reports, f"no schemathesis report (exit {done.returncode}):\n{done.stdout[-3000:]}{done.stderr}"
    return json.loads(reports[-1].read_text()) | {"output": done.stdout[-4000:]}


def test_fuzzing_every_endpoint_gives_no_server_error(unbroken, tmp_path):
    report = _schemathesis(unbroken.url, tmp_path)
    cases = report["test_cases"]
    assert report["operations"]["tested"] == report["operations"]["total"] >= 3
    assert cases["generated"] >= 50, report["output"]
    assert (cases["with_failures"], cases["errored"]) == (0, 0), (report["failures"], report["errors"],
                                                                  report["output"])
