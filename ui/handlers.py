"""Event handlers of the advisor view: plain functions from component values to component values.

They take an `Advisor` (the scorer, the demo portfolio and the model facts) as first argument and are
bound to it in `ui.app`; tests call them directly, without a browser. A caller's mistake (an unknown
client, a value the service rejects) raises `gr.Error` with the message to show, never a stack trace.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import gradio as gr
import pandas as pd
from matplotlib.figure import Figure

from features.schema import Kind, table
from serving.counteroffer import LOAN_FIELDS, requirement_problems
from serving.reasons import is_protected
from ui import charts, narrative
from ui.formatting import application_table, column_label, history_table, number_text, percent
from ui.model_info import ModelInfo
from ui.portfolio import Portfolio, Record
from ui.text import (
    DAYS_AS_YEARS,
    DAYS_PER_YEAR,
    DECISION_ICON,
    DECISION_WORD,
    FORM_FIELDS,
    PROTECTED_LABEL,
    REFUSED,
    WHAT_IF_FIELDS,
)

__all__ = [
    "COUNTEROFFER_COLUMNS",
    "NEW_APPLICATION",
    "WHAT_IF_COLUMNS",
    "Advisor",
    "ClientView",
    "Comparison",
    "CounterofferView",
    "Counteroffers",
    "Scorer",
    "WhatIfView",
    "compare_feature",
    "compare_scatter",
    "counteroffer",
    "form_record",
    "look_up",
    "number_text",
    "parse_number",
    "score_new_client",
    "show_client",
    "what_if",
]

#: Gives the explain JSON (API contract) of each application record, in order. Raises ValueError
#: naming the field when a record is invalid.
Scorer = Callable[[Sequence[Record]], list[dict[str, Any]]]
#: Gives the counteroffer JSON (API contract, ``POST /counteroffer``) of each record, in order; raises
#: as `Scorer`.
Counteroffers = Callable[[Sequence[Record]], list[dict[str, Any]]]

#: Columns of the what-if side-by-side table.
WHAT_IF_COLUMNS = ("Measure", "Original", "What-if")

#: Columns of the counteroffer table, and its rows' names by what the answer calls them.
COUNTEROFFER_COLUMNS = ("Loan", "Credit", "Annuity", "Goods price", "Default risk", "Decision")
_OFFER_NAMES = {"asked": "As asked", "largest_amount": "Largest amount, same terms",
                "lowest": "Lowest annuity", "highest": "Highest annuity", "best": "Lowest risk reached"}

#: Status-line title of an application typed into the new-client form.
NEW_APPLICATION = "New application (typed in)"

#: SK_ID_CURR given to an application typed into the new-client form (it has no id yet).
NEW_CLIENT_ID = 0

_APPLICATION = table("application_test")


@dataclass(frozen=True)
class Advisor:
    """What the page works with: the service's scorer, the demo portfolio and the model facts.

    `counteroffer` searches what could be lent instead; without it the page offers no counteroffers.
    """

    scorer: Scorer
    portfolio: Portfolio
    model_info: ModelInfo
    counteroffer: Counteroffers | None = None

    def explain(self, record: Record) -> dict[str, Any]:
        """Return the explain item of one record; a rejected record raises `gr.Error`."""
        try:
            return self.scorer([record])[0]
        except ValueError as error:
            raise _user_error(f"The service could not score this application: {_problems(error)}") from error

    def counteroffer_of(self, record: Record) -> dict[str, Any]:
        """Return the counteroffer item of one record; a record that cannot be searched raises `gr.Error`."""
        try:
            return self.counteroffer([record])[0]
        except ValueError as error:
            raise _user_error(f"No counteroffer for this application: {_problems(error)}") from error


def _user_error(message: str) -> gr.Error:
    """Return the error shown to the advisor; it is their input, so the server logs no stack trace."""
    return gr.Error(message, print_exception=False)


def _problems(error: ValueError) -> str:
    """Return a rejection as "field: problem" lines (pydantic's list of errors), else its message."""
    if not callable(getattr(error, "errors", None)):
        return str(error)
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())


class ClientView(NamedTuple):
    """Everything shown for one scored client, in the order of the page's outputs."""

    status: str
    record: Record
    item: dict[str, Any]
    decision: str
    gauge: Figure
    gauge_text: str
    reasons_against: str
    reasons_for: str
    waterfall: Figure
    waterfall_text: str
    application: pd.DataFrame
    history: pd.DataFrame
    what_if_values: tuple[str, ...]


class CounterofferView(NamedTuple):
    """The counteroffer panel: shown for refused clients only, with its sentence, table and chart."""

    panel: gr.Column
    text: str
    table: pd.DataFrame | None
    plot: Figure | None
    plot_text: str


class Comparison(NamedTuple):
    """A comparison chart and its sentence."""

    figure: Figure
    text: str


class WhatIfView(NamedTuple):
    """The what-if result: chart, side-by-side table and sentence."""

    figure: Figure
    table: pd.DataFrame
    text: str


def parse_number(name: str, text: Any) -> float | None:
    """Read a number typed for column `name`: empty means not given; thousands separators allowed.

    Raises
    ------
    gr.Error
        If the text is not a number; the message names the field.
    """
    cleaned = "".join(str(text if text is not None else "").split()).replace(",", "").replace("_", "")
    if not cleaned:
        return None
    try:
        return float(cleaned)
    except ValueError:
        raise _user_error(f"{column_label(name)} ({name}) must be a number, got {text!r}; "
                          "leave it empty when it is not known") from None


def _client_id(typed: Any) -> int:
    text = str(typed if typed is not None else "").strip()
    if not text.isdigit():
        raise _user_error(f"Client id (SK_ID_CURR) must be a whole number, got {text!r}; "
                       "type digits and pick a suggestion")
    return int(text)


def show_client(advisor: Advisor, record: Record, *, title: str) -> ClientView:
    """Score one record and build every view of it.

    Parameters
    ----------
    advisor : Advisor
    record : dict
        The application's API record.
    title : str
        Who the application is, for the status line.
    """
    item = advisor.explain(record)
    info = advisor.model_info
    explained = [c for c in item["contributions"] if not is_protected(c["feature"])]
    aside = sum(c["shap"] for c in item["contributions"]) - sum(c["shap"] for c in explained)
    set_aside = [(PROTECTED_LABEL, aside)] if len(explained) < len(item["contributions"]) else []
    return ClientView(
        status=f"{title} · {DECISION_ICON[item['decision']]} "
               f"{DECISION_WORD[item['decision']]} · model {item['model_version']}",
        record=record,
        item=item,
        decision=narrative.decision_banner(item, threshold_points=info.threshold_points),
        gauge=charts.decision_gauge(item["probability"], item["threshold"]),
        gauge_text=narrative.gauge_sentence(item),
        reasons_against=narrative.reasons_markdown(item["reasons_against"], against=True),
        reasons_for=narrative.reasons_markdown(item["reasons_for"], against=False),
        waterfall=charts.contribution_waterfall(explained, item["base_value"], set_aside=set_aside),
        waterfall_text=narrative.waterfall_sentence(item, explained=explained),
        application=application_table(record),
        history=history_table(record),
        what_if_values=tuple(number_text(record.get(name)) for name in WHAT_IF_FIELDS),
    )


def look_up(advisor: Advisor, typed: Any) -> ClientView:
    """Find a demo client by SK_ID_CURR and show it.

    Raises
    ------
    gr.Error
        If the id is not a number or not in the demo portfolio.
    """
    sk_id = _client_id(typed)
    try:
        record = advisor.portfolio.record(sk_id)
    except KeyError as error:
        raise _user_error(error.args[0]) from error
    return show_client(advisor, record, title=f"Client {sk_id} (demo portfolio)")


def form_record(values: Sequence[Any]) -> Record:
    """Return the API record of an application typed into the new-client form.

    Parameters
    ----------
    values : sequence
        One value per `FORM_FIELDS` column, in order: a level for categories, typed text for numbers
        (years for DAYS_* columns); None or empty when not given.

    Raises
    ------
    gr.Error
        If a number field holds text that is not a number; the message names the field.
    """
    if len(values) != len(FORM_FIELDS):
        raise ValueError(f"the form has {len(FORM_FIELDS)} fields, got {len(values)} values")
    record: Record = {"SK_ID_CURR": NEW_CLIENT_ID}
    for name, value in zip(FORM_FIELDS, values, strict=True):
        if _APPLICATION.column(name).kind is not Kind.NUMBER:
            record[name] = value or None
            continue
        number = parse_number(name, value)
        in_years = number is not None and name in DAYS_AS_YEARS
        record[name] = -round(number * DAYS_PER_YEAR) if in_years else number
    return record


def score_new_client(advisor: Advisor, *values: Any) -> ClientView:
    """Score an application typed into the new-client form and show it."""
    return show_client(advisor, form_record(values), title=NEW_APPLICATION)


def _client_value(item: Mapping[str, Any], feature: str) -> Any:
    for contribution in item["contributions"]:
        if contribution["feature"] == feature:
            return contribution["value"]
    raise _user_error(f"the explanation has no value for feature {feature!r}; score a client first")


def _feature_label(item: Mapping[str, Any], feature: str) -> str:
    for contribution in item["contributions"]:
        if contribution["feature"] == feature:
            return contribution["label"]
    return feature


def compare_feature(advisor: Advisor, feature: str, item: Mapping[str, Any] | None) -> Comparison:
    """Chart one feature's distribution among repaid and defaulted past clients, this client marked."""
    if not item or not feature:
        raise _user_error("Look up a client and pick a feature first")
    stats = advisor.model_info.reference_feature(feature)
    value = _client_value(item, feature)
    label = _feature_label(item, feature)
    if stats["kind"] == "category":
        figure = charts.category_bars(stats["levels"], stats["repaid"], stats["defaulted"], value,
                                      label=label)
    else:
        figure = charts.outcome_histogram(stats["bin_edges"], stats["repaid"], stats["defaulted"], value,
                                          label=label)
    return Comparison(figure, narrative.histogram_sentence(stats, value, label=label))


def compare_scatter(advisor: Advisor, x_feature: str, y_feature: str,
                    item: Mapping[str, Any] | None) -> Comparison:
    """Scatter two numeric features over the reference sample, by outcome, this client highlighted."""
    if not item or not x_feature or not y_feature:
        raise _user_error("Look up a client and pick two features first")
    sample = advisor.model_info.reference["sample"]
    x = [float("nan") if v is None else v for v in sample[x_feature]]
    y = [float("nan") if v is None else v for v in sample[y_feature]]
    client = (_client_value(item, x_feature), _client_value(item, y_feature))
    labels = {"x_label": _feature_label(item, x_feature), "y_label": _feature_label(item, y_feature)}
    return Comparison(charts.outcome_scatter(x, y, sample["TARGET"], client, **labels),
                      narrative.scatter_sentence(x, y, sample["TARGET"], client, **labels))


def what_if(advisor: Advisor, record: Record | None, before: Mapping[str, Any] | None,
            *values: str | None) -> WhatIfView:
    """Score the client's application with the what-if fields changed, beside the original.

    Parameters
    ----------
    record, before : dict
        The client's record and its explain item, as shown.
    *values : str or None
        Typed values of `WHAT_IF_FIELDS`, in order; empty leaves the field missing.
    """
    if not record or not before:
        raise _user_error("Look up a client before trying changes")
    changed = {name: parse_number(name, v) for name, v in zip(WHAT_IF_FIELDS, values, strict=True)}
    after = advisor.explain({**record, **changed})
    changes = [(column_label(n), record.get(n), v) for n, v in changed.items() if record.get(n) != v]
    rows = {
        "Probability of default": (percent(before["probability"]), percent(after["probability"])),
        "Decision": tuple(f"{DECISION_ICON[i['decision']]} {DECISION_WORD[i['decision']]}"
                          for i in (before, after)),
        "Score (points)": (str(before["score"]), str(after["score"])),
    }
    table_ = pd.DataFrame([(k, *v) for k, v in rows.items()], columns=list(WHAT_IF_COLUMNS))
    return WhatIfView(charts.what_if_bars(before, after), table_,
                      narrative.what_if_sentence(before, after, changes))


def counteroffer(advisor: Advisor, record: Record | None, item: Mapping[str, Any] | None) -> CounterofferView:
    """Search what could be lent instead to a refused client; hide the panel for any other.

    Parameters
    ----------
    record, item : dict
        The client's record and its explain item, as shown.

    Raises
    ------
    gr.Error
        If the service rejects the record.
    """
    if not record or not item or item["decision"] != REFUSED or advisor.counteroffer is None:
        return CounterofferView(gr.Column(visible=False), "", None, None, "")
    missing = requirement_problems(record)
    if missing:
        needs = " and ".join(f"{column_label(p.field)} ({p.field})" for p in missing)
        return CounterofferView(gr.Column(visible=True), f"A counteroffer needs the {needs} asked.",
                                None, None, "")
    answer = advisor.counteroffer_of(record)
    curve, amount = answer["amount_curve"], answer["largest_amount"]
    figure = charts.counteroffer_curve(
        [p["AMT_CREDIT"] for p in curve], [p["probability"] for p in curve], answer["threshold"],
        asked=record["AMT_CREDIT"], offer=narrative.offered(amount, record, "AMT_CREDIT") if amount else None)
    return CounterofferView(gr.Column(visible=True), narrative.counteroffer_sentence(answer, loan=record),
                            _offer_table(answer, record), figure,
                            narrative.counteroffer_curve_sentence(answer, loan=record))


def _offer_table(answer: Mapping[str, Any], record: Record) -> pd.DataFrame:
    """One row per loan of a counteroffer answer: the loan asked first, then the offers."""
    ends = [(end, annuities[end]) for annuities in answer["annuity_ranges"] for end in ("lowest", "highest")]
    offers = [("asked", answer["asked"]), ("largest_amount", answer["largest_amount"]), *ends,
              ("best", answer["best"])]
    rows = [(_OFFER_NAMES[name], *(number_text(narrative.offered(offer, record, f)) for f in LOAN_FIELDS),
             percent(offer["probability"]), _decided(offer["decision"]))
            for name, offer in offers if offer]
    return pd.DataFrame(rows, columns=list(COUNTEROFFER_COLUMNS))


def _decided(decision: str) -> str:
    return f"{DECISION_ICON[decision]} {DECISION_WORD[decision]}"
