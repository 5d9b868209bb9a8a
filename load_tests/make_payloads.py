"""Write the payload file of the load tests from generated clients (before a run, never during it).

    python -m load_tests.make_payloads --clients 300 --seed 11 --out results/load_payloads.json

Clients come from ``synthetic.generate_tables`` and become raw API records with
``features.records.tables_to_records``, exactly what a client of the API sends. Numbers are written
with the shortest text that gives back the same float32 (``0.3``, not ``0.30000001192092896``), as a
real client's JSON would hold them. The feature rows for the reference server are built from those
very records, so that both servers score the same clients.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import bentoml
import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from features.build import build_features_from_records
from features.records import tables_to_records
from features.schema import HISTORY_TABLES
from load_tests.payloads import PayloadSet
from serving.requests import PredictBody
from serving.scoring import Scorer
from synthetic import generate_tables
from train.bundle import ModelBundle

__all__ = ["accepted", "build_payloads", "feature_rows", "main", "shortest_floats", "write_payloads"]

_CHUNK = 64
_MIN_CLIENTS = 10


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


def accepted(records: Sequence[dict[str, Any]], bundle: ModelBundle) -> list[bool]:
    """Return, per record, whether the service would score it (request model and the model's suite).

    Only an impossible value is refused (critical expectations); a value outside the training range
    is scored with a warning. A client the service refuses would count as a failure of a load run.
    """
    applications = PredictBody.model_validate({"applications": list(records)}).applications
    outcomes = Scorer(bundle).predict(applications)
    return [not outcome.problems for outcome in outcomes]


def build_payloads(*, clients: int, seed: int, accepted_by: ModelBundle | None = None,
                   progress: bool = True) -> PayloadSet:
    """Generate `clients` applications and return them as payloads, with and without history.

    Parameters
    ----------
    clients : int
        Applications generated (application_train rows of the generated data, TARGET left out).
    seed : int
        Seed of the generator.
    accepted_by : ModelBundle, optional
        Keep only the clients this model's service would score, with and without their history.
    progress : bool, default=True
        Show a progress bar while features are built.

    Returns
    -------
    PayloadSet

    Raises
    ------
    ValueError
        If fewer than 10 clients are generated or kept (the ten-application requests draw from them).
    """
    tables = {name: shortest_floats(frame) for name, frame in generate_tables(clients, seed=seed).items()}
    history: Mapping[str, pd.DataFrame] = {name: tables[name] for name in HISTORY_TABLES if name in tables}
    with_history = tables_to_records(tables["application_train"], history)
    without_history = tables_to_records(tables["application_train"], {})
    if accepted_by is not None:
        keep = [a and b for a, b in zip(accepted(with_history, accepted_by),
                                        accepted(without_history, accepted_by), strict=True)]
        with_history = [r for r, k in zip(with_history, keep, strict=True) if k]
        without_history = [r for r, k in zip(without_history, keep, strict=True) if k]
    if len(with_history) < _MIN_CLIENTS:
        raise ValueError(f"clients must give at least {_MIN_CLIENTS} applications (the ten-application "
                         f"requests draw from them), got {len(with_history)} of {clients}; generate more")
    rows = []
    for start in tqdm(range(0, len(with_history), _CHUNK), desc="features", unit="chunk",
                      disable=not progress):
        rows.extend(feature_rows(build_features_from_records(with_history[start:start + _CHUNK])))
    return PayloadSet(with_history=with_history, without_history=without_history, feature_rows=rows)


def write_payloads(path: Path, *, clients: int, seed: int, accepted_by: ModelBundle | None = None,
                   progress: bool = True) -> PayloadSet:
    """Build the payloads of `clients` generated applications, write them to `path` and return them."""
    payloads = build_payloads(clients=clients, seed=seed, accepted_by=accepted_by, progress=progress)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payloads.to_json(seed=seed), separators=(",", ":")))
    return payloads


def main(argv: list[str] | None = None) -> None:
    """Write the payload file and print what it holds."""
    parser = argparse.ArgumentParser(prog="python -m load_tests.make_payloads", description=__doc__)
    parser.add_argument("--clients", type=int, default=300, help="applications generated")
    parser.add_argument("--seed", type=int, default=11, help="seed of the generator")
    parser.add_argument("--model", help="keep only clients this BentoML model's service accepts "
                                        "(e.g. credit_scoring:latest; the store is BENTOML_HOME's)")
    parser.add_argument("--out", type=Path, default=Path("results/load_payloads.json"))
    args = parser.parse_args(argv)
    bundle = ModelBundle.load(bentoml.models.get(args.model).path) if args.model else None
    payloads = write_payloads(args.out, clients=args.clients, seed=args.seed, accepted_by=bundle)
    history_rows = sum(len(rows) for record in payloads.with_history for rows in record.values()
                       if isinstance(rows, list))
    print(f"wrote {args.out}: {len(payloads.with_history)} of {args.clients} applications, {history_rows} "
          f"top-level history rows, {args.out.stat().st_size / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
