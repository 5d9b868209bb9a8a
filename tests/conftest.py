"""Fixtures shared by the whole suite."""

from pathlib import Path

import pytest

#: The real Kaggle extracts beside the project; tests that read them skip when the folder is absent.
REAL_SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "homecredit-real-samples"


@pytest.fixture(scope="session")
def real_samples() -> Path:
    """Path to the real Home Credit samples, or skip the test when they are not on this machine."""
    if not REAL_SAMPLES.is_dir():
        pytest.skip(f"real Home Credit samples not found at {REAL_SAMPLES}")
    return REAL_SAMPLES
