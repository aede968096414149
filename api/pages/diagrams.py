"""The process admin's diagram pages: /diagrams (the agency's flows, their versions and the
running instances on each), the bpmn-js modeler (/diagrams/new, /diagrams/{id}/edit) that
deploys through /diagrams/deploy, the XML of a version for the cookie session, and the visual
diff of two versions. Without JavaScript the modeler page still deploys an uploaded file."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse, Response

from documents import diagrams, processes
from documents.accounts import Identity
from engine.errors import DiagramRefused, InvalidData

from ..deps import DB, CsrfUser, PageUser, Runtime
from ..i18n import catalog, locale_of, translator
from ..params import MAX_ID, Id
from ..uploads import read_limited
from .render import page

router = APIRouter(include_in_schema=False)
OptionalId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
Label = Annotated[str | None, Query(max_length=12, pattern=r"^d?[0-9]{1,9}$")]
JS_STRINGS = "diagrams.js."  # the catalogue keys the page scripts read


@router.get("/diagrams")
def diagram_list(request: Request, who: PageUser, session: DB, runtime: Runtime, deployed: OptionalId = None):
    flows = diagrams.flows(session, runtime, who)
    shown = next((v for f in flows for v in f.versions if v.id == deployed), None)
    return page(request, "diagrams.html", {"who": who, "flows": flows, "deployed": shown})


@router.get("/diagrams/new")
def new_diagram(request: Request, who: PageUser, session: DB, runtime: Runtime):
    diagrams.check(who)
    return _modeler(request, runtime, who, None)


@router.get("/diagrams/{definition_id}/edit")
def edit_diagram(request: Request, definition_id: Id, who: PageUser, session: DB, runtime: Runtime):
    return _modeler(request, runtime, who, diagrams.version(session, runtime, who, definition_id))


@router.get("/diagrams/{definition_id}/xml")
def download(definition_id: Id, who: PageUser, session: DB, runtime: Runtime) -> Response:
    diagrams.check(who)
    definition = processes.definition(session, runtime, who, definition_id)  # audited as a download
    filename = f"{definition.key}-v{definition.version}.bpmn"
    return Response(definition.bpmn_xml, media_type="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.post("/diagrams/deploy")
async def deploy(request: Request, who: CsrfUser, session: DB, runtime: Runtime, file: UploadFile,
                 action: Annotated[str, Form(pattern="^(deploy|validate)$")] = "deploy"):
    """The modeler sends its XML here (fetch, JSON answer); without JavaScript, an uploaded file
    (a page answer). A refusal stores nothing and names the element to pin it on."""
    wants_json = "application/json" in request.headers.get("accept", "")
    try:
        xml = await read_limited(file)
        if action == "validate":  # offered by the modeler only
            diagrams.validate(session, runtime, who, xml)
            return JSONResponse({"ok": True, "message": _t(request, "diagrams.valid")})
        deployed = diagrams.deploy(session, runtime, who, xml)
    except (DiagramRefused, InvalidData) as exc:
        session.rollback()
        return _refused(request, runtime, who, wants_json, exc)
    definition = deployed.definition
    key = "diagrams.deployed" if deployed.new else "diagrams.unchanged"
    message = _t(request, key).replace("{version}", str(definition.version)).replace("{key}", definition.key)
    if not wants_json:
        return RedirectResponse(f"/diagrams?deployed={definition.id}", status_code=303)
    return JSONResponse({"ok": True, "new": deployed.new, "message": message, "id": definition.id,
                         "version": definition.version, "edit": f"/diagrams/{definition.id}/edit"})


@router.get("/diagrams/{key}/diff")
def diff(request: Request, key: str, who: PageUser, session: DB, runtime: Runtime,
         old: Annotated[Label, Query(alias="from")] = None, new: Annotated[Label, Query(alias="to")] = None):
    """Without versions named, the newest against the one before it."""
    flow = diagrams.flow(session, runtime, who, key)
    labels = [v.label for v in flow.versions]
    old, new = old or labels[min(1, len(labels) - 1)], new or labels[0]
    return page(request, "diagrams_diff.html", {"who": who, "flow": flow, "old": flow.version(old),
                                                "new": flow.version(new), "strings": _js_strings(request)})


def _modeler(request: Request, runtime, who: Identity, source, refusal: str = "", status: int = 200):
    choices = diagrams.panel_choices(runtime)
    data = {"forms": choices.forms, "laneRoles": choices.lane_roles, "elementRoles": choices.element_roles,
            "services": choices.services, "strings": _js_strings(request)}
    return page(request, "diagrams_modeler.html", {"who": who, "source": source, "data": data,
                                                    "refusal": refusal}, status)


def _refused(request: Request, runtime, who: Identity, wants_json: bool, exc: Exception):
    element = getattr(exc, "element_id", None)
    vietnamese = locale_of(request) == "vi"
    if isinstance(exc, DiagramRefused):
        message = diagrams.refusal_vi(exc) if vietnamese else f"The diagram was refused: {exc}"
        reason = diagrams.reason_vi(exc.reason) if vietnamese else exc.reason
    else:
        message = reason = _t(request, "diagrams.unreadable")
    if wants_json:
        return JSONResponse({"ok": False, "message": message, "reason": reason, "element_id": element},
                            status_code=422)
    return _modeler(request, runtime, who, None, refusal=message, status=422)


def _t(request: Request, key: str) -> str:
    return translator(locale_of(request))(key)


def _js_strings(request: Request) -> dict[str, str]:
    strings = catalog("vi") | catalog(locale_of(request))
    return {key[len(JS_STRINGS):]: text for key, text in strings.items() if key.startswith(JS_STRINGS)}
