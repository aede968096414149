from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from documents import incidents

from ..deps import DB, ApiUser, Runtime
from ..params import Id
from ..schemas import ERRORS, CancelRequest, IncidentOut

router = APIRouter(prefix="/api/incidents", tags=["incidents"], responses=ERRORS)


@router.get("", response_model=list[IncidentOut],
            summary="The agency's incidents: work that failed every attempt (process admins)")
def listed(who: ApiUser, session: DB, runtime: Runtime,
           state: Annotated[incidents.State, Query()] = "open") -> list[IncidentOut]:
    return [IncidentOut.of(view) for view in incidents.listed(session, runtime, who, state)]


@router.post("/{incident_id}/retry", response_model=IncidentOut,
             summary="Retry the failed work (its cause fixed); 409 once decided")
def retry(incident_id: Id, who: ApiUser, session: DB, runtime: Runtime) -> IncidentOut:
    return IncidentOut.of(incidents.retry(session, runtime, who, incident_id))


@router.post("/{incident_id}/skip", response_model=IncidentOut,
             summary="Give up the failed firing or delivery; the instance goes on; 409 once decided")
def skip(incident_id: Id, who: ApiUser, session: DB, runtime: Runtime) -> IncidentOut:
    return IncidentOut.of(incidents.skip(session, runtime, who, incident_id))


@router.post("/{incident_id}/cancel", response_model=IncidentOut,
             summary="Cancel the instance the incident stopped (not a workflow started for a document)")
def cancel(incident_id: Id, body: CancelRequest, who: ApiUser, session: DB, runtime: Runtime) -> IncidentOut:
    return IncidentOut.of(incidents.cancel(session, runtime, who, incident_id, body.reason))
