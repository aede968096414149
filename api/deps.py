"""Request-scoped dependencies: the unit of work, the caller's identity, CSRF."""
from __future__ import annotations

import hmac
from typing import Annotated, AsyncIterator

from fastapi import Depends, Form, Header, Request
from fastapi.concurrency import contextmanager_in_threadpool
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException

from documents import accounts
from documents.accounts import Identity
from documents.system import System
from engine.db import unit_of_work
from engine.runtime import WorkflowRuntime

from . import capacity

SESSION_COOKIE = "qlvb_session"


def get_system(request: Request) -> System:
    return request.app.state.system


async def db_session(request: Request) -> AsyncIterator[Session]:
    """The request's unit of work: commit when the endpoint returns, roll back when it raises.
    It is taken inside a transaction turn (api/capacity.py), so the commit never waits for a
    thread that requests blocked on its own locks are holding; the commit and the rollback run
    on a thread of their own (FastAPI's exit limiter), not on the shared pool."""
    async with capacity.turn(request):
        async with contextmanager_in_threadpool(unit_of_work(get_system(request).sessions)) as session:
            yield session


# scope="function": commit when the endpoint returns, before the response is sent. With the
# default scope the response went out first, so a failed commit was still answered 2xx.
DB = Annotated[Session, Depends(db_session, scope="function")]


def runtime(request: Request) -> WorkflowRuntime:
    return get_system(request).runtime


Runtime = Annotated[WorkflowRuntime, Depends(runtime)]


def api_identity(session: DB, authorization: Annotated[str | None, Header()] = None) -> Identity:
    """Bearer token for /api. Cookies are not accepted there, so /api needs no CSRF token."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(401, "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    identity = accounts.identity_for_token(session, token.strip(), "api")
    if identity is None:
        raise HTTPException(401, "invalid or expired token", headers={"WWW-Authenticate": "Bearer"})
    return identity


ApiUser = Annotated[Identity, Depends(api_identity)]


class LoginRequired(Exception):
    """Raised on a page without a valid session: the app redirects to /login."""


def page_identity(request: Request, session: DB) -> Identity:
    token = request.cookies.get(SESSION_COOKIE)
    identity = accounts.identity_for_token(session, token, "web") if token else None
    if identity is None:
        raise LoginRequired()
    request.state.db = session  # the header's unread count (api/pages/render.header_unread) counts in this unit of work
    return identity


PageUser = Annotated[Identity, Depends(page_identity)]


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of bytes: compare_digest refuses non-ASCII str with a TypeError,
    which turned a junk form value into a 500 instead of a 403."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


class CsrfRefused(Exception):
    """A page form without the session's CSRF token: the app answers 403 with a translated page."""


def csrf_protected(who: PageUser, csrf_token: Annotated[str, Form()] = "") -> Identity:
    """Every state-changing page request carries the session's CSRF token in the form."""
    if not who.csrf_token or not same_secret(csrf_token, who.csrf_token):
        raise CsrfRefused()
    return who


CsrfUser = Annotated[Identity, Depends(csrf_protected)]
