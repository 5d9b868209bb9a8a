"""The response models of the scoring API: predictions, explanations, counteroffers, model card, errors."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AnnuityRange", "Contribution", "Counteroffer", "CurvePoint", "ErrorBody", "Explanation",
           "FieldWarning", "ModelCard", "Offer", "Prediction", "Problem", "RecordedExplanation",
           "RecordedPrediction"]

_CONFIG = ConfigDict(extra="forbid")


class FieldWarning(BaseModel):
    """A value that is possible but outside what the model saw in training: scored, and said so."""

    model_config = _CONFIG
    field: str = Field(description="The field, e.g. AMT_REQ_CREDIT_BUREAU_DAY")
    warning: str = Field(description="The value and the range seen in training")


class Prediction(BaseModel):
    """The decision on one application."""

    model_config = _CONFIG
    SK_ID_CURR: int = Field(description="The application, as sent")
    probability: float = Field(ge=0, le=1, description="Calibrated probability of default")
    decision: Literal["approved", "refused"] = Field(
        description="refused when the probability is at or above the threshold")
    threshold: float = Field(ge=0, le=1, description="The probability of default at which refusal starts")
    score: int = Field(description="Credit score in points: the higher, the safer")
    model_version: str = Field(description="The model that decided (BentoML model tag)")
    warnings: list[FieldWarning] = Field(
        default_factory=list, description="Values outside the training data's range: scored all the same, "
                                          "worth a second look")


class Contribution(BaseModel):
    """What one feature did to one application's probability of default."""

    model_config = _CONFIG
    feature: str = Field(description="Model feature name")
    label: str = Field(description="The feature in plain language")
    value: float | str | None = Field(description="The application's value of the feature (null: missing)")
    shap: float = Field(description="SHAP contribution in log-odds: > 0 raises the risk, < 0 lowers it")


class Explanation(Prediction):
    """The decision on one application and why."""

    base_value: float = Field(description="The model's average log-odds, before any feature")
    contributions: list[Contribution] = Field(description="Every feature, by decreasing |shap|")
    reasons_against: list[str] = Field(
        max_length=4, description="Up to four reasons, in plain words, that raise the risk")
    reasons_for: list[str] = Field(
        max_length=4, description="Up to four reasons, in plain words, that lower the risk")


_DECISION_ID = Field(description="Its record: GET /decisions/{decision_id} shows it with its reasons")


class RecordedPrediction(Prediction):
    """The decision on one application, as answered: recorded in the decision store first."""

    decision_id: uuid.UUID = _DECISION_ID


class RecordedExplanation(Explanation):
    """The decision on one application and why, as answered: recorded in the decision store first."""

    decision_id: uuid.UUID = _DECISION_ID


class ModelCard(BaseModel):
    """The figures of the model in service."""

    model_config = _CONFIG
    version: str
    threshold: float
    cost_false_negative: float = Field(description="Cost of approving a client who defaults")
    cost_false_positive: float = Field(description="Cost of refusing a client who would have repaid")
    feature_count: int
    metrics: dict = Field(description="Training metrics (cross-validated AUC, cost, ...)")
    model_card: str = Field(description="The model card, Markdown")


class Problem(BaseModel):
    """One thing wrong with a request: which application, which field, what."""

    model_config = _CONFIG
    index: int | None = Field(description="Position of the application in the request (null: the whole body)")
    SK_ID_CURR: int | None = Field(description="The application's SK_ID_CURR, when it could be read")
    field: str | None = Field(description="The field, e.g. AMT_INCOME_TOTAL or bureau[2].CREDIT_ACTIVE")
    problem: str = Field(description="What is wrong and how to fix it")


class ErrorBody(BaseModel):
    """Every 4xx answer of the API."""

    model_config = _CONFIG
    error: str = Field(description="Summary")
    problems: list[Problem] = Field(default_factory=list)


class Offer(BaseModel):
    """A loan with some of its terms changed, and what /predict answers for the application so changed."""

    model_config = _CONFIG
    changes: dict[str, float] = Field(
        description="The loan fields changed (AMT_CREDIT, AMT_ANNUITY, AMT_GOODS_PRICE) and their new "
                    "values: /predict on the application with these fields replaced gives this probability, "
                    "score and decision. Empty for the loan as asked.")
    probability: float = Field(ge=0, le=1, description="Calibrated probability of default")
    score: int = Field(description="Credit score in points: the higher, the safer")
    decision: Literal["approved", "refused"]


class AnnuityRange(BaseModel):
    """Annuities approved for the amount asked: every annuity tried between the two ends was approved."""

    model_config = _CONFIG
    lowest: Offer = Field(description="The lowest annuity approved in the range: the longest term")
    highest: Offer = Field(description="The highest annuity approved in the range: the shortest term")


class CurvePoint(BaseModel):
    """One credit amount tried on the terms asked, and its probability of default."""

    model_config = _CONFIG
    AMT_CREDIT: float
    probability: float = Field(ge=0, le=1)


class Counteroffer(BaseModel):
    """What can be lent to one applicant instead, changing only the loan's terms."""

    model_config = _CONFIG
    SK_ID_CURR: int = Field(description="The application, as sent")
    outcome: Literal["counteroffer", "no_offer", "already_approved"] = Field(
        description="counteroffer: refused as asked, and some loan searched is approved; no_offer: refused, "
                    "and no loan searched is approved (see best); already_approved: approved as asked (see "
                    "largest_amount for the headroom)")
    threshold: float = Field(ge=0, le=1, description="The probability of default at which refusal starts")
    model_version: str = Field(description="The model that decided (BentoML model tag)")
    asked: Offer = Field(description="The loan as asked: /predict's answer")
    largest_amount: Offer | None = Field(
        description="The largest credit approved on the terms asked (annuity and goods price scaled with the "
                    "credit): below the amount asked when refused, the headroom above it when approved; null "
                    "when no amount searched is approved")
    annuity_ranges: list[AnnuityRange] = Field(
        description="Refused applications: for the amount asked, the ranges of annuities (shorter or longer "
                    "terms) that are approved, lowest annuity first; empty when none is")
    best: Offer | None = Field(
        description="When no loan searched is approved: the one with the lowest probability of default")
    searched: dict[str, tuple[float, float]] = Field(
        description="The smallest and largest value tried of each loan field searched (AMT_CREDIT on the "
                    "terms asked, AMT_ANNUITY for the amount asked)")
    amount_curve: list[CurvePoint] = Field(
        description="Every credit amount tried on the terms asked, by increasing amount, and its probability")
