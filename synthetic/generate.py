"""Realistic synthetic Home Credit data: all eight Kaggle tables, linked by their keys.

Each client has two latent risks: one the application shows (through EXT_SOURCE_1/2/3, education,
the loan's terms...) and one only the credit history shows (late instalments, days past due, bureau
overdue amounts, refused applications, card utilisation). TARGET is drawn from a hidden model of
both risks plus a few application fields and realised history aggregates, so that, as on the real
data, EXT_SOURCEs are among the strongest signals and the history tables add a clear margin over
the application table alone.

Clients are generated in fixed-size chunks, each from its own seed derived from the main seed, so
the output depends only on (n_clients, seed, test_ratio): `generate_tables` and the command line
produce the same data, byte for byte across runs, whatever the number of worker processes.

Command line::

    python -m synthetic --clients 307511 --seed 7 --out data/synthetic
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from features.schema import TABLES, table
from synthetic import calibration as cal
from synthetic.applications import application_columns
from synthetic.balances import credit_card_columns, installments_columns, pos_cash_columns
from synthetic.bureau import bureau_balance_columns, bureau_columns
from synthetic.draws import Columns, codes_of, skewed_counts, to_frame
from synthetic.kaggle_csv import csv_header, csv_rows
from synthetic.previous import REFUSED, previous_columns

__all__ = ["DEFAULT_TEST_RATIO", "generate_files", "generate_tables", "main", "write_tables"]

#: Kaggle's ratio of test to train applications (48,744 / 307,511).
DEFAULT_TEST_RATIO = 0.1585
#: Clients (train + test) per chunk. Part of the data's definition: changing it changes the output.
CHUNK_CLIENTS = 25_000
FIRST_CLIENT_ID = 100_001
FIRST_BUREAU_ID = 5_000_000
FIRST_PREVIOUS_ID = 1_000_001
#: Correlation between a client's application-side and history-side latent risks.
_RISK_CORRELATION = 0.35
_MALE = codes_of(table("application_train").column("CODE_GENDER"), ["M"])[0]
_CASH = codes_of(table("application_train").column("NAME_CONTRACT_TYPE"), ["Cash loans"])[0]
#: Intercept of the hidden default model, set so that about 8% of applicants default (solved on 100,000
#: clients for an expected rate of 8.10%).
_TARGET_INTERCEPT = -3.825


@dataclass(frozen=True)
class _Chunk:
    """What one chunk needs to be generated independently of the others."""

    seed: int
    index: int
    first_position: int  # position of its first client among all clients
    n_clients: int
    n_test: int
    first_bureau_id: int
    first_previous_id: int


@dataclass(frozen=True)
class _Skeleton:
    """The client-level draws that fix a chunk's row counts (and so the id ranges of the next chunks)."""

    is_test: np.ndarray
    application_risk: np.ndarray
    history_risk: np.ndarray
    n_bureau: np.ndarray
    n_previous: np.ndarray


def generate_tables(n_clients: int, *, seed: int,
                    test_ratio: float = DEFAULT_TEST_RATIO) -> dict[str, pd.DataFrame]:
    """Generate the eight Home Credit tables in memory.

    Parameters
    ----------
    n_clients : int
        Rows of application_train (clients with a known outcome), at least 1.
    seed : int
        Seed of all random draws: the same arguments give the same tables.
    test_ratio : float, default=0.1585
        application_test holds ``round(test_ratio * n_clients)`` further clients without TARGET (the
        demo portfolio); the history tables cover them too.

    Returns
    -------
    dict of str to pd.DataFrame
        Keyed by Kaggle file stem, in `features.schema.TABLES` order, with the schema's columns and
        dtypes (keys int32, TARGET int8, numbers float32, categories with the schema's levels).

    Raises
    ------
    ValueError
        If `n_clients` < 1, `test_ratio` < 0 or `seed` < 0.
    """
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
    for chunk in _plan(n_clients, seed=seed, test_ratio=test_ratio):
        for name, frame in _chunk_frames(chunk).items():
            parts[name].append(frame)
    return {name: pd.concat(frames, ignore_index=True) for name, frames in parts.items()}


def write_tables(tables: Mapping[str, pd.DataFrame], out_dir: str | Path) -> None:
    """Write frames as ``<table>.csv`` files in Kaggle format.

    Parameters
    ----------
    tables : mapping of str to pd.DataFrame
        Frames keyed by Kaggle file stem, with schema columns and dtypes (e.g. from
        `generate_tables`).
    out_dir : str or Path
        Folder to write to; created if needed. Existing files of these tables are replaced.

    Raises
    ------
    KeyError
        If a key is not a Kaggle table name.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        schema = table(name)
        with open(out / f"{name}.csv", "wb") as f:
            f.write(csv_header(schema))
            f.write(csv_rows(frame, schema))


def generate_files(n_clients: int, *, seed: int, out_dir: str | Path, test_ratio: float = DEFAULT_TEST_RATIO,
                   workers: int = 2, progress: bool = True) -> dict[str, int]:
    """Generate the eight tables chunk by chunk straight into Kaggle-format CSV files.

    Memory stays bounded by a chunk per worker; the files equal ``write_tables(generate_tables(...))``.

    Parameters
    ----------
    n_clients, seed, test_ratio
        As for `generate_tables`.
    out_dir : str or Path
        Folder to write the eight ``<table>.csv`` files to; created if needed.
    workers : int, default=2
        Processes generating chunks in parallel (1 = in this process).
    progress : bool, default=True
        Show a tqdm progress bar (clients done).

    Returns
    -------
    dict of str to int
        Rows written per table.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    chunks = _plan(n_clients, seed=seed, test_ratio=test_ratio)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = dict.fromkeys(TABLES, 0)
    with contextlib.ExitStack() as stack:
        files = {name: stack.enter_context(open(out / f"{name}.csv", "wb")) for name in TABLES}
        for name, f in files.items():
            f.write(csv_header(table(name)))
        bar = stack.enter_context(tqdm(total=sum(c.n_clients for c in chunks), unit="client",
                                       desc="generating", disable=not progress))
        for chunk, texts, counts in _chunk_texts(chunks, workers):
            for name, text in texts.items():
                files[name].write(text)
                rows[name] += counts[name]
            bar.update(chunk.n_clients)
    return rows


def _chunk_texts(chunks: list[_Chunk], workers: int) -> Iterator[tuple[_Chunk, dict, dict]]:
    if workers == 1 or len(chunks) == 1:
        yield from map(_chunk_csv, chunks)
        return
    # fork: the workers inherit the imported modules; imap keeps the chunks in order.
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(_chunk_csv, chunks)


def _chunk_csv(chunk: _Chunk) -> tuple[_Chunk, dict[str, bytes], dict[str, int]]:
    frames = _chunk_frames(chunk)
    return (chunk, {name: csv_rows(frame, table(name)) for name, frame in frames.items()},
            {name: len(frame) for name, frame in frames.items()})


# --- planning: chunk boundaries, client counts, id ranges ------------------------------------------

def _plan(n_clients: int, *, seed: int, test_ratio: float) -> list[_Chunk]:
    """Split the clients into chunks and give each chunk its seed and id ranges."""
    if isinstance(n_clients, bool) or not isinstance(n_clients, int | np.integer) or n_clients < 1:
        raise ValueError(f"n_clients must be a whole number >= 1, got {n_clients!r}")
    if not 0 <= test_ratio <= 10:
        raise ValueError(f"test_ratio must be in [0, 10], got {test_ratio!r}; "
                         f"Kaggle's is {DEFAULT_TEST_RATIO}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed!r}")
    n_test = round(test_ratio * n_clients)
    total = n_clients + n_test
    chunks = []
    bureau_id, previous_id = FIRST_BUREAU_ID, FIRST_PREVIOUS_ID
    for index, start in enumerate(range(0, total, CHUNK_CLIENTS)):
        stop = min(start + CHUNK_CLIENTS, total)
        # Test clients spread evenly over the chunks: the first `stop` clients hold this many of them.
        tests = stop * n_test // total - start * n_test // total
        chunk = _Chunk(seed, index, start, stop - start, tests, bureau_id, previous_id)
        skeleton = _skeleton(chunk)
        bureau_id += int(skeleton.n_bureau.sum())
        previous_id += int(skeleton.n_previous.sum())
        chunks.append(chunk)
    return chunks


def _rng(chunk: _Chunk, stream: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([chunk.seed, chunk.index, stream]))


def _skeleton(chunk: _Chunk) -> _Skeleton:
    rng = _rng(chunk, 0)
    n = chunk.n_clients
    is_test = np.zeros(n, dtype=bool)
    is_test[rng.permutation(n)[:chunk.n_test]] = True
    application_risk = rng.standard_normal(n)
    history_risk = (_RISK_CORRELATION * application_risk
                    + np.sqrt(1 - _RISK_CORRELATION**2) * rng.standard_normal(n))
    per_client = {name: cal.KAGGLE_ROWS[name] / (cal.KAGGLE_TRAIN_CLIENTS + cal.KAGGLE_TEST_CLIENTS)
                  for name in ("bureau", "previous_application")}
    # Clients with any rows have at least one: 1 + a long-tailed count, scaled to Kaggle's rows per client.
    bureau_mean = per_client["bureau"] / cal.BUREAU_COVERAGE - 1
    n_bureau = np.where(rng.random(n) < cal.BUREAU_COVERAGE,
                        1 + skewed_counts(rng, np.full(n, bureau_mean), dispersion=1.0), 0)
    previous_mean = per_client["previous_application"] / cal.PREVIOUS_COVERAGE - 1
    n_previous = np.where(rng.random(n) < cal.PREVIOUS_COVERAGE,
                          1 + skewed_counts(rng, np.full(n, previous_mean), dispersion=1.3), 0)
    return _Skeleton(is_test, application_risk, history_risk, n_bureau, n_previous)


# --- one chunk -------------------------------------------------------------------------------------

def _chunk_frames(chunk: _Chunk) -> dict[str, pd.DataFrame]:
    """Generate one chunk's rows of all eight tables, as frames with schema dtypes."""
    skeleton = _skeleton(chunk)
    rng = _rng(chunk, 1)
    ids = FIRST_CLIENT_ID + chunk.first_position + np.arange(chunk.n_clients)
    applications = application_columns(rng, skeleton.application_risk, skeleton.n_bureau > 0)
    applications["SK_ID_CURR"] = ids
    bureau = bureau_columns(rng, ids, skeleton.n_bureau, skeleton.history_risk, chunk.first_bureau_id)
    credit_risk = np.repeat(skeleton.history_risk, skeleton.n_bureau)
    balance = bureau_balance_columns(rng, bureau, credit_risk, cal.BUREAU_BALANCE_COVERAGE)
    # Home Credit's own past decisions saw both sides of the client.
    seen_risk = 0.6 * skeleton.history_risk + 0.5 * skeleton.application_risk
    previous = previous_columns(rng, ids, skeleton.n_previous, seen_risk, chunk.first_previous_id)
    loan_risk = np.repeat(skeleton.history_risk, skeleton.n_previous)
    history = {
        "bureau": bureau, "bureau_balance": balance, "previous_application": previous,
        "POS_CASH_balance": pos_cash_columns(rng, previous, loan_risk),
        "installments_payments": installments_columns(rng, previous, loan_risk),
        "credit_card_balance": credit_card_columns(rng, previous, loan_risk),
    }
    applications["TARGET"] = _target(rng, skeleton, applications, history, first_id=int(ids[0]))
    frames = {name: to_frame(table(name), history[name]) for name in history}
    train = to_frame(table("application_train"), {k: v[~skeleton.is_test] for k, v in applications.items()})
    test = to_frame(table("application_test"), {k: v[skeleton.is_test] for k, v in applications.items()})
    return {"application_train": train, "application_test": test, **frames}


def _target(rng: np.random.Generator, skeleton: _Skeleton, applications: Columns,
            history: Mapping[str, Columns], *, first_id: int) -> np.ndarray:
    """Draw TARGET from the hidden default model (drawn for test clients too, then not written)."""
    n = len(skeleton.is_test)

    def per_client(name: str, values: np.ndarray) -> np.ndarray:
        return np.bincount(history[name]["SK_ID_CURR"] - first_id, weights=values, minlength=n)

    def share(name: str, flags: np.ndarray) -> np.ndarray:
        rows = per_client(name, np.ones(len(flags)))
        return np.divide(per_client(name, flags.astype(float)), rows, out=np.zeros(n), where=rows > 0)

    payments = history["installments_payments"]
    late_share = share("installments_payments",
                       np.nan_to_num(payments["DAYS_ENTRY_PAYMENT"] - payments["DAYS_INSTALMENT"]) > 0)
    refused_share = share("previous_application",
                          history["previous_application"]["NAME_CONTRACT_STATUS"] == REFUSED)
    bureau_overdue = share("bureau", history["bureau"]["CREDIT_DAY_OVERDUE"] > 0)
    age_years = -applications["DAYS_BIRTH"] / 365.25
    logit = (_TARGET_INTERCEPT
             + 1.2 * skeleton.application_risk + 0.5 * skeleton.history_risk
             + 1.5 * late_share + 0.6 * refused_share + 1.0 * bureau_overdue
             + 0.35 * (age_years < 30) - 0.2 * (age_years > 55)
             + 0.25 * (applications["CODE_GENDER"] == _MALE)
             + 0.15 * (applications["REGION_RATING_CLIENT"] - 2)
             + _loan_terms_risk(applications)
             + 0.3 * (skeleton.n_previous == 0))
    return (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int8)


def _loan_terms_risk(applications: Columns) -> np.ndarray:
    """Return the loan terms' part of the hidden default model's log-odds (see `calibration.TERM_RISK_PEAK`).

    Halving a cash loan's credit and goods price with the same annuity halves its term: the risk rises
    for terms (credit / annuity) above about 21 and falls below, as in the real data.
    """
    credit = applications["AMT_CREDIT"]
    term = np.clip(credit / applications["AMT_ANNUITY"], *cal.TERM_RISK_RANGE)
    log_term = np.log(term / cal.TERM_RISK_PEAK)
    tent = (cal.TERM_RISK_BELOW_PEAK * np.minimum(log_term, 0)
            + cal.TERM_RISK_ABOVE_PEAK * np.maximum(log_term, 0))
    goods = applications["AMT_GOODS_PRICE"]
    to_goods = np.divide(credit, goods, out=np.ones_like(credit), where=~np.isnan(goods))
    insurance = (cal.CREDIT_EQUALS_GOODS_RISK * (np.abs(to_goods - 1) < 1e-4)
                 + cal.CREDIT_OVER_GOODS_RISK * np.log(np.clip(to_goods, 1.0, cal.CREDIT_OVER_GOODS_MAX)))
    to_income = np.clip(credit / applications["AMT_INCOME_TOTAL"], *cal.CREDIT_TO_INCOME_RANGE)
    income = cal.CREDIT_TO_INCOME_RISK * np.log(to_income / cal.CREDIT_TO_INCOME_MEDIAN)
    cash = applications["NAME_CONTRACT_TYPE"] == _CASH
    return np.where(cash, tent + insurance, cal.REVOLVING_RISK) + income


# --- command line ----------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m synthetic``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, required=True,
                        help="application_train rows (Kaggle: 307511)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the eight CSV files to")
    parser.add_argument("--test-ratio", type=float, default=DEFAULT_TEST_RATIO,
                        help=f"application_test clients per train client (default {DEFAULT_TEST_RATIO})")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                        help="worker processes (default: 2, or 1 on a single core)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    args = parser.parse_args(argv)
    try:
        rows = generate_files(args.clients, seed=args.seed, out_dir=args.out, test_ratio=args.test_ratio,
                              workers=args.workers, progress=not args.no_progress)
    except ValueError as exc:
        parser.error(str(exc))
    print(", ".join(f"{name} {count:,}" for name, count in rows.items()) + f" rows written to {args.out}")
