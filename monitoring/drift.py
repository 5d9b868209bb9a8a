"""Drift of live traffic against the training population: the population stability index (PSI).

The decision records hold every scored input. The recent decisions of the model in service are
built into features again by the serving path's own code, put into the bins of the model's reference
profile (`train.profile`), and compared with the training shares, feature by feature and for the
probability. The approval rate now is set beside the training one.

PSI is the industry's convention (Siddiqi): below 0.1 the population is stable, 0.1 to 0.25 worth
watching, above 0.25 drifted. With few decisions it is biased upwards, so below `MIN_DECISIONS` no
verdict is given, only the count.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from decisions.records import Decision
from features.build import build_features_from_records
from train.profile import bin_shares

__all__ = ["MIN_DECISIONS", "PSI_DRIFTED", "PSI_STABLE", "Drift", "Shift", "drift_of", "psi", "psi_status"]

PSI_STABLE = 0.1
PSI_DRIFTED = 0.25
#: Fewer decisions than this get no verdict: PSI over small samples reads drift where there is none.
MIN_DECISIONS = 500
#: Share given to an empty bin, so that PSI stays finite (a bin seen in one population only).
_EMPTY_BIN = 1e-4
#: Recorded inputs built into features at once (bounded memory whatever the window).
_CHUNK = 500

Status = Literal["stable", "watch", "drifted"]


def psi(expected: Sequence[float], actual: Sequence[float]) -> float:
    """Return the population stability index of `actual` shares against `expected` ones.

    Parameters
    ----------
    expected, actual : sequence of float
        Shares of the same bins (each summing to 1); an empty bin counts as `_EMPTY_BIN`.

    Returns
    -------
    float
        ``sum((actual - expected) * ln(actual / expected))``, 0 for identical shares.
    """
    e = np.maximum(np.asarray(expected, dtype="float64"), _EMPTY_BIN)
    a = np.maximum(np.asarray(actual, dtype="float64"), _EMPTY_BIN)
    if e.shape != a.shape:
        raise ValueError(f"expected and actual must share their bins, got {e.shape} and {a.shape}")
    return float(np.sum((a - e) * np.log(a / e)))


def psi_status(value: float) -> Status:
    """Return ``stable`` (< 0.1), ``watch`` (0.1 to 0.25) or ``drifted`` (> 0.25)."""
    if value < PSI_STABLE:
        return "stable"
    return "watch" if value <= PSI_DRIFTED else "drifted"


@dataclass(frozen=True)
class Shift:
    """One profiled feature (or the probability): its bins' shares in training and now, and the PSI."""

    name: str
    bins: dict[str, Any]
    training: list[float]
    now: list[float]
    psi: float

    @property
    def status(self) -> Status:
        """str: the PSI's verdict."""
        return psi_status(self.psi)

    def labels(self) -> list[str]:
        """The bins in words, in order (for charts and tables)."""
        if self.bins["kind"] == "levels":
            return [str(level) for level in self.bins["levels"]] + ["other", "missing"]
        edges = [f"{edge:.4g}" for edge in self.bins["edges"]]
        inner = [f"{low} to {high}" for low, high in itertools.pairwise(edges)]
        return [f"up to {edges[0]}", *inner, f"above {edges[-1]}", "missing"]


@dataclass(frozen=True)
class Drift:
    """Live traffic against the training reference, over some recent decisions of one model."""

    decisions: int
    model_version: str
    approval_now: float | None
    approval_training: float
    score: Shift | None
    features: list[Shift]

    @property
    def enough(self) -> bool:
        """bool: whether there are enough decisions for a verdict."""
        return self.decisions >= MIN_DECISIONS

    def to_json(self) -> dict[str, Any]:
        """Return the drift as plain JSON, bins and shares included (`from_json` reads it back)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Drift:
        """Return the drift that `to_json` wrote."""
        score = None if data["score"] is None else Shift(**data["score"])
        return cls(**{**data, "score": score, "features": [Shift(**shift) for shift in data["features"]]})

    def answer(self) -> dict[str, Any]:
        """Return the answer of ``GET /monitoring/drift``: PSI and status per feature and for the score,
        the approval rate now and in training, the decisions counted; no verdict below the minimum."""
        answer: dict[str, Any] = {
            "decisions": self.decisions, "model_version": self.model_version, "minimum": MIN_DECISIONS,
            "approval_rate": {"now": self.approval_now, "training": self.approval_training},
            "score": None, "features": []}
        if not self.enough:
            return {**answer, "note": f"{self.decisions} decision(s) of this model in the window, fewer "
                                      f"than {MIN_DECISIONS}: no verdict (PSI over few decisions reads drift "
                                      "where there is none)"}
        assert self.score is not None, "a drift with enough decisions has a score shift: a bug"
        return {**answer, "score": {"psi": self.score.psi, "status": self.score.status},
                "features": [{"feature": s.name, "psi": s.psi, "status": s.status} for s in self.features]}


def drift_of(decisions: Sequence[Decision], profile: dict[str, Any], *, model_version: str) -> Drift:
    """Return the drift of `decisions` (all made by `model_version`) against the model's `profile`.

    Parameters
    ----------
    decisions : sequence of Decision
        Recorded decisions of the model in service.
    profile : dict
        The model bundle's reference profile (`train.profile.build_profile`).
    model_version : str
        The model in service.

    Returns
    -------
    Drift
        With no shifts when there are fewer than `MIN_DECISIONS` decisions; features by PSI, largest first.
    """
    approval_now = (float(np.mean([d.decision == "approved" for d in decisions])) if decisions else None)
    if len(decisions) < MIN_DECISIONS:
        return Drift(len(decisions), model_version, approval_now, profile["approval_rate"], None, [])
    probabilities = np.array([d.probability for d in decisions])
    score = _shift("probability", profile["score"], probabilities)
    features = _features(decisions, list(profile["features"]))
    shifts = [_shift(name, bins, features[name]) for name, bins in profile["features"].items()]
    shifts.sort(key=lambda shift: shift.psi, reverse=True)
    return Drift(len(decisions), model_version, approval_now, profile["approval_rate"], score, shifts)


def _shift(name: str, profiled: dict[str, Any], values: pd.Series | np.ndarray) -> Shift:
    bins = {k: v for k, v in profiled.items() if k != "shares"}
    now = bin_shares(values, bins)
    return Shift(name, bins, list(profiled["shares"]), now.tolist(), psi(profiled["shares"], now))


def _features(decisions: Sequence[Decision], names: list[str]) -> pd.DataFrame:
    """Build the profiled features of the recorded inputs, with the serving path's code, in chunks."""
    parts = []
    for start in range(0, len(decisions), _CHUNK):
        inputs = [json.loads(d.input_json) for d in decisions[start:start + _CHUNK]]
        parts.append(build_features_from_records(inputs)[names].reset_index(drop=True))
    return pd.concat(parts, ignore_index=True)
