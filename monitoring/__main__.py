"""``python -m monitoring report``: the drift of recorded traffic against the training reference, as HTML.

Examples
--------
::

    python -m monitoring report --since 30d --out report.html
    python -m monitoring report --since 2026-11-01T00:00:00Z --model credit_scoring:abc123 --out nov.html
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from settings import load_settings

__all__ = ["main", "parse_since"]

USAGE = 2
_AGO = re.compile(r"^(?P<count>\d+)(?P<unit>[dhm])$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_since(text: str, *, now: datetime | None = None) -> datetime:
    """Read a window's start: an age (``30d``, ``12h``, ``90m``) or an ISO 8601 time (UTC if no zone).

    Raises
    ------
    ValueError
        If `text` is neither; the message shows both forms.
    """
    found = _AGO.match(text.strip())
    if found:
        return (now or datetime.now(UTC)) - timedelta(**{_UNITS[found["unit"]]: int(found["count"])})
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"must be an age such as 30d, 12h or 90m, or an ISO time such as "
                         f"2026-11-01T00:00:00Z, got {text[:40]!r}") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _since(text: str) -> datetime:
    try:
        return parse_since(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _window(text: str) -> int:
    from monitoring.monitor import MAX_WINDOW

    if not text.isdigit() or not 1 <= int(text) <= MAX_WINDOW:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {MAX_WINDOW}, got {text!r}")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    """Write the drift report; return the exit status (2 for a usage error, a missing model or store)."""
    parser = argparse.ArgumentParser(prog="python -m monitoring", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser("report", help="write the drift report of the recorded traffic")
    report.add_argument("--since", type=_since, default="30d", help="start of the window: 30d, 12h, or ISO")
    report.add_argument("--last", type=_window, default=100_000, help="at most this many newest decisions")
    report.add_argument("--model", default="credit_scoring:latest", help="the model whose decisions are read")
    report.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    args = parser.parse_args(argv)
    os.environ.setdefault("BENTOML_DO_NOT_TRACK", "true")
    from decisions.database import StoreUnavailableError, open_store
    from decisions.replay import ModelVersionMissingError, bundle_from_store
    from decisions.store import DecisionStore
    from monitoring.monitor import Monitor
    from monitoring.report import drift_report

    try:
        bundle = bundle_from_store(args.model)
        store = DecisionStore(open_store(load_settings().database_url))
        drift = Monitor(store, bundle.profile, model_version=bundle.version).drift(last=args.last,
                                                                                   since=args.since)
    except (ModelVersionMissingError, StoreUnavailableError, LookupError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return USAGE
    window = f"the window since {args.since:%Y-%m-%d %H:%M} UTC"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(drift_report(drift, title=f"Drift report: {bundle.version}", window=window),
                        encoding="utf-8")
    verdict = "no verdict (too few)" if not drift.enough else f"score PSI {drift.score.psi:.3f}"
    print(f"{drift.decisions} decisions, {verdict}; report written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
