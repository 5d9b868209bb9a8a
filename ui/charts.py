"""Figure builders of the advisor view: data in, matplotlib `Figure` out.

Figures are made with `matplotlib.figure.Figure` directly, never through pyplot: no global figure
registry (nothing to close, no leak), and safe in Gradio's worker threads. Colours are Okabe-Ito;
anything pushing towards refusal is vermillion AND hatched, so charts read in greyscale and for
colour-blind advisors. Each builder has a sentence beside it on the page (`ui.narrative`).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Wedge

from ui.formatting import format_value, percent
from ui.text import APPROVED, COLOURS, DECISION_WORD, HATCH_AGAINST

__all__ = [
    "category_bars",
    "contribution_waterfall",
    "counteroffer_curve",
    "decision_gauge",
    "importance_bars",
    "outcome_histogram",
    "outcome_scatter",
    "what_if_bars",
]

_FONT = 11


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    fig.set_facecolor("white")
    return fig


def _wrapped(text: str, *, width: int = 46, lines: int = 2) -> str:
    """Wrap a long feature label onto at most `lines` lines, ending in "…" when cut."""
    parts = textwrap.wrap(text, width)
    if len(parts) > lines:
        parts = [*parts[:lines - 1], textwrap.shorten(" ".join(parts[lines - 1:]), width, placeholder=" …")]
    return "\n".join(parts)


def gauge_range(probability: float, threshold: float) -> float:
    """Return the top of the gauge's scale: room for the threshold and the client, at most 100%.

    Real thresholds sit near 10%, so a 0-100% dial would squeeze everything that matters into its
    first tenth; the dial runs to three times the threshold instead, or further if the client is
    beyond that.
    """
    top = max(3 * threshold, 1.15 * probability, 0.05)
    return float(min(1.0, np.ceil(top * 20) / 20))


def decision_gauge(probability: float, threshold: float) -> Figure:
    """Half-dial of the probability of default, the threshold splitting approve from refuse.

    Parameters
    ----------
    probability : float
        The client's calibrated probability of default, in [0, 1].
    threshold : float
        The decision threshold: refused at or above it.
    """
    top = gauge_range(probability, threshold)
    fig = _figure(5.2, 3.0)
    ax = fig.add_subplot()
    ax.set_aspect("equal")
    ax.axis("off")

    def angle(p: float) -> float:
        return 180.0 * (1 - min(p, top) / top)

    cut = angle(threshold)
    ax.add_patch(Wedge((0, 0), 1, cut, 180, width=0.3, facecolor=COLOURS["favour"], alpha=0.85))
    ax.add_patch(Wedge((0, 0), 1, 0, cut, width=0.3, facecolor=COLOURS["against"], alpha=0.85,
                       hatch=HATCH_AGAINST, edgecolor="white"))
    for tick in np.linspace(0, top, 5):
        rad = np.radians(angle(tick))
        ax.text(1.13 * np.cos(rad), 1.13 * np.sin(rad), percent(tick), ha="center", va="center",
                fontsize=_FONT - 2)
    rad = np.radians(cut)
    ax.plot([0.62 * np.cos(rad), 1.05 * np.cos(rad)], [0.62 * np.sin(rad), 1.05 * np.sin(rad)],
            color=COLOURS["client"], linewidth=2, linestyle="--")
    ax.text(0.5 * np.cos(rad), 0.5 * np.sin(rad), f"threshold\n{percent(threshold)}", ha="center",
            va="center", fontsize=_FONT - 2)
    rad = np.radians(angle(probability))
    ax.annotate("", xy=(0.95 * np.cos(rad), 0.95 * np.sin(rad)), xytext=(0, 0),
                arrowprops={"arrowstyle": "-|>", "color": COLOURS["client"], "linewidth": 3})
    ax.text(0, -0.18, f"This client: {percent(probability)}", ha="center", va="center",
            fontsize=_FONT + 2, fontweight="bold")
    ax.text(-0.85, -0.18, "approve", ha="center", color=COLOURS["favour"], fontsize=_FONT)
    ax.text(0.85, -0.18, "refuse", ha="center", color=COLOURS["against"], fontsize=_FONT)
    ax.set_xlim(-1.3, 1.3)
    ax.set_ylim(-0.3, 1.3)
    return fig


def contribution_waterfall(contributions: Sequence[dict], base_value: float, *, top: int = 10,
                           set_aside: Sequence[tuple[str, float]] = ()) -> Figure:
    """Waterfall of SHAP contributions, from the average client to this client (model log-odds).

    Parameters
    ----------
    contributions : sequence of dict
        The explain item's contributions (``feature``, ``label``, ``value``, ``shap``), sorted by
        |shap| descending as the API sends them.
    base_value : float
        The model's average output (log-odds) over the training population.
    top : int, default=10
        How many contributions get their own bar; the rest are summed into one "other" bar.
    set_aside : sequence of (str, float), optional
        Last bars: (label, summed shap) of contributions left out of `contributions` on purpose.
    """
    shown = list(contributions[:top])
    rest = float(sum(c["shap"] for c in contributions[top:]))
    names = [f"{_wrapped(c['label'])}\n= {format_value(c['value'])}" for c in shown]
    steps = [float(c["shap"]) for c in shown]
    if len(contributions) > top:
        names.append(f"{len(contributions) - top} other features")
        steps.append(rest)
    names += [_wrapped(label) for label, _ in set_aside]
    steps += [float(step) for _, step in set_aside]
    starts = base_value + np.concatenate([[0.0], np.cumsum(steps)[:-1]])
    fig = _figure(9.5, 0.62 * len(steps) + 1.6)
    ax = fig.add_subplot()
    rows = np.arange(len(steps))[::-1]
    for row, start, step in zip(rows, starts, steps, strict=True):
        against = step > 0
        ax.barh(row, step, left=start, height=0.62,
                color=COLOURS["against" if against else "favour"],
                hatch=HATCH_AGAINST if against else None, edgecolor="white")
        ax.text(start + step + (0.01 if against else -0.01) * _span(base_value, starts, steps), row,
                f"{step:+.2f}", va="center", ha="left" if against else "right", fontsize=_FONT - 2)
    final = base_value + float(np.sum(steps))
    ax.axvline(base_value, color=COLOURS["neutral"], linestyle=":", linewidth=1.5)
    ax.axvline(final, color=COLOURS["client"], linestyle="--", linewidth=1.5)
    ax.set_yticks(rows, names, fontsize=_FONT - 2)
    ax.set_xlabel(f"risk score (log-odds): average client {base_value:.2f} → this client {final:.2f}",
                  fontsize=_FONT - 1)
    ax.set_title("→ hatched: towards refusal    ← plain: towards approval", fontsize=_FONT - 1)
    ax.use_sticky_edges = False
    ax.margins(x=0.15)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _span(base_value: float, starts: np.ndarray, steps: Sequence[float]) -> float:
    ends = starts + np.asarray(steps)
    return float(max(np.max(ends), np.max(starts), base_value) - min(np.min(ends), np.min(starts),
                                                                      base_value)) or 1.0


def outcome_histogram(edges: Sequence[float], repaid: Sequence[float], defaulted: Sequence[float],
                      client_value: float | None, *, label: str) -> Figure:
    """Distribution of one feature among clients who repaid and who defaulted, the client marked.

    Each group is shown as its share of the group (the groups differ in size about 11 to 1), repaid
    as a filled blue area, defaulted as a hatched vermillion outline.

    Parameters
    ----------
    edges : sequence of float
        Bin edges, length ``len(repaid) + 1``.
    repaid, defaulted : sequence of float
        Counts per bin in each group.
    client_value : float or None
        The client's value; None (missing) draws no marker.
    label : str
        Plain-language name of the feature, for the axis.
    """
    edges = np.asarray(edges, dtype=float)
    fig = _figure(7.0, 3.6)
    ax = fig.add_subplot()
    for counts, key, name in ((repaid, "favour", "repaid"), (defaulted, "against", "defaulted")):
        counts = np.asarray(counts, dtype=float)
        share = counts / counts.sum() if counts.sum() else counts
        against = key == "against"
        ax.stairs(share, edges, fill=not against, alpha=0.45 if not against else 1.0,
                  color=COLOURS[key], hatch=HATCH_AGAINST if against else None,
                  linewidth=2.5 if against else 1.5, label=f"clients who {name}")
    if client_value is not None:
        ax.axvline(client_value, color=COLOURS["client"], linewidth=2.5, linestyle="--",
                   label=f"this client: {format_value(client_value)}")
    ax.set_xlabel(_wrapped(label, width=70), fontsize=_FONT)
    ax.set_ylabel("share of the group", fontsize=_FONT)
    ax.legend(fontsize=_FONT - 1, frameon=False, ncols=3, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def category_bars(levels: Sequence[str], repaid: Sequence[float], defaulted: Sequence[float],
                  client_level: str | None, *, label: str) -> Figure:
    """Share of each level among clients who repaid and who defaulted, the client's level marked.

    Repaid bars are plain blue, defaulted bars hatched vermillion; the client's level is written in
    bold with an arrow, not only coloured.
    """
    shares = [np.asarray(c, dtype=float) / max(1.0, float(np.sum(c))) for c in (repaid, defaulted)]
    fig = _figure(7.0, 0.45 * len(levels) + 1.4)
    ax = fig.add_subplot()
    rows = np.arange(len(levels))[::-1]
    ax.barh(rows + 0.2, shares[0], height=0.4, color=COLOURS["favour"], label="clients who repaid")
    ax.barh(rows - 0.2, shares[1], height=0.4, color=COLOURS["against"], hatch=HATCH_AGAINST,
            edgecolor="white", label="clients who defaulted")
    names = [f"▶ {level} (this client)" if level == client_level else _wrapped(level) for level in levels]
    ax.set_yticks(rows, names, fontsize=_FONT - 1)
    for tick, level in zip(ax.get_yticklabels(), levels, strict=True):
        if level == client_level:
            tick.set_fontweight("bold")
    ax.xaxis.set_major_formatter(lambda v, _: percent(v))
    ax.set_xlabel(f"share of the group · {label}", fontsize=_FONT)
    ax.legend(fontsize=_FONT - 1, frameon=False, ncols=2, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def outcome_scatter(x: Sequence[float], y: Sequence[float], target: Sequence[int],
                    client: tuple[float | None, float | None], *, x_label: str, y_label: str) -> Figure:
    """Scatter of two features over a sample of clients, by outcome, with the client highlighted.

    Repaid clients are blue dots, defaulted clients vermillion crosses (shape differs, not only
    colour); the client is a large black star.
    """
    x, y, target = np.asarray(x, dtype=float), np.asarray(y, dtype=float), np.asarray(target)
    fig = _figure(7.0, 4.2)
    ax = fig.add_subplot()
    repaid = target == 0
    ax.scatter(x[repaid], y[repaid], s=12, alpha=0.35, color=COLOURS["favour"], marker="o",
               label="clients who repaid", linewidths=0)
    ax.scatter(x[~repaid], y[~repaid], s=22, alpha=0.8, color=COLOURS["against"], marker="x",
               label="clients who defaulted")
    if None not in client:
        ax.scatter([client[0]], [client[1]], s=320, color=COLOURS["accent"], marker="*",
                   edgecolors=COLOURS["client"], linewidths=1.5, zorder=5, label="this client")
    ax.set_xlabel(_wrapped(x_label, width=70), fontsize=_FONT)
    ax.set_ylabel(_wrapped(y_label, width=40), fontsize=_FONT)
    ax.legend(fontsize=_FONT - 1, frameon=False, ncols=3, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def what_if_bars(before: dict, after: dict) -> Figure:
    """Original and modified application side by side: probability bars against the threshold.

    Parameters
    ----------
    before, after : dict
        Explain (or predict) items of the original and the modified application.
    """
    fig = _figure(6.5, 2.6)
    ax = fig.add_subplot()
    items = [("original", before), ("what-if", after)]
    for row, (_, item) in zip((1, 0), items, strict=True):
        approved = item["decision"] == APPROVED
        ax.barh(row, item["probability"], height=0.55,
                color=COLOURS["favour" if approved else "against"],
                hatch=None if approved else HATCH_AGAINST, edgecolor="white")
        ax.text(max(item["probability"], before["threshold"]), row, f"  {percent(item['probability'])} · "
                f"{DECISION_WORD[item['decision']]} · {item['score']} points", va="center",
                fontsize=_FONT)
    threshold = before["threshold"]
    ax.axvline(threshold, color=COLOURS["client"], linestyle="--", linewidth=2)
    ax.text(threshold, 1.45, f"threshold {percent(threshold)}", ha="center", fontsize=_FONT - 1,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    ax.set_yticks([1, 0], [name for name, _ in items], fontsize=_FONT)
    top = max(before["probability"], after["probability"], threshold)
    ax.set_xlim(0, min(1.0, top * 2.2))
    ax.set_ylim(-0.5, 1.7)
    ax.xaxis.set_major_formatter(lambda v, _: percent(v))
    ax.set_xlabel("probability of default", fontsize=_FONT)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def counteroffer_curve(credits: Sequence[float], probabilities: Sequence[float], threshold: float, *,
                       asked: float, offer: float | None) -> Figure:
    """Probability of default against the credit amount on the terms asked, the threshold across it.

    Approved amounts are blue dots, refused ones vermillion crosses (shape, not only colour) in the
    hatched refuse zone above the threshold; the amount asked is a dotted line, the offer a star.

    Parameters
    ----------
    credits, probabilities : sequence of float
        The amounts tried (``amount_curve`` of ``POST /counteroffer``), increasing, and their probabilities.
    threshold : float
        Refused at or above it.
    asked : float
        The credit asked.
    offer : float or None
        The credit offered (the largest approved amount), if any.
    """
    x, y = np.asarray(credits, dtype=float), np.asarray(probabilities, dtype=float)
    fig = _figure(6.0, 3.8)
    ax = fig.add_subplot()
    top = min(1.0, max(float(y.max()), threshold) * 1.5)
    ax.axhspan(threshold, top, facecolor="none", edgecolor=COLOURS["against"], hatch=HATCH_AGAINST,
               alpha=0.25, linewidth=0)
    ax.plot(x, y, color=COLOURS["neutral"], linewidth=1.5, zorder=1)
    approved = y < threshold
    ax.scatter(x[approved], y[approved], s=28, color=COLOURS["favour"], marker="o", zorder=2,
               label="approved")
    ax.scatter(x[~approved], y[~approved], s=36, color=COLOURS["against"], marker="x", zorder=2,
               label="refused")
    ax.axhline(threshold, color=COLOURS["client"], linestyle="--", linewidth=2,
               label=f"threshold {percent(threshold)}")
    ax.axvline(asked, color=COLOURS["client"], linestyle=":", linewidth=1.5,
               label=f"asked {format_value(asked)}")
    if offer is not None:
        ax.scatter([offer], [y[np.argmin(np.abs(x - offer))]], s=320, color=COLOURS["accent"], marker="*",
                   edgecolors=COLOURS["client"], linewidths=1.5, zorder=5,
                   label=f"offer {format_value(offer)}")
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(lambda v, _: format_value(v))
    ax.xaxis.set_minor_formatter(lambda v, _: "")
    ax.yaxis.set_major_formatter(lambda v, _: percent(v))
    ax.set_ylim(0, top)
    ax.set_xlabel("credit amount (annuity and goods price scaled with it)", fontsize=_FONT)
    ax.set_ylabel("probability of default", fontsize=_FONT)
    ax.legend(fontsize=_FONT - 2, frameon=False, ncols=3, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def importance_bars(labels: Sequence[str], importance: Sequence[float], *, unit: str) -> Figure:
    """Horizontal bars of the model's global feature importance, largest on top."""
    fig = _figure(9.0, 0.5 * len(labels) + 1.2)
    ax = fig.add_subplot()
    rows = np.arange(len(labels))[::-1]
    ax.barh(rows, importance, color=COLOURS["favour"], height=0.65)
    ax.set_yticks(rows, [_wrapped(label) for label in labels], fontsize=_FONT - 2)
    ax.set_xlabel(unit, fontsize=_FONT)
    ax.spines[["top", "right"]].set_visible(False)
    return fig
