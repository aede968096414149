"""The engine's own constructs under hard limits: a diagram that loops through gateways forever,
asks for a billion multi-instance children, repeats a timer without pause or grows its state
without end is stopped in its step, nothing of the step is stored, and when nobody is waiting on
the answer (a timer fired it) the instance gets an incident at once — retrying cannot help."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from engine.db import unit_of_work
from engine.errors import Conflict, ProcessFailed
from engine.limits import LimitExceeded, Limits
from engine.models import HumanTask, Incident, ProcessInstance, Timer
from engine.runtime import WorkflowRuntime
from engine.sandbox import Sandbox

from . import diagrams
from .conftest import Harness

START, END, flow = diagrams.START, diagrams.END, diagrams.flow

FOREVER = diagrams.definitions(
    START + diagrams.script_task("count", "n = n + 1") + '<bpmn:exclusiveGateway id="again" default="back"/>'
    + diagrams.user_task("never") + END
    + flow("f0", "start", "count") + flow("f1", "count", "again") + flow("back", "again", "count")
    + flow("out", "again", "never", "n &lt; 0") + flow("f2", "never", "end"))

MANY = diagrams.definitions(
    START + '<bpmn:scriptTask id="many"><bpmn:multiInstanceLoopCharacteristics>'
    "<bpmn:loopCardinality>how_many</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>"
    "<bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>" + diagrams.user_task("after") + END
    + flow("f0", "start", "many") + flow("f1", "many", "after") + flow("f2", "after", "end"))

WILD_CYCLE = diagrams.definitions(
    START + diagrams.user_task("work") + END + '<bpmn:endEvent id="end2"/>'
    + diagrams.script_task("ping", "pinged = True")
    + '<bpmn:boundaryEvent id="every" attachedToRef="work" cancelActivity="false">'
    + "<bpmn:timerEventDefinition><bpmn:timeCycle>cycle</bpmn:timeCycle></bpmn:timerEventDefinition>"
    + "</bpmn:boundaryEvent>"
    + flow("f0", "start", "work") + flow("f1", "work", "end") + flow("f2", "every", "ping") + flow("f3", "ping", "end2"))

# After an hour, a script loops through a gateway forever: nobody waits on this step's answer.
RUNAWAY_AFTER_TIMER = diagrams.definitions(
    START + diagrams.user_task("work") + END
    + '<bpmn:boundaryEvent id="later" attachedToRef="work" cancelActivity="true">'
    + "<bpmn:timerEventDefinition><bpmn:timeDuration>'PT1H'</bpmn:timeDuration></bpmn:timerEventDefinition>"
    + "</bpmn:boundaryEvent>"
    + diagrams.script_task("count", "n = n + 1") + '<bpmn:exclusiveGateway id="again" default="back"/>'
    + '<bpmn:endEvent id="end2"/>'
    + flow("f0", "start", "work") + flow("f1", "work", "end") + flow("f2", "later", "count")
    + flow("f3", "count", "again") + flow("back", "again", "count") + flow("out", "again", "end2", "n &lt; 0"))


# A person completes `work`, then a script loops through a gateway forever.
RUNAWAY_AFTER_WORK = diagrams.definitions(
    START + diagrams.user_task("work") + diagrams.script_task("count", "n = n + 1")
    + '<bpmn:exclusiveGateway id="again" default="back"/>' + END
    + flow("f0", "start", "work") + flow("f1", "work", "count") + flow("f2", "count", "again")
    + flow("back", "again", "count") + flow("out", "again", "end", "n &lt; 0"))


def limited(system, clock, **limits) -> Harness:
    """An engine with some limits lowered, so a test reaches them quickly."""
    return Harness(system, WorkflowRuntime(Sandbox(), clock=clock, limits=Limits(**limits)))


def growing(script: str) -> str:
    """A script that builds process data, then a user task: the state is stored after the script."""
    return diagrams.linear(diagrams.script_task("grow", script), diagrams.user_task("t"), ids=["grow", "t"])


def counts(engine: Harness) -> tuple[int, int, int]:
    with unit_of_work(engine.sessions) as session:
        return tuple(session.scalar(sa.select(sa.func.count()).select_from(m))
                     for m in (ProcessInstance, HumanTask, Timer))


@pytest.mark.parametrize("limits, reason", [
    (Limits(new_tasks_per_step=300), "created more than 300 tasks"),
    (Limits(step_seconds=0.5, new_tasks_per_step=1_000_000), "ran longer than the limit of 0.5 s"),
], ids=["task budget", "time budget"])
def test_a_loop_through_gateways_forever_is_stopped_and_nothing_is_stored(system, clock, limits, reason):
    engine = Harness(system, WorkflowRuntime(Sandbox(), clock=clock, limits=limits))
    engine.deploy(FOREVER)
    began = time.monotonic()
    with pytest.raises(LimitExceeded, match=reason):
        engine.start("p", {"n": 0})
    assert time.monotonic() - began < 30  # bounded by the budget, not by luck
    assert counts(engine) == (0, 0, 0)


def test_a_billion_multi_instance_children_are_refused_before_they_are_made(engine):
    engine.deploy(MANY)
    began = time.monotonic()
    with pytest.raises(LimitExceeded):
        engine.start("p", {"how_many": 1_000_000_000})
    assert time.monotonic() - began < 30
    assert counts(engine) == (0, 0, 0)
    instance = engine.start("p", {"how_many": 3})  # a sane cardinality runs
    assert engine.open_names(instance.id) == ["after"]


def test_a_timer_cycle_computed_below_the_minimum_interval_is_refused(engine):
    engine.deploy(WILD_CYCLE)
    with pytest.raises(LimitExceeded, match="more often than once per 60 s"):
        engine.start("p", {"cycle": "R/PT0S"})
    assert counts(engine) == (0, 0, 0)
    instance = engine.start("p", {"cycle": "R2/PT1H"})
    assert engine.open_names(instance.id) == ["work"]


def test_the_stored_state_and_the_task_tree_are_bounded(system, clock):
    small = limited(system, clock, state_bytes=50_000)
    small.deploy(growing("blob = 'x' * 60000"))
    with pytest.raises(LimitExceeded, match="instance state"):
        small.start("p")
    assert counts(small) == (0, 0, 0)
    few = limited(system, clock, tasks_per_instance=10)
    few.deploy(MANY)
    with pytest.raises(LimitExceeded, match="tasks, over the limit of 10"):
        few.start("p", {"how_many": 8})


def test_a_runaway_step_fired_by_a_timer_becomes_an_incident_at_once(system, clock):
    engine = limited(system, clock, new_tasks_per_step=300)
    engine.deploy(RUNAWAY_AFTER_TIMER)
    instance = engine.start("p", {"n": 0})
    assert engine.runtime.fire_due(engine.sessions, clock.now() + timedelta(hours=1, seconds=1)) == 0
    with unit_of_work(engine.sessions) as session:
        (incident,) = session.scalars(sa.select(Incident))
        timer = session.scalar(sa.select(Timer))
        assert (incident.instance_id, incident.element, incident.attempts) == (instance.id, "later", 1)
        assert "created more than" in incident.error and timer.incident_id == incident.id
    assert engine.open_names(instance.id) == ["work"]  # the aborted step left the instance as it was


def test_a_candidate_longer_than_its_column_is_a_clear_process_error(engine):
    engine.deploy(diagrams.linear(diagrams.user_task("t", props={"candidateUser": "who"}), ids=["t"]))
    with pytest.raises(ProcessFailed, match="candidateUser is longer than 100 characters"):
        engine.start("p", {"who": "u" * 101})
    assert counts(engine) == (0, 0, 0)


def test_a_persons_step_over_a_limit_is_refused_and_becomes_an_incident_for_the_admin(system, clock):
    engine = limited(system, clock, new_tasks_per_step=300)
    engine.deploy(RUNAWAY_AFTER_WORK)
    instance = engine.start("p", {"n": 0})
    for attempt in (1, 2):
        with pytest.raises(LimitExceeded):
            engine.complete(instance.id, "work")
        with unit_of_work(engine.sessions) as session:
            (incident,) = session.scalars(sa.select(Incident))
            assert (incident.job, incident.element, incident.attempts) == ("task", "work", attempt)
    assert engine.open_names(instance.id) == ["work"]  # the person's step stored nothing
    with unit_of_work(engine.sessions) as session, pytest.raises(Conflict, match="nothing to retry"):
        engine.runtime.retry_incident(session, incident.id, incident.scope, "admin")


def test_the_state_limit_counts_bytes_not_characters(system, clock):
    """Vietnamese text is 2–3 bytes a character in UTF-8: 20,000 'ệ' are 60,000 bytes."""
    small = limited(system, clock, state_bytes=50_000)
    small.deploy(growing("note = 'ệ' * 20000"))
    with pytest.raises(LimitExceeded, match="instance state"):
        small.start("p")
