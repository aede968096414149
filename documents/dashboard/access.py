"""Who sees which dashboard figures, always inside the acting agency:

- ``Permission.VIEW_DASHBOARD`` (leaders, unit heads); anyone else is refused (403);
- a leader sees the whole agency, any of its units, any of its people;
- a unit head sees only their own unit and its people: another unit, or a person outside their
  unit, is refused (403); a unit head without a unit sees nothing;
- a unit or a person of another agency does not exist for the caller (404);
- the province's figures (seed 002 Đ15): a leader sees their agency and every agency below it
  (``Agency.parent_id``, any depth) — the provincial office, the root of the province's tree,
  sees them all; an agency without children sees its own row only.

    scope_for(session, who, unit_id=None, user_id=None) -> Scope
    province_scope(session, who) -> tuple[int, ...]   # agency ids, the caller's own first
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..accounts import Identity
from ..errors import NotAllowed, NotFound
from ..models import Agency, OrgUnit, Role, User
from ..permissions import Permission, allows

REFUSED = "Chỉ lãnh đạo cơ quan và lãnh đạo đơn vị mới xem được bảng theo dõi hạn xử lý."
OWN_UNIT_ONLY = "Lãnh đạo đơn vị chỉ xem được số liệu của đơn vị mình."
PROVINCE_LEADERS = "Chỉ lãnh đạo cơ quan mới xem được số liệu toàn tỉnh."
NO_UNIT = "Không tìm thấy đơn vị."
NO_PERSON = "Không tìm thấy người dùng."


@dataclass(frozen=True)
class Scope:
    """Which documents the figures count: an agency, narrowed to a unit and/or a person (their
    documents as lead unit / lead person)."""

    agency_id: int
    unit_id: int | None = None
    user_id: int | None = None


def _require(who: Identity) -> None:
    if not allows(who, Permission.VIEW_DASHBOARD):
        raise NotAllowed(REFUSED)


def _whole_agency(who: Identity) -> bool:
    return Role.LEADER in who.roles


def scope_for(session: Session, who: Identity, unit_id: int | None = None, user_id: int | None = None) -> Scope:
    """The scope ``who`` asks for, checked; a unit head's defaults to their unit."""
    _require(who)
    if unit_id is not None and session.scalar(
            sa.select(OrgUnit.id).where(OrgUnit.id == unit_id, OrgUnit.agency_id == who.agency_id)) is None:
        raise NotFound(NO_UNIT)
    person_unit = None
    if user_id is not None:
        found = session.execute(sa.select(User.id, User.unit_id)
                                .where(User.id == user_id, User.agency_id == who.agency_id)).first()
        if found is None:
            raise NotFound(NO_PERSON)
        person_unit = found.unit_id
    if not _whole_agency(who):
        if who.unit_id is None or unit_id not in (None, who.unit_id) \
                or (user_id is not None and person_unit != who.unit_id):
            raise NotAllowed(OWN_UNIT_ONLY)
        unit_id = who.unit_id
    return Scope(who.agency_id, unit_id, user_id)


def province_scope(session: Session, who: Identity) -> tuple[int, ...]:
    """The agencies whose figures ``who`` sees side by side: their own and all below it."""
    _require(who)
    if not _whole_agency(who):
        raise NotAllowed(PROVINCE_LEADERS)
    tree = sa.select(Agency.id).where(Agency.id == who.agency_id).cte("tree", recursive=True)
    tree = tree.union_all(sa.select(Agency.id).join(tree, Agency.parent_id == tree.c.id))
    below = session.scalars(sa.select(tree.c.id).where(tree.c.id != who.agency_id).order_by(tree.c.id)).all()
    return (who.agency_id, *below)
