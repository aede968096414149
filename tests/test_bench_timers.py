"""bench/timers.py's pieces on tiny numbers, so that the benchmark never rots: 50 timers armed by
cloning, 10 released and fired inline (no worker processes, no Redis). Nothing about time is
asserted."""
from __future__ import annotations

import os
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bench import timers as bench
from engine.db import unit_of_work
from engine.models import HumanTask, ProcessInstance, Timer
from engine.runtime import Principal

from .conftest import PG_URL, START


@pytest.fixture
def bench_system(pg):
    system = bench.with_bench_service(pg)
    bench.prepare(system)
    try:
        yield system
    finally:
        bench.drop_bench_table(system)


def _rows(system, model):
    with unit_of_work(system.sessions) as session:
        return list(session.scalars(sa.select(model)))


def test_clones_are_instances_whose_timers_fire_and_notify_once(bench_system):
    system = bench_system
    template = bench.start_template(system)
    bench.arm(system, template, armed=50, due=10)

    assert bench.armed_count(system) == 50
    instances, tasks, timers = (_rows(system, m) for m in (ProcessInstance, HumanTask, Timer))
    assert len(instances) == len(tasks) == 50
    assert len({t.task_id for t in tasks} | {t.task_id for t in timers}) == 100  # fresh UUIDs per clone
    for timer in timers:  # the timer row names the waiting task of its own instance's state
        state = next(i.state for i in instances if i.id == timer.instance_id)
        assert timer.task_id in state and timer.fire_at.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00") in state

    idle = bench.idle_sweep(system, 3)  # everything in the future: nothing fires
    assert set(idle) == {"fire_due", "timers_due"}

    first = START + timedelta(minutes=1)
    bench.release(system, 1, first, spread_s=30.0)
    assert system.runtime.fire_due(system.sessions, first + timedelta(seconds=26)) == 9  # due every 3 s: 0 … 27 s
    assert system.runtime.fire_due(system.sessions, first + timedelta(seconds=28)) == 1
    assert system.runtime.fire_due(system.sessions, first + timedelta(days=1)) == 0

    bench.check(system, 1, 10)  # one notification each, timer gone, task still open, no incident
    result = bench.collect(system, 1, workers=0, spread_s=30.0)
    assert result.fired == 10 and len(result.lag_ms) == 10
    assert bench.armed_count(system) == 40
    assert "| 0 | 30 s | 10/10 |" in bench.burst_table([result], 10)


def test_a_cloned_task_completes_like_a_started_one(bench_system):
    system = bench_system
    template = bench.start_template(system)
    bench.clone(system, template, 2, group=1, first=START + timedelta(hours=1), spread_s=60.0)
    with unit_of_work(system.sessions) as session:
        task = session.scalars(sa.select(HumanTask).where(HumanTask.instance_id != template)).first()
        staff = Principal(user="bench.timers.staff", scope=bench.AGENCY_CODE, roles=frozenset({"staff"}))
        instance = system.runtime.complete(session, task.id, staff, {})
        assert instance.status == "completed"
    assert bench.armed_count(system) == 2  # its boundary timer went with it


def test_refuses_the_test_database_and_redis():
    with pytest.raises(SystemExit, match="refusing"):
        bench.main(["--pg-url", PG_URL])
    with pytest.raises(SystemExit, match="refusing"):
        bench.main(["--redis-url", bench.TEST_REDIS_URL])


def test_cpu_meter_counts_a_process_tree_and_the_database_backends(bench_system):
    meter = bench.CpuMeter(bench_system, os.getpid())
    meter.start()
    bench.start_template(bench_system)
    workers, database = meter.stop()
    assert workers >= 0 and database >= 0
