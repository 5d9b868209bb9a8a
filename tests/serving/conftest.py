"""A suite built from seeded synthetic training applications, for the serving tests."""

import pytest

from expectations import build_suite
from synthetic import generate_tables


@pytest.fixture(scope="session")
def suite() -> dict:
    return build_suite(generate_tables(600, seed=21)["application_train"])
