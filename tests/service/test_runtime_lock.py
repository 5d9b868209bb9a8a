"""The runtime lock alone serves the service: a fresh environment with only requirements/runtime.lock
imports `service` under ``bentoml serve`` and scores an application over HTTP.

This is what the Bento's image holds (bentofile.yaml installs that lock), so a package the service
needs but only the development lock has would fail here, not in production.
"""

import json
import subprocess
import sys
import urllib.request

import pytest

from load_tests.servers import PROJECT_ROOT, free_port, running

pytestmark = [pytest.mark.server, pytest.mark.slow]

RUNTIME_LOCK = PROJECT_ROOT / "requirements" / "runtime.lock"
#: Tools of the development lock that must stay out of the image.
DEVELOPMENT_ONLY = {"pytest", "locust", "playwright", "ruff", "schemathesis", "optuna", "shap", "dask",
                    "optuna-dashboard", "py-spy"}


def _uv(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "uv", *args], capture_output=True, text=True, timeout=1200,
                          check=False)


@pytest.fixture(scope="module")
def runtime_env(tmp_path_factory):
    """A virtual environment with the runtime lock installed, and nothing else.

    uv installs the same pinned versions as the image's pip, and compiles the bytecode as pip does, in
    about 12 s where pip took 50 s.
    """
    venv = tmp_path_factory.mktemp("runtime") / "venv"
    made = _uv("venv", "-q", "--python", sys.executable, str(venv))
    assert made.returncode == 0, made.stderr[-3000:]
    done = _uv("pip", "install", "-q", "--compile-bytecode", "--python", str(venv / "bin" / "python"),
               "-r", str(RUNTIME_LOCK))
    assert done.returncode == 0, done.stderr[-3000:]
    return venv


def test_runtime_lock_holds_no_development_tool(runtime_env):
    listed = _uv("pip", "list", "--python", str(runtime_env / "bin" / "python"), "--format", "json")
    assert listed.returncode == 0, listed.stderr[-3000:]
    installed = {package["name"].lower() for package in json.loads(listed.stdout)}
    assert not installed & DEVELOPMENT_ONLY


def test_runtime_lock_alone_serves_and_scores_an_application(runtime_env, trained_model, records, tmp_path):
    port = free_port()
    command = [str(runtime_env / "bin" / "bentoml"), "serve", ".", "--host", "127.0.0.1", "--port", str(port)]
    env = {"BENTOML_HOME": str(trained_model.bentoml_home), "CREDIT_SCORING_API_KEY": "",
           "CREDIT_SCORING_DEMO_DATA": str(tmp_path / "none"), "PATH": f"{runtime_env / 'bin'}:/usr/bin:/bin"}
    url = f"http://127.0.0.1:{port}"
    with running(command, url=url, log_path=tmp_path / "bentoml.log", env=env) as served:
        request = urllib.request.Request(f"{served.url}/predict", method="POST",
                                         data=json.dumps({"applications": records[:1]}).encode(),
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as answer:
            [decision] = json.loads(answer.read())
    assert decision["SK_ID_CURR"] == records[0]["SK_ID_CURR"]
    assert decision["decision"] in ("approved", "refused") and 0 <= decision["probability"] <= 1
