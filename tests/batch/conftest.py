"""Fixtures of the portfolio-scoring tests: a generated Kaggle folder, a copy with broken rows, runs.

The folder is written by the generator (``synthetic``) in Kaggle's format; the broken copy changes a
few cells and lines as a careless export would (text in a number column, a value out of range, an
unknown level, a repeated application, a history row of no client, a line with a field too many), and
records, for each broken application, the API record that carries the same values, to compare the
rejects with what ``POST /predict`` answers.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from features.records import tables_to_records
from features.schema import HISTORY_TABLES
from load_tests.servers import PROJECT_ROOT
from synthetic import generate_tables
from synthetic.generate import write_tables
from tests.conftest import TrainedModel
from tests.service.conftest import server  # noqa: F401  (the served API, shared with the service tests)

PORTFOLIO_CLIENTS = 800
PORTFOLIO_SEED = 11
#: SK_ID_CURR of the history rows added for a client that no application table holds.
STRANGER = 999_999


@pytest.fixture(scope="session")
def portfolio_tables() -> dict[str, pd.DataFrame]:
    """The eight tables of the generated portfolio."""
    return generate_tables(PORTFOLIO_CLIENTS, seed=PORTFOLIO_SEED)


@pytest.fixture(scope="session")
def clean_folder(tmp_path_factory: pytest.TempPathFactory, portfolio_tables) -> Path:
    """The portfolio as Kaggle CSV files."""
    folder = tmp_path_factory.mktemp("clean_portfolio")
    write_tables(portfolio_tables, folder)
    return folder


@dataclass
class BrokenFolder:
    """A copy of the portfolio with broken rows.

    Parameters
    ----------
    path : Path
        The folder.
    records : dict of int to dict
        For each application broken in a way the API's checks refuse: the API record holding the same
        values as the broken file (SK_ID_CURR as in the clean file).
    unusual : dict of int to dict
        The same for applications with a possible value outside the training data's range: scored,
        with a warning.
    repeated : int
        The SK_ID_CURR whose application line appears twice.
    unusable_key : int
        The SK_ID_CURR replaced by text in its application line.
    """

    path: Path
    records: dict[int, dict] = field(default_factory=dict)
    unusual: dict[int, dict] = field(default_factory=dict)
    repeated: int = 0
    unusable_key: int = 0


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        lines = list(csv.reader(f))
    return lines[0], lines[1:]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows([header, *rows])


def _edit(path: Path, sk_id: int, changes: dict[str, str], *, nth: int = 0) -> None:
    """Change cells of the `nth` row of client `sk_id` in a CSV file."""
    header, rows = _rows(path)
    mine = [row for row in rows if row[header.index("SK_ID_CURR")] == str(sk_id)]
    for name, value in changes.items():
        mine[nth][header.index(name)] = value
    _write(path, header, rows)


@pytest.fixture(scope="session")
def broken_folder(tmp_path_factory: pytest.TempPathFactory, clean_folder: Path,
                  portfolio_tables) -> BrokenFolder:
    """The portfolio with broken rows (see the module docstring)."""
    folder = tmp_path_factory.mktemp("broken_portfolio")
    for path in clean_folder.iterdir():
        shutil.copy(path, folder / path.name)
    applications = portfolio_tables["application_test"]
    history = {name: portfolio_tables[name] for name in HISTORY_TABLES}
    credits = portfolio_tables["bureau"]["SK_ID_CURR"].value_counts()
    ids = [int(i) for i in applications["SK_ID_CURR"] if credits.get(i, 0) >= 2][:8]
    clean = {r["SK_ID_CURR"]: r for r in tables_to_records(applications[applications["SK_ID_CURR"].isin(ids)],
                                                           history)}
    broken = BrokenFolder(path=folder)
    test_file = folder / "application_test.csv"
    cells = {ids[0]: {"AMT_INCOME_TOTAL": ("abc", "abc")},                # not a number
             ids[1]: {"CNT_CHILDREN": ("2.5", 2.5)},                      # not a whole number
             ids[2]: {"DAYS_BIRTH": ("5", 5.0), "EXT_SOURCE_2": ("1.5", 1.5)},  # out of the hard limits
             ids[3]: {"NAME_CONTRACT_TYPE": ("Mortgage", "Mortgage")},    # not a level
             ids[4]: {"AMT_INCOME_TOTAL": ("5000000000.0", 5e9)}}         # possible, beyond training's range
    for sk_id, changes in cells.items():
        _edit(test_file, sk_id, {name: text for name, (text, _) in changes.items()})
        found = broken.unusual if sk_id == ids[4] else broken.records
        found[sk_id] = {**clean[sk_id], **{name: value for name, (_, value) in changes.items()}}
    _edit(folder / "bureau.csv", ids[5], {"AMT_CREDIT_SUM": "-5.0"}, nth=1)  # a history value out of limits
    record = clean[ids[5]]
    record["bureau"][1] = {**record["bureau"][1], "AMT_CREDIT_SUM": -5.0}
    broken.records[ids[5]] = record
    header, rows = _rows(test_file)
    key = header.index("SK_ID_CURR")
    broken.repeated = ids[6]
    rows.append(next(row for row in rows if row[key] == str(ids[6])))
    broken.unusable_key = ids[7]
    next(row for row in rows if row[key] == str(ids[7]))[key] = "x"
    _write(test_file, header, rows)
    header, rows = _rows(folder / "bureau.csv")
    stranger = list(rows[0])
    stranger[header.index("SK_ID_CURR")] = str(STRANGER)
    _write(folder / "bureau.csv", header, [*rows, stranger])
    header, rows = _rows(folder / "previous_application.csv")
    rows[0] = [*rows[0], "1"]  # a field more than the header
    _write(folder / "previous_application.csv", header, rows)
    return broken


@dataclass(frozen=True)
class Run:
    """A finished run of ``python -m batch``: its output, read back."""

    scores: pd.DataFrame
    rejects: pd.DataFrame
    stdout: str


def read_run(out: Path, stdout: str = "") -> Run:
    rejects = out.with_name(f"{out.stem}.rejects{out.suffix}")
    return Run(scores=pd.read_parquet(out), rejects=pd.read_parquet(rejects), stdout=stdout)


def run_batch(model: TrainedModel, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m batch`` with the session model's store; return the finished process."""
    return subprocess.run([sys.executable, "-m", "batch", "--no-progress", *map(str, args)], cwd=PROJECT_ROOT,
                          env=model.environment(), capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture(scope="session")
def broken_run(trained_model: TrainedModel, broken_folder: BrokenFolder, tmp_path_factory) -> Run:
    """The broken portfolio scored in process by the command, with reasons."""
    out = tmp_path_factory.mktemp("broken_run") / "scores.parquet"
    done = run_batch(trained_model, "--data-dir", broken_folder.path, "--out", out, "--explain")
    assert done.returncode == 0, done.stderr[-3000:]
    return read_run(out, done.stdout)


@pytest.fixture(scope="session")
def clean_run(trained_model: TrainedModel, clean_folder: Path, tmp_path_factory) -> Run:
    """The clean portfolio scored in process by the command."""
    out = tmp_path_factory.mktemp("clean_run") / "scores.parquet"
    done = run_batch(trained_model, "--data-dir", clean_folder, "--out", out)
    assert done.returncode == 0, done.stderr[-3000:]
    return read_run(out, done.stdout)
