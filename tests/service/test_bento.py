"""The built Bento: ``bentoml build`` pins the model, ``bentoml serve <tag>`` serves it, with an API key."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
import yaml

from load_tests.servers import PROJECT_ROOT, free_port, running, service_command

API_KEY = "test-key-6f1c"
# A model trained after the build: a copy of the trained one under a new version, its bundle saying so.
_NEWER_MODEL = """
import json, shutil, sys
from pathlib import Path
import bentoml
source = Path(sys.argv[1])
with bentoml.models.create("credit_scoring", labels={"copy_of": source.name}) as model:
    shutil.copytree(source, model.path, dirs_exist_ok=True)
    bundle = json.loads((Path(model.path) / "bundle.json").read_text())
    bundle["version"] = str(model.tag)
    (Path(model.path) / "bundle.json").write_text(json.dumps(bundle))
print(model.tag)
"""


@pytest.fixture(scope="module")
def home(trained_model, tmp_path_factory):
    """A copy of the trained model's BentoML home: these tests add a Bento and a newer model to it."""
    copy = tmp_path_factory.mktemp("bento_home") / "bentoml_home"
    shutil.copytree(trained_model.bentoml_home, copy)
    return dataclasses.replace(trained_model, bentoml_home=copy,
                               path=copy / trained_model.path.relative_to(trained_model.bentoml_home))


@pytest.fixture(scope="module")
def bento_tag(home) -> str:
    done = subprocess.run([sys.executable, "-m", "bentoml", "build", "."], cwd=PROJECT_ROOT, text=True,
                          capture_output=True, timeout=600, check=False, env=home.environment())
    assert done.returncode == 0, f"bentoml build failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    found = re.search(r'Successfully built Bento\(tag="([^"]+)"\)', done.stdout + done.stderr)
    assert found, done.stdout[-3000:]
    return found.group(1)


@pytest.fixture(scope="module")
def newer_model(home, bento_tag) -> str:
    done = subprocess.run([sys.executable, "-c", _NEWER_MODEL, str(home.path)], capture_output=True,
                          text=True, timeout=120, check=True, env=home.environment())
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def bento_server(home, bento_tag, newer_model, tmp_path_factory) -> Iterator[httpx.Client]:
    log_path = tmp_path_factory.mktemp("bento_server") / "bentoml.log"
    port = free_port()
    env = {"BENTOML_HOME": str(home.bentoml_home), "CREDIT_SCORING_API_KEY": API_KEY}
    with (running(service_command(port=port, target=bento_tag), url=f"http://127.0.0.1:{port}",
                  log_path=log_path, env=env, cwd=log_path.parent) as served,
          httpx.Client(base_url=served.url, timeout=120) as client):
        yield client


def bento_file(home, tag: str) -> dict:
    name, version = tag.split(":")
    return yaml.safe_load((home.bentoml_home / "bentos" / name / version / "bento.yaml").read_text())


def test_bento_pins_the_trained_model_in_every_service(home, trained_model, bento_tag):
    services = bento_file(home, bento_tag)["services"]
    assert {s["name"] for s in services} == {"credit_scoring", "credit_scoring_model",
                                             "credit_scoring_monitor"}
    assert {m["tag"] for s in services for m in s["models"]} == {trained_model.tag}


def test_served_bento_uses_its_pinned_model_though_a_newer_one_exists(bento_server, trained_model,
                                                                       newer_model):
    assert newer_model != trained_model.tag
    card = bento_server.get("/model/card", headers={"X-API-Key": API_KEY}).json()
    assert card["version"] == trained_model.tag


def test_served_bento_predicts_with_the_pinned_model(bento_server, records, trained_model):
    response = bento_server.post("/predict", json={"applications": records[:3]},
                                 headers={"Authorization": f"Bearer {API_KEY}"})
    assert response.status_code == 200, response.text
    assert {a["model_version"] for a in response.json()} == {trained_model.tag}


@pytest.mark.parametrize(("method", "path"), [("POST", "/predict"), ("POST", "/explain"),
                                              ("POST", "/counteroffer"), ("GET", "/model/card")])
@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong"}])
def test_endpoints_need_the_api_key_when_one_is_set(bento_server, records, method, path, headers):
    response = bento_server.request(method, path, json={"applications": records[:1]}, headers=headers)
    assert response.status_code == 401
    assert "API key" in response.json()["error"]


@pytest.mark.parametrize("path", ["/readyz", "/livez", "/metrics"])
def test_health_and_metrics_stay_open_with_an_api_key(bento_server, path):
    assert bento_server.get(path).status_code == 200
