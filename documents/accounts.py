"""Agencies, users, roles and logins: passwords hashed with argon2, lock-out after repeated
failures, sessions and API tokens stored only as hashes."""
from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from engine import clock
from engine.runtime import Principal

from . import audit
from .errors import AccountLocked, AuthenticationFailed, InvalidData, NotFound
from .models import ROLES, Agency, AuthSession, OrgUnit, User, UserRole
from .vntime import iso

MAX_FAILED_ATTEMPTS = 5
LOCK_DURATION = timedelta(minutes=15)
SESSION_LIFETIME = {"web": timedelta(hours=8), "api": timedelta(hours=12)}
MIN_PASSWORD_LENGTH = 10
# QĐ 28/2018 identifiers: dot-separated groups such as 000.00.31.H41; QĐ 20/2020 allows up to 35 characters.
AGENCY_CODE = re.compile(r"^[0-9A-Z]{2,4}(\.[0-9A-Z]{2,4}){1,9}$")

_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps response times alike (no user enumeration).
_DUMMY_HASH = _hasher.hash("not-a-real-password")


@dataclass(frozen=True)
class Identity:
    """The logged-in user as the services need it."""

    user_id: int
    username: str
    full_name: str
    agency_id: int
    agency_code: str
    unit_id: int | None
    roles: frozenset[str]
    session_id: int | None = None
    csrf_token: str | None = None

    @property
    def principal(self) -> Principal:
        units = frozenset({str(self.unit_id)}) if self.unit_id else frozenset()
        return Principal(user=str(self.user_id), scope=self.agency_code, roles=self.roles, units=units)

    def has_any(self, *roles: str) -> bool:
        return "admin" in self.roles or any(role in self.roles for role in roles)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def create_agency(session: Session, code: str, name: str, parent: Agency | None = None) -> Agency:
    code = code.strip().upper()
    if len(code) > 35 or not AGENCY_CODE.match(code):
        raise InvalidData(f"agency identifier '{code}' is not a valid QĐ 28/2018 identifier (e.g. 000.00.31.H41)")
    if session.scalar(sa.select(Agency.id).where(Agency.code == code)):
        raise InvalidData(f"agency '{code}' already exists")
    agency = Agency(code=code, name=nfc(name), parent_id=parent.id if parent else None, created_at=clock.now())
    session.add(agency)
    session.flush()
    return agency


def create_unit(session: Session, agency: Agency, name: str, parent: OrgUnit | None = None) -> OrgUnit:
    unit = OrgUnit(agency_id=agency.id, name=nfc(name), parent_id=parent.id if parent else None)
    session.add(unit)
    session.flush()
    return unit


def create_user(session: Session, agency: Agency, username: str, full_name: str, password: str,
                roles: tuple[str, ...] | list[str], unit: OrgUnit | None = None, position: str | None = None,
                actor_id: int | None = None) -> User:
    username = nfc(username).lower()
    if not re.fullmatch(r"[a-z0-9._-]{3,100}", username):
        raise InvalidData("username must be 3–100 characters: letters a–z, digits, '.', '_' or '-'")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidData(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise InvalidData(f"unknown roles: {', '.join(sorted(unknown))}")
    if session.scalar(sa.select(User.id).where(User.username == username)):
        raise InvalidData(f"user '{username}' already exists")
    user = User(agency_id=agency.id, unit_id=unit.id if unit else None, username=username,
                full_name=nfc(full_name), position=nfc(position) if position else None,
                password_hash=_hasher.hash(password), failed_attempts=0, active=True, created_at=clock.now())
    session.add(user)
    session.flush()
    for role in sorted(set(roles)):
        session.add(UserRole(user_id=user.id, agency_id=agency.id, role=role))
    audit.record(session, "user.created", actor_id=actor_id, agency_code=agency.code, object_type="user",
                 object_id=user.id, after={"username": username, "roles": sorted(set(roles))})
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User:
    """Check a password; lock the account for LOCK_DURATION after MAX_FAILED_ATTEMPTS failures."""
    now = clock.now()
    user = session.scalar(sa.select(User).where(User.username == nfc(username).lower()).with_for_update())
    if user is None or not user.active:
        _verify(_DUMMY_HASH, password)
        raise AuthenticationFailed("wrong username or password")
    agency_code = session.get(Agency, user.agency_id).code
    if user.locked_until and user.locked_until > now:
        audit.record(session, "login.locked", actor_id=user.id, agency_code=agency_code)
        # Shown to the user: Vietnam time, like every other time the system shows.
        raise AccountLocked(f"account locked until {iso(user.locked_until)} after repeated failures")
    if not _verify(user.password_hash, password):
        user.failed_attempts += 1
        if user.failed_attempts >= MAX_FAILED_ATTEMPTS:
            user.locked_until, user.failed_attempts = now + LOCK_DURATION, 0
        audit.record(session, "login.failed", actor_id=user.id, agency_code=agency_code)
        raise AuthenticationFailed("wrong username or password")
    user.failed_attempts, user.locked_until = 0, None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    audit.record(session, "login.succeeded", actor_id=user.id, agency_code=agency_code)
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, user: User, kind: str) -> tuple[str, AuthSession]:
    """Return (secret token, session row); the token is shown once and never stored."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    row = AuthSession(token_hash=_token_hash(token), user_id=user.id, kind=kind,
                      csrf_token=secrets.token_urlsafe(32), created_at=now,
                      expires_at=now + SESSION_LIFETIME[kind], revoked=False)
    session.add(row)
    session.flush()
    return token, row


def identity_for_token(session: Session, token: str, kind: str) -> Identity | None:
    # Every /api request runs this: session, user, agency and roles come in one round trip
    # (one row per role).
    rows = session.execute(
        sa.select(AuthSession, User, Agency, UserRole.role)
        .join(User, User.id == AuthSession.user_id)
        .join(Agency, Agency.id == User.agency_id)
        .outerjoin(UserRole, sa.and_(UserRole.user_id == User.id, UserRole.agency_id == User.agency_id))
        .where(AuthSession.token_hash == _token_hash(token), AuthSession.kind == kind)).all()
    if not rows:
        return None
    auth, user, agency, _ = rows[0]
    if auth.revoked or auth.expires_at <= clock.now() or not user.active:
        return None
    return _identity(user, agency, frozenset(row.role for row in rows if row.role), auth)


def identity_of(session: Session, user: User, auth: AuthSession | None = None) -> Identity:
    agency = session.get(Agency, user.agency_id)
    roles = frozenset(session.scalars(sa.select(UserRole.role).where(UserRole.user_id == user.id,
                                                                     UserRole.agency_id == user.agency_id)))
    return _identity(user, agency, roles, auth)


def _identity(user: User, agency: Agency, roles: frozenset[str], auth: AuthSession | None) -> Identity:
    return Identity(user_id=user.id, username=user.username, full_name=user.full_name, agency_id=agency.id,
                    agency_code=agency.code, unit_id=user.unit_id, roles=roles,
                    session_id=auth.id if auth else None, csrf_token=auth.csrf_token if auth else None)


def close_session(session: Session, session_id: int) -> None:
    row = session.get(AuthSession, session_id)
    if row is not None:
        row.revoked = True


def agency_by_code(session: Session, code: str) -> Agency:
    agency = session.scalar(sa.select(Agency).where(Agency.code == code))
    if agency is None:
        raise NotFound(f"agency '{code}' not found")
    return agency
