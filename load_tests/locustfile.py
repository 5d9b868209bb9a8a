"""Traffic of the credit-scoring service: advisors' predictions, explanations, counteroffers and the UI.

Run without a user class, the classes' weights give the realistic mix; name one class to load a
single endpoint (the benchmark does)::

    python -m load_tests.make_payloads --out results/load_payloads.json
    python -m locust -f load_tests/locustfile.py --headless -u 32 -r 16 -t 60s \
        --host http://127.0.0.1:3000 --payloads results/load_payloads.json [PredictUser]

The run exits non-zero when it breaks a threshold (``--max-fail-ratio``, ``--max-p95-ms``,
``--max-p99-ms``, ``--min-rps``; see ``load_tests/locust_common.py``).
"""

from __future__ import annotations

import random
from urllib.parse import urlencode

from locust import FastHttpUser, between, task

from load_tests.locust_common import bodies, think_time

PREDICT_PATH = "/predict"
EXPLAIN_PATH = "/explain"
COUNTEROFFER_PATH = "/counteroffer"
UI_PATH = "/ui/"
_JSON = {"Content-Type": "application/json"}
_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class _ServiceUser(FastHttpUser):
    """An advisor's client: posts pre-serialised bodies and checks that each answer is complete."""

    abstract = True
    # Advisors look at an answer before the next request; the benchmark sets --max-think-ms 0.
    wait_time = think_time

    def on_start(self) -> None:
        self.bodies = bodies(self.environment)

    def _post(self, path: str, body: bytes, *, name: str, expected_items: int,
              required: str = "probability") -> None:
        with self.client.post(path, data=body, headers=_JSON, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}: {(response.text or '')[:200]}")
                return
            items = response.json()
            if not isinstance(items, list) or len(items) != expected_items:
                response.failure(f"expected {expected_items} items, got {str(items)[:200]}")
            elif any(required not in item for item in items):
                response.failure(f"an item has no {required}: {str(items)[:200]}")


class PredictUser(_ServiceUser):
    """Scores one application that comes with its credit history (the sizing scenario)."""

    weight = 6

    @task
    def predict_with_history(self) -> None:
        self._post(PREDICT_PATH, random.choice(self.bodies.with_history), name="predict 1 (history)",
                   expected_items=1)


class PredictNoHistoryUser(_ServiceUser):
    """Scores one application of a client without any history (a first-time borrower)."""

    weight = 2

    @task
    def predict_without_history(self) -> None:
        self._post(PREDICT_PATH, random.choice(self.bodies.without_history), name="predict 1 (no history)",
                   expected_items=1)


class PredictTenUser(_ServiceUser):
    """Scores ten applications in one request (a morning's queue of an advisor)."""

    weight = 1

    @task
    def predict_ten(self) -> None:
        self._post(PREDICT_PATH, random.choice(self.bodies.many), name="predict 10", expected_items=10)


class ExplainUser(_ServiceUser):
    """Asks why: one application with history, explained feature by feature."""

    weight = 1

    @task
    def explain_with_history(self) -> None:
        self._post(EXPLAIN_PATH, random.choice(self.bodies.with_history), name="explain 1 (history)",
                   expected_items=1)


class CounterofferUser(_ServiceUser):
    """Asks what could be lent instead: one application with history, its loan's terms searched."""

    weight = 1

    @task
    def counteroffer_with_history(self) -> None:
        self._post(COUNTEROFFER_PATH, random.choice(self.bodies.with_history),
                   name="counteroffer 1 (history)", expected_items=1, required="asked")


class UiUser(_ServiceUser):
    """Opens the advisor's page (the Gradio UI mounted by the service), as a browser does.

    A browser signs in (``--ui-user``, ``LOCUST_UI_PASSWORD``), gets the page, then runs the page's
    "load" event through Gradio's API (it fills the page's lists); the event is found in the page's
    config, so a renamed handler is still found.
    """

    weight = 1
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        super().on_start()
        options = self.environment.parsed_options
        form = urlencode({"username": options.ui_user, "password": options.ui_password})
        with self.client.post(f"{UI_PATH}login", data=form, headers=_FORM, name="ui sign-in",
                              allow_redirects=False, catch_response=True) as signed:
            if signed.status_code != 303:
                signed.failure(f"HTTP {signed.status_code}: the page needs an account (--ui-user and "
                               "LOCUST_UI_PASSWORD)")
        config = self.client.get(f"{UI_PATH}config", name="ui config").json()
        loads = [d["api_name"] for d in config["dependencies"]
                 if any(target[1] == "load" for target in d["targets"]) and d.get("api_name")]
        self.load_event = loads[0] if loads else None

    @task
    def open_page(self) -> None:
        with self.client.get(UI_PATH, name="ui page", catch_response=True) as response:
            if response.status_code != 200 or "gradio" not in (response.text or "").lower():
                response.failure(f"HTTP {response.status_code}, not the Gradio page")
                return
        if self.load_event is not None:
            self._run_event(self.load_event)

    def _run_event(self, api_name: str) -> None:
        """Start a Gradio event, then read its result stream to the end, as one timed request each."""
        call = f"{UI_PATH}gradio_api/call/{api_name}"
        with self.client.post(call, json={"data": []}, name="ui load event (start)",
                              catch_response=True) as started:
            if started.status_code != 200:
                started.failure(f"HTTP {started.status_code}: {(started.text or '')[:200]}")
                return
            event_id = started.json()["event_id"]
        with self.client.get(f"{call}/{event_id}", name="ui load event (result)",
                             catch_response=True) as result:
            if "event: complete" not in (result.text or ""):
                result.failure(f"the event did not complete: {(result.text or '')[:200]}")
