"""Fixtures of the access tests: a store on SQLite and on a real PostgreSQL server, cheap password hashing."""

import pytest
from argon2 import PasswordHasher

from access.accounts import Accounts
from tests.decisions.conftest import bare_engine, engine, store_url

__all__ = ["accounts", "bare_engine", "engine", "store_url"]


@pytest.fixture
def accounts(engine) -> Accounts:
    """Accounts of the store, with Argon2id at a test cost (the service uses argon2-cffi's defaults)."""
    return Accounts(engine, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
