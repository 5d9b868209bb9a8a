"""The counteroffer panel's handler, as Gradio calls it, on a model that has learned the loan's terms."""

import pytest
from matplotlib.figure import Figure

from access.accounts import Role, SignedIn
from ui import handlers
from ui.formatting import number_text, percent
from ui.handlers import COUNTEROFFER_COLUMNS
from ui.local import local_advisor
from ui.text import DECISION_WORD

RISK = SignedIn("rita", Role.RISK)


@pytest.fixture(scope="module")
def advisor(loan_terms_model, loan_terms_demo_folder) -> handlers.Advisor:
    return local_advisor(loan_terms_model.path, loan_terms_demo_folder)


@pytest.fixture(scope="module")
def clients(advisor) -> dict[str, tuple[dict, dict, dict]]:
    """A client of each kind among the first 80: (record, explain item, counteroffer answer)."""
    ids = advisor.portfolio.ids[:80]
    records = [advisor.portfolio.record(sk_id) for sk_id in ids]
    found = {}
    for record, answer in zip(records, advisor.counteroffer(records), strict=True):
        amount = answer["outcome"] == "counteroffer" and answer["largest_amount"]
        kind = "amount" if amount else answer["outcome"]
        found.setdefault(kind, (record, advisor.explain(record, origin="ui:lookup", reader=RISK), answer))
    assert {"amount", "no_offer", "already_approved"} <= set(found), sorted(found)
    return found


def test_the_panel_is_hidden_for_an_approved_client(advisor, clients):
    record, item, _ = clients["already_approved"]
    view = handlers.counteroffer(advisor, record, item)
    assert view.panel.visible is False and view.table is None


def test_the_panel_is_hidden_before_any_client_is_shown(advisor):
    assert handlers.counteroffer(advisor, None, None).panel.visible is False


def test_a_refused_client_sees_the_offers_the_api_gives(advisor, clients):
    record, item, answer = clients["amount"]
    view = handlers.counteroffer(advisor, record, item)
    assert view.panel.visible is True
    offer = answer["largest_amount"]["changes"]
    assert view.text.startswith(f"We cannot lend {number_text(record['AMT_CREDIT'])} with an annuity of "
                                f"{number_text(record['AMT_ANNUITY'])}, but we can offer up to "
                                f"{number_text(offer['AMT_CREDIT'])} on the same terms (annuity "
                                f"{number_text(offer['AMT_ANNUITY'])})")
    assert list(view.table.columns) == list(COUNTEROFFER_COLUMNS)
    first, second = view.table.iloc[0], view.table.iloc[1]
    assert first["Loan"] == "As asked" and DECISION_WORD["refused"] in first["Decision"]
    assert second["Credit"] == number_text(offer["AMT_CREDIT"])
    assert second["Default risk"] == percent(answer["largest_amount"]["probability"])
    assert len(view.table) == 2 + 2 * len(answer["annuity_ranges"])
    assert isinstance(view.plot, Figure)
    star = f"The largest amount approved below it, {number_text(offer['AMT_CREDIT'])} (star)"
    assert star in view.plot_text


def test_the_chart_draws_the_threshold_across_every_amount_tried(advisor, clients):
    record, item, answer = clients["amount"]
    axes = handlers.counteroffer(advisor, record, item).plot.axes[0]
    threshold = [line for line in axes.get_lines() if line.get_label().startswith("threshold")]
    assert threshold and threshold[0].get_ydata()[0] == answer["threshold"]
    plotted = axes.get_lines()[0].get_xdata()
    assert list(plotted) == [p["AMT_CREDIT"] for p in answer["amount_curve"]]


def test_a_refused_client_without_offer_hears_the_best_reached(advisor, clients):
    record, item, answer = clients["no_offer"]
    view = handlers.counteroffer(advisor, record, item)
    assert "no other loan we tried would be approved" in view.text
    best = percent(answer["best"]["probability"])
    assert f"the lowest probability of default reached is {best}" in view.text
    assert list(view.table["Loan"]) == ["As asked", "Lowest risk reached"]


def test_a_typed_in_application_without_annuity_is_told_what_is_missing(advisor, clients):
    record, item, _ = clients["no_offer"]
    view = handlers.counteroffer(advisor, {**record, "AMT_ANNUITY": None}, item)
    assert view.panel.visible is True and view.table is None
    assert view.text == "A counteroffer needs the Loan annuity (yearly repayment) (AMT_ANNUITY) asked."
