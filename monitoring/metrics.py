"""The drift as Prometheus gauges, refreshed in the background, for alerts (see `monitoring.monitor`)."""

from __future__ import annotations

import bentoml

from monitoring.drift import Drift

__all__ = ["DRIFT_DECISIONS", "DRIFT_PSI", "RECENT_APPROVAL_RATE", "publish"]

# The gauges live in the monitor's process; BentoML gathers every process's metrics into /metrics.
DRIFT_PSI = bentoml.metrics.Gauge(
    name="credit_scoring_drift_psi", labelnames=["feature"], multiprocess_mode="mostrecent",
    documentation="Population stability index of recent decisions against training, per profiled feature "
                  "and for the probability (feature=probability); > 0.25 is drift")
RECENT_APPROVAL_RATE = bentoml.metrics.Gauge(
    name="credit_scoring_approval_rate", labelnames=["population"], multiprocess_mode="mostrecent",
    documentation="Approval rate of recent decisions (population=recent) and in training "
                  "(population=training)")
DRIFT_DECISIONS = bentoml.metrics.Gauge(
    name="credit_scoring_drift_decisions", multiprocess_mode="mostrecent",
    documentation="Decisions the latest drift was computed over (no PSI below the minimum)")


def publish(drift: Drift) -> None:
    """Set the gauges from `drift`; the PSI gauges only when there were enough decisions."""
    DRIFT_DECISIONS.set(drift.decisions)
    RECENT_APPROVAL_RATE.labels(population="training").set(drift.approval_training)
    if drift.approval_now is not None:
        RECENT_APPROVAL_RATE.labels(population="recent").set(drift.approval_now)
    if drift.enough and drift.score is not None:
        for shift in (drift.score, *drift.features):
            DRIFT_PSI.labels(feature=shift.name).set(shift.psi)
