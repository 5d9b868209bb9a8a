"""Features of the loan application itself: its fields, cleaned, plus ratios, scores and counts.

The raw fields are kept (category fields stay pandas categoricals with the schema's fixed levels, which
LightGBM splits on natively). The 365243-day placeholder becomes missing, with a flag saying it was
there. Column groups (documents, contact flags, external scores, ...) are found in the schema, never
listed here, so a schema change cannot leave them stale.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.aggregate import FeatureInfo, ratio
from features.schema import table

__all__ = ["FAMILY", "application_features", "descriptions"]

FAMILY = "application"
_TABLE = table("application_test")
_SOURCE = "application_train"
_DAYS_PER_YEAR = 365.25

_NUMBERS = [c.name for c in _TABLE.numeric]
_SENTINEL = [c for c in _TABLE.numeric if c.sentinel is not None]
_EXT = [n for n in _NUMBERS if n.startswith("EXT_SOURCE_")]
#: Weights of the three external scores in their weighted average, as in public solutions (score 3
#: is the most predictive, score 2 the least).
_EXT_WEIGHTS = np.array([2.0, 1.0, 3.0], dtype=np.float64)
_DOCUMENTS = [n for n in _NUMBERS if n.startswith("FLAG_DOCUMENT_")]
_CONTACTS = [n for n in _NUMBERS if n.startswith("FLAG_") and n not in _DOCUMENTS]
_MISMATCHES = [n for n in _NUMBERS if "_NOT_" in n]
_ENQUIRIES = [n for n in _NUMBERS if n.startswith("AMT_REQ_CREDIT_BUREAU_")]
_BUILDING = [n for n in _NUMBERS if n.endswith(("_AVG", "_MODE", "_MEDI"))]
assert len(_EXT) == len(_EXT_WEIGHTS), "external score columns changed: update _EXT_WEIGHTS"

#: Derived features: name -> (description, raw columns it reads). Computed in `_derived`.
_DERIVED: dict[str, tuple[str, tuple[str, ...]]] = {
    **{f"{c.name}_IS_PLACEHOLDER": (f"{c.description}: held the {c.sentinel} placeholder "
                                    "(not applicable, e.g. pensioners)", (c.name,)) for c in _SENTINEL},
    "CREDIT_TO_INCOME": ("Credit amount divided by annual income", ("AMT_CREDIT", "AMT_INCOME_TOTAL")),
    "ANNUITY_TO_INCOME": ("Yearly repayment as a share of annual income",
                          ("AMT_ANNUITY", "AMT_INCOME_TOTAL")),
    "ANNUITY_TO_CREDIT": ("Yearly repayment as a share of the credit amount",
                          ("AMT_ANNUITY", "AMT_CREDIT")),
    "CREDIT_TERM_YEARS": ("Years to repay the credit (credit amount / yearly repayment)",
                          ("AMT_CREDIT", "AMT_ANNUITY")),
    "GOODS_TO_CREDIT": ("Price of the goods as a share of the credit amount",
                        ("AMT_GOODS_PRICE", "AMT_CREDIT")),
    "INCOME_PER_FAMILY_MEMBER": ("Annual income per family member",
                                 ("AMT_INCOME_TOTAL", "CNT_FAM_MEMBERS")),
    "EMPLOYED_TO_AGE": ("Share of the client's life spent in the current job",
                        ("DAYS_EMPLOYED", "DAYS_BIRTH")),
    "REGISTRATION_TO_AGE": ("Time since the registration change as a share of age",
                            ("DAYS_REGISTRATION", "DAYS_BIRTH")),
    "ID_PUBLISH_TO_AGE": ("Time since the identity document change as a share of age",
                          ("DAYS_ID_PUBLISH", "DAYS_BIRTH")),
    "PHONE_CHANGE_TO_AGE": ("Time since the phone change as a share of age",
                            ("DAYS_LAST_PHONE_CHANGE", "DAYS_BIRTH")),
    "CAR_AGE_TO_AGE": ("Age of the client's car as a share of the client's age",
                       ("OWN_CAR_AGE", "DAYS_BIRTH")),
    "EXT_SOURCES_MEAN": ("Average of the external credit scores given", tuple(_EXT)),
    "EXT_SOURCES_MIN": ("Lowest external credit score given", tuple(_EXT)),
    "EXT_SOURCES_MAX": ("Highest external credit score given", tuple(_EXT)),
    "EXT_SOURCES_STD": ("Spread (standard deviation) of the external credit scores given",
                        tuple(_EXT)),
    "EXT_SOURCES_PROD": ("Product of the three external credit scores (missing unless all given)",
                         tuple(_EXT)),
    "EXT_SOURCES_WEIGHTED": ("Weighted average of the external credit scores given (weights 2, 1, 3)",
                             tuple(_EXT)),
    "EXT_SOURCES_MISSING": ("Number of external credit scores missing", tuple(_EXT)),
    "DOCUMENT_COUNT": ("Number of documents provided", tuple(_DOCUMENTS)),
    "CONTACT_COUNT": ("Number of phones and e-mail addresses given", tuple(_CONTACTS)),
    "REGION_MISMATCH_COUNT": ("Number of mismatches between home, registration and work regions/cities",
                              tuple(_MISMATCHES)),
    "BUREAU_ENQUIRIES_TOTAL": ("Credit bureau enquiries in the year before the application",
                               tuple(_ENQUIRIES)),
    "BUILDING_MISSING_COUNT": ("Number of building fields left empty", tuple(_BUILDING)),
}


def descriptions() -> dict[str, FeatureInfo]:
    """Return name -> :class:`FeatureInfo` for every application feature, in output order."""
    infos = {c.name: FeatureInfo(c.name, c.description, FAMILY, (f"{_SOURCE}.{c.name}",))
             for c in _TABLE.columns if c.name != "SK_ID_CURR"}
    for name, (text, sources) in _DERIVED.items():
        infos[name] = FeatureInfo(name, text, FAMILY, tuple(f"{_SOURCE}.{s}" for s in sources))
    return infos


def application_features(applications: pd.DataFrame) -> pd.DataFrame:
    """Return the application features, one row per application.

    Parameters
    ----------
    applications : pd.DataFrame
        Applications cast to the ``application_test`` schema (see ``features.loaders.cast_to_schema``).

    Returns
    -------
    pd.DataFrame
        Index ``SK_ID_CURR``; the raw fields (numbers float32, categories as categoricals with the
        schema levels) followed by the derived features (float32).
    """
    raw = applications.drop(columns="SK_ID_CURR")
    numbers = raw[_NUMBERS].to_numpy(np.float32, copy=True)
    # An infinite field is no measurement: missing, like the placeholder days.
    numbers[np.isinf(numbers)] = np.nan
    for c in _SENTINEL:
        column = _NUMBERS.index(c.name)
        numbers[numbers[:, column] == c.sentinel, column] = np.nan
    raw = raw.assign(**dict(zip(_NUMBERS, numbers.T, strict=True)))
    derived = _derived(raw, flags={f"{c.name}_IS_PLACEHOLDER": applications[c.name] == c.sentinel
                                   for c in _SENTINEL})
    out = pd.concat([raw, derived], axis=1)
    out.index = pd.Index(applications["SK_ID_CURR"].to_numpy(), name="SK_ID_CURR")
    return out


def _derived(raw: pd.DataFrame, *, flags: dict[str, pd.Series]) -> pd.DataFrame:
    """Compute the `_DERIVED` features from cleaned fields (sentinels already missing)."""
    years_old = -raw["DAYS_BIRTH"] / _DAYS_PER_YEAR
    ext = raw[_EXT].to_numpy(np.float64)
    present = ~np.isnan(ext)
    weights = present * _EXT_WEIGHTS
    with np.errstate(invalid="ignore", divide="ignore"):
        weighted = np.nansum(ext * _EXT_WEIGHTS, axis=1) / weights.sum(axis=1)
    columns = {
        **{name: flag.astype(np.float32) for name, flag in flags.items()},
        "CREDIT_TO_INCOME": ratio(raw["AMT_CREDIT"], raw["AMT_INCOME_TOTAL"]),
        "ANNUITY_TO_INCOME": ratio(raw["AMT_ANNUITY"], raw["AMT_INCOME_TOTAL"]),
        "ANNUITY_TO_CREDIT": ratio(raw["AMT_ANNUITY"], raw["AMT_CREDIT"]),
        "CREDIT_TERM_YEARS": ratio(raw["AMT_CREDIT"], raw["AMT_ANNUITY"]),
        "GOODS_TO_CREDIT": ratio(raw["AMT_GOODS_PRICE"], raw["AMT_CREDIT"]),
        "INCOME_PER_FAMILY_MEMBER": ratio(raw["AMT_INCOME_TOTAL"], raw["CNT_FAM_MEMBERS"]),
        "EMPLOYED_TO_AGE": ratio(raw["DAYS_EMPLOYED"], raw["DAYS_BIRTH"]),
        "REGISTRATION_TO_AGE": ratio(raw["DAYS_REGISTRATION"], raw["DAYS_BIRTH"]),
        "ID_PUBLISH_TO_AGE": ratio(raw["DAYS_ID_PUBLISH"], raw["DAYS_BIRTH"]),
        "PHONE_CHANGE_TO_AGE": ratio(raw["DAYS_LAST_PHONE_CHANGE"], raw["DAYS_BIRTH"]),
        "CAR_AGE_TO_AGE": ratio(raw["OWN_CAR_AGE"], years_old),
        "EXT_SOURCES_MEAN": raw[_EXT].mean(axis=1),
        "EXT_SOURCES_MIN": raw[_EXT].min(axis=1),
        "EXT_SOURCES_MAX": raw[_EXT].max(axis=1),
        "EXT_SOURCES_STD": raw[_EXT].std(axis=1, ddof=0),
        "EXT_SOURCES_PROD": raw[_EXT].prod(axis=1, skipna=False),
        "EXT_SOURCES_WEIGHTED": weighted,
        "EXT_SOURCES_MISSING": (~present).sum(axis=1),
        "DOCUMENT_COUNT": raw[_DOCUMENTS].sum(axis=1, min_count=1),
        "CONTACT_COUNT": raw[_CONTACTS].sum(axis=1, min_count=1),
        "REGION_MISMATCH_COUNT": raw[_MISMATCHES].sum(axis=1, min_count=1),
        "BUREAU_ENQUIRIES_TOTAL": raw[_ENQUIRIES].sum(axis=1, min_count=1),
        "BUILDING_MISSING_COUNT": raw[_BUILDING].isna().sum(axis=1),
    }
    assert list(columns) == list(_DERIVED), "derived features and their descriptions differ: a bug"
    values = np.column_stack([np.asarray(v, dtype=np.float32) for v in columns.values()])
    values[np.isinf(values)] = np.nan
    return pd.DataFrame(values, index=raw.index, columns=list(columns))

