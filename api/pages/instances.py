"""Where an instance stands. /instances/<id>: for whoever may see the instance (documents/
processes.py decides and audits), its diagram in a bpmn-js viewer with the steps done, the path
taken and the current steps marked, its version, its document, its history in plain language,
and a leader's cancel where the rules allow it. /instances: the agency's instances for its
leaders and process admins (the Cockpit's list), filtered by flow, version and status, paged."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session

from documents import processes
from documents.accounts import Identity
from documents.incoming import queries
from documents.incoming.service import READERS
from documents.incoming.texts import reason as checked_reason

from ..deps import DB, CsrfUser, PageUser, Runtime
from ..i18n import catalog, locale_of
from ..params import MAX_ID
from .formdata import FormText
from .refusals import NOTHING_FAILED, Failed, attempt
from .render import page

router = APIRouter(include_in_schema=False)
PER_PAGE = 25
INCOMING_KEY = "incoming:"


@router.get("/instances")
def instance_list(request: Request, who: PageUser, session: DB, runtime: Runtime,
                  key: Annotated[str, Query(max_length=100)] = "",
                  definition: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
                  status: Annotated[str, Query(max_length=20)] = "",
                  page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1):
    status = status if status in processes.STATUSES else ""
    rows, total = processes.listed(session, runtime, who, key=key or None, definition_id=definition,
                                   status=status or None, limit=PER_PAGE, offset=(page_number - 1) * PER_PAGE)
    versions = processes.definitions(session, runtime, who)
    filters = {"key": key, "definition": definition or "", "status": status}
    return page(request, "instance_list.html", {
        "who": who, "rows": rows, "total": total, "page": page_number, "pages": max(1, -(-total // PER_PAGE)),
        "filters": filters, "query": {k: v for k, v in filters.items() if v}, "statuses": processes.STATUSES,
        "flows": _flows(versions), "versions": versions,
        "names": queries.names_of(session, who, [row.instance.started_by for row in rows]),
        "documents": _documents(session, who, [row.instance.business_key for row in rows]),
    })


@router.get("/instances/{instance_id:int}")
def instance_page(instance_id: int, request: Request, who: PageUser, session: DB, runtime: Runtime,
                  steps: Annotated[str, Query(max_length=10)] = ""):
    return _instance_page(request, session, runtime, who, instance_id, all_steps=steps == "all")


@router.post("/instances/{instance_id:int}/cancel")
def cancel(instance_id: int, request: Request, who: CsrfUser, session: DB, runtime: Runtime, reason: FormText = ""):
    def action():
        return processes.cancel(session, runtime, who, instance_id, checked_reason(reason))

    return attempt(request, session, "cancel", {"reason": reason}, action, conflict="instances.changed_meanwhile",
                   shown_again=lambda failed, status: _instance_page(request, session, runtime, who, instance_id,
                                                                     failed, status),
                   then=lambda _: f"/instances/{instance_id}")


def _instance_page(request: Request, session: Session, runtime, who: Identity, instance_id: int,
                   failed: Failed = NOTHING_FAILED, status: int = 200, *, all_steps: bool = False):
    """The page; the automatic steps (gateways, scripts, events) are folded away unless asked for."""
    shown = processes.diagram(session, runtime, who, instance_id)
    steps = shown.view.steps()
    progress = shown.progress
    document = _documents(session, who, [shown.view.instance.business_key]).get(shown.view.instance.business_key)
    return page(request, "instance.html", {
        "who": who, "shown": shown, "instance": shown.view.instance, "definition": shown.definition,
        "steps": steps, "all_steps": all_steps, "tasks": shown.view.tasks, "failed": failed, "document": document,
        "document_readable": who.has_any(*READERS) or shown.view.participant,
        "names": queries.names_of(session, who, [s.actor for s in steps] + [shown.view.instance.started_by]),
        "states": {"completed": sorted(progress.completed), "active": sorted(progress.active),
                   "flows": sorted(progress.flows), "incidents": sorted({e for e, _ in progress.incidents if e})},
        "labels": _step_names(locale_of(request), shown.definition.key),
    }, status)


def _step_names(locale: str, process_key: str) -> dict[str, str]:
    """The diagram's step names in the page's language, by element id (render.step_title's keys),
    for the viewer to name what it shows."""
    prefix = f"step.{process_key}."
    return {key[len(prefix):]: text for key, text in catalog(locale).items() if key.startswith(prefix)}


def _flows(versions) -> list[tuple[str, str]]:
    """One (key, name) a flow, named as its newest version is (definitions come newest first)."""
    named: dict[str, str] = {}
    for definition in versions:
        named.setdefault(definition.key, definition.name)
    return sorted(named.items(), key=lambda item: item[1])


def _documents(session: Session, who: Identity, business_keys) -> dict[str, object]:
    """Business key -> the agency's incoming document it names (a document's workflow); others none."""
    ids = {key: int(key[len(INCOMING_KEY):]) for key in business_keys
           if key and key.startswith(INCOMING_KEY) and key[len(INCOMING_KEY):].isdigit()}
    found = queries.by_ids(session, who, ids.values())
    return {key: found[number] for key, number in ids.items() if number in found}
