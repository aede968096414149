"""JSON API: the agency's default handling deadlines (issue 11 item 1). Any member of the
agency reads them; its admin replaces the table or resets it to the national defaults. Every
route works on the caller's own agency: there is no agency in the path to name another's."""
from __future__ import annotations

from fastapi import APIRouter

from documents.deadlines import policy

from ..deadline_policy_schemas import PolicyIn, PolicyOut
from ..deps import DB, ApiUser
from ..schemas import ERRORS

router = APIRouter(prefix="/api/agency/deadline-policy", tags=["deadline policy"], responses=ERRORS)


@router.get("", response_model=PolicyOut, summary="The agency's effective default handling deadlines")
def shown(who: ApiUser, session: DB) -> PolicyOut:
    return PolicyOut.of(policy.table(session, who.agency_id))


@router.put("", response_model=PolicyOut,
            summary="Replace the whole table (agency admin; audited as deadline_policy.set)")
def replaced(body: PolicyIn, who: ApiUser, session: DB) -> PolicyOut:
    return PolicyOut.of(policy.set_table(session, who, [row.as_rule() for row in body.rows]))


@router.post("/reset", response_model=PolicyOut,
             summary="Back to the national defaults (agency admin; audited as deadline_policy.reset)")
def reset(who: ApiUser, session: DB) -> PolicyOut:
    return PolicyOut.of(policy.reset(session, who))
