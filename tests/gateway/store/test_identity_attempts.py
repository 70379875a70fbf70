"""Failed identity checks counted across conversations in the database, on SQLite and PostgreSQL:
backoff that doubles and ends, lockout, the window, a passed check giving its count back, checks
racing each other counted one by one, and no names, numbers or addresses in the table."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from agents.identity_attempts import AttemptKey, AttemptPolicy
from gateway.store.db import Database
from gateway.store.identity_attempts import DatabaseIdentityAttempts, key_secret, under_attack
from gateway.store.models import IdentityAttemptRow

PATIENT = AttemptKey("patient", "emily davis")
NUMBER = AttemptKey("caller_number", "+15035550103")
ADDRESS = AttemptKey("client_address", "203.0.113.7")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
async def db(migrated_db_url: str):
    database = Database(migrated_db_url)
    yield database
    await database.close()


def attempts(db: Database, clock: Clock, **policy: float) -> DatabaseIdentityAttempts:
    return DatabaseIdentityAttempts(db, AttemptPolicy(**policy), key_secret("test secret"), now=clock)


async def test_backoff_doubles_then_lockout_and_the_window_forgets(db: Database) -> None:
    clock = Clock()
    store = attempts(db, clock, backoff_after=2, backoff_base_s=30, backoff_max_s=100, lockout_after=5)
    first = await store.try_check([PATIENT], "c1")
    assert first.allowed and first.standing.failures == 1 and first.kinds == ["patient"]
    second = await store.try_check([PATIENT], "c2")  # counted: if it fails, the next waits 30 s
    assert second.allowed and second.standing.failures == 2 and second.standing.retry_after_s == 30

    held = await store.try_check([PATIENT], "c3")
    assert not held.allowed and held.standing.retry_after_s == 30 and not held.standing.locked
    clock.advance(29)
    assert not (await store.try_check([PATIENT], "c3")).allowed  # refused checks count nothing
    clock.advance(1)
    third = await store.try_check([PATIENT], "c3")
    assert third.allowed and third.standing.retry_after_s == 60  # doubled
    clock.advance(60)
    fourth = await store.try_check([PATIENT], "c4")
    assert fourth.allowed and fourth.standing.retry_after_s == 100  # capped
    clock.advance(100)
    fifth = await store.try_check([PATIENT], "c5")
    assert fifth.allowed and fifth.standing.failures == 5 and fifth.standing.locked

    clock.advance(3600)
    locked = await store.try_check([PATIENT], "c6")
    assert not locked.allowed and locked.standing.locked
    assert (await under_attack(db, store.policy, clock.now))[0].locked

    clock.advance(24 * 3600)  # a whole window since the last failure: forgotten
    again = await store.try_check([PATIENT], "c7")
    assert again.allowed and again.standing.failures == 1
    assert await under_attack(db, store.policy, clock.now) == []


async def test_the_worst_key_decides_and_each_key_counts(db: Database) -> None:
    clock = Clock()
    store = attempts(db, clock, backoff_after=10, lockout_after=3)
    for n in range(3):  # three different patients claimed from one address
        check = await store.try_check([AttemptKey("patient", f"someone {n}"), ADDRESS], f"c{n}")
        assert check.allowed
    assert check.standing.locked  # the address reached 3
    other = await store.try_check([AttemptKey("patient", "someone new"), ADDRESS], "c9")
    assert not other.allowed and other.standing.locked
    elsewhere = await store.try_check([AttemptKey("patient", "someone new"), NUMBER], "c9")
    assert elsewhere.allowed and elsewhere.standing.failures == 1


async def test_a_passed_check_gives_its_count_back(db: Database) -> None:
    clock = Clock()
    store = attempts(db, clock, backoff_after=2, lockout_after=3)
    await store.try_check([PATIENT, NUMBER], "c1")  # failed
    await store.try_check([PATIENT, NUMBER], "c1")
    await store.check_passed([PATIENT, NUMBER])  # the second one passed
    async with db.session() as s:
        rows = (await s.execute(select(IdentityAttemptRow))).scalars().all()
    assert sorted((r.kind, r.failures) for r in rows) == [("caller_number", 1), ("patient", 1)]
    assert (await store.try_check([PATIENT], "c2")).allowed  # not held back: one failure, not two


async def test_checks_racing_each_other_are_counted_one_by_one(db: Database) -> None:
    clock = Clock()
    store = attempts(db, clock, backoff_after=100, lockout_after=6)
    assert (await store.try_check([PATIENT], "c0")).allowed  # the row exists: racers lock it
    results = await asyncio.gather(*(store.try_check([PATIENT], f"c{n}") for n in range(1, 21)))
    assert sum(r.allowed for r in results) == 5  # up to the lockout, whatever the interleaving
    async with db.session() as s:
        row = (await s.execute(select(IdentityAttemptRow))).scalar_one()
    assert row.failures == 6 and row.conversations == 6


async def test_the_table_holds_no_names_numbers_or_addresses(db: Database) -> None:
    clock = Clock()
    store = attempts(db, clock)
    await store.try_check([PATIENT, NUMBER, ADDRESS], "c1")
    async with db.session() as s:
        rows = (await s.execute(select(IdentityAttemptRow))).scalars().all()
    stored = " ".join(f"{r.kind} {r.key_hash} {r.last_conversation_id}" for r in rows)
    for value in ("emily", "davis", "5035550103", "203.0.113"):
        assert value not in stored
    other_secret = DatabaseIdentityAttempts(db, AttemptPolicy(), key_secret("another secret"), now=clock)
    assert store.hashed(PATIENT) != other_secret.hashed(PATIENT)
