"""Training data: raw tables from the synthetic generator or a Kaggle-format folder.

The pipeline needs application_train (with TARGET) and whichever history tables exist; features are
built from them by ``features.build.build_features``, the same code the service runs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from features.schema import HISTORY_TABLES

__all__ = ["TrainingData", "folder_data", "synthetic_data"]


@dataclass(frozen=True)
class TrainingData:
    """Raw training tables and where they came from.

    Parameters
    ----------
    applications : pd.DataFrame
        application_train, schema dtypes, with TARGET.
    history : dict of str to pd.DataFrame
        The history tables present, by Kaggle file stem.
    source : str
        Plain description of the origin, stored with the model.
    """

    applications: pd.DataFrame
    history: dict[str, pd.DataFrame]
    source: str

    @property
    def row_counts(self) -> dict[str, int]:
        """dict: rows of each table used."""
        return {"application_train": len(self.applications), **{k: len(v) for k, v in self.history.items()}}

    def application_only(self) -> TrainingData:
        """Return the same data without history tables (for comparing feature sets)."""
        return replace(self, history={}, source=f"{self.source}, application table only")


def _split(tables: dict[str, pd.DataFrame], source: str) -> TrainingData:
    return TrainingData(applications=tables["application_train"],
                        history={name: tables[name] for name in HISTORY_TABLES if name in tables},
                        source=source)


def synthetic_data(n_clients: int, *, seed: int) -> TrainingData:
    """Generate the eight tables in memory with ``synthetic.generate_tables``."""
    from synthetic import generate_tables

    if n_clients < 100:
        raise ValueError(f"--clients must be at least 100 to train and cross-validate, got {n_clients}")
    return _split(generate_tables(n_clients, seed=seed), f"synthetic ({n_clients} clients, seed {seed})")


def folder_data(folder: Path, *, progress: bool = True) -> TrainingData:
    """Load a Kaggle-format folder (application_train.csv and any history CSVs)."""
    from features.loaders import load_tables

    tables = load_tables(folder, tables=["application_train", *HISTORY_TABLES], progress=progress)
    present = ", ".join(sorted(tables))
    return _split(tables, f"Kaggle-format folder {Path(folder).name}/ ({present})")
