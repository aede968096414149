from __future__ import annotations

from fastapi import APIRouter
from starlette.exceptions import HTTPException

from documents import accounts, audit
from documents.errors import DomainError, TooManyAttempts
from documents.vntime import iso
from engine import clock

from ..client_address import ClientAddress
from ..deps import DB, ApiUser
from ..schemas import ERRORS, Me, TokenRequest, TokenResponse

router = APIRouter(prefix="/api/auth", tags=["auth"], responses=ERRORS)


@router.post("/token", response_model=TokenResponse, summary="Log in and get a bearer token")
def token(body: TokenRequest, session: DB, address: ClientAddress) -> TokenResponse:
    try:
        user = accounts.authenticate(session, body.username, body.password, address)
    except DomainError as exc:
        session.commit()  # the failed attempt and its audit event must survive the refusal
        if isinstance(exc, TooManyAttempts):
            raise HTTPException(429, exc.message, headers={"Retry-After": str(exc.retry_after(clock.now()))}) from None
        raise
    secret, row = accounts.open_session(session, user, "api")
    return TokenResponse(access_token=secret, expires_at=iso(row.expires_at))


@router.post("/logout", status_code=204, summary="Revoke the current token")
def logout(who: ApiUser, session: DB) -> None:
    accounts.close_session(session, who.session_id)
    audit.record(session, "logout", actor_id=who.user_id, agency_code=who.agency_code)


@router.get("/me", response_model=Me, summary="The logged-in user")
def me(who: ApiUser) -> Me:
    return Me(id=who.user_id, username=who.username, full_name=who.full_name, agency=who.agency_code,
              unit_id=who.unit_id, roles=sorted(who.roles))
