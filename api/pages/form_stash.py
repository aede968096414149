"""A form posted after its session expired is not thrown away: its fields (never files, never the
CSRF token) go into a short-lived signed cookie, the person logs in again and is sent back to the
page they were on, where the form shows what they typed. Only paths on this site are ever
followed back (never an open redirect). The cookie is signed, so no other site can prefill a
form; with QLVBDH_FORM_STASH_KEY unset the key is the process's own, and a form kept by one
process of several is then simply not restored by another."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
import zlib
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import SQLAlchemyError

from documents import accounts

from ..deps import SESSION_COOKIE

from .formdata import typed_values
from .render import templates

STASH_COOKIE = "qlvb_form_stash"
MAX_AGE = 15 * 60          # seconds a kept form waits for the login
MAX_COOKIE = 3800          # bytes: a cookie over 4 KB is dropped by browsers
MAX_INFLATED = 64 * 1024   # a kept form is small; refuse to inflate anything bigger
HOME = "/tasks"
_KEY = (os.environ.get("QLVBDH_FORM_STASH_KEY") or "").encode() or secrets.token_bytes(32)


@dataclass(frozen=True)
class Kept:
    action: str                             # the path the form was posted to
    fields: dict[str, str | list[str]]      # as typed; a repeated field keeps all its values
    user_id: int                            # whose session expired: restored to no one else


def local_path(text: str | None) -> str | None:
    """``text`` when it is a path on this site (/tasks/5?x=1), else None: no scheme, no host, no
    protocol-relative //host or /\\host, no control characters."""
    if not text or not text.startswith("/") or text[1:2] in ("/", "\\") or any(ord(c) < 32 for c in text):
        return None
    parts = urlsplit(text)
    if parts.scheme or parts.netloc:
        return None
    return text


def page_of(request: Request) -> str:
    """The page to come back to after login: for a GET the page itself; for a POST the page the
    form was on (the same-site Referer: the app sends it, Referrer-Policy same-origin), else the
    task list (a path posted to may have no page: /tasks/5/claim)."""
    if request.method == "GET":
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return local_path(here) or HOME
    return referring_page(request) or HOME


def referring_page(request: Request) -> str | None:
    """The page of this site that sent the request (its Referer), or None."""
    referer = urlsplit(request.headers.get("referer") or "")
    if referer.netloc != request.url.netloc:
        return None
    return local_path(referer.path + (f"?{referer.query}" if referer.query else ""))


async def to_login(request: Request) -> Response:
    """Redirect to the login page, keeping a POSTed form for the page it came from."""
    back = page_of(request)
    response = RedirectResponse("/login" if back == HOME else f"/login?next={quote(back, safe='/')}", status_code=303)
    owner = await run_in_threadpool(_owner, request)
    if request.method == "POST" and owner is not None and not request.url.path.startswith("/login"):
        kept = _pack(Kept(request.url.path, typed_values(await request.form()), owner))
        if kept:
            response.set_cookie(STASH_COOKIE, kept, max_age=MAX_AGE, httponly=True, samesite="lax",
                                secure=request.app.state.system.settings.cookie_secure)
    return response


def _owner(request: Request) -> int | None:
    """The user of the session that expired; a form posted with no session at all is not kept
    (nobody could be told from anybody else)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        with request.app.state.system.sessions() as session:
            return accounts.owner_of_token(session, token, "web")
    except SQLAlchemyError:  # the database cannot say: the login page still works
        return None


def keep_for(request: Request, response: Response, user_id: int) -> Response:
    """After a login: a kept form stays only if it was typed by the person who logged in."""
    kept = _unpack(request.cookies.get(STASH_COOKIE, ""))
    if STASH_COOKIE in request.cookies and (kept is None or kept.user_id != user_id):
        response.delete_cookie(STASH_COOKIE)
    return response


def restore(request: Request, action: str) -> dict[str, str | list[str]] | None:
    """The fields kept for a form posted to ``action``, or None."""
    kept = _unpack(request.cookies.get(STASH_COOKIE, ""))
    return kept.fields if kept is not None and kept.action == action else None


def forget(response: Response) -> Response:
    """A kept form is restored once."""
    response.delete_cookie(STASH_COOKIE)
    return response


def _sign(body: str) -> str:
    return hmac.new(_KEY, body.encode("utf-8"), hashlib.sha256).hexdigest()


def _pack(kept: Kept) -> str | None:
    payload = json.dumps({"a": kept.action, "f": kept.fields, "u": kept.user_id, "t": int(time.time())},
                         ensure_ascii=False)
    # Unpadded: a cookie value with "=" is sent quoted.
    body = base64.urlsafe_b64encode(zlib.compress(payload.encode("utf-8"), 9)).decode("ascii").rstrip("=")
    value = f"{body}.{_sign(body)}"
    return value if len(value) <= MAX_COOKIE else None  # too long to keep: the login still works


def _unpack(value: str) -> Kept | None:
    body, _, signature = value.rpartition(".")
    if not body or not hmac.compare_digest(signature.encode("ascii", "replace"), _sign(body).encode("ascii")):
        return None
    try:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)), MAX_INFLATED)
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, zlib.error):
        return None
    if not isinstance(data, dict) or not 0 <= time.time() - int(data.get("t", 0)) <= MAX_AGE:
        return None
    return Kept(str(data.get("a", "")), dict(data.get("f") or {}), int(data.get("u") or 0))


# The document page's casework forms (_casework_fields.html) ask for what was kept for them.
templates.env.globals["kept_form"] = restore
