"""The agency admin's pages (Role.ADMIN, Permission.MANAGE_ACCOUNTS), one module each: users
(admin_users.py), units (admin_units.py), the agency's settings (admin_agency.py) and its scan
quality policy (admin_scan.py). Every route checks the permission in the service and keeps to
the admin's own agency."""
from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from . import admin_agency, admin_scan, admin_units, admin_users

router = APIRouter(include_in_schema=False)
for part in (admin_users.router, admin_units.router, admin_agency.router, admin_scan.router):
    router.include_router(part)


@router.get("/admin")
def admin_home() -> RedirectResponse:
    return RedirectResponse("/admin/users", status_code=303)
