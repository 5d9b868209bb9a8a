"""Write the payload file of the load tests from generated clients (before a run, never during it).

    python -m load_tests.make_payloads --clients 300 --seed 11 --out results/load_payloads.json

Clients come from ``features.synthetic.generate_tables`` and become raw API records with
``features.records.tables_to_records``, exactly what a client of the API sends. Numbers are written
with the shortest text that gives back the same float32 (``0.3``, not ``0.30000001192092896``), as a
real client's JSON would hold them. The feature rows for the reference server are built from those
very records, so that both servers score the same clients.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from features.build import build_features_from_records
from features.records import tables_to_records
from features.schema import HISTORY_TABLES
from features.synthetic import generate_tables
from load_tests.payloads import PayloadSet

__all__ = ["build_payloads", "feature_rows", "main", "shortest_floats", "write_payloads"]

_CHUNK = 64


def shortest_floats(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of `frame` whose float32 columns are float64 holding the float32's shortest text.

    ``np.float32(0.3)`` becomes ``0.3`` rather than ``0.30000001192092896``; cast back to float32 it is
    the same number, so the values the server sees do not change, only their length in JSON.
    """
    converted = {name: frame[name].to_numpy().astype(str).astype(np.float64)
                 for name, dtype in frame.dtypes.items() if dtype == np.float32}
    return frame.assign(**converted)


def feature_rows(features: pd.DataFrame) -> list[dict[str, object]]:
    """Return model features as JSON-ready dicts: categories as their level, missing values as None."""
    plain = shortest_floats(features).astype(object)
    return plain.where(features.notna(), None).to_dict("records")


def build_payloads(*, clients: int, seed: int, progress: bool = True) -> PayloadSet:
    """Generate `clients` applications and return them as payloads, with and without history.

    Parameters
    ----------
    clients : int
        Applications in the file (application_train rows of the generated data, TARGET left out).
    seed : int
        Seed of the generator.
    progress : bool, default=True
        Show a progress bar while features are built.

    Returns
    -------
    PayloadSet
    """
    if clients < 10:
        raise ValueError(f"clients must be at least 10 (the ten-application requests draw from them), "
                         f"got {clients}")
    tables = {name: shortest_floats(frame) for name, frame in generate_tables(clients, seed=seed).items()}
    applications = tables["application_train"]
    history: Mapping[str, pd.DataFrame] = {name: tables[name] for name in HISTORY_TABLES if name in tables}
    with_history = tables_to_records(applications, history)
    without_history = tables_to_records(applications, {})
    rows = []
    for start in tqdm(range(0, len(with_history), _CHUNK), desc="features", unit="chunk",
                      disable=not progress):
        rows.extend(feature_rows(build_features_from_records(with_history[start:start + _CHUNK])))
    return PayloadSet(with_history=with_history, without_history=without_history, feature_rows=rows)


def write_payloads(path: Path, *, clients: int, seed: int, progress: bool = True) -> PayloadSet:
    """Build the payloads of `clients` generated applications, write them to `path` and return them."""
    payloads = build_payloads(clients=clients, seed=seed, progress=progress)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payloads.to_json(seed=seed), separators=(",", ":")))
    return payloads


def main(argv: list[str] | None = None) -> None:
    """Write the payload file and print what it holds."""
    parser = argparse.ArgumentParser(prog="python -m load_tests.make_payloads", description=__doc__)
    parser.add_argument("--clients", type=int, default=300, help="applications in the file")
    parser.add_argument("--seed", type=int, default=11, help="seed of the generator")
    parser.add_argument("--out", type=Path, default=Path("results/load_payloads.json"))
    args = parser.parse_args(argv)
    payloads = write_payloads(args.out, clients=args.clients, seed=args.seed)
    history_rows = sum(len(rows) for r in payloads.with_history for key, rows in r.items()
                       if isinstance(rows, list))
    print(f"wrote {args.out}: {len(payloads.with_history)} applications, {history_rows} top-level history "
          f"rows, {args.out.stat().st_size / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
