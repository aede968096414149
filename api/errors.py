"""One handler for every error: JSON under /api, a page elsewhere (in the user's language, with
their menu). Business refusals are 4xx."""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import exc as db_errors
from starlette.exceptions import HTTPException

from documents import accounts
from documents.accounts import Identity
from engine.db import unit_of_work
from engine.errors import EngineError, InvalidData

from .deps import SESSION_COOKIE

log = logging.getLogger(__name__)

# Failures to reach the database, not bugs: it is down or restarting, or a wait for a connection
# or a lock ran out (engine/db.py bounds them all). 503 with Retry-After, one log line.
OUTAGES = (db_errors.OperationalError, db_errors.InterfaceError, db_errors.DisconnectionError,
           db_errors.TimeoutError)
RETRY_AFTER = "5"


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api") or request.url.path.startswith("/healthz")


def _cause(exc: Exception) -> str:
    """The driver's error behind a SQLAlchemy one, on one line (no SQL, no parameters)."""
    cause = getattr(exc, "orig", None) or exc
    return f"{cause.__class__.__name__}: {(str(cause).strip().splitlines() or [''])[0]}"


def visitor(request: Request) -> Identity | None:
    """Who is looking at the error page, for its menu: the session cookie's user, or nobody when
    there is no session or the database cannot say (the page is shown either way)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        with unit_of_work(request.app.state.system.sessions) as session:
            return accounts.identity_for_token(session, token, "web")
    except Exception as exc:  # an error page must never fail on the way to its menu
        log.info("error page without its menu on %s: %s", request.url.path, _cause(exc))
        return None


async def html_error(request: Request, status: int, *, message: str = "", message_key: str = "",
                     errors: dict | None = None, headers: dict | None = None, database_up: bool = True) -> Response:
    """The error page, in the user's language and with their menu (see error.html)."""
    from .pages.render import error_page

    who = await run_in_threadpool(visitor, request) if database_up else None
    response = error_page(request, status, message, errors, who=who, message_key=message_key)
    response.headers.update(headers or {})
    return response


async def _render(request: Request, status: int, message: str, errors: dict | None = None,
                  headers: dict | None = None, database_up: bool = True) -> Response:
    if _wants_json(request):
        body = {"error": {"status": status, "message": message}}
        if errors:
            body["error"]["errors"] = errors
        return JSONResponse(body, status_code=status, headers=headers)
    return await html_error(request, status, message=message, errors=errors, headers=headers,
                            database_up=database_up)


def install(app: FastAPI, security_headers: dict[str, str]) -> None:
    @app.exception_handler(EngineError)
    async def engine_error(request: Request, exc: EngineError):
        errors = exc.errors if isinstance(exc, InvalidData) else None
        return await _render(request, exc.status, exc.message, errors)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        errors = {".".join(str(p) for p in err["loc"][1:]) or "body": err["msg"] for err in exc.errors()}
        return await _render(request, 422, "the request is not valid", errors)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        return await _render(request, exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))

    async def outage(request: Request, exc: Exception):
        log.warning("503 on %s %s: database unavailable: %s", request.method, request.url.path, _cause(exc))
        return await _render(request, 503, "the service is temporarily unavailable; retry shortly",
                             headers={"Retry-After": RETRY_AFTER}, database_up=False)

    for outage_type in OUTAGES:
        app.add_exception_handler(outage_type, outage)

    @app.exception_handler(db_errors.DataError)
    async def data_refused(request: Request, exc: db_errors.DataError):
        # A backstop: values are bounded where they come in (parameters, schemas, forms), so one
        # the database still refuses (out of range, too long) is a request to fix, not a crash.
        log.warning("422 on %s %s: the database refused a value: %s", request.method, request.url.path, _cause(exc))
        return await _render(request, 422, "Dữ liệu gửi lên vượt quá giới hạn cho phép (quá dài hoặc quá lớn).")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unhandled error on %s", request.url.path)
        # This handler runs in the outermost middleware, outside the one that adds the security
        # headers, so a 500 page would otherwise go out without them (and could be framed).
        return await _render(request, 500, "internal error; it has been logged", headers=security_headers)
