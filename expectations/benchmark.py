"""``python -m expectations.benchmark``: what one Great Expectations validation costs, by batch size.

Builds the suite from generated training applications, then times `BatchValidator.validate` on
batches of 1 to 1,000 applications, for the whole suite and for the part the service runs (the
ranges the training data narrowed; see ``serving.scoring.serving_suite``), each with one implausible
application so that the second (COMPLETE) pass runs too. Prints a table and writes it as JSON to
``results/gx_validation.json``::

    python -m expectations.benchmark                 # about a minute
    python -m expectations.benchmark --repeats 3 --sizes 1 100
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

__all__ = ["main"]

_RESULTS = Path("results") / "gx_validation.json"


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m expectations.benchmark",
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
    from features.synthetic import generate_tables
    from serving.scoring import serving_suite

    applications = generate_tables(args.clients, seed=0)["application_train"]
    suite = build_suite(applications)
    incoming = cast_to_schema(applications.drop(columns="TARGET"), table("application_test"))
    validators = {"whole suite": BatchValidator(suite),
                  "service": BatchValidator(serving_suite(suite))}
    rows = []
    for label, validator in validators.items():
        for size in tqdm(args.sizes, desc=label, unit="size"):
            batch = incoming.sample(n=size, replace=size > len(incoming), random_state=size).copy()
            batch.iloc[0, batch.columns.get_loc("AMT_INCOME_TOTAL")] = 5e9
            validator.validate(batch)  # warm-up
            times = []
            for _ in range(args.repeats):
                validator.validate(batch)
                times.append(validator.last_seconds)
            ms = float(np.median(times)) * 1000
            rows.append({"suite": label, "expectations": validator.expectation_count, "rows": size,
                         "ms_per_call": round(ms, 1), "ms_per_row": round(ms / size, 3)})
    _report(rows, args.out)
    return 0


def _report(rows: list[dict], out: Path) -> None:
    print(f"{'suite':<18} {'expectations':>12} {'rows':>6} {'ms/call':>9} {'ms/row':>9}")
    for row in rows:
        print(f"{row['suite']:<18} {row['expectations']:>12} {row['rows']:>6} {row['ms_per_call']:>9.1f} "
              f"{row['ms_per_row']:>9.3f}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"when": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": platform.node(),
                               "rows": rows}, indent=1) + "\n", encoding="utf-8")
    print(f"written to {out}")


if __name__ == "__main__":
    raise SystemExit(main())
