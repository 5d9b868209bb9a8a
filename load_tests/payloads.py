"""The payload file that load tests send: written once before a run, only read during it.

Locust users must not generate data while they measure (it would cost the client CPU the server
needs on a shared machine), so ``python -m load_tests.make_payloads`` writes this JSON file first:

``with_history``
    raw API records (application columns plus nested history lists), one per client;
``without_history``
    the same applications without any history list;
``feature_rows``
    the model features of the ``with_history`` clients (one dict per client, feature name to value,
    categories as their level, missing as null), which the plain reference server scores directly.

This module only reads JSON, so that locustfiles can import it without pulling in pandas.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["FORMAT_VERSION", "PayloadSet", "read_payloads"]

#: Bumped whenever the layout of the file changes, so that a stale file is refused, not misread.
FORMAT_VERSION = 1

Record = dict[str, Any]


@dataclass(frozen=True)
class PayloadSet:
    """The records of a payload file.

    Parameters
    ----------
    with_history, without_history : list of dict
        Raw API records, the same clients in the same order, with and without nested history.
    feature_rows : list of dict
        Model features of the same clients, for the reference server.
    """

    with_history: list[Record]
    without_history: list[Record]
    feature_rows: list[Record]

    def to_json(self, *, seed: int) -> dict[str, Any]:
        """Return the file's JSON document (with the format version and the generator's seed)."""
        return {"format": FORMAT_VERSION, "seed": seed, "with_history": self.with_history,
                "without_history": self.without_history, "feature_rows": self.feature_rows}


def _check_document(document: Mapping[str, Any], path: Path) -> None:
    if document.get("format") != FORMAT_VERSION:
        raise ValueError(f"{path} has payload format {document.get('format')!r}, expected {FORMAT_VERSION}; "
                         "write it again with python -m load_tests.make_payloads")
    sizes = {key: len(document.get(key) or []) for key in ("with_history", "without_history",
                                                            "feature_rows")}
    if min(sizes.values()) == 0 or len(set(sizes.values())) != 1:
        raise ValueError(f"{path} must hold the same non-zero number of with_history, without_history and "
                         f"feature_rows records, got {sizes}; write it again with "
                         "python -m load_tests.make_payloads")


def read_payloads(path: str | Path) -> PayloadSet:
    """Read a payload file written by ``python -m load_tests.make_payloads``.

    Parameters
    ----------
    path : str or Path
        The JSON file.

    Returns
    -------
    PayloadSet

    Raises
    ------
    FileNotFoundError
        If the file does not exist; the message gives the command that writes it.
    ValueError
        If the file has another format version or its three lists differ in length.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"payload file {path} not found; write it first with "
                                f"python -m load_tests.make_payloads --out {path}")
    document = json.loads(path.read_text())
    _check_document(document, path)
    return PayloadSet(document["with_history"], document["without_history"], document["feature_rows"])
