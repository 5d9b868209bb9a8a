"""The page benchmark times every event of the page on real clients."""

from benchmarks.ui import time_events


def test_time_events_reports_every_page_event(advisor):
    results = time_events(advisor, advisor.portfolio.ids[:2], progress=False)
    assert set(results) == {"explain only", "look up", "compare feature", "compare scatter", "what-if"}
    assert all(0 < r["median_ms"] <= r["p95_ms"] for r in results.values())
