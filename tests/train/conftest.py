"""Small seeded data sets shared by the training tests."""

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from features.schema import table
from train.data import synthetic_data
from train.pipeline import TrainingConfig, train

_GENDER = table("application_train").column("CODE_GENDER")


def make_frame(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Return features (two informative numbers, one noise, one schema categorical) and an outcome."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "SIGNAL": rng.normal(size=n).astype("float32"),
        "WEAK": rng.normal(size=n).astype("float32"),
        "NOISE": rng.normal(size=n).astype("float32"),
        "CODE_GENDER": pd.Categorical.from_codes(rng.integers(0, 2, n), categories=list(_GENDER.categories)),
    }, index=pd.Index(np.arange(100_000, 100_000 + n, dtype="int32"), name="SK_ID_CURR"))
    frame.loc[frame.index[::7], "WEAK"] = np.nan
    is_man = frame["CODE_GENDER"] == "M"
    log_odds = -2.5 + 1.5 * frame["SIGNAL"] + 0.5 * frame["WEAK"].fillna(0) + 0.4 * is_man
    y = (rng.random(n) < 1 / (1 + np.exp(-log_odds.to_numpy()))).astype(np.int8)
    return frame, y


@pytest.fixture(scope="session")
def small_frame() -> tuple[pd.DataFrame, np.ndarray]:
    return make_frame(3000, seed=11)


@pytest.fixture(scope="session")
def small_booster(small_frame) -> lgb.Booster:
    frame, y = small_frame
    params = {"objective": "binary", "num_leaves": 8, "max_depth": 3, "learning_rate": 0.1, "verbosity": -1,
              "num_threads": 1, "seed": 1, "deterministic": True, "force_col_wise": True}
    return lgb.train(params, lgb.Dataset(frame, label=y), num_boost_round=30)


#: The settings of the small training run, shared with the command-line test: same settings, same model.
SMALL_RUN = {"clients": 3000, "seed": 7, "trials": 3, "folds": 3, "threads": 1}


@pytest.fixture(scope="session")
def small_run_settings() -> dict[str, int]:
    return dict(SMALL_RUN)


@pytest.fixture(scope="session")
def small_run(tmp_path_factory):
    """Train once in-process on the small run's data; return the result and the data (generated again:
    training drops the history tables it was given)."""
    config = TrainingConfig(n_trials=SMALL_RUN["trials"], n_folds=SMALL_RUN["folds"], seed=SMALL_RUN["seed"],
                            num_threads=SMALL_RUN["threads"], progress=False,
                            storage=f"sqlite:///{tmp_path_factory.mktemp('study') / 'study.sqlite3'}")
    result = train(synthetic_data(SMALL_RUN["clients"], seed=SMALL_RUN["seed"]), config)
    return result, synthetic_data(SMALL_RUN["clients"], seed=SMALL_RUN["seed"])
