"""The decision record: what was decided for one application, by which model, on which data, for whom.

One row per scored application, whichever way it was scored (``POST /predict``, ``POST /explain``, the
advisor page, a portfolio run). It holds the validated input exactly as scored (the application with
its nested history, as JSON text) and its SHA-256, so that the decision can be shown, explained and
replayed months later with the recorded model version. It holds personal data: the records are
purged after the retention period (`decisions.store.DecisionStore.purge`).

The input is stored zlib-compressed (level 1): an application with its history is ~20 kB of JSON
text, which compresses ~6.5 times, and the bytes a commit writes are what recording costs most under
load (32 clients, alternating runs: 645 and 672 requests/s recorded compressed, 627 and 645 as text,
779 and 781 unrecorded; the README's benchmarks section). Compressing takes ~0.1 ms a record in the
writer's thread, which holds no GIL meanwhile, or ahead, while the model scores
(`decisions.writer.DecisionWriter.prepare`); reading one back ~0.05 ms.
"""

from __future__ import annotations

import hashlib
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import JSON, BigInteger, Double, Index, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from decisions.database import Base, UTCDateTime

__all__ = ["ORIGINS", "Decision", "NewDecision", "Origin", "StoredInput", "compress_input", "input_digest",
           "new_decisions"]

#: Where a decision was asked for: the HTTP API, a page event of the advisor view, a portfolio run.
Origin = Literal["api", "ui:lookup", "ui:new-application", "ui:what-if", "batch"]
ORIGINS: tuple[str, ...] = Origin.__args__


#: zlib's level for stored inputs: level 6 saves 20% more space for twice the time.
_INPUT_COMPRESSION = 1


def input_digest(input_json: str) -> str:
    """Return the SHA-256 (hex) of an input's JSON text, as recorded beside it."""
    return hashlib.sha256(input_json.encode()).hexdigest()


def compress_input(input_json: str) -> bytes:
    """Return an input's JSON text as stored (`Decision.input_json_zlib`)."""
    return zlib.compress(input_json.encode(), _INPUT_COMPRESSION)


@dataclass(frozen=True)
class StoredInput:
    """An input as the store keeps it: its JSON text compressed, and the text's SHA-256."""

    json_zlib: bytes
    sha256: str

    @classmethod
    def of(cls, input_json: str) -> StoredInput:
        """Return `input_json` as stored."""
        return cls(compress_input(input_json), input_digest(input_json))


class Decision(Base):
    """A decision, as stored."""

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_client_time", "sk_id_curr", "decided_at"),)

    decision_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    endpoint: Mapped[str] = mapped_column(String(32))
    origin: Mapped[str] = mapped_column(String(32))
    caller: Mapped[str] = mapped_column(String(128))
    sk_id_curr: Mapped[int] = mapped_column(BigInteger)
    model_version: Mapped[str] = mapped_column(String(128))
    threshold: Mapped[float] = mapped_column(Double)
    probability: Mapped[float] = mapped_column(Double)
    score: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(16))
    input_json_zlib: Mapped[bytes] = mapped_column(LargeBinary)
    input_sha256: Mapped[str] = mapped_column(String(64))
    reasons_against: Mapped[list[str] | None] = mapped_column(JSON)
    reasons_for: Mapped[list[str] | None] = mapped_column(JSON)
    warnings: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)

    @property
    def input_json(self) -> str:
        """The validated input exactly as scored, as JSON text."""
        return zlib.decompress(self.input_json_zlib).decode()

    @input_json.setter
    def input_json(self, text: str) -> None:
        self.input_json_zlib = compress_input(text)


@dataclass(frozen=True)
class NewDecision:
    """A decision about to be recorded: what the scorer said, and about what, for whom, from where.

    Parameters
    ----------
    decision_id : uuid.UUID
        The id given to the client with the answer.
    decided_at : datetime
        When it was decided (aware, UTC).
    endpoint : str
        ``predict``, ``explain``, ``counteroffer`` or ``batch``.
    origin : str
        One of `ORIGINS`.
    caller : str
        Who asked: an API key's name or an advisor's user name, never a secret.
    input_json : str
        The validated application exactly as scored, as JSON text.
    stored_input : StoredInput, optional
        `input_json` as stored, if it was made ahead (by default, `row` makes it).
    outcome : mapping
        The scored answer: ``SK_ID_CURR``, ``probability``, ``decision``, ``threshold``, ``score``,
        ``model_version``, ``warnings`` (values outside the training range), and for an explanation
        ``reasons_against`` and ``reasons_for``.
    """

    decision_id: uuid.UUID
    decided_at: datetime
    endpoint: str
    origin: str
    caller: str
    input_json: str
    outcome: dict[str, Any]
    stored_input: StoredInput | None = None

    def __post_init__(self) -> None:
        if self.origin not in ORIGINS:
            raise ValueError(f"origin must be one of {', '.join(ORIGINS)}, got {self.origin!r}")

    def row(self) -> dict[str, Any]:
        """Return the record as the `Decision` table's columns, for one multi-row insert."""
        outcome = self.outcome
        stored = self.stored_input or StoredInput.of(self.input_json)
        return {"decision_id": self.decision_id, "decided_at": self.decided_at, "endpoint": self.endpoint,
                "origin": self.origin, "caller": self.caller, "sk_id_curr": outcome["SK_ID_CURR"],
                "model_version": outcome["model_version"], "threshold": outcome["threshold"],
                "probability": outcome["probability"], "score": outcome["score"],
                "decision": outcome["decision"], "input_json_zlib": stored.json_zlib,
                "input_sha256": stored.sha256,
                "reasons_against": outcome.get("reasons_against"), "reasons_for": outcome.get("reasons_for"),
                "warnings": outcome.get("warnings") or []}


def new_decisions(inputs: Sequence[str], outcomes: Sequence[dict[str, Any]], *, endpoint: str, origin: str,
                  caller: str, stored_inputs: Sequence[StoredInput] | None = None) -> list[NewDecision]:
    """Return the records of scored applications, each with a new decision id, decided now.

    Parameters
    ----------
    inputs : sequence of str
        Each application's JSON text, exactly as scored.
    outcomes : sequence of dict
        Each application's scored outcome (see `NewDecision.outcome`), in the same order.
    endpoint, origin, caller : str
        See `NewDecision`.
    stored_inputs : sequence of StoredInput, optional
        The inputs as stored, if made ahead, in the same order.
    """
    now = datetime.now(UTC)
    stored = stored_inputs if stored_inputs is not None else [None] * len(inputs)
    return [NewDecision(decision_id=uuid.uuid4(), decided_at=now, endpoint=endpoint, origin=origin,
                        caller=caller, input_json=text, outcome=outcome, stored_input=ahead)
            for text, outcome, ahead in zip(inputs, outcomes, stored, strict=True)]
