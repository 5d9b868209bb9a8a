"""The Optuna storage and study that tuning runs share, across processes and machines.

``sqlite:///FILE`` serves processes on one machine; ``postgresql+psycopg://USER@HOST/DB`` several
machines (Optuna's documentation advises against SQLite for many concurrent writers or on a network
file system). Any number of ``python -m train --storage URL --study-name NAME`` processes add trials to
one study; an interrupted run resumes it (a trial whose process died is marked failed after three
minutes without heartbeat and run again); ``optuna-dashboard URL`` shows it.

A study remembers what its trials' scores depend on (the feature list, the applications and their
outcomes, the folds) and refuses a run with other ones: their scores could not be compared.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Mapping
from pathlib import Path

import optuna
import sqlalchemy

__all__ = ["DEFAULT_STORAGE", "open_storage", "open_study", "shown_url"]

#: Where the study is kept unless told otherwise (``optuna-dashboard`` reads the same URL).
DEFAULT_STORAGE = "sqlite:///artifacts/optuna/studies.sqlite3"

#: A trial whose process stopped writing heartbeats this long ago is marked failed and run again.
_HEARTBEAT_SECONDS, _GRACE_SECONDS = 60, 180


def shown_url(url: str) -> str:
    """Return a storage URL fit for messages and metrics: any password replaced by ``***``."""
    try:
        return sqlalchemy.engine.make_url(url).render_as_string(hide_password=True)
    except sqlalchemy.exc.ArgumentError:
        return "<not a database URL>"


def open_storage(url: str) -> optuna.storages.RDBStorage:
    """Open (and create if needed) the Optuna storage at `url`, checking that it can be reached.

    Parameters
    ----------
    url : str
        ``sqlite:///FILE`` (its folder is created) for processes on one machine, or
        ``postgresql+psycopg://USER@HOST/DB`` for several machines (a password belongs in the
        environment, ``PGPASSWORD``, or ``~/.pgpass``, not in the URL).

    Raises
    ------
    ValueError
        If `url` is not a database URL or the database cannot be reached; one line naming the URL
        (password hidden) and the cause.
    """
    try:
        parsed = sqlalchemy.engine.make_url(url)
    except sqlalchemy.exc.ArgumentError:
        raise ValueError(f"--storage {url!r} is not a database URL; use sqlite:///FILE or "
                         "postgresql+psycopg://USER@HOST/DATABASE") from None
    backend = parsed.get_backend_name()
    engine: dict[str, object] = {}
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # Writers wait for each other's locks instead of failing at once (several local processes).
        engine = {"connect_args": {"timeout": 60}}
    elif backend == "postgresql":
        engine = {"pool_pre_ping": True, "connect_args": {"connect_timeout": 10}}
    optuna.logging.set_verbosity(logging.WARNING)
    for attempt in range(3):
        try:
            with warnings.catch_warnings():  # heartbeats are "experimental" in Optuna 5, and say so
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return optuna.storages.RDBStorage(
                    url, engine_kwargs=engine, heartbeat_interval=_HEARTBEAT_SECONDS,
                    grace_period=_GRACE_SECONDS,
                    heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=1))
        except (sqlalchemy.exc.SQLAlchemyError, ImportError) as error:
            # Processes started together race to create the tables and record their schema version:
            # the loser tries again and finds them.
            racing = isinstance(error, sqlalchemy.exc.IntegrityError) or "already exists" in str(error)
            if racing and attempt < 2:
                time.sleep(0.5)
                continue
            lines = str(error).strip().splitlines()
            cause = lines[0] if lines else type(error).__name__
            if parsed.password:  # a driver may quote the connection string it was given
                cause = cause.replace(str(parsed.password), "***")
            raise ValueError(f"--storage {shown_url(url)}: cannot open the Optuna storage ({cause}); check "
                             "the host, port, database and credentials") from None
    raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover


def open_study(storage: optuna.storages.RDBStorage, name: str, *,
               fingerprint: Mapping[str, object]) -> optuna.Study:
    """Create or load the study `name`, and check that it was made for the same data and folds.

    Parameters
    ----------
    storage : optuna.storages.RDBStorage
        From :func:`open_storage`.
    name : str
        Study name.
    fingerprint : mapping
        What the trials' scores depend on: ``features`` (hash of the feature list) and
        ``feature_count``, ``data`` (hash of the applications, outcomes and history tables) and
        ``rows``, ``cv`` (folds, seed, tuning sample). Stored with a new study.

    Raises
    ------
    ValueError
        If the study exists and was created for other features, data or folds.
    """
    study = optuna.create_study(study_name=name, storage=storage, direction="maximize", load_if_exists=True,
                                pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=50))
    theirs = study.user_attrs.get("fingerprint")
    if theirs is None:
        study.set_user_attr("fingerprint", dict(fingerprint))
        return study
    where = f"study {name!r} in {shown_url(str(storage.engine.url))}"
    if theirs.get("features") != fingerprint["features"]:
        raise ValueError(f"{where} was created for another feature list ({theirs.get('feature_count')} "
                         f"features, fingerprint {theirs.get('features')}; these data have "
                         f"{fingerprint['feature_count']}, {fingerprint['features']}); give another "
                         "--study-name")
    if theirs.get("data") != fingerprint["data"]:
        raise ValueError(f"{where} was created for another data set ({theirs.get('rows')} applications, "
                         f"fingerprint {theirs.get('data')}; these have {fingerprint['rows']}, "
                         f"{fingerprint['data']}); give another --study-name or the data it was tuned on")
    if theirs.get("cv") != fingerprint["cv"]:
        raise ValueError(f"{where} scores trials with {theirs.get('cv')}, this run with {fingerprint['cv']}; "
                         "use the same --folds, --seed and --tune-sample, or another --study-name")
    return study
