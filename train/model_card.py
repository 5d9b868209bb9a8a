"""The model card: what the model is for, what it was trained on, how good it is, and its limits."""

from __future__ import annotations

from train.scorecard import Scorecard

__all__ = ["build_model_card"]

_SYNTHETIC_WARNING = ("- Trained on generated data: these metrics describe the generator, not real clients. "
                      "Train on the\n  Kaggle files (`--data-dir`) before any real use.\n")


def _fairness_lines(metrics: dict) -> str:
    lines = []
    for attribute, ratios in metrics["fairness_ratios"].items():
        parts = [f"{name.replace('_', ' ')} {value:.2f}"
                 for name, value in ratios.items() if value is not None]
        lines.append(f"- {attribute}: min/max ratio between groups: {', '.join(parts) or 'not enough data'}")
    return "\n".join(lines)


def build_model_card(metrics: dict, *, scorecard: Scorecard, model_name: str) -> str:
    """Return the model card in Markdown, from the training metrics.

    Parameters
    ----------
    metrics : dict
        The metrics that training stores in the bundle.
    scorecard : Scorecard
        The points scaling, documented in the card.
    model_name : str
        Name of the model in the BentoML store.
    """
    m = metrics
    costs = m["cost_per_1000"]
    size = m["model_size"]
    top = ", ".join(list(m["importance"])[:10])
    return f"""# Model card: {model_name}

## Intended use
Estimates the probability that a consumer-credit applicant will have payment difficulties (the Home
Credit Default Risk definition of TARGET = 1), to support a loan advisor's decision. It returns a
calibrated probability, a score in points, an approve/refuse suggestion at a business-cost threshold,
and the reasons (SHAP contributions). The advisor makes the decision.

Not intended for: fully automated refusal without human review, applicants or products unlike the
training population, or any use where gender or age may not be considered (see Fairness).

## Data
{m['data_source']}: {m['rows']:,} applications with a known outcome (default rate {m['default_rate']:.2%}),
{m['features']} features built by `features.build.build_features` from the application and history
tables present ({', '.join(f"{k} {v:,}" for k, v in m['row_counts'].items())} rows).

## Model
LightGBM gradient-boosted trees, tuned with Optuna (TPE, seed {m['seed']}, {m['tuning']['trials_complete']}
completed trials, pruning on boosting rounds) on {m['folds']}-fold stratified cross-validation;
{m['best_iteration']} rounds, {size['trees']} trees, at most {size['depth_max']} levels deep.
Class weighting: {m['weighting']['chosen']} (compared on expected cost). Probabilities are calibrated by
Platt scaling fitted on out-of-fold predictions.

## Metrics (out-of-fold)
| metric | value |
|---|---|
| CV AUC, tuned | {m['cv_auc']:.4f} ± {m['cv_auc_std']:.4f} |
| CV AUC, LightGBM defaults | {m['cv_auc_default']:.4f} |
| Brier score (calibrated) | {m['brier']:.5f} |
| Decision threshold | {m['threshold']:.4f} |
| Approval rate / recall / precision | {m['approval_rate']:.3f} / {m['recall']:.3f} / {m['precision']:.3f} |
| Cost per 1,000 applications at threshold | {costs['optimal']:.1f} |
| ... at threshold 0.5 | {costs['threshold_0_5']:.1f} |
| ... accepting everyone | {costs['accept_all']:.1f} |
| ... refusing everyone | {costs['refuse_all']:.1f} |

Costs: a false negative (accepted defaulter) costs {m['costs']['false_negative']:g}, a false positive
(refused good payer) {m['costs']['false_positive']:g}. Most influential features (mean |SHAP|): {top}.

## Score in points
points = offset + factor x ln(odds repay:default), factor = PDO / ln 2: {scorecard.base_points:g} points at
odds {scorecard.base_odds:g}:1, {scorecard.points_to_double_odds:g} more points for each doubling of the odds.

## Fairness
Out-of-fold decisions at the threshold, compared across groups (1 = parity):
{_fairness_lines(m)}

Gender and age-derived features may be model inputs; they are never given to clients as reasons for
a decision. Check the ratios above before each deployment; the four-fifths rule flags approval-rate
ratios below 0.8.

## Limits
- Trained on historical decisions: applicants refused in the past have no outcome, so the model has
  not seen how they would have repaid (reject inference is not done).
- The threshold is optimal only for the stated costs; retrain or re-pick it when they change.
- Drift: incoming applications are checked against the Great Expectations suite and the reference
  statistics stored with the model; retrain when the population moves.
- Explanations cost about {m['timing']['explain_ms_per_row']:.2f} ms per application per thread.
{_SYNTHETIC_WARNING if m['data_source'].startswith('synthetic') else ''}"""
