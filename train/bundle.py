"""The model bundle: everything the service and the UI need, in one model-store folder.

Files in the folder (all text, no pickle):

- ``model.txt``: the LightGBM booster in its own text format;
- ``bundle.json``: feature names and dtypes/categories, calibrator, threshold, costs, scorecard
  constants, explainer description, metrics, version, schema version;
- ``suite.json`` (Great Expectations suite), ``reference.json`` (training population statistics),
  ``report.html`` (training report), ``model_card.md``.

Read it with ``ModelBundle.load(bentoml.models.get("credit_scoring:latest").path)``.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import bentoml
import lightgbm as lgb
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from features.labels import labels
from features.schema import SCHEMA_VERSION
from train.calibration import PlattCalibrator
from train.scorecard import Scorecard
from train.threshold import CostMatrix

__all__ = ["BUNDLE_FORMAT", "BundleContents", "ModelBundle", "feature_spec", "save_to_store", "write_bundle"]

#: Version of the folder layout and bundle.json keys; bump when either changes.
BUNDLE_FORMAT = "1"
_FILES = {"booster": "model.txt", "bundle": "bundle.json", "suite": "suite.json",
          "reference": "reference.json", "profile": "profile.json", "report": "report.html",
          "model_card": "model_card.md"}


def feature_spec(features: pd.DataFrame) -> list[dict[str, object]]:
    """Return name, dtype and (for categoricals) the ordered levels of each feature column."""
    spec: list[dict[str, object]] = []
    for name, dtype in features.dtypes.items():
        entry: dict[str, object] = {"name": str(name), "dtype": str(dtype)}
        if isinstance(dtype, pd.CategoricalDtype):
            entry.update(dtype="category", categories=[str(c) for c in dtype.categories])
        spec.append(entry)
    return spec


@dataclass
class BundleContents:
    """What training hands to :func:`write_bundle`; ``version`` is set when the model is stored."""

    booster: lgb.Booster
    features: list[dict[str, object]]
    calibrator: PlattCalibrator
    threshold: float
    costs: CostMatrix
    scorecard: Scorecard
    explainer: dict[str, object]
    metrics: dict[str, object]
    suite: dict[str, object]
    reference: dict[str, object]
    profile: dict[str, object]
    report_html: str
    model_card: str
    version: str = ""


def write_bundle(contents: BundleContents, directory: Path) -> None:
    """Write the bundle files into `directory` (which must exist)."""
    directory = Path(directory)
    contents.booster.save_model(directory / _FILES["booster"])
    bundle = {
        "bundle_format": BUNDLE_FORMAT,
        "schema_version": SCHEMA_VERSION,
        "version": contents.version,
        "features": contents.features,
        "calibrator": contents.calibrator.to_dict(),
        "threshold": contents.threshold,
        "costs": {"false_negative": contents.costs.false_negative,
                  "false_positive": contents.costs.false_positive},
        "scorecard": contents.scorecard.to_dict(),
        "explainer": contents.explainer,
        "metrics": contents.metrics,
    }
    for key, payload in (("bundle", bundle), ("suite", contents.suite), ("reference", contents.reference),
                         ("profile", contents.profile)):
        (directory / _FILES[key]).write_text(json.dumps(payload, indent=1, allow_nan=False), encoding="utf-8")
    (directory / _FILES["report"]).write_text(contents.report_html, encoding="utf-8")
    (directory / _FILES["model_card"]).write_text(contents.model_card, encoding="utf-8")


def save_to_store(contents: BundleContents, *, name: str, labels: dict[str, str],
                  metadata: dict[str, object]) -> tuple[str, Path]:
    """Save the bundle as a BentoML model; return its tag ("name:version") and its folder.

    The model store is BentoML's (``BENTOML_HOME`` decides where). ``contents.version`` is set to the tag.
    """
    with bentoml.models.create(name, labels=labels, metadata=metadata) as model:
        contents.version = str(model.tag)
        write_bundle(contents, Path(model.path))
    return contents.version, Path(bentoml.models.get(model.tag).path)


class ModelBundle:
    """A trained model read back from its folder: calibrated predictions, explanations, decisions.

    Use :meth:`load`; do not construct directly.
    """

    def __init__(self, directory: Path, booster: lgb.Booster, bundle: dict, num_threads: int) -> None:
        self.directory = directory
        self._booster = booster
        self._bundle = bundle
        self._num_threads = num_threads
        self.calibrator = PlattCalibrator.from_dict(bundle["calibrator"])
        self.scorecard = Scorecard(**bundle["scorecard"])
        spec = bundle["features"]
        self.feature_names: list[str] = [f["name"] for f in spec]
        self._name_set = frozenset(self.feature_names)
        self.feature_dtypes: dict[str, str] = {f["name"]: f["dtype"] for f in spec}
        self.categories: dict[str, list[str]] = {f["name"]: f["categories"] for f in spec
                                                 if f["dtype"] == "category"}
        self._numeric_positions = np.array([i for i, f in enumerate(spec) if f["dtype"] != "category"],
                                           dtype=int)
        self._numeric_names = labels(self.feature_names[i] for i in self._numeric_positions)
        self._category_dtypes = {name: pd.CategoricalDtype(levels)
                                 for name, levels in self.categories.items()}
        self._category_positions = [(i, name) for i, name in enumerate(self.feature_names)
                                    if name in self._category_dtypes]

    @classmethod
    def load(cls, path: str | Path, *, num_threads: int = 1) -> ModelBundle:
        """Load a bundle from a model-store folder.

        Parameters
        ----------
        path : str or Path
            The model's folder, e.g. ``bentoml.models.get("credit_scoring:latest").path``.
        num_threads : int, default=1
            LightGBM threads per call; one suits the small batches of a service worker.

        Raises
        ------
        FileNotFoundError
            If the folder lacks a bundle file (not a model written by ``python -m train``).
        ValueError
            If the bundle was written in another format version.
        """
        directory = Path(path)
        for key in ("booster", "bundle"):
            if not (directory / _FILES[key]).is_file():
                raise FileNotFoundError(f"{directory} has no {_FILES[key]}: "
                                        "not a model saved by `python -m train`")
        bundle = json.loads((directory / _FILES["bundle"]).read_text(encoding="utf-8"))
        if bundle.get("bundle_format") != BUNDLE_FORMAT:
            raise ValueError(f"bundle format {bundle.get('bundle_format')!r} in {directory} is not supported "
                             f"(expected {BUNDLE_FORMAT!r}); retrain with `python -m train`")
        booster = lgb.Booster(model_file=str(directory / _FILES["booster"]))
        return cls(directory, booster, bundle, num_threads)

    @property
    def booster(self) -> lgb.Booster:
        """lgb.Booster: the raw model (log-odds before calibration)."""
        return self._booster

    @property
    def threshold(self) -> float:
        """float: refuse when the calibrated probability of default is at or above it."""
        return float(self._bundle["threshold"])

    @property
    def cost_false_negative(self) -> float:
        """float: cost of accepting a client who defaults."""
        return float(self._bundle["costs"]["false_negative"])

    @property
    def cost_false_positive(self) -> float:
        """float: cost of refusing a client who would have repaid."""
        return float(self._bundle["costs"]["false_positive"])

    @property
    def metrics(self) -> dict:
        """dict: training metrics (CV AUC, Brier score, costs, ...)."""
        return self._bundle["metrics"]

    @property
    def explainer(self) -> dict:
        """dict: how contributions are computed and the model's size and explanation cost."""
        return self._bundle["explainer"]

    @property
    def version(self) -> str:
        """str: the BentoML tag the model was saved under."""
        return self._bundle["version"]

    @property
    def schema_version(self) -> str:
        """str: version of the raw-table schema the model was trained on."""
        return self._bundle["schema_version"]

    def _read_json(self, key: str) -> dict:
        return json.loads((self.directory / _FILES[key]).read_text(encoding="utf-8"))

    @functools.cached_property
    def suite(self) -> dict:
        """dict: the Great Expectations suite (JSON) for incoming applications."""
        return self._read_json("suite")

    @functools.cached_property
    def reference(self) -> dict:
        """dict: reference statistics of the training population."""
        return self._read_json("reference")

    @functools.cached_property
    def profile(self) -> dict | None:
        """dict or None: the training population's profile for drift (`train.profile`); None for a
        model saved before profiles were."""
        if not (self.directory / _FILES["profile"]).is_file():
            return None
        return self._read_json("profile")

    @functools.cached_property
    def model_card(self) -> str:
        """str: the model card, Markdown."""
        return (self.directory / _FILES["model_card"]).read_text(encoding="utf-8")

    @property
    def report_path(self) -> Path:
        """Path: the training report (HTML with embedded plots)."""
        return self.directory / _FILES["report"]

    def _matrix(self, features: pd.DataFrame) -> np.ndarray:
        """Return the features as a float64 matrix in model order, categories as level codes."""
        if not isinstance(features, pd.DataFrame):
            raise TypeError(f"features must be a pandas DataFrame, got {type(features).__name__}")
        if not self._name_set.issubset(features.columns):  # one lookup per name cost 0.17 ms a batch
            missing = [name for name in self.feature_names if name not in features.columns]
            raise ValueError(f"features lack {len(missing)} model columns, e.g. {missing[:5]}; "
                             "build them with features.build.build_features")
        matrix = np.empty((len(features), len(self.feature_names)), dtype=np.float64)
        if len(self._numeric_names):
            matrix[:, self._numeric_positions] = features[self._numeric_names].to_numpy(
                dtype=np.float64, na_value=np.nan)
        for position, name in self._category_positions:
            dtype = self._category_dtypes[name]
            column = features[name]
            if column.dtype != dtype:  # other or no levels: map by label onto the training levels
                column = column.astype("object").astype(dtype)
            codes = column.array.codes
            matrix[:, position] = np.where(codes < 0, np.nan, codes)
        return matrix

    def raw_margin(self, features: pd.DataFrame) -> np.ndarray:
        """Return the booster's raw log-odds (before calibration), shape (n,)."""
        return self._booster.predict(self._matrix(features), raw_score=True, num_threads=self._num_threads)

    def predict_proba(self, features: pd.DataFrame) -> np.ndarray:
        """Return the calibrated probability of default of each row.

        Parameters
        ----------
        features : pd.DataFrame
            Model features (from ``features.build.build_features``); extra columns are ignored.

        Returns
        -------
        np.ndarray of float64, shape (n,)

        Raises
        ------
        ValueError
            If a model feature is missing.
        """
        return self.calibrator.probability(self.raw_margin(features))

    def contributions(self, features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Return exact TreeSHAP contributions in calibrated log-odds, and the base value.

        The raw TreeSHAP values are multiplied by the calibrator's slope and its intercept is added to
        the base value, so ``base + contributions.sum(axis=1) == logit(predict_proba(features))``.

        Returns
        -------
        contributions : np.ndarray of shape (n, n_features)
            In the order of :attr:`feature_names`.
        base : np.ndarray of shape (n,)
            The expected value (same for every row).
        """
        raw = self._booster.predict(self._matrix(features), pred_contrib=True, num_threads=self._num_threads)
        slope = self.calibrator.slope
        return raw[:, :-1] * slope, raw[:, -1] * slope + self.calibrator.intercept

    def score_points(self, probability: ArrayLike) -> np.ndarray:
        """Return the credit score in points (higher is safer) of each probability of default."""
        return self.scorecard.points(probability)

    def decide(self, probability: ArrayLike) -> np.ndarray:
        """Return True where the application is refused (probability at or above the threshold)."""
        return np.asarray(probability) >= self.threshold
