"""The runtime on both databases: gateways, lanes, queues, claims, conflicts, versions, history."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from engine.db import unit_of_work
from engine.errors import Conflict, NotAllowed, NotFound, ProcessFailed
from engine.models import ProcessInstance
from engine.runtime import Principal, WorkflowRuntime
from engine.sandbox import Sandbox

from . import diagrams
from .conftest import SCOPE, Harness

LEADER = Principal("lead", SCOPE, frozenset({"leader"}))
STAFF = Principal("staff1", SCOPE, frozenset({"staff"}))
OTHER_AGENCY_LEADER = Principal("lead", "000.00.02.H99", frozenset({"leader"}))


def test_exclusive_gateway_takes_the_matching_flow(engine):
    engine.deploy(diagrams.GATEWAY)
    yes, no = engine.start("p").id, engine.start("p").id
    engine.complete(yes, "review", {"approved": True}, LEADER)
    engine.complete(no, "review", {"approved": False}, LEADER)
    assert engine.open_names(yes) == ["publish"]
    assert engine.open_names(no) == ["rework"]


def test_lanes_become_candidate_roles_and_queues_respect_them(engine):
    engine.deploy(diagrams.GATEWAY)
    instance = engine.start("p")
    assert [t.spec_name for t in engine.tasks(LEADER)] == ["review"]
    assert engine.tasks(STAFF) == []
    assert engine.tasks(OTHER_AGENCY_LEADER) == []
    review = engine.task_named(instance.id, "review")
    assert review.lane == "leader" and review.candidate_role == "leader" and review.title == "Duyệt"
    with pytest.raises(NotAllowed):
        engine.complete(instance.id, "review", {"approved": True}, STAFF)
    with pytest.raises(NotFound):
        engine.complete(instance.id, "review", {"approved": True}, OTHER_AGENCY_LEADER)


def test_state_round_trips_through_the_database_between_steps(engine):
    engine.deploy(diagrams.GATEWAY)
    instance = engine.start("p", {"subject": "Công văn số 1"})
    engine.complete(instance.id, "review", {"approved": True}, LEADER)
    engine.complete(instance.id, "publish", {"published": "yes"}, STAFF)
    assert engine.instance(instance.id).status == "completed"
    data = engine.data(instance.id)
    assert data["subject"] == "Công văn số 1" and data["approved"] is True and data["published"] == "yes"


def test_history_records_every_step_with_actor(engine):
    engine.deploy(diagrams.GATEWAY)
    instance = engine.start("p")
    engine.complete(instance.id, "review", {"approved": False}, LEADER)
    history = engine.history(instance.id)
    assert history[0] == ("tester", "started", None)
    assert ("lead", "completed", "review") in history
    assert ("system", "step", "gw") in history


def test_claim_unclaim_and_a_second_claim_conflicts(engine):
    engine.deploy(diagrams.GATEWAY)
    instance = engine.start("p")
    task = engine.task_named(instance.id, "review")
    other = Principal("lead2", SCOPE, frozenset({"leader"}))
    with unit_of_work(engine.sessions) as session:
        engine.runtime.claim(session, task.id, LEADER)
    with pytest.raises(Conflict), unit_of_work(engine.sessions) as session:
        engine.runtime.claim(session, task.id, other)
    assert [t.id for t in engine.tasks(other)] == []  # claimed work leaves the shared queue
    with pytest.raises(Conflict):
        engine.complete(instance.id, "review", {"approved": True}, other)
    with unit_of_work(engine.sessions) as session:
        engine.runtime.unclaim(session, task.id, LEADER)
    assert [t.id for t in engine.tasks(other)] == [task.id]


def test_completing_twice_conflicts_and_changes_nothing(engine):
    engine.deploy(diagrams.GATEWAY)
    instance = engine.start("p")
    task = engine.task_named(instance.id, "review")
    engine.complete(instance.id, "review", {"approved": True}, LEADER)
    version = engine.instance(instance.id).version
    with pytest.raises(Conflict), unit_of_work(engine.sessions) as session:
        engine.runtime.complete(session, task.id, LEADER, {"approved": False})
    assert engine.instance(instance.id).version == version
    assert engine.open_names(instance.id) == ["publish"]


def test_stale_writer_gets_a_conflict(engine):
    """Two sessions load the same version; the second save is refused (optimistic locking)."""
    engine.deploy(diagrams.GATEWAY)
    instance = engine.start("p")
    task = engine.task_named(instance.id, "review")
    first, second = engine.sessions(), engine.sessions()
    try:
        second.get(ProcessInstance, instance.id)  # second has read version 1
        engine.runtime.complete(first, task.id, LEADER, {"approved": True})
        first.commit()
        with pytest.raises(Conflict):
            engine.runtime.complete(second, task.id, LEADER, {"approved": False})
        second.rollback()
    finally:
        first.close()
        second.close()
    assert engine.open_names(instance.id) == ["publish"]


def test_running_instances_keep_their_version_and_agencies_override_the_default(engine):
    engine.deploy(diagrams.GATEWAY)
    old = engine.start("p")
    changed = diagrams.GATEWAY.replace('name="Duyệt"', 'name="Duyệt (bản của cơ quan)"')
    override = engine.deploy(changed, scope=SCOPE)
    assert (override.scope, override.version) == (SCOPE, 1)
    new = engine.start("p")
    other_agency = engine.start("p", scope="000.00.02.H99")
    assert engine.task_named(old.id, "review").title == "Duyệt"
    assert engine.task_named(new.id, "review").title == "Duyệt (bản của cơ quan)"
    with unit_of_work(engine.sessions) as session:
        assert session.get(ProcessInstance, other_agency.id).definition_id != override.id
    assert engine.deploy(changed, scope=SCOPE).id == override.id  # same bytes: same version
    assert engine.deploy(changed.replace("bản của", "bản mới của"), scope=SCOPE).version == 2


def test_cancel_withdraws_open_tasks(engine):
    engine.deploy(diagrams.GATEWAY)
    instance = engine.start("p")
    with unit_of_work(engine.sessions) as session:
        engine.runtime.cancel(session, instance.id, LEADER.scope, LEADER.user, "nhầm")
    assert engine.instance(instance.id).status == "cancelled"
    assert engine.open_names(instance.id) == []
    assert ("lead", "cancelled", None) in engine.history(instance.id)


def test_service_task_calls_the_registered_handler(engine):
    engine.deploy(diagrams.SERVICE)
    instance = engine.start("service", {"amount": 21})
    assert engine.open_names(instance.id) == ["check"]
    assert engine.data(instance.id)["doubled"] == {"value": 42}


def test_a_failing_script_refuses_the_step_and_stores_nothing(engine):
    engine.deploy(diagrams.linear(diagrams.user_task("a"), diagrams.script_task("s", "result = 1 / divisor"),
                                  diagrams.user_task("b"), ids=["a", "s", "b"]))
    instance = engine.start("p")
    version = engine.instance(instance.id).version
    with pytest.raises(ProcessFailed, match="ZeroDivisionError"):
        engine.complete(instance.id, "a", {"divisor": 0})
    assert engine.instance(instance.id).version == version
    assert engine.open_names(instance.id) == ["a"]
    engine.complete(instance.id, "a", {"divisor": 4})
    assert engine.data(instance.id)["result"] == 0.25


def test_queue_orders_by_urgency_then_due_date(engine):
    xml = diagrams.linear(diagrams.user_task("t", props={"urgency": "level", "dueDate": "due"}), ids=["t"])
    engine.deploy(xml)
    late = engine.start("p", {"level": 0, "due": "2026-11-30T17:00:00+07:00"})
    early = engine.start("p", {"level": 0, "due": "2026-11-25T17:00:00+07:00"})
    flash = engine.start("p", {"level": 3, "due": "2026-12-30T17:00:00+07:00"})
    queue = [t.instance_id for t in engine.tasks(Principal("x", SCOPE, frozenset()))]
    assert queue == [flash.id, early.id, late.id]


def test_candidate_user_and_unit_properties(engine):
    xml = diagrams.linear(diagrams.user_task("mine", props={"candidateUser": "owner"}),
                          diagrams.user_task("unit", props={"candidateUnit": "unit_id"}), ids=["mine", "unit"])
    engine.deploy(xml)
    instance = engine.start("p", {"owner": "u7", "unit_id": 12})
    u7 = Principal("u7", SCOPE)
    assert [t.spec_name for t in engine.tasks(u7)] == ["mine"]
    assert engine.tasks(Principal("u8", SCOPE)) == []
    engine.complete(instance.id, "mine", {}, u7)
    assert engine.tasks(Principal("u9", SCOPE, units=frozenset({"12"})))[0].spec_name == "unit"
    assert engine.tasks(Principal("u9", SCOPE, units=frozenset({"13"}))) == []


def test_default_diagram_falls_back_when_agency_has_none(engine):
    with pytest.raises(NotFound):
        engine.start("p")
    engine.deploy(diagrams.GATEWAY)
    with unit_of_work(engine.sessions) as session:
        count = session.scalar(sa.select(sa.func.count()).select_from(ProcessInstance))
    assert count == 0
    assert engine.start("p").status == "running"


def test_a_user_task_inside_an_embedded_subprocess_is_queued_once_and_completes(engine):
    """A workflow's own task iterator descends into its subprocesses: projected per workflow, a
    subprocess's tasks were counted twice and the start failed on the unique task id."""
    inner = ('<bpmn:subProcess id="inner"><bpmn:startEvent id="inner_start"/>' + diagrams.user_task("sign")
             + '<bpmn:endEvent id="inner_end"/>' + diagrams.flow("i0", "inner_start", "sign")
             + diagrams.flow("i1", "sign", "inner_end") + "</bpmn:subProcess>")
    engine.deploy(diagrams.definitions(diagrams.START + inner + diagrams.END + diagrams.flow("f0", "start", "inner")
                                       + diagrams.flow("f1", "inner", "end")))
    instance = engine.start("p")
    assert engine.open_names(instance.id) == ["sign"]
    engine.complete(instance.id, "sign")
    assert engine.instance(instance.id).status == "completed"


def test_a_parallel_multi_instance_task_completes_in_another_process(engine, system, clock):
    """Its children were created by one process; another (a worker, the web after a restart),
    with the spec parsed afresh, completes them: the task must still hear them and go on."""
    many = diagrams.definitions(
        diagrams.START + '<bpmn:userTask id="opinion"><bpmn:multiInstanceLoopCharacteristics>'
        "<bpmn:loopCardinality>2</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>"
        + diagrams.user_task("after") + diagrams.END
        + diagrams.flow("f0", "start", "opinion") + diagrams.flow("f1", "opinion", "after")
        + diagrams.flow("f2", "after", "end"))
    engine.deploy(many)
    instance = engine.start("p")
    assert engine.open_names(instance.id) == ["opinion", "opinion"]
    elsewhere = Harness(system, WorkflowRuntime(Sandbox(), clock=clock))  # its own spec cache
    for _ in range(2):
        elsewhere.complete(instance.id, "opinion")
    assert elsewhere.open_names(instance.id) == ["after"]
