"""Moving an agency's running instances to a newer version of their diagram, for its process
admins: the versions with how many instances run on each, a preview of where each instance's
waiting tasks land (and what is refused, naming the element), and the move itself with a
reason — all or nothing per call (engine/migration.py says why). Every preview and move is
audited; nobody else may do either."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from sqlalchemy.orm import Session

from engine.runtime import MAX_MIGRATION_BATCH as MAX_BATCH
from engine.runtime import MigrationPlan, ProcessDefinition, WorkflowRuntime

from . import audit
from .accounts import Identity
from .errors import NotAllowed
from .incoming.texts import reason as checked_reason
from .permissions import Permission, allows

__all__ = ["MAX_BATCH", "VersionRow", "versions", "preview", "migrate"]


@dataclass(frozen=True)
class VersionRow:
    definition: ProcessDefinition
    running: int  # the agency's running instances on this version


def versions(session: Session, runtime: WorkflowRuntime, who: Identity) -> list[VersionRow]:
    """Every version the agency sees (its own and the defaults), by key, newest first."""
    _check(who)
    counts = runtime.running_counts(session, who.agency_code)
    return [VersionRow(d, counts.get(d.id, 0)) for d in runtime.definitions(session, who.agency_code)]


def preview(session: Session, runtime: WorkflowRuntime, who: Identity, definition_id: int, target_id: int,
            instance_ids: Iterable[int] | None = None) -> MigrationPlan:
    _check(who)
    plan = runtime.preview_migration(session, who.agency_code, definition_id, target_id, instance_ids)
    _audit(session, who, "process.migration_previewed", plan)
    return plan


def migrate(session: Session, runtime: WorkflowRuntime, who: Identity, definition_id: int, target_id: int,
            reason: str, instance_ids: Iterable[int] | None = None,
            expected_versions: Mapping[int, int] | None = None) -> MigrationPlan:
    _check(who)
    reason = checked_reason(reason)
    plan = runtime.migrate(session, who.agency_code, definition_id, target_id, str(who.user_id), reason,
                           instance_ids, expected_versions)
    _audit(session, who, "process.migrated", plan, reason=reason)
    return plan


def _check(who: Identity) -> None:
    if not allows(who, Permission.MIGRATE_INSTANCES):
        raise NotAllowed("only a process admin of the agency moves instances between versions")


def _audit(session: Session, who: Identity, action: str, plan: MigrationPlan, **after) -> None:
    audit.record(session, action, actor_id=who.user_id, agency_code=who.agency_code,
                 object_type="process_definition", object_id=plan.source.id,
                 after={"to": plan.target.id, "from_version": plan.source.version,
                        "to_version": plan.target.version, "instances": [p.instance_id for p in plan.instances],
                        **after})
