"""Tests of train/tuning.py: the binned dataset, folds, cross-validation, trials, pruning, the final fit."""

import os

import lightgbm as lgb
import numpy as np
import optuna
import pytest
from sklearn.metrics import roc_auc_score

from train.matrix import FeatureMatrix
from train.study import open_storage, open_study
from train.tuning import (
    bin_features,
    cross_validate,
    fit_booster,
    fold_datasets,
    make_folds,
    make_task,
    run_params,
    stratified_sample,
    suggest_params,
    tune,
)

FINGERPRINT = {"features": "f", "feature_count": 4, "data": "d", "rows": 3000, "cv": "3 folds"}


@pytest.fixture(scope="module")
def dataset(small_frame):
    frame, y = small_frame
    return bin_features(FeatureMatrix.from_frame(frame), y, num_threads=1, seed=5)


@pytest.fixture(scope="module")
def task(small_frame, dataset):
    _, y = small_frame
    return make_task(dataset, y, n_folds=3, seed=5, num_threads=1)


def study_in(path, name="s"):
    return open_study(open_storage(f"sqlite:///{path}"), name, fingerprint=FINGERPRINT)


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


def test_binned_dataset_holds_no_raw_values_and_knows_the_categories(small_frame, dataset):
    frame, _ = small_frame
    assert dataset.data is None and dataset.num_data() == len(frame)
    assert dataset.pandas_categorical == [list(frame["CODE_GENDER"].cat.categories)]


def test_a_parameter_that_needs_binning_again_is_refused(task):
    with pytest.raises(lgb.basic.LightGBMError):
        lgb.train({**run_params({}, num_threads=1, seed=5), "max_bin": 255}, task.dataset, num_boost_round=1)


def test_stratified_sample_keeps_the_default_rate(small_frame):
    _, y = small_frame
    rows = stratified_sample(y, fraction=0.2, seed=1)
    assert len(rows) == 600 and np.all(np.diff(rows) > 0)
    assert abs(y[rows].mean() - y.mean()) < 0.002
    assert np.array_equal(stratified_sample(y, fraction=1.0, seed=1), np.arange(len(y)))


@pytest.mark.parametrize("fraction", [0.0, -0.1, 1.5])
def test_sample_outside_zero_one_is_refused(small_frame, fraction):
    with pytest.raises(ValueError, match=r"--tune-sample must be a fraction in \(0, 1\]"):
        stratified_sample(small_frame[1], fraction=fraction, seed=1)


def test_task_on_a_sample_covers_only_its_rows(small_frame, dataset):
    _, y = small_frame
    rows = stratified_sample(y, fraction=0.3, seed=2)
    sample = make_task(dataset, y, n_folds=3, seed=5, num_threads=1, rows=rows)
    assert np.array_equal(sample.rows, rows)
    result = cross_validate({"learning_rate": 0.1, "num_leaves": 8}, sample)
    assert np.isnan(result.oof_margin).sum() == len(y) - len(rows)
    assert not np.isnan(result.oof_margin[rows]).any()


def test_out_of_fold_margins_score_like_the_cv_auc(task):
    result = cross_validate({"learning_rate": 0.1, "num_leaves": 8}, task)
    assert result.oof_margin.shape == task.target.shape
    assert roc_auc_score(task.target, result.oof_margin) == pytest.approx(result.auc_mean, abs=0.02)
    assert 1 <= result.best_iteration < 2000


def test_out_of_fold_margins_are_each_folds_model_at_its_best_round(small_frame, task):
    frame, _ = small_frame
    params = {"learning_rate": 0.1, "num_leaves": 8, "feature_fraction": 0.8, "bagging_fraction": 0.8}
    result = cross_validate(params, task)
    for k, (_, valid) in enumerate(task.folds):
        train_set, _ = fold_datasets(task, k)
        fold_model = lgb.train(run_params(params, num_threads=1, seed=5), train_set,
                               num_boost_round=result.fold_rounds[k])
        margin = fold_model.predict(frame.iloc[valid], raw_score=True, num_iteration=result.fold_best[k])
        np.testing.assert_allclose(result.oof_margin[valid], margin, rtol=1e-9, atol=1e-9)
        assert result.fold_auc[k] == pytest.approx(roc_auc_score(task.target[valid], margin), abs=1e-9)
    assert result.best_iteration == round(np.mean(result.fold_best))


def test_early_stopping_stops_each_fold_before_the_round_limit(task):
    result = cross_validate({"learning_rate": 0.3, "num_leaves": 32}, task, rounds=1000)
    assert result.best_iteration < 500
    assert all(rounds < 1000 for rounds in result.fold_rounds)


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
    first = tune(task, study=study_in(storage), n_trials=2, timeout=None, seed=1, progress=False)
    first_params = [t.params for t in first.study.trials]
    assert len(first_params) == 2
    resumed = tune(task, study=study_in(storage), n_trials=3, timeout=None, seed=1, progress=False)
    trials = resumed.study.trials
    assert len(trials) == 3
    assert [t.params for t in trials[:2]] == first_params
    assert trials[2].params not in first_params


def test_tuning_needs_a_limit(task, tmp_path):
    with pytest.raises(ValueError, match="give n_trials or timeout"):
        tune(task, study=study_in(tmp_path / "s.db"), n_trials=None, timeout=None, seed=1)


def test_trials_record_their_rounds_and_process(task, tmp_path):
    tuning = tune(task, study=study_in(tmp_path / "s.db"), n_trials=1, timeout=None, seed=2, progress=False)
    attrs = tuning.study.best_trial.user_attrs
    assert attrs["best_iteration"] >= 1 and len(attrs["fold_rounds"]) == len(attrs["fold_auc"]) == 3
    assert attrs["worker"].endswith(f":{os.getpid()}")


def test_best_trial_cv_is_kept_for_reuse(task, tmp_path):
    tuning = tune(task, study=study_in(tmp_path / "s.db"), n_trials=3, timeout=None, seed=3, progress=False)
    again = cross_validate(tuning.best_params, task)
    assert tuning.best_cv.auc_mean == tuning.study.best_value
    np.testing.assert_array_equal(tuning.best_cv.oof_margin, again.oof_margin)


def test_resumed_best_trial_from_an_earlier_session_has_no_kept_cv(task, tmp_path):
    storage = tmp_path / "s.db"
    tune(task, study=study_in(storage), n_trials=2, timeout=None, seed=4, progress=False)
    resumed = tune(task, study=study_in(storage), n_trials=2, timeout=None, seed=4, progress=False)
    assert resumed.best_cv is None and resumed.best_trial.number in (0, 1)


def test_same_seed_gives_the_same_trials(task, tmp_path):
    runs = [tune(task, study=study_in(tmp_path / f"{i}.db"), n_trials=2, timeout=None, seed=8, progress=False)
            for i in range(2)]
    assert [t.params for t in runs[0].study.trials] == [t.params for t in runs[1].study.trials]
    assert runs[0].study.best_value == runs[1].study.best_value


def test_a_first_fold_far_below_the_finished_trials_prunes_the_trial(task, tmp_path):
    study = study_in(tmp_path / "s.db")
    steps = range(10, 210, 10)
    for _ in range(3):  # finished trials whose first folds reached an AUC no real trial here reaches
        study.add_trial(optuna.trial.create_trial(params={}, distributions={}, value=0.999,
                                                  intermediate_values=dict.fromkeys(steps, 0.999)))
    tune(task, study=study, n_trials=4, timeout=None, seed=6, progress=False)
    trial = study.trials[3]
    assert trial.state == optuna.trial.TrialState.PRUNED
    # Stopped at the end of the 50-round warm-up, in the first fold: no other fold ran.
    assert sorted(trial.intermediate_values) == [10, 20, 30, 40, 50]
    assert "fold_rounds" not in trial.user_attrs


def test_final_fit_is_deterministic(task):
    params = {"learning_rate": 0.1, "num_leaves": 8, "feature_fraction": 0.7, "bagging_fraction": 0.8}
    a = fit_booster(params, task, rounds=20, positive_weight=None, progress=False)
    b = fit_booster(params, task, rounds=20, positive_weight=None, progress=False)
    assert a.model_to_string() == b.model_to_string()


@pytest.mark.parametrize("positive_weight", [5.0, None])
def test_reused_dataset_trains_the_model_a_fresh_one_would(small_frame, task, positive_weight):
    # The reused dataset has served weighted and unweighted folds and fits before this one.
    frame, y = small_frame
    params = {"learning_rate": 0.1, "num_leaves": 12, "min_data_in_leaf": 15, "feature_fraction": 0.7,
              "bagging_fraction": 0.8}
    cross_validate(params, task, positive_weight=3.0, rounds=30)
    fit_booster(params, task, rounds=10, positive_weight=2.0, progress=False)
    reused = fit_booster(params, task, rounds=40, positive_weight=positive_weight, progress=False)
    from_scratch = lgb.Dataset(frame, label=y, weight=task.weights(positive_weight),
                               params={"feature_pre_filter": False})
    fresh = lgb.train(run_params(params, num_threads=1, seed=5), from_scratch, num_boost_round=40)
    np.testing.assert_array_equal(reused.predict(frame, raw_score=True), fresh.predict(frame, raw_score=True))
    assert reused.model_to_string() == fresh.model_to_string()


def test_class_weights_raise_the_predicted_risk(small_frame, task):
    frame, _ = small_frame
    params = {"learning_rate": 0.1, "num_leaves": 8}
    plain = fit_booster(params, task, rounds=30, positive_weight=None, progress=False)
    weighted = fit_booster(params, task, rounds=30, positive_weight=5.0, progress=False)
    assert weighted.predict(frame).mean() > plain.predict(frame).mean() + 0.1
