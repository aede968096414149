"""The people and units an action names (a new handler, a leader, a coordinating unit): they must
be of the caller's agency, active, and fit the role; refused with a Vietnamese field message."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..accounts import Identity
from ..errors import InvalidData
from ..models import OrgUnit, User, UserRole


def user(session: Session, who: Identity, user_id: int, field: str) -> User:
    found = session.get(User, user_id)
    if found is None or found.agency_id != who.agency_id or not found.active:
        raise InvalidData("Người được chọn không thuộc cơ quan.",
                          errors={field: "Chọn một người đang làm việc tại cơ quan."})
    return found


def unit(session: Session, who: Identity, unit_id: int, field: str) -> OrgUnit:
    found = session.get(OrgUnit, unit_id)
    if found is None or found.agency_id != who.agency_id:
        raise InvalidData("Đơn vị được chọn không thuộc cơ quan.", errors={field: "Chọn một đơn vị của cơ quan."})
    return found


def leader(session: Session, who: Identity, user_id: int, field: str) -> User:
    found = user(session, who, user_id, field)
    roles = set(session.scalars(sa.select(UserRole.role).where(UserRole.user_id == found.id,
                                                               UserRole.agency_id == who.agency_id)))
    if "leader" not in roles:
        raise InvalidData("Người được chọn không phải lãnh đạo cơ quan.",
                          errors={field: "Chọn một lãnh đạo của cơ quan."})
    return found


def in_own_unit(session: Session, who: Identity, user_id: int | None, field: str) -> User:
    """A unit head re-assigns only to a person of the unit they head."""
    if user_id is None:
        raise InvalidData("Cần chọn người chủ trì mới.", errors={field: "Chọn «Người chủ trì» trong đơn vị của mình."})
    found = user(session, who, user_id, field)
    if found.unit_id != who.unit_id:
        raise InvalidData("Người được chọn không thuộc đơn vị của mình.",
                          errors={field: "Trưởng đơn vị chỉ giao cho người trong đơn vị của mình."})
    return found


# --------------------------------------------------------------------------- choices offered by the pages

def staff_of(session: Session, who: Identity, *, unit_id: int | None = None, role: str | None = None) -> list[User]:
    """The agency's active people by name: all of them, those of ``unit_id``, or those holding ``role``."""
    query = sa.select(User).where(User.agency_id == who.agency_id, User.active.is_(True))
    if unit_id is not None:
        query = query.where(User.unit_id == unit_id)
    if role is not None:
        query = query.where(User.id.in_(sa.select(UserRole.user_id).where(UserRole.agency_id == who.agency_id,
                                                                          UserRole.role == role)))
    return list(session.scalars(query.order_by(User.full_name, User.id)))


def units_of(session: Session, who: Identity) -> list[OrgUnit]:
    """The agency's units by name."""
    return list(session.scalars(sa.select(OrgUnit).where(OrgUnit.agency_id == who.agency_id)
                                .order_by(OrgUnit.name, OrgUnit.id)))
