"""The limits a server is compared with: the same work called directly, in this process, one thread.

No HTTP, no JSON, no queue: what is left is the cost of the model path itself, so a server's
throughput divided by this rate says how much of a core the serving machinery leaves to the model.
`stage_costs` splits the service's work on one batch into its stages (CPU time), to show where a
batch's time goes and how much of it is fixed per batch rather than per application.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np

from features.build import build_features_from_records
from load_tests.reference_server import row_scorer
from load_tests.report import StageCost
from load_tests.thresholds import RunSummary
from serving.collector import serving_collector
from serving.counteroffer import counteroffers
from serving.requests import PredictBody
from serving.scoring import Scorer
from train.bundle import ModelBundle

__all__ = ["measure", "scenario_calls", "stage_costs"]


def measure(call: Callable[[int], object], *, seconds: float, min_calls: int = 20) -> RunSummary:
    """Call ``call(i)`` for i = 0, 1, ... during `seconds` (at least `min_calls` times) and time each call.

    Returns
    -------
    RunSummary
        Calls per second and the percentiles of one call's duration.
    """
    durations = []
    # The collector as the services run it: otherwise the limit's p99 is its pauses, not the work.
    with serving_collector():
        started = time.perf_counter()
        while time.perf_counter() - started < seconds or len(durations) < min_calls:
            before = time.perf_counter()
            call(len(durations))
            durations.append(time.perf_counter() - before)
        elapsed = time.perf_counter() - started
    p50, p95, p99 = np.percentile(np.array(durations) * 1000.0, [50, 95, 99])
    return RunSummary(requests=len(durations), failures=0, rps=len(durations) / elapsed, p50_ms=float(p50),
                      p95_ms=float(p95), p99_ms=float(p99))


def scenario_calls(bundle: ModelBundle, *, records: Sequence[dict[str, Any]],
                   feature_rows: Sequence[dict[str, Any]]) -> dict[str, Callable[[int], object]]:
    """Return the direct equivalent of each benchmark scenario, as ``call(i)`` on the i-th payload.

    ``predict`` and ``explain`` take one raw record with history, as the service does (features built
    from the record, then the calibrated probability, or the contributions too); ``counteroffer``
    searches one record as the model service does (validation included: the search validates its
    candidate loans); ``reference`` scores one precomputed feature row with the reference server's own
    code.
    """
    def predict(i: int) -> object:
        return bundle.predict_proba(build_features_from_records([records[i % len(records)]]))

    def explain(i: int) -> object:
        features = build_features_from_records([records[i % len(records)]])
        return bundle.predict_proba(features), bundle.contributions(features)

    scorer = Scorer(bundle)
    applications = PredictBody(applications=list(records)).applications

    def counteroffer(i: int) -> object:
        return counteroffers(scorer, [applications[i % len(applications)]])

    score_rows = row_scorer(bundle)

    def reference(i: int) -> object:
        return score_rows([feature_rows[i % len(feature_rows)]])

    return {"predict": predict, "explain": explain, "counteroffer": counteroffer, "reference": reference}


def _cpu_ms(call: Callable[[], object], *, repeats: int) -> float:
    """Return the median CPU milliseconds of `repeats` calls (after one unmeasured call).

    The median, because other processes on a shared machine inflate some calls (cache, SMT).
    """
    call()
    times = []
    for _ in range(repeats):
        started = time.process_time()
        call()
        times.append(time.process_time() - started)
    return float(np.median(times)) * 1000.0


def stage_costs(bundle: ModelBundle, records: Sequence[dict[str, Any]], *,
                batch_sizes: Sequence[int] = (1, 32), repeats: int = 9) -> list[StageCost]:
    """Measure the CPU time of each stage of the service's work on batches of `records`.

    Stages: parsing a request body with the request model, the whole scoring of a batch (validation
    with the model's expectation suite, features, model), and within it the features and the model
    alone; and the contributions an explanation adds.

    Parameters
    ----------
    bundle : ModelBundle
        The model.
    records : sequence of dict
        Raw API records, at least ``max(batch_sizes)`` of them.
    batch_sizes : sequence of int, default=(1, 32)
        Batch sizes to measure.
    repeats : int, default=9
        Calls per stage and size whose median is kept (after one unmeasured call).

    Returns
    -------
    list of StageCost
    """
    if len(records) < max(batch_sizes):
        raise ValueError(f"records must hold at least {max(batch_sizes)} applications, got {len(records)}")
    scorer = Scorer(bundle)
    costs = []
    for size in batch_sizes:
        batch = list(records[:size])
        body = json.dumps({"applications": batch})
        applications = PredictBody.model_validate_json(body).applications
        features = build_features_from_records(batch)
        stages: dict[str, Callable[[], object]] = {
            "parse the request (JSON + request model)": partial(PredictBody.model_validate_json, body),
            "score (validate + features + model)": partial(scorer.predict, applications),
            "features alone": partial(build_features_from_records, batch),
            "model alone": partial(bundle.predict_proba, features),
            "contributions (explain)": partial(bundle.contributions, features),
        }
        costs += [StageCost(stage, size, _cpu_ms(call, repeats=repeats)) for stage, call in stages.items()]
    return costs
