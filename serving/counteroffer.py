"""Counteroffers: what can be lent to an applicant instead, changing only the loan's terms.

Candidate loans are built along two lines and scored together, all applications of a batch in one call
of the scorer (`Scorer.predict_variants`, which reads each application's history once for all of its
candidates):

- the amount line: the credit asked times factors from `MIN_AMOUNT_FACTOR` to `MAX_AMOUNT_FACTOR`, on
  the terms asked: the annuity and the goods price scale with the credit, so the term (credit /
  annuity) and the share of the credit that is not goods (insurance) stay as asked;
- the annuity line: the amount asked, at annuities of terms from `MIN_TERM` to `MAX_TERM`.

Where the decision changes between two neighbouring candidates, `REFINE_POINTS` loans between them are
scored in a second call, again one for the whole batch, and the offer is the last one still approved
on the way from the approved side. Only AMT_CREDIT, AMT_ANNUITY and AMT_GOODS_PRICE change, never the
client (income, age, gender, family, history). An offer is a loan exactly as it was scored: /predict
on the application with the offer's changes gives the same probability, score and decision.

The answer does not depend on the model being monotone: a refused application's offer is the largest
approved amount below the one asked (then refined upwards), and the annuity ranges are the runs of
neighbouring approved annuities, so a model that approves both shorter and longer terms but not the
term asked gives two ranges.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from features.schema import table
from serving.responses import AnnuityRange, Counteroffer, CurvePoint, Offer, Problem
from serving.scoring import PredictionOutcome, Scorer, Variant

__all__ = [
    "AMOUNT_STEP",
    "ANNUITY_STEP",
    "LOAN_FIELDS",
    "MAX_AMOUNT_FACTOR",
    "MAX_TERM",
    "MIN_AMOUNT_FACTOR",
    "MIN_TERM",
    "REFINE_POINTS",
    "CounterofferOutcome",
    "counteroffers",
    "requirement_problems",
]

#: The application fields a counteroffer may change: the loan's terms, never the client.
LOAN_FIELDS = ("AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE")
#: Credit amounts tried, as factors of the amount asked: down to a tenth of it (refused applications),
#: up to three times it (the headroom of approved ones); about 12% apart.
MIN_AMOUNT_FACTOR = 0.1
MAX_AMOUNT_FACTOR = 3.0
_AMOUNT_FACTORS = np.unique(np.concatenate([np.geomspace(MIN_AMOUNT_FACTOR, 1, 20),
                                            np.geomspace(1, MAX_AMOUNT_FACTOR, 10)]))
#: Position of the loan asked (factor 1) on the amount line.
_ASKED = int(np.flatnonzero(_AMOUNT_FACTORS == 1)[0])
#: Terms tried for the amount asked, as credit / annuity: the terms lenders grant (in the real Home
#: Credit sample credit / annuity runs from 8.4 at the 1st percentile to 37.8 at the 99th); about 11%
#: apart.
MIN_TERM = 8.0
MAX_TERM = 40.0
_TERMS = np.geomspace(MIN_TERM, MAX_TERM, 16)
#: Loans scored between two neighbours whose decisions differ: the offer is then within about 1.5% of
#: where the decision changes.
REFINE_POINTS = 7
#: Credit amounts and goods prices are offered in multiples of this, annuities of `ANNUITY_STEP`: round
#: figures an advisor can read out, and exact in the float32 the model reads them as.
AMOUNT_STEP = 500.0
ANNUITY_STEP = 0.5

_APPLICATION = table("application_test")


class CounterofferOutcome(BaseModel):
    """What the search says about one application: a counteroffer, or why it could not be searched."""

    counteroffer: Counteroffer | None = None
    problems: list[Problem] = Field(default_factory=list)


def requirement_problems(application: Mapping[str, Any]) -> list[Problem]:
    """Return why `application` cannot be searched: a missing credit or annuity, or a zero annuity.

    Parameters
    ----------
    application : mapping
        An application record as the request model validated it.
    """
    found = {name: f"is required for a counteroffer ({_APPLICATION.column(name).description.lower()}): the "
                   "search changes it; send the value asked"
             for name in ("AMT_CREDIT", "AMT_ANNUITY") if application.get(name) is None}
    if application.get("AMT_ANNUITY") == 0:
        found["AMT_ANNUITY"] = ("must be above 0 for a counteroffer: the loan's term is the credit divided "
                                "by it")
    return [Problem(index=None, SK_ID_CURR=application["SK_ID_CURR"], field=name, problem=problem)
            for name, problem in found.items()]


def counteroffers(scorer: Scorer, applications: Sequence[Mapping[str, Any]]) -> list[CounterofferOutcome]:
    """Return one outcome per application, in order: its counteroffer, or its problems.

    Two calls of ``scorer.predict_variants`` whatever the number of applications: the grid of every
    application, then the refinements of every application.

    Parameters
    ----------
    scorer : Scorer
    applications : sequence of mapping
        Application records as the request model validated them (`serving.requests.Application`).
    """
    outcomes = [CounterofferOutcome(problems=requirement_problems(a)) for a in applications]
    searched = [i for i, outcome in enumerate(outcomes) if not outcome.problems]
    batch = [applications[i] for i in searched]
    searches = [_Search.of(application) for application in batch]
    _score(scorer, batch, [search.grid for search in searches])
    _score(scorer, batch, [search.refinements() for search in searches])
    for i, search in zip(searched, searches, strict=True):
        outcomes[i] = search.outcome()
    return outcomes


@dataclass
class _Candidate:
    """One loan of a line: its parameter (amount factor or annuity), its changes and, scored, its outcome."""

    parameter: float
    changes: dict[str, float]
    outcome: PredictionOutcome | None = None

    @property
    def scored(self) -> bool:
        return self.outcome is not None and self.outcome.prediction is not None

    @property
    def approved(self) -> bool:
        return self.scored and self.outcome.prediction.decision == "approved"

    def offer(self) -> Offer:
        prediction = self.outcome.prediction
        return Offer(changes=self.changes, probability=prediction.probability, score=prediction.score,
                     decision=prediction.decision)


@dataclass
class _Bracket:
    """An approved candidate and the loans refined towards a neighbour that is not (none at a line's end)."""

    approved: _Candidate
    between: list[_Candidate]

    def end(self) -> _Candidate:
        """The last loan approved from the approved side on: where the decision changes, within a step."""
        end = self.approved
        for candidate in self.between:
            if not candidate.approved:
                break
            end = candidate
        return end


@dataclass
class _Line:
    """Candidate loans along one parameter, in increasing order, and their refinements."""

    make: Callable[[float], dict[str, float]]
    candidates: list[_Candidate]
    brackets: list[_Bracket] = field(default_factory=list)

    @classmethod
    def of(cls, make: Callable[[float], dict[str, float]], parameters: np.ndarray) -> _Line:
        return cls(make, [_Candidate(float(p), make(float(p))) for p in parameters])

    def bracket(self, index: int, towards: int) -> _Bracket:
        """Return the bracket from approved candidate `index` towards candidate `towards`, if there is one."""
        approved = self.candidates[index]
        if not 0 <= towards < len(self.candidates):
            return _Bracket(approved, [])
        steps = np.geomspace(approved.parameter, self.candidates[towards].parameter, REFINE_POINTS + 2)[1:-1]
        bracket = _Bracket(approved, [_Candidate(float(p), self.make(float(p))) for p in steps])
        self.brackets.append(bracket)
        return bracket

    def refinements(self) -> list[_Candidate]:
        return [c for bracket in self.brackets for c in bracket.between]

    def scored(self) -> list[_Candidate]:
        """Every candidate scored on this line, refinements included, by increasing parameter."""
        every = self.candidates + self.refinements()
        return sorted((c for c in every if c.scored), key=lambda c: c.parameter)


@dataclass(frozen=True)
class _Loan:
    """The loan of one application: credit, annuity and goods price (which may be missing)."""

    credit: float
    annuity: float
    goods: float | None

    def scaled(self, factor: float) -> dict[str, float]:
        """The loan `factor` times as large on the same terms (no change for a factor of 1)."""
        if factor == 1:
            return {}
        credit = max(_round(self.credit * factor, AMOUNT_STEP), AMOUNT_STEP)
        share = credit / self.credit
        changes = {"AMT_CREDIT": credit, "AMT_ANNUITY": max(_round(self.annuity * share, ANNUITY_STEP),
                                                            ANNUITY_STEP)}
        if self.goods is not None:
            changes["AMT_GOODS_PRICE"] = _round(self.goods * share, AMOUNT_STEP)
        return changes

    def with_annuity(self, annuity: float) -> dict[str, float]:
        """The amount asked at another annuity."""
        return {"AMT_ANNUITY": max(_round(annuity, ANNUITY_STEP), ANNUITY_STEP)}


def _round(value: float, step: float) -> float:
    return float(np.round(value / step) * step)


@dataclass
class _Search:
    """The counteroffer search of one application."""

    sk_id_curr: int
    loan: _Loan
    amounts: _Line
    annuities: _Line
    #: Set by `refinements`: where the largest amount ends, and each annuity range's two ends.
    amount: _Bracket | None = None
    ranges: list[tuple[_Bracket, _Bracket]] = field(default_factory=list)

    @classmethod
    def of(cls, application: Mapping[str, Any]) -> _Search:
        goods = application.get("AMT_GOODS_PRICE")
        loan = _Loan(float(application["AMT_CREDIT"]), float(application["AMT_ANNUITY"]),
                     None if goods is None else float(goods))
        return cls(sk_id_curr=application["SK_ID_CURR"], loan=loan,
                   amounts=_Line.of(loan.scaled, _AMOUNT_FACTORS),
                   annuities=_Line.of(loan.with_annuity, np.sort(loan.credit / _TERMS)))

    @property
    def asked(self) -> _Candidate:
        return self.amounts.candidates[_ASKED]

    @property
    def grid(self) -> list[_Candidate]:
        """The candidates of the first call: both lines (the loan asked is on the amount line)."""
        return self.amounts.candidates + self.annuities.candidates

    @property
    def refused(self) -> bool:
        return self.asked.scored and not self.asked.approved

    def refinements(self) -> list[_Candidate]:
        """Bracket where the decision changes on each line; return the candidates of the second call.

        Refused as asked: the largest approved amount below the one asked, and every run of approved
        annuities. Approved: the amounts above the one asked approved one after the other.
        """
        amounts = self.amounts.candidates
        if self.refused:
            below = [i for i in range(_ASKED) if amounts[i].approved]
            self.amount = self.amounts.bracket(below[-1], below[-1] + 1) if below else None
            self.ranges = [(self.annuities.bracket(start, start - 1), self.annuities.bracket(end, end + 1))
                           for start, end in _runs([c.approved for c in self.annuities.candidates])]
        elif self.asked.scored:
            end = _ASKED
            while end + 1 < len(amounts) and amounts[end + 1].approved:
                end += 1
            self.amount = self.amounts.bracket(end, end + 1)
        return self.amounts.refinements() + self.annuities.refinements()

    def outcome(self) -> CounterofferOutcome:
        """The counteroffer once both calls are scored, or the problems of the loan asked when it broke
        the model's expectations (as /predict answers them)."""
        if not self.asked.scored:
            return CounterofferOutcome(problems=self.asked.outcome.problems)
        amount = None if self.amount is None else self.amount.end().offer()
        ranges = [AnnuityRange(lowest=low.end().offer(), highest=high.end().offer())
                  for low, high in self.ranges]
        best = None
        if not self.refused:
            outcome = "already_approved"
        elif amount is None and not ranges:
            outcome = "no_offer"
            tried = self.amounts.scored() + self.annuities.scored()
            best = min(tried, key=lambda c: c.outcome.prediction.probability).offer()
        else:
            outcome = "counteroffer"
        prediction = self.asked.outcome.prediction
        return CounterofferOutcome(counteroffer=Counteroffer(
            SK_ID_CURR=self.sk_id_curr, outcome=outcome, threshold=prediction.threshold,
            model_version=prediction.model_version, asked=self.asked.offer(), largest_amount=amount,
            annuity_ranges=ranges, best=best, searched=self._searched(),
            amount_curve=[CurvePoint(AMT_CREDIT=self._credit(c), probability=c.outcome.prediction.probability)
                          for c in self.amounts.scored()]))

    def _credit(self, candidate: _Candidate) -> float:
        return candidate.changes.get("AMT_CREDIT", self.loan.credit)

    def _searched(self) -> dict[str, tuple[float, float]]:
        credits = [self._credit(c) for c in self.amounts.candidates]
        if not self.refused:
            return {"AMT_CREDIT": (self.loan.credit, max(credits))}
        annuities = [c.changes["AMT_ANNUITY"] for c in self.annuities.candidates]
        return {"AMT_CREDIT": (min(credits), self.loan.credit),
                "AMT_ANNUITY": (min(annuities), max(annuities))}


def _runs(approved: Sequence[bool]) -> list[tuple[int, int]]:
    """Return the first and last index of each run of neighbouring True values."""
    runs: list[tuple[int, int]] = []
    for i, flag in enumerate(approved):
        if flag and runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        elif flag:
            runs.append((i, i))
    return runs


def _score(scorer: Scorer, applications: Sequence[Mapping[str, Any]],
           candidates: Sequence[Sequence[_Candidate]]) -> None:
    """Score every application's candidates in one call; set each candidate's outcome."""
    flat = [(i, candidate) for i, own in enumerate(candidates) for candidate in own]
    if not flat:
        return
    outcomes = scorer.predict_variants(applications, [Variant(i, c.changes) for i, c in flat])
    for (_, candidate), outcome in zip(flat, outcomes, strict=True):
        candidate.outcome = outcome
