"""Score a batch of applications with one model bundle: validate, build features, predict, explain.

A batch merges the applications of many requests. It is validated against the model's Great
Expectations suite in one call; the applications that fail get their problems back and are left out,
the others are scored together, so one client's bad application never fails another's.

Two entries share that path: records as the API receives them (`Scorer.predict`, `Scorer.explain`),
and whole tables as a data set holds them (`Scorer.score_tables`, for portfolio scoring), which build
no per-application objects: the same validation, features and model, so an application gets the same
probability either way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from expectations import BatchValidator
from features.build import build_features_from_tables
from features.descriptions import feature_description
from features.records import NESTED_TABLES, records_to_columns
from features.schema import HISTORY_TABLES
from serving.reasons import ReasonWriter
from serving.requests import APPLICATION_TABLE, guaranteed_by_request_model
from serving.responses import Explanation, FieldWarning, Prediction, Problem
from train.bundle import ModelBundle

__all__ = ["ExplanationOutcome", "PredictionOutcome", "Scorer", "TableOutcomes", "Variant", "serving_suite"]

#: Applications explained together by `Scorer.score_tables`: bounds the contributions and feature
#: values held at once (820+ of each per application).
_EXPLAINED_TOGETHER = 1000


def serving_suite(suite: dict) -> dict:
    """Return `suite` without the expectations that no application passing the request model can fail.

    Each expectation costs Great Expectations several milliseconds per batch whatever the rows (a
    whole application suite, several hundred): the service runs only the ones that can fail on its
    input, the ranges the training data narrowed within the schema's hard limits. The others (dtypes,
    category levels, the required key, ranges as wide as the hard limits) are enforced by the request
    model, generated from the same schema; `Scorer` also asserts the dtypes.
    """
    return {**suite, "expectations": [e for e in suite["expectations"] if not guaranteed_by_request_model(e)]}


class PredictionOutcome(BaseModel):
    """What the scorer says about one application: a prediction, or why it could not be scored."""

    prediction: Prediction | None = None
    problems: list[Problem] = Field(default_factory=list)


class ExplanationOutcome(BaseModel):
    """What the scorer says about one application: an explanation, or why it could not be scored."""

    explanation: Explanation | None = None
    problems: list[Problem] = Field(default_factory=list)


@dataclass(frozen=True)
class Variant:
    """An application of a batch with some of its own fields replaced (never its history rows).

    Parameters
    ----------
    application : int
        Position of the application in the batch.
    changes : mapping of str to float or None
        Application fields -> the values that replace the application's.
    """

    application: int
    changes: Mapping[str, float | None]


@dataclass(frozen=True)
class TableOutcomes:
    """What the scorer says about applications given as tables.

    Parameters
    ----------
    scores : pd.DataFrame
        One row per application scored, in input order: the fields of a `Prediction` (``warnings`` a
        list of {field, warning} per row) and, when explained, ``reasons_against`` and
        ``reasons_for``, lists of text.
    problems : list of Problem
        What the model's expectations refused; ``index`` is the application's row position.
    """

    scores: pd.DataFrame
    problems: list[Problem]


class Scorer:
    """Validates, scores and explains batches of applications with one model.

    Parameters
    ----------
    bundle : ModelBundle
        The model, loaded from the model store.
    """

    def __init__(self, bundle: ModelBundle) -> None:
        self.bundle = bundle
        self.validator = BatchValidator(serving_suite(bundle.suite))
        # Names as the schema spells them ("float32", "category"): pandas dtypes compare equal to them.
        self._dtypes = [(c.name, c.dtype) for c in APPLICATION_TABLE.columns]
        self._labels = {name: feature_description(name) for name in bundle.feature_names}
        medians = {name: stats["quantiles"]["0.5"] for name, stats in bundle.reference["features"].items()
                   if stats.get("kind") == "number" and stats.get("quantiles")}
        self._reasons = ReasonWriter(bundle.feature_names, self._labels, medians=medians)

    def predict(self, applications: Sequence[Mapping[str, Any]]) -> list[PredictionOutcome]:
        """Return one outcome per application, in order.

        Parameters
        ----------
        applications : sequence of mapping
            Application records as the request model validated them (`serving.requests.Application`).
        """
        return self._prediction_outcomes(*self._validated_features(applications))

    def predict_variants(self, applications: Sequence[Mapping[str, Any]],
                         variants: Sequence[Variant]) -> list[PredictionOutcome]:
        """Return one outcome per variant, in order: what `predict` gives the application so changed.

        An application's history is read and aggregated once for all its variants, which share it;
        only the application's own fields are built again per variant. A variant that breaks the
        expectations gets its problems, as `predict` would give them.

        Parameters
        ----------
        applications : sequence of mapping
            Application records as the request model validated them (`serving.requests.Application`).
        variants : sequence of Variant
            What to score: each names its application by position and the fields it replaces.
        """
        ids, _, tables = records_to_columns(applications)
        records = [{**{k: v for k, v in applications[variant.application].items() if k not in NESTED_TABLES},
                    **variant.changes} for variant in variants]
        _, frame, _ = records_to_columns(records)
        owners = np.array([variant.application for variant in variants], dtype=np.int32)
        return self._prediction_outcomes(*self._checked_features(frame, tables, ids=ids[owners],
                                                                 history_keys=owners))

    def _prediction_outcomes(self, problems: list[list[Problem]], warnings: list[list[FieldWarning]],
                             valid: list[int], features: pd.DataFrame | None) -> list[PredictionOutcome]:
        outcomes = [PredictionOutcome(problems=found) for found in problems]
        if valid:
            for i, prediction in zip(valid, self._predictions(features, [warnings[i] for i in valid]),
                                     strict=True):
                outcomes[i] = PredictionOutcome(prediction=prediction)
        return outcomes

    def explain(self, applications: Sequence[Mapping[str, Any]]) -> list[ExplanationOutcome]:
        """Return one outcome per application, in order, each with every feature's contribution.

        Parameters
        ----------
        applications : sequence of mapping
            Application records as the request model validated them (`serving.requests.Application`).
        """
        problems, warnings, valid, features = self._validated_features(applications)
        outcomes = [ExplanationOutcome(problems=found) for found in problems]
        if not valid:
            return outcomes
        predictions = self._predictions(features, [warnings[i] for i in valid])
        shap, base = self.bundle.contributions(features)
        values = _feature_values(features, self.bundle.feature_names)
        for row, (i, prediction) in enumerate(zip(valid, predictions, strict=True)):
            outcomes[i] = ExplanationOutcome(explanation=self._explanation(
                prediction, shap[row], float(base[row]), values[row]))
        return outcomes

    def score_tables(self, applications: pd.DataFrame, tables: Mapping[str, pd.DataFrame], *,
                     explain: bool = False) -> TableOutcomes:
        """Score applications given as tables, one frame per raw table, as a data set holds them.

        Parameters
        ----------
        applications : pd.DataFrame
            One row per application, SK_ID_CURR unique, in the ``application_test`` schema's columns
            and dtypes (``features.loaders.cast_to_schema``): what the request model guarantees for
            records (``batch`` checks files the same way).
        tables : mapping of str to pd.DataFrame
            Every history table of ``features.schema.HISTORY_TABLES``, in its schema's columns and
            dtypes (an absent one as a frame without rows), rows linked by the same SK_ID_CURR
            (bureau_balance by SK_ID_BUREAU); rows of other clients are ignored.
        explain : bool, default=False
            Add each application's reasons against and for (`Explanation`'s).

        Raises
        ------
        ValueError
            If `applications` has other columns or dtypes, or a history table is missing.
        """
        if list(applications.dtypes.items()) != self._dtypes:
            raise ValueError("applications must have the application_test schema's columns and dtypes; "
                             "cast them with features.loaders.cast_to_schema")
        missing = [name for name in HISTORY_TABLES if name not in tables]
        if missing:
            raise ValueError(f"tables lacks {', '.join(missing)}; pass a frame without rows for an absent "
                             "table")
        ids = applications["SK_ID_CURR"].to_numpy()
        problems, warnings, valid, features = self._checked_features(applications, tables, ids=ids)
        found = [problem.model_copy(update={"index": row})
                 for row, listed in enumerate(problems) for problem in listed]
        scores = self._score_frame(features, [warnings[i] for i in valid], explain=explain)
        return TableOutcomes(scores=scores, problems=found)

    def _score_frame(self, features: pd.DataFrame | None, warnings: Sequence[list[FieldWarning]], *,
                     explain: bool) -> pd.DataFrame:
        """One row per application of `features` with the fields of a `Prediction` (and the reasons)."""
        names = list(Prediction.model_fields) + (["reasons_against", "reasons_for"] if explain else [])
        if features is None:
            return pd.DataFrame({name: [] for name in names})
        probability, refused, points = self._decisions(features)
        columns = {"SK_ID_CURR": features.index.to_numpy(dtype=np.int64), "probability": probability,
                   "decision": np.where(refused, "refused", "approved"),
                   "threshold": np.full(len(features), self.bundle.threshold),
                   "score": np.asarray(points, dtype=np.int64),
                   "model_version": np.full(len(features), self.bundle.version, dtype=object),
                   "warnings": [[warning.model_dump() for warning in listed] for listed in warnings]}
        if explain:
            columns["reasons_against"], columns["reasons_for"] = self._reasons_of(features)
        return pd.DataFrame(columns, columns=names)

    def _reasons_of(self, features: pd.DataFrame) -> tuple[list[list[str]], list[list[str]]]:
        """Each application's reasons against and for, explained `_EXPLAINED_TOGETHER` at a time."""
        against: list[list[str]] = []
        favour: list[list[str]] = []
        for start in range(0, len(features), _EXPLAINED_TOGETHER):
            part = features.iloc[start:start + _EXPLAINED_TOGETHER]
            shap, _ = self.bundle.contributions(part)
            for row, values in enumerate(_feature_values(part, self.bundle.feature_names)):
                reasons = self._reasons.reasons(shap[row], values)
                against.append(reasons[0])
                favour.append(reasons[1])
        return against, favour

    def _validated_features(self, records: Sequence[Mapping[str, Any]]) -> tuple[
            list[list[Problem]], list[list[FieldWarning]], list[int], pd.DataFrame | None]:
        """Validate the batch; return each application's problems and warnings, the positions of those
        that can be scored (no problem), and their features.

        The features of every application are built, then those of the valid ones kept: each row
        depends on its own application only, and the application table is built once, for both.
        """
        ids, applications, tables = records_to_columns(records)
        return self._checked_features(applications, tables, ids=ids)

    def _checked_features(self, applications: pd.DataFrame, tables: Mapping[str, Any], *, ids: np.ndarray,
                          history_keys: np.ndarray | None = None) -> tuple[
            list[list[Problem]], list[list[FieldWarning]], list[int], pd.DataFrame | None]:
        """Validate `applications` (their SK_ID_CURR are `ids`); return the problems, warnings, valid
        positions and features.

        `history_keys` gives, per application, the key its history rows carry in `tables` when it is
        not the application's own key (variants of one application share its history).
        """
        assert list(applications.dtypes.items()) == self._dtypes, "applications not in schema dtypes: a bug"
        problems: list[list[Problem]] = [[] for _ in range(len(applications))]
        warnings: list[list[FieldWarning]] = [[] for _ in range(len(applications))]
        for failure in self.validator.validate(applications):
            row = failure.row
            if failure.severity == "warning":
                warnings[row].append(FieldWarning(field=failure.column, warning=failure.message))
            else:
                problems[row].append(Problem(index=None, SK_ID_CURR=int(ids[row]), field=failure.column,
                                             problem=failure.message))
        valid = [i for i, found in enumerate(problems) if not found]
        if not valid:
            return problems, warnings, valid, None
        if history_keys is not None:
            applications = applications.assign(SK_ID_CURR=history_keys)
        features = build_features_from_tables(applications, tables, ids=ids)
        kept = features if len(valid) == len(applications) else features.iloc[valid]
        return problems, warnings, valid, kept

    def _decisions(self, features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Calibrated probability of default, whether refused, and score in points, of each row."""
        probability = self.bundle.predict_proba(features)
        return probability, self.bundle.decide(probability), self.bundle.score_points(probability)

    def _predictions(self, features: pd.DataFrame,
                     warnings: Sequence[list[FieldWarning]]) -> list[Prediction]:
        probability, refused, points = self._decisions(features)
        return [Prediction(SK_ID_CURR=int(sk_id), probability=float(p), threshold=self.bundle.threshold,
                           decision="refused" if r else "approved", score=int(s),
                           model_version=self.bundle.version, warnings=w)
                for sk_id, p, r, s, w in zip(features.index, probability, refused, points, warnings,
                                             strict=True)]

    def _explanation(self, prediction: Prediction, shap: np.ndarray, base: float,
                     values: list[float | str | None]) -> Explanation:
        names = self.bundle.feature_names
        order = np.argsort(-np.abs(shap), kind="stable")
        against, favour = self._reasons.reasons(shap, values)
        # Validated as one document: building the 820+ contributions one object at a time cost a
        # fifth of the model service's CPU when explaining.
        return Explanation.model_validate({
            **prediction.model_dump(), "base_value": base,
            "contributions": [{"feature": names[i], "label": self._labels[names[i]], "value": values[i],
                               "shap": float(shap[i])} for i in order],
            "reasons_against": against, "reasons_for": favour})


def _feature_values(features: pd.DataFrame, names: Sequence[str]) -> list[list[float | str | None]]:
    """Return each row's feature values as JSON-ready Python values (missing -> None), in `names` order.

    The number columns are converted together: one column at a time cost ~17 us each, 820+ columns.
    """
    frame = features[list(names)]
    categorical = np.array([isinstance(dtype, pd.CategoricalDtype) for dtype in frame.dtypes])
    values = np.empty(frame.shape, dtype=object)
    numbers = frame.iloc[:, np.flatnonzero(~categorical)].to_numpy(dtype="float64", na_value=np.nan)
    values[:, ~categorical] = np.where(np.isnan(numbers), None, numbers.astype(object))
    for j in np.flatnonzero(categorical):
        column = frame.iloc[:, j]
        values[:, j] = column.astype(object).where(column.notna(), None).to_numpy()
    return values.tolist()
