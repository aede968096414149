"""Moving running instances to a newer version of their diagram (process admins): the versions
with their running instances, a preview of where each instance's waiting tasks land, the move."""
from __future__ import annotations

from fastapi import APIRouter

from documents import instance_migration

from ..deps import DB, ApiUser, Runtime
from ..params import Id
from ..schemas import ERRORS, MigrationOut, MigrationPreviewRequest, MigrationRequest, VersionOut

router = APIRouter(prefix="/api", tags=["processes"], responses=ERRORS)


@router.get("/process-versions", response_model=list[VersionOut],
            summary="The agency's diagram versions with their running instances (process admins)")
def versions(who: ApiUser, session: DB, runtime: Runtime) -> list[VersionOut]:
    return [VersionOut.of_row(row) for row in instance_migration.versions(session, runtime, who)]


@router.post("/process-definitions/{definition_id}/migration-preview", response_model=MigrationOut,
             summary="Where each running instance's waiting tasks would land in the target version; stores nothing")
def preview(definition_id: Id, body: MigrationPreviewRequest, who: ApiUser, session: DB,
            runtime: Runtime) -> MigrationOut:
    return MigrationOut.of(instance_migration.preview(session, runtime, who, definition_id,
                                                      body.target_definition_id, body.instance_ids))


@router.post("/process-definitions/{definition_id}/migrate", response_model=MigrationOut,
             summary="Move the running instances (all or the given ones, at most 500) to the target version: "
                     "all or none; 422 naming what cannot move, 409 when one changed meanwhile")
def migrate(definition_id: Id, body: MigrationRequest, who: ApiUser, session: DB, runtime: Runtime) -> MigrationOut:
    expected = {seen.instance_id: seen.version for seen in body.expected or ()}
    return MigrationOut.of(instance_migration.migrate(session, runtime, who, definition_id, body.target_definition_id,
                                                      body.reason, body.instance_ids, expected or None))
