"""The reference the service is measured against: a plain FastAPI + uvicorn scoring server.

It serves the same model (the same booster and calibration, read from the BentoML model store) the way
most scoring projects deploy one: the caller sends feature rows that were computed beforehand (a
feature store's output), the server turns them into a float matrix and predicts. No raw records, no
history, no feature building, no validation beyond JSON types, no batching, no pandas: what is left is
the cost of HTTP, JSON and the model, which bounds what a Python server can do on this machine.

    python -m load_tests.reference_server --port 8000 --model credit_scoring:latest

``POST /predict`` takes ``{"rows": [{feature: value, ...}, ...]}`` (categories as their level, missing
as null) and answers ``{"probabilities": [...]}``; ``GET /readyz`` answers 200.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import bentoml
import numpy as np
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel, Field

from train.bundle import ModelBundle

__all__ = ["FeatureRows", "create_app", "main", "row_scorer"]


class FeatureRows(BaseModel):
    """Precomputed model features, one mapping per application."""

    rows: list[dict[str, float | str | None]] = Field(min_length=1, max_length=1000)


def row_scorer(bundle: ModelBundle) -> Callable[[Sequence[Mapping[str, Any]]], np.ndarray]:
    """Return the reference's scoring: feature rows (dicts) -> calibrated probabilities, without pandas.

    Parameters
    ----------
    bundle : ModelBundle
        The trained model.

    Returns
    -------
    callable
        Takes a sequence of feature rows, returns np.ndarray of shape (n,).
    """
    names = bundle.feature_names
    # LightGBM sees a category as the position of its level in the training levels.
    codes = {name: {level: float(i) for i, level in enumerate(levels)}
             for name, levels in bundle.categories.items()}

    def value(name: str, raw: Any) -> Any:
        return codes[name].get(raw, math.nan) if name in codes else raw

    def score(rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
        matrix = np.array([[value(name, row.get(name)) for name in names] for row in rows],
                          dtype=np.float64)  # None becomes NaN, LightGBM's missing value
        return bundle.calibrator.probability(bundle.booster.predict(matrix, raw_score=True, num_threads=1))

    return score


def create_app(bundle: ModelBundle) -> FastAPI:
    """Return the reference app scoring feature rows with `bundle`.

    Parameters
    ----------
    bundle : ModelBundle
        The trained model, loaded once.

    Returns
    -------
    FastAPI
    """
    app = FastAPI(title="Plain FastAPI reference scorer")
    score = row_scorer(bundle)

    @app.get("/readyz")
    def readyz() -> dict[str, str]:
        return {"status": "ready"}

    @app.post("/predict")
    def predict(request: FeatureRows) -> dict[str, Any]:
        return {"probabilities": score(request.rows).tolist()}

    return app


def main(argv: list[str] | None = None) -> None:
    """Serve the reference app with uvicorn (one process, access log off, as the service is tuned)."""
    parser = argparse.ArgumentParser(prog="python -m load_tests.reference_server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--model", default="credit_scoring:latest", help="BentoML model tag")
    args = parser.parse_args(argv)
    bundle = ModelBundle.load(bentoml.models.get(args.model).path)
    uvicorn.run(create_app(bundle), host=args.host, port=args.port, access_log=False, log_level="warning")


if __name__ == "__main__":
    main()
