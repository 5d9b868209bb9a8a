"""The benchmark's Markdown report: one table of runs, then the service's floors, each passed or not."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from load_tests.servers import ServiceSettings
from load_tests.thresholds import RunSummary

__all__ = ["BATCHING_GAIN", "BUSY_DRIFT_S", "COUNTEROFFER_USERS", "IN_PROCESS", "MAX_COST", "MAX_P99_MS",
           "RECORDED", "REFERENCE_SERVER", "REFERENCE_SHARE", "SERVICE", "BenchmarkRow", "FloorCheck",
           "StageCost", "floor_checks", "markdown"]

#: The floors on one 2-core machine with the load generator on it, for one application with history
#: per request at the benchmark's user count: no failure, this p99, this share of the plain reference
#: server's throughput, and adaptive batching this many times the unbatched throughput. Counteroffers
#: (issue 22): no failure and this p99 at `COUNTEROFFER_USERS` concurrent clients.
MAX_P99_MS = 300.0
COUNTEROFFER_USERS = 8
REFERENCE_SHARE = 0.5
BATCHING_GAIN = 1.3
#: The service's default configuration, whose decision records are measured against none.
RECORDED = ServiceSettings().label
#: Largest share of the throughput that recording the decisions, or the drift monitor, may cost.
MAX_COST = 0.15
#: Seconds between drift computations when the monitor's cost is measured: it never rests.
BUSY_DRIFT_S = 5

#: The servers of the table, as named in its rows.
SERVICE = "BentoML service"
REFERENCE_SERVER = "plain FastAPI"
IN_PROCESS = "in-process (limit)"


@dataclass(frozen=True)
class BenchmarkRow:
    """One measured configuration.

    Parameters
    ----------
    server, settings, scenario : str
        What was measured ("BentoML service", "batched, 2 workers", "predict").
    users : int
        Concurrent clients (1 for in-process limits).
    summary : RunSummary
        Throughput, failures and latency percentiles.
    limit_rps : float
        The in-process rate of the same work, which the throughput is divided by.
    peak_rss_mb : float or None
        Highest resident memory of the server's processes during the run (None in process).
    restarted_workers : int
        Server processes that disappeared during the run (crashed or restarted workers).
    """

    server: str
    settings: str
    scenario: str
    users: int
    summary: RunSummary
    limit_rps: float
    peak_rss_mb: float | None
    restarted_workers: int


@dataclass(frozen=True)
class StageCost:
    """CPU time of one stage of the service's work on a batch of `batch_size` applications."""

    stage: str
    batch_size: int
    cpu_ms: float

    @property
    def per_application_ms(self) -> float:
        """float: CPU milliseconds per application of the batch."""
        return self.cpu_ms / self.batch_size


@dataclass(frozen=True)
class FloorCheck:
    """One floor: what it requires, what was measured, and whether it holds."""

    requirement: str
    measured: str
    passed: bool


def _service_predict(rows: Sequence[BenchmarkRow], users: int) -> list[BenchmarkRow]:
    return [r for r in rows if r.server == SERVICE and r.scenario == "predict" and r.users == users]


def _grouped(rows: Sequence[BenchmarkRow]) -> dict[str, list[BenchmarkRow]]:
    """The runs of each configuration, in the order they ran."""
    grouped: dict[str, list[BenchmarkRow]] = {}
    for row in rows:
        grouped.setdefault(row.settings, []).append(row)
    return grouped


def _cost_check(what: str, measured: Sequence[BenchmarkRow], base: Sequence[BenchmarkRow],
                label: str) -> FloorCheck:
    """What `label`'s runs cost against `base`'s: the median over the pairs of runs made one after the
    other (the i-th of each), so that a change of the shared machine's load between two runs weighs
    once, not in every figure."""
    pairs = list(zip(measured, base, strict=False))
    costs = [1 - m.summary.rps / b.summary.rps for m, b in pairs]
    cost = statistics.median(costs)
    p99 = max(m.summary.p99_ms for m, _ in pairs)
    runs = ", ".join(f"{m.summary.rps:.0f} vs {b.summary.rps:.0f}" for m, b in pairs)
    shares = ", ".join(f"{c:.1%}" for c in costs)
    median = f" (median {cost:.1%})" if len(costs) > 1 else ""
    return FloorCheck(f"{label}: {what} cost <= {MAX_COST:.0%} of the throughput, p99 <= {MAX_P99_MS:.0f} ms",
                      f"{runs} rps without = {shares} less{median}; p99 {p99:.0f} ms",
                      cost <= MAX_COST and p99 <= MAX_P99_MS)


def _latency_check(row: BenchmarkRow, what: str) -> FloorCheck:
    s = row.summary
    return FloorCheck(f"{what}: no failure, p99 <= {MAX_P99_MS:.0f} ms", f"{s.failures} failures, p99 "
                      f"{s.p99_ms:.0f} ms", s.failures == 0 and s.p99_ms <= MAX_P99_MS)


def floor_checks(rows: Sequence[BenchmarkRow], *, users: int) -> list[FloorCheck]:
    """Check the service's floors on the predict runs at `users` concurrent users.

    Every service configuration must have no failure and a p99 within ``MAX_P99_MS``; its throughput is
    compared with the reference server's (``REFERENCE_SHARE``), and for each worker count the batched
    throughput with the unbatched one (``BATCHING_GAIN``, on each configuration's median throughput). Its
    counteroffer runs at ``COUNTEROFFER_USERS`` users must have no failure and a p99 within
    ``MAX_P99_MS`` too. What recording and the drift monitor cost is judged on the median of their
    paired runs (see ``python -m benchmarks.serving --repeats``).
    """
    checks = []
    reference = next((r for r in rows if r.server == REFERENCE_SERVER), None)
    predict = _service_predict(rows, users)
    for row in predict:
        s = row.summary
        checks.append(_latency_check(row, row.settings))
        if reference is not None:
            share = s.rps / reference.summary.rps
            checks.append(FloorCheck(f"{row.settings}: >= {REFERENCE_SHARE:.0%} of plain FastAPI's rps",
                                     f"{s.rps:.0f} / {reference.summary.rps:.0f} rps = {share:.2f}",
                                     share >= REFERENCE_SHARE))
    by_settings = _grouped(predict)
    for what, with_it, without in (("decision records", RECORDED, f"{RECORDED}, not recorded"),
                                   ("the drift monitor, computing without rest", f"{RECORDED}, drift every "
                                    f"{BUSY_DRIFT_S} s", f"{RECORDED}, no drift monitor")):
        measured, base = by_settings.get(with_it), by_settings.get(without)
        if measured and base:
            checks.append(_cost_check(what, measured, base, with_it))
    for workers in sorted({r.settings.split(", ")[1] for r in predict}):
        batched, unbatched = by_settings.get(f"batched, {workers}"), by_settings.get(f"unbatched, {workers}")
        if batched and unbatched:
            fast = statistics.median(r.summary.rps for r in batched)
            slow = statistics.median(r.summary.rps for r in unbatched)
            checks.append(FloorCheck(f"{workers}: batched >= {BATCHING_GAIN}x unbatched throughput",
                                     f"{fast:.0f} / {slow:.0f} rps = {fast / slow:.2f}",
                                     fast / slow >= BATCHING_GAIN))
    counteroffer = [r for r in rows if r.server == SERVICE and r.scenario == "counteroffer"
                    and r.users == COUNTEROFFER_USERS]
    return checks + [_latency_check(r, f"{r.settings}: counteroffer at {r.users} users")
                     for r in counteroffer]


def _row_line(row: BenchmarkRow) -> str:
    s = row.summary
    rss = "" if row.peak_rss_mb is None else f"{row.peak_rss_mb:.0f}"
    restarts = "" if row.peak_rss_mb is None else str(row.restarted_workers)
    return (f"| {row.server} | {row.settings} | {row.scenario} | {row.users} | {s.rps:.1f} | "
            f"{s.p50_ms:.0f} | {s.p95_ms:.0f} | {s.p99_ms:.0f} | {s.fail_ratio:.2%} | "
            f"{s.rps / row.limit_rps:.2f} | {rss} | {restarts} |")


def _stage_lines(costs: Sequence[StageCost]) -> list[str]:
    sizes = sorted({c.batch_size for c in costs})
    by_stage: dict[str, dict[int, StageCost]] = {}
    for cost in costs:
        by_stage.setdefault(cost.stage, {})[cost.batch_size] = cost
    largest = sizes[-1]
    return [
        "## Where a batch's time goes (in process, CPU ms per batch)",
        "",
        "| stage | " + " | ".join(f"batch of {n}" for n in sizes) + f" | per application at {largest} |",
        "|---|" + "---:|" * (len(sizes) + 1),
        *(f"| {stage} | " + " | ".join(f"{by_size[n].cpu_ms:.1f}" for n in sizes)
          + f" | {by_size[largest].per_application_ms:.2f} |" for stage, by_size in by_stage.items()),
        "",
    ]


def markdown(rows: Sequence[BenchmarkRow], checks: Sequence[FloorCheck], *, users: int, duration_s: int,
             options: str = "", costs: Sequence[StageCost] = ()) -> str:
    """Return the report: the table of runs, the floors, where a batch's time goes, how to read them.

    `options` is the ``BENTOML_CONFIG_OPTIONS`` the service ran with, if any; `costs` the stage costs.
    """
    lines = [
        "# Load benchmark",
        "",
        f"Locust headless, {duration_s} s per run after an unmeasured warm-up, users sending back to back "
        "(no think time), one application with its history per request (reference: its precomputed "
        "feature row); load generator and servers on the same machine. *ratio* = throughput / in-process "
        "rate of the same work on one thread (the limit); *restarts* = server processes lost during the run.",
        *([f"Service run with `BENTOML_CONFIG_OPTIONS='{options}'`."] if options else []),
        "",
        "| server | configuration | scenario | users | rps | p50 ms | p95 ms | p99 ms | failures | ratio "
        "to limit | peak RSS MiB | restarts |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *(_row_line(row) for row in rows),
        "",
        f"## Floors (predict at {users} users, counteroffer at {COUNTEROFFER_USERS})",
        "",
        "| requirement | measured | verdict |",
        "|---|---|---|",
        *(f"| {c.requirement} | {c.measured} | {'pass' if c.passed else '**FAIL**'} |" for c in checks),
        "",
        *(_stage_lines(costs) if costs else []),
    ]
    return "\n".join(lines)
