"""Score one partition of whole clients: the API's checks, then the service's scorer, on whole tables.

A partition holds some applications and every history row of their clients (``batch.reading`` frames,
in any row order: they are put back in file order first). Each application ends up either scored or
rejected with its problems, in the API's words:

- what the API's request model refuses (a value of the wrong type, out of the schema's limits, not a
  category level; a history list longer than the API takes) is found by the request model itself, on
  the application as the file held it, nested history included, so the problems read as a 422 reads;
- what only a file can get wrong is reported in the same shape: an SK_ID_CURR that appears twice, a
  row without a usable SK_ID_CURR, history rows of a client that no application table of the folder
  holds, a line that does not split into the header's fields;
- the others go to `serving.scoring.Scorer.score_tables`: the model's expectations, the features and
  the calibrated model of the service.

The result is one frame of outcome rows (``batch.output.outcome_columns``): a scored application
(``problem`` missing), or one problem of a rejected application. `scores` and `rejects` split it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from pydantic import ValidationError

from batch.output import REJECT_COLUMNS, no_outcomes
from batch.reading import MALFORMED, NO_KEY, REFUSED, schema_of
from features.records import tables_to_records
from features.schema import HISTORY_TABLES, Table
from serving.problems import BODY_FIELD, problems_from_validation_error
from serving.requests import MAX_HISTORY_ROWS, MAX_PREDICT_APPLICATIONS, PredictBody
from serving.responses import Problem

if TYPE_CHECKING:  # the scorer is handed in: importing it here would import Great Expectations (seconds)
    from serving.scoring import Scorer

__all__ = ["rejects", "score_partition", "scores"]


def scores(outcomes: pd.DataFrame) -> pd.DataFrame:
    """The scored applications of `score_partition`'s frame, in the scores' columns and dtypes."""
    columns = [name for name in outcomes.columns if name not in REJECT_COLUMNS[1:]]
    scored = outcomes.loc[outcomes["problem"].isna(), columns]
    return scored.astype({name: "int64" for name in scored.columns if scored[name].dtype == "Int64"})


def rejects(outcomes: pd.DataFrame) -> pd.DataFrame:
    """The problems of the rejected applications of `score_partition`'s frame."""
    return outcomes.loc[outcomes["problem"].notna(), REJECT_COLUMNS]


def score_partition(scorer: Scorer, applications: pd.DataFrame, history: Mapping[str, pd.DataFrame], *,
                    explain: bool = False) -> pd.DataFrame:
    """Score the applications of one partition of whole clients, or reject them with their problems.

    Parameters
    ----------
    scorer : Scorer
        The service's scorer, with the model.
    applications : pd.DataFrame
        Application rows as ``batch.reading.read_block`` gives them.
    history : mapping of str to pd.DataFrame
        Every history table (``features.schema.HISTORY_TABLES``; ``batch.reading.no_rows`` for an
        absent one) as read, holding every row of these applications' clients; bureau_balance with
        the SK_ID_CURR of its credits' clients. Rows of no known client (kept by the reader) are
        reported.
    explain : bool, default=False
        Add each scored application's reasons against and for.

    Returns
    -------
    pd.DataFrame
        Columns ``batch.output.outcome_columns``: one row per scored application, in file order, then
        one row per problem of each rejected application (SK_ID_CURR missing where the row had none
        usable).
    """
    applications = applications.sort_index(kind="stable")
    history = {name: history[name].sort_index(kind="stable") for name in HISTORY_TABLES}
    known = pd.Index(applications["SK_ID_CURR"])
    found = [_without_client(name, frame, known) for name, frame in history.items()]
    unlinked = applications["SK_ID_CURR"] == NO_KEY
    repeated = known.duplicated(keep=False) & ~unlinked.to_numpy()
    found.append(_repeated(applications[repeated]))
    single = applications[~repeated & ~unlinked.to_numpy()]
    refused = _request_problems(applications[unlinked], single[_flagged(single, history)], history)
    found.append(_problem_rows(refused))
    rejected = {p.SK_ID_CURR for p in refused}
    accepted = single[~single["SK_ID_CURR"].isin(rejected).to_numpy()]
    outcome = scorer.score_tables(accepted[schema_of("application_test").column_names],
                                  _clients_rows(history, pd.Index(accepted["SK_ID_CURR"])), explain=explain)
    found.append(_problem_rows(outcome.problems))
    typed = no_outcomes(explain=explain)
    rows = pd.concat([outcome.scores, *found], ignore_index=True)
    return rows.reindex(columns=typed.columns).astype(typed.dtypes.to_dict())


def _without_client(name: str, frame: pd.DataFrame, known: pd.Index) -> pd.DataFrame:
    """Problems of a history table's rows that belong to no application: no usable key, or a client no
    application table of the folder holds (the reader dropped the other table's clients' rows)."""
    unusable = frame["SK_ID_CURR"] == NO_KEY
    problems = [Problem(index=None, SK_ID_CURR=None, field=_unusable_field(name, values),
                        problem=_unusable_text(name, values))
                for values in frame.loc[unusable, REFUSED]]
    strangers = frame.loc[~unusable & ~frame["SK_ID_CURR"].isin(known), "SK_ID_CURR"].value_counts(sort=False)
    problems += [Problem(index=None, SK_ID_CURR=int(client), field=name,
                         problem=f"{count} {name} row(s) belong to SK_ID_CURR={client}, which no application "
                                 "table of the folder holds; they were left out")
                 for client, count in strangers.items()]
    return _problem_rows(problems)


def _unusable_field(name: str, refused: str | float) -> str:
    values = json.loads(refused) if isinstance(refused, str) else {}
    return name if MALFORMED in values else f"{name}.SK_ID_CURR"


def _unusable_text(name: str, refused: str | float) -> str:
    """Why a history row has no usable key, in the API's words where it is a value the API refuses."""
    values = json.loads(refused) if isinstance(refused, str) else {}
    if MALFORMED in values:
        return f"{values[MALFORMED]}; the line was left out"
    problems = _validated([{"SK_ID_CURR": values.get("SK_ID_CURR")}])
    return f"{problems[0].problem}; the {name} row cannot be linked to an application and was left out"


def _repeated(applications: pd.DataFrame) -> pd.DataFrame:
    """Problems of applications whose SK_ID_CURR appears more than once (their history is shared)."""
    counts = applications["SK_ID_CURR"].value_counts(sort=False)
    return _problem_rows([Problem(index=None, SK_ID_CURR=int(client), field="SK_ID_CURR",
                                  problem=f"SK_ID_CURR={client} appears {counts[client]} times in the "
                                          "application table; each application must appear once, since "
                                          "the history rows of one SK_ID_CURR cannot be told apart")
                          for client in applications["SK_ID_CURR"]])


def _flagged(applications: pd.DataFrame, history: Mapping[str, pd.DataFrame]) -> np.ndarray:
    """Where an application has a value the API would refuse, in its row or its history, or more
    history rows than one API list takes: the request model then decides, and words the problems."""
    clients = set(applications.loc[applications[REFUSED].notna(), "SK_ID_CURR"])
    for name, frame in history.items():
        clients.update(frame.loc[frame[REFUSED].notna(), "SK_ID_CURR"])
        per_list = frame["SK_ID_BUREAU"] if name == "bureau_balance" else frame["SK_ID_CURR"]
        counts = per_list.value_counts(sort=False)
        long = counts.index[counts > MAX_HISTORY_ROWS]
        clients.update(frame.loc[per_list.isin(long), "SK_ID_CURR"])
    return applications["SK_ID_CURR"].isin(clients).to_numpy()


def _request_problems(unlinked: pd.DataFrame, flagged: pd.DataFrame,
                      history: Mapping[str, pd.DataFrame]) -> list[Problem]:
    """What the API's request model says about applications, each as the file held it: those without a
    usable SK_ID_CURR (alone: no history can be theirs) and the flagged ones, with their history."""
    schema = schema_of("application_test")
    records = _as_in_file(unlinked, schema).to_dict("records")
    if not flagged.empty:
        clients = pd.Index(flagged["SK_ID_CURR"])
        rows = {name: _as_in_file(frame[frame["SK_ID_CURR"].isin(clients)], schema_of(name))
                for name, frame in history.items()}
        records += tables_to_records(_as_in_file(flagged, schema), rows)
    return _validated(records)


def _validated(records: list[dict]) -> list[Problem]:
    """The API's problems with `records`, validated as /predict bodies of at most its size."""
    problems: list[Problem] = []
    for start in range(0, len(records), MAX_PREDICT_APPLICATIONS):
        body = {BODY_FIELD: records[start:start + MAX_PREDICT_APPLICATIONS]}
        try:
            PredictBody.model_validate(body)
        except ValidationError as error:
            problems += problems_from_validation_error(error, body)
    return problems


def _as_in_file(frame: pd.DataFrame, schema: Table) -> pd.DataFrame:
    """The rows in `schema`'s columns with their values as the file held them: typed values (a missing
    or unusable key missing), and the refused values put back."""
    typed = frame[schema.column_names]
    held = typed.astype(object).where(typed.notna(), None)
    for key in schema.keys:
        held.loc[typed[key] == NO_KEY, key] = None
    for row, text in frame[REFUSED].dropna().items():
        for name, value in json.loads(text).items():
            held.at[row, name] = value
    return held


def _clients_rows(history: Mapping[str, pd.DataFrame], clients: pd.Index) -> dict[str, pd.DataFrame]:
    """The history rows of `clients`, in each table's schema columns (what the scorer takes)."""
    return {name: frame.loc[frame["SK_ID_CURR"].isin(clients), schema_of(name).column_names]
            for name, frame in history.items()}


def _problem_rows(problems: list[Problem]) -> pd.DataFrame:
    """Problems as rows of `REJECT_COLUMNS`."""
    return pd.DataFrame({"SK_ID_CURR": pd.array([p.SK_ID_CURR for p in problems], dtype="Int64"),
                         "field": pd.array([p.field for p in problems], dtype="str"),
                         "problem": pd.array([p.problem for p in problems], dtype="str")})
