"""Words, colours and field choices of the advisor view, written once.

Column descriptions come from `features.schema`; this module only says which columns the page offers
and how decisions are worded. Handlers, charts and the browser test all import these constants, so a
label shown on the page and the label a handler checks can never drift apart.
"""

from __future__ import annotations

from typing import Final

from train.profile import ADVISOR_FIELDS

__all__ = [
    "ACCOUNT_COLUMNS",
    "APPROVED",
    "AUDIT_COLUMNS",
    "COLOURS",
    "DAYS_AS_YEARS",
    "DAYS_PER_YEAR",
    "DECISION_ICON",
    "DECISION_WORD",
    "EARLIER_COLUMNS",
    "FORM_FIELDS",
    "HATCH_AGAINST",
    "METRIC_LABELS",
    "MISSING",
    "MONITOR_COLUMNS",
    "NOT_APPLICABLE",
    "ORIGIN_WORD",
    "PROTECTED_LABEL",
    "REFUSED",
    "TITLE",
    "WHAT_IF_FIELDS",
]

TITLE: Final = "Credit decision advisor"

#: The API's decision values (service JSON contract).
APPROVED: Final = "approved"
REFUSED: Final = "refused"

#: Decisions are never shown by colour alone: a word and an icon always come with the colour.
DECISION_WORD: Final = {APPROVED: "Approved", REFUSED: "Refused"}
DECISION_ICON: Final = {APPROVED: "✔", REFUSED: "✖"}

#: Okabe-Ito colours, distinguishable with the common colour-vision deficiencies. Blue always means
#: "towards repayment / approval", vermillion "towards default / refusal"; vermillion areas are also
#: hatched so that the two differ in greyscale too.
COLOURS: Final = {
    "favour": "#0072B2",
    "against": "#D55E00",
    "neutral": "#999999",
    "client": "#000000",
    "accent": "#E69F00",
}
HATCH_AGAINST: Final = "///"

MISSING: Final = "not given"

#: How each origin of a decision record reads on the page (`decisions.records.ORIGINS`).
ORIGIN_WORD: Final = {"api": "API", "ui:lookup": "Page: look-up",
                      "ui:new-application": "Page: new application", "ui:what-if": "Page: what-if",
                      "batch": "Portfolio run"}
#: Columns of the accounts' table.
ACCOUNT_COLUMNS: Final = ("Account", "Role", "State", "Created")
#: Columns of the drift table.
MONITOR_COLUMNS: Final = ("Feature", "PSI", "Status")
#: Columns of the audit of reads.
AUDIT_COLUMNS: Final = ("When (UTC)", "Reader", "Kind", "Client (SK_ID_CURR)", "Action", "What was shown")
#: Columns of the client's earlier decisions.
EARLIER_COLUMNS: Final = ("When (UTC)", "Origin", "Model version", "Decision", "Score", "Decision id")

#: The one bar and phrase under which the page sums the effect of protected attributes (gender, age,
#: family; `serving.reasons.is_protected`): shown honestly as a total, never one by one as a reason.
PROTECTED_LABEL: Final = "Gender, age and family status"
NOT_APPLICABLE: Final = "not applicable"

#: DAYS_* columns are day offsets before the application (negative). The page shows and takes them
#: in years, under these labels.
DAYS_AS_YEARS: Final = {
    "DAYS_BIRTH": "Age (years)",
    "DAYS_EMPLOYED": "Years in current employment",
    "DAYS_REGISTRATION": "Years since the registration changed",
    "DAYS_ID_PUBLISH": "Years since the identity document changed",
    "DAYS_LAST_PHONE_CHANGE": "Years since the phone changed",
}
DAYS_PER_YEAR: Final = 365.25

#: Application columns an advisor may change in the what-if panel: the terms of the loan and the
#: client's declared income, the things a client can actually negotiate or document.
WHAT_IF_FIELDS: Final = ("AMT_INCOME_TOTAL", "AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE")

#: Application columns of the new-client form, in reading order: the raw fields an advisor sees, which
#: the drift monitoring profiles too. Every other column is sent as missing, which the model handles as
#: it handles a real client's missing value.
FORM_FIELDS: Final = ADVISOR_FIELDS

#: Training metrics shown on the Model tab, in this order, with what they mean for an advisor.
METRIC_LABELS: Final = {
    "oof_auc": "Ranking quality, AUC on clients unseen in training (0.5 = chance, 1 = perfect)",
    "brier": "Calibration, Brier score (lower is better)",
    "approval_rate": "Share of past clients approved at the threshold",
    "recall": "Share of past defaults the threshold refuses",
    "precision": "Share of past refusals that did default",
    "default_rate": "Share of past clients who defaulted",
    "rows": "Past clients the model learned from",
}
