"""The training report: one HTML page with the plots embedded as PNG images.

Everything shown comes from out-of-fold predictions (each application scored by a model that did not
see it): ROC and precision-recall curves, the reliability curve before and after calibration, the
business-cost curve, the tuning history, the SHAP summary of the final model and the fairness tables.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # no display on servers; must precede pyplot

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score, roc_curve

from train.calibration import reliability_curve

__all__ = ["REPORT_STYLE", "Evidence", "build_report", "html_table", "png_base64"]


@dataclass
class Evidence:
    """The numbers and arrays the report and the model card show.

    Parameters
    ----------
    metrics : dict
        Headline metrics, as stored in the bundle.
    target : np.ndarray of shape (n,)
        Outcomes of the training applications.
    probability : np.ndarray of shape (n,)
        Calibrated out-of-fold probabilities: the decisions, costs and curves.
    honest_probability : np.ndarray of shape (n,)
        The same, each fold calibrated by a map fitted on the other folds: the reliability curve.
    raw_probability : np.ndarray of shape (n,)
        Out-of-fold probabilities before calibration.
    cost_thresholds, cost_values : np.ndarray
        The cost curve (cost per 1,000 applications by threshold).
    trial_values : list of float
        CV AUC of each completed trial, in order.
    shap_values : np.ndarray of shape (m, n_features)
        SHAP values of a sample of training rows.
    shap_features : pd.DataFrame
        Those rows' features.
    fairness : dict
        Per attribute, the output of :func:`train.fairness.fairness_table`.
    """

    metrics: dict
    target: np.ndarray
    probability: np.ndarray
    honest_probability: np.ndarray
    raw_probability: np.ndarray
    cost_thresholds: np.ndarray
    cost_values: np.ndarray
    trial_values: list[float]
    shap_values: np.ndarray
    shap_features: pd.DataFrame
    fairness: dict


def png_base64(figure: plt.Figure) -> str:
    """Return `figure` as a base64 PNG for an ``<img src="data:...">`` of a self-contained page; close it."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _roc(ev: Evidence) -> str:
    fpr, tpr, _ = roc_curve(ev.target, ev.probability)
    fig, ax = plt.subplots(figsize=(5, 4.5))
    ax.plot(fpr, tpr, label=f"model (AUC {roc_auc_score(ev.target, ev.probability):.3f})")
    ax.plot([0, 1], [0, 1], ls="--", c="grey", label="chance")
    ax.set(xlabel="false-positive rate (good payers refused)", ylabel="recall (defaulters refused)",
           title="ROC curve, out-of-fold")
    ax.legend(loc="lower right")
    return png_base64(fig)


def _precision_recall(ev: Evidence) -> str:
    precision, recall, _ = precision_recall_curve(ev.target, ev.probability)
    fig, ax = plt.subplots(figsize=(5, 4.5))
    ax.plot(recall, precision, label=f"model (AP {average_precision_score(ev.target, ev.probability):.3f})")
    ax.axhline(ev.target.mean(), ls="--", c="grey", label="default rate")
    ax.set(xlabel="recall", ylabel="precision", title="Precision-recall, out-of-fold")
    ax.legend(loc="upper right")
    return png_base64(fig)


def _calibration(ev: Evidence) -> str:
    fig, ax = plt.subplots(figsize=(5, 4.5))
    top = 0.0
    for label, p in (("before calibration", ev.raw_probability), ("calibrated", ev.honest_probability)):
        curve = reliability_curve(ev.target, p, n_bins=15)
        ax.plot(curve["predicted"], curve["observed"], marker="o", label=label)
        top = max(top, *curve["predicted"], *curve["observed"])
    ax.plot([0, top], [0, top], ls="--", c="grey", label="perfect")
    ax.set(xlabel="mean predicted probability of default", ylabel="observed default rate",
           title="Reliability (15 equal-count bins)")
    ax.legend(loc="upper left")
    return png_base64(fig)


def _cost(ev: Evidence) -> str:
    m = ev.metrics
    finite = np.isfinite(ev.cost_thresholds)
    fig, ax = plt.subplots(figsize=(6, 4.5))
    ax.plot(ev.cost_thresholds[finite], ev.cost_values[finite], label="cost at threshold")
    costs = m["cost_per_1000"]
    ax.axhline(costs["accept_all"], ls=":", c="tab:red", label=f"accept all ({costs['accept_all']:.0f})")
    ax.axhline(costs["refuse_all"], ls=":", c="tab:purple", label=f"refuse all ({costs['refuse_all']:.0f})")
    ax.scatter([m["threshold"]], [costs["optimal"]], c="tab:green", zorder=3,
               label=f"chosen {m['threshold']:.3f} ({costs['optimal']:.0f})")
    ax.scatter([0.5], [costs["threshold_0_5"]], c="tab:orange", zorder=3,
               label=f"0.5 ({costs['threshold_0_5']:.0f})")
    ax.set(xlabel="threshold (refuse when P(default) >= threshold)", ylabel="cost per 1,000 applications",
           title=f"Business cost (FN {m['costs']['false_negative']:g}, FP {m['costs']['false_positive']:g})",
           xlim=(0, 1))
    ax.legend(loc="upper right", fontsize="small")
    return png_base64(fig)


def _tuning(ev: Evidence) -> str:
    fig, ax = plt.subplots(figsize=(6, 4))
    values = np.asarray(ev.trial_values)
    ax.plot(np.arange(1, len(values) + 1), values, "o", label="completed trial")
    ax.plot(np.arange(1, len(values) + 1), np.maximum.accumulate(values), label="best so far")
    ax.axhline(ev.metrics["cv_auc_default"], ls="--", c="grey", label="LightGBM defaults")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set(xlabel="completed trial", ylabel="CV AUC", title="Optuna tuning history")
    ax.legend(loc="lower right")
    return png_base64(fig)


def _shap_summary(ev: Evidence) -> str:
    import shap  # slow import, needed only for this plot

    numeric = ev.shap_features.apply(
        lambda c: c.cat.codes.where(c.cat.codes >= 0) if isinstance(c.dtype, pd.CategoricalDtype) else c)
    shap.summary_plot(ev.shap_values, numeric.astype("float64"), max_display=20, show=False, plot_size=(8, 7))
    fig = plt.gcf()
    fig.suptitle("SHAP summary of the final model (log-odds)")
    return png_base64(fig)


def html_table(rows: list[dict], columns: list[str]) -> str:
    """Return `rows` as an HTML table of `columns` (floats to 4 significant digits, text escaped)."""

    def cell(value: object) -> str:
        if isinstance(value, float):
            return f"{value:.4g}"
        return html.escape("" if value is None else str(value))

    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{cell(r.get(c))}</td>" for c in columns) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _fairness_html(fairness: dict) -> str:
    parts = []
    columns = ["group", "n", "default_rate", "approval_rate", "recall", "false_positive_rate"]
    for attribute, table in fairness.items():
        ratios = {"group": "min/max ratio", **table["ratios"]}
        parts.append(f"<h3>{html.escape(attribute)}</h3>" + html_table([*table["groups"], ratios], columns))
    return "".join(parts)


def _metric_rows(metrics: dict) -> list[dict]:
    costs = metrics["cost_per_1000"]
    rows = [
        ("CV AUC (tuned)", f"{metrics['cv_auc']:.4f} ± {metrics['cv_auc_std']:.4f}"),
        ("CV AUC (LightGBM defaults)", f"{metrics['cv_auc_default']:.4f}"),
        ("Brier score, calibrated (out-of-fold)", f"{metrics['brier']:.5f}"),
        ("Brier score, before calibration", f"{metrics['brier_uncalibrated']:.5f}"),
        ("Class weighting", metrics["weighting"]["chosen"]),
        ("Decision threshold", f"{metrics['threshold']:.4f}"),
        ("Cost per 1,000 at threshold", f"{costs['optimal']:.1f}"),
        ("Cost per 1,000 at 0.5", f"{costs['threshold_0_5']:.1f}"),
        ("Cost per 1,000, accept all", f"{costs['accept_all']:.1f}"),
        ("Cost per 1,000, refuse all", f"{costs['refuse_all']:.1f}"),
        ("Approval rate at threshold", f"{metrics['approval_rate']:.3f}"),
        ("Recall / precision at threshold", f"{metrics['recall']:.3f} / {metrics['precision']:.3f}"),
        ("Training applications (default rate)", f"{metrics['rows']} ({metrics['default_rate']:.4f})"),
    ]
    return [{"metric": k, "value": v} for k, v in rows]


REPORT_STYLE = ("body{font-family:sans-serif;max-width:1100px;margin:auto;padding:1em}"
          "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 8px;"
          "text-align:right}th{background:#eee}img{max-width:100%}.plots{display:flex;flex-wrap:wrap;gap:1em}")


def build_report(evidence: Evidence, *, title: str) -> str:
    """Return the training report as a self-contained HTML page."""
    plots = [("ROC", _roc), ("Precision-recall", _precision_recall), ("Calibration", _calibration),
             ("Cost curve", _cost), ("Tuning", _tuning), ("SHAP summary", _shap_summary)]
    images = "".join(f'<figure><img alt="{name}" src="data:image/png;base64,{draw(evidence)}">'
                     f"<figcaption>{name}</figcaption></figure>" for name, draw in plots)
    m = evidence.metrics
    size = m["model_size"]
    tuning = m["tuning"]
    params = [{"parameter": k, "value": v} for k, v in tuning["best_params"].items()]
    weighting = [{"training": k, **v} for k, v in m["weighting"].items() if isinstance(v, dict)]
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{REPORT_STYLE}</style></head><body>
<h1>{html.escape(title)}</h1>
<p>Data: {html.escape(m['data_source'])}. All figures are out-of-fold over {m['folds']} stratified folds
unless said otherwise.</p>
<h2>Headline metrics</h2>{html_table(_metric_rows(m), ["metric", "value"])}
<h2>Plots</h2><div class="plots">{images}</div>
<h2>Class imbalance: unweighted vs weighted training</h2>
{html_table(weighting, ["training", "cv_auc", "brier_uncalibrated", "brier", "cost_per_1000"])}
<p>Chosen: {html.escape(m['weighting']['chosen'])} (lower expected cost; probabilities are calibrated
either way).</p>
<h2>Tuning</h2><p>Study {html.escape(tuning['study_name'])}: {tuning['trials_complete']} completed,
{tuning['trials_pruned']} pruned trials; {m['best_iteration']} boosting rounds.</p>
{html_table(params, ["parameter", "value"])}
<h2>Model size and explanation cost</h2>
<p>{size['trees']} trees, {size['leaves_total']} leaves, depth at most {size['depth_max']}
(mean {size['depth_mean']:.1f}), {size['features']} features. Predict
{m['timing']['predict_ms_per_row']:.3f} ms/row, explain (exact TreeSHAP)
{m['timing']['explain_ms_per_row']:.3f} ms/row on {m['timing']['threads']} thread(s).
SHAP additivity error {m['shap_additivity_error']:.2e}.</p>
<h2>Fairness</h2><p>Out-of-fold decisions at the chosen threshold. Ratio = lowest group value /
highest (groups of 30 or more).</p>{_fairness_html(evidence.fairness)}
</body></html>"""
