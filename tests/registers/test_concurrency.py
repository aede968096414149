"""Fifty registrations at the same moment on PostgreSQL, some rolled back: the committed
numbers are exactly 1..N, and the register exists once, whether or not it existed before.
SQLite serialises writers on its database lock; a smaller crowd shows the same there."""
from __future__ import annotations

import random
import threading
import time

import pytest
import sqlalchemy as sa

from documents.models import AuditEvent
from documents.registers import service
from documents.registers.models import Register, RegisterEntry
from engine.db import unit_of_work

from .conftest import AT, Rollback, seed_agencies


@pytest.mark.parametrize("register_exists", [True, False], ids=["existing", "first-use"])
def test_fifty_parallel_registrations_on_postgresql(pg, register_exists):
    crowd_registers(pg, 50, register_exists)


@pytest.mark.parametrize("register_exists", [True, False], ids=["existing", "first-use"])
def test_parallel_registrations_on_sqlite(lite, register_exists):
    crowd_registers(lite, 12, register_exists)


def crowd_registers(system, contenders: int, register_exists: bool) -> None:
    agency, _ = seed_agencies(system)
    if register_exists:
        with unit_of_work(system.sessions) as session:
            service.ensure_register(session, agency, "incoming", 2026)
    rng = random.Random(2026)
    plans = [(rng.random() < 0.2, rng.uniform(0, 0.004)) for _ in range(contenders)]
    barrier = threading.Barrier(contenders)
    committed: list[int] = []
    rolled_back: list[int] = []
    errors: list[BaseException] = []

    def register(roll_back: bool, hold: float) -> None:
        try:
            barrier.wait()
            with unit_of_work(system.sessions) as session:
                _, entry = service.claim_number(session, agency, "incoming", AT)
                # Keep the lock a moment, as a real registration writing its document would.
                time.sleep(hold)
                if roll_back:
                    rolled_back.append(entry.number)
                    raise Rollback
            committed.append(entry.number)
        except Rollback:
            pass
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=register, args=plan) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert rolled_back, "the plan should roll some registrations back"
    assert sorted(committed) == list(range(1, contenders - len(rolled_back) + 1))
    with unit_of_work(system.sessions) as session:
        [register] = session.scalars(sa.select(Register)).all()
        assert register.last_number == len(committed)
        numbers = session.scalars(sa.select(RegisterEntry.number).where(RegisterEntry.register_id == register.id))
        assert sorted(numbers) == sorted(committed)
        opened = session.scalars(sa.select(AuditEvent.object_id).where(AuditEvent.action == "register.opened"))
        assert list(opened) == [str(register.id)]
