"""The reference the service is measured against: a plain FastAPI + uvicorn scoring server.

It serves the same model (the same booster and calibration, read from the BentoML model store) the way
most scoring projects deploy one: the caller sends feature rows that were computed beforehand, the
server puts them in a DataFrame and predicts. No raw records, no history, no feature building, no
validation beyond JSON types, no batching: what is left is the cost of HTTP, JSON and the model,
which bounds what a Python server can do on this machine.

    python -m load_tests.reference_server --port 8000 --model credit_scoring:latest

``POST /predict`` takes ``{"rows": [{feature: value, ...}, ...]}`` (categories as their level, missing
as null) and answers ``{"probabilities": [...]}``; ``GET /readyz`` answers 200.
"""

from __future__ import annotations

import argparse
from typing import Any

import bentoml
import pandas as pd
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel, Field

from train.bundle import ModelBundle

__all__ = ["FeatureRows", "create_app", "main"]


class FeatureRows(BaseModel):
    """Precomputed model features, one mapping per application."""

    rows: list[dict[str, float | str | None]] = Field(min_length=1, max_length=1000)


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
    names = bundle.feature_names

    @app.get("/readyz")
    def readyz() -> dict[str, str]:
        return {"status": "ready"}

    @app.post("/predict")
    def predict(request: FeatureRows) -> dict[str, Any]:
        frame = pd.DataFrame.from_records(request.rows, columns=names)
        return {"probabilities": bundle.predict_proba(frame).tolist()}

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
