"""What a portfolio run writes: the scores and, beside them, the rejects, both as Parquet.

The scores hold one row per scored application with the fields of the API's `Prediction` (its
``warnings``: the values outside the training data's range, scored all the same) and, with
``--explain``, the reasons against and for; the rejects one row per problem, with the fields of the
API's `Problem` that a file needs (SK_ID_CURR, field, problem). Both schemas are derived from those
response models, so a portfolio's files read as the API's answers do.
"""

from __future__ import annotations

import resource
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
from pydantic import BaseModel

from serving.responses import Explanation, Prediction, Problem

__all__ = ["REASON_COLUMNS", "REJECT_COLUMNS", "SCORE_COLUMNS", "Summary", "no_outcomes", "outcome_columns",
           "peak_rss_mb", "rejects_path", "rejects_schema", "scores_schema"]

#: Columns of a scored application: the fields of the API's Prediction.
SCORE_COLUMNS = list(Prediction.model_fields)
#: Columns that --explain adds: the API's reasons against and for.
REASON_COLUMNS = ["reasons_against", "reasons_for"]
#: Columns of a rejected application's problem (one row per problem): the API's Problem, less its index.
REJECT_COLUMNS = [name for name in Problem.model_fields if name != "index"]


def _arrow_type(annotation: object) -> pa.DataType:
    """The Arrow type of a response model field: whole numbers int64, numbers float64, text string,
    lists as lists, models (a warning) as structs."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        (annotation,) = (arg for arg in typing.get_args(annotation) if arg is not type(None))
    if typing.get_origin(annotation) is list:
        return pa.list_(_arrow_type(typing.get_args(annotation)[0]))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return pa.struct([pa.field(name, _arrow_type(field.annotation), nullable=False)
                          for name, field in annotation.model_fields.items()])
    if annotation is int:
        return pa.int64()
    if annotation is float:
        return pa.float64()
    assert annotation is str or typing.get_origin(annotation) is typing.Literal, \
        f"no Parquet type for {annotation}: a bug in batch.output"
    return pa.string()


def scores_schema(*, explain: bool) -> pa.Schema:
    """The schema of the scores: `Prediction`'s fields, then `Explanation`'s reasons if explained."""
    fields = [pa.field(name, _arrow_type(Prediction.model_fields[name].annotation), nullable=False)
              for name in SCORE_COLUMNS]
    fields += [pa.field(name, _arrow_type(Explanation.model_fields[name].annotation), nullable=False)
               for name in REASON_COLUMNS] if explain else []
    return pa.schema(fields)


def rejects_schema() -> pa.Schema:
    """The schema of the rejects: SK_ID_CURR (missing where the row had none usable), field, problem."""
    return pa.schema([pa.field(name, _arrow_type(Problem.model_fields[name].annotation))
                      for name in REJECT_COLUMNS])


def outcome_columns(*, explain: bool) -> list[str]:
    """The columns of an outcome frame (``batch.partition``): scores, reasons if asked, problem."""
    return SCORE_COLUMNS + (REASON_COLUMNS if explain else []) + REJECT_COLUMNS[1:]


def no_outcomes(*, explain: bool) -> pd.DataFrame:
    """An outcome frame without rows, in its dtypes: a scored row's or a problem's columns may be
    missing, so whole numbers are nullable (Int64); reasons are lists."""
    fields = {field.name: field.type for schema in (scores_schema(explain=explain), rejects_schema())
              for field in schema}
    return pd.DataFrame({name: pd.Series(dtype=_pandas_dtype(fields[name]))
                         for name in outcome_columns(explain=explain)})


def _pandas_dtype(kind: pa.DataType) -> str:
    if pa.types.is_integer(kind):
        return "Int64"
    if pa.types.is_floating(kind):
        return "float64"
    return "str" if pa.types.is_string(kind) else "object"


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rejects_path(out: Path) -> Path:
    """Where the rejects go: beside `out`, ``scores.parquet`` -> ``scores.rejects.parquet``."""
    return out.with_name(f"{out.stem}.rejects{out.suffix or '.parquet'}")


@dataclass(frozen=True)
class Summary:
    """What a run did.

    Parameters
    ----------
    applications : int
        Application rows read.
    scored : int
        Applications scored (rows of the scores).
    problems : int
        Rows of the rejects (problems of the rejected applications, and of history rows of no client).
    seconds : float
        Wall time, reading included.
    scores_path, rejects_path : Path
        Where they were written.
    peak_mb : dict of str to float
        Peak resident memory of the processes that did the work, in MiB: ``"driver"`` (this process),
        and each Dask worker by address.
    """

    applications: int
    scored: int
    problems: int
    seconds: float
    scores_path: Path
    rejects_path: Path
    peak_mb: dict[str, float] = field(default_factory=dict)

    @property
    def rejected(self) -> int:
        """int: applications not scored."""
        return self.applications - self.scored

    def text(self) -> str:
        """The summary a person reads at the end of a run."""
        rate = self.applications / self.seconds if self.seconds > 0 else float("nan")
        workers = [f"{peak:,.0f}" for name, peak in self.peak_mb.items() if name != "driver"]
        return (f"scored {self.scored:,} of {self.applications:,} applications, rejected {self.rejected:,} "
                f"in {self.seconds:.1f} s ({rate:,.0f} applications/s)\n"
                f"scores: {self.scores_path}\n"
                f"rejects: {self.rejects_path} ({self.problems:,} problem(s))\n"
                f"peak memory (MiB): driver {self.peak_mb.get('driver', float('nan')):,.0f}"
                + (f"; workers {', '.join(workers)}" if workers else ""))
