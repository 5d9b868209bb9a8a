"""The drift report: one self-contained HTML page of the PSI table and the charts that explain it."""

from __future__ import annotations

import html

from monitoring.drift import MIN_DECISIONS, Drift
from monitoring.plots import shares_figure
from train.report import REPORT_STYLE, html_table, png_base64

__all__ = ["TOP_CHARTED", "drift_report"]

#: Features charted besides the probability: the most drifted ones.
TOP_CHARTED = 6


def drift_report(drift: Drift, *, title: str, window: str) -> str:
    """Return the drift report of `drift` as an HTML page (plots embedded, nothing loaded from elsewhere).

    Parameters
    ----------
    drift : Drift
    title : str
    window : str
        Which decisions it covers, in words (e.g. "the last 30 days").
    """
    approval = drift.approval_now
    head = (f"<h1>{html.escape(title)}</h1><p>Model {html.escape(drift.model_version)}: "
            f"{drift.decisions} decisions in {html.escape(window)}. Approval rate "
            f"{'n/a' if approval is None else f'{approval:.1%}'} now against "
            f"{drift.approval_training:.1%} in training (out-of-fold, at the threshold).</p>")
    if not drift.enough:
        body = (f"<p>Fewer than {MIN_DECISIONS} decisions: no verdict. The population stability index over "
                "few decisions reads drift where there is none.</p>")
    else:
        assert drift.score is not None, "a drift with enough decisions has a score shift: a bug"
        rows = [{"feature": s.name, "PSI": s.psi, "status": s.status} for s in [drift.score, *drift.features]]
        charted = [drift.score, *drift.features[:TOP_CHARTED]]
        charts = "".join(f'<figure><img alt="{html.escape(s.name)}" src="data:image/png;base64,'
                         f'{png_base64(shares_figure(s))}"></figure>' for s in charted)
        body = (f"<h2>Population stability index</h2><p>Below 0.1 stable, 0.1 to 0.25 watch, above 0.25 "
                f"drifted.</p>{html_table(rows, ['feature', 'PSI', 'status'])}"
                f"<h2>The probability and the most drifted features</h2><div class=\"plots\">{charts}</div>")
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{REPORT_STYLE}</style></head><body>{head}{body}</body></html>")
