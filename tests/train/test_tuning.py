"""Tests of train/tuning.py: folds, cross-validation, the resumable Optuna study, the final fit."""

import numpy as np
import optuna
import pytest
from sklearn.metrics import roc_auc_score

from train.tuning import CVTask, cross_validate, fit_booster, make_folds, suggest_params, tune


@pytest.fixture(scope="module")
def task(small_frame):
    frame, y = small_frame
    return CVTask(frame, y, make_folds(y, n_folds=3, seed=5), num_threads=1, seed=5)


def test_folds_partition_the_rows(small_frame):
    _, y = small_frame
    folds = make_folds(y, n_folds=4, seed=0)
    held_out = np.concatenate([valid for _, valid in folds])
    assert np.array_equal(np.sort(held_out), np.arange(len(y)))
    for train, valid in folds:
        assert not set(train) & set(valid)


def test_folds_are_stratified(small_frame):
    _, y = small_frame
    for _, valid in make_folds(y, n_folds=4, seed=0):
        assert abs(y[valid].mean() - y.mean()) < 0.005


def test_same_seed_gives_same_folds(small_frame):
    _, y = small_frame
    a, b = make_folds(y, n_folds=3, seed=9), make_folds(y, n_folds=3, seed=9)
    assert all(np.array_equal(x[1], z[1]) for x, z in zip(a, b, strict=True))


def test_one_fold_is_rejected():
    with pytest.raises(ValueError, match="n_folds must be at least 2"):
        make_folds(np.array([0, 1, 0, 1]), n_folds=1, seed=0)


def test_too_few_defaults_for_the_folds_are_rejected():
    with pytest.raises(ValueError, match="5 folds need at least 5 rows of each outcome"):
        make_folds(np.array([0] * 20 + [1] * 3), n_folds=5, seed=0)


def test_out_of_fold_margins_score_like_the_cv_auc(task):
    result = cross_validate({"learning_rate": 0.1, "num_leaves": 8}, task, out_of_fold=True)
    assert result.oof_margin.shape == task.target.shape
    assert roc_auc_score(task.target, result.oof_margin) == pytest.approx(result.auc_mean, abs=0.02)
    assert 1 <= result.best_iteration < 2000


def test_early_stopping_stops_before_the_round_limit(task):
    result = cross_validate({"learning_rate": 0.3, "num_leaves": 32}, task, rounds=1000)
    assert result.best_iteration < 500


def test_search_space_uses_lightgbm_names_and_bounds_tree_size():
    trial = optuna.trial.FixedTrial({"learning_rate": 0.05, "num_leaves": 64, "max_depth": 8,
                                     "min_data_in_leaf": 20, "feature_fraction": 0.8,
                                     "bagging_fraction": 0.9, "lambda_l1": 0.01, "lambda_l2": 0.1})
    params = suggest_params(trial, training_rows=100_000)
    assert params["num_leaves"] == 64 and params["max_depth"] == 8


@pytest.mark.parametrize(("rows", "largest"), [(200, 10), (2000, 100), (300_000, 300), (20, 2)])
def test_leaf_minimum_shrinks_with_small_data(rows, largest):
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(30):
        suggest_params(study.ask(), training_rows=rows)
    drawn = [t.params["min_data_in_leaf"] for t in study.trials]
    assert max(drawn) <= largest and min(drawn) >= min(10, largest)


def test_study_resumes_from_its_sqlite_file(task, tmp_path):
    storage = tmp_path / "study.sqlite3"
    first = tune(task, n_trials=2, timeout=None, storage=storage, study_name="s", seed=1, progress=False)
    first_params = [t.params for t in first.study.trials]
    assert len(first_params) == 2
    resumed = tune(task, n_trials=3, timeout=None, storage=storage, study_name="s", seed=1, progress=False)
    trials = resumed.study.trials
    assert len(trials) == 3
    assert [t.params for t in trials[:2]] == first_params
    assert trials[2].params not in first_params


def test_tuning_needs_a_limit(task, tmp_path):
    with pytest.raises(ValueError, match="give n_trials or timeout"):
        tune(task, n_trials=None, timeout=None, storage=tmp_path / "s.db", study_name="s", seed=1)


def test_trials_record_their_best_iteration(task, tmp_path):
    tuning = tune(task, n_trials=1, timeout=None, storage=tmp_path / "s.db", study_name="s", seed=2,
                  progress=False)
    assert tuning.study.best_trial.user_attrs["best_iteration"] >= 1


def test_best_trial_cv_is_kept_for_reuse(task, tmp_path):
    tuning = tune(task, n_trials=3, timeout=None, storage=tmp_path / "s.db", study_name="s", seed=3,
                  progress=False)
    again = cross_validate(tuning.best_params, task, out_of_fold=True)
    assert tuning.best_cv.auc_mean == tuning.study.best_value
    np.testing.assert_array_equal(tuning.best_cv.oof_margin, again.oof_margin)


def test_resumed_best_trial_from_an_earlier_session_has_no_kept_cv(task, tmp_path):
    storage = tmp_path / "s.db"
    tune(task, n_trials=2, timeout=None, storage=storage, study_name="s", seed=4, progress=False)
    resumed = tune(task, n_trials=2, timeout=None, storage=storage, study_name="s", seed=4, progress=False)
    assert resumed.best_cv is None


def test_same_seed_gives_the_same_trials(task, tmp_path):
    runs = [tune(task, n_trials=2, timeout=None, storage=tmp_path / f"{i}.db", study_name="s", seed=8,
                 progress=False) for i in range(2)]
    assert [t.params for t in runs[0].study.trials] == [t.params for t in runs[1].study.trials]
    assert runs[0].study.best_value == runs[1].study.best_value


def test_final_fit_is_deterministic(task):
    params = {"learning_rate": 0.1, "num_leaves": 8, "feature_fraction": 0.7, "bagging_fraction": 0.8}
    a = fit_booster(params, task, rounds=20, positive_weight=None, progress=False)
    b = fit_booster(params, task, rounds=20, positive_weight=None, progress=False)
    assert a.model_to_string() == b.model_to_string()


def test_class_weights_raise_the_predicted_risk(task):
    params = {"learning_rate": 0.1, "num_leaves": 8}
    plain = fit_booster(params, task, rounds=30, positive_weight=None, progress=False)
    weighted = fit_booster(params, task, rounds=30, positive_weight=5.0, progress=False)
    assert weighted.predict(task.features).mean() > plain.predict(task.features).mean() + 0.1
