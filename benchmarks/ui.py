"""``python -m benchmarks.ui``: how long the page's events take, and how much of it is the page's own work.

Runs each handler of the page on demo clients, in-process on a trained model (`ui.local`), and times
it against the explanation alone, so the cost of the charts and sentences shows as a ratio. Prints a
table and writes it as JSON (default ``results/ui_benchmark.json``).

Example::

    python -m benchmarks.ui --demo-data data/demo --clients 30
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from functools import partial
from pathlib import Path

from tqdm.auto import tqdm

from access.accounts import Role, SignedIn
from benchmarks.measure import RESULTS, elapsed_ms, write_results

__all__ = ["main", "time_events"]

#: Who the page's events run for: the risk role, which has every page.
_READER = SignedIn("benchmark", Role.RISK)


def time_events(advisor, client_ids: list[int], *, progress: bool = True) -> dict[str, dict[str, float]]:
    """Time each page event on each client; return median and 95th percentile in milliseconds.

    Parameters
    ----------
    advisor : ui.handlers.Advisor
    client_ids : list of int
        Demo clients to run the events on.
    progress : bool, default=True
        Show a progress bar.
    """
    from ui import handlers

    reference = advisor.model_info
    feature = reference.reference["columns"][0]
    x, y = reference.numeric_features()[:2]
    times: dict[str, list[float]] = {}
    for sk_id in tqdm(client_ids, desc="clients", disable=not progress):
        view = handlers.look_up(advisor, sk_id, reader=_READER)
        events = {
            "explain only": partial(advisor.explain, view.record, origin="ui:lookup", reader=_READER),
            "look up": partial(handlers.look_up, advisor, sk_id, reader=_READER),
            "compare feature": partial(handlers.compare_feature, advisor, feature, view.item, reader=_READER),
            "compare scatter": partial(handlers.compare_scatter, advisor, x, y, view.item, reader=_READER),
            "what-if": partial(handlers.what_if, advisor, view.record, view.item, *view.what_if_values,
                               reader=_READER),
        }
        for name, event in events.items():
            times.setdefault(name, []).append(elapsed_ms(event))
    return {name: {"median_ms": statistics.median(values),
                   "p95_ms": sorted(values)[max(0, round(0.95 * len(values)) - 1)]}
            for name, values in times.items()}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ui", description=__doc__.splitlines()[0])
    parser.add_argument("--demo-data", type=Path, default=Path("data/demo"), help="Kaggle-layout demo folder")
    parser.add_argument("--model", default="credit_scoring:latest", help="BentoML model tag")
    parser.add_argument("--clients", type=int, default=30, help="demo clients to time")
    parser.add_argument("--out", type=Path, default=RESULTS / "ui_benchmark.json", help="JSON results")
    args = parser.parse_args(argv)
    os.environ.setdefault("BENTOML_DO_NOT_TRACK", "true")
    import bentoml

    from ui.local import local_advisor

    model = bentoml.models.get(args.model)
    advisor = local_advisor(model.path, args.demo_data)
    ids = advisor.portfolio.ids[:args.clients]
    if not ids:
        print(f"no demo clients in {args.demo_data}; write them with `make data`", file=sys.stderr)
        return 1
    results = time_events(advisor, ids)
    base = results["explain only"]["median_ms"]
    print(f"{'event':<18}{'median ms':>10}{'p95 ms':>10}{'x explain':>11}   "
          f"({len(ids)} clients, {model.tag})")
    for name, figures in results.items():
        print(f"{name:<18}{figures['median_ms']:>10.1f}{figures['p95_ms']:>10.1f}"
              f"{figures['median_ms'] / base:>11.2f}")
    summary = {"model": str(model.tag), "clients": len(ids), "events": results}
    write_results(args.out, json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
