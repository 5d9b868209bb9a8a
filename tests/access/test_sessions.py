"""Sign-in sessions shared through the store, and the throttle on wrong passwords."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from access.accounts import Role, SignedIn
from access.sessions import AdvisorSession, SessionStore, Throttle

ANA = SignedIn("ana", Role.ADVISOR)


def test_a_session_knows_who_opened_it_until_it_is_closed(accounts, engine):
    accounts.add("ana", role="advisor", password="a long password")
    sessions = SessionStore(engine, lifetime=timedelta(hours=8))
    token = sessions.open(ANA)
    assert sessions.who(token) == ANA
    assert SessionStore(engine, lifetime=timedelta(hours=8)).who(token) == ANA  # another replica
    sessions.close(token)
    assert sessions.who(token) is None


def test_only_the_digest_of_a_token_is_stored(accounts, engine):
    accounts.add("ana", role="advisor", password="a long password")
    token = SessionStore(engine, lifetime=timedelta(hours=8)).open(ANA)
    with engine.connect() as connection:
        stored = connection.execute(select(AdvisorSession.token_sha256)).scalar_one()
    assert token not in stored and len(stored) == 64


def test_an_expired_session_or_an_unknown_token_is_no_one(accounts, engine):
    accounts.add("ana", role="advisor", password="a long password")
    sessions = SessionStore(engine, lifetime=timedelta(seconds=-1))
    assert sessions.who(sessions.open(ANA)) is None
    assert sessions.who("made-up-token") is None and sessions.who(None) is None


def test_five_wrong_passwords_within_15_minutes_make_a_name_wait(engine):
    throttle = Throttle(engine)
    for _ in range(4):
        throttle.failed("ana")
    assert throttle.wait_seconds("ana") == 0
    throttle.failed("ana")
    wait = throttle.wait_seconds("ana")
    assert 14 * 60 < wait <= 15 * 60 + 1 and throttle.wait_seconds("bob") == 0
    assert throttle.wait_seconds("ana", now=datetime.now(UTC) + timedelta(minutes=16)) == 0
    throttle.succeeded("ana")
    assert throttle.wait_seconds("ana") == 0
