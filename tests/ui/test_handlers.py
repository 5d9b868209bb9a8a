"""Handlers of the page, called as Gradio calls them, on a real model and the demo portfolio."""

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import gradio as gr
import pandas as pd
import pytest
from argon2 import PasswordHasher
from matplotlib.figure import Figure
from sqlalchemy import Engine, text

from access.accounts import Accounts, Role, SignedIn
from access.audit import Audit
from access.ledger import StoreLedger
from decisions.database import open_store
from decisions.lookup import DecisionLookup
from decisions.records import NewDecision
from decisions.replay import Rescorer
from decisions.store import DecisionStore
from decisions.writer import DecisionWriter
from serving.reasons import is_protected
from ui import handlers
from ui.formatting import column_label, percent
from ui.handlers import form_record, number_text, parse_number
from ui.text import DECISION_WORD, EARLIER_COLUMNS, FORM_FIELDS, PROTECTED_LABEL, WHAT_IF_FIELDS

ADVISOR = SignedIn("ana", Role.ADVISOR)
RISK = SignedIn("rita", Role.RISK)


@pytest.fixture
def store(tmp_path) -> Engine:
    """A decision store of its own (SQLite), at the newest revision."""
    return open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}")


@pytest.fixture
def kept(advisor, store) -> handlers.Advisor:
    """The in-process advisor, keeping its records in `store` as the service does."""
    lookup = DecisionLookup(DecisionStore(store), Rescorer())
    return replace(advisor, ledger=StoreLedger(lookup, Audit(store)))


@pytest.fixture(scope="module")
def client_id(advisor) -> int:
    return advisor.portfolio.ids[0]


@pytest.fixture(scope="module")
def view(advisor, client_id) -> handlers.ClientView:
    return handlers.look_up(advisor, str(client_id), reader=RISK)


@pytest.mark.parametrize(("value", "text"), [(None, ""), (180000.0, "180,000"), (304971.5, "304,971.5"),
                                             (0.1 + 0.2, "0.30000000000000004")])
def test_number_text_is_exact_and_readable(value, text):
    assert number_text(value) == text
    assert parse_number("AMT_CREDIT", text) == value


@pytest.mark.parametrize(("text", "value"), [("", None), ("  ", None), (None, None), ("1 250 000", 1250000.0),
                                             ("12,5", 125.0), ("-3.5", -3.5)])
def test_parse_number_reads_typed_numbers(text, value):
    assert parse_number("AMT_CREDIT", text) == value


def test_parse_number_rejects_text_naming_the_field():
    with pytest.raises(gr.Error, match=r"Credit amount of the loan \(AMT_CREDIT\) must be a number, got 'x'"):
        parse_number("AMT_CREDIT", "x")


def test_form_record_converts_years_and_keeps_empty_fields_missing():
    typed = {"DAYS_BIRTH": "40", "AMT_CREDIT": "450,000", "NAME_CONTRACT_TYPE": "Cash loans"}
    record = form_record([typed.get(name, "") for name in FORM_FIELDS])
    assert record["DAYS_BIRTH"] == -14610 and record["AMT_CREDIT"] == 450000.0
    assert record["NAME_CONTRACT_TYPE"] == "Cash loans"
    assert record["CNT_CHILDREN"] is None and record["CODE_GENDER"] is None


def test_form_record_needs_one_value_per_field():
    with pytest.raises(ValueError, match=f"the form has {len(FORM_FIELDS)} fields, got 1 values"):
        form_record(["1"])


def test_look_up_shows_the_scored_decision(advisor, client_id, view):
    assert view.item["SK_ID_CURR"] == client_id
    assert DECISION_WORD[view.item["decision"]] in view.decision
    assert percent(view.item["probability"]) in view.decision
    assert f"Client {client_id} (demo portfolio)" in view.status
    assert isinstance(view.gauge, Figure) and isinstance(view.waterfall, Figure)


def test_waterfall_shows_protected_attributes_only_as_one_total(view):
    protected = [c for c in view.item["contributions"] if is_protected(c["feature"])]
    ticks = [t.get_text() for t in view.waterfall.axes[0].get_yticklabels()]
    assert protected and ticks[-1] == PROTECTED_LABEL
    assert not any(t.startswith(c["label"]) for c in protected for t in ticks[:-1])


def test_look_up_fills_what_if_fields_with_the_clients_exact_values(view):
    assert [parse_number(n, t) for n, t in zip(WHAT_IF_FIELDS, view.what_if_values, strict=True)] == [
        view.record[n] for n in WHAT_IF_FIELDS]


@pytest.mark.parametrize(("typed", "message"), [("12ab", "must be a whole number, got '12ab'"),
                                                ("1", "SK_ID_CURR=1 is not in the demo portfolio")])
def test_look_up_rejects_unknown_clients(advisor, typed, message):
    with pytest.raises(gr.Error, match=message):
        handlers.look_up(advisor, typed, reader=RISK)


def test_rejected_application_names_the_field(advisor, view):
    with pytest.raises(gr.Error, match=r"could not score this application: .*AMT_INCOME_TOTAL"):
        advisor.explain({**view.record, "AMT_INCOME_TOTAL": 0.0}, origin="ui:what-if", reader=RISK)


def test_what_if_scores_the_changed_application(advisor, view):
    typed = [number_text(view.record[n] * 2 if n == "AMT_CREDIT" else view.record[n]) for n in WHAT_IF_FIELDS]
    result = handlers.what_if(advisor, view.record, view.item, *typed, reader=RISK)
    after = advisor.explain({**view.record, "AMT_CREDIT": view.record["AMT_CREDIT"] * 2}, origin="ui:what-if",
                            reader=RISK)
    table = result.table.set_index("Measure")
    assert table.loc["Probability of default", "What-if"] == percent(after["probability"])
    assert table.loc["Score (points)", "Original"] == str(view.item["score"])
    assert f"{column_label('AMT_CREDIT')} " in result.text
    assert column_label("AMT_INCOME_TOTAL") not in result.text


def test_what_if_needs_a_client_first(advisor):
    with pytest.raises(gr.Error, match="Look up a client before trying changes"):
        handlers.what_if(advisor, None, None, *["1"] * len(WHAT_IF_FIELDS), reader=RISK)


@pytest.mark.parametrize("kind", ["number", "category"])
def test_compare_feature_describes_the_client_among_past_clients(advisor, view, kind):
    reference = advisor.model_info.reference
    feature = next(n for n in reference["columns"] if reference["features"][n]["kind"] == kind)
    label = next(c["label"] for c in view.item["contributions"] if c["feature"] == feature)
    comparison = handlers.compare_feature(advisor, feature, view.item, reader=RISK)
    assert isinstance(comparison.figure, Figure)
    assert label in comparison.text.replace("\\", "")


def test_compare_scatter_places_the_client(advisor, view):
    x, y = advisor.model_info.numeric_features()[:2]
    comparison = handlers.compare_scatter(advisor, x, y, view.item, reader=RISK)
    assert "sampled past clients" in comparison.text


def test_new_client_is_scored_from_the_form(advisor):
    typed = {"AMT_INCOME_TOTAL": "135000", "AMT_CREDIT": "450000", "AMT_ANNUITY": "22500",
             "EXT_SOURCE_2": "0.55"}
    view = handlers.score_new_client(advisor, *[typed.get(name, "") for name in FORM_FIELDS], reader=RISK)
    assert view.status.startswith(handlers.NEW_APPLICATION)
    assert isinstance(view.application, pd.DataFrame)


def test_a_clients_recorded_decisions_are_listed_newest_first(kept, store, client_id):
    earlier = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
    made = [NewDecision(decision_id=uuid.uuid4(), decided_at=earlier + timedelta(days=days),
                        endpoint="explain", origin=origin, caller="ana", input_json="{}",
                        outcome={"SK_ID_CURR": client_id, "probability": 0.2, "decision": "refused",
                                 "threshold": 0.1, "score": 500, "model_version": "credit_scoring:v1"})
            for days, origin in ((0, "api"), (1, "ui:what-if"))]
    writer = DecisionWriter(store)
    writer.record_now(made)
    writer.close()
    view = handlers.look_up(kept, str(client_id), reader=ADVISOR)
    assert list(view.earlier.columns) == list(EARLIER_COLUMNS)
    assert view.earlier.iloc[0].tolist() == [
        "2026-12-06 09:30:00", "Page: what-if", "credit_scoring:v1", f"✖ {DECISION_WORD['refused']}", 500,
        str(made[1].decision_id)]
    assert view.earlier["Origin"].tolist() == ["Page: what-if", "API"]


def test_an_unrecorded_decision_says_so(view):
    assert "decision_id" not in view.item and "not recorded" in view.record_note


def test_a_look_up_is_audited_before_it_is_shown(kept, store, client_id):
    handlers.look_up(kept, str(client_id), reader=ADVISOR)
    [entry] = Audit(store).entries()
    assert (entry.reader, entry.reader_kind, entry.sk_id_curr, entry.action, entry.shown) == (
        "ana", "advisor", client_id, "ui:lookup", handlers.LOOKUP_SHOWN)


def test_a_look_up_that_cannot_be_audited_shows_nothing(kept, store, client_id):
    with store.begin() as connection:
        connection.execute(text("ALTER TABLE audit_log RENAME TO audit_log_away"))
    with pytest.raises(gr.Error, match="could not be recorded in the audit, so nothing is shown"):
        handlers.look_up(kept, str(client_id), reader=ADVISOR)


@pytest.mark.parametrize("handler", ["compare_feature", "compare_scatter"])
def test_an_advisor_cannot_compare_with_the_population(advisor, view, handler):
    with pytest.raises(gr.Error, match="is for the risk team"):
        getattr(handlers, handler)(advisor, *(["AMT_CREDIT"] * (2 if handler == "compare_scatter" else 1)),
                                   view.item, reader=ADVISOR)


def test_the_audit_lists_reads_for_the_risk_role_only(kept, client_id):
    handlers.look_up(kept, str(client_id), reader=ADVISOR)
    table = handlers.audit_reads(kept, str(client_id), "", reader=RISK)
    assert table[["Reader", "Client (SK_ID_CURR)", "Action"]].values.tolist() == [
        ["ana", client_id, "ui:lookup"]]
    assert handlers.audit_reads(kept, "", "someone-else", reader=RISK).empty
    with pytest.raises(gr.Error, match="The audit of reads is for the risk team"):
        handlers.audit_reads(kept, "", "", reader=ADVISOR)
    with pytest.raises(gr.Error, match="must be a whole number"):
        handlers.audit_reads(kept, "12a", "", reader=RISK)


ADMIN = SignedIn("adam", Role.ADMIN)


@pytest.fixture
def administered(advisor, store) -> handlers.Advisor:
    accounts = Accounts(store, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    accounts.add("adam", role="admin", password="the admin's password")
    return replace(advisor, accounts=accounts)


def test_an_administrator_creates_and_disables_accounts(administered):
    table = handlers.add_account(administered, " zoe ", "advisor", "a long password here", reader=ADMIN)
    assert table[["Account", "Role", "State"]].values.tolist() == [["adam", "admin", "active"],
                                                                   ["zoe", "advisor", "active"]]
    assert administered.accounts.check("zoe", "a long password here") is not None
    table = handlers.disable_account(administered, "zoe", reader=ADMIN)
    assert table.set_index("Account").loc["zoe", "State"] == "disabled"


@pytest.mark.parametrize(("call", "message"), [
    (lambda a: handlers.add_account(a, "zoe", "advisor", "short", reader=ADMIN), "at least 12 characters"),
    (lambda a: handlers.add_account(a, "adam", "risk", "a long password here", reader=ADMIN), "already"),
    (lambda a: handlers.disable_account(a, "adam", reader=ADMIN), "cannot disable your own account"),
    (lambda a: handlers.disable_account(a, "nobody", reader=ADMIN), "no account named 'nobody'"),
    (lambda a: handlers.accounts_table(a, reader=RISK), "Managing accounts is for administrators"),
    (lambda a: handlers.add_account(a, "x", "admin", "a long password here", reader=ADVISOR),
     "administrators"),
])
def test_account_mistakes_and_other_roles_are_refused_saying_why(administered, call, message):
    with pytest.raises(gr.Error, match=message):
        call(administered)
