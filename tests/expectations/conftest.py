"""Seeded synthetic applications and the suite built from them, shared by the expectation tests."""

import pandas as pd
import pytest

from expectations import build_suite
from features.loaders import cast_to_schema
from features.schema import table
from synthetic import generate_tables


@pytest.fixture(scope="session")
def training_applications() -> pd.DataFrame:
    return generate_tables(600, seed=21)["application_train"]


@pytest.fixture(scope="session")
def suite(training_applications) -> dict:
    return build_suite(training_applications)


@pytest.fixture(scope="session")
def incoming(training_applications) -> pd.DataFrame:
    """Twelve training applications as the service casts them (application_test schema)."""
    return cast_to_schema(training_applications.drop(columns="TARGET").iloc[:12], table("application_test"))
