"""Failed work, the way trusted job executors handle it: a timer's firing or a message's delivery
that fails — with any exception, not only the engine's own — is retried with backoff, then
becomes an incident that the scope's process admin retries, skips or cancels; the sweep goes on
with everyone else's timers meanwhile."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from engine import outbox
from engine.db import unit_of_work
from engine.errors import Conflict, NotFound, ProcessFailed
from engine.models import Incident, Outbox, Timer
from engine.runtime import EngineHooks, Principal, WorkflowRuntime
from engine.sandbox import Sandbox

from . import diagrams
from .conftest import SCOPE, Harness

OTHER_SCOPE = "000.00.02.H99"
DUE = timedelta(hours=1, seconds=1)


class Flaky:
    """A service handler that fails with a plain Python error (not an engine error) while broken."""

    def __init__(self) -> None:
        self.broken = True
        self.calls = 0

    def __call__(self, params, data):
        self.calls += 1
        if self.broken:
            raise RuntimeError("the mail server said no")
        return {"ok": True}


@pytest.fixture
def flaky() -> Flaky:
    return Flaky()


@pytest.fixture
def engine(system, clock, flaky) -> Harness:
    hooks = EngineHooks(services={"flaky": flaky, "fine": lambda params, data: {"ok": True}})
    return Harness(system, WorkflowRuntime(Sandbox(), clock=clock, hooks=hooks))


def fire(engine: Harness, at) -> int:
    return engine.runtime.fire_due(engine.sessions, at)


def rows(engine: Harness, model, **where):
    with unit_of_work(engine.sessions) as session:
        return list(session.scalars(sa.select(model).filter_by(**where).order_by(model.id)))


def test_a_timer_failing_with_any_exception_does_not_stop_other_agencies_timers(engine, clock, flaky):
    engine.deploy(diagrams.timer_then_service("flaky"), scope=SCOPE)
    engine.deploy(diagrams.timer_then_service("fine"), scope=OTHER_SCOPE)
    broken = engine.start("p", scope=SCOPE)
    healthy = engine.start("p", scope=OTHER_SCOPE)
    # Before: the RuntimeError escaped fire_due and every later timer waited behind it forever.
    assert fire(engine, clock.now() + DUE) == 1
    assert flaky.calls == 1
    assert ("system", "step", "notify") in engine.history(healthy.id)
    (timer,) = rows(engine, Timer, instance_id=broken.id)
    assert timer.attempts == 1 and "RuntimeError: the mail server said no" in timer.last_error
    assert ("system", "timer_failed", "remind") in engine.history(broken.id)


def exhaust(engine: Harness, instance_id: int) -> list:
    """Fire the instance's timer at each retry time until its attempts are spent; the gaps."""
    gaps, at = [], None
    for _ in range(4):
        (timer,) = rows(engine, Timer, instance_id=instance_id)
        due = timer.retry_at or timer.fire_at
        if at is not None:
            gaps.append(due - at)
        at = due + timedelta(seconds=1)
        assert fire(engine, at) == 0
    return gaps


def test_after_its_last_attempt_a_timer_becomes_an_incident_and_is_not_retried_alone(engine, clock, flaky):
    engine.deploy(diagrams.timer_then_service("flaky"), scope=SCOPE)
    instance = engine.start("p")
    gaps = exhaust(engine, instance.id)
    assert gaps == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]  # backoff
    assert flaky.calls == 4
    (incident,) = rows(engine, Incident)
    assert (incident.scope, incident.instance_id, incident.job, incident.element, incident.attempts) == (
        SCOPE, instance.id, "timer", "remind", 4)
    assert "the mail server said no" in incident.error and incident.resolved_at is None
    assert fire(engine, clock.now() + timedelta(days=30)) == 0 and flaky.calls == 4  # waits for a person
    assert ("system", "incident", "remind") in engine.history(instance.id)
    with unit_of_work(engine.sessions) as session:
        assert [i.id for i in engine.runtime.incidents(session, SCOPE)] == [incident.id]
        assert engine.runtime.incidents(session, OTHER_SCOPE) == []  # another agency sees none of it


def failed_instance(engine: Harness) -> tuple:
    """A new instance whose reminder timer failed every attempt: (the instance, its incident)."""
    instance = engine.start("p")
    exhaust(engine, instance.id)
    return instance, rows(engine, Incident, instance_id=instance.id)[0]


def test_the_process_admin_retries_an_incident_once_the_cause_is_fixed(engine, clock, flaky):
    engine.deploy(diagrams.timer_then_service("flaky"), scope=SCOPE)
    instance, incident = failed_instance(engine)
    flaky.broken = False
    with unit_of_work(engine.sessions) as session:
        engine.runtime.retry_incident(session, incident.id, SCOPE, "admin-1")
    assert fire(engine, clock.now() + timedelta(hours=2)) == 1
    assert ("system", "step", "notify") in engine.history(instance.id)
    (resolved,) = rows(engine, Incident)
    assert (resolved.resolution, resolved.resolved_by) == ("retried", "admin-1")
    with unit_of_work(engine.sessions) as session, pytest.raises(Conflict):
        engine.runtime.retry_incident(session, incident.id, SCOPE, "admin-2")  # decided once


def test_skip_gives_up_the_firing_and_cancel_ends_the_instance(engine, clock, flaky):
    engine.deploy(diagrams.timer_then_service("flaky"), scope=SCOPE)
    skipped, first = failed_instance(engine)
    with unit_of_work(engine.sessions) as session:
        engine.runtime.skip_incident(session, first.id, SCOPE, "admin-1")
    assert rows(engine, Timer, instance_id=skipped.id) == []
    assert engine.open_names(skipped.id) == ["work"]  # the people's work goes on
    assert fire(engine, clock.now() + timedelta(days=2)) == 0 and flaky.calls == 4

    cancelled, second = failed_instance(engine)
    with unit_of_work(engine.sessions) as session:
        with pytest.raises(NotFound):
            engine.runtime.cancel_incident(session, second.id, OTHER_SCOPE, "stranger", "x")
    with unit_of_work(engine.sessions) as session:
        engine.runtime.cancel_incident(session, second.id, SCOPE, "admin-1", "sai quy trình")
    assert engine.instance(cancelled.id).status == "cancelled"
    assert [(i.resolution) for i in rows(engine, Incident)] == ["skipped", "cancelled"]


def test_a_message_whose_delivery_fails_is_retried_then_raised_as_an_incident(engine, clock):
    receiver = diagrams.RECEIVER.replace(
        '<bpmn:userTask id="read" name="read"></bpmn:userTask>',
        '<bpmn:scriptTask id="read"><bpmn:script>x = ping["note"] / 0</bpmn:script></bpmn:scriptTask>')
    assert receiver != diagrams.RECEIVER
    engine.deploy(diagrams.SENDER)
    engine.deploy(receiver)
    waiting = engine.start("receiver", business_key="doc-1")
    sender = engine.start("sender")
    engine.complete(sender.id, "write", {"target": "doc-1", "note": 5})
    from tasks.inline import drain

    assert drain(engine.system) == 0  # the handler failed: counted on the row, not handled
    (row,) = rows(engine, Outbox)
    assert (row.attempts, row.handled_at, row.published_at, row.scope) == (1, None, None, SCOPE)
    assert row.retry_at == clock.now() + timedelta(minutes=1)
    assert drain(engine.system) == 0  # not before its retry time
    for minutes in (1, 2, 4):  # the backoff between the four attempts
        clock.advance(minutes=minutes, seconds=1)
        drain(engine.system)
    (row,) = rows(engine, Outbox)
    (incident,) = rows(engine, Incident)
    assert (row.attempts, row.incident_id) == (4, incident.id)
    assert (incident.job, incident.instance_id, incident.scope) == ("message", waiting.id, SCOPE)
    assert "ZeroDivisionError" in incident.error
    clock.advance(days=1)
    assert drain(engine.system) == 0  # an incident is never re-published by the relay alone
    with unit_of_work(engine.sessions) as session:
        engine.runtime.skip_incident(session, incident.id, SCOPE, "admin-1")
    (row,) = rows(engine, Outbox)
    assert row.handled_at is not None


def test_a_row_published_but_never_handled_is_published_again_after_the_visibility_timeout(engine, clock):
    """Published is not done: a message lost by the broker (Redis restarted while the worker was
    behind) is found by the relay and delivered, exactly once."""
    engine.deploy(diagrams.SENDER)
    engine.deploy(diagrams.RECEIVER)
    waiting = engine.start("receiver", business_key="doc-1")
    sender = engine.start("sender")
    engine.complete(sender.id, "write", {"target": "doc-1", "note": "x"})
    lost: list[int] = []
    assert outbox.relay(engine.sessions, lambda row: lost.append(row.id), now=clock.now()) == 1  # ...and the broker lost it
    assert outbox.relay(engine.sessions, lost.append, now=clock.now()) == 0  # within the timeout: not yet
    clock.advance(seconds=outbox.VISIBILITY_TIMEOUT.total_seconds() + 1)
    again: list[int] = []
    assert outbox.relay(engine.sessions, lambda row: again.append(row.id), now=clock.now()) == 1
    assert again == lost
    with unit_of_work(engine.sessions) as session:
        assert engine.runtime.handle_outbox_message(session, again[0]) == 1
    with unit_of_work(engine.sessions) as session:
        assert engine.runtime.handle_outbox_message(session, again[0]) == 0  # a late duplicate: no effect
    clock.advance(hours=1)
    assert outbox.relay(engine.sessions, lost.append, now=clock.now()) == 0  # handled rows are done
    assert engine.open_names(waiting.id) == ["read"]


def test_messages_never_correlate_across_agencies(engine):
    """Agency B's diagram throws a message with agency A's business key: A's instance waits on."""
    engine.deploy(diagrams.SENDER)
    engine.deploy(diagrams.RECEIVER)
    victim = engine.start("receiver", business_key="doc-1", scope=SCOPE)
    attacker = engine.start("sender", scope=OTHER_SCOPE)
    engine.complete(attacker.id, "write", {"target": "doc-1", "note": "giả mạo"},
                    principal=Principal("b", OTHER_SCOPE, frozenset({"staff"})))
    from tasks.inline import drain

    drain(engine.system)
    assert engine.open_names(victim.id) == []  # still waiting for a message of its own agency
    own = engine.start("sender", scope=SCOPE)
    engine.complete(own.id, "write", {"target": "doc-1", "note": "thật"})
    drain(engine.system)
    assert engine.open_names(victim.id) == ["read"]
    assert engine.data(victim.id)["ping"]["note"] == "thật"


def test_a_failing_condition_says_why_in_the_error_and_the_incident(engine):
    """SpiffWorkflow keeps an expression's reason only as the cause: the message must carry it."""
    engine.deploy(diagrams.GATEWAY)
    instance = engine.start("p")
    with pytest.raises(ProcessFailed) as failed:
        engine.complete(instance.id, "review", principal=Principal("u", SCOPE, frozenset({"leader"})))
    assert "name 'approved' is not defined" in failed.value.message
    assert "approved == True" in failed.value.message
    (incident,) = rows(engine, Incident)
    assert (incident.job, incident.element) == ("task", "review") and "approved" in incident.error


def test_a_message_for_several_instances_is_delivered_to_each_on_its_own(engine):
    """One recipient whose step fails neither holds up nor takes down the others: each gets its
    own row, budget and transaction, and the incident names that one recipient."""
    failing = diagrams.RECEIVER.replace(
        '<bpmn:userTask id="read" name="read"></bpmn:userTask>',
        '<bpmn:scriptTask id="read"><bpmn:script>x = 1 / 0</bpmn:script></bpmn:scriptTask>').replace(
        'id="receiver"', 'id="broken_receiver"')
    engine.deploy(diagrams.SENDER)
    engine.deploy(diagrams.RECEIVER)
    engine.deploy(failing)
    healthy = engine.start("receiver", business_key="doc-1")
    broken = engine.start("broken_receiver", business_key="doc-1")
    sender = engine.start("sender")
    engine.complete(sender.id, "write", {"target": "doc-1", "note": "x"})
    from tasks.inline import drain

    drain(engine.system)
    assert engine.open_names(healthy.id) == ["read"]  # delivered although the other failed
    failed = [row for row in rows(engine, Outbox) if row.handled_at is None]
    assert [(row.payload["instance"], row.attempts) for row in failed] == [(broken.id, 1)]


def test_a_second_decision_on_an_incident_loaded_before_the_first_is_a_conflict(engine, clock, flaky):
    engine.deploy(diagrams.timer_then_service("flaky"), scope=SCOPE)
    instance, incident = failed_instance(engine)
    with unit_of_work(engine.sessions) as late:
        engine.runtime.incident(late, incident.id, SCOPE)  # this admin's page loaded it unresolved
        with unit_of_work(engine.sessions) as first:
            engine.runtime.skip_incident(first, incident.id, SCOPE, "admin-1")
        with pytest.raises(Conflict, match="already resolved"):
            engine.runtime.cancel_incident(late, incident.id, SCOPE, "admin-2", "huỷ")
    assert engine.instance(instance.id).status == "running"
