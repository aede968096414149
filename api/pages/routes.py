"""HTML pages: login, a task's form. Cookie session + CSRF token on every POST."""
from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse

from documents import accounts, audit, organisation, processes
from documents.errors import DomainError, TooManyAttempts
from documents.incoming import queries, task_context
from engine import clock
from engine.errors import Conflict, InvalidData
from forms import default_registry

from ..client_address import ClientAddress
from ..deps import DB, SESSION_COOKIE, CsrfUser, PageUser, Runtime, same_secret
from ..i18n import locale_of, translator
from . import form_stash, task_panels
from .form_stash import STASH_COOKIE, local_path
from .formdata import coerce, shown_dates, typed_values, undated
from .incoming import metadata_fields
from .localized import form_errors
from .render import field_label, page

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "qlvb_login_csrf"
WAITING = "ready"  # a task's status while it waits for a person (the engine's TaskStatus.READY)


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/tasks", status_code=303)


@router.get("/login")
def login_form(request: Request, next_page: Annotated[str, Query(alias="next", max_length=2000)] = ""):
    # Before login there is no session: a double-submit cookie protects the login form.
    token = secrets.token_urlsafe(32)
    response = page(request, "login.html", {"csrf_token": token, "next": local_path(next_page) or "",
                                            "kept": STASH_COOKIE in request.cookies})
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=request.app.state.system.settings.cookie_secure)
    return response


@router.post("/login")
def login(request: Request, session: DB, address: ClientAddress, username: Annotated[str, Form(max_length=100)],
          password: Annotated[str, Form(max_length=1000)], csrf_token: Annotated[str, Form()] = "",
          next_page: Annotated[str, Form(alias="next", max_length=2000)] = ""):
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not same_secret(csrf_token, expected):
        return page(request, "error.html", {"status": 403, "message_key": "error.csrf", "errors": {}}, 403)
    back = local_path(next_page) or "/tasks"  # only a path of this site: never an open redirect
    try:
        user = accounts.authenticate(session, username, password, address)
    except DomainError as exc:
        session.commit()  # keep the failed attempt and the audit event
        throttled = isinstance(exc, TooManyAttempts)
        response = page(request, "login.html", {"csrf_token": csrf_token, "username": username,
                                                "next": local_path(next_page) or "",
                                                "error_key": "login.throttled" if throttled else "login.failed"},
                        exc.status)
        if throttled:
            response.headers["Retry-After"] = str(exc.retry_after(clock.now()))
        return response
    token, _ = accounts.open_session(session, user, "web")
    response = form_stash.keep_for(request, RedirectResponse(back, status_code=303), user.id)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=request.app.state.system.settings.cookie_secure, max_age=8 * 3600)
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(who: CsrfUser, session: DB):
    accounts.close_session(session, who.session_id)
    audit.record(session, "logout", actor_id=who.user_id, agency_code=who.agency_code)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/lang/{locale}")
def set_language(locale: str, request: Request):
    response = RedirectResponse(_back_on_this_site(request), status_code=303)
    if locale in ("vi", "en"):
        response.set_cookie("lang", locale, samesite="lax", max_age=365 * 86400)
    return response


def _back_on_this_site(request: Request) -> str:
    """The page the user came from. The Referer is sent by whatever page linked here, so only a
    path on this host is followed; anything else would make /lang an open redirect."""
    return form_stash.referring_page(request) or "/tasks"


@router.get("/tasks/{task_id}")
def task_form(task_id: int, request: Request, who: PageUser, session: DB, runtime: Runtime):
    task = processes.task(session, runtime, who, task_id)
    kept = form_stash.restore(request, f"/tasks/{task_id}")  # typed before the session expired
    response = _task_page(request, session, runtime, who, task, values=kept, restored=kept is not None)
    return form_stash.forget(response) if kept is not None else response


@router.post("/tasks/{task_id}")
async def task_submit(task_id: int, request: Request, who: CsrfUser, session: DB, runtime: Runtime):
    task = runtime.task(session, task_id, who.principal)
    if task.status != WAITING:  # completed meanwhile: say by whom, offer no form
        return _task_page(request, session, runtime, who, task, status=409)
    form = default_registry().get(task.form_key) if task.form_key else None
    raw = await request.form()
    data = coerce(raw, form.schema, form.decision) if form else {}
    try:
        processes.complete(session, runtime, who, task_id, data)
    except InvalidData as exc:
        session.rollback()
        errors = _page_errors(request, form, data) if form and exc.errors else None
        return _task_page(request, session, runtime, who, task, values=typed_values(raw),
                          errors=errors or exc.errors or {"": exc.message}, status=422)
    except Conflict:
        session.rollback()
        task = runtime.task(session, task_id, who.principal)
        return _task_page(request, session, runtime, who, task, values=typed_values(raw),
                          errors={"": "task.conflict"}, status=409)
    return RedirectResponse("/tasks", status_code=303)


@router.post("/tasks/{task_id}/claim")
def task_claim(task_id: int, who: CsrfUser, session: DB, runtime: Runtime):
    processes.claim(session, runtime, who, task_id)
    return RedirectResponse(f"/tasks/{task_id}", status_code=303)


def _page_errors(request: Request, form, data: dict) -> dict[str, str]:
    """The schema's messages in the page's language; a date that is no date says how to type one."""
    locale = locale_of(request)
    errors = form_errors(locale, form.key, data)
    t = translator(locale)
    for name in undated(data, form.schema):
        field = form.schema["properties"][name]
        key = "form.bad_datetime_typed" if field.get("format") == "date-time" else "form.bad_date_typed"
        errors[name] = t(key).replace("{label}", field_label(field, name, locale))
    return errors


def _finished(session, who, task) -> dict | None:
    """Who completed the task and when, once it is no longer waiting (None while it is)."""
    if task.status == WAITING:
        return None
    by = queries.names_of(session, who, [task.completed_by]).get(str(task.completed_by), "")
    return {"by": by, "at": task.completed_at, "by_me": task.completed_by == str(who.user_id)}


def _task_page(request: Request, session, runtime, who, task, values=None, errors=None, status=200,
               restored=False):
    form = default_registry().get(task.form_key) if task.form_key else None
    if form and values is None:  # e.g. the approving leader is the signer unless another is picked
        values = {name: who.user_id for name in form.ui.get("self_default", [])}
    widgets = set(form.ui.get("widgets", {}).values()) if form else set()
    # The incoming document the task is about, and what the step needs of it and of its handling;
    # the document's page has the handling's other forms.
    return page(request, "task.html", {
        "who": who, "task": task, "form": form, "errors": errors or {}, "fields": metadata_fields(),
        "values": shown_dates(values or {}, form.schema) if form else {}, "restored": restored,
        "finished": _finished(session, who, task),
        "organisation": organisation.of_agency(session, who.agency_id, who.unit_id) if widgets & {"unit", "user"} else None,
        "context": task_context.of(session, runtime, who, task),
        "panels": task_panels.for_task(session, runtime, who, task)}, status)
