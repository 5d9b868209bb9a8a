"""``python -m decisions``: the decision store by hand: migrate it, replay a decision, purge old records.

The store is the service's (``CREDIT_SCORING_DATABASE_URL``, an embedded SQLite file by default);
models come from the BentoML model store (``BENTOML_HOME``).

Examples
--------
::

    python -m decisions migrate                      # bring the schema to the newest revision
    python -m decisions replay 0f5c2a9e-...          # score a recorded input again: does it match?
    python -m decisions purge --older-than 183       # delete records past retention (days)
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from datetime import timedelta

from settings import load_settings

__all__ = ["main"]

#: Exit status of a replay that does not reproduce its decision.
MISMATCH = 1
#: Exit status of a usage error, an unknown decision or a store that cannot be opened.
USAGE = 2


def _parse(argv: list[str] | None, retention_days: int) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m decisions", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="bring the store's schema to the newest revision")
    replay = commands.add_parser("replay", help="score a decision's recorded input again with its model")
    replay.add_argument("decision_id", help="the decision's id, as answered")
    purge = commands.add_parser("purge", help="delete the decisions older than the retention period")
    purge.add_argument("--older-than", type=_days, default=retention_days, metavar="DAYS",
                       help=f"age in days beyond which records are deleted (default: the setting "
                            f"CREDIT_SCORING_RETENTION_DAYS, {retention_days})")
    return parser.parse_args(argv)


def _days(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of days >= 1, got {text!r}")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the exit status (0 done, 1 a replay that does not match, 2 an error)."""
    settings = load_settings()
    args = _parse(argv, settings.retention_days)
    os.environ.setdefault("BENTOML_DO_NOT_TRACK", "true")
    from decisions.database import StoreUnavailableError, open_store

    try:
        engine = open_store(settings.database_url)
    except (ValueError, StoreUnavailableError) as error:
        print(f"error: {error}", file=sys.stderr)
        return USAGE
    if args.command == "migrate":
        print(f"decision store at the newest revision: {engine.url!r}")
        return 0
    if args.command == "purge":
        from decisions.store import DecisionStore

        deleted = DecisionStore(engine).purge(older_than=timedelta(days=args.older_than))
        print(f"deleted {deleted} decision record(s) older than {args.older_than} days")
        return 0
    return _replay(engine, args.decision_id)


def _replay(engine, decision_id: str) -> int:
    from decisions.replay import ModelVersionMissingError, Rescorer
    from decisions.store import DecisionStore

    try:
        wanted = uuid.UUID(decision_id)
    except ValueError:
        print(f"error: DECISION_ID must be a UUID such as 0f5c2a9e-8d1b-4c3e-9a7f-2b6d1e4c8a90, "
              f"got {decision_id[:60]!r}", file=sys.stderr)
        return USAGE
    record = DecisionStore(engine).get(wanted)
    if record is None:
        print(f"error: no decision {wanted} in the decision store", file=sys.stderr)
        return USAGE
    try:
        replay = Rescorer().replay(record)
    except ModelVersionMissingError as error:
        print(f"error: {error}", file=sys.stderr)
        return USAGE
    print(f"decision {replay.decision_id} by {replay.model_version}")
    print(f"  recorded: {replay.recorded_decision}, probability {replay.recorded_probability!r}")
    print(f"  replayed: {replay.replayed_decision}, probability {replay.replayed_probability!r}")
    intact = "as recorded (SHA-256 matches)" if replay.input_intact else "ALTERED since it was recorded"
    print(f"  input: {intact}")
    print("match" if replay.matches else "MISMATCH")
    return 0 if replay.matches else MISMATCH


if __name__ == "__main__":
    sys.exit(main())
