"""Traffic of the plain FastAPI reference server: one precomputed feature row per request.

    python -m locust -f load_tests/reference_locustfile.py --headless -u 32 -r 16 -t 60s \
        --host http://127.0.0.1:8000 --payloads results/load_payloads.json
"""

from __future__ import annotations

import random

from locust import FastHttpUser, task

from load_tests.locust_common import bodies, think_time

_JSON = {"Content-Type": "application/json"}


class ReferenceUser(FastHttpUser):
    """Scores one feature row per request."""

    wait_time = think_time

    def on_start(self) -> None:
        self.rows = bodies(self.environment).feature_rows

    @task
    def predict_row(self) -> None:
        body = random.choice(self.rows)
        with self.client.post("/predict", data=body, headers=_JSON, name="reference predict 1",
                              catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}: {(response.text or '')[:200]}")
            elif len(response.json().get("probabilities", [])) != 1:
                response.failure(f"expected one probability, got {response.text[:200]}")
