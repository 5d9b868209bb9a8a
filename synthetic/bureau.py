"""Synthetic credit bureau tables: bureau (one row per credit) and bureau_balance (one row per month).

A credit's dates hang together (opened, planned end, actual end for closed credits, last update), its
amounts too (debt only on active credits, card limits on cards), and its monthly statuses follow its
dates: months run from the month it was opened to the month of the application, "C" once it closed.
Overdue amounts, days past due and late monthly statuses grow with the client's latent history risk.
"""

from __future__ import annotations

import numpy as np

from features.schema import table
from synthetic.draws import Columns, category, codes_of, from_quantiles, group_positions, round_to

__all__ = ["bureau_balance_columns", "bureau_columns"]

_BUREAU = table("bureau")
_BALANCE = table("bureau_balance")
_MONTH = 30.4375

CREDIT_TYPE = {"Consumer credit": 0.7308, "Credit card": 0.2304, "Car loan": 0.0155, "Mortgage": 0.0118,
               "Microloan": 0.009, "Loan for business development": 0.0012, "Another type of loan": 0.0004,
               "Unknown type of loan": 0.0004, "Loan for working capital replenishment": 0.0004,
               "Cash loan (non-earmarked)": 0.0001, "Real estate loan": 0.00002,
               "Loan for the purchase of equipment": 0.00001,
               "Loan for purchase of shares (margin lending)": 0.000003, "Interbank credit": 0.000001,
               "Mobile operator loan": 0.000001}
CURRENCY = {"currency 1": 0.9992, "currency 2": 0.0006, "currency 3": 0.0001, "currency 4": 0.00001}
#: DAYS_CREDIT quantiles (at QUANTILE_LEVELS): bureau history covers the 8 years before the application.
DAYS_CREDIT = (-2922, -2863, -2791, -2674, -2446, -2149, -1859, -1670, -1501, -1366, -1236, -1110, -991.5,
               -877.5, -765, -668, -572, -481, -390, -310, -224, -139, -79, -39, 0)
#: Planned length in days (DAYS_CREDIT_ENDDATE - DAYS_CREDIT) of consumer credits and of cards.
CONSUMER_TERM = (0, 16, 60, 92, 151, 182, 184, 212, 266, 304, 326, 364, 365, 366, 455.6, 578, 731, 912, 1096,
                 1461, 1826, 1826, 1827, 1827, 32160)
CARD_TERM = (30, 30, 60, 197, 365, 667, 755, 1071, 1096, 1101, 1118, 1267, 1354, 1461, 1765, 1827, 1851, 2200,
             4940, 10960, 28280, 31600, 32440, 33470, 33980)
#: Share of the amount still owed on active credits.
ACTIVE_DEBT_SHARE = (0, 0, 0, 0, 0, 0, 0.07175, 0.2033, 0.3263, 0.4301, 0.5219, 0.5933, 0.6655, 0.7301,
                     0.7827, 0.8336, 0.8746, 0.9087, 0.9385, 0.9627, 0.9928, 1.007, 1.043, 1.38, 2.0)
AMOUNT = (0, 0, 0, 11780, 22500, 31630, 43700, 52160, 66450, 76500, 90000, 107000, 127700, 144000, 180000,
          225000, 251000, 319500, 450000, 540000, 810000, 1350000, 2250000, 3699000, 23620000)
#: Median planned length in days of the other credit types; the spread is lognormal.
_TERM_DAYS = {"Car loan": 1300.0, "Mortgage": 5000.0, "Microloan": 45.0}
#: Share of late statuses among monthly statuses of a client of average risk, and how the late
#: months split between statuses 1-5 (status 5 = written off stays long).
_LATE_MONTHS = 0.008
_LATE_LEVELS = {"1": 0.66, "2": 0.07, "3": 0.046, "4": 0.008, "5": 0.216}


def bureau_columns(rng: np.random.Generator, client_ids: np.ndarray, counts: np.ndarray,
                   risk: np.ndarray, first_id: int) -> Columns:
    """Draw the bureau credits of the clients.

    Parameters
    ----------
    rng : np.random.Generator
    client_ids : np.ndarray, shape (n,)
        SK_ID_CURR of each client.
    counts : np.ndarray of int, shape (n,)
        Number of bureau credits of each client.
    risk : np.ndarray of float, shape (n,)
        Latent history risk of each client (standard normal, higher = riskier).
    first_id : int
        SK_ID_BUREAU of the first credit; the others follow consecutively.

    Returns
    -------
    Columns
        The bureau table, credits of a client on consecutive rows.
    """
    owner, _ = group_positions(counts)
    m = len(owner)
    r = risk[owner]
    cols: Columns = {"SK_ID_CURR": client_ids[owner], "SK_ID_BUREAU": first_id + np.arange(m)}
    kind = category(rng, _BUREAU.column("CREDIT_TYPE"), CREDIT_TYPE, m)
    cols["CREDIT_TYPE"] = kind
    cols["CREDIT_CURRENCY"] = category(rng, _BUREAU.column("CREDIT_CURRENCY"), CURRENCY, m)
    opened = np.round(from_quantiles(rng.random(m), DAYS_CREDIT))
    term = _median_term(kind) * np.exp(0.7 * rng.standard_normal(m))
    consumer = kind == codes_of(_BUREAU.column("CREDIT_TYPE"), ["Consumer credit"])[0]
    card = kind == codes_of(_BUREAU.column("CREDIT_TYPE"), ["Credit card"])[0]
    term = np.where(consumer, from_quantiles(rng.random(m), CONSUMER_TERM), term)
    term = np.where(card, from_quantiles(rng.random(m), CARD_TERM), term)
    planned_end = np.round(opened + term)
    # A credit whose planned end has passed is mostly closed, some are still running (late or renewed).
    closed = np.where(planned_end < 0, rng.random(m) < 0.88 - 0.1 * np.tanh(r), rng.random(m) < 0.1)
    sold = rng.random(m) < 0.0045 * np.exp(0.5 * r)
    bad_debt = rng.random(m) < 0.00002 * np.exp(r)
    # Codes of Closed, Active, Sold, Bad debt.
    status = np.where(bad_debt, 3, np.where(sold, 2, np.where(closed, 0, 1)))
    active = status == 1
    cols["CREDIT_ACTIVE"] = status.astype(np.int16)
    cols["DAYS_CREDIT"] = opened
    cols["DAYS_CREDIT_ENDDATE"] = np.where(rng.random(m) < np.where(card, 0.2, 0.02), np.nan, planned_end)
    early = rng.random(m) * np.clip(planned_end - opened, 0, None) * (rng.random(m) < 0.4)
    ended = np.clip(np.minimum(planned_end, -1) - early, opened, 0)
    cols["DAYS_ENDDATE_FACT"] = np.where(active, np.nan, np.round(ended))
    updated = np.where(active, -3 - np.floor(rng.exponential(30, m)),
                       ended + np.floor(rng.exponential(20, m)))
    cols["DAYS_CREDIT_UPDATE"] = np.clip(np.round(updated), opened, 0)
    _amounts(rng, r, active, card, term, cols)
    return cols


def _median_term(kind: np.ndarray) -> np.ndarray:
    lookup = np.full(len(_BUREAU.column("CREDIT_TYPE").categories), 700.0)
    for name, days in _TERM_DAYS.items():
        lookup[codes_of(_BUREAU.column("CREDIT_TYPE"), [name])[0]] = days
    return lookup[kind]


def _amounts(rng: np.random.Generator, r: np.ndarray, active: np.ndarray, card: np.ndarray,
             term: np.ndarray, cols: Columns) -> None:
    m = len(r)
    amount = from_quantiles(rng.random(m), AMOUNT)
    amount = np.where(rng.random(m) < 0.5, round_to(amount, 4500.0), round_to(amount, 0.5))
    cols["AMT_CREDIT_SUM"] = amount
    used = np.clip(from_quantiles(rng.random(m), ACTIVE_DEBT_SHARE) + 0.1 * r, 0, 2)
    debt = np.where(active, round_to(amount * used, 0.005), 0.0)
    cols["AMT_CREDIT_SUM_DEBT"] = np.where(rng.random(m) < 0.14, np.nan, debt)
    available = round_to(np.clip(amount - debt, 0, None), 0.005)
    limit = np.where(card & active & (rng.random(m) < 0.5), available, 0.0)
    cols["AMT_CREDIT_SUM_LIMIT"] = np.where(rng.random(m) < 0.37, np.nan, limit)
    overdue = active & (rng.random(m) < 0.006 * np.exp(0.9 * r))
    cols["CREDIT_DAY_OVERDUE"] = np.where(overdue, np.ceil(np.exp(3.2 + 1.5 * rng.standard_normal(m))), 0.0)
    overdue_amount = round_to(debt * rng.uniform(0.01, 0.3, m), 0.005)
    cols["AMT_CREDIT_SUM_OVERDUE"] = np.where(overdue & (rng.random(m) < 0.7), overdue_amount, 0.0)
    ever_late = rng.random(m) < np.clip(0.16 * np.exp(0.7 * r), 0, 1)
    max_overdue = round_to(np.exp(8.5 + 1.5 * rng.standard_normal(m)), 0.005)
    max_overdue = np.where(ever_late, max_overdue, 0.0)
    cols["AMT_CREDIT_MAX_OVERDUE"] = np.where(rng.random(m) < 0.678, np.nan, max_overdue)
    prolonged = rng.random(m) < 0.004
    cols["CNT_CREDIT_PROLONG"] = np.where(prolonged, 1.0 + (rng.random(m) < 0.15), 0.0)
    monthly = round_to(amount / np.clip(term / _MONTH, 1, None), 0.005)
    annuity = np.where(rng.random(m) < 0.56, 0.0, monthly)
    cols["AMT_ANNUITY"] = np.where(rng.random(m) < 0.57, np.nan, annuity)


def bureau_balance_columns(rng: np.random.Generator, bureau: Columns, risk_of_credit: np.ndarray,
                           coverage: float) -> Columns:
    """Draw the monthly statuses of a share `coverage` of the bureau credits.

    Parameters
    ----------
    rng : np.random.Generator
    bureau : Columns
        The bureau table from `bureau_columns`.
    risk_of_credit : np.ndarray of float, shape (len(bureau rows),)
        Latent history risk of each credit's client.
    coverage : float
        Share of credits that have monthly rows.

    Returns
    -------
    Columns
        The bureau_balance table: for each covered credit, months 0, -1, ... back to the month the
        credit was opened.
    """
    covered = np.flatnonzero(rng.random(len(bureau["SK_ID_BUREAU"])) < coverage)
    first_month = np.floor(bureau["DAYS_CREDIT"][covered] / _MONTH)
    counts = (1 - first_month).astype(np.int64)
    owner, position = group_positions(counts)
    credit = covered[owner]
    month = -position.astype(np.float64)
    n = len(owner)
    ended = bureau["DAYS_ENDDATE_FACT"][credit]
    closed_since = np.where(np.isnan(ended), 1.0, np.floor(ended / _MONTH))
    # Unknown ("X") months: the oldest part of a credit's history for some credits, all of it for a few.
    unknown_share = np.where(rng.random(len(covered)) < 0.55, rng.random(len(covered)) ** 0.7, 0.0)
    unknown_share = np.where(rng.random(len(covered)) < 0.1, 1.0, unknown_share)
    unknown_before = first_month + unknown_share * counts
    levels = _BALANCE.column("STATUS")
    late_codes = codes_of(levels, list(_LATE_LEVELS))
    late_probs = np.cumsum(list(_LATE_LEVELS.values()))
    late = rng.random(n) < _LATE_MONTHS * np.exp(1.1 * risk_of_credit[credit] - 0.6)
    late_status = late_codes[np.minimum(np.searchsorted(late_probs, rng.random(n)), len(late_codes) - 1)]
    c, x, zero = codes_of(levels, ["C", "X", "0"])
    status = np.where(month >= closed_since, c,
                      np.where(month < unknown_before[owner], x, np.where(late, late_status, zero)))
    return {"SK_ID_BUREAU": bureau["SK_ID_BUREAU"][credit], "MONTHS_BALANCE": month,
            "STATUS": status.astype(np.int16)}
