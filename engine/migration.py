"""Moving running instances to a newer version of their diagram, built on SpiffWorkflow's own
diff and migration utilities (SpecDiff, WorkflowDiff, migrate_workflow).

SpiffWorkflow aligns the old version's task specs with the new one's (by element id first,
then by position), points every task of the tree at its new spec and resets the READY and
WAITING tasks, which keep their ids while their predicted children are re-predicted from the
new diagram. What it leaves to us, and this module adds:

- refusing what cannot be mapped, naming the element: a waiting task whose element is gone,
  renamed or of another type; a passed element that is gone (the stored state could no longer
  be read); a branch point that gained or lost branches behind a waiting task (the new branch
  would never run, a join would wait forever); a boundary event added to or removed from a
  waiting task; a running subprocess missing from the new version. After the in-memory
  migration every task must sit on a spec of the new version and the state must load again;
- keeping what a reset would throw away: the data of a waiting task (what a leader's
  re-assignment wrote into it) and, when its event is unchanged, a timer's computed fire time
  (a migration must not push every deadline back). A changed timer is evaluated again at the
  moment of the migration, as SpiffWorkflow does;
- bulk calls that are all-or-nothing: every instance is planned before any is stored, one
  refusal refuses the call with every reason, and the versioned save turns a concurrent step
  into a Conflict that rolls the whole call back. A process admin moving "version 3 to 4"
  means all of it: half a version moved, with the rest to find and retry, is what makes
  migration fragile elsewhere. One call takes at most MAX_BATCH instances.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Mapping
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from . import clock as clocks
from . import limits
from . import step as steps
from .errors import Conflict, InvalidData, StateUnreadable
from .execution import DIAGRAM_ERRORS, Execution, LimitExceeded, _reason
from .marks import ROLE_PROPERTY
from .models import DEFAULT_SCOPE, HumanTask, InstanceStatus, ProcessDefinition, ProcessInstance, TaskStatus
from .parsing import ParsedDiagram
from .projection import all_workflows, element_name, task_title
from .state import dump_state, load_state

MAX_BATCH = 500
OPEN = TaskState.READY | TaskState.WAITING | TaskState.STARTED
FINISHED = TaskState.COMPLETED | TaskState.CANCELLED | TaskState.ERROR
# Serializes task specs for SpecDiff's attribute comparison.
_REGISTRY = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)


class MigrationRefused(InvalidData):
    """Some instances cannot be moved; ``errors`` maps each to its reasons. Nothing was stored."""


REASONS = {
    "waiting_removed": "'{element}' is waiting and is not in version {version}",
    "passed_removed": ("'{element}' was passed and is not in version {version}: the instance's record of it would be "
                       "lost"),
    "renamed": "'{element}' is waiting and version {version} has no element with that id (only '{other}' in its place)",
    "kind_changed": "'{element}' is waiting and is another kind of element in version {version}",
    "join_changed": "'{element}' waits for its incoming branches, which version {version} changes",
    "parent_removed": "'{element}' is waiting behind '{other}', which is not in version {version}",
    "branches_changed": ("'{element}' is waiting and version {version} changes the branches started with it at "
                         "'{other}'"),
    "boundary_changed": "'{element}' is waiting and version {version} adds or removes boundary events on it",
    "subprocess_removed": "subprocess '{element}' is running and is not in version {version}",
    "unaligned": "'{element}' cannot be aligned with version {version}",
    "no_place": "'{element}' has no place in version {version}",
    "unreadable": "the state cannot be read, or would not load with version {version}: {other}",
    "failed": "the move to version {version} failed: {other}",
}


@dataclass(frozen=True, order=True)
class Refusal:
    """Why an instance cannot move: a kind (a key of REASONS, for a page to say in its language),
    the element it names, and the other element or error the reason mentions."""

    kind: str
    element: str | None
    version: int
    other: str | None = None

    def __str__(self) -> str:
        return REASONS[self.kind].format(element=self.element, version=self.version, other=self.other)


@dataclass(frozen=True)
class Landing:
    """Where one waiting task of an instance lands in the target version."""

    element: str                   # its element id in the current version
    title: str
    state: str                     # READY | WAITING | STARTED
    lands_on: str | None           # its element id in the target version; None when it cannot move
    changed: tuple[str, ...] = ()  # what the target version changes on it (event_definition, lane …)
    fire_at: datetime | None = None  # a timer's fire time after the move


@dataclass(frozen=True)
class InstancePlan:
    instance_id: int
    business_key: str | None
    version: int                   # the row version the plan was made from (optimistic check)
    landings: tuple[Landing, ...]
    refusals: tuple[Refusal, ...]

    @property
    def movable(self) -> bool:
        return not self.refusals


@dataclass(frozen=True)
class MigrationPlan:
    source: ProcessDefinition
    target: ProcessDefinition
    instances: tuple[InstancePlan, ...]

    @property
    def movable(self) -> bool:
        return all(plan.movable for plan in self.instances)


@dataclass
class _Moved:
    """One instance migrated in memory: the workflow to store and what changed on which task."""

    instance: ProcessInstance
    workflow: BpmnWorkflow | None  # None: the stored state could not be read (refused)
    plan: InstancePlan
    changes: dict[UUID, list[str]] = field(default_factory=dict)
    old_specs: dict[UUID, Any] = field(default_factory=dict)  # READY human tasks: their spec before


class Migrations(Execution):
    """Preview and apply the move of running instances to another version (a mixin of WorkflowRuntime)."""

    def preview_migration(self, session: Session, scope: str, from_definition_id: int, to_definition_id: int,
                          instance_ids: Iterable[int] | None = None) -> MigrationPlan:
        """For each running instance of ``scope`` on the source version (or the given ones), whether
        it can move and where each of its waiting tasks lands. Stores nothing."""
        source, target = self._migration_pair(session, scope, from_definition_id, to_definition_id)
        with clocks.using(self.clock), steps.running(session):
            diffs: dict = {}
            moved = [self._plan(instance, source, target, diffs)
                     for instance in self._migration_instances(session, scope, source, instance_ids)]
        return MigrationPlan(source, target, tuple(m.plan for m in moved))

    def migrate(self, session: Session, scope: str, from_definition_id: int, to_definition_id: int, actor: str,
                reason: str, instance_ids: Iterable[int] | None = None,
                expected_versions: Mapping[int, int] | None = None) -> MigrationPlan:
        """Move the instances to the target version, all or none: MigrationRefused (naming every
        instance and element that cannot move) or Conflict (an instance changed since it was read,
        or since the preview when ``expected_versions`` maps instance id to the previewed row
        version) leave everything as it was. Each moved instance gets a "migrated" history entry."""
        source, target = self._migration_pair(session, scope, from_definition_id, to_definition_id)
        with clocks.using(self.clock), steps.running(session):
            instances = self._migration_instances(session, scope, source, instance_ids)
            if expected_versions is not None:
                _check_seen(instances, expected_versions)
            diffs: dict = {}
            moved = [self._plan(instance, source, target, diffs) for instance in instances]
            refused = {f"instance {m.instance.id}": "; ".join(map(str, m.plan.refusals))
                       for m in moved if m.plan.refusals}
            if refused:
                raise MigrationRefused(f"{len(refused)} of {len(moved)} instance(s) cannot move to version "
                                       f"{target.version}; nothing was migrated", refused)
            for m in moved:
                with limits.step_budget(self.limits):
                    self._store_moved(session, m, source, target, actor, reason)
        return MigrationPlan(source, target, tuple(m.plan for m in moved))

    def running_counts(self, session: Session, scope: str) -> dict[int, int]:
        """Running instances of ``scope`` per definition id (what a migration would move)."""
        rows = session.execute(sa.select(ProcessInstance.definition_id, sa.func.count())
                               .where(ProcessInstance.scope == scope, ProcessInstance.status == InstanceStatus.RUNNING)
                               .group_by(ProcessInstance.definition_id))
        return {definition_id: count for definition_id, count in rows}

    # -- choosing what moves -------------------------------------------------------------------

    def _migration_pair(self, session: Session, scope: str, from_id: int,
                        to_id: int) -> tuple[ProcessDefinition, ProcessDefinition]:
        source = self.definition(session, from_id, scope)
        target = self.definition(session, to_id, scope)
        if target.key != source.key:
            raise InvalidData(f"version {target.version} of '{target.key}' is another process than '{source.key}'",
                              {"target": "another process"})
        # An agency moves its instances onto its own versions; the default diagrams' versions are a
        # target only for instances still on a default version.
        if target.scope != scope and not (target.scope == DEFAULT_SCOPE and source.scope == DEFAULT_SCOPE):
            raise InvalidData("instances move only to a version of the agency's own diagram",
                              {"target": "not the agency's own version"})
        if target.scope == source.scope and target.version <= source.version:
            raise InvalidData(f"version {target.version} is not newer than version {source.version}",
                              {"target": "not a newer version"})
        if not target.active:
            raise InvalidData(f"version {target.version} is withdrawn", {"target": "withdrawn"})
        return source, target

    @staticmethod
    def _migration_instances(session: Session, scope: str, source: ProcessDefinition,
                             instance_ids: Iterable[int] | None) -> list[ProcessInstance]:
        query = (sa.select(ProcessInstance)
                 .where(ProcessInstance.scope == scope, ProcessInstance.definition_id == source.id,
                        ProcessInstance.status == InstanceStatus.RUNNING)
                 .order_by(ProcessInstance.id))
        if instance_ids is None:
            found = list(session.scalars(query.limit(MAX_BATCH + 1)))
            if len(found) > MAX_BATCH:
                raise InvalidData(f"one call moves at most {MAX_BATCH} instances; version {source.version} has more "
                                  f"running: give their ids in batches of {MAX_BATCH}", {"instance_ids": "too many"})
            return found
        wanted = set(instance_ids)
        if len(wanted) > MAX_BATCH:
            raise InvalidData(f"one call moves at most {MAX_BATCH} instances; {len(wanted)} were given",
                              {"instance_ids": "too many"})
        found = list(session.scalars(query.where(ProcessInstance.id.in_(wanted)))) if wanted else []
        missing = sorted(wanted - {i.id for i in found})
        if missing:
            raise InvalidData(f"not running instances of version {source.version}: "
                              f"{', '.join(map(str, missing[:20]))}", {"instance_ids": "not running on this version"})
        return found

    # -- planning: the in-memory migration -----------------------------------------------------

    def _plan(self, instance: ProcessInstance, source: ProcessDefinition, target: ProcessDefinition,
              diffs: dict[tuple[int, int], SpecDiff]) -> _Moved:
        """Migrate one instance in memory; ``diffs`` keeps the spec diffs of the call (the same
        pair of specs for every instance of a version)."""
        refusals: list[Refusal] = []
        changes: dict[UUID, list[str]] = {}
        with limits.step_budget(self.limits):
            try:
                workflow = self._load(instance)
            except StateUnreadable as exc:
                unreadable = Refusal("unreadable", None, target.version, exc.message)
                plan = InstancePlan(instance.id, instance.business_key, instance.version, (), (unreadable,))
                return _Moved(instance, None, plan)
            open_tasks = _open_tasks(workflow)
            before = [(t.id, element_name(t), task_title(t), TaskState.get_name(t.state)) for t in open_tasks]
            old_specs = {t.id: t.task_spec for t in open_tasks if t.state == TaskState.READY and t.task_spec.manual}
            diagram = self._diagram(target)
            found = self._diffs(workflow, diagram, target.version, refusals, changes, diffs)
            if not refusals:
                try:
                    _move(found, changes)
                except LimitExceeded:
                    raise
                except DIAGRAM_ERRORS as exc:
                    refusals.append(Refusal("failed", None, target.version, _reason(exc)))
            if not refusals:
                refusals.extend(_check_moved(workflow, diagram, target.version))
            landings = tuple(_landing(*about, workflow, changes, not refusals) for about in before)
        plan = InstancePlan(instance.id, instance.business_key, instance.version, landings, tuple(refusals))
        return _Moved(instance, workflow, plan, changes, old_specs)

    @staticmethod
    def _diffs(workflow: BpmnWorkflow, diagram: ParsedDiagram, version: int, refusals: list[Refusal],
               changes: dict[UUID, list[str]],
               diffs: dict[tuple[int, int], SpecDiff]) -> list[tuple[Any, WorkflowDiff, Any]]:
        """Each (sub)workflow with its diff and new spec; what cannot be mapped goes to ``refusals``."""
        found = []
        for wf in all_workflows(workflow):
            new_spec = diagram.spec if wf is workflow else diagram.subprocess_specs.get(wf.spec.name)
            if new_spec is None:
                if not wf.completed:
                    refusals.append(Refusal("subprocess_removed", wf.spec.name, version))
                continue
            spec_diff = diffs.get((id(wf.spec), id(new_spec)))
            if spec_diff is None:
                spec_diff = diffs[id(wf.spec), id(new_spec)] = SpecDiff(_REGISTRY, wf.spec, new_spec)
            try:
                diff = WorkflowDiff(wf, spec_diff)
            except KeyError as exc:  # a task whose spec the diff never reached from the start
                refusals.append(Refusal("unaligned", exc.args[0].name, version))
                continue
            for task in wf.get_tasks(skip_subprocesses=True):
                reason = _unmappable(task, spec_diff, version)
                if reason:
                    refusals.append(reason)
                elif task.has_state(OPEN):
                    changes[task.id] = list(spec_diff.comparisons.get(task.task_spec, []))
            found.append((wf, diff, new_spec))
        return found

    # -- storing -------------------------------------------------------------------------------

    def _store_moved(self, session: Session, moved: _Moved, source: ProcessDefinition, target: ProcessDefinition,
                     actor: str, reason: str) -> None:
        instance, workflow = moved.instance, moved.workflow
        steps.enter_scope(instance.scope, instance.id)
        instance.definition_id = target.id
        self._record(session, instance, actor, "migrated", None, target.name,
                     {"from_version": source.version, "to_version": target.version,
                      "from_definition": source.id, "to_definition": target.id, "reason": reason})
        # The versioned UPDATE in _save stops a stale plan before any projection is touched;
        # timers and message waits are re-projected there from the task ids, which survive.
        self._save(session, instance, workflow, actor)
        self._refresh_rows(session, instance, workflow, moved.old_specs)
        self._flush_session(session)

    def _refresh_rows(self, session: Session, instance: ProcessInstance, workflow: BpmnWorkflow,
                      old_specs: dict[UUID, Any]) -> None:
        """A waiting human task keeps its row (its id, its claim, what a leader re-assigned): only
        what the new version itself changes follows it — the title, the lane's role, a property —
        and a changed candidate releases the claim."""
        changed = {str(tid) for tid, old in old_specs.items()
                   if _row_sources(old) != _row_sources(_find(workflow, tid).task_spec)}
        if not changed:
            return  # the common case: no query at all
        rows = session.scalars(sa.select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.status == TaskStatus.READY,
            HumanTask.task_id.in_(changed)))
        for row in rows:
            task, old = _find(workflow, UUID(row.task_id)), old_specs[UUID(row.task_id)]
            before, after = _row_sources(old), _row_sources(task.task_spec)
            assignment = self._assign(task)
            row.title, row.lane = task_title(task), task.task_spec.lane
            was = (row.candidate_role, row.candidate_unit, row.candidate_user)
            for source, column, value in (
                    (("lane", "candidateRole"), "candidate_role", assignment.candidate_role),
                    (("candidateUnit",), "candidate_unit", assignment.candidate_unit),
                    (("candidateUser",), "candidate_user", assignment.candidate_user),
                    (("dueDate",), "due_at", assignment.due_at), (("urgency",), "urgency", assignment.urgency),
                    (("formKey",), "form_key", after["formKey"]),
                    ((ROLE_PROPERTY,), "role", (after[ROLE_PROPERTY] or "").strip() or None)):
                if any(before[s] != after[s] for s in source):
                    setattr(row, column, value)
            if (row.candidate_role, row.candidate_unit, row.candidate_user) != was:
                row.assignee = None


def _row_sources(spec: Any) -> dict[str, Any]:
    """What a human task row is derived from in a task spec."""
    props = (getattr(spec, "extensions", None) or {}).get("properties", {}) or {}
    found = {name: props.get(name) for name in ("candidateRole", "candidateUnit", "candidateUser", "dueDate",
                                                "urgency", "formKey", ROLE_PROPERTY)}
    return {**found, "lane": spec.lane, "title": spec.bpmn_name}

def _check_seen(instances: list[ProcessInstance], expected: Mapping[int, int]) -> None:
    """The call moves what the preview showed, as it was: an instance that took a step, ended or
    started since the preview makes it a Conflict (preview again), never a move nobody saw."""
    now = {instance.id: instance.version for instance in instances}
    for instance_id in sorted(now.keys() | expected.keys()):
        if now.get(instance_id) != expected.get(instance_id):
            raise Conflict(f"process instance {instance_id} changed since the preview; preview again")


def _open_tasks(workflow: BpmnWorkflow) -> list[Any]:
    return [t for wf in all_workflows(workflow) for t in wf.get_tasks(skip_subprocesses=True, state=OPEN)]


def _find(workflow: BpmnWorkflow, task_id: UUID) -> Any:
    for wf in all_workflows(workflow):
        if task_id in wf.tasks:
            return wf.tasks[task_id]
    return None


def _unmappable(task: Any, spec_diff: SpecDiff, version: int) -> Refusal | None:
    """Why this task cannot move to the new spec, naming its element; None when it can."""
    name = element_name(task)
    new = spec_diff.alignment.get(task.task_spec)
    if new is None:
        if task.has_state(OPEN):
            return Refusal("waiting_removed", name, version)
        if task.has_state(FINISHED):
            return Refusal("passed_removed", name, version)
        return None  # a predicted task: re-predicted from the new version, or checked after the move
    if not task.has_state(OPEN):
        return None
    if new.name != task.task_spec.name:
        return Refusal("renamed", name, version, new.name)
    attributes = spec_diff.comparisons.get(task.task_spec, [])
    if "typename" in attributes:
        return Refusal("kind_changed", name, version)
    if isinstance(task.task_spec, Join) and "inputs" in attributes and task.has_state(TaskState.WAITING):
        return Refusal("join_changed", name, version)
    return _entry_changed(task, new, spec_diff, version)


def _entry_changed(task: Any, new: Any, spec_diff: SpecDiff, version: int) -> Refusal | None:
    """A waiting task is reached by its parent; the parent already ran and is not run again, so a
    change of what the parent starts (a branch, a boundary event) would be lost."""
    name, parent = element_name(task), task.parent
    if parent is None:
        return None
    new_parent = spec_diff.alignment.get(parent.task_spec)
    if new_parent is None:
        return Refusal("parent_removed", name, version, element_name(parent))
    old_branches = {getattr(spec_diff.alignment.get(s), "name", None) for s in parent.task_spec.outputs}
    new_branches = {s.name for s in new_parent.outputs}
    if new in new_parent.outputs:
        if old_branches != new_branches:
            return Refusal("branches_changed", name, version, element_name(parent))
        return None
    # Reached another way now: harmless (a step inserted before it) unless it gained boundary events.
    if isinstance(parent.task_spec, BoundaryEventSplit) or any(isinstance(s, BoundaryEventSplit) for s in new.inputs):
        return Refusal("boundary_changed", name, version)
    return None


def _move(found: list[tuple[Any, WorkflowDiff, Any]], changes: dict[UUID, list[str]]) -> None:
    """SpiffWorkflow's migration, keeping what its reset of READY and WAITING tasks would drop."""
    for wf, diff, new_spec in found:
        kept = {t.id: (copy.deepcopy(t.data), copy.deepcopy(t.internal_data))
                for t in wf.get_tasks(skip_subprocesses=True, state=TaskState.READY | TaskState.WAITING)}
        migrate_workflow(diff, wf, new_spec)
        for task_id, (data, internal) in kept.items():
            task = wf.tasks.get(task_id)
            if task is None:
                continue
            task.data = data
            if "event_definition" not in changes.get(task_id, []):
                task.internal_data = internal  # an unchanged timer keeps its fire time


def _check_moved(workflow: BpmnWorkflow, diagram: ParsedDiagram, version: int) -> list[Refusal]:
    """Every task must now stand on a spec of the new version, and the state must load again."""
    problems = []
    for wf in all_workflows(workflow):
        for task in wf.get_tasks(skip_subprocesses=True):
            if wf.spec.task_specs.get(task.task_spec.name) is not task.task_spec:
                problems.append(Refusal("no_place", element_name(task), version))
    if problems:
        return sorted(set(problems))
    try:
        with limits.uncounted():
            load_state(*dump_state(workflow), diagram)
    except StateUnreadable as exc:
        return [Refusal("unreadable", None, version, exc.message)]
    return []


def _landing(task_id: UUID, element: str, title: str, state: str, workflow: BpmnWorkflow,
             changes: dict[UUID, list[str]], moved: bool) -> Landing:
    after = _find(workflow, task_id) if moved else None
    lands = after is not None and after.has_state(OPEN)
    fire_at = None
    definition = getattr(after.task_spec, "event_definition", None) if lands else None
    if isinstance(definition, TimerEventDefinition):
        value = definition.details(after).value
        if isinstance(value, str):
            fire_at = TimerEventDefinition.get_datetime(value)
    return Landing(element=element, title=title, state=state, lands_on=element_name(after) if lands else None,
                   changed=tuple(a for a in changes.get(task_id, []) if a not in ("inputs", "outputs")),
                   fire_at=fire_at)
