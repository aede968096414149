"""The process admin's version migration page: /migrations lists the agency's diagram versions
with how many instances run on each; picking a running version and a newer one (by name and
version, never by typed ids) shows where each instance's waiting tasks land and what is
refused; an explicit "Di chuyển" with a reason moves them all, or none."""
from __future__ import annotations

from itertools import groupby
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from sqlalchemy.orm import Session

from documents import instance_migration
from documents.accounts import Identity
from documents.errors import InvalidData

from ..deps import DB, CsrfUser, PageUser, Runtime
from ..params import MAX_ID
from .formdata import FormText
from .refusals import NOTHING_FAILED, Failed, attempt
from .render import page

router = APIRouter(include_in_schema=False)
OptionalId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
FormId = Annotated[int, Form(ge=1, le=MAX_ID)]


@router.get("/migrations")
def migration_page(request: Request, who: PageUser, session: DB, runtime: Runtime, source: OptionalId = None,
                   target: OptionalId = None, moved: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None):
    return _page(request, session, runtime, who, source, target, moved=moved)


@router.post("/migrations/move")
def move(request: Request, who: CsrfUser, session: DB, runtime: Runtime, source: FormId, target: FormId,
         reason: FormText = "", expected: Annotated[list[str], Form(max_length=500)] = []):  # noqa: B006
    def action():
        return instance_migration.migrate(session, runtime, who, source, target, reason,
                                          expected_versions=_seen(expected))

    return attempt(request, session, "move", {"reason": reason}, action, conflict="migrations.changed_meanwhile",
                   shown_again=lambda failed, status: _page(request, session, runtime, who, source, target,
                                                            failed, status),
                   then=lambda plan: f"/migrations?target={target}&moved={len(plan.instances)}")


def _seen(expected: list[str]) -> dict[int, int]:
    """The instance versions the preview showed ("instance:version"): the move is refused with a
    409 when one of them changed since."""
    try:
        return {int(i): int(v) for i, v in (item.split(":", 1) for item in expected)}
    except ValueError:
        raise InvalidData("the preview's versions were altered", {"": "the preview's versions were altered"}) from None


def _page(request: Request, session: Session, runtime, who: Identity, source: int | None, target: int | None,
          failed: Failed = NOTHING_FAILED, status: int = 200, moved: int | None = None):
    rows = instance_migration.versions(session, runtime, who)
    plan = None
    if source is not None and target is not None and moved is None:
        try:
            plan = instance_migration.preview(session, runtime, who, source, target)
        except InvalidData as exc:
            failed, status = Failed("preview", {}, {"": exc.message}), exc.status
    by_id = {row.definition.id: row for row in rows}
    return page(request, "migrations.html", {
        "who": who, "processes": [(key, list(group)) for key, group in groupby(rows, lambda r: r.definition.key)],
        "sources": [row for row in rows if row.running], "targets": [row for row in rows if row.definition.active],
        "source": by_id.get(source), "target": by_id.get(target), "plan": plan, "failed": failed, "moved": moved,
        "batch": instance_migration.MAX_BATCH}, status)
