"""JSON API: the abbreviations written in outgoing notations — the agency's ("UBND" in
"45/QĐ-UBND") and each unit's ("VX" in "123/UBND-VX") — for the agency admin, on the caller's
own agency (another agency's unit is not found)."""
from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from documents import administration

from ..deps import DB, ApiUser
from ..params import Id
from ..schemas import ERRORS

router = APIRouter(prefix="/api/agency", tags=["agency settings"], responses=ERRORS)
HELP = "letters (Đ included) and digits, at most 30; empty or null clears it"


class AbbreviationIn(BaseModel):
    abbreviation: str | None = Field(default=None, max_length=200, description=HELP, examples=["UBND"])


class AbbreviationOut(BaseModel):
    id: int
    name: str
    abbreviation: str | None


@router.put("/abbreviation", response_model=AbbreviationOut,
            summary="Set the agency's abbreviation (admins; audited as agency.abbreviation_set)")
def agency_abbreviation(body: AbbreviationIn, who: ApiUser, session: DB) -> AbbreviationOut:
    agency = administration.set_agency_abbreviation(session, who, body.abbreviation or "")
    return AbbreviationOut(id=agency.id, name=agency.name, abbreviation=agency.abbreviation)


@router.put("/units/{unit_id}/abbreviation", response_model=AbbreviationOut,
            summary="Set a unit's abbreviation (admins; audited as unit.abbreviation_set)")
def unit_abbreviation(unit_id: Id, body: AbbreviationIn, who: ApiUser, session: DB) -> AbbreviationOut:
    unit = administration.set_unit_abbreviation(session, who, unit_id, body.abbreviation or "")
    return AbbreviationOut(id=unit.id, name=unit.name, abbreviation=unit.abbreviation)
