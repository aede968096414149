"""The agency admin's units: /admin/units shows them as a tree, with a form to create one and, on
each, forms to rename or move it (under another unit, or to the top), to set its abbreviation
(the end of its công văn's notation) and to deactivate or reactivate it."""
from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from documents import administration
from documents.accounts import Identity

from ..deps import DB, CsrfUser, PageUser
from .formdata import FormText, optional_int
from .refusals import NOTHING_FAILED, Failed, attempt
from .render import page

router = APIRouter(include_in_schema=False)
CONFLICT = "admin.conflict"


@router.get("/admin/units")
def unit_list(request: Request, who: PageUser, session: DB):
    return _units_page(request, session, who)


@router.post("/admin/units")
def create(request: Request, who: CsrfUser, session: DB, name: FormText = "", parent_id: FormText = ""):
    return _act(request, session, who, "create", {"name": name, "parent_id": parent_id},
                lambda: administration.create_unit(session, who, name, optional_int("parent_id", parent_id)))


@router.post("/admin/units/{unit_id:int}")
def update(unit_id: int, request: Request, who: CsrfUser, session: DB, name: FormText = "",
           parent_id: FormText = ""):
    return _act(request, session, who, f"edit-{unit_id}", {"name": name, "parent_id": parent_id},
                lambda: administration.update_unit(session, who, unit_id, name, optional_int("parent_id", parent_id)))


@router.post("/admin/units/{unit_id:int}/abbreviation")
def set_abbreviation(unit_id: int, request: Request, who: CsrfUser, session: DB, abbreviation: FormText = ""):
    return _act(request, session, who, f"abbreviation-{unit_id}", {"abbreviation": abbreviation},
                lambda: administration.set_unit_abbreviation(session, who, unit_id, abbreviation))


@router.post("/admin/units/{unit_id:int}/deactivate")
def deactivate(unit_id: int, request: Request, who: CsrfUser, session: DB):
    return _act(request, session, who, f"state-{unit_id}", {},
                lambda: administration.set_unit_active(session, who, unit_id, False))


@router.post("/admin/units/{unit_id:int}/activate")
def activate(unit_id: int, request: Request, who: CsrfUser, session: DB):
    return _act(request, session, who, f"state-{unit_id}", {},
                lambda: administration.set_unit_active(session, who, unit_id, True))


def _act(request: Request, session: Session, who: Identity, form: str, values: dict[str, str], action):
    return attempt(request, session, form, values, action, conflict=CONFLICT,
                   shown_again=lambda failed, status: _units_page(request, session, who, failed, status),
                   then=lambda unit: f"/admin/units#unit-{unit.id}")


def _units_page(request: Request, session: Session, who: Identity, failed: Failed = NOTHING_FAILED,
                status: int = 200):
    return page(request, "admin_units.html", {"who": who, "units": administration.unit_tree(session, who),
                                              "failed": failed, "section": "units"}, status)
