"""JSON API: the agency's settings (the scan quality policy), for the agency admin only. The
routes work on the caller's own agency: there is no agency in the path to name another's."""
from __future__ import annotations

from fastapi import APIRouter

from documents.files import scan_policy

from ..deps import DB, ApiUser
from ..scan_schemas import AgencySettingsIn, AgencySettingsOut
from ..schemas import ERRORS

router = APIRouter(prefix="/api/agency/settings", tags=["agency settings"], responses=ERRORS)


@router.get("", response_model=AgencySettingsOut, summary="The agency's settings")
def shown(who: ApiUser, session: DB) -> AgencySettingsOut:
    return AgencySettingsOut(scan_quality_policy=scan_policy.policy(session, who))


@router.put("", response_model=AgencySettingsOut,
            summary="Change the agency's settings (audited as agency.scan_policy_changed)")
def changed(body: AgencySettingsIn, who: ApiUser, session: DB) -> AgencySettingsOut:
    return AgencySettingsOut(scan_quality_policy=scan_policy.set_policy(session, who,
                                                                        body.scan_quality_policy))
