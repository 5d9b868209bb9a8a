"""An advisor's session in a real headless Chromium, on the real service with the page at ``/ui``.

Covers the two traps of the stack: the Gradio 6 page mounted on BentoML renders and works (an HTTP 200
on the HTML is not enough), and the service carrying the page runs one worker (every Gradio event of
the session goes through the queue of that one process). What the page shows is checked against the
API's answer (POST /explain) for the same application.

Screenshots go to ``$UI_SCREENSHOT_DIR`` (default ``results/screenshots``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from load_tests.servers import PROJECT_ROOT
from tests.conftest import ADMIN, ADVISOR, RISK, Account
from ui.formatting import number_text, percent
from ui.handlers import NEW_APPLICATION, form_record
from ui.portfolio import Portfolio
from ui.text import DECISION_WORD, FORM_FIELDS, TITLE

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect

pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(os.environ.get("UI_SCREENSHOT_DIR", PROJECT_ROOT / "results" / "screenshots"))
#: Longest wait for one event of the page (the explanation and its charts), in milliseconds.
EVENT_MS = 60_000


def post(url: str, path: str, records: list[dict]) -> list[dict]:
    """POST applications to one of the API's endpoints and return its answers."""
    request = urllib.request.Request(f"{url}{path}", data=json.dumps({"applications": records}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def explain(url: str, record: dict) -> dict:
    """POST one application to the API's /explain and return its explanation."""
    return post(url, "/explain", [record])[0]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's chromium not at {CHROMIUM}: apt-get install chromium")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def sign_in(tab, account: Account) -> None:
    """Fill the sign-in form the page redirects to, and send it."""
    tab.locator("#username").fill(account.name)
    tab.locator("#password").fill(account.password)
    tab.locator("#sign-in button").click()


def open_page(browser, url: str, account: Account = RISK):
    """Open the advisor page signed in as `account` (risk: every page), in a fresh browser context
    (its own Gradio session and cookies), errors recorded."""
    tab = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    tab.goto(f"{url}/ui/")
    sign_in(tab, account)
    tab.wait_for_selector("#client-id input", timeout=EVENT_MS)
    # The page's load event fills the suggestions; typing before it has answered is undone when they arrive.
    field = tab.locator("#client-id input")
    field.click()
    tab.get_by_role("option").first.wait_for(timeout=EVENT_MS)
    field.press("Escape")
    field.blur()
    return tab


@pytest.fixture(scope="module")
def page(browser, ui_server):
    return open_page(browser, ui_server.url)


def look_up(page, sk_id: int) -> None:
    """Type the start of the id, pick it among the suggestions, wait for its decision."""
    field = page.locator("#client-id input")
    field.click()
    field.fill("")
    field.type(str(sk_id)[:4], delay=30)
    page.get_by_role("option", name=str(sk_id), exact=True).click(timeout=EVENT_MS)
    page.locator("#status").get_by_text(f"Client {sk_id} ").wait_for(timeout=EVENT_MS)
    page.locator("#gauge img").wait_for(timeout=EVENT_MS)


def shown_reasons(page, elem_id: str) -> list[str]:
    return [re.sub(r"^\W+\s*", "", item) for item in page.locator(f"#{elem_id} li").all_inner_texts()]


def assert_decision_matches(page, answer: dict) -> None:
    banner = page.locator("#decision").inner_text()
    assert DECISION_WORD[answer["decision"]] in banner
    assert f"Probability of default {percent(answer['probability'])}" in banner
    assert f"Score {answer['score']} points" in banner


def test_page_renders_the_mounted_gradio_app(page, ui_server, portfolio):
    """Gradio 6 on BentoML: the page's components render and its load event fills the suggestions."""
    assert page.title() == TITLE
    page.locator("#client-id input").click()
    first = str(portfolio.ids[0])
    page.get_by_role("option", name=first, exact=True).wait_for(timeout=EVENT_MS)
    page.keyboard.press("Escape")
    assert page.errors == []


def test_looked_up_client_shows_the_api_decision_and_reasons(page, ui_server, portfolio):
    sk_id = portfolio.ids[0]
    look_up(page, sk_id)
    answer = explain(ui_server.url, portfolio.record(sk_id))
    assert_decision_matches(page, answer)
    assert shown_reasons(page, "reasons-against") == answer["reasons_against"]
    assert shown_reasons(page, "reasons-for") == answer["reasons_for"]
    assert answer["model_version"] in page.locator("#status").inner_text()
    page.locator("#waterfall img").wait_for(timeout=EVENT_MS)
    page.screenshot(path=SCREENSHOTS / "decision.png", full_page=True)


def test_a_decision_made_on_the_page_is_recorded_and_listed(browser, ui_server, portfolio):
    page = open_page(browser, ui_server.url, ADVISOR)
    sk_id = portfolio.ids[3]
    look_up(page, sk_id)
    page.locator("#decision-record").get_by_text("Decision recorded as").wait_for(timeout=EVENT_MS)
    decision_id = re.search(r"[0-9a-f-]{36}", page.locator("#decision-record").inner_text()).group()
    with urllib.request.urlopen(f"{ui_server.url}/decisions/{decision_id}", timeout=60) as response:
        record = json.load(response)
    assert (record["origin"], record["endpoint"], record["SK_ID_CURR"], record["caller"]) == (
        "ui:lookup", "explain", sk_id, ADVISOR.name)
    newest = page.locator("#earlier-decisions").get_by_test_id("cell-0-5")
    newest.get_by_text(decision_id).wait_for(timeout=EVENT_MS)
    page.screenshot(path=SCREENSHOTS / "decision_record.png", full_page=True)
    page.context.close()


def test_compare_tab_places_the_client_among_past_clients(page, ui_server, portfolio):
    sk_id = portfolio.ids[0]
    answer = explain(ui_server.url, portfolio.record(sk_id))
    page.get_by_role("tab", name="Compare with others").click()
    page.locator("#histogram img").wait_for(timeout=EVENT_MS)
    page.locator("#scatter img").wait_for(timeout=EVENT_MS)
    feature = page.locator("#compare-feature input").input_value()
    label = next(c["label"] for c in answer["contributions"] if feature.startswith(c["label"]))
    assert label in page.locator("#histogram-text").inner_text()
    assert "This client is the star" in page.locator("#scatter-text").inner_text() or \
        "is not placed" in page.locator("#scatter-text").inner_text()
    page.screenshot(path=SCREENSHOTS / "compare.png", full_page=True)


def test_what_if_score_matches_the_api_for_the_changed_application(page, ui_server, portfolio):
    sk_id = portfolio.ids[0]
    record = portfolio.record(sk_id)
    page.get_by_role("tab", name="What-if").click()
    new_credit = round(record["AMT_CREDIT"] * 2.5)
    credit = page.locator("#what-if-AMT_CREDIT").get_by_role("textbox")
    credit.fill(str(new_credit))
    credit.press("Tab")
    page.locator("#what-if-run").click()
    page.locator("#what-if-plot img").wait_for(timeout=EVENT_MS)
    before = explain(ui_server.url, record)
    after = explain(ui_server.url, {**record, "AMT_CREDIT": float(new_credit)})
    sentence = page.locator("#what-if-plot-text").inner_text()
    assert f"from {percent(before['probability'])} to {percent(after['probability'])}" in sentence
    assert f"from {before['score']} to {after['score']} points" in sentence
    assert DECISION_WORD[after["decision"]] in sentence
    page.screenshot(path=SCREENSHOTS / "what_if.png", full_page=True)


def test_client_is_looked_up_with_the_keyboard_only(page, ui_server, portfolio):
    sk_id = portfolio.ids[1]
    page.get_by_role("tab", name="Decision").click()
    page.locator("#client-id input").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(str(sk_id))
    # Enter picks the highlighted suggestion: wait until the typed id has filtered the list down to it,
    # or a loaded machine lets Enter pick the first client of the unfiltered list.
    expect(page.get_by_role("option")).to_have_count(1, timeout=EVENT_MS)
    expect(page.get_by_role("option")).to_have_accessible_name(str(sk_id))
    page.keyboard.press("Enter")
    expect(page.locator("#client-id input")).to_have_value(str(sk_id))
    page.keyboard.press("Tab")
    expect(page.locator("#look-up")).to_be_focused()
    page.keyboard.press("Enter")
    page.locator("#status").get_by_text(f"Client {sk_id} ").wait_for(timeout=EVENT_MS)
    assert_decision_matches(page, explain(ui_server.url, portfolio.record(sk_id)))


def test_new_client_form_is_scored_like_the_api(page, ui_server):
    typed = {"AMT_INCOME_TOTAL": 135000, "AMT_CREDIT": 450000, "AMT_ANNUITY": 22500,
             "AMT_GOODS_PRICE": 405000, "DAYS_BIRTH": 38, "EXT_SOURCE_2": 0.55, "EXT_SOURCE_3": 0.45}
    page.get_by_role("tab", name="New client").click()
    for name, value in typed.items():
        page.locator(f"#form-{name}").get_by_role("textbox").fill(str(value))
    page.locator("#form-run").click()
    page.locator("#status").get_by_text(NEW_APPLICATION).wait_for(timeout=EVENT_MS)
    answer = explain(ui_server.url, form_record([str(typed.get(name, "")) for name in FORM_FIELDS]))
    assert_decision_matches(page, answer)
    page.screenshot(path=SCREENSHOTS / "new_client.png", full_page=True)


def test_model_tab_shows_the_card_and_importance(page):
    page.get_by_role("tab", name="Model").click()
    page.locator("#importance img").wait_for(timeout=EVENT_MS)
    assert "Model card" in page.locator("#model-card").inner_text()
    page.screenshot(path=SCREENSHOTS / "model.png", full_page=True)
    assert page.errors == []


def test_advisors_working_at_once_each_see_their_own_client(browser, ui_server, portfolio):
    """Several sessions at once: events run concurrently and never mix up two advisors' clients."""
    ids = portfolio.ids[2:5]
    pages = [open_page(browser, ui_server.url) for _ in ids]
    for tab, sk_id in zip(pages, ids, strict=True):
        field = tab.locator("#client-id input")
        field.fill(str(sk_id))
        field.press("Enter")
    for tab in pages:
        tab.locator("#look-up").click()
    for tab, sk_id in zip(pages, ids, strict=True):
        tab.locator("#status").get_by_text(f"Client {sk_id} ").wait_for(timeout=EVENT_MS)
        assert_decision_matches(tab, explain(ui_server.url, portfolio.record(sk_id)))
        assert tab.errors == []


def test_service_carrying_the_page_runs_one_worker(model_environment):
    """Gradio's queue lives in one process: with two workers every event of the page failed."""
    code = "import service; print(service.CreditScoring.config['workers'])"
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=120, check=True, env=model_environment)
    assert done.stdout.strip().splitlines()[-1] == "1"


def test_without_a_session_the_sign_in_form_shows_and_refuses_a_wrong_password(browser, ui_server):
    tab = browser.new_context().new_page()
    tab.goto(f"{ui_server.url}/ui/")
    assert tab.url.endswith("/ui/login") and tab.locator("#sign-in").is_visible()
    sign_in(tab, Account(ADVISOR.name, ADVISOR.role, "not-the-password"))
    assert tab.get_by_role("alert").inner_text() == "Wrong user name or password."
    assert tab.locator("#client-id").count() == 0
    tab.context.close()


def test_an_advisor_sees_the_client_pages_only_and_signs_out(browser, ui_server, portfolio):
    tab = open_page(browser, ui_server.url, ADVISOR)
    tab.locator("#signed-in").get_by_text(f"Signed in as {ADVISOR.name} (advisor)").wait_for(timeout=EVENT_MS)
    assert tab.get_by_role("tab").all_inner_texts() == ["Decision", "What-if", "Client data", "New client"]
    look_up(tab, portfolio.ids[5])
    tab.screenshot(path=SCREENSHOTS / "advisor_signed_in.png", full_page=True)
    tab.locator("#signed-in a", has_text="Sign out").click()
    tab.wait_for_url("**/ui/login", timeout=EVENT_MS)
    assert tab.locator("#sign-in").is_visible()
    tab.goto(f"{ui_server.url}/ui/")
    assert tab.url.endswith("/ui/login")
    tab.context.close()


def test_the_risk_team_sees_every_page(page):
    page.locator("#signed-in").get_by_text(f"Signed in as {RISK.name} (risk)").wait_for(timeout=EVENT_MS)
    assert page.get_by_role("tab").all_inner_texts() == [
        "Decision", "What-if", "Client data", "New client", "Compare with others", "Model", "Monitoring",
        "Audit"]


def test_refused_client_sees_the_counteroffer_the_api_gives(browser, loan_terms_server,
                                                            loan_terms_demo_folder):
    """On a model that has learned the loan's terms: the panel shows what POST /counteroffer answers."""
    portfolio = Portfolio.from_folder(loan_terms_demo_folder)
    ids = portfolio.ids[:80]
    answers = post(loan_terms_server.url, "/counteroffer", [portfolio.record(i) for i in ids])
    refused = next((i, a) for i, a in zip(ids, answers, strict=True) if a["outcome"] == "counteroffer"
                   and a["largest_amount"] and a["annuity_ranges"])
    approved = next(i for i, a in zip(ids, answers, strict=True) if a["outcome"] == "already_approved")
    page = open_page(browser, loan_terms_server.url)
    sk_id, answer = refused
    look_up(page, sk_id)
    page.locator("#counteroffer-plot img").wait_for(timeout=EVENT_MS)
    offer = answer["largest_amount"]["changes"]["AMT_CREDIT"]
    sentence = page.locator("#counteroffer-text").inner_text()
    assert f"but we can offer up to {number_text(offer)} on the same terms" in sentence
    table = page.locator("#counteroffer-table").inner_text()
    assert number_text(offer) in table and percent(answer["largest_amount"]["probability"]) in table
    assert f"{number_text(offer)} (star)" in page.locator("#counteroffer-plot-text").inner_text()
    page.locator("#counteroffer").screenshot(path=SCREENSHOTS / "counteroffer.png")
    page.screenshot(path=SCREENSHOTS / "decision_refused.png", full_page=True)
    look_up(page, approved)
    expect(page.locator("#counteroffer")).to_be_hidden(timeout=EVENT_MS)
    assert page.errors == []



def test_an_administrator_creates_an_account_that_then_signs_in(browser, ui_server):
    tab = open_page(browser, ui_server.url, ADMIN)
    tab.get_by_role("tab", name="Accounts").click()
    tab.locator("#accounts-table").get_by_text(ADMIN.name).filter(visible=True).first.wait_for(timeout=EVENT_MS)
    created = Account("tess", "advisor", "a long password for tess")
    tab.locator("#account-name textarea, #account-name input").first.fill(created.name)
    tab.locator("#account-password input").fill(created.password)
    tab.locator("#account-add").click()
    tab.locator("#accounts-table").get_by_text(created.name).filter(visible=True).first.wait_for(timeout=EVENT_MS)
    tab.screenshot(path=SCREENSHOTS / "accounts.png", full_page=True)
    tab.context.close()
    newcomer = open_page(browser, ui_server.url, created)
    newcomer.locator("#signed-in").get_by_text("Signed in as tess (advisor)").wait_for(timeout=EVENT_MS)
    assert "Accounts" not in newcomer.get_by_role("tab").all_inner_texts()
    newcomer.context.close()
