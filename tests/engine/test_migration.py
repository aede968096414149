"""Moving running instances to a newer version, on both databases: where waiting tasks land,
what is refused (naming the element) with nothing changed, bulk calls all or nothing, a
concurrent step against a migration, and the projections (tasks, timers, waits) afterwards."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from engine import migration
from engine.db import unit_of_work
from engine.errors import Conflict, InvalidData, NotFound
from engine.migration import MigrationRefused
from engine.models import HumanTask, MessageWait, ProcessInstance, Timer
from engine.runtime import Principal

from . import diagrams
from .conftest import SCOPE
from .diagrams import END, START, definitions, flow, user_task

CLOCK_START = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)
OTHER_SCOPE = "000.00.02.H99"
STAFF = Principal("u1", SCOPE, frozenset({"staff"}))

ONE_STEP = diagrams.linear(user_task("draft", "Soạn"), ids=["draft"])
TWO_STEPS = diagrams.linear(user_task("draft", "Soạn thảo"), user_task("check", "Kiểm tra"), ids=["draft", "check"])
CHECK_ONLY = diagrams.linear(user_task("check", "Kiểm tra"), ids=["check"])


def migrate(engine, source, target, ids=None, **kwargs):
    with unit_of_work(engine.sessions) as session:
        return engine.runtime.migrate(session, SCOPE, source.id, target.id, "admin", "v2 adds a check",
                                      instance_ids=ids, **kwargs)


def preview(engine, source, target, ids=None, scope=SCOPE):
    with unit_of_work(engine.sessions) as session:
        return engine.runtime.preview_migration(session, scope, source.id, target.id, ids)


def row(engine, instance_id):
    with unit_of_work(engine.sessions) as session:
        found = session.get(ProcessInstance, instance_id)
        return found.definition_id, found.version, found.state


def timers(engine, instance_id):
    with unit_of_work(engine.sessions) as session:
        rows = session.scalars(sa.select(Timer).where(Timer.instance_id == instance_id))
        return [(t.spec_name, t.fire_at) for t in rows]


def test_a_waiting_task_moves_to_the_next_version_and_goes_on_along_its_path(engine):
    v1 = engine.deploy(ONE_STEP)
    instance = engine.start("p", {"subject": "x"}, business_key="12/UBND")
    v2 = engine.deploy(TWO_STEPS)
    task = engine.task_named(instance.id, "draft")
    with unit_of_work(engine.sessions) as session:
        engine.runtime.claim(session, task.id, STAFF)

    plan = preview(engine, v1, v2)
    assert plan.movable and [p.instance_id for p in plan.instances] == [instance.id]
    landing, = plan.instances[0].landings
    assert (landing.element, landing.state, landing.lands_on) == ("draft", "READY", "draft")
    assert "bpmn_name" in landing.changed
    assert row(engine, instance.id)[0] == v1.id  # a preview stores nothing

    migrate(engine, v1, v2)
    assert row(engine, instance.id)[0] == v2.id
    moved = engine.task_named(instance.id, "draft")
    # The task survives: same row, same claim; its title follows the new version.
    assert (moved.id, moved.task_id, moved.assignee) == (task.id, task.task_id, "u1")
    assert moved.title == "Soạn thảo"
    assert ("admin", "migrated", None) in engine.history(instance.id)
    with unit_of_work(engine.sessions) as session:
        entry = engine.runtime.history(session, instance.id)[-1]
        assert entry.data["from_version"] == 1 and entry.data["to_version"] == 2
        assert entry.data["reason"] == "v2 adds a check"

    engine.complete(instance.id, "draft", principal=STAFF)
    assert engine.open_names(instance.id) == ["check"]  # v2's path
    engine.complete(instance.id, "check")
    assert engine.instance(instance.id).status == "completed"
    assert engine.data(instance.id)["subject"] == "x"


def test_a_removed_waiting_task_is_refused_naming_it_and_nothing_changes(engine):
    v1 = engine.deploy(TWO_STEPS)
    instance = engine.start("p")
    v2 = engine.deploy(CHECK_ONLY)
    before = row(engine, instance.id)
    plan = preview(engine, v1, v2)
    assert not plan.movable
    refusal, = plan.instances[0].refusals
    assert (refusal.kind, refusal.element) == ("waiting_removed", "draft")
    assert "'draft' is waiting and is not in version 2" in str(refusal)
    assert plan.instances[0].landings[0].lands_on is None
    with pytest.raises(MigrationRefused) as refused:
        migrate(engine, v1, v2)
    assert "'draft'" in refused.value.errors[f"instance {instance.id}"]
    assert row(engine, instance.id) == before
    assert engine.open_names(instance.id) == ["draft"]
    assert all(action != "migrated" for _, action, _ in engine.history(instance.id))


def test_a_passed_element_that_is_gone_is_refused(engine):
    v1 = engine.deploy(TWO_STEPS)
    instance = engine.start("p")
    engine.complete(instance.id, "draft")
    v2 = engine.deploy(CHECK_ONLY)
    refusals = preview(engine, v1, v2).instances[0].refusals
    assert any("'draft' was passed" in str(r) for r in refusals)


def test_bulk_moves_fifty_instances_in_one_call(engine):
    v1 = engine.deploy(ONE_STEP)
    ids = [engine.start("p").id for _ in range(50)]
    v2 = engine.deploy(TWO_STEPS)
    plan = migrate(engine, v1, v2)
    assert sorted(p.instance_id for p in plan.instances) == ids
    with unit_of_work(engine.sessions) as session:
        on_v2 = session.scalar(sa.select(sa.func.count()).select_from(ProcessInstance)
                               .where(ProcessInstance.definition_id == v2.id))
        tasks = session.scalar(sa.select(sa.func.count()).select_from(HumanTask).where(HumanTask.status == "ready"))
    assert (on_v2, tasks) == (50, 50)
    engine.complete(ids[7], "draft")
    assert engine.open_names(ids[7]) == ["check"]


def test_one_refusal_refuses_the_whole_bulk_call(engine):
    v1 = engine.deploy(TWO_STEPS)
    waiting = [engine.start("p").id for _ in range(4)]
    engine.complete(waiting[2], "draft")  # now at 'check', which version 2 removes
    v2 = engine.deploy(diagrams.linear(user_task("draft"), ids=["draft"]))
    with pytest.raises(MigrationRefused) as refused:
        migrate(engine, v1, v2)
    assert list(refused.value.errors) == [f"instance {waiting[2]}"]
    assert "'check'" in refused.value.errors[f"instance {waiting[2]}"]
    assert all(row(engine, i)[0] == v1.id for i in waiting)
    # The others move when named without it.
    migrate(engine, v1, v2, ids=[waiting[0], waiting[1], waiting[3]])
    assert [row(engine, i)[0] for i in waiting] == [v2.id, v2.id, v1.id, v2.id]


def test_a_call_takes_at_most_the_batch_limit(engine, monkeypatch):
    monkeypatch.setattr(migration, "MAX_BATCH", 3)
    v1 = engine.deploy(ONE_STEP)
    ids = [engine.start("p").id for _ in range(4)]
    v2 = engine.deploy(TWO_STEPS)
    with pytest.raises(InvalidData, match="at most 3 instances"):
        migrate(engine, v1, v2)
    with pytest.raises(InvalidData, match="at most 3 instances"):
        migrate(engine, v1, v2, ids=ids)
    migrate(engine, v1, v2, ids=ids[:3])
    assert [row(engine, i)[0] for i in ids] == [v2.id] * 3 + [v1.id]


def test_a_completion_committed_during_the_migration_wins_and_the_migration_stores_nothing(engine, monkeypatch):
    v1 = engine.deploy(ONE_STEP)
    first, second = engine.start("p").id, engine.start("p").id
    v2 = engine.deploy(TWO_STEPS)
    planned = engine.runtime._plan

    def plan_then_someone_completes(instance, *args):
        moved = planned(instance, *args)
        if instance.id == second:
            engine.complete(second, "draft")  # its own transaction, committed meanwhile
        return moved

    monkeypatch.setattr(engine.runtime, "_plan", plan_then_someone_completes)
    with pytest.raises(Conflict):
        migrate(engine, v1, v2)
    monkeypatch.undo()
    assert row(engine, first)[0] == v1.id  # all or nothing: the first was rolled back too
    assert engine.instance(second).status == "completed"


def test_a_step_after_the_preview_makes_the_migration_a_conflict(engine):
    v1 = engine.deploy(ONE_STEP)
    instance = engine.start("p")
    v2 = engine.deploy(TWO_STEPS)
    seen = {p.instance_id: p.version for p in preview(engine, v1, v2).instances}
    with unit_of_work(engine.sessions) as session:  # a retarget bumps the instance's version
        engine.runtime.retarget(session, instance.id, SCOPE, "lead", "draft", "to u2", data={"lead": "u2"},
                                candidate_user="u2")
    with pytest.raises(Conflict, match="since the preview"):
        migrate(engine, v1, v2, expected_versions=seen)
    assert row(engine, instance.id)[0] == v1.id


def test_a_changed_timer_is_evaluated_again_and_shows_in_the_timer_table(engine, clock):
    v1 = engine.deploy(diagrams.boundary_timer("timeDuration", "'P5D'", interrupting=True))
    instance = engine.start("p")
    v2 = engine.deploy(diagrams.boundary_timer("timeDuration", "'P3D'", interrupting=True))
    assert timers(engine, instance.id) == [("timer", CLOCK_START + timedelta(days=5))]
    clock.advance(days=1)
    landing = {x.element: x for x in preview(engine, v1, v2).instances[0].landings}["timer"]
    assert landing.lands_on == "timer" and "event_definition" in landing.changed
    assert landing.fire_at == CLOCK_START + timedelta(days=4)
    migrate(engine, v1, v2)
    # Evaluated again at the moment of the migration, as SpiffWorkflow does.
    assert timers(engine, instance.id) == [("timer", CLOCK_START + timedelta(days=4))]
    assert engine.runtime.fire_due(engine.sessions, CLOCK_START + timedelta(days=4, minutes=1)) == 1
    assert engine.open_names(instance.id) == ["after_timer"]


def test_an_unchanged_timer_keeps_its_fire_time(engine, clock):
    v1 = engine.deploy(diagrams.boundary_timer("timeDuration", "'P5D'", interrupting=True))
    instance = engine.start("p")
    v2 = engine.deploy(diagrams.boundary_timer("timeDuration", "'P5D'", interrupting=True)
                       .replace('name="after_timer"', 'name="Quá hạn"'))
    clock.advance(days=2)
    migrate(engine, v1, v2)
    assert timers(engine, instance.id) == [("timer", CLOCK_START + timedelta(days=5))]
    assert engine.open_names(instance.id) == ["work"]


def test_a_message_wait_stays_projected(engine):
    v1 = engine.deploy(diagrams.RECEIVER)
    instance = engine.start("receiver", business_key="K1")
    v2 = engine.deploy(diagrams.RECEIVER.replace('<bpmn:userTask id="read" name="read">',
                                                 '<bpmn:userTask id="read" name="Đọc">'))
    migrate(engine, v1, v2)
    with unit_of_work(engine.sessions) as session:
        waits = [(w.name, w.correlation_key) for w in
                 session.scalars(sa.select(MessageWait).where(MessageWait.instance_id == instance.id))]
    assert waits == [("ping", "K1")]


def test_a_boundary_event_added_to_a_waiting_task_is_refused(engine):
    v1 = engine.deploy(ONE_STEP.replace('id="draft" name="Soạn"', 'id="work" name="Soạn"').replace('"draft"', '"work"'))
    engine.start("p")
    v2 = engine.deploy(diagrams.boundary_timer("timeDuration", "'P5D'", interrupting=True))
    refusals = preview(engine, v1, v2).instances[0].refusals
    assert any(r.kind == "boundary_changed" and r.element == "work" for r in refusals), refusals


def test_a_branch_added_at_a_passed_gateway_is_refused(engine):
    def parallel(*branches):
        body = START + '<bpmn:parallelGateway id="fork"/><bpmn:parallelGateway id="join"/>' + END
        body += "".join(user_task(b) for b in branches) + flow("f0", "start", "fork") + flow("f9", "join", "end")
        body += "".join(flow(f"a{b}", "fork", b) + flow(f"b{b}", b, "join") for b in branches)
        return definitions(body)

    v1 = engine.deploy(parallel("x", "y"))
    engine.start("p")
    v2 = engine.deploy(parallel("x", "y", "z"))
    refusals = preview(engine, v1, v2).instances[0].refusals
    assert any(r.kind == "branches_changed" and r.other == "fork" for r in refusals), refusals


def test_versions_must_be_the_same_process_newer_and_the_agency_s_own(engine):
    v1, v2 = engine.deploy(ONE_STEP), engine.deploy(TWO_STEPS)
    other_key = engine.deploy(diagrams.GATEWAY.replace('id="p"', 'id="other"'))
    foreign = engine.deploy(TWO_STEPS, scope=OTHER_SCOPE)
    engine.start("p")
    with pytest.raises(InvalidData, match="another process"):
        preview(engine, v1, other_key)
    with pytest.raises(InvalidData, match="not newer"):
        preview(engine, v2, v1)
    with pytest.raises(NotFound):
        preview(engine, v1, foreign)
    with pytest.raises(NotFound):
        preview(engine, foreign, v2)
    # The agency's own newer diagram of the same key is a target for its instances of a default one,
    # and the default versions are then no target for the agency's own.
    own = engine.deploy(TWO_STEPS.replace("Kiểm tra", "Kiểm tra lại"), scope=SCOPE)
    assert preview(engine, v1, own).movable
    migrate(engine, v1, own)
    v3 = engine.deploy(TWO_STEPS.replace("Kiểm tra", "Duyệt"))
    with pytest.raises(InvalidData, match="agency's own"):
        preview(engine, own, v3)


def test_only_the_scope_s_running_instances_move(engine):
    v1 = engine.deploy(ONE_STEP)
    mine = engine.start("p").id
    theirs = engine.start("p", scope=OTHER_SCOPE).id
    done = engine.start("p").id
    engine.complete(done, "draft")
    v2 = engine.deploy(TWO_STEPS)
    assert [p.instance_id for p in preview(engine, v1, v2).instances] == [mine]
    with pytest.raises(InvalidData, match=str(theirs)):
        migrate(engine, v1, v2, ids=[mine, theirs])
    migrate(engine, v1, v2)
    assert row(engine, theirs)[0] == v1.id


def test_the_data_written_into_a_waiting_task_survives(engine):
    v1 = engine.deploy(ONE_STEP)
    instance = engine.start("p")
    v2 = engine.deploy(TWO_STEPS)
    with unit_of_work(engine.sessions) as session:
        engine.runtime.retarget(session, instance.id, SCOPE, "lead", "draft", "to u2", data={"lead": "u2"},
                                candidate_user="u2")
    migrate(engine, v1, v2)
    assert engine.task_named(instance.id, "draft").candidate_user == "u2"
    engine.complete(instance.id, "draft", principal=Principal("u2", SCOPE, frozenset()))
    assert engine.data(instance.id)["lead"] == "u2"


def test_a_task_moved_into_another_lane_is_offered_to_that_role_and_its_claim_released(engine):
    def in_lane(role):
        lanes = (f'<bpmn:laneSet id="ls"><bpmn:lane id="l1" name="{role}"><bpmn:flowNodeRef>draft</bpmn:flowNodeRef>'
                 '</bpmn:lane></bpmn:laneSet>')
        return definitions(START + user_task("draft") + END + flow("f0", "start", "draft") + flow("f1", "draft", "end"),
                           lanes=lanes)

    v1 = engine.deploy(in_lane("staff"))
    instance = engine.start("p")
    v2 = engine.deploy(in_lane("leader"))
    task = engine.task_named(instance.id, "draft")
    with unit_of_work(engine.sessions) as session:
        engine.runtime.claim(session, task.id, STAFF)
    migrate(engine, v1, v2)
    moved = engine.task_named(instance.id, "draft")
    assert (moved.id, moved.candidate_role, moved.assignee) == (task.id, "leader", None)


def _in_subprocess(*inner: str) -> str:
    chain = ["inner_start", *inner, "inner_end"]
    body = ('<bpmn:subProcess id="inner"><bpmn:startEvent id="inner_start"/>'
            + "".join(user_task(t) for t in inner) + '<bpmn:endEvent id="inner_end"/>'
            + "".join(flow(f"i{n}", a, b) for n, (a, b) in enumerate(zip(chain, chain[1:]))) + "</bpmn:subProcess>")
    return definitions(START + body + END + flow("f0", "start", "inner") + flow("f1", "inner", "end"))


def test_a_task_waiting_inside_a_subprocess_moves_with_it(engine):
    v1 = engine.deploy(_in_subprocess("sign"))
    instance = engine.start("p")
    v2 = engine.deploy(_in_subprocess("sign", "stamp"))
    task = engine.task_named(instance.id, "sign")
    landing, = preview(engine, v1, v2).instances[0].landings[-1:]
    assert (landing.element, landing.lands_on) == ("sign", "sign")
    migrate(engine, v1, v2)
    assert engine.task_named(instance.id, "sign").id == task.id
    engine.complete(instance.id, "sign")
    assert engine.open_names(instance.id) == ["stamp"]
    engine.complete(instance.id, "stamp")
    assert engine.instance(instance.id).status == "completed"


def test_a_subprocess_that_lost_its_waiting_task_is_refused(engine):
    v1 = engine.deploy(_in_subprocess("sign"))
    engine.start("p")
    v2 = engine.deploy(_in_subprocess("stamp"))
    refusals = preview(engine, v1, v2).instances[0].refusals
    assert any("'sign'" in str(r) for r in refusals), refusals


def test_a_multi_instance_task_moves_with_its_children(engine):
    def reviews(title):
        return definitions(
            START + f'<bpmn:userTask id="review" name="{title}"><bpmn:multiInstanceLoopCharacteristics>'
            "<bpmn:loopDataInputRef>people</bpmn:loopDataInputRef><bpmn:inputDataItem id=\"person\" name=\"person\"/>"
            "</bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>" + END
            + flow("f0", "start", "review") + flow("f1", "review", "end"))

    v1 = engine.deploy(reviews("Góp ý"))
    instance = engine.start("p", {"people": ["a", "b"]})
    v2 = engine.deploy(reviews("Góp ý lần 2"))
    before = sorted(t.id for t in _open(engine, instance.id))
    plan = preview(engine, v1, v2)
    assert plan.movable, plan.instances[0].refusals
    migrate(engine, v1, v2)
    assert sorted(t.id for t in _open(engine, instance.id)) == before
    for _ in before:
        engine.complete(instance.id, "review")
    assert engine.instance(instance.id).status == "completed"


def _open(engine, instance_id):
    with unit_of_work(engine.sessions) as session:
        return engine.runtime.open_tasks(session, instance_id)


def test_an_instance_the_preview_did_not_show_or_that_ended_since_makes_the_migration_a_conflict(engine):
    v1 = engine.deploy(ONE_STEP)
    first, unseen = engine.start("p").id, engine.start("p").id  # as if started after the preview
    v2 = engine.deploy(TWO_STEPS)
    seen = {p.instance_id: p.version for p in preview(engine, v1, v2, ids=[first]).instances}
    with pytest.raises(Conflict, match=f"instance {unseen} changed since the preview"):
        migrate(engine, v1, v2, expected_versions=seen)
    engine.complete(first, "draft")
    with pytest.raises(Conflict, match=f"instance {first} changed since the preview"):
        migrate(engine, v1, v2, expected_versions=seen)
    assert row(engine, unseen)[0] == v1.id


def test_a_waiting_task_s_new_role_mark_and_form_follow_it(engine):
    def marked(role, form):
        return diagrams.linear(user_task("draft", "Soạn", {"domainRole": role, "formKey": form}), ids=["draft"])

    v1 = engine.deploy(marked("draft_reply", "reply_v1"))
    instance = engine.start("p")
    v2 = engine.deploy(marked("write_reply", "reply_v2"))
    assert engine.task_named(instance.id, "draft").role == "draft_reply"
    migrate(engine, v1, v2)
    moved = engine.task_named(instance.id, "draft")
    assert (moved.role, moved.form_key) == ("write_reply", "reply_v2")


def test_a_migration_committed_during_a_completion_wins_and_the_completion_is_a_conflict(engine, monkeypatch):
    v1 = engine.deploy(ONE_STEP)
    instance = engine.start("p").id
    v2 = engine.deploy(TWO_STEPS)
    run = engine.runtime._run

    def migrated_meanwhile(task):
        monkeypatch.setattr(engine.runtime, "_run", run)
        migrate(engine, v1, v2)  # its own transaction, committed while the completion is under way
        run(task)

    monkeypatch.setattr(engine.runtime, "_run", migrated_meanwhile)
    with pytest.raises(Conflict):
        engine.complete(instance, "draft")
    assert row(engine, instance)[0] == v2.id
    engine.complete(instance, "draft")  # done again, on version 2's path
    assert engine.open_names(instance) == ["check"]
