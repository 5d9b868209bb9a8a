"""``python -m benchmarks.serving``: what one machine holds, side by side with its limits.

Starts the service in several configurations (adaptive batching on and off, one and two workers) and
runs Locust headless against each (one application with history per request: predict, explain, then
counteroffer, the last at `COUNTEROFFER_USERS` users),
runs the plain FastAPI reference server on precomputed feature rows, measures the same work called
directly in this process (the limit), and writes a Markdown table with throughput, latency
percentiles, failure rate, ratio to the limit and peak memory, followed by the service's floors::

    python -m benchmarks.serving                      # full run, about 15 minutes
    python -m benchmarks.serving --duration 15 --workers 1 --scenarios predict   # quick look
    python -m benchmarks.serving --workers 1 --batching on --scenarios predict --no-monitoring-cost \
        --overload-users 0 --repeats 3                  # what recording costs, on a noisy machine

The model comes from the BentoML store (``BENTOML_HOME``; ``--model``, default
``credit_scoring:latest``): train one first with ``python -m train``. Everything runs on this machine,
load generator included, so compare ratios rather than absolute figures.
"""

from __future__ import annotations

import argparse
import secrets
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import bentoml
from tqdm.auto import tqdm

from access.accounts import Accounts
from benchmarks.measure import RESULTS, write_results
from decisions.database import open_store
from load_tests.in_process import measure, scenario_calls, stage_costs
from load_tests.locust_runner import LOCUSTFILE, REFERENCE_LOCUSTFILE, run_locust
from load_tests.make_payloads import write_payloads
from load_tests.payloads import read_payloads
from load_tests.report import (
    BUSY_DRIFT_S,
    COUNTEROFFER_USERS,
    IN_PROCESS,
    REFERENCE_SERVER,
    SERVICE,
    BenchmarkRow,
    floor_checks,
    markdown,
)
from load_tests.servers import (
    ServerProcess,
    ServiceSettings,
    free_port,
    reference_command,
    running,
    service_command,
    watch_rss,
)
from load_tests.thresholds import Thresholds
from train.bundle import ModelBundle

__all__ = ["SCENARIOS", "main", "parse_args", "service_configurations"]

#: Scenario -> (locust user class, locustfile, in-process call that is its limit).
SCENARIOS: dict[str, tuple[str, Path, str]] = {
    "predict": ("PredictUser", LOCUSTFILE, "predict"),
    "explain": ("ExplainUser", LOCUSTFILE, "explain"),
    "counteroffer": ("CounterofferUser", LOCUSTFILE, "counteroffer"),
    "mix": ("", LOCUSTFILE, "predict"),
}
_REFERENCE = ("ReferenceUser", REFERENCE_LOCUSTFILE, "reference")
# A benchmark run records what happens; the floors are judged in the report, not by Locust's exit code.
_RECORD_ONLY = Thresholds(max_fail_ratio=1.0, max_p95_ms=1e9, max_p99_ms=1e9)
_WARM_UP_S = 15
#: The account Locust's page users sign in with (its password is made for each server).
_PAGE_USER = "load-test"


def _profile(server: ServerProcess, *, seconds: int, out: Path) -> subprocess.Popen[bytes]:
    """Start py-spy on the server's processes (flame graph in `out`); returns the py-spy process."""
    command = [str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(server.process.pid),
               "--subprocesses", "--duration", str(seconds), "--rate", "50", "--nonblocking",
               "--output", str(out)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@dataclass(frozen=True)
class _Run:
    """Settings shared by every Locust run of one benchmark."""

    payloads: Path
    users: int
    duration_s: int
    results: Path
    limits: dict[str, float]
    profile: bool
    service_env: dict[str, str]


def _load(server: ServerProcess, *, scenario: str, run: _Run, server_label: str, settings_label: str,
          users: int | None = None, locust_env: dict[str, str] | None = None) -> BenchmarkRow:
    """Run one scenario against a running server and return its table row."""
    user_class, locustfile, limit = _REFERENCE if scenario == "reference" else SCENARIOS[scenario]
    users = users or run.users
    slug = f"{server_label}_{settings_label}_{scenario}_{users}u".replace(" ", "_").replace(",", "")
    pids_before = server.pids()
    spy = None
    if run.profile:
        spy = _profile(server, seconds=run.duration_s, out=run.results / f"profile_{slug}.svg")
    with watch_rss(server) as rss:
        locust = run_locust(host=server.url, payloads=run.payloads, csv_prefix=run.results / "locust" / slug,
                            users=users, run_time_s=run.duration_s, thresholds=_RECORD_ONLY,
                            user_classes=[user_class] if user_class else [], locustfile=locustfile,
                            env=locust_env)
    if spy is not None:
        spy.wait(timeout=60)
    return BenchmarkRow(server=server_label, settings=settings_label, scenario=scenario, users=users,
                        summary=locust.summary, limit_rps=run.limits[limit], peak_rss_mb=max(rss),
                        restarted_workers=len(pids_before - server.pids()))


def _service_rows(settings: ServiceSettings, scenarios: Sequence[str], run: _Run, *,
                  overload_users: int) -> list[BenchmarkRow]:
    port = free_port()
    log = run.results / "logs" / f"service_{settings.label.replace(' ', '_').replace(',', '')}.log"
    store, page_user = _store_with_page_user(log)
    with running(service_command(port=port), url=f"http://127.0.0.1:{port}", log_path=log,
                 env={**settings.environment(), **run.service_env, "CREDIT_SCORING_DATABASE_URL": store}
                 ) as server:
        # Unmeasured warm-up: BentoML's batching dispatcher sends one request at a time while it
        # learns the batch cost, and the first calls fill caches.
        run_locust(host=server.url, payloads=run.payloads, csv_prefix=run.results / "locust" / "warm-up",
                   users=4, run_time_s=_WARM_UP_S, thresholds=_RECORD_ONLY, user_classes=["PredictUser"],
                   max_think_ms=100.0)
        rows = [_load(server, scenario=s, run=run, server_label=SERVICE, settings_label=settings.label,
                      users=COUNTEROFFER_USERS if s == "counteroffer" else None, locust_env=page_user)
                for s in scenarios]
        if overload_users:
            rows.append(_load(server, scenario="predict", run=run, server_label=SERVICE,
                              settings_label=settings.label, users=overload_users))
    return rows


def _store_with_page_user(log: Path) -> tuple[str, dict[str, str]]:
    """Return a new decision store beside a server's `log`, with an account for Locust's page users
    (the mix scenario opens the page), and the environment that gives Locust its name and password."""
    path = log.with_suffix(".decisions.sqlite3")
    for stale in path.parent.glob(path.name + "*"):
        stale.unlink()
    url = f"sqlite:///{path}"
    password = secrets.token_urlsafe(16)
    Accounts(open_store(url)).add(_PAGE_USER, role="advisor", password=password)
    return url, {"LOCUST_UI_USER": _PAGE_USER, "LOCUST_UI_PASSWORD": password}


def _reference_rows(model: str, run: _Run) -> list[BenchmarkRow]:
    port = free_port()
    with running(reference_command(port=port, model_tag=model), url=f"http://127.0.0.1:{port}",
                 log_path=run.results / "logs" / "reference.log") as server:
        return [_load(server, scenario="reference", run=run, server_label=REFERENCE_SERVER,
                      settings_label="1 process, feature rows")]


def _limit_rows(bundle: ModelBundle, payloads: Path, *, seconds: float) -> list[BenchmarkRow]:
    data = read_payloads(payloads)
    calls = scenario_calls(bundle, records=data.with_history, feature_rows=data.feature_rows)
    rows = []
    for name, call in tqdm(calls.items(), desc="in-process limits", unit="scenario"):
        summary = measure(call, seconds=seconds)
        rows.append(BenchmarkRow(server=IN_PROCESS, settings="1 thread, no HTTP", scenario=name,
                                 users=1, summary=summary, limit_rps=summary.rps, peak_rss_mb=None,
                                 restarted_workers=0))
    return rows


def service_configurations(args: argparse.Namespace) -> list[ServiceSettings]:
    """Return the service configurations to run, in order: each worker count and batching mode, then
    the default configuration's comparisons (without records, without the drift monitor, with it never
    resting), then ``--repeats`` - 1 more rounds of the default and its comparisons, every other round
    in reverse order."""
    configs = [ServiceSettings(workers=w, batching=b == "on") for w in args.workers for b in args.batching]
    compared = [ServiceSettings(recording=False)] if args.recording_cost else []
    if args.monitoring_cost:
        compared += [ServiceSettings(drift_every_s=None), ServiceSettings(drift_every_s=BUSY_DRIFT_S)]
    if compared and ServiceSettings() not in configs:
        configs.insert(0, ServiceSettings())
    configs += compared
    for round_ in range(1, args.repeats if compared else 1):
        again = [ServiceSettings(), *compared]
        configs += again[::-1] if round_ % 2 else again
    return configs


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text}")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.serving",
                                     description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--model", default="credit_scoring:latest", help="BentoML model tag")
    parser.add_argument("--users", type=int, default=32, help="concurrent Locust users per run")
    parser.add_argument("--duration", type=int, default=40, help="seconds per Locust run")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="service worker counts")
    parser.add_argument("--batching", choices=["on", "off"], nargs="+", default=["off", "on"])
    parser.add_argument("--scenarios", choices=list(SCENARIOS), nargs="+",
                        default=["predict", "explain", "counteroffer"])
    parser.add_argument("--recording-cost", action=argparse.BooleanOptionalAction, default=True,
                        help="also run the default configuration (batched, 1 worker) without decision "
                             "records, to compare recording on and off in the same run")
    parser.add_argument("--monitoring-cost", action=argparse.BooleanOptionalAction, default=True,
                        help=f"also run the default configuration without the drift monitor and with it "
                             f"computing the drift every {BUSY_DRIFT_S} s, in the same run")
    parser.add_argument("--repeats", type=_at_least_one, default=1,
                        help="run the default configuration and those compared with it (recording, drift "
                             "monitor) this many times, in alternating order, and judge what they cost on "
                             "the median of the paired runs: the machine's load changes between runs")
    parser.add_argument("--overload-users", type=int, default=64,
                        help="also run predict at this many users on each configuration (0 = skip)")
    parser.add_argument("--payloads", type=Path, default=RESULTS / "load_payloads.json")
    parser.add_argument("--clients", type=int, default=300,
                        help="clients generated for the payload file when it does not exist")
    parser.add_argument("--profile", action="store_true", help="record py-spy flame graphs of the servers")
    parser.add_argument("--bentoml-options", default="",
                        help="BENTOML_CONFIG_OPTIONS for the service, to compare tunings, e.g. "
                             "'services.credit_scoring.logging.access.enabled=false'")
    parser.add_argument("--out", type=Path, default=RESULTS / "load_benchmark.md")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark, print the table and write it to ``--out``."""
    args = parse_args(argv)
    try:
        model_path = bentoml.models.get(args.model).path
    except bentoml.exceptions.NotFound:
        sys.exit(f"model {args.model} not found in the BentoML store; train one first: "
                 "python -m train --clients 20000 --trials 8")
    bundle = ModelBundle.load(model_path)
    if not args.payloads.is_file():
        write_payloads(args.payloads, clients=args.clients, seed=11, accepted_by=bundle)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    rows = _limit_rows(bundle, args.payloads, seconds=min(args.duration, 15))
    costs = stage_costs(bundle, read_payloads(args.payloads).with_history, batch_sizes=(1, args.users))
    run = _Run(payloads=args.payloads, users=args.users, duration_s=args.duration, results=args.out.parent,
               limits={row.scenario: row.summary.rps for row in rows}, profile=args.profile,
               service_env={"BENTOML_CONFIG_OPTIONS": args.bentoml_options} if args.bentoml_options else {})
    rows += _reference_rows(args.model, replace(run, profile=False))
    for settings in tqdm(service_configurations(args), desc="service configurations", unit="config"):
        rows += _service_rows(settings, args.scenarios, run, overload_users=args.overload_users)
    text = markdown(rows, floor_checks(rows, users=args.users), users=args.users, duration_s=args.duration,
                    options=args.bentoml_options, costs=costs)
    print(text)
    write_results(args.out, text)


if __name__ == "__main__":
    main()
