"""Form fields that name units or people (the forms' `unit` and `user` widgets) may name only the
active units and the active people of the agency whose task is completed: a leader cannot hand a
document to another agency's unit, a unit head cannot name another agency's user. Checked on
every completion, whatever page or API the data came from."""
from __future__ import annotations

from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from forms.registry import FormDefinition

from .models import Agency, OrgUnit, User
from .organisation import headed_units

# A unit named in a field of ui ``headed`` gets a task only its head can take (unless the field
# the hint names, a person, is given too); a unit without a head is refused at the field.
HEADLESS = ("{unit} chưa có lãnh đạo phòng trên hệ thống: chọn người chủ trì/phối hợp cụ thể hoặc "
            "đơn vị khác.")

MESSAGES = {
    "unit": "Chọn một đơn vị của cơ quan.",
    "user": "Chọn một người đang làm việc tại cơ quan.",
}


def foreign(session: Session, scope: str, definition: FormDefinition, data: dict[str, Any]) -> dict[str, str]:
    """Field -> message for every unit or person named in ``data`` that is not of ``scope``'s agency."""
    named = {field: list(_ids(data.get(field))) for field, kind in _reference_fields(definition)}
    wanted = {kind: {i for field, k in _reference_fields(definition) if k == kind for i in named[field]}
              for kind in ("unit", "user")}
    known = _of_agency(session, scope, wanted)
    return {field: MESSAGES[kind] for field, kind in _reference_fields(definition)
            if any(i not in known[kind] for i in named[field])}


def headless(session: Session, definition: FormDefinition, data: dict[str, Any]) -> dict[str, str]:
    """Field -> warning naming the first unit of the field that has no head to take its task
    (the units are the agency's: ``foreign`` checked them first)."""
    rules = (definition.ui or {}).get("headed", {})
    named = {field: [i for i in _ids(data.get(field)) if _is_id(i)] for field, unless in rules.items()
             if not (unless and data.get(unless) not in (None, "", []))}
    wanted = {i for ids in named.values() for i in ids}
    if not wanted:
        return {}
    headed = headed_units(session, wanted)
    names = dict(session.execute(sa.select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(wanted - headed))).all())
    return {field: HEADLESS.format(unit=names[missing[0]])
            for field, ids in named.items() if (missing := [i for i in ids if i in names])}


def _reference_fields(definition: FormDefinition) -> list[tuple[str, str]]:
    widgets = (definition.ui or {}).get("widgets", {})
    return [(field, kind) for field, kind in widgets.items() if kind in MESSAGES]


def _ids(value: Any) -> Iterable[Any]:
    """The ids a field holds: one, a list of them, or nothing (an empty field names nobody)."""
    if value is None or value == "":
        return ()
    return value if isinstance(value, list) else (value,)


def _of_agency(session: Session, scope: str, wanted: dict[str, set[Any]]) -> dict[str, set[Any]]:
    agency_id = sa.select(Agency.id).where(Agency.code == scope).scalar_subquery()
    found: dict[str, set[Any]] = {"unit": set(), "user": set()}
    units = {i for i in wanted["unit"] if _is_id(i)}
    users = {i for i in wanted["user"] if _is_id(i)}
    if units:
        found["unit"] = set(session.scalars(sa.select(OrgUnit.id).where(OrgUnit.id.in_(units),
                                                                       OrgUnit.agency_id == agency_id,
                                                                       OrgUnit.active.is_(True))))
    if users:
        found["user"] = set(session.scalars(sa.select(User.id).where(User.id.in_(users), User.agency_id == agency_id,
                                                                     User.active.is_(True))))
    return found


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2 ** 63
