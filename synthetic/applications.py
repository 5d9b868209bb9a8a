"""Synthetic application rows (application_train / application_test columns except keys and TARGET).

Columns are drawn from the calibrated marginals of `synthetic.calibration`, with the
dependencies of the real data kept: pensioners (by age) carry the 365243 placeholder in
DAYS_EMPLOYED, employer XNA and no occupation; credit, goods price and annuity of a loan fit together
(and bigger loans run longer);
the ~47 building columns are missing together for about half of the clients; EXT_SOURCE_1/2/3 are
noisy readings of the client's latent risk (EXT_SOURCE_1 also of age), as in the real data.
"""

from __future__ import annotations

import numpy as np

from features.schema import DAYS_SENTINEL, table
from synthetic import calibration as cal
from synthetic.draws import (
    Columns,
    category,
    codes_of,
    from_quantiles,
    from_weights,
    leaning_normal,
    leaning_uniform,
    normal_cdf,
    round_to,
)

__all__ = ["application_columns"]

_APP = table("application_train")
_YEAR = 365.25


def application_columns(rng: np.random.Generator, risk: np.ndarray, has_bureau: np.ndarray) -> Columns:
    """Draw the application columns of `len(risk)` clients.

    Parameters
    ----------
    rng : np.random.Generator
    risk : np.ndarray of float, shape (n,)
        The clients' latent application-side risk (standard normal, higher = riskier).
    has_bureau : np.ndarray of bool, shape (n,)
        Whether the client has credit bureau records; the AMT_REQ_CREDIT_BUREAU_* enquiry counts are
        missing for the others, as in the real data.

    Returns
    -------
    Columns
        Every application_train column except SK_ID_CURR and TARGET.
    """
    n = len(risk)
    cols: Columns = {}
    _age_and_work(rng, n, cols)
    _household(rng, risk, cols)
    _loan(rng, risk, cols)
    _region_and_contact(rng, n, cols)
    _ext_sources(rng, risk, cols)
    _building(rng, n, cols)
    _social_circle_and_enquiries(rng, risk, has_bureau, cols)
    return cols


def _cat(rng: np.random.Generator, name: str, weights: dict, size: int, **lean) -> np.ndarray:
    return category(rng, _APP.column(name), weights, size, **lean)


def _code(name: str, level: str) -> int:
    return int(codes_of(_APP.column(name), [level])[0])


def _flag(rng: np.random.Generator, rate: float, size: int) -> np.ndarray:
    return (rng.random(size) < rate).astype(np.float64)


def _from_counts(rng: np.random.Generator, weights: dict[int, float], size: int) -> np.ndarray:
    values = np.array(list(weights), dtype=np.float64)
    probs = np.array(list(weights.values()))
    return rng.choice(values, size=size, p=probs / probs.sum())


def _age_and_work(rng: np.random.Generator, n: int, cols: Columns) -> None:
    """Age, then income type (pensioners by age), then employment: none for pensioners/unemployed."""
    birth = np.round(from_quantiles(rng.random(n), cal.AGE_DAYS))
    age = -birth / _YEAR
    band = np.clip((age - 20) // 5, 0, len(cal.PENSIONER_BY_AGE) - 1).astype(int)
    pensioner = rng.random(n) < np.asarray(cal.PENSIONER_BY_AGE)[band]
    income_type = _cat(rng, "NAME_INCOME_TYPE", cal.WORKING_INCOME_TYPE, n)
    income_type[pensioner] = _code("NAME_INCOME_TYPE", "Pensioner")
    no_employer = pensioner | (income_type == _code("NAME_INCOME_TYPE", "Unemployed"))
    employed = -np.round(from_quantiles(rng.random(n), cal.EMPLOYED_DAYS))
    employed = np.maximum(employed, np.minimum(birth + 16 * _YEAR, -1))
    cols["DAYS_BIRTH"] = birth
    cols["NAME_INCOME_TYPE"] = income_type
    cols["DAYS_EMPLOYED"] = np.where(no_employer, DAYS_SENTINEL, employed)
    cols["FLAG_EMP_PHONE"] = (~no_employer).astype(np.float64)
    organization = _cat(rng, "ORGANIZATION_TYPE", cal.ORGANIZATION, n)
    cols["ORGANIZATION_TYPE"] = np.where(no_employer, _code("ORGANIZATION_TYPE", "XNA"), organization)
    occupation = _cat(rng, "OCCUPATION_TYPE", cal.OCCUPATION, n)
    cols["OCCUPATION_TYPE"] = np.where(no_employer | (rng.random(n) < cal.OCCUPATION_MISSING_EMPLOYED),
                                       -1, occupation)


def _household(rng: np.random.Generator, risk: np.ndarray, cols: Columns) -> None:
    """Gender and education (both leaning with the risk), family, housing and the dated documents."""
    n = len(risk)
    birth = cols["DAYS_BIRTH"]
    cols["CODE_GENDER"] = _cat(rng, "CODE_GENDER", cal.GENDER, n, latent=risk, strength=0.15)
    cols["NAME_EDUCATION_TYPE"] = _cat(rng, "NAME_EDUCATION_TYPE", {
        level: cal.EDUCATION[level] for level in (
            "Academic degree", "Higher education", "Incomplete higher", "Secondary / secondary special",
            "Lower secondary")}, n, latent=risk, strength=0.3)
    cols["FLAG_OWN_CAR"] = (rng.random(n) < cal.OWN_CAR).astype(np.int16)
    cols["FLAG_OWN_REALTY"] = (rng.random(n) < cal.OWN_REALTY).astype(np.int16)
    car_age = np.round(from_quantiles(rng.random(n), cal.CAR_AGE))
    cols["OWN_CAR_AGE"] = np.where(cols["FLAG_OWN_CAR"] == 1, car_age, np.nan)
    children = _from_counts(rng, cal.CHILDREN, n)
    status = _cat(rng, "NAME_FAMILY_STATUS", cal.FAMILY_STATUS, n)
    couple = np.isin(status, codes_of(_APP.column("NAME_FAMILY_STATUS"), ["Married", "Civil marriage"]))
    cols["CNT_CHILDREN"] = children
    cols["NAME_FAMILY_STATUS"] = status
    cols["CNT_FAM_MEMBERS"] = children + 1 + couple
    cols["NAME_HOUSING_TYPE"] = _cat(rng, "NAME_HOUSING_TYPE", cal.HOUSING, n)
    suite = _cat(rng, "NAME_TYPE_SUITE", cal.SUITE, n)
    cols["NAME_TYPE_SUITE"] = np.where(rng.random(n) < cal.SUITE_MISSING, -1, suite)
    registration = np.round(from_quantiles(rng.random(n), cal.REGISTRATION_DAYS))
    cols["DAYS_REGISTRATION"] = np.maximum(registration, birth)
    id_publish = np.round(from_quantiles(rng.random(n), cal.ID_PUBLISH_DAYS))
    cols["DAYS_ID_PUBLISH"] = np.maximum(id_publish, birth + 14 * _YEAR).round()
    cols["DAYS_LAST_PHONE_CHANGE"] = np.round(from_quantiles(rng.random(n), cal.PHONE_CHANGE_DAYS))


def _loan(rng: np.random.Generator, risk: np.ndarray, cols: Columns) -> None:
    """Income, contract type, goods price, credit and annuity, consistent with each other."""
    n = len(risk)
    wealth = rng.standard_normal(n)
    income = from_quantiles(leaning_uniform(rng, wealth, 0.8, n), cal.INCOME)
    step = np.where(rng.random(n) < 0.74, 22500.0, np.where(rng.random(n) < 0.9, 4500.0, 450.0))
    cols["AMT_INCOME_TOTAL"] = np.maximum(round_to(income, step), 25650.0)
    revolving = rng.random(n) < cal.CONTRACT_TYPE["Revolving loans"]
    cols["NAME_CONTRACT_TYPE"] = revolving.astype(np.int16)
    size = leaning_normal(rng, wealth, 0.5, n)
    goods = round_to(from_quantiles(normal_cdf(size), cal.GOODS_PRICE), 4500.0)
    card_limit = np.maximum(round_to(goods / 3, 22500.0), 22500.0)
    goods = np.where(revolving, card_limit, np.maximum(goods, 40500.0))
    credit = round_to(goods * from_quantiles(rng.random(n), cal.CREDIT_TO_GOODS), 0.5)
    credit = np.where(revolving, card_limit, credit)
    # Bigger loans run longer: the term's normal score leans on the goods price's. Riskier clients pay a
    # higher monthly rate.
    months = from_weights(leaning_uniform(rng, size, cal.TERM_LEANS_ON_SIZE, n), cal.CASH_LOAN_TERMS)
    months = np.where(credit > 900000, np.maximum(months, 24), months)
    rate = np.clip(0.014 + 0.003 * risk + 0.002 * rng.standard_normal(n), 0.006, 0.03)
    annuity = credit * rate / (1 - (1 + rate) ** -months)
    annuity = np.where(revolving, credit * 0.05, annuity)
    cols["AMT_GOODS_PRICE"] = np.where(revolving & (rng.random(n) < 0.01), np.nan, goods)
    cols["AMT_CREDIT"] = credit
    cols["AMT_ANNUITY"] = round_to(annuity, 1.5)


def _region_and_contact(rng: np.random.Generator, n: int, cols: Columns) -> None:
    regions = np.array(cal.REGIONS)
    pick = rng.choice(len(regions), size=n, p=regions[:, 1] / regions[:, 1].sum())
    rating = regions[pick, 2]
    cols["REGION_POPULATION_RELATIVE"] = regions[pick, 0]
    cols["REGION_RATING_CLIENT"] = rating
    better = np.clip(rating - 1, 1, 3)
    cols["REGION_RATING_CLIENT_W_CITY"] = np.where(rng.random(n) < cal.CITY_RATING_DIFFERS, better, rating)
    cols["WEEKDAY_APPR_PROCESS_START"] = _cat(rng, "WEEKDAY_APPR_PROCESS_START", cal.WEEKDAY, n)
    cols["HOUR_APPR_PROCESS_START"] = _from_counts(rng, cal.HOUR, n)
    for name, rate in cal.FLAG_RATES.items():
        cols[name] = _flag(rng, rate, n)
    # Flags of where people work only make sense for people with an employer.
    employed = cols["FLAG_EMP_PHONE"] == 1
    for name in ("REG_REGION_NOT_WORK_REGION", "LIVE_REGION_NOT_WORK_REGION", "REG_CITY_NOT_WORK_CITY",
                 "LIVE_CITY_NOT_WORK_CITY"):
        cols[name] = np.where(employed, cols[name], 0.0)


def _ext_sources(rng: np.random.Generator, risk: np.ndarray, cols: Columns) -> None:
    """Three external scores, each a noisy reading of the latent risk; EXT_SOURCE_1 also of age."""
    n = len(risk)
    age = (-cols["DAYS_BIRTH"] / _YEAR - 43.5) / 11.9  # about standard normal
    for name, (on_risk, on_age) in _EXT_LOADINGS.items():
        noise = np.sqrt(1 - on_risk**2 - on_age**2)
        z = -on_risk * risk + on_age * age + noise * rng.standard_normal(n)
        value = from_quantiles(normal_cdf(z), cal.EXT_SOURCE[name])
        cols[name] = np.where(rng.random(n) < cal.EXT_SOURCE_MISSING[name], np.nan, value)


#: How strongly each external score follows the latent risk and age (real correlation of EXT_SOURCE_1
#: with age is about 0.6, the scores correlate 0.1-0.2 with each other).
_EXT_LOADINGS = {"EXT_SOURCE_1": (0.55, 0.5), "EXT_SOURCE_2": (0.66, 0.0), "EXT_SOURCE_3": (0.72, 0.15)}


def _building(rng: np.random.Generator, n: int, cols: Columns) -> None:
    """The building block: one presence flag and one size factor per client drive all 47 columns."""
    present = rng.random(n) < cal.BUILDING_PRESENT
    size = rng.standard_normal(n)
    for measure, (missing, loading, quantiles) in cal.BUILDING.items():
        z = loading * size + np.sqrt(1 - min(loading, 0.99) ** 2) * rng.standard_normal(n)
        average = np.round(from_quantiles(normal_cdf(z), quantiles), 4)
        shown = present & (rng.random(n) >= missing)
        mode = np.clip(np.round(average * (1 + 0.04 * rng.standard_normal(n)), 4), 0, 1)
        median = np.clip(np.round(average * (1 + 0.01 * rng.standard_normal(n)), 4), 0, 1)
        for stat, values in (("AVG", average), ("MODE", mode), ("MEDI", median)):
            cols[f"{measure}_{stat}"] = np.where(shown, values, np.nan)
    total = np.round(np.clip(cols["LIVINGAREA_AVG"] * 1.1 + 0.005 * np.abs(rng.standard_normal(n)), 0, 1), 4)
    fallback = np.round(from_quantiles(normal_cdf(size), cal.BUILDING["LIVINGAREA"][2]), 4)
    total = np.where(np.isnan(total), fallback, total)
    cols["TOTALAREA_MODE"] = np.where(present & (rng.random(n) >= 0.0015), total, np.nan)
    for name, (missing, weights) in (("FONDKAPREMONT_MODE", cal.FONDKAPREMONT),
                                     ("HOUSETYPE_MODE", cal.HOUSETYPE),
                                     ("WALLSMATERIAL_MODE", cal.WALLSMATERIAL),
                                     ("EMERGENCYSTATE_MODE", cal.EMERGENCYSTATE)):
        codes = _cat(rng, name, weights, n)
        cols[name] = np.where(present & (rng.random(n) >= missing), codes, -1)


def _social_circle_and_enquiries(rng: np.random.Generator, risk: np.ndarray, has_bureau: np.ndarray,
                                 cols: Columns) -> None:
    n = len(risk)
    observed = _from_counts(rng, cal.OBS_SOCIAL_CIRCLE, n)
    default_rate = np.clip(0.075 * np.exp(0.35 * risk), 0, 0.9)
    defaulted = rng.binomial(observed.astype(np.int64), default_rate).astype(np.float64)
    observed_60 = np.where(rng.random(n) < 0.983, observed, np.maximum(observed - 1, 0))
    defaulted_60 = np.minimum(rng.binomial(defaulted.astype(np.int64), 0.75), observed_60)
    unknown = rng.random(n) < cal.SOCIAL_CIRCLE_MISSING
    for name, values in (("OBS_30_CNT_SOCIAL_CIRCLE", observed), ("DEF_30_CNT_SOCIAL_CIRCLE", defaulted),
                         ("OBS_60_CNT_SOCIAL_CIRCLE", observed_60),
                         ("DEF_60_CNT_SOCIAL_CIRCLE", defaulted_60)):
        cols[name] = np.where(unknown, np.nan, values)
    for period, weights in cal.BUREAU_REQUESTS.items():
        cols[f"AMT_REQ_CREDIT_BUREAU_{period}"] = np.where(has_bureau, _from_counts(rng, weights, n), np.nan)
