"""Exact TreeSHAP explanations of the final booster, their global importance, and the model's size.

``booster.predict(X, pred_contrib=True)`` returns exact TreeSHAP values in raw log-odds (last column =
expected value); ``shap.TreeExplainer`` on the same booster gives the same numbers. Their cost grows
with trees x leaves x depth^2, so the size of the model is recorded next to the measured cost per row.
"""

from __future__ import annotations

import time
import warnings

import lightgbm as lgb
import numpy as np
import pandas as pd

__all__ = [
    "additivity_error",
    "global_importance",
    "model_size",
    "shap_matches_tree_explainer",
    "timing_per_row",
    "tree_shap",
]


def tree_shap(booster: lgb.Booster, features: pd.DataFrame, *,
              num_threads: int) -> tuple[np.ndarray, np.ndarray]:
    """Return exact TreeSHAP values and the expected value, both in raw log-odds.

    Returns
    -------
    contributions : np.ndarray of shape (n, n_features)
    base : np.ndarray of shape (n,)
    """
    values = booster.predict(features, pred_contrib=True, num_threads=num_threads)
    return values[:, :-1], values[:, -1]


def additivity_error(booster: lgb.Booster, features: pd.DataFrame, *, num_threads: int) -> float:
    """Return the largest gap between SHAP values plus base value and the booster's raw output."""
    contributions, base = tree_shap(booster, features, num_threads=num_threads)
    raw = booster.predict(features, raw_score=True, num_threads=num_threads)
    return float(np.max(np.abs(contributions.sum(axis=1) + base - raw)))


def shap_matches_tree_explainer(booster: lgb.Booster, features: pd.DataFrame, *, num_threads: int) -> float:
    """Return the largest gap between LightGBM's TreeSHAP and ``shap.TreeExplainer`` on `features`.

    Proves that the saved booster is all a ``shap.TreeExplainer`` needs: no explainer is pickled.
    """
    import shap  # slow import, needed only for this check

    ours, _ = tree_shap(booster, features, num_threads=num_threads)
    with warnings.catch_warnings():  # shap warns that its output format for LightGBM changed (0.45)
        warnings.simplefilter("ignore", UserWarning)
        theirs = np.asarray(shap.TreeExplainer(booster).shap_values(features))
    return float(np.max(np.abs(ours - theirs.reshape(ours.shape))))


def global_importance(contributions: np.ndarray, feature_names: list[str]) -> pd.Series:
    """Return the mean absolute SHAP value of each feature, largest first."""
    if contributions.shape[1] != len(feature_names):
        raise ValueError(f"contributions have {contributions.shape[1]} columns "
                         f"for {len(feature_names)} features")
    importance = pd.Series(np.abs(contributions).mean(axis=0), index=feature_names, name="mean_abs_shap")
    return importance.sort_values(ascending=False, kind="stable")


def _depth(node: dict) -> int:
    if "leaf_index" in node or "left_child" not in node:
        return 0
    return 1 + max(_depth(node["left_child"]), _depth(node["right_child"]))


def model_size(booster: lgb.Booster) -> dict[str, float]:
    """Return the number of trees, total and mean leaves, and the deepest and mean tree depth."""
    trees = booster.dump_model()["tree_info"]
    leaves = np.array([t["num_leaves"] for t in trees])
    depths = np.array([_depth(t["tree_structure"]) for t in trees])
    return {"trees": len(trees), "leaves_total": int(leaves.sum()), "leaves_mean": float(leaves.mean()),
            "depth_max": int(depths.max()), "depth_mean": float(depths.mean()),
            "features": booster.num_feature()}


def timing_per_row(booster: lgb.Booster, features: pd.DataFrame, *, num_threads: int,
                   repeats: int = 3) -> dict[str, float]:
    """Return the best-of-`repeats` milliseconds per row to predict and to explain `features`."""
    def best(**kwargs: object) -> float:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            booster.predict(features, num_threads=num_threads, **kwargs)
            times.append(time.perf_counter() - start)
        return 1000 * min(times) / len(features)

    return {"predict_ms_per_row": best(raw_score=True), "explain_ms_per_row": best(pred_contrib=True)}
