"""Chart builders draw what they promise: the client marked, refusal hatched, sums that add up."""

import numpy as np
import pytest
from matplotlib.patches import Rectangle, Wedge

from ui import charts
from ui.text import COLOURS, HATCH_AGAINST


def _bars(fig):
    return [p for p in fig.axes[0].patches if isinstance(p, Rectangle)]


def _contributions(n):
    rng = np.random.default_rng(0)
    shap = rng.normal(size=n)
    order = np.argsort(-np.abs(shap))
    return [{"feature": f"F{i}", "label": f"feature {i}", "value": float(i), "shap": float(shap[i])}
            for i in order]


@pytest.mark.parametrize(("probability", "threshold", "expected"), [
    (0.05, 0.09, 0.3), (0.5, 0.09, 0.6), (0.99, 0.5, 1.0), (0.0, 0.0, 0.05)])
def test_gauge_range_leaves_room_for_threshold_and_client(probability, threshold, expected):
    assert charts.gauge_range(probability, threshold) == pytest.approx(expected)


def test_decision_gauge_hatches_only_the_refuse_zone():
    wedges = [p for p in charts.decision_gauge(0.12, 0.09).axes[0].patches if isinstance(p, Wedge)]
    assert sorted(w.get_hatch() or "" for w in wedges) == ["", HATCH_AGAINST]


@pytest.mark.parametrize(("n", "top", "bars"), [(25, 10, 11), (5, 10, 5)])
def test_waterfall_has_one_bar_per_shown_feature_plus_the_rest(n, top, bars):
    assert len(_bars(charts.contribution_waterfall(_contributions(n), -2.0, top=top))) == bars


def test_waterfall_adds_set_aside_bars_last():
    fig = charts.contribution_waterfall(_contributions(5), -2.0, set_aside=[("set aside", 0.25)])
    assert fig.axes[0].get_yticklabels()[-1].get_text() == "set aside"
    assert _bars(fig)[-1].get_width() == pytest.approx(0.25)


def test_waterfall_ends_at_base_plus_all_contributions():
    contributions = _contributions(25)
    bars = _bars(charts.contribution_waterfall(contributions, -2.0, top=10))
    last = bars[-1]
    assert last.get_x() + last.get_width() == pytest.approx(-2.0 + sum(c["shap"] for c in contributions))


def test_waterfall_hatches_pushes_towards_refusal_only():
    for bar in _bars(charts.contribution_waterfall(_contributions(12), -2.0)):
        assert (bar.get_hatch() == HATCH_AGAINST) == (bar.get_width() > 0)


def test_histogram_marks_the_client_value():
    fig = charts.outcome_histogram([0, 1, 2], [5, 5], [1, 2], 1.3, label="x")
    assert [line.get_xdata()[0] for line in fig.axes[0].lines] == [1.3]


def test_histogram_without_client_value_draws_no_marker():
    assert not charts.outcome_histogram([0, 1, 2], [5, 5], [1, 2], None, label="x").axes[0].lines


def test_category_bars_put_the_client_level_in_bold():
    fig = charts.category_bars(["A", "B"], [3, 1], [1, 1], "B", label="kind")
    bold = [t.get_text() for t in fig.axes[0].get_yticklabels() if t.get_fontweight() == "bold"]
    assert bold == ["▶ B (this client)"]


def test_scatter_highlights_the_client_with_a_star():
    fig = charts.outcome_scatter([0, 1, 2], [0, 1, 2], [0, 1, 0], (1.5, 0.5), x_label="a", y_label="b")
    star = fig.axes[0].collections[-1]
    assert star.get_offsets().tolist() == [[1.5, 0.5]] and star.get_label() == "this client"


def test_what_if_bars_hatch_the_refused_application():
    before = {"probability": 0.14, "decision": "refused", "score": 550, "threshold": 0.09}
    after = {"probability": 0.05, "decision": "approved", "score": 610, "threshold": 0.09}
    bars = _bars(charts.what_if_bars(before, after))
    assert [(b.get_width(), b.get_hatch()) for b in bars] == [(0.14, HATCH_AGAINST), (0.05, None)]


def test_importance_bars_put_the_largest_on_top():
    bars = _bars(charts.importance_bars(["a", "b"], [3.0, 1.0], unit="u"))
    assert bars[0].get_y() > bars[1].get_y() and bars[0].get_facecolor()[:3] == pytest.approx(
        tuple(int(COLOURS["favour"][i:i + 2], 16) / 255 for i in (1, 3, 5)))
