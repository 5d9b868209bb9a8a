"""The page's advisor without BentoML: the service's scoring code called in-process on one model.

For the handler tests and the page benchmark, which measure the page's own work on the real scoring
path (request model, Great Expectations validation, features, model, reasons) without a server.
The service builds its advisor with its own batched method instead (see `ui.app`), which records
each decision; this one records nothing, and its items carry no ``decision_id``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from serving.requests import Application
from serving.scoring import Scorer
from train.bundle import ModelBundle
from ui.handlers import Advisor
from ui.model_info import ModelInfo
from ui.portfolio import Portfolio

__all__ = ["local_advisor"]

_APPLICATION = TypeAdapter(Application)


def local_advisor(model_path: str | Path, demo_folder: str | Path) -> Advisor:
    """Return an advisor scoring in-process with the model bundle at `model_path`.

    Parameters
    ----------
    model_path : str or Path
        A model-store folder written by ``python -m train``.
    demo_folder : str or Path
        Kaggle-layout folder of the demo clients (application_test and history).

    Raises
    ------
    ValueError
        From the scorer, when a record breaks the request model or the model's expectations; the
        message names the field.
    """
    bundle = ModelBundle.load(model_path)
    scorer = Scorer(bundle)

    def explain(records: Sequence[Mapping[str, Any]], *, origin: str, caller: str) -> list[dict[str, Any]]:
        del origin, caller  # nothing is recorded in-process
        outcomes = scorer.explain([_APPLICATION.validate_python(record) for record in records])
        problems = [f"{p.field}: {p.problem}" for outcome in outcomes for p in outcome.problems]
        if problems:
            raise ValueError("; ".join(problems))
        return [outcome.explanation.model_dump(mode="json") for outcome in outcomes]

    return Advisor(scorer=explain, portfolio=Portfolio.from_folder(demo_folder),
                   model_info=ModelInfo.from_bundle(bundle))
