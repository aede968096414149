"""Who is responsible for open work, by name: the people a task is offered to or taken by, a
unit's heads, the agency's leaders. Always inside one agency."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine.runtime import HumanTask, WorkflowRuntime

from ..models import User, UserRole


def _active(session: Session, agency_id: int, query: sa.Select) -> set[int]:
    return set(session.scalars(query.where(User.agency_id == agency_id, User.active.is_(True))))


def with_role(session: Session, agency_id: int, role: str, unit_id: int | None = None) -> set[int]:
    """Active people of the agency holding ``role`` (of ``unit_id`` when given)."""
    query = sa.select(User.id).join(UserRole, UserRole.user_id == User.id).where(
        UserRole.agency_id == agency_id, UserRole.role == role)
    if unit_id is not None:
        query = query.where(User.unit_id == unit_id)
    return _active(session, agency_id, query)


def unit_heads(session: Session, agency_id: int, unit_id: int | None) -> set[int]:
    return with_role(session, agency_id, "unit_head", unit_id) if unit_id is not None else set()


def leaders(session: Session, agency_id: int) -> set[int]:
    return with_role(session, agency_id, "leader")


def of_task(session: Session, agency_id: int, task: HumanTask) -> set[int]:
    """Whoever holds the task: its assignee; else the person it names; else everyone it is offered
    to (role and/or unit of the agency)."""
    named = task.assignee or task.candidate_user
    if named is not None:
        return _active(session, agency_id, sa.select(User.id).where(User.id == int(named))) if named.isdigit() else set()
    query = sa.select(User.id)
    if task.candidate_role is not None:
        query = query.join(UserRole, UserRole.user_id == User.id).where(
            UserRole.agency_id == agency_id, UserRole.role == task.candidate_role)
    if task.candidate_unit is not None and task.candidate_unit.isdigit():
        query = query.where(User.unit_id == int(task.candidate_unit))
    return _active(session, agency_id, query)


def open_tasks(session: Session, instance_id: int, spec_name: str | None = None) -> list[HumanTask]:
    tasks = WorkflowRuntime.open_tasks(session, instance_id)
    return [task for task in tasks if spec_name is None or task.spec_name == spec_name]


def of_instance(session: Session, agency_id: int, instance_id: int, spec_name: str | None = None) -> set[int]:
    """Everyone holding one of the instance's open tasks (of ``spec_name`` when given)."""
    people: set[int] = set()
    for task in open_tasks(session, instance_id, spec_name):
        people |= of_task(session, agency_id, task)
    return people
