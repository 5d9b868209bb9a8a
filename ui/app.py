"""The advisor page: event wiring (layout in `ui.layout`), and the ASGI app the service mounts at ``/ui``.

Mounting (for ``service.py``)::

    UI_APP = mount_ui(lambda: bentoml.get_current_service().advisor)

    @bentoml.service(workers=1, ...)          # Gradio's queue lives in one process
    @bentoml.asgi_app(UI_APP, path="/ui")
    class CreditScoring:
        def __init__(self) -> None:
            ...
            self.advisor = Advisor(scorer=self.explain_records,
                                   portfolio=Portfolio.from_folder(demo_folder),
                                   model_info=ModelInfo.from_bundle(self.bundle))

Two traps of this stack are handled here. Gradio 6 moved theme, css and js from `gr.Blocks` to
``launch()``/``gr.mount_gradio_app``, and ``bentoml.gradio.mount_gradio_app`` never sets them: the page
then answers HTTP 500. `mount_ui` therefore mounts the Blocks on a FastAPI app with
``gr.mount_gradio_app`` (which sets them and starts the queue in the app's lifespan; BentoML runs the
lifespan of a mounted Starlette app after the service's ``__init__``), and the service mounts that app
with ``bentoml.asgi_app``. The queue lives in one process, so the service carrying the page must run a
single worker. The page is built when the service module is imported, before any service instance
exists: handlers therefore reach the advisor through a zero-argument callable, resolved per event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr
from fastapi import FastAPI

from access.accounts import Role, SignedIn
from features.build import feature_description
from serving.reasons import is_protected
from ui import charts, handlers, layout
from ui.formatting import format_value
from ui.handlers import Advisor
from ui.text import METRIC_LABELS, TITLE

__all__ = ["CSS", "AdvisorSource", "build_ui", "mount_ui", "signed_in"]

#: The advisor itself, or a zero-argument callable giving it when an event runs.
AdvisorSource = Advisor | Callable[[], Advisor]

CSS = """
.decision { padding: 0.8rem 1.2rem; border-radius: 6px; border-left: 10px solid; color: #111; }
.decision p { margin: 0.25rem 0; font-size: 1.05rem; }
.decision .decision-word { font-size: 1.8rem; font-weight: 700; }
.decision.approved { border-color: #0072B2; background: #e3f0f9; }
.decision.refused { border-color: #D55E00;
  background: repeating-linear-gradient(135deg, #fbe9dd 0 12px, #f6d2bb 12px 14px); }
.chart-text { font-size: 1rem; }
"""

#: Neutral slate for buttons and tabs: blue and vermillion are kept for approval and refusal. System
#: fonts: the default theme fetches web fonts from the internet, which a bank's network may block.
THEME = gr.themes.Default(primary_hue="slate", font=["ui-sans-serif", "system-ui", "sans-serif"],
                          font_mono=["ui-monospace", "monospace"])

_TOP_FEATURES = 15
#: The risk team's tabs: comparison, model, monitoring, audit.
_RISK_TABS = 4


def _resolve(source: AdvisorSource) -> Callable[[], Advisor]:
    return source if callable(source) and not isinstance(source, Advisor) else (lambda: source)


def _feature_choices(names: list[str]) -> list[tuple[str, str]]:
    return [(f"{feature_description(n)} ({n})", n) for n in names]


def _model_summary(advisor: Advisor) -> str:
    info = advisor.model_info
    lines = [f"**Model** `{info.version}` · refuses at a probability of default of "
             f"**{info.threshold:.1%}** or more (score {info.threshold_points} points or less)."]
    if info.costs:
        lines.append(f"The threshold minimises the expected cost where a missed default costs "
                     f"{format_value(info.costs['false_negative'])} and a wrongly refused good client "
                     f"{format_value(info.costs['false_positive'])}.")
    shown = [(label, info.metrics[key]) for key, label in METRIC_LABELS.items() if key in info.metrics]
    if shown:
        lines.append("| measure | value |\n|---|---|\n"
                     + "\n".join(f"| {label} | {format_value(value)} |" for label, value in shown))
    return "\n\n".join(lines)


def signed_in(request: gr.Request | None) -> SignedIn:
    """Return who signed in for this event (set by `access.sign_in.SignInRequired`).

    Raises
    ------
    gr.Error
        If the event's request carries no signed-in account: nothing is shown.
    """
    advisor = getattr(getattr(request, "state", None), "advisor", None)
    if not isinstance(advisor, SignedIn):
        raise gr.Error("Sign in first: open the page again to get the sign-in form.", print_exception=False)
    return advisor


def _on_load(advisor: Advisor, reader: SignedIn) -> tuple[Any, ...]:
    risk = reader.role.can(Role.RISK)
    shown = tuple(gr.Tab(visible=risk) for _ in range(_RISK_TABS))
    if not risk:
        nothing = gr.Dropdown(choices=[], value=None)
        return (handlers.signed_in_text(reader), gr.Dropdown(choices=advisor.portfolio.ids), nothing, nothing,
                nothing, "", None, "", "", *shown)
    info = advisor.model_info
    # Protected attributes are not offered: comparing a client by gender or age invites using them.
    features = _feature_choices([n for n in info.reference["columns"] if not is_protected(n)])
    numeric = _feature_choices([n for n in info.numeric_features() if not is_protected(n)])
    top = list(info.importance.items())[:_TOP_FEATURES]
    labels = [feature_description(n) for n, _ in top]
    importance_text = ("Global importance: the average size of each feature's effect on the risk "
                       f"score over past clients. The strongest is {labels[0]}." if top else
                       "This model was saved without global importance.")
    return (
        handlers.signed_in_text(reader),
        gr.Dropdown(choices=advisor.portfolio.ids),
        gr.Dropdown(choices=features, value=features[0][1] if features else None),
        gr.Dropdown(choices=numeric, value=numeric[0][1] if numeric else None),
        gr.Dropdown(choices=numeric, value=numeric[1][1] if len(numeric) > 1 else None),
        _model_summary(advisor),
        charts.importance_bars(labels, [v for _, v in top], unit="mean |SHAP| (log-odds)") if top else None,
        importance_text,
        info.model_card,
        *shown,
    )


def build_ui(advisor: AdvisorSource, *, concurrency: int = 8) -> gr.Blocks:
    """Build the advisor page.

    Parameters
    ----------
    advisor : Advisor or callable returning Advisor
        The scorer, demo portfolio and model facts; a callable is resolved at each event, so the page
        can be built before the service that provides them exists.
    concurrency : int, default=8
        Events of one kind run at once (Gradio's default is one: every advisor would wait for every
        other's look-up). Concurrent look-ups reach the model service together and share its batches.

    Returns
    -------
    gr.Blocks
        Not yet mounted: use `mount_ui` to serve it (theme and css are set there).
    """
    get = _resolve(advisor)
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        ui = layout.page()
        record_state, item_state = gr.State(None), gr.State(None)
        decision, what_if = ui.decision, ui.what_if
        client_outputs = [ui.header.status, record_state, item_state, *decision, *ui.client, *what_if.inputs]

        def flatten(view: handlers.ClientView) -> tuple[Any, ...]:
            return (*view[:-1], *view.what_if_values)

        def on_look_up(request: gr.Request, typed: Any) -> tuple[Any, ...]:
            return flatten(handlers.look_up(get(), typed, reader=signed_in(request)))

        def on_form(request: gr.Request, *values: Any) -> tuple[Any, ...]:
            view = handlers.score_new_client(get(), *values, reader=signed_in(request))
            return (*flatten(view), gr.Tabs(selected="decision"), gr.Dropdown(value=None))

        # The comparisons follow every look-up: for an advisor, whose account has no risk pages, they
        # leave their (hidden) outputs as they are instead of answering an error after each look-up.
        def on_feature(request: gr.Request, name: str, item: dict | None) -> Any:
            reader = signed_in(request)
            if not reader.role.can(Role.RISK):
                return gr.skip(), gr.skip()
            return handlers.compare_feature(get(), name, item, reader=reader)

        def on_scatter(request: gr.Request, x: str, y: str, item: dict | None) -> Any:
            reader = signed_in(request)
            if not reader.role.can(Role.RISK):
                return gr.skip(), gr.skip()
            return handlers.compare_scatter(get(), x, y, item, reader=reader)

        def on_what_if(request: gr.Request, record: dict | None, item: dict | None,
                       *values: str) -> handlers.WhatIfView:
            return handlers.what_if(get(), record, item, *values, reader=signed_in(request))

        def on_audit(request: gr.Request, client: str, user: str) -> Any:
            return handlers.audit_reads(get(), client, user, reader=signed_in(request))

        def on_monitor(request: gr.Request, last: str) -> handlers.MonitoringView:
            return handlers.monitoring_view(get(), last, reader=signed_in(request))

        def on_drift_feature(request: gr.Request, drift: Any, feature: str) -> Any:
            return handlers.drift_chart(drift, feature, reader=signed_in(request))

        def on_load(request: gr.Request) -> tuple[Any, ...]:
            return _on_load(get(), signed_in(request))

        def on_accounts_shown(request: gr.Request) -> tuple[Any, Any]:
            reader = signed_in(request)
            if not reader.role.can(Role.ADMIN):
                return gr.Tab(visible=False), None
            return gr.Tab(visible=True), handlers.accounts_table(get(), reader=reader)

        def on_add_account(request: gr.Request, name: str, role: str, password: str) -> Any:
            return handlers.add_account(get(), name, role, password, reader=signed_in(request)), ""

        def on_disable_account(request: gr.Request, name: str) -> Any:
            return handlers.disable_account(get(), name, reader=signed_in(request))

        def on_counteroffer(request: gr.Request, record: dict | None,
                            item: dict | None) -> handlers.CounterofferView:
            signed_in(request)
            return handlers.counteroffer(get(), record, item)

        compare = ui.compare
        compare_feature = ([compare.feature, item_state], [compare.histogram, compare.histogram_text])
        compare_scatter = ([compare.x_feature, compare.y_feature, item_state],
                           [compare.scatter, compare.scatter_text])
        what_if_outputs = [what_if.plot, what_if.table, what_if.text]
        client_id, new_client = ui.header.client_id, ui.new_client
        form_outputs = [*client_outputs, ui.tabs, client_id]
        for event in (ui.header.look_up.click(on_look_up, client_id, client_outputs),
                      client_id.select(on_look_up, client_id, client_outputs),
                      new_client.run.click(on_form, new_client.inputs, form_outputs)):
            event.success(lambda: (None, None, ""), None, what_if_outputs).success(
                on_feature, *compare_feature).success(on_scatter, *compare_scatter)
            event.success(on_counteroffer, [record_state, item_state], list(ui.counteroffer))
        compare.feature.select(on_feature, *compare_feature)
        compare.x_feature.select(on_scatter, *compare_scatter)
        compare.y_feature.select(on_scatter, *compare_scatter)
        what_if.run.click(on_what_if, [record_state, item_state, *what_if.inputs], what_if_outputs)
        audit = ui.audit
        audit.run.click(on_audit, [audit.client, audit.user], audit.table)
        monitoring, drift_state = ui.monitoring, gr.State(None)
        drift_chart = ([drift_state, monitoring.feature], monitoring.feature_plot)
        monitoring.run.click(on_monitor, monitoring.last,
                             [drift_state, monitoring.summary, monitoring.table, monitoring.score,
                              monitoring.feature]).success(on_drift_feature, *drift_chart)
        monitoring.feature.select(on_drift_feature, *drift_chart)
        accounts = ui.accounts
        accounts.add.click(on_add_account, [accounts.name, accounts.role, accounts.password],
                           [accounts.table, accounts.password])
        accounts.disable.click(on_disable_account, accounts.name, accounts.table)
        demo.load(on_accounts_shown, None, [accounts.tab, accounts.table])
        model = ui.model
        demo.load(on_load, None,
                  [ui.header.signed_in, client_id, compare.feature, compare.x_feature, compare.y_feature,
                   model.summary, model.importance, model.importance_text, model.card, compare.tab, model.tab,
                   monitoring.tab, audit.tab])
    return demo.queue(default_concurrency_limit=concurrency)


def mount_ui(advisor: AdvisorSource, *, app: FastAPI | None = None, concurrency: int = 8) -> FastAPI:
    """Return a FastAPI app serving the advisor page at its root, ready for ``bentoml.asgi_app``.

    Parameters
    ----------
    advisor : Advisor or callable returning Advisor
        See `build_ui`; the service passes ``lambda: bentoml.get_current_service().advisor``.
    app : FastAPI, optional
        App to mount the page on; a new one by default.
    concurrency : int, default=8
        See `build_ui`.

    Returns
    -------
    FastAPI
        Mount it with ``@bentoml.asgi_app(app, path="/ui")`` on a service with ``workers=1``.
    """
    page = build_ui(advisor, concurrency=concurrency)
    return gr.mount_gradio_app(app or FastAPI(), page, path="/", css=CSS, theme=THEME, footer_links=[],
                               ssr_mode=False, run_history=False, show_error=True)
