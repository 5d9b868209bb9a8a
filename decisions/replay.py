"""Scoring a recorded decision again, with the model version that made it.

The record holds the input exactly as scored and the model's version: `Rescorer` loads that version
from the BentoML model store and scores the input again. That gives the reasons of a ``/predict``
decision (the adverse-action notice, which the answer itself did not carry) and proves that a
decision is reproducible (`Rescorer.replay`).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import bentoml

from decisions.records import Decision, input_digest
from serving.responses import Explanation
from serving.scoring import Scorer
from train.bundle import ModelBundle

__all__ = ["ModelVersionMissingError", "Replay", "Rescorer", "bundle_from_store"]

#: Tolerance of a replay: the same model on the same input gives the same probability to this much.
REPLAY_TOLERANCE = 1e-9


class ModelVersionMissingError(LookupError):
    """The model version that made a decision is no longer in the model store."""


def bundle_from_store(model_version: str) -> ModelBundle:
    """Load model `model_version` (a BentoML tag, as recorded) from the model store.

    Raises
    ------
    ModelVersionMissingError
        If the store (``BENTOML_HOME``) no longer holds that version.
    """
    try:
        model = bentoml.models.get(model_version)
    except (bentoml.exceptions.NotFound, ValueError):
        raise ModelVersionMissingError(
            f"model {model_version} is not in the BentoML model store (BENTOML_HOME); import it back "
            "(bentoml models import) to explain or replay its decisions") from None
    return ModelBundle.load(model.path)


@dataclass(frozen=True)
class Replay:
    """A recorded decision beside the same input scored again by the same model version."""

    decision_id: str
    model_version: str
    recorded_probability: float
    replayed_probability: float
    recorded_decision: str
    replayed_decision: str
    input_intact: bool

    @property
    def matches(self) -> bool:
        """bool: same decision, probability within `REPLAY_TOLERANCE`, and the input unaltered."""
        return (self.input_intact and self.recorded_decision == self.replayed_decision
                and abs(self.recorded_probability - self.replayed_probability) <= REPLAY_TOLERANCE)


class Rescorer:
    """Explains recorded inputs with the model versions that decided them.

    Parameters
    ----------
    load_bundle : callable, default=bundle_from_store
        Model version -> its bundle.
    loaded : sequence of ModelBundle, optional
        Bundles already in memory (the model in service), used instead of loading them again.
    cache_size : int, default=2
        Model versions kept in memory at once (each holds a booster and a validator).
    """

    def __init__(self, *, load_bundle: Callable[[str], ModelBundle] = bundle_from_store,
                 loaded: tuple[ModelBundle, ...] = (), cache_size: int = 2) -> None:
        self._load_bundle = load_bundle
        self._loaded = {bundle.version: bundle for bundle in loaded}
        self._scorers: OrderedDict[str, Scorer] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def explain(self, decision: Decision) -> Explanation:
        """Return the explanation of a recorded input by the model version that decided it.

        Raises
        ------
        ModelVersionMissingError
            If that version is no longer in the model store.
        """
        [outcome] = self._scorer(decision.model_version).explain([json.loads(decision.input_json)])
        assert outcome.explanation is not None, (
            f"a recorded input failed its own model's expectations ({outcome.problems}): this is a bug")
        return outcome.explanation

    def replay(self, decision: Decision) -> Replay:
        """Score a recorded decision's input again and compare.

        Raises
        ------
        ModelVersionMissingError
            If the version that decided is no longer in the model store.
        """
        again = self.explain(decision)
        return Replay(decision_id=str(decision.decision_id), model_version=decision.model_version,
                      recorded_probability=decision.probability, replayed_probability=again.probability,
                      recorded_decision=decision.decision, replayed_decision=again.decision,
                      input_intact=input_digest(decision.input_json) == decision.input_sha256)

    def _scorer(self, model_version: str) -> Scorer:
        with self._lock:
            if model_version in self._scorers:
                self._scorers.move_to_end(model_version)
                return self._scorers[model_version]
            bundle = self._loaded.get(model_version) or self._load_bundle(model_version)
            scorer = self._scorers[model_version] = Scorer(bundle)
            while len(self._scorers) > self._cache_size:
                self._scorers.popitem(last=False)
            return scorer
