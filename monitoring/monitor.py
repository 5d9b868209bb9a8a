"""The service's watch on itself: drift over its recent decisions, on demand and in the background.

`Monitor` computes the drift of the decisions recorded by the model in service; `Refresher` does it
again every few minutes in a thread of its own and publishes the figures as Prometheus gauges, so
that an alert can fire on them. Neither runs on the scoring path: the service carries them in a
process of their own (see ``service.py``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from decisions.store import DecisionStore
from monitoring.drift import Drift, drift_of

__all__ = ["DEFAULT_WINDOW", "MAX_WINDOW", "Monitor", "Refresher"]

logger = logging.getLogger(__name__)

#: Decisions the drift is computed over by default, and at most.
DEFAULT_WINDOW = 5_000
MAX_WINDOW = 100_000


class Monitor:
    """Computes the drift of the recorded decisions of one model against its training profile.

    Parameters
    ----------
    store : DecisionStore
    profile : dict or None
        The model bundle's reference profile; None for a model saved without one.
    model_version : str
        The model in service: only its decisions are compared with its profile.
    """

    def __init__(self, store: DecisionStore, profile: dict | None, *, model_version: str) -> None:
        self._store = store
        self.profile = profile
        self.model_version = model_version

    def drift(self, *, last: int = DEFAULT_WINDOW, since: datetime | None = None) -> Drift:
        """Return the drift of the `last` newest decisions of the model (made since `since`, if given).

        Raises
        ------
        LookupError
            If the model in service was saved without a reference profile (train it again).
        """
        if self.profile is None:
            raise LookupError(f"model {self.model_version} was saved without a reference profile; train it "
                              "again with this version of `python -m train` to monitor its drift")
        decisions = self._store.recent(model_version=self.model_version, last=last, since=since)
        return drift_of(decisions, self.profile, model_version=self.model_version)


class Refresher:
    """Computes the drift every `every_seconds` in a daemon thread and hands it to `publish`.

    Parameters
    ----------
    monitor : Monitor
    publish : callable
        Receives each new `Drift` (the service sets its gauges).
    every_seconds : float
    """

    def __init__(self, monitor: Monitor, publish: Callable[[Drift], None], *, every_seconds: float) -> None:
        self._monitor = monitor
        self._publish = publish
        self._every = every_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="drift-refresher", daemon=True)

    def start(self) -> Refresher:
        """Start refreshing (the first time at once); return self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop after the refresh under way, if any."""
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._publish(self._monitor.drift())
            except Exception as error:  # a failed refresh must not end the thread: the next may pass
                # The type only: a message could quote a recorded input, personal data.
                logger.warning("drift refresh failed (%s); the gauges keep their last values",
                               type(error).__name__)
            self._stop.wait(self._every)
