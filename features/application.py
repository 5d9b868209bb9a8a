"""Features of the loan application itself: its fields, cleaned, plus ratios, scores and counts.

The raw fields are kept (category fields stay pandas categoricals with the schema's fixed levels, which
LightGBM splits on natively). The 365243-day placeholder becomes missing, with a flag saying it was
there. Column groups (documents, contact flags, external scores, ...) are found in the schema, never
listed here, so a schema change cannot leave them stale.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.aggregate import FeatureInfo, ratio, row_total
from features.labels import labels
from features.schema import Column, table

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
#: Column names of the float32 block: number fields, then derived features.
_NUMERIC_OUTPUT = labels([*_NUMBERS, *_DERIVED])
_NUMBER_INPUT = labels(_NUMBERS)
_CATEGORY_OUTPUT = labels(c.name for c in _TABLE.categorical)


def descriptions() -> dict[str, FeatureInfo]:
    """Return name -> :class:`FeatureInfo` for every application feature, in output order: the number
    fields, the derived features, then the category fields."""
    def raw(c: Column) -> FeatureInfo:
        return FeatureInfo(c.name, c.description, FAMILY, (f"{_SOURCE}.{c.name}",))

    infos = {c.name: raw(c) for c in _TABLE.numeric}
    for name, (text, sources) in _DERIVED.items():
        infos[name] = FeatureInfo(name, text, FAMILY, tuple(f"{_SOURCE}.{s}" for s in sources))
    infos.update({c.name: raw(c) for c in _TABLE.categorical})
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
        Index ``SK_ID_CURR``; columns in :func:`descriptions` order: the number fields and the
        derived features (one float32 block), then the category fields (categoricals with the schema
        levels).
    """
    numbers = applications[_NUMBER_INPUT].to_numpy(np.float32, copy=True)
    flags = [numbers[:, _NUMBERS.index(c.name)] == c.sentinel for c in _SENTINEL]
    # An infinite field is no measurement: missing, like the placeholder days.
    numbers[np.isinf(numbers)] = np.nan
    for c, flag in zip(_SENTINEL, flags, strict=True):
        numbers[flag, _NUMBERS.index(c.name)] = np.nan
    block = np.concatenate([numbers, _derived(numbers, flags)], axis=1)
    block[np.isinf(block)] = np.nan
    index = pd.Index(applications["SK_ID_CURR"].to_numpy(), name="SK_ID_CURR")
    categories = pd.DataFrame({c.name: applications[c.name].array for c in _TABLE.categorical}, index=index,
                              columns=_CATEGORY_OUTPUT)
    return pd.concat([pd.DataFrame(block, index=index, columns=_NUMERIC_OUTPUT, copy=False), categories],
                     axis=1)


def _derived(numbers: np.ndarray, flags: list[np.ndarray]) -> np.ndarray:
    """Compute the `_DERIVED` features from the cleaned number fields (placeholders missing).

    Parameters
    ----------
    numbers : np.ndarray of shape (n_rows, len(_NUMBERS))
        The number fields, float32.
    flags : list of np.ndarray of bool
        Where each sentinel column held its placeholder.
    """
    def col(name: str) -> np.ndarray:
        return numbers[:, _NUMBERS.index(name)]

    def cols(names: list[str]) -> np.ndarray:
        return numbers[:, [_NUMBERS.index(n) for n in names]].astype(np.float64)

    ext = cols(_EXT)
    present = ~np.isnan(ext)
    given = present.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ext_mean = np.nansum(ext, axis=1) / given
        ext_std = np.sqrt(np.nansum((ext - ext_mean[:, None]) ** 2, axis=1) / given)
        weighted = np.nansum(ext * _EXT_WEIGHTS, axis=1) / (present * _EXT_WEIGHTS).sum(axis=1)
    columns = {
        **{f"{c.name}_IS_PLACEHOLDER": flag for c, flag in zip(_SENTINEL, flags, strict=True)},
        "CREDIT_TO_INCOME": ratio(col("AMT_CREDIT"), col("AMT_INCOME_TOTAL")),
        "ANNUITY_TO_INCOME": ratio(col("AMT_ANNUITY"), col("AMT_INCOME_TOTAL")),
        "ANNUITY_TO_CREDIT": ratio(col("AMT_ANNUITY"), col("AMT_CREDIT")),
        "CREDIT_TERM_YEARS": ratio(col("AMT_CREDIT"), col("AMT_ANNUITY")),
        "GOODS_TO_CREDIT": ratio(col("AMT_GOODS_PRICE"), col("AMT_CREDIT")),
        "INCOME_PER_FAMILY_MEMBER": ratio(col("AMT_INCOME_TOTAL"), col("CNT_FAM_MEMBERS")),
        "EMPLOYED_TO_AGE": ratio(col("DAYS_EMPLOYED"), col("DAYS_BIRTH")),
        "REGISTRATION_TO_AGE": ratio(col("DAYS_REGISTRATION"), col("DAYS_BIRTH")),
        "ID_PUBLISH_TO_AGE": ratio(col("DAYS_ID_PUBLISH"), col("DAYS_BIRTH")),
        "PHONE_CHANGE_TO_AGE": ratio(col("DAYS_LAST_PHONE_CHANGE"), col("DAYS_BIRTH")),
        "CAR_AGE_TO_AGE": ratio(col("OWN_CAR_AGE"), -col("DAYS_BIRTH") / _DAYS_PER_YEAR),
        "EXT_SOURCES_MEAN": ext_mean,
        "EXT_SOURCES_MIN": np.fmin.reduce(ext, axis=1),
        "EXT_SOURCES_MAX": np.fmax.reduce(ext, axis=1),
        "EXT_SOURCES_STD": ext_std,
        "EXT_SOURCES_PROD": ext.prod(axis=1),
        "EXT_SOURCES_WEIGHTED": weighted,
        "EXT_SOURCES_MISSING": len(_EXT) - given,
        "DOCUMENT_COUNT": row_total(cols(_DOCUMENTS)),
        "CONTACT_COUNT": row_total(cols(_CONTACTS)),
        "REGION_MISMATCH_COUNT": row_total(cols(_MISMATCHES)),
        "BUREAU_ENQUIRIES_TOTAL": row_total(cols(_ENQUIRIES)),
        "BUILDING_MISSING_COUNT": np.isnan(cols(_BUILDING)).sum(axis=1),
    }
    assert list(columns) == list(_DERIVED), "derived features and their descriptions differ: a bug"
    return np.column_stack([np.asarray(v, dtype=np.float32) for v in columns.values()]).reshape(
        len(numbers), len(columns))
