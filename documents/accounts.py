"""Agencies, users, roles and logins: passwords hashed with argon2 under a policy
(password_policy.py), guesses throttled without revealing accounts (login_throttle.py), sessions
and API tokens stored only as hashes."""
from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from engine import clock
from engine.runtime import Principal

from . import audit, login_throttle, password_policy
from .errors import AuthenticationFailed, InvalidData, NotFound, TooManyAttempts
from .models import ROLES, Agency, AuthSession, OrgUnit, Role, User, UserRole

SESSION_LIFETIME = {"web": timedelta(hours=8), "api": timedelta(hours=12)}
# QĐ 28/2018 identifiers: dot-separated groups such as 000.00.31.H41; QĐ 20/2020 allows up to 35 characters.
AGENCY_CODE = re.compile(r"^[0-9A-Z]{2,4}(\.[0-9A-Z]{2,4}){1,9}$")
# One answer for an unknown user, a wrong password and a locked account, so that none of them
# tells a stranger that the account exists.
LOGIN_REFUSED = "Sai tên đăng nhập hoặc mật khẩu, hoặc tài khoản đang tạm khoá."
ADDRESS_THROTTLED = "Quá nhiều lần đăng nhập không thành công từ địa chỉ này. Vui lòng thử lại sau."

_hasher = PasswordHasher()


@lru_cache(maxsize=4)
def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash made by the hasher in use, so that checking a password against it costs what checking
    a real user's costs: refusing an unknown or locked user takes as long as a wrong password."""
    return hasher.hash(secrets.token_urlsafe(16))


_dummy_hash(_hasher)  # made now, not during the first refused login (which would then be slower)


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
        return Role.ADMIN in self.roles or any(role in self.roles for role in roles)


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
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise InvalidData(f"unknown roles: {', '.join(sorted(unknown))}")
    if session.scalar(sa.select(User.id).where(User.username == username)):
        raise InvalidData(f"user '{username}' already exists")
    user = User(agency_id=agency.id, unit_id=unit.id if unit else None, username=username,
                full_name=nfc(full_name), position=nfc(position) if position else None,
                failed_attempts=0, active=True, created_at=clock.now())
    set_password(user, password)
    session.add(user)
    session.flush()
    for role in sorted(set(roles)):
        session.add(UserRole(user_id=user.id, agency_id=agency.id, role=role))
    audit.record(session, "user.created", actor_id=actor_id, agency_code=agency.code, object_type="user",
                 object_id=user.id, after={"username": username, "roles": sorted(set(roles))})
    session.flush()
    return user


def set_password(user: User, password: str) -> None:
    """Every password goes through here: the policy, then the hash."""
    password_policy.check(password, user.username)
    user.password_hash = _hasher.hash(password)


def authenticate(session: Session, username: str, password: str, address: str) -> User:
    """Check a password coming from the client ``address``, under the limits of login_throttle.
    Every refusal costs one password check, so none answers sooner than another. While the address
    is over its limit every refusal is TooManyAttempts, and only the owner of an account familiar
    with the address gets in (with the right password); otherwise every refusal — no such active
    user, a wrong password, a locked account — is the same AuthenticationFailed."""
    now = clock.now()
    retry_at = login_throttle.address_blocked_until(session, address, now)
    user = session.scalar(sa.select(User).where(User.username == nfc(username).lower()).with_for_update())
    known = user is not None and user.active
    familiar = known and login_throttle.is_familiar(session, user, address, now)
    if not known or (retry_at and not familiar) or login_throttle.refuses(session, user, address, familiar, now):
        _verify(_dummy_hash(_hasher), password)
        if retry_at is None:  # a refusal during the address's wait does not prolong it
            login_throttle.record(session, address, None, False, now)
        if known:
            _audit_login(session, user, "login.throttled" if retry_at else "login.locked", address)
        raise _refusal(retry_at)
    if not _verify(user.password_hash, password):
        login_throttle.count_failure(user, familiar, now)
        login_throttle.record(session, address, user, False, now)
        _audit_login(session, user, "login.failed", address)
        raise _refusal(retry_at)
    login_throttle.count_success(user, now)
    login_throttle.record(session, address, user, True, now)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    _audit_login(session, user, "login.succeeded", address)
    return user


def _refusal(retry_at: datetime | None) -> AuthenticationFailed | TooManyAttempts:
    if retry_at is not None:
        return TooManyAttempts(ADDRESS_THROTTLED, retry_at)
    return AuthenticationFailed(LOGIN_REFUSED)


def _audit_login(session: Session, user: User, action: str, address: str) -> None:
    agency_code = session.scalar(sa.select(Agency.code).where(Agency.id == user.agency_id))
    audit.record(session, action, actor_id=user.id, agency_code=agency_code, after={"address": address})


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


def owner_of_token(session: Session, token: str, kind: str) -> int | None:
    """The user a session token was issued to, expired or revoked alike (None if unknown): a
    form posted after its session expired is kept only for that same person."""
    return session.scalar(sa.select(AuthSession.user_id).where(AuthSession.token_hash == _token_hash(token),
                                                                 AuthSession.kind == kind))


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


def end_sessions(session: Session, user_id: int, keep: int | None = None) -> None:
    """Revoke every live session and token of a user (but ``keep``, the caller's own): after a
    password change, a reset or a disabling, whoever held them must log in again."""
    session.execute(sa.update(AuthSession).where(AuthSession.user_id == user_id, AuthSession.revoked.is_(False),
                                                 AuthSession.id != (keep or 0)).values(revoked=True))


class CurrentPasswordWrong(InvalidData):
    """The current password given to change one's own was wrong. The attempt is already recorded
    (it counts toward the login limits): the caller commits before answering."""


CURRENT_PASSWORD_WRONG = "Mật khẩu hiện tại không đúng."
PASSWORDS_DIFFER = "Hai lần nhập mật khẩu mới không khớp nhau."
PASSWORD_UNCHANGED = "Mật khẩu mới phải khác mật khẩu hiện tại."
PASSWORD_THROTTLED = "Quá nhiều lần nhập sai mật khẩu. Vui lòng thử lại sau."


def change_own_password(session: Session, who: Identity, current: str, new: str, repeated: str,
                        address: str) -> None:
    """The logged-in user changes their password: the current one is checked under the login
    limits (login_throttle: a stolen session cannot guess it faster than a login could), the new
    one under the policy; every other session of the user ends; audited."""
    now = clock.now()
    user = session.scalar(sa.select(User).where(User.id == who.user_id).with_for_update())
    familiar = login_throttle.is_familiar(session, user, address, now)
    retry_at = login_throttle.address_blocked_until(session, address, now)
    if (retry_at and not familiar) or login_throttle.refuses(session, user, address, familiar, now):
        _verify(_dummy_hash(_hasher), current)
        audit.record(session, "password.change_throttled", actor_id=user.id, agency_code=who.agency_code,
                     after={"address": address})
        raise TooManyAttempts(PASSWORD_THROTTLED, retry_at or now + login_throttle.WINDOW)
    if not _verify(user.password_hash, current):
        login_throttle.count_failure(user, familiar, now)
        login_throttle.record(session, address, user, False, now)
        audit.record(session, "password.change_failed", actor_id=user.id, agency_code=who.agency_code,
                     after={"address": address})
        raise CurrentPasswordWrong(CURRENT_PASSWORD_WRONG, {"current_password": CURRENT_PASSWORD_WRONG})
    if new != repeated:
        raise InvalidData(PASSWORDS_DIFFER, {"repeat_password": PASSWORDS_DIFFER})
    if new == current:
        raise InvalidData(PASSWORD_UNCHANGED, {"new_password": PASSWORD_UNCHANGED})
    problem = password_policy.problem_of(new, user.username)
    if problem:
        raise InvalidData(problem, {"new_password": problem})
    user.password_hash = _hasher.hash(new)
    end_sessions(session, user.id, keep=who.session_id)
    session.flush()
    audit.record(session, "password.changed", actor_id=user.id, agency_code=who.agency_code,
                 object_type="user", object_id=user.id, after={"address": address})


def close_session(session: Session, session_id: int) -> None:
    row = session.get(AuthSession, session_id)
    if row is not None:
        row.revoked = True


def agency_by_code(session: Session, code: str) -> Agency:
    agency = session.scalar(sa.select(Agency).where(Agency.code == code))
    if agency is None:
        raise NotFound(f"agency '{code}' not found")
    return agency
