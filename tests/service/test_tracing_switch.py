"""CREDIT_SCORING_TRACING: the scoring paths stay out of BentoML's tracing unless it is on."""

import json
import subprocess
import sys

import pytest

from load_tests.servers import PROJECT_ROOT

_CONFIGS = ("import json, service; print(json.dumps([service.CreditScoring.config.get('tracing'), "
            "service.ScoringModel.config.get('tracing')]))")


def _tracing_configs(trained_model, switch: str) -> subprocess.CompletedProcess:
    env = trained_model.environment(CREDIT_SCORING_TRACING=switch)
    return subprocess.run([sys.executable, "-c", _CONFIGS], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=180, check=False, env=env)


@pytest.mark.parametrize(("switch", "expected"), [
    ("off", {"excluded_urls": ["/predict", "/explain", "/counteroffer"]}),
    ("on", None),  # BentoML's own tracing configuration applies
])
def test_both_services_follow_the_switch(trained_model, switch, expected):
    done = _tracing_configs(trained_model, switch)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == [expected, expected]


def test_an_unknown_value_stops_the_service_naming_the_variable(trained_model):
    done = _tracing_configs(trained_model, "yes")
    assert done.returncode != 0
    assert "CREDIT_SCORING_TRACING must be 'on' or 'off', got 'yes'" in done.stderr
    assert "Traceback" not in done.stderr
