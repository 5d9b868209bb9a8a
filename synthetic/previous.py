"""Synthetic previous_application rows: the clients' earlier applications at Home Credit.

The contract type decides most other columns, as in the real file: consumer loans (point of sale:
goods category, seller, down payment), cash loans (purpose, cross-sell or walk-in; a cancelled cash
application is an empty offer with zero amounts) and revolving loans (cards: no term, a limit that
is a round figure). Refusals grow with the client's latent risk. Approved loans get a consistent
calendar: first due date about a month after the decision, last due date term months later, the
365243 placeholder for dates that have not happened (and DAYS_FIRST_DRAWING of instalment loans).
"""

from __future__ import annotations

import numpy as np

from features.schema import DAYS_SENTINEL, table
from synthetic.draws import Columns, category, codes_of, from_quantiles, group_positions, round_to

__all__ = ["APPROVED", "CASH", "CONSUMER", "REVOLVING", "previous_columns"]

_PREV = table("previous_application")
CONSUMER, CASH, REVOLVING, _XNA = codes_of(_PREV.column("NAME_CONTRACT_TYPE"),
                                           ["Consumer loans", "Cash loans", "Revolving loans", "XNA"])
APPROVED, CANCELED, REFUSED, UNUSED = codes_of(_PREV.column("NAME_CONTRACT_STATUS"),
                                               ["Approved", "Canceled", "Refused", "Unused offer"])
CONTRACT_TYPE = {"Consumer loans": 0.4685, "Cash loans": 0.417, "Revolving loans": 0.1143, "XNA": 0.0002}
#: Status frequencies (Approved, Canceled, Refused, Unused offer) by contract type, in code order of
#: the contract type levels (Consumer, Cash, Revolving, XNA).
_STATUS_BY_TYPE = np.array([
    [0.852, 0.003, 0.108, 0.037],
    [0.4271, 0.3362, 0.236, 0.0007],
    [0.63, 0.15, 0.22, 0.0],
    [0.0, 1.0, 0.0, 0.0],
])[np.argsort([CONSUMER, CASH, REVOLVING, _XNA])]
#: Goods price of consumer loans and amount asked for on cash loans.
CONSUMER_GOODS = (9664, 15300, 17600, 20360, 24750, 29250, 34160, 38630, 44500, 50450, 57100, 63000, 69750,
                  77170, 85460, 93230, 103400, 114900, 128300, 146200, 175000, 237100, 309300, 453000,
                  2448000)
CASH_AMOUNT = (45000, 45000, 45000, 67500, 90000, 90000, 131400, 135000, 165600, 193500, 225000, 229500,
               270000, 315000, 389700, 450000, 463500, 607500, 675000, 900000, 1125000, 1242000, 1374000,
               1800000, 2925000)
SELLER_AREA = (0, 0, 5, 11, 20, 24, 30, 35, 41, 50, 58, 75, 100, 135, 150, 234.6, 380.8, 700, 1100, 1552,
               2020, 2788, 3415, 5000, 12000)
DAYS_DECISION = (-2920, -2832, -2720, -2584, -2330, -2080, -1820, -1348, -1150, -980, -840, -710, -600,
                 -530, -465, -405, -348, -294, -245, -197, -150, -97, -55, -18, -2)
#: Loan terms in months and their frequencies.
_TERMS = {
    "consumer": {4: 0.036, 6: 0.223, 8: 0.042, 10: 0.207, 12: 0.323, 14: 0.009, 16: 0.01, 18: 0.039,
                 24: 0.09, 30: 0.001, 36: 0.006},
    "cash": {6: 0.063, 10: 0.005, 12: 0.218, 18: 0.128, 24: 0.178, 30: 0.032, 36: 0.142, 42: 0.013,
             48: 0.102, 54: 0.005, 60: 0.109},
}
_GOODS = {"Mobile": 0.1391, "Consumer Electronics": 0.0854, "Computers": 0.066, "Audio/Video": 0.0647,
          "Furniture": 0.0355, "Construction Materials": 0.0174, "Photo / Cinema Equipment": 0.0146,
          "Clothing and Accessories": 0.0132, "Auto Accessories": 0.0046, "Homewares": 0.0031,
          "Sport and Leisure": 0.0024, "Office Appliances": 0.0024, "Medical Supplies": 0.0023,
          "Jewelry": 0.0021, "Gardening": 0.0018, "Other": 0.0016, "Medicine": 0.0015, "Vehicles": 0.0015,
          "Tourism": 0.0008, "Education": 0.0004, "Direct Sales": 0.0004, "Fitness": 0.0004,
          "Insurance": 0.0001, "Additional Service": 0.0001, "Weapon": 0.00005, "House Construction": 0.00002,
          "Animals": 0.00001}
_SELLER = {"Consumer electronics": 0.5, "Connectivity": 0.33, "Furniture": 0.07, "Construction": 0.037,
           "Clothing": 0.025, "Industry": 0.021, "Auto technology": 0.006, "Jewelry": 0.002,
           "MLM partners": 0.002, "Tourism": 0.0002}
_PURPOSE = {"XNA": 0.9, "Repairs": 0.034, "Other": 0.02, "Urgent needs": 0.015, "Everyday expenses": 0.0046,
            "Education": 0.0038, "Buying a used car": 0.0034, "Medicine": 0.0031,
            "Payments on other loans": 0.0031, "Building a house or an annex": 0.0029, "Journey": 0.0029,
            "Purchase of electronic equipment": 0.0017, "Buying a new car": 0.0017,
            "Buying a holiday home / land": 0.0017, "Car repairs": 0.0012, "Wedding / gift / holiday": 0.0012,
            "Furniture": 0.001, "Buying a home": 0.0007, "Business development": 0.0005,
            "Buying a garage": 0.0002, "Hobby": 0.0002, "Gasification / water supply": 0.0002,
            "Money for a third person": 0.0001, "Refusal to name the goal": 0.0001}
_YIELD = {"middle": 0.335, "high": 0.31, "low_normal": 0.272, "low_action": 0.083}
_SUITE = {"Unaccompanied": 0.5949, "Family": 0.2512, "Spouse, partner": 0.079, "Children": 0.0394,
          "Other_B": 0.0221, "Other_A": 0.0105, "Group of people": 0.0029}
_WEEKDAY = {"MONDAY": 0.1478, "TUESDAY": 0.1462, "WEDNESDAY": 0.1523, "THURSDAY": 0.1482, "FRIDAY": 0.1582,
            "SATURDAY": 0.1443, "SUNDAY": 0.103}
_PAYMENT = {"Cash through the bank": 0.975, "Non-cash from your account": 0.022,
            "Cashless from the account of the employer": 0.003}
_REJECT = {"HC": 0.595, "LIMIT": 0.198, "SCO": 0.136, "SCOFR": 0.041, "XNA": 0.02, "VERIF": 0.01}
_CONSUMER_CHANNEL = {"Country-wide": 0.585, "Stone": 0.283, "Regional / Local": 0.13, "Car dealer": 0.002}
_CASH_CHANNEL = {"Credit and cash offices": 0.835, "Country-wide": 0.063, "AP+ (Cash loan)": 0.06,
                 "Contact center": 0.021, "Channel of corporate sales": 0.01, "Regional / Local": 0.007,
                 "Stone": 0.004}


def previous_columns(rng: np.random.Generator, client_ids: np.ndarray, counts: np.ndarray,
                     risk: np.ndarray, first_id: int) -> Columns:
    """Draw the previous applications of the clients.

    Parameters
    ----------
    rng : np.random.Generator
    client_ids : np.ndarray, shape (n,)
        SK_ID_CURR of each client.
    counts : np.ndarray of int, shape (n,)
        Number of previous applications of each client.
    risk : np.ndarray of float, shape (n,)
        Latent risk each client showed Home Credit (standard normal, higher = riskier).
    first_id : int
        Smallest SK_ID_PREV; the ids of these rows are a shuffle of the next ``counts.sum()``.

    Returns
    -------
    Columns
        The previous_application table, applications of a client on consecutive rows.
    """
    owner, _ = group_positions(counts)
    m = len(owner)
    cols: Columns = {"SK_ID_PREV": first_id + rng.permutation(m), "SK_ID_CURR": client_ids[owner]}
    kind = category(rng, _PREV.column("NAME_CONTRACT_TYPE"), CONTRACT_TYPE, m)
    probs = _STATUS_BY_TYPE[kind].copy()
    # Riskier clients are refused more often; -0.33 keeps the average refusal rate.
    probs[:, REFUSED] *= np.exp(0.9 * risk[owner] - 0.33)
    cumulative = np.cumsum(probs, axis=1) / probs.sum(axis=1, keepdims=True)
    status = (rng.random(m)[:, None] > cumulative).sum(axis=1).clip(max=3).astype(np.int16)
    cols["NAME_CONTRACT_TYPE"] = kind
    cols["NAME_CONTRACT_STATUS"] = status
    # Approved loans are older than the others (median 850 against 320 days in the real file).
    timing = rng.random(m) ** np.where(status == APPROVED, 1.3, 0.6)
    cols["DAYS_DECISION"] = np.round(from_quantiles(timing, DAYS_DECISION))
    _amounts(rng, kind, status, cols)
    _calendar(rng, kind, status, cols)
    _descriptors(rng, kind, status, cols)
    cols["NAME_CLIENT_TYPE"] = _client_type(rng, cols["DAYS_DECISION"], counts)
    return cols


def _client_type(rng: np.random.Generator, decision: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """A client is "New" at their first application, then mostly a "Repeater", sometimes "Refreshed"."""
    m = len(decision)
    starts = (np.cumsum(counts) - counts)[counts > 0]
    first_decision = np.minimum.reduceat(decision, starts) if m else decision
    first = decision == np.repeat(first_decision, counts[counts > 0])
    later = np.where(rng.random(m) < 0.1, _level("NAME_CLIENT_TYPE", "Refreshed"),
                     _level("NAME_CLIENT_TYPE", "Repeater"))
    kind = np.where(first & (rng.random(m) < 0.93), _level("NAME_CLIENT_TYPE", "New"), later)
    return np.where(rng.random(m) < 0.001, _level("NAME_CLIENT_TYPE", "XNA"), kind).astype(np.int16)


def _cat(rng: np.random.Generator, name: str, weights: dict, size: int) -> np.ndarray:
    return category(rng, _PREV.column(name), weights, size)


def _level(name: str, level: str) -> int:
    return int(codes_of(_PREV.column(name), [level])[0])


def _term(rng: np.random.Generator, which: str, size: int) -> np.ndarray:
    terms = np.array(list(_TERMS[which]), dtype=np.float64)
    probs = np.array(list(_TERMS[which].values()))
    return rng.choice(terms, size=size, p=probs / probs.sum())


def _amounts(rng: np.random.Generator, kind: np.ndarray, status: np.ndarray, cols: Columns) -> None:
    m = len(kind)
    consumer, cash, revolving = kind == CONSUMER, kind == CASH, kind == REVOLVING
    # A cancelled cash application, and every XNA one, is an empty offer: zero amounts, no term.
    empty = (cash & (status == CANCELED)) | (kind == _XNA)
    goods = np.where(consumer, round_to(from_quantiles(rng.random(m), CONSUMER_GOODS), 0.005),
                     round_to(from_quantiles(rng.random(m), CASH_AMOUNT), 4500.0))
    goods = np.where(revolving, np.maximum(round_to(goods / 2, 22500.0), 22500.0), goods)
    card_instalment = goods * 0.05
    goods = np.where(empty | (revolving & (rng.random(m) < 0.3)), 0.0, goods)
    down = np.where(rng.random(m) < 0.45, 0.0, round_to(goods * rng.beta(1.2, 7, m), 0.005))
    down = np.where(consumer, down, np.where(cash & (rng.random(m) < 0.11), 0.0, np.nan))
    insured = rng.random(m) < np.where(cash, 0.7, 0.25)
    markup = np.where(insured, rng.uniform(1.03, 1.25, m), 1.0)
    credit = round_to((goods - np.nan_to_num(down)) * np.where(revolving, 1.0, markup), 0.5)
    months = np.where(consumer, _term(rng, "consumer", m), _term(rng, "cash", m))
    months = np.where(revolving, 0.0, months)
    rate = rng.uniform(0.008, 0.035, m)
    instalment = np.where(revolving, card_instalment,
                          credit * rate / (1 - (1 + rate) ** -np.maximum(months, 1)))
    unknown = empty | (status == UNUSED)
    cols["AMT_APPLICATION"] = goods
    cols["AMT_CREDIT"] = np.where(status == UNUSED, goods, credit)
    cols["AMT_DOWN_PAYMENT"] = down
    cols["RATE_DOWN_PAYMENT"] = np.where(goods > 0, np.round(np.nan_to_num(down) / np.maximum(goods, 1), 6),
                                         0.0)
    cols["RATE_DOWN_PAYMENT"] = np.where(np.isnan(down), np.nan, cols["RATE_DOWN_PAYMENT"])
    cols["AMT_GOODS_PRICE"] = np.where(empty | (revolving & (rng.random(m) < 0.4)), np.nan, goods)
    cols["AMT_ANNUITY"] = np.where(unknown, np.nan, round_to(instalment, 0.005))
    cols["CNT_PAYMENT"] = np.where(unknown, np.nan, months)
    rare = rng.random(m) < 0.0037
    cols["RATE_INTEREST_PRIMARY"] = np.where(rare, np.round(rng.uniform(0.14, 0.3, m), 6), np.nan)
    cols["RATE_INTEREST_PRIVILEGED"] = np.where(rare, np.round(rng.uniform(0.57, 0.87, m), 6), np.nan)


def _calendar(rng: np.random.Generator, kind: np.ndarray, status: np.ndarray, cols: Columns) -> None:
    """Due dates of approved loans; every date missing for the others."""
    m = len(kind)
    revolving = kind == REVOLVING
    decision = cols["DAYS_DECISION"]
    months = np.nan_to_num(cols["CNT_PAYMENT"])
    first_due = decision + np.round(rng.uniform(20, 45, m))
    last_due_planned = first_due + 30 * np.maximum(months - 1, 0)
    last_due_planned = np.where(revolving, first_due + np.round(rng.uniform(300, 1000, m)), last_due_planned)
    # Long loans are often repaid early.
    repaid_early = rng.random(m) < 0.15 + 0.6 * np.minimum(months, 60) / 60
    early_end = first_due + np.floor(rng.random(m) * (last_due_planned - first_due))
    last_due = np.where(repaid_early, early_end, last_due_planned)
    last_due = np.where((last_due < 0) & ~(revolving & (rng.random(m) < 0.7)), last_due, DAYS_SENTINEL)
    settled = last_due + np.round(rng.uniform(0, 10, m))
    termination = np.where(last_due == DAYS_SENTINEL, DAYS_SENTINEL, settled)
    drawing = np.where(revolving & (rng.random(m) < 0.65), decision + np.round(rng.uniform(0, 90, m)),
                       DAYS_SENTINEL)
    first_due = np.where(revolving & (rng.random(m) < 0.36), DAYS_SENTINEL, first_due)
    dated = (status == APPROVED) & (rng.random(m) >= 0.04)
    for name, values in (("DAYS_FIRST_DRAWING", drawing), ("DAYS_FIRST_DUE", first_due),
                         ("DAYS_LAST_DUE_1ST_VERSION", last_due_planned), ("DAYS_LAST_DUE", last_due),
                         ("DAYS_TERMINATION", termination)):
        cols[name] = np.where(dated, values, np.nan)
    insured = rng.random(m) < np.where(kind == CASH, 0.83, np.where(kind == CONSUMER, 0.17, 0.05))
    cols["NFLAG_INSURED_ON_APPROVAL"] = np.where(dated, insured.astype(np.float64), np.nan)


def _descriptors(rng: np.random.Generator, kind: np.ndarray, status: np.ndarray, cols: Columns) -> None:
    """Category columns, conditional on the contract type as in the real file."""
    m = len(kind)
    consumer, cash, revolving = kind == CONSUMER, kind == CASH, kind == REVOLVING
    empty = np.isnan(cols["CNT_PAYMENT"]) & ~revolving & (status != UNUSED)

    def xna_unless(mask: np.ndarray, name: str, drawn: np.ndarray, fallback: str = "XNA") -> np.ndarray:
        return np.where(mask, drawn, _level(name, fallback)).astype(np.int16)

    cols["WEEKDAY_APPR_PROCESS_START"] = _cat(rng, "WEEKDAY_APPR_PROCESS_START", _WEEKDAY, m)
    cols["HOUR_APPR_PROCESS_START"] = np.clip(np.round(12.5 + 3.3 * rng.standard_normal(m)), 0, 23)
    cols["FLAG_LAST_APPL_PER_CONTRACT"] = (rng.random(m) >= 0.0043).astype(np.int16)
    cols["NFLAG_LAST_APPL_IN_DAY"] = (rng.random(m) >= 0.003).astype(np.float64)
    purpose = _cat(rng, "NAME_CASH_LOAN_PURPOSE", _PURPOSE, m)
    cols["NAME_CASH_LOAN_PURPOSE"] = xna_unless(cash, "NAME_CASH_LOAN_PURPOSE", purpose, "XAP")
    cols["NAME_PAYMENT_TYPE"] = xna_unless(~empty & (status != REFUSED) & (rng.random(m) < 0.93),
                                           "NAME_PAYMENT_TYPE", _cat(rng, "NAME_PAYMENT_TYPE", _PAYMENT, m))
    reject = _cat(rng, "CODE_REJECT_REASON", _REJECT, m)
    cols["CODE_REJECT_REASON"] = np.where(
        status == REFUSED, reject, np.where(status == UNUSED, _level("CODE_REJECT_REASON", "CLIENT"),
                                            _level("CODE_REJECT_REASON", "XAP"))).astype(np.int16)
    suite = _cat(rng, "NAME_TYPE_SUITE", _SUITE, m)
    cols["NAME_TYPE_SUITE"] = np.where(rng.random(m) < 0.485, -1, suite).astype(np.int16)
    cols["NAME_GOODS_CATEGORY"] = xna_unless(consumer & (rng.random(m) < 0.984), "NAME_GOODS_CATEGORY",
                                             _cat(rng, "NAME_GOODS_CATEGORY", _GOODS, m))
    portfolio = np.select([consumer, cash, revolving],
                          [_level("NAME_PORTFOLIO", "POS"), _level("NAME_PORTFOLIO", "Cash"),
                           _level("NAME_PORTFOLIO", "Cards")], _level("NAME_PORTFOLIO", "XNA"))
    cols["NAME_PORTFOLIO"] = np.where(empty | (revolving & (status == CANCELED)),
                                      _level("NAME_PORTFOLIO", "XNA"), portfolio).astype(np.int16)
    cross_sell = rng.random(m) < np.where(cash, 0.77, 0.62)
    product = np.where(cross_sell, _level("NAME_PRODUCT_TYPE", "x-sell"),
                       _level("NAME_PRODUCT_TYPE", "walk-in"))
    cols["NAME_PRODUCT_TYPE"] = xna_unless((cash & ~empty) | (revolving & (rng.random(m) < 0.75)),
                                           "NAME_PRODUCT_TYPE", product)
    channel = np.where(consumer, _cat(rng, "CHANNEL_TYPE", _CONSUMER_CHANNEL, m),
                       _cat(rng, "CHANNEL_TYPE", _CASH_CHANNEL, m))
    cols["CHANNEL_TYPE"] = channel.astype(np.int16)
    seller_area = np.round(from_quantiles(rng.random(m), SELLER_AREA))
    cols["SELLERPLACE_AREA"] = np.where(consumer, seller_area, -1.0)
    cols["NAME_SELLER_INDUSTRY"] = xna_unless(consumer & (rng.random(m) < 0.95), "NAME_SELLER_INDUSTRY",
                                              _cat(rng, "NAME_SELLER_INDUSTRY", _SELLER, m))
    yield_group = _cat(rng, "NAME_YIELD_GROUP", _YIELD, m)
    cols["NAME_YIELD_GROUP"] = xna_unless((consumer | cash) & ~empty, "NAME_YIELD_GROUP", yield_group)
    cols["PRODUCT_COMBINATION"] = _product_combination(rng, kind, empty, cross_sell, cols)


def _product_combination(rng: np.random.Generator, kind: np.ndarray, empty: np.ndarray,
                         cross_sell: np.ndarray, cols: Columns) -> np.ndarray:
    """The product follows the contract type, the yield band and cross-sell (as named by Home Credit)."""
    m = len(kind)
    band = cols["NAME_YIELD_GROUP"]
    high, middle, action = (band == _level("NAME_YIELD_GROUP", level)
                            for level in ("high", "middle", "low_action"))
    band_index = np.where(high, 0, np.where(middle, 1, 2))
    cash = _product_codes([["Cash Street: high", "Cash Street: middle", "Cash Street: low"],
                           ["Cash X-Sell: high", "Cash X-Sell: middle", "Cash X-Sell: low"]])
    pos = _product_codes([["POS household with interest", "POS household without interest"],
                          ["POS mobile with interest", "POS mobile without interest"],
                          ["POS industry with interest", "POS industry without interest"],
                          ["POS other with interest", "POS others without interest"]])
    card = _product_codes([["Card Street", "Card X-Sell"]])[0]
    goods_kind = np.searchsorted([0.47, 0.83, 0.97], rng.random(m))
    return np.select([empty, kind == CONSUMER, kind == CASH, kind == REVOLVING],
                     [_level("PRODUCT_COMBINATION", "Cash"), pos[goods_kind, action.astype(int)],
                      cash[cross_sell.astype(int), band_index], card[cross_sell.astype(int)]],
                     -1).astype(np.int16)


def _product_codes(names: list[list[str]]) -> np.ndarray:
    return np.array([codes_of(_PREV.column("PRODUCT_COMBINATION"), row) for row in names])
