"""Advisor accounts: Argon2id hashes only, roles, disabling, and errors that say what is wrong."""

import pytest
from sqlalchemy import select

from access.accounts import Account, AccountError, Accounts, Role, SignedIn

PASSWORD = "correct horse battery"


def test_only_an_argon2id_hash_of_the_password_is_stored(accounts, engine):
    accounts.add("ana", role="advisor", password=PASSWORD)
    with engine.connect() as connection:
        stored = connection.execute(select(Account.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_the_right_password_signs_in_with_the_accounts_role(accounts):
    accounts.add("rita", role=Role.RISK, password=PASSWORD)
    assert accounts.check("rita", PASSWORD) == SignedIn("rita", Role.RISK)


@pytest.mark.parametrize(("name", "password"), [("rita", "wrong password"), ("nobody", PASSWORD), ("", "")])
def test_a_wrong_name_or_password_signs_no_one_in(accounts, name, password):
    accounts.add("rita", role="risk", password=PASSWORD)
    assert accounts.check(name, password) is None


def test_a_disabled_account_cannot_sign_in_until_given_a_new_password(accounts):
    accounts.add("ana", role="advisor", password=PASSWORD)
    accounts.disable("ana")
    assert accounts.check("ana", PASSWORD) is None and accounts.get("ana").disabled
    accounts.set_password("ana", "another long password")
    assert accounts.check("ana", "another long password") == SignedIn("ana", Role.ADVISOR)


@pytest.mark.parametrize(("name", "role", "password", "message"), [
    ("Ana", "advisor", PASSWORD, "lower-case letters"),
    ("a" * 65, "advisor", PASSWORD, "1-64"),
    ("ana;drop", "advisor", PASSWORD, "lower-case letters"),
    ("ana", "boss", PASSWORD, "the role must be one of advisor, risk, admin, got 'boss'"),
    ("ana", "advisor", "short", "at least 12 characters, got 5"),
])
def test_a_bad_account_is_refused_saying_why(accounts, name, role, password, message):
    with pytest.raises(AccountError, match=message):
        accounts.add(name, role=role, password=password)


def test_a_name_is_taken_once(accounts):
    accounts.add("ana", role="advisor", password=PASSWORD)
    with pytest.raises(AccountError, match="there is already an account named 'ana'"):
        accounts.add("ana", role="risk", password=PASSWORD)


@pytest.mark.parametrize("change", ["disable", "set_password"])
def test_changing_an_unknown_account_says_so(accounts, change):
    with pytest.raises(AccountError, match="there is no account named 'nobody'"):
        getattr(accounts, change)("nobody", *([PASSWORD] if change == "set_password" else []))


def test_roles_include_the_ones_before_them():
    assert Role.ADMIN.can(Role.RISK) and Role.RISK.can(Role.ADVISOR) and Role.ADVISOR.can(Role.ADVISOR)
    assert not Role.ADVISOR.can(Role.RISK) and not Role.RISK.can(Role.ADMIN)


def test_accounts_are_listed_by_name(accounts):
    for name in ("zoe", "ana"):
        accounts.add(name, role="advisor", password=PASSWORD)
    assert [a.user_name for a in Accounts.all(accounts)] == ["ana", "zoe"]
