"""Starting the service without a model: one line that says how to train one, and no server."""

import os
import subprocess

from load_tests.servers import PROJECT_ROOT, free_port, service_command


def test_service_refuses_to_start_without_a_model(tmp_path):
    env = {**os.environ, "BENTOML_HOME": str(tmp_path / "empty_home"), "BENTOML_DO_NOT_TRACK": "true",
           "GRADIO_ANALYTICS_ENABLED": "False"}
    done = subprocess.run(service_command(port=free_port()), cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=180, check=False, env=env)
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert [line for line in output.splitlines() if line.strip()][-1] == (
        "no credit_scoring:latest model in the BentoML model store; train one with `python -m train`")
    assert "Traceback" not in output
