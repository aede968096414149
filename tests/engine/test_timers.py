"""Timers with the injected clock: no test sleeps. Due times are projected into the timer table
after every step, and fire_due(now) fires what is due, once."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from engine.db import unit_of_work
from engine.models import Timer

from . import diagrams

START = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)


def timers(engine, instance_id):
    with unit_of_work(engine.sessions) as session:
        return [(t.spec_name, t.fire_at) for t in
                session.scalars(sa.select(Timer).where(Timer.instance_id == instance_id).order_by(Timer.fire_at))]


def fire(engine, at):
    return engine.runtime.fire_due(engine.sessions, at)


def test_interrupting_boundary_duration_timer(engine):
    engine.deploy(diagrams.boundary_timer("timeDuration", "'PT1H'", interrupting=True))
    instance = engine.start("p")
    assert timers(engine, instance.id) == [("timer", START + timedelta(hours=1))]
    assert fire(engine, START + timedelta(minutes=59)) == 0
    assert engine.open_names(instance.id) == ["work"]
    assert fire(engine, START + timedelta(hours=1, seconds=1)) == 1
    assert engine.open_names(instance.id) == ["after_timer"]
    assert timers(engine, instance.id) == []
    assert ("system", "timer", "timer") in engine.history(instance.id)


def test_non_interrupting_boundary_keeps_the_task(engine):
    engine.deploy(diagrams.boundary_timer("timeDuration", "'PT30M'", interrupting=False))
    instance = engine.start("p")
    assert fire(engine, START + timedelta(minutes=31)) == 1
    assert engine.open_names(instance.id) == ["after_timer", "work"]
    assert fire(engine, START + timedelta(hours=5)) == 0  # fired once, not again


def test_completing_the_task_removes_its_boundary_timer(engine):
    engine.deploy(diagrams.boundary_timer("timeDuration", "'PT1H'", interrupting=True))
    instance = engine.start("p")
    engine.complete(instance.id, "work")
    assert timers(engine, instance.id) == []
    assert fire(engine, START + timedelta(days=1)) == 0
    assert engine.instance(instance.id).status == "completed"


def test_boundary_time_date_from_task_data(engine):
    engine.deploy(diagrams.boundary_timer("timeDate", "deadline", interrupting=False))
    instance = engine.start("p", {"deadline": "2026-11-25T17:00:00+07:00"})
    due = datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)
    assert timers(engine, instance.id) == [("timer", due)]
    assert fire(engine, due - timedelta(seconds=1)) == 0
    assert fire(engine, due + timedelta(seconds=1)) == 1
    assert "after_timer" in engine.open_names(instance.id)


def test_intermediate_catch_timer(engine):
    engine.deploy(diagrams.INTERMEDIATE_TIMER)
    instance = engine.start("p")
    assert engine.open_names(instance.id) == []
    assert fire(engine, datetime(2026, 11, 24, 0, 59, tzinfo=timezone.utc)) == 0
    assert fire(engine, datetime(2026, 11, 24, 1, 0, 1, tzinfo=timezone.utc)) == 1
    assert engine.open_names(instance.id) == ["after"]


def test_start_timer(engine):
    engine.deploy(diagrams.START_TIMER)
    instance = engine.start("p")
    assert engine.open_names(instance.id) == []
    assert timers(engine, instance.id) == [("start", START + timedelta(hours=2))]
    assert fire(engine, START + timedelta(hours=2, seconds=1)) == 1
    assert engine.open_names(instance.id) == ["after"]


def test_cycle_timer_fires_each_period_up_to_its_count(engine):
    engine.deploy(diagrams.CYCLE_TIMER)
    instance = engine.start("p")
    first = timers(engine, instance.id)[0][1]
    assert first == START + timedelta(hours=1)
    fired_at = []
    for hours in range(1, 6):
        at = START + timedelta(hours=hours, seconds=1)
        if fire(engine, at):
            fired_at.append(hours)
    assert fired_at == [1, 2, 3]
    assert engine.open_names(instance.id) == ["work"]
    reminders = [h for h in engine.history(instance.id) if h[2] == "remind"]
    assert len(reminders) == 3
    assert timers(engine, instance.id) == []


def test_a_due_timer_fires_once_even_when_swept_twice(engine):
    engine.deploy(diagrams.boundary_timer("timeDuration", "'PT1H'", interrupting=False))
    instance = engine.start("p")
    at = START + timedelta(hours=2)
    assert fire(engine, at) + fire(engine, at) == 1
    assert engine.open_names(instance.id) == ["after_timer", "work"]


def test_fire_due_limit_and_order(engine):
    engine.deploy(diagrams.boundary_timer("timeDuration", "'PT1H'", interrupting=True))
    ids = [engine.start("p").id for _ in range(3)]
    assert fire(engine, START + timedelta(hours=2)) == 3
    assert all(engine.open_names(i) == ["after_timer"] for i in ids)


def test_diagram_code_reads_the_engine_clock(engine, clock):
    xml = diagrams.linear(diagrams.script_task("s", "seen = datetime.now(timezone.utc).isoformat()\nalso = now().isoformat()"),
                          diagrams.user_task("t"), ids=["s", "t"])
    engine.deploy(xml)
    instance = engine.start("p")
    data = engine.data(instance.id)
    assert data["seen"] == clock.now().isoformat() == data["also"]


def test_a_failing_timer_is_postponed_with_backoff_and_recorded(engine):
    xml = diagrams.definitions(
        diagrams.START + diagrams.user_task("work") + diagrams.END + '<bpmn:endEvent id="end2"/>'
        + diagrams.script_task("broken", "x = 1 / zero")
        + '<bpmn:boundaryEvent id="timer" attachedToRef="work" cancelActivity="false">'
        + "<bpmn:timerEventDefinition><bpmn:timeDuration>'PT1H'</bpmn:timeDuration></bpmn:timerEventDefinition>"
        + "</bpmn:boundaryEvent>"
        + diagrams.flow("f0", "start", "work") + diagrams.flow("f1", "work", "end")
        + diagrams.flow("f2", "timer", "broken") + diagrams.flow("f3", "broken", "end2"))
    engine.deploy(xml)
    instance = engine.start("p", {"zero": 0})
    due = START + timedelta(hours=1, seconds=1)
    assert fire(engine, due) == 0
    assert fire(engine, due + timedelta(seconds=30)) == 0  # not retried before its retry time
    with unit_of_work(engine.sessions) as session:
        timer = session.scalar(sa.select(Timer).where(Timer.instance_id == instance.id))
        assert (timer.attempts, timer.retry_at) == (1, due + timedelta(minutes=1))
        assert "ZeroDivisionError" in timer.last_error
    assert fire(engine, due + timedelta(minutes=1, seconds=1)) == 0
    with unit_of_work(engine.sessions) as session:
        timer = session.scalar(sa.select(Timer).where(Timer.instance_id == instance.id))
        assert timer.attempts == 2 and timer.retry_at == due + timedelta(minutes=1, seconds=1) + timedelta(minutes=2)
    assert ("system", "timer_failed", "timer") in engine.history(instance.id)
    assert engine.open_names(instance.id) == ["work"]  # the instance itself is untouched
