"""The agency admin's users: /admin/users lists them (search, unit and role filters) with the form
to create one; /admin/users/{id} edits one (unit, position, roles), disables or enables them and
resets their password. A password left empty is generated and shown once, on the answer to the
POST itself (never stored, never in a URL)."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from sqlalchemy.orm import Session

from documents import administration
from documents.accounts import Identity
from documents.models import ROLES, User

from ..deps import DB, CsrfUser, PageUser
from .formdata import FormText, optional_int
from .refusals import NOTHING_FAILED, Failed, attempt
from .render import page

router = APIRouter(include_in_schema=False)
Roles = Annotated[list[str], Form()]
Password = Annotated[str, Form(max_length=1000)]
OptionalText = Annotated[str | None, Form(max_length=1000)]  # left out of the form: unchanged
CONFLICT = "admin.conflict"


@router.get("/admin/users")
def user_list(request: Request, who: PageUser, session: DB, q: Annotated[str, Query(max_length=200)] = "",
              unit: Annotated[str, Query(max_length=12)] = "", role: Annotated[str, Query(max_length=30)] = ""):
    return _list_page(request, session, who, {"q": q, "unit": unit, "role": role})


@router.post("/admin/users")
def create(request: Request, who: CsrfUser, session: DB, full_name: FormText = "", username: FormText = "",
           unit_id: FormText = "", position: FormText = "", roles: Roles = [], password: Password = ""):
    values = {"full_name": full_name, "username": username, "unit_id": unit_id, "position": position,
              "roles": roles}
    made: dict[str, Any] = {}

    def action():
        made["user"], made["password"] = administration.create_user(
            session, who, full_name=full_name, username=username, unit_id=optional_int("unit_id", unit_id),
            position=position, roles=roles, password=password)
        return made["user"]

    response = attempt(request, session, "create", values, action, conflict=CONFLICT,
                       shown_again=lambda failed, status: _list_page(request, session, who, {}, failed, status),
                       then=lambda user: f"/admin/users/{user.id}?created=1")
    if made.get("password"):
        return _password_page(request, who, made["user"].id, made["user"].full_name, made["user"].username,
                              made["password"], created=True)
    return response


@router.get("/admin/users/{user_id:int}")
def user_page(user_id: int, request: Request, who: PageUser, session: DB,
              created: Annotated[str, Query(max_length=1)] = "", done: Annotated[str, Query(max_length=20)] = ""):
    return _user_page(request, session, who, user_id, notice="created" if created else done)


@router.post("/admin/users/{user_id:int}")
def update(user_id: int, request: Request, who: CsrfUser, session: DB, full_name: FormText = "",
           unit_id: FormText = "", position: FormText = "", roles: Roles = [], email: OptionalText = None):
    values = {"full_name": full_name, "unit_id": unit_id, "position": position, "roles": roles, "email": email or ""}
    return attempt(request, session, "edit", values,
                   lambda: administration.update_user(session, who, user_id, full_name=full_name,
                                                      unit_id=optional_int("unit_id", unit_id), position=position,
                                                      roles=roles, email=email),
                   conflict=CONFLICT, then=lambda _: f"/admin/users/{user_id}?done=saved",
                   shown_again=lambda failed, status: _user_page(request, session, who, user_id, failed, status))


@router.post("/admin/users/{user_id:int}/disable")
def disable(user_id: int, request: Request, who: CsrfUser, session: DB):
    return _set_active(request, session, who, user_id, False)


@router.post("/admin/users/{user_id:int}/enable")
def enable(user_id: int, request: Request, who: CsrfUser, session: DB):
    return _set_active(request, session, who, user_id, True)


@router.post("/admin/users/{user_id:int}/password")
def reset_password(user_id: int, request: Request, who: CsrfUser, session: DB, password: Password = ""):
    made: dict[str, Any] = {}

    def action():
        made["password"] = administration.reset_password(session, who, user_id, password)

    response = attempt(request, session, "password", {}, action, conflict=CONFLICT,
                       then=lambda _: f"/admin/users/{user_id}?done=password",
                       shown_again=lambda failed, status: _user_page(request, session, who, user_id, failed, status))
    if made.get("password"):
        row = administration.user_row(session, who, user_id)
        return _password_page(request, who, row.id, row.full_name, row.username, made["password"], created=False)
    return response


def _set_active(request: Request, session: Session, who: Identity, user_id: int, active: bool):
    form = "enable" if active else "disable"
    return attempt(request, session, form, {},
                   lambda: administration.set_active(session, who, user_id, active),
                   conflict=CONFLICT, then=lambda _: f"/admin/users/{user_id}?done={form}d",
                   shown_again=lambda failed, status: _user_page(request, session, who, user_id, failed, status))


def _list_page(request: Request, session: Session, who: Identity, filters: dict[str, str],
               failed: Failed = NOTHING_FAILED, status: int = 200):
    units = administration.unit_tree(session, who)
    unit_ids = {str(unit.id) for unit in units}
    unit = filters.get("unit", "") if filters.get("unit", "") in unit_ids else ""
    role = filters.get("role", "") if filters.get("role", "") in ROLES else ""
    found = administration.users(session, who, search=filters.get("q", ""), unit_id=int(unit) if unit else None,
                                 role=role or None)
    return page(request, "admin_users.html", {
        "who": who, "users": found, "units": units, "roles": ROLES, "failed": failed, "section": "users",
        "filters": {"q": filters.get("q", ""), "unit": unit, "role": role}}, status)


def _user_page(request: Request, session: Session, who: Identity, user_id: int, failed: Failed = NOTHING_FAILED,
               status: int = 200, notice: str = ""):
    user = administration.user_row(session, who, user_id)
    return page(request, "admin_user.html", {
        "who": who, "user": user, "units": administration.unit_tree(session, who), "roles": ROLES,
        "failed": failed, "section": "users", "notice": notice,
        "email": session.get(User, user.id).email}, status)


def _password_page(request: Request, who: Identity, user_id: int, full_name: str, username: str, password: str,
                   created: bool):
    response = page(request, "admin_password.html", {
        "who": who, "user_id": user_id, "full_name": full_name, "username": username, "password": password,
        "created": created, "section": "users"})
    response.headers["Cache-Control"] = "no-store"  # the password is shown this once
    return response
