"""Event handlers of the advisor view: plain functions from component values to component values.

They take an `Advisor` (the scorer, the demo portfolio and the model facts) as first argument and are
bound to it in `ui.app`; tests call them directly, without a browser. A caller's mistake (an unknown
client, a value the service rejects) raises `gr.Error` with the message to show, never a stack trace.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

import gradio as gr
import pandas as pd
from matplotlib.figure import Figure
from sqlalchemy.exc import SQLAlchemyError

from access.accounts import AccountError, Accounts, Role, SignedIn
from access.audit import Read
from decisions.database import StoreUnavailableError
from decisions.records import Origin
from features.schema import Kind, table
from monitoring.drift import MIN_DECISIONS, Drift
from monitoring.plots import shares_figure
from serving.counteroffer import LOAN_FIELDS, requirement_problems
from serving.reasons import is_protected
from ui import charts, narrative
from ui.formatting import (
    application_table,
    audit_table,
    column_label,
    decisions_table,
    history_table,
    monitoring_table,
    number_text,
    percent,
)
from ui.model_info import ModelInfo
from ui.portfolio import Portfolio, Record
from ui.text import (
    ACCOUNT_COLUMNS,
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
    "LOOKUP_SHOWN",
    "NEW_APPLICATION",
    "WHAT_IF_COLUMNS",
    "Advisor",
    "ClientView",
    "Comparison",
    "CounterofferView",
    "Counteroffers",
    "Ledger",
    "MonitoringView",
    "Scorer",
    "Unrecorded",
    "WhatIfView",
    "accounts_table",
    "add_account",
    "audit_reads",
    "compare_feature",
    "compare_scatter",
    "counteroffer",
    "disable_account",
    "drift_chart",
    "form_record",
    "look_up",
    "monitoring_view",
    "number_text",
    "parse_number",
    "score_new_client",
    "show_client",
    "signed_in_text",
    "what_if",
]


class Scorer(Protocol):
    """Gives the explain JSON (API contract, with its ``decision_id``) of each application record, in
    order, the decisions recorded as made on the page (`origin`) by `caller`. Raises ValueError naming
    the field when a record is invalid, and `StoreUnavailableError` when nothing can be recorded."""

    def __call__(self, records: Sequence[Record], *, origin: Origin, caller: str) -> list[dict[str, Any]]: ...


#: What a look-up shows of a client, as the audit says it.
LOOKUP_SHOWN = "decision, reasons, application data, credit history summary, decisions on record"
#: Gives the counteroffer JSON (API contract, ``POST /counteroffer``) of each record, in order; raises
#: ValueError naming the field when a record is invalid.
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


class Ledger(Protocol):
    """What the page keeps on record (`access.ledger.StoreLedger` in the service)."""

    def decisions(self, sk_id_curr: int) -> Sequence[Any]:
        """The client's decisions on record (`decisions.views.DecisionSummary`), newest first."""

    def record_read(self, read: Read) -> None:
        """Record a read of a client's data; raises when it cannot, so that nothing is shown."""

    def reads(self, *, sk_id_curr: int | None = None, reader: str | None = None) -> Sequence[Any]:
        """The reads (`access.audit.AuditEntry`) of one client and/or by one reader, newest first."""


class Unrecorded:
    """The ledger of a page that records nothing (in-process, for tests and the page benchmark)."""

    def decisions(self, sk_id_curr: int) -> Sequence[Any]:
        """Nothing is on record."""
        return []

    def record_read(self, read: Read) -> None:
        """Reads are not recorded."""

    def reads(self, *, sk_id_curr: int | None = None, reader: str | None = None) -> Sequence[Any]:
        """Nothing is on record."""
        return []


@dataclass(frozen=True)
class Advisor:
    """What the page works with: the service's scorer, the demo portfolio, the model facts, what is kept
    on record (decisions, reads), the drift monitor and the counteroffer search.

    Without `drift` the page shows no monitoring; without `counteroffer` it offers no counteroffers.
    """

    scorer: Scorer
    portfolio: Portfolio
    model_info: ModelInfo
    ledger: Ledger = field(default_factory=Unrecorded)
    drift: Callable[[int], Drift] | None = None
    accounts: Accounts | None = None
    counteroffer: Counteroffers | None = None

    def explain(self, record: Record, *, origin: Origin, reader: SignedIn) -> dict[str, Any]:
        """Return the explain item of one record, recorded as made on the page (`origin`) by `reader`.

        A rejected record, or a decision store that cannot be written, raises `gr.Error`.
        """
        try:
            return self.scorer([record], origin=origin, caller=reader.user_name)[0]
        except ValueError as error:
            raise _user_error(f"The service could not score this application: {_problems(error)}") from error
        except StoreUnavailableError as error:
            raise _user_error(f"No decision can be given now: {error}. Try again in a moment.") from error

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
    record_note: str
    earlier: pd.DataFrame
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


def show_client(advisor: Advisor, record: Record, *, title: str, origin: Origin,
                reader: SignedIn) -> ClientView:
    """Score one record and build every view of it.

    Parameters
    ----------
    advisor : Advisor
    record : dict
        The application's API record.
    title : str
        Who the application is, for the status line.
    origin : str
        The page event that asks for the decision, for its record.
    reader : SignedIn
        The advisor asking, recorded as the decision's caller.
    """
    item = advisor.explain(record, origin=origin, reader=reader)
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
        record_note=narrative.record_sentence(item),
        earlier=decisions_table(advisor.ledger.decisions(record["SK_ID_CURR"])
                                if record["SK_ID_CURR"] != NEW_CLIENT_ID else []),
        application=application_table(record),
        history=history_table(record),
        what_if_values=tuple(number_text(record.get(name)) for name in WHAT_IF_FIELDS),
    )


def look_up(advisor: Advisor, typed: Any, *, reader: SignedIn) -> ClientView:
    """Find a demo client by SK_ID_CURR and show it; the read is recorded first.

    Raises
    ------
    gr.Error
        If the id is not a number or not in the demo portfolio, or the read cannot be recorded.
    """
    sk_id = _client_id(typed)
    try:
        record = advisor.portfolio.record(sk_id)
    except KeyError as error:
        raise _user_error(error.args[0]) from error
    _record_read(advisor, Read(reader.user_name, "advisor", sk_id, "ui:lookup", LOOKUP_SHOWN))
    return show_client(advisor, record, title=f"Client {sk_id} (demo portfolio)", origin="ui:lookup",
                       reader=reader)


def _record_read(advisor: Advisor, read: Read) -> None:
    try:
        advisor.ledger.record_read(read)
    except SQLAlchemyError as error:
        raise _user_error("This read could not be recorded in the audit, so nothing is shown; try again "
                          "in a moment.") from error


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


def score_new_client(advisor: Advisor, *values: Any, reader: SignedIn) -> ClientView:
    """Score an application typed into the new-client form and show it."""
    return show_client(advisor, form_record(values), title=NEW_APPLICATION, origin="ui:new-application",
                       reader=reader)


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


def _needs_role(reader: SignedIn, role: Role, what: str) -> None:
    if not reader.role.can(role):
        team = "administrators" if role is Role.ADMIN else "the risk team"
        article = "an" if reader.role.value[0] in "aeiou" else "a"
        raise _user_error(f"{what} is for {team}; your account ({reader.user_name}) is {article} "
                          f"{reader.role.value} account")


def compare_feature(advisor: Advisor, feature: str, item: Mapping[str, Any] | None, *,
                    reader: SignedIn) -> Comparison:
    """Chart one feature's distribution among repaid and defaulted past clients, this client marked."""
    _needs_role(reader, Role.RISK, "Comparing a client with the population")
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


def compare_scatter(advisor: Advisor, x_feature: str, y_feature: str, item: Mapping[str, Any] | None, *,
                    reader: SignedIn) -> Comparison:
    """Scatter two numeric features over the reference sample, by outcome, this client highlighted."""
    _needs_role(reader, Role.RISK, "Comparing a client with the population")
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
            *values: str | None, reader: SignedIn) -> WhatIfView:
    """Score the client's application with the what-if fields changed, beside the original.

    Parameters
    ----------
    record, before : dict
        The client's record and its explain item, as shown.
    *values : str or None
        Typed values of `WHAT_IF_FIELDS`, in order; empty leaves the field missing.
    reader : SignedIn
        The advisor asking, recorded as the decision's caller.
    """
    if not record or not before:
        raise _user_error("Look up a client before trying changes")
    changed = {name: parse_number(name, v) for name, v in zip(WHAT_IF_FIELDS, values, strict=True)}
    if record["SK_ID_CURR"] != NEW_CLIENT_ID:
        _record_read(advisor, Read(reader.user_name, "advisor", record["SK_ID_CURR"], "ui:what-if",
                                   "decision of the application with changed terms"))
    after = advisor.explain({**record, **changed}, origin="ui:what-if", reader=reader)
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


def audit_reads(advisor: Advisor, client: Any, user: Any, *, reader: SignedIn) -> pd.DataFrame:
    """Return the reads of one client and/or by one reader (any when empty), newest first.

    Raises
    ------
    gr.Error
        If `reader` is not of the risk team, or the client id is not a whole number.
    """
    _needs_role(reader, Role.RISK, "The audit of reads")
    client_text, user_text = str(client or "").strip(), str(user or "").strip()
    sk_id = _client_id(client_text) if client_text else None
    return audit_table(advisor.ledger.reads(sk_id_curr=sk_id, reader=user_text or None))


def signed_in_text(reader: SignedIn) -> str:
    """Return who is signed in, with the way out (HTML: a link the page opens in place)."""
    return (f"Signed in as <b>{html.escape(reader.user_name)}</b> ({reader.role.value}) · "
            '<a href="logout" target="_self">Sign out</a>')


class MonitoringView(NamedTuple):
    """The drift of recent decisions: summary, PSI table, the probability's chart, features to chart."""

    drift: Drift
    summary: str
    table: pd.DataFrame
    score: Figure | None
    features: gr.Dropdown


def monitoring_view(advisor: Advisor, last: Any, *, reader: SignedIn) -> MonitoringView:
    """Compute the drift of the `last` newest decisions against the training reference.

    Raises
    ------
    gr.Error
        If `reader` is not of the risk team, `last` is not a whole number >= 1, or the service has no
        monitor (in-process) or its model no profile.
    """
    _needs_role(reader, Role.RISK, "Monitoring")
    text = str(last if last is not None else "").strip().replace(",", "")
    if not text.isdigit() or int(text) < 1:
        raise _user_error(f"Decisions to compare must be a whole number >= 1, got {text!r}")
    if advisor.drift is None:
        raise _user_error("This page runs without the service's monitor: no drift to show")
    try:
        drift = advisor.drift(int(text))
    except LookupError as error:
        raise _user_error(str(error)) from error
    if not drift.enough:
        summary = (f"{drift.decisions} decisions of model `{drift.model_version}` on record, fewer than "
                   f"{MIN_DECISIONS}: no verdict (drift measured on few decisions is mostly noise).")
        return MonitoringView(drift, summary, monitoring_table([]), None, gr.Dropdown(choices=[], value=None))
    drifted = [s.name for s in drift.features if s.status == "drifted"]
    summary = (f"Over the last {drift.decisions} decisions of model `{drift.model_version}`: the "
               f"probability's PSI is {drift.score.psi:.3f} ({drift.score.status}); approval rate "
               f"{percent(drift.approval_now)} now against {percent(drift.approval_training)} in training. "
               + (f"Drifted: {', '.join(drifted)}." if drifted else "No feature has drifted."))
    names = [s.name for s in drift.features]
    return MonitoringView(drift, summary, monitoring_table([drift.score, *drift.features]),
                          shares_figure(drift.score, label="Probability of default"),
                          gr.Dropdown(choices=names, value=names[0] if names else None))


def drift_chart(drift: Drift | None, feature: str | None, *, reader: SignedIn) -> Figure | None:
    """Return the chart of one feature of a computed drift (None before one was computed)."""
    _needs_role(reader, Role.RISK, "Monitoring")
    if drift is None or not feature:
        return None
    [shift] = [s for s in drift.features if s.name == feature] or [None]
    if shift is None:
        raise _user_error(f"{feature!r} is not among the profiled features")
    return shares_figure(shift, label=column_label(feature) if feature in _APPLICATION.column_names else None)


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



def accounts_table(advisor: Advisor, *, reader: SignedIn) -> pd.DataFrame:
    """Return every account (name, role, state, created), for an administrator."""
    return _account_rows(_accounts(advisor, reader))


def add_account(advisor: Advisor, name: Any, role: Any, password: Any, *, reader: SignedIn) -> pd.DataFrame:
    """Create an account (Argon2id-hashed password); return the accounts.

    Raises
    ------
    gr.Error
        If `reader` is no administrator, or the account is refused (the message says why).
    """
    accounts = _accounts(advisor, reader)
    try:
        accounts.add(str(name or "").strip(), role=str(role or ""), password=str(password or ""))
    except AccountError as error:
        raise _user_error(str(error)) from error
    return _account_rows(accounts)


def disable_account(advisor: Advisor, name: Any, *, reader: SignedIn) -> pd.DataFrame:
    """Disable an account (it is signed out within seconds everywhere); return the accounts.

    Raises
    ------
    gr.Error
        If `reader` is no administrator, the account is unknown, or it is `reader`'s own.
    """
    accounts = _accounts(advisor, reader)
    target = str(name or "").strip()
    if target == reader.user_name:
        raise _user_error("You cannot disable your own account: ask another administrator")
    try:
        accounts.disable(target)
    except AccountError as error:
        raise _user_error(str(error)) from error
    return _account_rows(accounts)


def _accounts(advisor: Advisor, reader: SignedIn) -> Accounts:
    _needs_role(reader, Role.ADMIN, "Managing accounts")
    if advisor.accounts is None:
        raise _user_error("This page runs without the service's accounts")
    return advisor.accounts


def _account_rows(accounts: Accounts) -> pd.DataFrame:
    return pd.DataFrame([(a.user_name, a.role, "disabled" if a.disabled else "active",
                          f"{a.created_at:%Y-%m-%d}") for a in accounts.all()], columns=list(ACCOUNT_COLUMNS))
