"""An agency's default handling deadlines (deadlines/models.py) and the diagram function that
reads them.

A deadline is an amount of working time on the agency's business calendar, by urgency and
optionally by document type (NĐ 30/2020 Phụ lục III). Which rule applies: the agency's row for
the type, else its row for every type (doc_type ""), else the national default. An agency that
never saved a table has no rows and follows the national defaults. The leader's explicit
deadline (process data ``deadline``) is not this module's: diagrams write
``data.get('deadline') or handling_due(...)``, so it always wins.

Changes need the agency admin (Permission.MANAGE_ACCOUNTS), replace the whole table, are
audited, and only flush: the caller's unit of work commits.
"""
from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine import clock
from engine import step as steps

from .. import audit
from ..accounts import Identity
from ..administration import require_admin
from ..calendar.business import BusinessCalendar
from ..calendar.functions import _calendar as step_calendar
from ..calendar.functions import as_moment
from ..calendar.service import calendar_for
from ..errors import InvalidData
from ..models import Agency
from ..outgoing.doc_types import TYPES
from ..vntime import VN_TZ
from .models import DAYS, HOURS, DeadlinePolicy

URGENCIES = ("flash", "very_urgent", "urgent", "normal")  # most urgent first, as the table shows them
UNITS = (HOURS, DAYS)
EVERY_TYPE = ""
# NĐ 30/2020 and the seeds' defaults: hỏa tốc within the same working hours, thượng khẩn one
# working day, khẩn two, thường ten (the diagrams' default before this table existed).
NATIONAL: dict[str, tuple[float, str]] = {"flash": (2, HOURS), "very_urgent": (1, DAYS),
                                          "urgent": (2, DAYS), "normal": (10, DAYS)}
# Bounds of an amount: a default deadline beyond a quarter of a year is a typing mistake.
MAX_AMOUNT = {HOURS: 200, DAYS: 60}
MAX_ROWS = len(URGENCIES) * (len(TYPES) + 1)
AUDIT_SET, AUDIT_RESET = "deadline_policy.set", "deadline_policy.reset"
MEMO_KEY = "deadline_policy"

BAD_URGENCY = "Mức độ khẩn không hợp lệ."
BAD_TYPE = "Loại văn bản không có trong danh mục của Nghị định 30/2020/NĐ-CP."
BAD_UNIT = "Chọn đơn vị: giờ làm việc hoặc ngày làm việc."
TWICE = "Mỗi loại văn bản và mức độ khẩn chỉ có một thời hạn."
TOO_MANY = "Bảng thời hạn có quá nhiều dòng."
WHOLE_DAYS = f"Số ngày làm việc phải là số nguyên từ 1 đến {MAX_AMOUNT[DAYS]}."
HALF_HOURS = f"Số giờ làm việc phải từ 0,5 đến {MAX_AMOUNT[HOURS]}, theo bước nửa giờ."
REFUSED = "Bảng thời hạn không hợp lệ."
TYPE_THERE = "Loại văn bản này đã có dòng riêng trong bảng."
TYPE_ABSENT = "Loại văn bản này không có dòng riêng trong bảng."
ISSUING_BASIS = "Nghị định 30/2020/NĐ-CP, Điều 16"  # outgoing/deadlines.py::issue_due, shown read-only


@dataclass(frozen=True)
class Rule:
    """``amount`` working ``unit`` (HOURS or DAYS) for documents of ``doc_type`` ("" = every
    type) and ``urgency``; ``national`` when no row of the agency says it."""

    doc_type: str
    urgency: str
    amount: float
    unit: str
    national: bool = False


@dataclass(frozen=True)
class Table:
    """The agency's effective table: the every-type rule of each urgency (its own or the
    national one) and the rules of the types it overrides."""

    every_type: dict[str, Rule]        # urgency → rule
    by_type: dict[str, dict[str, Rule]]  # type → urgency → rule (only those the agency set)
    national: bool                     # the agency has no rows at all

    def rule(self, doc_type: str | None, urgency: str) -> Rule:
        own = self.by_type.get(canonical_type(doc_type) or EVERY_TYPE, {})
        return own.get(urgency) or self.every_type[urgency]

    def rows(self) -> list[Rule]:
        """Every rule, every-type ones first, then the types in the order of NĐ 30."""
        return [*self.every_type.values(), *(rule for rules in self.by_type.values() for rule in rules.values())]


# --- reading -------------------------------------------------------------------------------

def table(session: Session, agency_id: int) -> Table:
    """The effective table of the agency (any member of it may read it)."""
    return _table(_rows(session, agency_id))


def due(session: Session, agency_id: int, start: datetime, doc_type: str | None, urgency: str | None) -> datetime:
    """When a document of ``doc_type`` and ``urgency`` received at ``start`` is due by the
    agency's policy, counted on its business calendar, in Vietnam time."""
    return deadline(calendar_for(session, agency_id), table(session, agency_id).rule(doc_type, _urgency(urgency)),
                    as_moment(start))


def deadline(calendar: BusinessCalendar, rule: Rule, start: datetime) -> datetime:
    """``start`` plus the rule's working time (counted from the receipt time, see BusinessCalendar)."""
    if rule.unit == HOURS:
        return calendar.add_working_hours(start, rule.amount).astimezone(VN_TZ)
    return calendar.add_working_days(start, int(rule.amount)).astimezone(VN_TZ)


def canonical_type(doc_type: str | None) -> str | None:
    """The NĐ 30 type named by ``doc_type`` (case and Unicode form aside); None if none is."""
    if not doc_type:
        return None
    key = unicodedata.normalize("NFC", doc_type).strip().casefold()
    return _TYPE_KEYS.get(key)


_TYPE_KEYS = {unicodedata.normalize("NFC", name).casefold(): name for name in TYPES}


def _rows(session: Session, agency_id: int) -> list[Rule]:
    found = session.scalars(sa.select(DeadlinePolicy).where(DeadlinePolicy.agency_id == agency_id))
    return [Rule(row.doc_type, row.urgency, row.amount, row.unit) for row in found]


def _table(rows: Iterable[Rule]) -> Table:
    every = {urgency: Rule(EVERY_TYPE, urgency, *NATIONAL[urgency], national=True) for urgency in URGENCIES}
    typed: dict[str, dict[str, Rule]] = {}
    rows = list(rows)
    for rule in rows:
        if rule.doc_type == EVERY_TYPE:
            every[rule.urgency] = rule
        else:
            typed.setdefault(rule.doc_type, {})[rule.urgency] = rule
    order = {name: index for index, name in enumerate(TYPES)}
    by_type = {name: {u: typed[name][u] for u in URGENCIES if u in typed[name]}
               for name in sorted(typed, key=lambda name: order.get(name, len(order)))}
    return Table(every_type=every, by_type=by_type, national=not rows)


# --- changing ------------------------------------------------------------------------------

def set_table(session: Session, who: Identity, rules: Iterable[Rule]) -> Table:
    """Replace the agency's whole table with ``rules``. A refusal names each bad rule by its
    position ("rows.0", "rows.1", …, as the API's body) in ``errors`` and stores nothing."""
    require_admin(who)
    clean = _validated(list(rules))
    before = table(session, who.agency_id)
    session.execute(sa.delete(DeadlinePolicy).where(DeadlinePolicy.agency_id == who.agency_id))
    now = clock.now()
    session.add_all(DeadlinePolicy(agency_id=who.agency_id, doc_type=rule.doc_type, urgency=rule.urgency,
                                   amount=rule.amount, unit=rule.unit, updated_by=who.user_id, updated_at=now)
                    for rule in clean)
    session.flush()
    after = _table(clean)
    _audit(session, who, AUDIT_SET, before, after)
    return after


def reset(session: Session, who: Identity) -> Table:
    """Back to the national defaults: the agency's rows are removed."""
    require_admin(who)
    before = table(session, who.agency_id)
    session.execute(sa.delete(DeadlinePolicy).where(DeadlinePolicy.agency_id == who.agency_id))
    session.flush()
    after = _table([])
    _audit(session, who, AUDIT_RESET, before, after)
    return after


def add_type(session: Session, who: Identity, doc_type: str) -> Table:
    """A row for ``doc_type`` (an NĐ 30 type), starting from the every-type deadlines for the
    admin to change."""
    require_admin(who)
    name = canonical_type(doc_type)
    if name is None:
        raise InvalidData(BAD_TYPE, errors={"doc_type": BAD_TYPE})
    current = table(session, who.agency_id)
    if name in current.by_type:
        raise InvalidData(TYPE_THERE, errors={"doc_type": TYPE_THERE})
    copies = [Rule(name, u, rule.amount, rule.unit) for u, rule in current.every_type.items()]
    return set_table(session, who, [*_own(current), *copies])


def remove_type(session: Session, who: Identity, doc_type: str) -> Table:
    """The type's rows removed: its documents follow the every-type row again."""
    require_admin(who)
    current = table(session, who.agency_id)
    name = canonical_type(doc_type)
    if name not in current.by_type:
        raise InvalidData(TYPE_ABSENT)
    return set_table(session, who, [rule for rule in _own(current) if rule.doc_type != name])


def _own(current: Table) -> list[Rule]:
    return [rule for rule in current.rows() if not rule.national]


def _validated(rules: list[Rule]) -> list[Rule]:
    if len(rules) > MAX_ROWS:
        raise InvalidData(TOO_MANY)
    errors: dict[str, str] = {}
    clean: list[Rule] = []
    seen: set[tuple[str, str]] = set()
    for index, rule in enumerate(rules):
        problem, good = _checked(rule)
        if problem is None and (good.doc_type, good.urgency) in seen:
            problem = TWICE
        if problem is not None:
            errors[f"rows.{index}"] = problem
            continue
        seen.add((good.doc_type, good.urgency))
        clean.append(good)
    if errors:
        raise InvalidData(REFUSED + " " + " ".join(dict.fromkeys(errors.values())), errors=errors)
    return clean


def _checked(rule: Rule) -> tuple[str | None, Rule]:
    doc_type = canonical_type(rule.doc_type) if rule.doc_type else EVERY_TYPE
    if doc_type is None:
        return BAD_TYPE, rule
    if rule.urgency not in URGENCIES:
        return BAD_URGENCY, rule
    if rule.unit not in UNITS:
        return BAD_UNIT, rule
    amount = rule.amount
    if isinstance(amount, bool) or not isinstance(amount, (int, float)) or not math.isfinite(amount):
        return (WHOLE_DAYS if rule.unit == DAYS else HALF_HOURS), rule
    if rule.unit == DAYS and not (amount == int(amount) and 1 <= amount <= MAX_AMOUNT[DAYS]):
        return WHOLE_DAYS, rule
    if rule.unit == HOURS and not ((amount * 2) == int(amount * 2) and 0.5 <= amount <= MAX_AMOUNT[HOURS]):
        return HALF_HOURS, rule
    return None, Rule(doc_type, rule.urgency, float(amount), rule.unit)


def _audit(session: Session, who: Identity, action: str, before: Table, after: Table) -> None:
    audit.record(session, action, actor_id=who.user_id, agency_code=who.agency_code,
                 object_type="deadline_policy", object_id=who.agency_id,
                 before={"rows": _rows_json(before)}, after={"rows": _rows_json(after)})


def _rows_json(shown: Table) -> list[dict[str, Any]]:
    return [{"doc_type": r.doc_type, "urgency": r.urgency, "amount": r.amount, "unit": r.unit}
            for r in _own(shown)]


# --- the diagram function ------------------------------------------------------------------

def handling_due(start: str | datetime, doc_type: str | None = None, urgency: str | int | None = None) -> str:
    """The default handling deadline (ISO 8601, +07:00) of a document of ``doc_type`` and
    ``urgency`` (its name, or urgency_level's 0–3; missing = normal) received at ``start``, by the
    policy and calendar of the instance's agency. Outside a step: the national defaults."""
    moment = as_moment(start)
    if doc_type is not None and not isinstance(doc_type, str):
        raise ValueError(f"doc_type must be a text or None, got {type(doc_type).__name__}")
    if isinstance(doc_type, str) and len(doc_type) > 100:
        raise ValueError("doc_type is longer than 100 characters")
    rule = _step_table().rule(doc_type, _urgency(urgency))
    return deadline(step_calendar(), rule, moment).isoformat()


def _urgency(value: str | int | None) -> str:
    """An urgency's name from its name or level (0 normal … 3 flash); None or "" is normal."""
    if value is None or value == "":
        return "normal"
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(URGENCIES):
        return URGENCIES[len(URGENCIES) - 1 - value]
    if isinstance(value, str) and value in URGENCIES:
        return value
    raise ValueError(f"urgency must be one of {', '.join(URGENCIES)} or 0–3, got {value!r}"[:200])


def _step_table() -> Table:
    """The table of the running step's agency, read once per step in its transaction."""
    step = steps.current()
    if step is None or step.scope is None:
        return _table([])
    if MEMO_KEY not in step.memo:
        with step.session.no_autoflush:  # mid-step: the engine's pending rows stay pending
            agency_id = step.session.scalar(sa.select(Agency.id).where(Agency.code == step.scope))
            step.memo[MEMO_KEY] = _table([]) if agency_id is None else table(step.session, agency_id)
    return step.memo[MEMO_KEY]


SANDBOX_FUNCTIONS = {"handling_due": handling_due}
