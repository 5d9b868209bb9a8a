"""The sentences beside each chart: what it shows for this client, in words.

Every chart on the page has one, so that the page reads without seeing the colours or the chart at
all (screen readers, colour-blind advisors, a client on the phone). Functions take the same data as
the chart builders in `ui.charts` and return Markdown.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ui.formatting import format_value, number_text, percent, points
from ui.model_info import logistic
from ui.text import APPROVED, DECISION_ICON, DECISION_WORD, PROTECTED_LABEL

__all__ = [
    "counteroffer_curve_sentence",
    "counteroffer_sentence",
    "decision_banner",
    "escape_markdown",
    "gauge_sentence",
    "histogram_sentence",
    "offered",
    "reasons_markdown",
    "record_sentence",
    "scatter_sentence",
    "share_below",
    "waterfall_sentence",
    "what_if_sentence",
]

#: Characters that Markdown would read as formatting; reasons and labels are plain text.
_MARKDOWN_SPECIAL = "\\`*_{}[]()#+-.!|<>~"


def escape_markdown(text: str) -> str:
    """Return `text` with Markdown's formatting characters escaped, so that it renders as written."""
    return "".join(f"\\{char}" if char in _MARKDOWN_SPECIAL else char for char in text)


def decision_banner(item: Mapping[str, Any], *, threshold_points: int) -> str:
    """Return the decision banner as HTML: icon and word first, then the figures behind it.

    The banner's class (``decision approved`` or ``decision refused``) gives its colour and, for a
    refusal, a hatched background; the words carry the decision on their own. ``role="status"`` makes
    screen readers announce a new decision.
    """
    decision, probability, threshold = item["decision"], item["probability"], item["threshold"]
    side = "above" if probability >= threshold else "below"
    return (f'<div class="decision {html.escape(decision)}" role="status" aria-live="polite">'
            f'<p class="decision-word"><span aria-hidden="true">{DECISION_ICON[decision]}</span> '
            f"{DECISION_WORD[decision]}</p>"
            f"<p>Probability of default <strong>{percent(probability)}</strong>, "
            f"{abs(100 * (probability - threshold)):.1f} percentage points {side} the threshold of "
            f"{percent(threshold)}.</p>"
            f"<p>Score <strong>{int(item['score'])} points</strong>; approval needs more than "
            f"{threshold_points} points (higher is safer).</p></div>")


def gauge_sentence(item: Mapping[str, Any]) -> str:
    """Describe the gauge: where the client's arrow stands against the threshold."""
    probability, threshold = item["probability"], item["threshold"]
    zone = "hatched refuse zone" if item["decision"] != APPROVED else "plain approve zone"
    return (f"The dial shows this client's probability of default ({percent(probability)}, arrow) "
            f"against the decision threshold ({percent(threshold)}, dashed line): the arrow is in the "
            f"{zone}, {abs(100 * (probability - threshold)):.1f} percentage points "
            f"{'above' if probability >= threshold else 'below'} the threshold.")


def record_sentence(item: Mapping[str, Any]) -> str:
    """Return where the decision shown is recorded: its id, or that nothing was recorded."""
    if "decision_id" not in item:
        return "This decision was not recorded (the page is running without a decision store)."
    return (f"Decision recorded as `{item['decision_id']}`: quote it to find this decision again, or to "
            "contest it.")


def reasons_markdown(reasons: Sequence[str], *, against: bool) -> str:
    """Return the API's reasons as a list with an icon, or a sentence when there are none."""
    icon = DECISION_ICON["refused" if against else APPROVED]
    title = "Reasons against (towards refusal)" if against else "Reasons in favour (towards approval)"
    if not reasons:
        return f"### {title}\nNone of this client's data weighs notably this way."
    return f"### {title}\n" + "\n".join(f"- {icon} {escape_markdown(reason)}" for reason in reasons)


def waterfall_sentence(item: Mapping[str, Any], *, explained: Sequence[Mapping[str, Any]]) -> str:
    """Describe the waterfall: from the average client to this client, and the largest pushes.

    Parameters
    ----------
    item : mapping
        The explain item (all contributions).
    explained : sequence of mapping
        The contributions shown one by one; the others (protected attributes) are summed in words.
    """
    everything = item["contributions"]
    final = item["base_value"] + sum(c["shap"] for c in everything)
    parts = [f"Starting from the average client ({percent(logistic(item['base_value']))} risk), this "
             f"client's data moves the probability of default to {percent(logistic(final))}."]
    pushes = (([c for c in explained if c["shap"] > 0], "refusal"),
              ([c for c in explained if c["shap"] < 0], "approval"))
    for side, towards in pushes:
        if side:
            parts.append(f"The largest push towards {towards} is {escape_markdown(side[0]['label'])} "
                         f"({format_value(side[0]['value'])}).")
    if len(explained) < len(everything):
        aside = sum(c["shap"] for c in everything) - sum(c["shap"] for c in explained)
        parts.append(f"{PROTECTED_LABEL} together moved the risk score by {aside:+.2f}; they are never "
                     "a reason for the decision.")
    return " ".join(parts)


def share_below(edges: Sequence[float], counts: Sequence[float], value: float) -> float:
    """Return the share of a histogram's population below `value`, interpolating inside a bin.

    Values beyond the outer edges are counted in the end bins, as the reference statistics do.
    """
    edges, counts = np.asarray(edges, dtype=float), np.asarray(counts, dtype=float)
    total = counts.sum()
    if total == 0:
        return float("nan")
    position = np.clip(value, edges[0], edges[-1])
    below = 0.0
    for low, high, count in zip(edges[:-1], edges[1:], counts, strict=True):
        if position >= high:
            below += count
        elif position > low:
            below += count * (position - low) / (high - low)
    return float(below / total)


def histogram_sentence(stats: Mapping[str, Any], client_value: float | str | None, *, label: str) -> str:
    """Describe the histogram: where the client's value sits among repaid and defaulted clients."""
    label = escape_markdown(label)
    if client_value is None:
        return (f"{label} is not given for this client, as for {percent(stats['missing_share'])} of "
                "past clients; the model treats it as missing.")
    if stats["kind"] == "category":
        level = stats["levels"].index(client_value) if client_value in stats["levels"] else None
        if level is None:
            return f"This client's {label} ({client_value}) was not seen among past clients."
        shares = [stats[g][level] / max(1, sum(stats[g])) for g in ("repaid", "defaulted")]
        return (f"This client's {label} is {client_value}, like {percent(shares[0])} of past clients "
                f"who repaid and {percent(shares[1])} of those who defaulted.")
    shares = [share_below(stats["bin_edges"], stats[g], float(client_value)) for g in ("repaid", "defaulted")]
    return (f"This client's {label} is {format_value(client_value)} (dashed line): higher than about "
            f"{percent(shares[0])} of past clients who repaid (blue area) and {percent(shares[1])} of "
            "those who defaulted (hatched outline).")


def scatter_sentence(x: Sequence[float], y: Sequence[float], target: Sequence[int],
                     client: tuple[float | None, float | None], *, x_label: str, y_label: str,
                     neighbours: int = 50) -> str:
    """Describe the scatter: how often the sampled clients nearest to this client defaulted."""
    x, y, target = np.asarray(x, dtype=float), np.asarray(y, dtype=float), np.asarray(target)
    x_label, y_label = escape_markdown(x_label), escape_markdown(y_label)
    known = ~(np.isnan(x) | np.isnan(y))
    intro = (f"Each mark is one of {int(known.sum())} sampled past clients, by {x_label} and {y_label}; "
             "dots repaid, crosses defaulted.")
    if None in client:
        return intro + " This client has no value for one of the two, so is not placed."
    x, y, target = x[known], y[known], target[known]
    scale_x, scale_y = (np.nanstd(x) or 1.0), (np.nanstd(y) or 1.0)
    distance = np.hypot((x - client[0]) / scale_x, (y - client[1]) / scale_y)
    nearest = target[np.argsort(distance)[:neighbours]]
    return (intro + f" This client is the star ({format_value(client[0])}, {format_value(client[1])}): "
            f"of the {len(nearest)} sampled clients closest to it, {int(nearest.sum())} "
            f"({percent(nearest.mean())}) defaulted, against {percent(target.mean())} of all sampled.")


def what_if_sentence(before: Mapping[str, Any], after: Mapping[str, Any],
                     changes: Sequence[tuple[str, Any, Any]]) -> str:
    """Describe the what-if result: what changed and how the probability and decision moved."""
    if changes:
        changed = "; ".join(f"{escape_markdown(label)} {format_value(old)} → {format_value(new)}"
                            for label, old, new in changes)
    else:
        changed = "no field changed"
    moved = (f"the decision changes from {DECISION_WORD[before['decision']]} to "
             f"{DECISION_WORD[after['decision']]}" if before["decision"] != after["decision"]
             else f"the decision stays {DECISION_WORD[after['decision']]}")
    return (f"With {changed}, the probability of default goes from {percent(before['probability'])} to "
            f"{percent(after['probability'])} ({points(after['probability'] - before['probability'])}), "
            f"the score from {before['score']} to {after['score']} points, and {moved}.")


def offered(offer: Mapping[str, Any], loan: Mapping[str, Any], field: str) -> float | None:
    """Return the value of one loan field in a counteroffer's offer: its change, or the value asked."""
    return offer["changes"].get(field, loan.get(field))


def counteroffer_sentence(answer: Mapping[str, Any], *, loan: Mapping[str, Any]) -> str:
    """Return the one sentence an advisor can read out to a refused client: what we can lend instead.

    Parameters
    ----------
    answer : mapping
        The ``POST /counteroffer`` answer of a refused application.
    loan : mapping
        The application as sent (its AMT_CREDIT and AMT_ANNUITY are read).
    """
    credit, annuity = loan["AMT_CREDIT"], loan["AMT_ANNUITY"]
    asked = f"We cannot lend {number_text(credit)} with an annuity of {number_text(annuity)}"
    options = []
    if answer["largest_amount"]:
        amount = answer["largest_amount"]
        options.append(f"up to {number_text(offered(amount, loan, 'AMT_CREDIT'))} on the same terms (annuity "
                       f"{number_text(offered(amount, loan, 'AMT_ANNUITY'))})")
    for annuities in answer["annuity_ranges"]:
        low, high = (annuities[end]["changes"]["AMT_ANNUITY"] for end in ("lowest", "highest"))
        term = "a longer term" if high < annuity else "a shorter term" if low > annuity else "another term"
        options.append(f"the full {number_text(credit)} with an annuity between {number_text(low)} and "
                       f"{number_text(high)} ({term})")
    if options:
        return f"{asked}, but we can offer " + ", or ".join(options) + "."
    searched = answer["searched"]
    credits, annuities = searched["AMT_CREDIT"], searched["AMT_ANNUITY"]
    return (f"{asked}, and no other loan we tried would be approved (amounts from {number_text(credits[0])} "
            f"to {number_text(credits[1])} on the same terms, annuities from {number_text(annuities[0])} to "
            f"{number_text(annuities[1])}): "
            f"the lowest probability of default reached is {percent(answer['best']['probability'])}, "
            f"against a threshold of {percent(answer['threshold'])}.")


def counteroffer_curve_sentence(answer: Mapping[str, Any], *, loan: Mapping[str, Any]) -> str:
    """Describe the counteroffer chart: the amounts tried, where the one asked and the offer stand."""
    curve = answer["amount_curve"]
    credit = loan["AMT_CREDIT"]
    approved = sum(point["probability"] < answer["threshold"] for point in curve)
    text = (f"Each mark is a credit amount from {number_text(curve[0]['AMT_CREDIT'])} to "
            f"{number_text(curve[-1]['AMT_CREDIT'])} on the terms asked, dots approved ({approved}) and "
            f"crosses refused ({len(curve) - approved}); the dashed line is the threshold "
            f"({percent(answer['threshold'])}). The amount asked, {number_text(credit)} (dotted line), has a "
            f"probability of default of {percent(answer['asked']['probability'])}.")
    amount = answer["largest_amount"]
    if amount:
        offer = number_text(offered(amount, loan, "AMT_CREDIT"))
        return (text + f" The largest amount approved below it, {offer} (star), has "
                f"{percent(amount['probability'])}.")
    return text + " No smaller amount on these terms falls below the threshold."

