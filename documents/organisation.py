"""The agency's organisation as the pickers show it: its units as a tree (OrgUnit.parent_id) and
its active people grouped by unit with their position. Only the acting person's agency is read;
the ids are what forms post, the names are all a person ever sees."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .models import OrgUnit, Role, User, UserRole


@dataclass(frozen=True)
class Unit:
    id: int
    name: str
    depth: int  # 0 for a unit under the agency itself, 1 for one of its sections…
    headed: bool = True  # has an active head: a task for the unit (its head's) can be taken


@dataclass(frozen=True)
class Person:
    id: int
    full_name: str
    position: str


@dataclass(frozen=True)
class Group:
    """The people of one unit (``unit`` None: those of no unit, the agency's leaders)."""
    unit: Unit | None
    people: tuple[Person, ...]


@dataclass(frozen=True)
class Organisation:
    units: tuple[Unit, ...]   # in tree order: each unit followed by its sub-units, by name
    groups: tuple[Group, ...]  # those of no unit first, then the units in tree order


def of_agency(session: Session, agency_id: int, own_unit: int | None = None) -> Organisation:
    """The units and the active people of one agency; the people of ``own_unit`` (the acting
    person's unit: a unit head assigns within it) come first."""
    rows = session.execute(sa.select(OrgUnit.id, OrgUnit.name, OrgUnit.parent_id)
                           .where(OrgUnit.agency_id == agency_id, OrgUnit.active.is_(True))).all()
    headed = headed_units(session, [r.id for r in rows])
    units = [Unit(u.id, u.name, u.depth, u.id in headed) for u in _tree(rows)]
    members: dict[int | None, list[Person]] = defaultdict(list)
    people = session.execute(sa.select(User.id, User.full_name, User.position, User.unit_id)
                             .where(User.agency_id == agency_id, User.active.is_(True))
                             .order_by(User.full_name, User.id))
    known = {u.id for u in units}
    for user_id, name, position, unit_id in people:
        members[unit_id if unit_id in known else None].append(Person(user_id, name, position or ""))
    groups = [Group(None, tuple(members[None]))] if members[None] else []
    groups += [Group(u, tuple(members[u.id])) for u in units if members[u.id]]
    groups.sort(key=lambda group: group.unit is None or group.unit.id != own_unit)  # stable: the rest keep their order
    return Organisation(tuple(units), tuple(groups))


def headed_units(session: Session, unit_ids) -> set[int]:
    """Those of ``unit_ids`` that have an active person with the unit head role: a task offered
    to a unit waits for its head (the diagram's "Lãnh đạo phòng" lane), so a unit without one
    would leave it with nobody to take it."""
    if not unit_ids:
        return set()
    return set(session.scalars(sa.select(User.unit_id).distinct()
                               .join(UserRole, sa.and_(UserRole.user_id == User.id, UserRole.agency_id == User.agency_id))
                               .where(User.unit_id.in_(list(unit_ids)), User.active.is_(True),
                                      UserRole.role == Role.UNIT_HEAD)))


def _tree(rows) -> list[Unit]:
    """Depth-first, siblings by name; a unit whose parent is missing (or a cycle) is a root, so
    every unit is listed exactly once."""
    ids = {r.id for r in rows}
    children: dict[int | None, list] = defaultdict(list)
    for row in rows:
        children[row.parent_id if row.parent_id in ids and row.parent_id != row.id else None].append(row)
    ordered: list[Unit] = []
    seen: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        for row in sorted(children[parent], key=lambda r: (r.name, r.id)):
            if row.id not in seen:
                seen.add(row.id)
                ordered.append(Unit(row.id, row.name, depth))
                walk(row.id, depth + 1)

    walk(None, 0)
    for row in rows:  # a cycle never reaches the roots: list its units flat at the end
        if row.id not in seen:
            seen.add(row.id)
            ordered.append(Unit(row.id, row.name, 0))
            walk(row.id, 1)
    return ordered
