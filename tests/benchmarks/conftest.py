"""The page benchmark runs on the UI tests' in-process advisor (trained model and demo portfolio)."""

from tests.ui.conftest import advisor, demo_folder

__all__ = ["advisor", "demo_folder"]
