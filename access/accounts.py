"""Advisor accounts: names, roles and Argon2id password hashes, in the decision store's database.

A password is never stored, logged or compared in clear: argon2-cffi's `PasswordHasher` (Argon2id,
its RFC 9106 low-memory profile) hashes it with a salt of its own, and verifies a sign-in against the
hash. A disabled account cannot sign in and its open sessions end.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, Engine, String, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from decisions.database import Base, UTCDateTime

__all__ = ["MIN_PASSWORD_LENGTH", "Account", "AccountError", "Accounts", "Role", "SignedIn"]

#: Shortest password an account may be given (NIST SP 800-63B's floor for a memorised secret).
MIN_PASSWORD_LENGTH = 12
_NAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")


class Role(enum.StrEnum):
    """What an account may see: each role sees what the ones before it see, and more."""

    ADVISOR = "advisor"  # looks clients up, sees their decision and reasons
    RISK = "risk"        # also the population, model, monitoring and audit pages
    ADMIN = "admin"      # also manages accounts

    def can(self, needed: Role) -> bool:
        """Return whether this role includes `needed`."""
        order = list(Role)
        return order.index(self) >= order.index(needed)


class Account(Base):
    """An advisor's account, as stored."""

    __tablename__ = "accounts"

    user_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(256))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class SignedIn:
    """Who is signed in: the account's name and role."""

    user_name: str
    role: Role


class AccountError(ValueError):
    """An account cannot be created or changed as asked; the message says why."""


class Accounts:
    """Creates, lists, disables and checks advisor accounts.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        The store, its schema at the head revision.
    hasher : argon2.PasswordHasher, optional
        Argon2id with argon2-cffi's defaults; tests may pass cheaper parameters.
    """

    def __init__(self, engine: Engine, *, hasher: PasswordHasher | None = None) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._hasher = hasher or PasswordHasher()
        # Verified against when the name is unknown, so that a wrong name costs as long as a wrong password.
        self._decoy = self._hasher.hash("no account has this password")

    def add(self, user_name: str, *, role: Role | str, password: str) -> Account:
        """Create an account.

        Raises
        ------
        AccountError
            If the name is not 1-64 lower-case letters, digits, dots, dashes or underscores, the role is
            unknown, the password is shorter than `MIN_PASSWORD_LENGTH`, or the name is taken.
        """
        _check_name(user_name)
        role = _role(role)
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters, "
                               f"got {len(password)}")
        account = Account(user_name=user_name, role=role.value, password_hash=self._hasher.hash(password),
                          disabled=False, created_at=datetime.now(UTC))
        try:
            with self._sessions.begin() as session:
                session.add(account)
        except IntegrityError:
            raise AccountError(f"there is already an account named {user_name!r}") from None
        return account

    def set_password(self, user_name: str, password: str) -> None:
        """Give an existing account a new password (and enable it again).

        Raises
        ------
        AccountError
            If there is no such account or the password is too short.
        """
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters, "
                               f"got {len(password)}")
        self._change(user_name, password_hash=self._hasher.hash(password), disabled=False)

    def disable(self, user_name: str) -> None:
        """Disable an account: it can no longer sign in.

        Raises
        ------
        AccountError
            If there is no such account.
        """
        self._change(user_name, disabled=True)

    def all(self) -> list[Account]:
        """Return every account, by name."""
        with self._sessions() as session:
            return list(session.scalars(select(Account).order_by(Account.user_name)))

    def get(self, user_name: str) -> Account | None:
        """Return the account `user_name`, or None."""
        with self._sessions() as session:
            return session.get(Account, user_name)

    def check(self, user_name: str, password: str) -> SignedIn | None:
        """Return who signs in with this name and password, or None (unknown name, wrong password or
        disabled account alike, in about the same time)."""
        account = self.get(user_name)
        try:
            self._hasher.verify(account.password_hash if account else self._decoy, password)
        except (VerificationError, InvalidHashError):
            return None
        if account is None or account.disabled:
            return None
        return SignedIn(account.user_name, Role(account.role))

    def _change(self, user_name: str, **values: object) -> None:
        with self._sessions.begin() as session:
            changed = session.execute(update(Account).where(Account.user_name == user_name).values(**values))
        if changed.rowcount == 0:
            raise AccountError(f"there is no account named {user_name!r}")


def _check_name(user_name: str) -> None:
    if not (1 <= len(user_name) <= 64 and set(user_name) <= _NAME_CHARACTERS):
        raise AccountError(f"an account name is 1-64 lower-case letters, digits, '.', '-' or '_', "
                           f"got {user_name[:70]!r}")


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise AccountError(f"the role must be one of {known}, got {role!r}") from None
