"""The components of the advisor page, tab by tab, in screen order; `ui.app` wires their events.

Each builder must run inside a ``gr.Blocks`` context and returns its interactive and output components
by name. Every chart has a heading above it and a sentence (``chart-text``) below it.
"""

from __future__ import annotations

from typing import NamedTuple

import gradio as gr

from access.accounts import Role
from features.schema import Kind, table
from ui.formatting import column_label
from ui.handlers import COUNTEROFFER_COLUMNS, WHAT_IF_COLUMNS
from ui.text import (
    ACCOUNT_COLUMNS,
    AUDIT_COLUMNS,
    EARLIER_COLUMNS,
    FORM_FIELDS,
    MISSING,
    MONITOR_COLUMNS,
    TITLE,
    WHAT_IF_FIELDS,
)

__all__ = ["Page", "page"]

_APPLICATION = table("application_test")
_FORM_COLUMNS = 4
_SUGGESTIONS = 20


class Header(NamedTuple):
    signed_in: gr.HTML
    client_id: gr.Dropdown
    look_up: gr.Button
    status: gr.Markdown


class DecisionTab(NamedTuple):
    decision: gr.HTML
    gauge: gr.Plot
    gauge_text: gr.Markdown
    reasons_against: gr.Markdown
    reasons_for: gr.Markdown
    waterfall: gr.Plot
    waterfall_text: gr.Markdown
    record_note: gr.Markdown
    earlier: gr.Dataframe


class CounterofferPanel(NamedTuple):
    panel: gr.Column
    text: gr.Markdown
    table: gr.Dataframe
    plot: gr.Plot
    plot_text: gr.Markdown


class CompareTab(NamedTuple):
    tab: gr.Tab
    feature: gr.Dropdown
    histogram: gr.Plot
    histogram_text: gr.Markdown
    x_feature: gr.Dropdown
    y_feature: gr.Dropdown
    scatter: gr.Plot
    scatter_text: gr.Markdown


class WhatIfTab(NamedTuple):
    inputs: list[gr.Textbox]
    run: gr.Button
    plot: gr.Plot
    table: gr.Dataframe
    text: gr.Markdown


class ClientTab(NamedTuple):
    application: gr.Dataframe
    history: gr.Dataframe


class NewClientTab(NamedTuple):
    inputs: list[gr.components.Component]
    run: gr.Button


class ModelTab(NamedTuple):
    tab: gr.Tab
    summary: gr.Markdown
    importance: gr.Plot
    importance_text: gr.Markdown
    card: gr.Markdown


class MonitoringTab(NamedTuple):
    tab: gr.Tab
    last: gr.Textbox
    run: gr.Button
    summary: gr.Markdown
    table: gr.Dataframe
    score: gr.Plot
    feature: gr.Dropdown
    feature_plot: gr.Plot


class AccountsTab(NamedTuple):
    tab: gr.Tab
    table: gr.Dataframe
    name: gr.Textbox
    role: gr.Dropdown
    password: gr.Textbox
    add: gr.Button
    disable: gr.Button


class AuditTab(NamedTuple):
    tab: gr.Tab
    client: gr.Textbox
    user: gr.Textbox
    run: gr.Button
    table: gr.Dataframe


class Page(NamedTuple):
    """Every named component of the page."""

    header: Header
    tabs: gr.Tabs
    decision: DecisionTab
    what_if: WhatIfTab
    client: ClientTab
    new_client: NewClientTab
    compare: CompareTab
    model: ModelTab
    monitoring: MonitoringTab
    audit: AuditTab
    accounts: AccountsTab
    counteroffer: CounterofferPanel


def _chart(title: str, elem_id: str) -> tuple[gr.Plot, gr.Markdown]:
    """A chart under its heading, with the sentence that says what it shows for this client."""
    gr.Markdown(f"#### {title}")
    return (gr.Plot(show_label=False, elem_id=elem_id),
            gr.Markdown(elem_classes="chart-text", elem_id=f"{elem_id}-text"))


def _header() -> Header:
    with gr.Row():
        gr.Markdown(f"# {TITLE}\nWhy was a loan refused, and what would change it? Find a client of the "
                    "demo portfolio by SK_ID_CURR, or enter a new application in the **New client** tab.")
        signed_in = gr.HTML(elem_id="signed-in")
    with gr.Row():
        # Every id is a choice: the browser filters them as the advisor types (no round trip per key)
        # and lists at most _SUGGESTIONS of them.
        client_id = gr.Dropdown(label="Client (SK_ID_CURR)", allow_custom_value=True, filterable=True,
                                num_choices_shown=_SUGGESTIONS, elem_id="client-id", scale=3,
                                info="Type digits to see matching clients")
        look_up = gr.Button("Look up client", variant="primary", elem_id="look-up", scale=1)
    return Header(signed_in, client_id, look_up, gr.Markdown(elem_id="status"))


def _decision_tab() -> tuple[DecisionTab, CounterofferPanel]:
    with gr.Tab("Decision", id="decision"):
        with gr.Row():
            with gr.Column(scale=2):
                decision = gr.HTML(elem_id="decision")
                gauge, gauge_text = _chart("Probability of default against the threshold", "gauge")
            with gr.Column(scale=3):
                with gr.Row():
                    reasons_against = gr.Markdown(elem_id="reasons-against")
                    reasons_for = gr.Markdown(elem_id="reasons-for")
                waterfall, waterfall_text = _chart("What moved this client's risk (SHAP waterfall)",
                                                   "waterfall")
        counteroffer = _counteroffer_panel()
        record_note = gr.Markdown(elem_id="decision-record")
        earlier = gr.Dataframe(label="This client's decisions on record, newest first",
                               headers=list(EARLIER_COLUMNS), interactive=False, elem_id="earlier-decisions")
    return (DecisionTab(decision, gauge, gauge_text, reasons_against, reasons_for, waterfall, waterfall_text,
                        record_note, earlier), counteroffer)


def _counteroffer_panel() -> CounterofferPanel:
    """What could be lent instead: shown for refused clients only (`ui.handlers.counteroffer`)."""
    with gr.Column(visible=False, elem_id="counteroffer") as panel:
        gr.Markdown("### Counteroffer: what we can lend instead\nOnly the loan's terms change, never the "
                    "client's data.")
        text = gr.Markdown(elem_id="counteroffer-text")
        with gr.Row():
            # Widths fixed, so that the six columns fit beside the chart without a scroll bar.
            table_ = gr.Dataframe(label="Loans tried", headers=list(COUNTEROFFER_COLUMNS), interactive=False,
                                  elem_id="counteroffer-table", scale=3, wrap=True,
                                  column_widths=["24%", "15%", "13%", "15%", "13%", "20%"])
            with gr.Column(scale=2):
                plot, plot_text = _chart("Probability of default against the credit amount (terms asked)",
                                         "counteroffer-plot")
    return CounterofferPanel(panel, text, table_, plot, plot_text)


def _compare_tab() -> CompareTab:
    # The risk pages stay hidden until the page's load event has seen the role of who signed in.
    with gr.Tab("Compare with others", id="compare", visible=False) as tab, gr.Row():
        with gr.Column():
            feature = gr.Dropdown(label="Feature to compare", elem_id="compare-feature")
            histogram, histogram_text = _chart("Past clients by outcome, this client marked", "histogram")
        with gr.Column():
            with gr.Row():
                x_feature = gr.Dropdown(label="Horizontal axis", elem_id="scatter-x")
                y_feature = gr.Dropdown(label="Vertical axis", elem_id="scatter-y")
            scatter, scatter_text = _chart("Two features, past clients by outcome", "scatter")
    return CompareTab(tab, feature, histogram, histogram_text, x_feature, y_feature, scatter, scatter_text)


def _number_input(name: str, prefix: str) -> gr.Textbox:
    # Text, not gr.Number: an empty number field is sent as 0, and "not given" must stay missing.
    return gr.Textbox(label=column_label(name), placeholder=MISSING, elem_id=f"{prefix}-{name}")


def _what_if_tab() -> WhatIfTab:
    with gr.Tab("What-if", id="what-if"):
        gr.Markdown("Change the loan's terms or the declared income and score the changed application; "
                    "the original stays beside it.")
        with gr.Row():
            inputs = [_number_input(name, "what-if") for name in WHAT_IF_FIELDS]
        run = gr.Button("Score the changed application", variant="primary", elem_id="what-if-run")
        with gr.Row():
            with gr.Column():
                plot, text = _chart("Original and changed application", "what-if-plot")
            table_ = gr.Dataframe(label="Side by side", headers=list(WHAT_IF_COLUMNS), interactive=False,
                                  elem_id="what-if-table")
    return WhatIfTab(inputs, run, plot, table_, text)


def _client_tab() -> ClientTab:
    with gr.Tab("Client data", id="client"):
        return ClientTab(
            gr.Dataframe(label="Main application data", interactive=False, elem_id="application", wrap=True),
            gr.Dataframe(label="History on file", interactive=False, elem_id="history"))


def _form_input(name: str) -> gr.components.Component:
    column = _APPLICATION.column(name)
    if column.kind is Kind.CATEGORY:
        return gr.Dropdown(choices=list(column.categories), value=None, label=column_label(name),
                           elem_id=f"form-{name}")
    return _number_input(name, "form")


def _new_client_tab() -> NewClientTab:
    with gr.Tab("New client", id="new"):
        gr.Markdown("Enter what the client declared; leave unknown fields empty (the model handles "
                    "missing values as for past clients).")
        inputs = []
        for start in range(0, len(FORM_FIELDS), _FORM_COLUMNS):
            with gr.Row():
                inputs += [_form_input(name) for name in FORM_FIELDS[start:start + _FORM_COLUMNS]]
        run = gr.Button("Score this application", variant="primary", elem_id="form-run")
    return NewClientTab(inputs, run)


def _model_tab() -> ModelTab:
    with gr.Tab("Model", id="model", visible=False) as tab:
        summary = gr.Markdown(elem_id="model-summary")
        importance, importance_text = _chart("Global feature importance", "importance")
        return ModelTab(tab, summary, importance, importance_text, gr.Markdown(elem_id="model-card"))


def _monitoring_tab() -> MonitoringTab:
    with gr.Tab("Monitoring", id="monitoring", visible=False) as tab:
        gr.Markdown("Do recent applications still look like the ones the model learned from? The "
                    "population stability index (PSI) of each profiled feature and of the probability, "
                    "against training: below 0.1 stable, 0.1 to 0.25 watch, above 0.25 drifted.")
        with gr.Row():
            last = gr.Textbox(label="Recent decisions to compare", value="5000", elem_id="monitor-last")
            run = gr.Button("Compare with training", variant="primary", elem_id="monitor-run")
        summary = gr.Markdown(elem_id="monitor-summary")
        with gr.Row():
            table_ = gr.Dataframe(headers=list(MONITOR_COLUMNS), interactive=False, elem_id="monitor-table")
            with gr.Column():
                score = gr.Plot(show_label=False, elem_id="monitor-score")
                feature = gr.Dropdown(label="Feature to chart", elem_id="monitor-feature")
                feature_plot = gr.Plot(show_label=False, elem_id="monitor-feature-plot")
    return MonitoringTab(tab, last, run, summary, table_, score, feature, feature_plot)


def _accounts_tab() -> AccountsTab:
    with gr.Tab("Accounts", id="accounts", visible=False) as tab:
        gr.Markdown("Who may sign in, and what they see. Passwords are stored as Argon2id hashes only; a "
                    "disabled account is signed out everywhere within seconds.")
        table_ = gr.Dataframe(headers=list(ACCOUNT_COLUMNS), interactive=False, elem_id="accounts-table")
        with gr.Row():
            name = gr.Textbox(label="Account name", elem_id="account-name")
            role = gr.Dropdown(choices=[r.value for r in Role], value=Role.ADVISOR.value, label="Role",
                               elem_id="account-role")
            password = gr.Textbox(label="Password (at least 12 characters)", type="password",
                                  elem_id="account-password")
        with gr.Row():
            add = gr.Button("Create the account", variant="primary", elem_id="account-add")
            disable = gr.Button("Disable the account named", variant="stop", elem_id="account-disable")
    return AccountsTab(tab, table_, name, role, password, add, disable)


def _audit_tab() -> AuditTab:
    with gr.Tab("Audit", id="audit", visible=False) as tab:
        gr.Markdown("Who read which client's data on this page and through the API, newest first.")
        with gr.Row():
            client = gr.Textbox(label="Client (SK_ID_CURR)", placeholder="any client", elem_id="audit-client")
            user = gr.Textbox(label="Reader (advisor or API key)", placeholder="anyone", elem_id="audit-user")
            run = gr.Button("Show the reads", variant="primary", elem_id="audit-run")
        table_ = gr.Dataframe(headers=list(AUDIT_COLUMNS), interactive=False, elem_id="audit-table")
    return AuditTab(tab, client, user, run, table_)


def page() -> Page:
    """Lay the page out (inside a ``gr.Blocks`` context) and return its components."""
    header = _header()
    with gr.Tabs(selected="decision") as tabs:
        decision, counteroffer = _decision_tab()
        # The risk team's tabs come last: Gradio 6.31 misplaces the tabs that follow one whose
        # visibility an event changes (a tab after it vanished from the bar).
        return Page(header, tabs, decision, _what_if_tab(), _client_tab(), _new_client_tab(), _compare_tab(),
                    _model_tab(), _monitoring_tab(), _audit_tab(), _accounts_tab(), counteroffer)
