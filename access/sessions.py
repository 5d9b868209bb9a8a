"""Sign-in sessions of the advisor page, and the throttle on wrong passwords.

A session is a random token in an HttpOnly cookie; the database keeps only its SHA-256, with the
account and the expiry, so that every replica of the service (sharing PostgreSQL) knows it and a
restart loses none. A token is checked on every request of the page: the answer is cached for a
few seconds per process, so a closed session or a disabled account is refused everywhere within that.

Five wrong passwords for a name within 15 minutes make that name wait (`Throttle`): the next
attempts are refused, whatever the password, until the oldest of those five is 15 minutes old.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, ForeignKey, Integer, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from access.accounts import Account, Role, SignedIn
from decisions.database import Base, UTCDateTime

__all__ = ["AdvisorSession", "SessionStore", "SignInFailure", "Throttle"]

#: Wrong passwords for one name, within `FAILURE_WINDOW`, after which that name must wait.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
#: Seconds a process trusts what it last read of a session.
_CACHE_SECONDS = 5.0


class AdvisorSession(Base):
    """An open sign-in session, as stored (the token's digest, never the token)."""

    __tablename__ = "advisor_sessions"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_name: Mapped[str] = mapped_column(ForeignKey("accounts.user_name", ondelete="CASCADE"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SignInFailure(Base):
    """One wrong password (or unknown name) given for a name."""

    __tablename__ = "sign_in_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_name: Mapped[str] = mapped_column(String(128), index=True)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionStore:
    """Opens, checks and closes sessions.

    Parameters
    ----------
    engine : sqlalchemy.Engine
    lifetime : timedelta
        How long a session lasts from sign-in.
    """

    def __init__(self, engine: Engine, *, lifetime: timedelta) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.lifetime = lifetime
        self._cache: dict[str, tuple[float, SignedIn | None]] = {}
        self._lock = threading.Lock()

    def open(self, signed_in: SignedIn) -> str:
        """Open a session for `signed_in`; return its token (for the cookie only)."""
        token = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with self._sessions.begin() as session:
            session.execute(delete(AdvisorSession).where(AdvisorSession.user_name == signed_in.user_name,
                                                         AdvisorSession.expires_at <= now))
            session.add(AdvisorSession(token_sha256=_digest(token), user_name=signed_in.user_name,
                                       opened_at=now, expires_at=now + self.lifetime))
        return token

    def who(self, token: str | None) -> SignedIn | None:
        """Return who holds this session token, or None (unknown, expired, or account disabled)."""
        if not token:
            return None
        digest = _digest(token)
        with self._lock:
            cached = self._cache.get(digest)
        if cached is not None and time.monotonic() - cached[0] < _CACHE_SECONDS:
            return cached[1]
        query = (select(Account.user_name, Account.role)
                 .join(AdvisorSession, AdvisorSession.user_name == Account.user_name)
                 .where(AdvisorSession.token_sha256 == digest, AdvisorSession.expires_at > datetime.now(UTC),
                        Account.disabled.is_(False)))
        with self._sessions() as session:
            row = session.execute(query).first()
        found = None if row is None else SignedIn(row.user_name, Role(row.role))
        with self._lock:
            self._cache[digest] = (time.monotonic(), found)
        return found

    def close(self, token: str | None) -> None:
        """End a session (sign-out); an unknown token is ignored."""
        if not token:
            return
        digest = _digest(token)
        with self._sessions.begin() as session:
            session.execute(delete(AdvisorSession).where(AdvisorSession.token_sha256 == digest))
        with self._lock:
            self._cache.pop(digest, None)


class Throttle:
    """Counts wrong passwords per name, and says how long a name must wait.

    Parameters
    ----------
    engine : sqlalchemy.Engine
    """

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine)

    def wait_seconds(self, user_name: str, *, now: datetime | None = None) -> int:
        """Return how many seconds `user_name` must wait before the next attempt (0: none)."""
        now = now or datetime.now(UTC)
        with self._sessions() as session:
            recent = session.scalars(select(SignInFailure.failed_at)
                                     .where(SignInFailure.user_name == user_name,
                                            SignInFailure.failed_at > now - FAILURE_WINDOW)
                                     .order_by(SignInFailure.failed_at.desc()).limit(MAX_FAILURES)).all()
        if len(recent) < MAX_FAILURES:
            return 0
        return max(1, int((recent[-1] + FAILURE_WINDOW - now).total_seconds()) + 1)

    def failed(self, user_name: str) -> None:
        """Count one wrong password (or unknown name) for `user_name`."""
        with self._sessions.begin() as session:
            session.add(SignInFailure(user_name=user_name[:128], failed_at=datetime.now(UTC)))

    def succeeded(self, user_name: str) -> None:
        """Forget the wrong passwords of `user_name` once it signed in."""
        with self._sessions.begin() as session:
            session.execute(delete(SignInFailure).where(SignInFailure.user_name == user_name))
