"""Messages between instances, correlated by business key, carried through the outbox."""
from __future__ import annotations

import sqlalchemy as sa

from engine import outbox
from engine.db import unit_of_work
from engine.models import Outbox

from . import diagrams
from .conftest import SCOPE


def test_a_thrown_message_reaches_the_waiting_instance_through_the_outbox(engine):
    engine.deploy(diagrams.SENDER)
    engine.deploy(diagrams.RECEIVER)
    receiver = engine.start("receiver", business_key="doc-42")
    bystander = engine.start("receiver", business_key="doc-43")
    sender = engine.start("sender")
    engine.complete(sender.id, "write", {"target": "doc-42", "note": "thu hồi"})

    with unit_of_work(engine.sessions) as session:
        rows = list(session.scalars(sa.select(Outbox)))
    assert [(r.topic, r.payload["name"], r.payload["correlation_key"]) for r in rows] == \
        [("engine.message", "ping", "doc-42")]

    published = []
    assert outbox.relay(engine.sessions, lambda row: published.append(row.id)) == 1
    assert outbox.relay(engine.sessions, lambda row: published.append(row.id)) == 0  # published once

    with unit_of_work(engine.sessions) as session:
        assert engine.runtime.handle_outbox_message(session, published[0]) == 1
    with unit_of_work(engine.sessions) as session:  # redelivery is a no-op
        assert engine.runtime.handle_outbox_message(session, published[0]) == 0

    assert engine.open_names(receiver.id) == ["read"]
    assert engine.data(receiver.id)["ping"] == {"correlation_key": "doc-42", "note": "thu hồi"}
    assert engine.open_names(bystander.id) == []
    assert ("system", "message", "receive") in engine.history(receiver.id)


def test_a_message_for_nobody_is_handled_without_effect(engine):
    engine.deploy(diagrams.RECEIVER)
    waiting = engine.start("receiver", business_key="doc-1")
    with unit_of_work(engine.sessions) as session:
        assert engine.runtime.deliver_message(session, SCOPE, "ping", "doc-unknown", {"note": "x"}) == 0
        assert engine.runtime.deliver_message(session, SCOPE, "other", "doc-1", {"note": "x"}) == 0
    assert engine.open_names(waiting.id) == []


def test_rolled_back_work_leaves_no_outbox_row(engine):
    engine.deploy(diagrams.SENDER)
    sender = engine.start("sender")
    task = engine.task_named(sender.id, "write")
    session = engine.sessions()
    try:
        from engine.runtime import Principal
        engine.runtime.complete(session, task.id, Principal("u", "000.00.01.H99", frozenset({"staff"})),
                                {"target": "doc-1", "note": "x"})
        session.rollback()
    finally:
        session.close()
    with unit_of_work(engine.sessions) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Outbox)) == 0


def test_a_domain_subscriber_hears_each_thrown_message_once_inside_the_step(system, clock):
    from engine.runtime import EngineHooks, Principal, WorkflowRuntime
    from engine.sandbox import Sandbox

    heard = []
    runtime = WorkflowRuntime(Sandbox(), clock=clock,
                              hooks=EngineHooks(subscribers={"ping": lambda session, thrower, payload: heard.append(
                                  (payload, session.in_transaction()))}))
    with unit_of_work(system.sessions) as session:
        runtime.deploy(session, "default", diagrams.SENDER, "t")
    with unit_of_work(system.sessions) as session:
        sender = runtime.start(session, "000.00.01.H99", "sender", "t")
        task = runtime.open_tasks(session, sender.id)[0]
        runtime.complete(session, task.id, Principal("u", "000.00.01.H99", frozenset({"staff"})),
                         {"target": "doc-9", "note": "đã nhận"})
        assert heard == [({"correlation_key": "doc-9", "note": "đã nhận"}, True)]  # before the commit
    published = []
    outbox.relay(system.sessions, lambda row: published.append(row.id))
    for _ in range(2):  # routing the message to catchers never repeats the subscriber
        with unit_of_work(system.sessions) as session:
            runtime.handle_outbox_message(session, published[0])
    assert len(heard) == 1


def test_a_message_without_correlation_key_reaches_only_the_subscriber(system, clock):
    from engine.runtime import EngineHooks, Principal, WorkflowRuntime
    from engine.sandbox import Sandbox

    heard = []
    runtime = WorkflowRuntime(Sandbox(), clock=clock,
                              hooks=EngineHooks(subscribers={"ping": lambda session, thrower, payload: heard.append(payload)}))
    xml = diagrams.SENDER.replace("'correlation_key': target, ", "")
    assert xml != diagrams.SENDER
    with unit_of_work(system.sessions) as session:
        runtime.deploy(session, "default", xml, "t")
    with unit_of_work(system.sessions) as session:
        sender = runtime.start(session, "000.00.01.H99", "sender", "t")
        task = runtime.open_tasks(session, sender.id)[0]
        runtime.complete(session, task.id, Principal("u", "000.00.01.H99", frozenset({"staff"})),
                         {"target": "doc-9", "note": "x"})
    assert heard == [{"note": "x"}]
    with unit_of_work(system.sessions) as session:  # nobody else could catch it: no outbox row
        assert session.scalar(sa.select(sa.func.count()).select_from(Outbox)) == 0


def test_a_message_is_thrown_once_not_again_at_later_steps(engine):
    xml = diagrams.SENDER.replace('<bpmn:endEvent id="end"/>', '').replace(
        'targetRef="end"', 'targetRef="after"').replace(
        "</bpmn:process>", '<bpmn:userTask id="after"/><bpmn:userTask id="last"/><bpmn:endEvent id="end"/>'
        '<bpmn:sequenceFlow id="f8" sourceRef="after" targetRef="last"/>'
        '<bpmn:sequenceFlow id="f9" sourceRef="last" targetRef="end"/></bpmn:process>')
    engine.deploy(xml)
    sender = engine.start("sender")
    engine.complete(sender.id, "write", {"target": "doc-1", "note": "x"})
    engine.complete(sender.id, "after")
    engine.complete(sender.id, "last")
    with unit_of_work(engine.sessions) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Outbox)) == 1
