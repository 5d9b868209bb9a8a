"""``python -m benchmarks.validation``: what one Great Expectations validation costs, by batch size.

Builds the suite from generated training applications, then times `BatchValidator.validate` on
batches of 1 to 1,000 applications, for the whole suite and for the part the service runs (the
ranges the training data narrowed; see ``serving.scoring.serving_suite``), each with one unusual
application so that the second (COMPLETE) pass runs too, and each both ways: one GX expectation per
range ("per column") and the ranges compiled into one long frame ("compiled"), side by side with
their ratio. Prints a table and writes it as JSON to ``results/gx_validation.json``::

    python -m benchmarks.validation                 # about a minute
    python -m benchmarks.validation --repeats 3 --sizes 1 100
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from benchmarks.measure import RESULTS, write_results

__all__ = ["main"]

_RESULTS = RESULTS / "gx_validation.json"


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.validation",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100, 1000], help="batch sizes")
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per size (the median is kept)")
    parser.add_argument("--clients", type=int, default=3000, help="generated training applications")
    parser.add_argument("--out", type=Path, default=_RESULTS, help="JSON results file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the exit status."""
    args = _parse(argv)
    from expectations import BatchValidator, build_suite
    from features.loaders import cast_to_schema
    from features.schema import table
    from serving.scoring import serving_suite
    from synthetic import generate_tables

    applications = generate_tables(args.clients, seed=0)["application_train"]
    suite = build_suite(applications)
    incoming = cast_to_schema(applications.drop(columns="TARGET"), table("application_test"))
    rows = []
    for label, checked in {"whole suite": suite, "service": serving_suite(suite)}.items():
        per_column = BatchValidator(checked, compile_ranges=False)
        compiled = BatchValidator(checked)
        for size in tqdm(args.sizes, desc=label, unit="size"):
            batch = incoming.sample(n=size, replace=size > len(incoming), random_state=size).copy()
            batch.iloc[0, batch.columns.get_loc("AMT_INCOME_TOTAL")] = 5e9
            old, new = _median_ms(per_column, batch, args.repeats), _median_ms(compiled, batch, args.repeats)
            rows.append({"suite": label, "expectations": compiled.expectation_count, "rows": size,
                         "per_column_ms": round(old, 1), "compiled_ms": round(new, 1),
                         "ratio": round(old / new, 1)})
    _report(rows, args.out)
    return 0


def _median_ms(validator, batch, repeats: int) -> float:
    """Return the median wall time of `repeats` validations of `batch`, after one warm-up, in ms."""
    validator.validate(batch)
    times = []
    for _ in range(repeats):
        validator.validate(batch)
        times.append(validator.last_seconds)
    return float(np.median(times)) * 1000


def _report(rows: list[dict], out: Path) -> None:
    print(f"{'suite':<12} {'expectations':>12} {'rows':>6} {'per column ms':>14} {'compiled ms':>12} "
          f"{'ratio':>6}")
    for row in rows:
        print(f"{row['suite']:<12} {row['expectations']:>12} {row['rows']:>6} {row['per_column_ms']:>14.1f} "
              f"{row['compiled_ms']:>12.1f} {row['ratio']:>6.1f}")
    write_results(out, json.dumps({"when": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": platform.node(),
                                   "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
