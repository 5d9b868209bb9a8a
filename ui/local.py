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

from pydantic import BaseModel, TypeAdapter

from serving.counteroffer import counteroffers
from serving.requests import Application
from serving.responses import Problem
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
        return _answers([(outcome.explanation, outcome.problems) for outcome in outcomes])

    def counteroffer(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        outcomes = counteroffers(scorer, [_APPLICATION.validate_python(record) for record in records])
        return _answers([(outcome.counteroffer, outcome.problems) for outcome in outcomes])

    return Advisor(scorer=explain, portfolio=Portfolio.from_folder(demo_folder),
                   model_info=ModelInfo.from_bundle(bundle), counteroffer=counteroffer)


def _answers(outcomes: Sequence[tuple[BaseModel | None, Sequence[Problem]]]) -> list[dict[str, Any]]:
    """Return each answer as the API's JSON would give it, or raise ValueError listing the problems."""
    problems = [f"{p.field}: {p.problem}" for _, found in outcomes for p in found]
    if problems:
        raise ValueError("; ".join(problems))
    return [answer.model_dump(mode="json") for answer, _ in outcomes]
