"""``python -m batch``: score every application of a Kaggle-layout folder with a model from the store.

Examples
--------
In this process (application_test.csv and the history files of ``data/full``)::

    python -m batch --data-dir data/full --out scores.parquet

The training applications, with reasons, on a local Dask cluster of 2 workers::

    python -m batch --data-dir data/full --table application_train --explain --workers 2 --out scores.parquet

On an existing Dask cluster (its workers must reach the folder and the output path)::

    python -m batch --data-dir /shared/home-credit --scheduler tcp://scheduler:8786 \
        --out /shared/scores.parquet

Applications the API would refuse are written beside the scores (``scores.rejects.parquet``) with their
problems, in the API's words; the run goes on. A missing table, an unreadable file, an unknown model or
an unusable option stops it before any work, with one line on standard error and exit code 2.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from batch.folder import APPLICATION_TABLES, InputError, find_portfolio
from settings import load_settings
from train.openmp import sleep_idle_threads

if TYPE_CHECKING:  # imported when needed: BentoML, LightGBM and Great Expectations take seconds
    from batch.recording import StoreRecorder
    from serving.scoring import Scorer
    from train.bundle import ModelBundle

__all__ = ["main", "parse_args"]

_DEFAULT_MODEL = "credit_scoring:latest"


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text}")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line (argparse exits with code 2 and one line on a bad option)."""
    parser = argparse.ArgumentParser(prog="python -m batch", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True,
                        help="Kaggle-layout folder: application_test/application_train and the history "
                             "tables (.csv, .csv.gz or .parquet)")
    parser.add_argument("--out", type=Path, required=True,
                        help="Parquet output of the scores (a file in process, a folder of parts with Dask); "
                             "replaced if it exists; the rejects go beside it (<name>.rejects.parquet)")
    parser.add_argument("--table", choices=APPLICATION_TABLES, default="application_test",
                        help="the application table to score")
    parser.add_argument("--model", default=_DEFAULT_MODEL, help="model from the BentoML store (BENTOML_HOME)")
    parser.add_argument("--explain", action="store_true",
                        help="add the four reasons against and for each application (about 10 times slower)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_positive_int,
                       help="score on a local Dask cluster of this many worker processes")
    where.add_argument("--scheduler", help="score on an existing Dask cluster, e.g. tcp://HOST:8786")
    parser.add_argument("--partitions", type=_positive_int,
                        help="with Dask: partitions of whole clients (default: from the input size, about "
                             "256 MB of files each); more partitions, less memory per worker")
    parser.add_argument("--record", action="store_true",
                        help="record each decision in the decision store (CREDIT_SCORING_DATABASE_URL), "
                             "endpoint batch, as the API records its own")
    parser.add_argument("--caller", default=f"batch:{getpass.getuser()}",
                        help="who runs the portfolio, as the decision records name it")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    return parser.parse_args(argv)


def _recorder(caller: str) -> StoreRecorder:
    """The decision store's recorder, its schema brought up to date first (an InputError if unusable)."""
    from batch.recording import StoreRecorder
    from decisions.database import StoreUnavailableError, open_store

    url = load_settings().database_url
    try:
        open_store(url).dispose()
    except (ValueError, StoreUnavailableError) as error:
        raise InputError(f"--record: {error}") from None
    return StoreRecorder(url, caller=caller)


def _check_out(out: Path, *, dataset: bool) -> None:
    """Refuse an output path that cannot be written, before any work."""
    if not out.parent.is_dir():
        raise InputError(f"--out {out}: folder {out.parent} does not exist; create it first")
    if dataset and out.is_file():
        raise InputError(f"--out {out} is a file; with Dask the scores are a folder of Parquet parts: "
                         "choose another name")
    if not dataset and out.is_dir():
        raise InputError(f"--out {out} is a folder; in process the scores are one Parquet file: "
                         "choose another name")


def _model_folder(tag: str) -> Path:
    """The model's folder in the BentoML store, or an InputError naming the tag and the store."""
    import bentoml

    try:
        return Path(bentoml.models.get(tag).path)
    except bentoml.exceptions.NotFound:
        home = os.environ.get("BENTOML_HOME", "~/bentoml")
        raise InputError(f"--model {tag}: no such model in the BentoML model store (BENTOML_HOME={home}); "
                         "train one with `python -m train` or list them with `bentoml models list`") from None
    except (ValueError, bentoml.exceptions.BentoMLException) as error:
        raise InputError(f"--model {tag!r} is not a model tag (name:version): {error}") from None


def _scorer(bundle: ModelBundle) -> Scorer:
    """The service's scorer (imports Great Expectations: seconds, spent while the folder is read)."""
    from serving.scoring import Scorer

    return Scorer(bundle)


def main(argv: list[str] | None = None) -> int:
    """Run the command; return the exit status (2 when the input, the model or an option is unusable)."""
    args = parse_args(argv)
    os.environ.setdefault("BENTOML_DO_NOT_TRACK", "true")
    sleep_idle_threads()
    dask = args.workers is not None or args.scheduler is not None
    try:
        portfolio = find_portfolio(args.data_dir, scored=args.table)
        _check_out(args.out, dataset=dask)
        model = _model_folder(args.model)
        record = _recorder(args.caller) if args.record else None
        if dask:
            from batch.cluster import score_on_dask

            # A LocalCluster's nannies log their workers' slow exits as warnings: noise after the
            # summary, not news.
            logging.getLogger("distributed.nanny").setLevel(logging.ERROR)

            summary = score_on_dask(portfolio, model, out=args.out, explain=args.explain,
                                    workers=args.workers, scheduler=args.scheduler,
                                    partitions=args.partitions, record=record,
                                    progress=not args.no_progress)
        else:
            from batch.local import score_in_process
            from train.bundle import ModelBundle

            try:
                bundle = ModelBundle.load(model, num_threads=os.cpu_count() or 1)
            except (OSError, ValueError) as error:
                raise InputError(f"--model {args.model}: {error}") from None
            summary = score_in_process(portfolio, partial(_scorer, bundle), out=args.out,
                                       explain=args.explain, record=record, progress=not args.no_progress)
            if record is not None:
                record.close()
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(summary.text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
