"""The model features as LightGBM reads them: one float32 row-major matrix, built once.

At Kaggle scale the feature frame holds 1 GB, and LightGBM would convert it to a float64 matrix of
2 GB before binning (its frame conversion turns category codes into float64). Training instead copies
the frame once into a float32 matrix (category columns as their level codes, missing as NaN: the
values LightGBM itself would bin), lets the frame go, bins the matrix, and reads back from it the
frames that later steps need: a sample of rows to explain, the columns of the reference statistics.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.labels import labels

__all__ = ["FeatureMatrix"]

#: Rows copied at a time from a frame: one slab's copy is the only temporary.
_SLAB_ROWS = 65_536


@dataclass(frozen=True)
class FeatureMatrix:
    """Model features as one float32 matrix, with what it takes to give them back as frames.

    Parameters
    ----------
    values : np.ndarray of float32, shape (n, n_features)
        Row-major; category columns hold their level codes, missing values NaN.
    columns : pd.Index
        The feature names, in column order.
    index : pd.Index
        SK_ID_CURR of each row.
    categories : dict of int to pd.CategoricalDtype
        Position -> dtype of each category column.
    """

    values: np.ndarray
    columns: pd.Index
    index: pd.Index
    categories: dict[int, pd.CategoricalDtype]

    @classmethod
    def from_frame(cls, features: pd.DataFrame) -> FeatureMatrix:
        """Copy a feature frame (numbers float32, categories categorical) into a matrix."""
        categories = {j: dtype for j, dtype in enumerate(features.dtypes)
                      if isinstance(dtype, pd.CategoricalDtype)}
        values = np.empty(features.shape, dtype=np.float32)
        for j in categories:
            codes = features.iloc[:, j].cat.codes.to_numpy()
            values[:, j] = np.where(codes >= 0, codes, np.nan)
        for first, end in _number_runs(features.shape[1], categories):
            for row in range(0, len(features), _SLAB_ROWS):
                rows = slice(row, row + _SLAB_ROWS)
                values[rows, first:end] = features.iloc[rows, first:end].to_numpy(dtype=np.float32)
        return cls(values, features.columns, features.index, categories)

    def __len__(self) -> int:
        return len(self.values)

    @property
    def categorical(self) -> list[int]:
        """list of int: positions of the category columns."""
        return list(self.categories)

    @property
    def category_levels(self) -> list[list[object]]:
        """list of list: the levels of each category column, in column order (LightGBM's
        ``pandas_categorical``)."""
        return [list(dtype.categories) for dtype in self.categories.values()]

    def frame(self, *, rows: np.ndarray | None = None, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Return the features of `rows` (positions; default all) and `columns` (default all) as the
        builder's frame gives them: numbers float32, categories categorical with their levels."""
        positions = range(len(self.columns)) if columns is None else self.columns.get_indexer(columns)
        picked = self.values if rows is None else self.values[rows]
        out = {}
        for j in positions:
            column = picked[:, j]
            if j in self.categories:
                codes = np.where(np.isnan(column), -1, column).astype(np.int16)
                out[self.columns[j]] = pd.Categorical.from_codes(codes, dtype=self.categories[j])
            else:
                out[self.columns[j]] = np.ascontiguousarray(column)
        index = self.index if rows is None else self.index[rows]
        return pd.DataFrame(out, index=index, columns=labels(self.columns[j] for j in positions), copy=False)


def _number_runs(n_columns: int, categories: dict[int, pd.CategoricalDtype]) -> list[tuple[int, int]]:
    """Return (first, end) of each run of consecutive number columns."""
    runs, first = [], None
    for j in range(n_columns + 1):
        number = j < n_columns and j not in categories
        if number and first is None:
            first = j
        elif not number and first is not None:
            runs.append((first, j))
            first = None
    return runs
