from __future__ import annotations

from fastapi import APIRouter, UploadFile
from fastapi.responses import Response

from documents import processes

from ..deps import DB, ApiUser, Runtime
from ..params import Id
from ..schemas import ERRORS, CancelRequest, DefinitionOut, InstanceOut, StartRequest
from ..uploads import read_limited

router = APIRouter(prefix="/api", tags=["processes"], responses=ERRORS)


@router.get("/process-definitions", response_model=list[DefinitionOut], summary="Diagrams visible to the agency")
def list_definitions(who: ApiUser, session: DB, runtime: Runtime) -> list[DefinitionOut]:
    return [DefinitionOut.of(d) for d in processes.definitions(session, runtime, who)]


@router.post("/process-definitions", response_model=DefinitionOut, status_code=201,
             summary="Upload a BPMN diagram as the agency's next version (process admins)")
async def deploy(file: UploadFile, who: ApiUser, session: DB, runtime: Runtime) -> DefinitionOut:
    xml = await read_limited(file)
    return DefinitionOut.of(processes.deploy(session, runtime, who, xml))


@router.get("/process-definitions/{definition_id}/xml", summary="Download a diagram's BPMN XML",
            response_class=Response, responses={200: {"content": {"application/xml": {}}}})
def download(definition_id: Id, who: ApiUser, session: DB, runtime: Runtime) -> Response:
    definition = processes.definition(session, runtime, who, definition_id)
    filename = f"{definition.key}-v{definition.version}.bpmn"
    return Response(definition.bpmn_xml, media_type="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.post("/process-instances", response_model=InstanceOut, status_code=201, summary="Start a process")
def start(body: StartRequest, who: ApiUser, session: DB, runtime: Runtime) -> InstanceOut:
    instance = processes.start(session, runtime, who, body.key, body.data, body.business_key)
    return InstanceOut.of(processes.instance(session, runtime, who, instance.id))


@router.get("/process-instances/{instance_id}", response_model=InstanceOut,
            summary="An instance with its history (its data only for participants and leaders)")
def show(instance_id: Id, who: ApiUser, session: DB, runtime: Runtime) -> InstanceOut:
    return InstanceOut.of(processes.instance(session, runtime, who, instance_id))


@router.post("/process-instances/{instance_id}/cancel", response_model=InstanceOut,
             summary="Cancel a process (leaders; not a workflow started for a document)")
def cancel(instance_id: Id, body: CancelRequest, who: ApiUser, session: DB, runtime: Runtime) -> InstanceOut:
    return InstanceOut.of(processes.cancel(session, runtime, who, instance_id, body.reason))
