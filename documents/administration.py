"""The agency admin's work: the agency's users (create, edit, disable/enable, reset a password),
its units as a tree (create, rename, move, deactivate, abbreviation) and its name and abbreviation. Every change is checked
against MANAGE_ACCOUNTS, kept inside the admin's own agency (another agency's user or unit is
not found), audited, and only flushed: the caller's unit of work commits.

Refusals are InvalidData with a message per form field, in Vietnamese (the system's language;
the pages translate them through locales/domain.<locale>.json)."""
from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from . import accounts, audit, password_policy
from .accounts import Identity, nfc
from .errors import InvalidData, NotAllowed, NotFound
from .models import ROLES, Agency, LoginAttempt, OrgUnit, Role, User, UserRole
from .notifications import preferences
from .outgoing.notation import clean_abbreviation
from .permissions import Permission, allows

NAME_MAX = 255
USERNAME = re.compile(r"[a-z0-9._-]{3,100}")

NOT_ADMIN = "Chỉ quản trị người dùng của cơ quan mới được làm việc này."
NAME_REQUIRED = "Cần nhập họ và tên."
NAME_TOO_LONG = f"Tên dài tối đa {NAME_MAX} ký tự."
USERNAME_INVALID = "Tên đăng nhập gồm 3–100 ký tự: chữ a–z không dấu, chữ số, dấu chấm, gạch dưới hoặc gạch ngang."
USERNAME_TAKEN = "Tên đăng nhập này đã có người dùng."
ROLES_REQUIRED = "Chọn ít nhất một vai trò."
ROLE_UNKNOWN = "Vai trò không hợp lệ."
UNIT_UNKNOWN = "Chọn một đơn vị đang hoạt động của cơ quan."
OWN_ADMIN_ROLE = "Bạn không thể tự bỏ vai trò quản trị người dùng của chính mình."
DISABLE_SELF = "Bạn không thể tự khoá tài khoản của chính mình."
UNIT_NAME_REQUIRED = "Cần nhập tên đơn vị."
UNIT_NAME_TAKEN = "Cơ quan đã có một đơn vị mang tên này."
PARENT_CYCLE = "Không thể đặt một đơn vị vào chính nó hoặc vào đơn vị cấp dưới của nó."
UNIT_HAS_USERS = "Đơn vị còn người dùng đang hoạt động; hãy chuyển họ sang đơn vị khác trước khi ngừng sử dụng."
UNIT_HAS_CHILDREN = "Đơn vị còn đơn vị cấp dưới đang hoạt động; hãy chuyển hoặc ngừng sử dụng chúng trước."
AGENCY_NAME_REQUIRED = "Cần nhập tên cơ quan."


@dataclass(frozen=True)
class UserRow:
    """A user as the admin's list shows them."""

    id: int
    full_name: str
    username: str
    unit_id: int | None
    unit_name: str | None
    position: str | None
    roles: tuple[str, ...]
    active: bool
    last_login: datetime | None


@dataclass(frozen=True)
class UnitNode:
    """A unit in tree order: ``depth`` 0 for a top unit, its users counted."""

    id: int
    name: str
    parent_id: int | None
    active: bool
    depth: int
    active_users: int
    abbreviation: str | None = None  # ends the notation of the unit's công văn: "VX" in "123/UBND-VX"


def require_admin(who: Identity) -> None:
    if not allows(who, Permission.MANAGE_ACCOUNTS):
        raise NotAllowed(NOT_ADMIN)


# --- users ---------------------------------------------------------------------------------

def users(session: Session, who: Identity, search: str = "", unit_id: int | None = None,
          role: str | None = None) -> list[UserRow]:
    """The agency's users by name, filtered by a text (name or username), a unit and a role."""
    require_admin(who)
    query = (sa.select(User, OrgUnit.name).outerjoin(OrgUnit, OrgUnit.id == User.unit_id)
             .where(User.agency_id == who.agency_id).order_by(User.full_name, User.username))
    text = nfc(search)
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(sa.or_(User.full_name.ilike(pattern, escape="\\"),
                                   User.username.ilike(pattern, escape="\\")))
    if unit_id is not None:
        query = query.where(User.unit_id == unit_id)
    if role:
        query = query.where(User.id.in_(sa.select(UserRole.user_id).where(UserRole.role == role,
                                                                          UserRole.agency_id == who.agency_id)))
    found = session.execute(query).all()
    ids = [user.id for user, _ in found]
    roles = _roles_of(session, who.agency_id, ids)
    logins = dict(session.execute(sa.select(LoginAttempt.user_id, sa.func.max(LoginAttempt.at))
                                  .where(LoginAttempt.user_id.in_(ids), LoginAttempt.succeeded.is_(True))
                                  .group_by(LoginAttempt.user_id)).all()) if ids else {}
    return [UserRow(id=user.id, full_name=user.full_name, username=user.username, unit_id=user.unit_id,
                    unit_name=unit_name, position=user.position, roles=roles.get(user.id, ()), active=user.active,
                    last_login=logins.get(user.id)) for user, unit_name in found]


def user_row(session: Session, who: Identity, user_id: int) -> UserRow:
    user = _user(session, who, user_id)
    return next(row for row in users(session, who, search=user.username) if row.id == user.id)


def create_user(session: Session, who: Identity, *, full_name: str, username: str, unit_id: int | None,
                position: str, roles: Iterable[str], password: str = "") -> tuple[User, str | None]:
    """A new user of the admin's agency. An empty ``password`` has one generated; it is returned
    (to be shown once) and never stored in clear."""
    require_admin(who)
    username = nfc(username).lower()
    roles = sorted(set(roles))
    errors = _person_errors(session, who, full_name, unit_id, roles)
    if not USERNAME.fullmatch(username):
        errors["username"] = USERNAME_INVALID
    elif session.scalar(sa.select(User.id).where(User.username == username)):
        errors["username"] = USERNAME_TAKEN
    generated = None if password else generate_password(username)
    problem = password_policy.problem_of(password or generated, username)
    if problem:
        errors["password"] = problem
    if errors:
        raise InvalidData(next(iter(errors.values())), errors)
    agency = session.get(Agency, who.agency_id)
    unit = session.get(OrgUnit, unit_id) if unit_id else None
    user = accounts.create_user(session, agency, username, full_name, password or generated, roles, unit=unit,
                                position=position.strip() or None, actor_id=who.user_id)
    return user, generated


def update_user(session: Session, who: Identity, user_id: int, *, full_name: str, unit_id: int | None,
                position: str, roles: Iterable[str], email: str | None = None) -> User:
    """Change a user's name, unit, position, roles and (unless None) the email address their
    notifications go to. An admin keeps their own admin role."""
    require_admin(who)
    user = _user(session, who, user_id)
    roles = sorted(set(roles))
    errors = _person_errors(session, who, full_name, unit_id, roles, keep_unit=user.unit_id)
    if email is not None:
        try:
            preferences.clean_email(email)
        except InvalidData as refused:
            errors.update(refused.errors)
    if user.id == who.user_id and Role.ADMIN not in roles:
        errors["roles"] = OWN_ADMIN_ROLE
    if errors:
        raise InvalidData(next(iter(errors.values())), errors)
    before = _described(session, user)
    user.full_name, user.unit_id, user.position = nfc(full_name), unit_id, nfc(position) or None
    held = set(_roles_of(session, who.agency_id, [user.id]).get(user.id, ()))
    session.execute(sa.delete(UserRole).where(UserRole.user_id == user.id, UserRole.agency_id == who.agency_id,
                                              UserRole.role.in_(held - set(roles))))
    session.add_all(UserRole(user_id=user.id, agency_id=who.agency_id, role=role) for role in set(roles) - held)
    session.flush()
    _audit(session, who, "user.updated", user.id, before, _described(session, user))
    if email is not None:
        preferences.set_email(session, who, user, email)
    return user


def set_active(session: Session, who: Identity, user_id: int, active: bool) -> User:
    """Disable (no login, every session ended) or enable a user; never oneself."""
    require_admin(who)
    user = _user(session, who, user_id)
    if user.id == who.user_id and not active:
        raise InvalidData(DISABLE_SELF)
    if user.active != active:
        user.active = active
        if not active:
            accounts.end_sessions(session, user.id)
        session.flush()
        _audit(session, who, "user.enabled" if active else "user.disabled", user.id,
               {"active": not active}, {"active": active})
    return user


def reset_password(session: Session, who: Identity, user_id: int, password: str = "") -> str | None:
    """Set a user's password under the policy (empty: one is generated and returned, to be shown
    once). The user's sessions end and a lock-out from wrong guesses is lifted."""
    require_admin(who)
    user = _user(session, who, user_id)
    generated = None if password else generate_password(user.username)
    accounts.set_password(user, password or generated)
    user.failed_attempts, user.locked_until = 0, None
    # The admin resetting their own password stays logged in here, as when changing it on /account.
    accounts.end_sessions(session, user.id, keep=who.session_id if user.id == who.user_id else None)
    session.flush()
    _audit(session, who, "user.password_reset", user.id, None, {"generated": generated is not None})
    return generated


def generate_password(username: str) -> str:
    """A random password the policy accepts: 16 characters of a URL-safe alphabet."""
    while True:
        password = secrets.token_urlsafe(12)
        if password_policy.problem_of(password, username) is None:
            return password


def _user(session: Session, who: Identity, user_id: int) -> User:
    return _own(session, who, User, user_id, "Không tìm thấy người dùng.")


def _own(session: Session, who: Identity, model: type[User] | type[OrgUnit], row_id: int, missing: str):
    """A user or unit of the admin's own agency; another agency's is not found, as if absent."""
    row = session.get(model, row_id)
    if row is None or row.agency_id != who.agency_id:
        raise NotFound(missing)
    return row


def _person_errors(session: Session, who: Identity, full_name: str, unit_id: int | None, roles: list[str],
                   keep_unit: int | None = None) -> dict[str, str]:
    errors: dict[str, str] = {}
    name = nfc(full_name)
    if not name:
        errors["full_name"] = NAME_REQUIRED
    elif len(name) > NAME_MAX:
        errors["full_name"] = NAME_TOO_LONG
    # A user may stay in a unit that was deactivated meanwhile; a new placement needs an active one.
    if unit_id is not None and unit_id != keep_unit and unit_id not in _active_unit_ids(session, who.agency_id):
        errors["unit_id"] = UNIT_UNKNOWN
    if not roles:
        errors["roles"] = ROLES_REQUIRED
    elif set(roles) - set(ROLES):
        errors["roles"] = ROLE_UNKNOWN
    return errors


def _roles_of(session: Session, agency_id: int, user_ids: list[int]) -> dict[int, tuple[str, ...]]:
    held: dict[int, list[str]] = {}
    if user_ids:
        for user_id, role in session.execute(sa.select(UserRole.user_id, UserRole.role)
                                             .where(UserRole.user_id.in_(user_ids),
                                                    UserRole.agency_id == agency_id)):
            held.setdefault(user_id, []).append(role)
    order = {role: index for index, role in enumerate(ROLES)}
    return {user_id: tuple(sorted(roles, key=lambda r: order.get(r, len(order)))) for user_id, roles in held.items()}


def _described(session: Session, user: User) -> dict:
    return {"full_name": user.full_name, "unit_id": user.unit_id, "position": user.position,
            "roles": list(_roles_of(session, user.agency_id, [user.id]).get(user.id, ()))}


# --- units ---------------------------------------------------------------------------------

def unit_tree(session: Session, who: Identity) -> list[UnitNode]:
    """The agency's units, each followed by its sub-units (depth first, by name)."""
    require_admin(who)
    return tree_of(session, who.agency_id)


def tree_of(session: Session, agency_id: int) -> list[UnitNode]:
    units = session.scalars(sa.select(OrgUnit).where(OrgUnit.agency_id == agency_id).order_by(OrgUnit.name)).all()
    counts = dict(session.execute(sa.select(User.unit_id, sa.func.count()).where(
        User.agency_id == agency_id, User.active.is_(True), User.unit_id.is_not(None)).group_by(User.unit_id)).all())
    children: dict[int | None, list[OrgUnit]] = {}
    ids = {unit.id for unit in units}
    for unit in units:  # a parent outside the agency would be a data error: show the unit at the top
        children.setdefault(unit.parent_id if unit.parent_id in ids else None, []).append(unit)
    ordered: list[UnitNode] = []

    def visit(parent: int | None, depth: int) -> None:
        for unit in children.get(parent, []):
            ordered.append(UnitNode(unit.id, unit.name, unit.parent_id, unit.active, depth, counts.get(unit.id, 0),
                                    unit.abbreviation))
            visit(unit.id, depth + 1)

    visit(None, 0)
    return ordered


def create_unit(session: Session, who: Identity, name: str, parent_id: int | None) -> OrgUnit:
    require_admin(who)
    name = _unit_name(session, who, name)
    if parent_id is not None and parent_id not in _active_unit_ids(session, who.agency_id):
        raise InvalidData(UNIT_UNKNOWN, {"parent_id": UNIT_UNKNOWN})
    unit = OrgUnit(agency_id=who.agency_id, name=name, parent_id=parent_id, active=True)
    session.add(unit)
    session.flush()
    _audit(session, who, "unit.created", unit.id, None, {"name": name, "parent_id": parent_id}, "org_unit")
    return unit


def update_unit(session: Session, who: Identity, unit_id: int, name: str, parent_id: int | None) -> OrgUnit:
    """Rename a unit and/or move it under another parent (or to the top); never into itself."""
    require_admin(who)
    unit = _unit(session, who, unit_id)
    name = _unit_name(session, who, name, unit.id)
    if parent_id is not None and parent_id != unit.parent_id:
        if parent_id not in _active_unit_ids(session, who.agency_id):
            raise InvalidData(UNIT_UNKNOWN, {"parent_id": UNIT_UNKNOWN})
        if parent_id in _subtree(session, who.agency_id, unit.id):
            raise InvalidData(PARENT_CYCLE, {"parent_id": PARENT_CYCLE})
    before = {"name": unit.name, "parent_id": unit.parent_id}
    unit.name, unit.parent_id = name, parent_id
    session.flush()
    _audit(session, who, "unit.updated", unit.id, before, {"name": name, "parent_id": parent_id}, "org_unit")
    return unit


def set_unit_active(session: Session, who: Identity, unit_id: int, active: bool) -> OrgUnit:
    """Deactivate a unit no active user and no active sub-unit belongs to, or reactivate it."""
    require_admin(who)
    unit = _unit(session, who, unit_id)
    if not active and session.scalar(sa.select(sa.func.count()).select_from(User).where(
            User.unit_id == unit.id, User.active.is_(True))):
        raise InvalidData(UNIT_HAS_USERS)
    if not active and session.scalar(sa.select(sa.func.count()).select_from(OrgUnit).where(
            OrgUnit.parent_id == unit.id, OrgUnit.active.is_(True))):
        raise InvalidData(UNIT_HAS_CHILDREN)
    if unit.active != active:
        unit.active = active
        session.flush()
        _audit(session, who, "unit.activated" if active else "unit.deactivated", unit.id,
               {"active": not active}, {"active": active}, "org_unit")
    return unit


def set_unit_abbreviation(session: Session, who: Identity, unit_id: int, text: str) -> OrgUnit:
    """The unit's abbreviation, written after the agency's in its công văn ("123/UBND-VX");
    empty clears it. Letters, Đ and digits, at most 30 (notation.clean_abbreviation)."""
    require_admin(who)
    return _abbreviated(session, who, _unit(session, who, unit_id), text, "unit.abbreviation_set", "org_unit")


def _unit(session: Session, who: Identity, unit_id: int) -> OrgUnit:
    return _own(session, who, OrgUnit, unit_id, "Không tìm thấy đơn vị.")


def _unit_name(session: Session, who: Identity, name: str, unit_id: int | None = None) -> str:
    name = nfc(name)
    problem = UNIT_NAME_REQUIRED if not name else NAME_TOO_LONG if len(name) > NAME_MAX else None
    if problem is None and session.scalar(sa.select(OrgUnit.id).where(
            OrgUnit.agency_id == who.agency_id, sa.func.lower(OrgUnit.name) == name.lower(), OrgUnit.id != unit_id)):
        problem = UNIT_NAME_TAKEN
    if problem:
        raise InvalidData(problem, {"name": problem})
    return name


def _active_unit_ids(session: Session, agency_id: int) -> set[int]:
    return set(session.scalars(sa.select(OrgUnit.id).where(OrgUnit.agency_id == agency_id,
                                                           OrgUnit.active.is_(True))))


def _subtree(session: Session, agency_id: int, unit_id: int) -> set[int]:
    """The unit and every unit under it."""
    parents = {row.id: row.parent_id for row in session.execute(
        sa.select(OrgUnit.id, OrgUnit.parent_id).where(OrgUnit.agency_id == agency_id))}
    found, grew = {unit_id}, True
    while grew:
        below = {child for child, parent in parents.items() if parent in found} - found
        found |= below
        grew = bool(below)
    return found


# --- the agency ----------------------------------------------------------------------------

def rename_agency(session: Session, who: Identity, name: str) -> Agency:
    require_admin(who)
    agency = session.get(Agency, who.agency_id)
    name = nfc(name)
    problem = AGENCY_NAME_REQUIRED if not name else NAME_TOO_LONG if len(name) > NAME_MAX else None
    if problem:
        raise InvalidData(problem, {"name": problem})
    if name != agency.name:
        before = {"name": agency.name}
        agency.name = name
        session.flush()
        _audit(session, who, "agency.renamed", agency.id, before, {"name": name}, "agency")
    return agency


def set_agency_abbreviation(session: Session, who: Identity, text: str) -> Agency:
    """The agency's abbreviation in its notations ("UBND" in "45/QĐ-UBND"); empty clears it."""
    require_admin(who)
    return _abbreviated(session, who, session.get(Agency, who.agency_id), text, "agency.abbreviation_set", "agency")


def _abbreviated(session: Session, who: Identity, row: Agency | OrgUnit, text: str, action: str, object_type: str):
    abbreviation = clean_abbreviation(text)
    if abbreviation != row.abbreviation:
        before = {"abbreviation": row.abbreviation}
        row.abbreviation = abbreviation
        session.flush()
        _audit(session, who, action, row.id, before, {"abbreviation": abbreviation}, object_type)
    return row


def _audit(session: Session, who: Identity, action: str, object_id: int, before: dict | None, after: dict | None,
           object_type: str = "user") -> None:
    audit.record(session, action, actor_id=who.user_id, agency_code=who.agency_code, object_type=object_type,
                 object_id=object_id, before=before, after=after)
