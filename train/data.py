"""Training data: raw tables from the synthetic generator or a Kaggle-format folder.

The pipeline needs application_train (with TARGET) and whichever history tables exist; features are
built from them by the same family code the service runs. A folder's history tables are not loaded
here: ``features.build.build_features_from_folder`` reads each one only while its features are built,
so the raw history of a Kaggle-size data set is never in memory at once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
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
        History tables held in memory (generated data), by Kaggle file stem.
    source : str
        Plain description of the origin, stored with the model.
    folder : Path or None, default=None
        A Kaggle-format folder whose history files are read while the features are built.
    folder_tables : tuple of str, default=()
        The history tables that have a file in `folder`.
    """

    applications: pd.DataFrame
    history: dict[str, pd.DataFrame]
    source: str
    folder: Path | None = None
    folder_tables: tuple[str, ...] = field(default=())

    @property
    def tables(self) -> tuple[str, ...]:
        """tuple of str: the history tables the features are built from."""
        return tuple(name for name in HISTORY_TABLES if name in self.history or name in self.folder_tables)

    @property
    def fingerprint(self) -> str:
        """str: a hash of the applications' identifiers and outcomes and of the history tables used.

        The same for the same data wherever it is stored (another machine, another folder name).
        """
        digest = hashlib.sha1()
        digest.update(np.ascontiguousarray(self.applications["SK_ID_CURR"].to_numpy(np.int64)).tobytes())
        digest.update(np.ascontiguousarray(self.applications["TARGET"].to_numpy(np.float64)).tobytes())
        digest.update(",".join(self.tables).encode())
        return digest.hexdigest()[:16]

    def application_only(self) -> TrainingData:
        """Return the same data without history tables (for comparing feature sets)."""
        return replace(self, history={}, folder=None, folder_tables=(),
                       source=f"{self.source}, application table only")

    def drop_history(self) -> None:
        """Free the history tables held in memory, once the features are built from them."""
        self.history.clear()

    def build_features(self, *, progress: bool = True) -> tuple[pd.DataFrame, dict[str, int]]:
        """Build the model features of every application.

        Returns
        -------
        features : pd.DataFrame
            As ``features.build.build_features``: one row per application, in table order.
        row_counts : dict of str to int
            Rows of application_train and of each history table used.
        """
        from features.build import build_features, build_features_from_folder

        if self.folder is not None:
            features, rows = build_features_from_folder(self.applications, self.folder,
                                                        tables=self.folder_tables, progress=progress)
        else:
            features = build_features(self.applications, self.history)
            rows = {name: len(frame) for name, frame in self.history.items()}
        return features, {"application_train": len(self.applications), **rows}


def synthetic_data(n_clients: int, *, seed: int) -> TrainingData:
    """Generate the eight tables in memory with ``synthetic.generate_tables``."""
    from synthetic import generate_tables

    if n_clients < 100:
        raise ValueError(f"--clients must be at least 100 to train and cross-validate, got {n_clients}")
    tables = generate_tables(n_clients, seed=seed)
    return TrainingData(applications=tables["application_train"],
                        history={name: tables[name] for name in HISTORY_TABLES if name in tables},
                        source=f"synthetic ({n_clients} clients, seed {seed})")


def folder_data(folder: Path, *, progress: bool = True) -> TrainingData:
    """Read application_train from a Kaggle-format folder and note which history files it holds."""
    from features.loaders import find_tables, load_tables

    applications = load_tables(folder, tables=["application_train"], progress=progress)["application_train"]
    present = tuple(find_tables(folder, tables=HISTORY_TABLES))
    names = ", ".join(sorted(("application_train", *present)))
    return TrainingData(applications=applications, history={}, folder=Path(folder), folder_tables=present,
                        source=f"Kaggle-format folder {Path(folder).name}/ ({names})")
