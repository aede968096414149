"""JSON models of the agency's settings API (api/routes/agency_settings.py)."""
from __future__ import annotations

from pydantic import BaseModel, Field

from documents.files.scan_policy import POLICIES

POLICY_HELP = ("What a paper scan below seed 002 Đ9.3b (colour, at least 200 dpi) meets: 'warn' "
               "(registered, the findings kept on the document) or 'refuse' (not registered).")


class AgencySettingsIn(BaseModel):
    scan_quality_policy: str = Field(description=POLICY_HELP, examples=["refuse"])


class AgencySettingsOut(BaseModel):
    scan_quality_policy: str = Field(description=POLICY_HELP, examples=["warn"])
    scan_quality_policies: list[str] = Field(default=list(POLICIES),
                                             description="the values scan_quality_policy takes")
