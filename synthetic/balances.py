"""Synthetic monthly and payment tables of earlier Home Credit loans.

- POS_CASH_balance: one row per month of each approved consumer or cash loan, from the month of the
  decision until the loan is paid off or the application month; CNT_INSTALMENT_FUTURE counts down.
- installments_payments: one row per instalment due before the application (version 0 = card), its
  payment mostly on time and in full, sometimes late or short, sometimes in two parts.
- credit_card_balance: one row per month of each approved revolving loan.

Days past due, late and short payments and card utilisation grow with the client's latent history
risk. Months are limited to the 96 months before the application, as in the real files.
"""

from __future__ import annotations

import numpy as np

from features.schema import DAYS_SENTINEL, table
from synthetic.draws import Columns, codes_of, from_quantiles, group_positions, round_to
from synthetic.previous import APPROVED, CASH, CONSUMER, REVOLVING

__all__ = ["credit_card_columns", "installments_columns", "pos_cash_columns"]

_MONTH = 30.4375
_OLDEST_MONTH = -96
_OLDEST_DAY = -2922
_POS = table("POS_CASH_balance")
#: AMT_PAYMENT_CURRENT / AMT_INST_MIN_REGULARITY of card months (quantiles).
PAYMENT_TO_MINIMUM = (0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1.017, 1.042, 1.096, 1.164, 1.28, 1.37, 1.6, 2, 2.203, 3,
                      5.474, 17.2, 20, 20, 20)
_CARD = table("credit_card_balance")


def _instalment_loans(previous: Columns) -> np.ndarray:
    """Rows of approved consumer/cash loans with a payment calendar."""
    return np.flatnonzero((previous["NAME_CONTRACT_STATUS"] == APPROVED)
                          & np.isin(previous["NAME_CONTRACT_TYPE"], [CONSUMER, CASH])
                          & (previous["CNT_PAYMENT"] > 0) & ~np.isnan(previous["DAYS_FIRST_DUE"])
                          & (previous["DAYS_FIRST_DUE"] != DAYS_SENTINEL))


def _end_of_payments(previous: Columns, loans: np.ndarray) -> np.ndarray:
    """Day of the last payment of each loan (DAYS_LAST_DUE), or 0 when it is still running."""
    last_due = previous["DAYS_LAST_DUE"][loans]
    return np.where(np.isnan(last_due) | (last_due == DAYS_SENTINEL), 0, last_due)


def pos_cash_columns(rng: np.random.Generator, previous: Columns, risk: np.ndarray) -> Columns:
    """Draw the monthly POS/cash loan snapshots.

    Parameters
    ----------
    rng : np.random.Generator
    previous : Columns
        The previous_application table.
    risk : np.ndarray of float, shape (len(previous rows),)
        Latent history risk of each previous application's client.

    Returns
    -------
    Columns
        POS_CASH_balance: for each loan, its months from the latest back to the first.
    """
    loans = _instalment_loans(previous)
    term = previous["CNT_PAYMENT"][loans]
    start = np.floor(previous["DAYS_FIRST_DUE"][loans] / _MONTH)
    # The month it is paid off (a "Completed" row; early for loans repaid early), or the latest month.
    paid_off = np.floor(_end_of_payments(previous, loans) / _MONTH)
    last = np.minimum(np.minimum(start + term, paid_off), -1)
    first = np.maximum(start, _OLDEST_MONTH)
    counts = np.maximum(last - first + 1, 0).astype(np.int64)
    owner, position = group_positions(counts)
    n = len(owner)
    loan = loans[owner]
    month = last[owner] - position
    future = np.maximum(term[owner] - (month - start[owner]), 0)
    future = np.where(month == paid_off[owner], 0, future)
    levels = _POS.column("NAME_CONTRACT_STATUS")
    active, completed, signed = codes_of(levels, ["Active", "Completed", "Signed"])
    status = np.where(future == 0, completed, np.where((month == start[owner]) & (rng.random(n) < 0.3),
                                                       signed, active))
    no_term = rng.random(len(loans))[owner] < 0.0027
    dpd, dpd_def = _days_past_due(rng, owner, counts[owner] - 1 - position, counts, risk[loans], rate=0.17,
                                  mean_months=2.5)
    return {"SK_ID_PREV": previous["SK_ID_PREV"][loan], "SK_ID_CURR": previous["SK_ID_CURR"][loan],
            "MONTHS_BALANCE": month, "CNT_INSTALMENT": np.where(no_term, np.nan, term[owner]),
            "CNT_INSTALMENT_FUTURE": np.where(no_term, np.nan, future),
            "NAME_CONTRACT_STATUS": status.astype(np.int16), "SK_DPD": dpd, "SK_DPD_DEF": dpd_def}


def _days_past_due(rng: np.random.Generator, owner: np.ndarray, age: np.ndarray, counts: np.ndarray,
                   risk: np.ndarray, *, rate: float, mean_months: float) -> tuple[np.ndarray, np.ndarray]:
    """Days past due of monthly rows, as episodes: once late, a loan stays late some months, 30 more
    days past due each month.

    Parameters
    ----------
    rng : np.random.Generator
    owner, age : np.ndarray, shape (n_rows,)
        Loan of each row (index into `counts`/`risk`) and its month number since the loan's first row.
    counts : np.ndarray, shape (n_loans,)
        Months of each loan.
    risk : np.ndarray, shape (n_loans,)
        Latent history risk of each loan's client.
    rate : float
        Share of loans (of a client of average risk) with a late episode.
    mean_months : float
        Average length of an episode.

    Returns
    -------
    SK_DPD, SK_DPD_DEF : np.ndarray of float, shape (n_rows,)
        DEF counts only the larger debts: a third of the episodes.
    """
    loans = len(counts)
    late = rng.random(loans) < np.clip(rate * np.exp(1.1 * risk - 0.6), 0, 1)
    start = np.floor(rng.random(loans) * counts)
    length = rng.geometric(1 / mean_months, loans)
    first_days = np.ceil(rng.random(loans) * 30)
    into = age - start[owner]
    dpd = np.where(late[owner] & (into >= 0) & (into < length[owner]), 30 * into + first_days[owner], 0.0)
    return dpd, np.where((rng.random(loans) < 0.35)[owner], dpd, 0.0)


def installments_columns(rng: np.random.Generator, previous: Columns, risk: np.ndarray) -> Columns:
    """Draw the instalments due on approved loans and cards before the application, and their payments.

    Parameters
    ----------
    rng : np.random.Generator
    previous : Columns
        The previous_application table.
    risk : np.ndarray of float, shape (len(previous rows),)
        Latent history risk of each previous application's client.

    Returns
    -------
    Columns
        installments_payments, one row per payment (an instalment paid in two parts has two rows).
    """
    card = previous["NAME_CONTRACT_TYPE"] == REVOLVING
    first_due = previous["DAYS_FIRST_DUE"]
    # A card without a first due date is billed from the month after its decision.
    first_due = np.where(card & (first_due == DAYS_SENTINEL), previous["DAYS_DECISION"] + 30, first_due)
    dated = ~np.isnan(first_due) & (first_due != DAYS_SENTINEL) & (first_due < 0)
    loans = np.flatnonzero(dated & (previous["NAME_CONTRACT_STATUS"] == APPROVED)
                           & (card | (previous["CNT_PAYMENT"] > 0)))
    due = first_due[loans]
    card = card[loans]
    planned = np.where(card, 96, previous["CNT_PAYMENT"][loans])
    # Instalments due before the application, and the oldest ones cut off at the 8-year window.
    end = np.minimum(_end_of_payments(previous, loans), -1)
    due_before_now = np.minimum(np.floor((end - due) / 30) + 1, planned)
    skipped = np.clip(np.ceil((_OLDEST_DAY - due) / 30), 0, None)
    counts = np.maximum(due_before_now - skipped, 0).astype(np.int64)
    owner, position = group_positions(counts)
    loan = loans[owner]
    number = skipped[owner] + position + 1
    day = due[owner] + 30 * (number - 1)
    n = len(owner)
    annuity = np.nan_to_num(previous["AMT_ANNUITY"][loan])
    amount = np.where(card[owner], round_to(annuity * rng.uniform(0.05, 1.6, n), 0.005), annuity)
    version = np.where(card[owner], 0.0, np.where(rng.random(n) < 0.12, 2.0, 1.0))
    r = risk[loan]
    late = rng.random(n) < np.clip(0.08 * np.exp(0.9 * r - 0.4), 0, 0.9)
    # A quarter of the payments arrive on the due day, most others some days early.
    early = np.where(rng.random(n) < 0.27, 0, -np.ceil(rng.exponential(13, n)))
    delay = np.where(late, np.ceil(rng.exponential(14, n)), early)
    paid_on = day + delay
    short = rng.random(n) < np.clip(0.04 * np.exp(0.9 * r - 0.4), 0, 0.9)
    paid = np.where(short, round_to(amount * rng.uniform(0.05, 0.95, n), 0.005), amount)
    unpaid = paid_on > -1  # due recently and not paid yet at the application
    cols: Columns = {
        "SK_ID_PREV": previous["SK_ID_PREV"][loan], "SK_ID_CURR": previous["SK_ID_CURR"][loan],
        "NUM_INSTALMENT_VERSION": version, "NUM_INSTALMENT_NUMBER": number, "DAYS_INSTALMENT": day,
        "DAYS_ENTRY_PAYMENT": np.where(unpaid, np.nan, paid_on), "AMT_INSTALMENT": amount,
        "AMT_PAYMENT": np.where(unpaid, np.nan, paid),
    }
    return _split_payments(rng, cols)


def _split_payments(rng: np.random.Generator, cols: Columns) -> Columns:
    """Pay some instalments in two parts: two rows, the second a few days after the first."""
    n = len(cols["SK_ID_PREV"])
    split = (rng.random(n) < 0.06) & ~np.isnan(cols["AMT_PAYMENT"])
    rows = np.repeat(np.arange(n), 1 + split)
    second = np.zeros(len(rows), dtype=bool)
    second[1:] = rows[1:] == rows[:-1]
    first_of_split = np.zeros(len(rows), dtype=bool)
    first_of_split[:-1] = second[1:]
    out = {name: values[rows] for name, values in cols.items()}
    share = rng.uniform(0.2, 0.8, len(rows))
    first_part = round_to(out["AMT_PAYMENT"] * share, 0.005)
    # The second part's share is the row above's complement: shift the split amounts down one row.
    remainder = np.roll(out["AMT_PAYMENT"] - first_part, 1)
    out["AMT_PAYMENT"] = np.where(first_of_split, first_part, np.where(second, remainder, out["AMT_PAYMENT"]))
    later = np.minimum(out["DAYS_ENTRY_PAYMENT"] + np.ceil(rng.exponential(6, len(rows))), -1)
    out["DAYS_ENTRY_PAYMENT"] = np.where(second, later, out["DAYS_ENTRY_PAYMENT"])
    return out


def credit_card_columns(rng: np.random.Generator, previous: Columns, risk: np.ndarray) -> Columns:
    """Draw the monthly snapshots of approved revolving loans (cards).

    Parameters
    ----------
    rng : np.random.Generator
    previous : Columns
        The previous_application table.
    risk : np.ndarray of float, shape (len(previous rows),)
        Latent history risk of each previous application's client.

    Returns
    -------
    Columns
        credit_card_balance: for each card, its months from the latest back to the first.
    """
    cards = np.flatnonzero((previous["NAME_CONTRACT_STATUS"] == APPROVED)
                           & (previous["NAME_CONTRACT_TYPE"] == REVOLVING))
    start = np.maximum(np.floor(previous["DAYS_DECISION"][cards] / _MONTH), _OLDEST_MONTH)
    # A third of the cards were closed on the way: a few "Completed" months with nothing owed follow,
    # then the card leaves the file.
    closed_after = np.where(rng.random(len(cards)) < 0.35,
                            np.floor(start + rng.random(len(cards)) * (-1 - start)), 0)
    last = np.minimum(closed_after + 1 + rng.geometric(0.3, len(cards)), -1)
    counts = (last - start + 1).astype(np.int64)
    owner, position = group_positions(counts)
    n = len(owner)
    card = cards[owner]
    month = last[owner] - position
    open_month = month <= closed_after[owner]
    # Half the cards are never used (zero balance); a third of those never even got a limit.
    used = (rng.random(len(cards)) < 0.5)[owner] & open_month
    limit = previous["AMT_CREDIT"][card]
    limit = np.where(limit > 0, limit, 45000.0)
    raised = (position < counts[owner] // 2) & (rng.random(len(cards)) < 0.3)[owner]
    limit = np.where(raised, limit * 2, limit)
    no_limit = ~used & (rng.random(len(cards)) < 0.4)[owner]
    limit = np.where(no_limit, 0.0, limit)
    usage = np.clip(rng.beta(2.5, 1.2, len(cards)) + 0.25 * risk[cards], 0.0, 1.05)[owner]
    balance = np.where(used, round_to(limit * np.clip(usage + 0.06 * rng.standard_normal(n), 0, 1.07), 0.005),
                       0.0)
    drawn = used & (rng.random(n) < 0.35)
    drawings = np.where(drawn, round_to(limit * rng.beta(1, 6, n), 0.005), 0.0)
    atm = np.where(rng.random(n) < 0.45, round_to(drawings, 4500.0), 0.0)
    pos = drawings - atm
    minimum = round_to(balance * 0.05, 0.005)
    payment = round_to(minimum * from_quantiles(rng.random(n), PAYMENT_TO_MINIMUM), 0.005)
    no_detail = rng.random(n) < 0.2145
    no_minimum = rng.random(n) < 0.0747
    count_atm = np.where(atm > 0, 1 + rng.poisson(0.5, n), 0.0)
    count_pos = np.where(pos > 0, 1 + rng.poisson(2, n), 0.0)
    levels = _CARD.column("NAME_CONTRACT_STATUS")
    active, completed, signed = codes_of(levels, ["Active", "Completed", "Signed"])
    status = np.where(~open_month, completed,
                      np.where((position == counts[owner] - 1) & (rng.random(n) < 0.05), signed, active))
    dpd, dpd_def = _days_past_due(rng, owner, counts[owner] - 1 - position, counts, risk[cards], rate=0.55,
                                  mean_months=4.5)

    def detail(values: np.ndarray) -> np.ndarray:
        return np.where(no_detail, np.nan, values)

    return {
        "SK_ID_PREV": previous["SK_ID_PREV"][card], "SK_ID_CURR": previous["SK_ID_CURR"][card],
        "MONTHS_BALANCE": month, "AMT_BALANCE": balance, "AMT_CREDIT_LIMIT_ACTUAL": np.round(limit),
        "AMT_DRAWINGS_ATM_CURRENT": detail(atm), "AMT_DRAWINGS_CURRENT": drawings,
        "AMT_DRAWINGS_OTHER_CURRENT": detail(np.zeros(n)), "AMT_DRAWINGS_POS_CURRENT": detail(pos),
        "AMT_INST_MIN_REGULARITY": np.where(no_minimum, np.nan, minimum),
        "AMT_PAYMENT_CURRENT": np.where(~used & (rng.random(n) < 0.42), np.nan, payment),
        "AMT_PAYMENT_TOTAL_CURRENT": payment, "AMT_RECEIVABLE_PRINCIPAL": round_to(balance * 0.95, 0.005),
        "AMT_RECIVABLE": balance, "AMT_TOTAL_RECEIVABLE": balance,
        "CNT_DRAWINGS_ATM_CURRENT": detail(count_atm), "CNT_DRAWINGS_CURRENT": count_atm + count_pos,
        "CNT_DRAWINGS_OTHER_CURRENT": detail(np.zeros(n)), "CNT_DRAWINGS_POS_CURRENT": detail(count_pos),
        "CNT_INSTALMENT_MATURE_CUM": np.where(no_minimum | no_limit, np.where(no_limit, 0.0, np.nan),
                                              counts[owner] - 1.0 - position),
        "NAME_CONTRACT_STATUS": status.astype(np.int16), "SK_DPD": dpd, "SK_DPD_DEF": dpd_def,
    }
