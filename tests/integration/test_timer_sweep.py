"""Timer sweeps on PostgreSQL by real worker processes: two sweeping the same due timers fire
each exactly once between them; one killed with SIGKILL in the middle of its sweep loses and
doubles nothing (the timer it was firing is fired again, once, by the next sweep); a burst far
larger than one batch is cleared in one sweep."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from engine.db import unit_of_work
from engine.models import HistoryEntry, Timer
from engine.runtime import EngineHooks, WorkflowRuntime
from engine.sandbox import Sandbox
from tests.conftest import PG_URL, START
from tests.engine import diagrams

from .sweeper import slow_service

ROOT = Path(__file__).resolve().parents[2]
SCOPE = "000.00.01.H99"
DUE = START + timedelta(hours=1, seconds=1)

REMINDER = diagrams.timer_then_service("slow")  # its 1-hour timer calls the `slow` service once


def armed(pg, clock, count: int) -> WorkflowRuntime:
    runtime = WorkflowRuntime(Sandbox(), clock=clock, hooks=EngineHooks(services={"slow": slow_service}))
    with unit_of_work(pg.sessions) as session:
        runtime.deploy(session, "default", REMINDER, "t")
    for _ in range(count):
        with unit_of_work(pg.sessions) as session:
            runtime.start(session, SCOPE, "p", "tester")
    return runtime


def sweeper(at) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "tests.integration.sweeper", PG_URL, at.isoformat()], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def fired_per_instance(pg) -> Counter:
    """How many times each instance's timer fired, and its service step ran (history)."""
    with unit_of_work(pg.sessions) as session:
        rows = session.execute(sa.select(HistoryEntry.instance_id, HistoryEntry.action, HistoryEntry.spec_name)
                               .where(HistoryEntry.action.in_(("timer", "step")))).all()
    return Counter((row.instance_id, row.action, row.spec_name) for row in rows)


def timers_left(pg) -> int:
    with unit_of_work(pg.sessions) as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Timer))


def test_two_worker_processes_fire_each_due_timer_exactly_once(pg, clock):
    armed(pg, clock, 40)
    workers = [sweeper(DUE), sweeper(DUE)]
    outputs = [w.communicate(timeout=300)[0] for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    fired = [int(out.strip().rsplit(" ", 1)[-1]) for out in outputs]
    assert sum(fired) == 40, outputs
    counted = fired_per_instance(pg)
    assert sorted(n for (_, action, _), n in counted.items() if action == "timer") == [1] * 40
    assert sorted(n for (_, action, name), n in counted.items() if name == "notify") == [1] * 40
    assert timers_left(pg) == 0


def test_a_worker_killed_while_firing_loses_and_doubles_nothing(pg, clock):
    runtime = armed(pg, clock, 30)
    worker = sweeper(DUE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and timers_left(pg) > 25:  # it is in the middle of its sweep
        time.sleep(0.05)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)
    left = timers_left(pg)
    assert 0 < left < 30 and unrecorded(pg, 30) == left  # the firing it was killed in left no trace
    assert runtime.fire_due(pg.sessions, DUE) == left  # the rest, fired here
    counted = fired_per_instance(pg)
    assert sorted(n for (_, action, _), n in counted.items() if action == "timer") == [1] * 30
    assert sorted(n for (_, action, name), n in counted.items() if name == "notify") == [1] * 30
    assert timers_left(pg) == 0


def unrecorded(pg, total: int) -> int:
    """The instances whose timer no committed firing has recorded yet."""
    return total - sum(1 for (_, action, _) in fired_per_instance(pg) if action == "timer")


def test_a_burst_far_larger_than_one_batch_is_cleared_in_one_sweep(pg, clock):
    """Deadlines in working time cluster at 07:30 and 13:30: the sweep goes on while timers are
    due (it used to stop at 100 per sweep, one sweep every 5 s)."""
    runtime = WorkflowRuntime(Sandbox(), clock=clock)
    with unit_of_work(pg.sessions) as session:
        runtime.deploy(session, "default", diagrams.boundary_timer("timeDuration", "'PT1H'", False), "t")
    for _ in range(150):
        with unit_of_work(pg.sessions) as session:
            runtime.start(session, SCOPE, "p", "tester")
    assert runtime.timers_due(pg.sessions, DUE)
    assert runtime.fire_due(pg.sessions, DUE) == 150
    assert not runtime.timers_due(pg.sessions, DUE)


def test_a_timer_whose_instance_another_step_holds_is_retried_later_not_waited_for(pg, clock):
    """A person's step holds the instance (its row locked) while the sweep reaches its timer: the
    sweep neither waits (which deadlocked against the step's own timer delete) nor stops, it
    counts an attempt, goes on with the others and fires the timer at its retry."""
    runtime = armed(pg, clock, 2)
    with unit_of_work(pg.sessions) as session:
        held, free = sorted(session.scalars(sa.select(Timer.instance_id)))
    with pg.db.connect() as step:  # the other step, mid-transaction: its UPDATE holds the row so
        step.execute(sa.text("SELECT id FROM process_instance WHERE id = :id FOR NO KEY UPDATE"), {"id": held})
        assert runtime.fire_due(pg.sessions, DUE) == 1
        with unit_of_work(pg.sessions) as session:
            timer = session.scalar(sa.select(Timer).where(Timer.instance_id == held))
            assert timer.attempts == 1 and "at the same moment" in timer.last_error
        step.rollback()
    assert runtime.fire_due(pg.sessions, DUE + timedelta(minutes=2)) == 1
    counted = fired_per_instance(pg)
    assert sorted(n for (_, action, _), n in counted.items() if action == "timer") == [1, 1]
