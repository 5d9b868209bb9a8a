"""What the project's locustfiles share: command-line options, payload bodies and the pass/fail check.

Importing this module registers two locust event listeners: one adds the ``--payloads`` and threshold
options, the other sets the process exit code when the run breaks a threshold, so that a headless
run (``--headless``) exits non-zero when the service falls short. Only locustfiles import it.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Sequence
from typing import Any

from locust import events
from locust.env import Environment

from load_tests.payloads import read_payloads
from load_tests.thresholds import RunSummary, Thresholds, violations

__all__ = ["Bodies", "bodies", "think_time", "thresholds_from_options"]

_LOG = logging.getLogger("load_tests")
# Distinct multi-application bodies per process: enough variety, without holding every combination.
_MANY_BODIES = 100
_DEFAULTS = Thresholds()


@events.init_command_line_parser.add_listener
def _add_options(parser: Any) -> None:
    group = parser.add_argument_group("credit-scoring payloads and pass/fail thresholds")
    group.add_argument("--payloads", default="results/load_payloads.json", env_var="LOCUST_PAYLOADS",
                       help="payload file written by python -m load_tests.make_payloads")
    group.add_argument("--max-think-ms", type=float, default=100.0, env_var="LOCUST_MAX_THINK_MS",
                       help="each user waits a random 0..max-think-ms between requests (0 = closed loop)")
    group.add_argument("--max-fail-ratio", type=float, default=_DEFAULTS.max_fail_ratio,
                       env_var="LOCUST_MAX_FAIL_RATIO", help="highest accepted share of failed requests")
    group.add_argument("--max-p95-ms", type=float, default=_DEFAULTS.max_p95_ms,
                       env_var="LOCUST_MAX_P95_MS", help="highest accepted p95 response time (ms)")
    group.add_argument("--max-p99-ms", type=float, default=_DEFAULTS.max_p99_ms,
                       env_var="LOCUST_MAX_P99_MS", help="highest accepted p99 response time (ms)")
    group.add_argument("--ui-user", default="", env_var="LOCUST_UI_USER",
                       help="account the page's users sign in with (the advisor page needs one)")
    group.add_argument("--ui-password", default="", env_var="LOCUST_UI_PASSWORD",
                       help="its password (give it through LOCUST_UI_PASSWORD, not the command line)")
    group.add_argument("--min-rps", type=float, default=_DEFAULTS.min_rps, env_var="LOCUST_MIN_RPS",
                       help="lowest accepted throughput (requests per second)")


def thresholds_from_options(options: Any) -> Thresholds:
    """Return the thresholds given on locust's command line (or their defaults)."""
    return Thresholds(max_fail_ratio=options.max_fail_ratio, max_p95_ms=options.max_p95_ms,
                      max_p99_ms=options.max_p99_ms, min_rps=options.min_rps)


@events.quitting.add_listener
def _check_thresholds(environment: Environment, **_: Any) -> None:
    total = environment.stats.total
    summary = RunSummary(requests=total.num_requests, failures=total.num_failures, rps=total.total_rps,
                         p50_ms=total.get_response_time_percentile(0.50),
                         p95_ms=total.get_response_time_percentile(0.95),
                         p99_ms=total.get_response_time_percentile(0.99))
    broken = violations(summary, thresholds_from_options(environment.parsed_options))
    for sentence in broken:
        _LOG.error("threshold broken: %s", sentence)
    if broken:
        environment.process_exit_code = 1
    else:
        _LOG.info("all thresholds met: %d requests, %.1f rps, p95 %.0f ms, p99 %.0f ms, fail ratio %.2f%%",
                  summary.requests, summary.rps, summary.p95_ms, summary.p99_ms, 100 * summary.fail_ratio)


def think_time(user: Any) -> float:
    """Locust ``wait_time``: a random pause of 0 to ``--max-think-ms`` milliseconds, in seconds."""
    return random.uniform(0.0, user.environment.parsed_options.max_think_ms / 1000.0)


class Bodies:
    """Pre-serialised JSON request bodies, built once per locust process from the payload file.

    Parameters
    ----------
    path : str
        The payload file.
    applications_field : str
        Name of the request field that carries the list of applications.
    batch_size : int
        Number of applications in each of the ``many`` bodies.
    """

    def __init__(self, path: str, *, applications_field: str, batch_size: int) -> None:
        payloads = read_payloads(path)
        self.with_history = [self._body(applications_field, [r]) for r in payloads.with_history]
        self.without_history = [self._body(applications_field, [r]) for r in payloads.without_history]
        pool = [*payloads.with_history, *payloads.without_history]
        self.many = [self._body(applications_field, random.Random(i).sample(pool, batch_size))
                     for i in range(_MANY_BODIES)]
        self.feature_rows = [self._body("rows", [r]) for r in payloads.feature_rows]

    @staticmethod
    def _body(field: str, records: Sequence[dict[str, Any]]) -> bytes:
        return json.dumps({field: list(records)}, separators=(",", ":")).encode()


_BODIES: dict[tuple[str, str, int], Bodies] = {}


def bodies(environment: Environment, *, applications_field: str = "applications",
           batch_size: int = 10) -> Bodies:
    """Return this process's request bodies, reading the payload file on first use only."""
    key = (environment.parsed_options.payloads, applications_field, batch_size)
    if key not in _BODIES:
        _BODIES[key] = Bodies(key[0], applications_field=applications_field, batch_size=batch_size)
    return _BODIES[key]
