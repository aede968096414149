"""What one reader may know of an incoming document's workflow, read once for its page: the
instance as processes.instance shows it to them (history, open tasks, whether they may read what
people typed), the process data when they may, the role of each element of the instance's own
diagram version, and the names of the people and units it mentions. The summary
(documents/incoming/summary.py) and the plain-language history (documents/incoming/story.py)
are both read from it, so they never disagree."""
from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import Any, Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine.runtime import WorkflowRuntime

from .. import processes
from ..accounts import Identity
from ..errors import NotAllowed
from ..models import User
from ..vntime import VN_TZ
from . import contract, people
from .models import IncomingDocument

COMPLETED = "completed"  # the history's action of a person's finished step


class Reading:
    def __init__(self, session: Session, runtime: WorkflowRuntime, who: Identity, view: processes.InstanceView) -> None:
        self.session, self.runtime, self.who, self.view = session, runtime, who, view

    @property
    def instance_id(self) -> int:
        return self.view.instance.id

    @cached_property
    def steps(self) -> list[processes.Step]:
        """The history, oldest first; what people typed only when the reader may read it."""
        return self.view.steps()

    @cached_property
    def data(self) -> Mapping[str, Any]:
        """The process data (who leads, the deadline …), empty when the reader may not read it."""
        return self.runtime.data(self.session, self.view.instance) if self.view.data_visible else {}

    @cached_property
    def roles(self) -> Mapping[str, str]:
        marked = self.runtime.element_roles(self.session, self.instance_id, self.who.agency_code)
        return contract.roles_by_element(marked)

    def role(self, spec_name: str | None) -> str | None:
        return self.roles.get(spec_name) if spec_name else None

    def completed(self, *roles: str) -> list[processes.Step]:
        """The completions of steps of ``roles``, oldest first."""
        return [s for s in self.steps if s.action == COMPLETED and self.role(s.spec_name) in roles]

    def last_completed(self, *roles: str) -> processes.Step | None:
        return next(reversed(self.completed(*roles)), None)

    @cached_property
    def _people(self) -> dict[str, tuple[str, int | None]]:
        """Every person the history, the data and the open tasks name: (full name, unit) by id as text."""
        ids = {int(i) for i in self._person_ids() if i is not None and str(i).isdigit()}
        if not ids:
            return {}
        rows = self.session.execute(sa.select(User.id, User.full_name, User.unit_id)
                                    .where(User.id.in_(ids), User.agency_id == self.who.agency_id))
        return {str(user_id): (name, unit_id) for user_id, name, unit_id in rows}

    def _person_ids(self) -> Iterable[Any]:
        for step in self.steps:
            yield step.actor
            yield from ((step.data or {}).get(k) for k in ("lead_user_id", "handler_user_id", "candidate_user"))
        for key in ("lead_user_id", "handler_user_id"):
            yield self.data.get(key)
        yield from listed(self.data.get("for_information"))
        yield from (user for _, user in contract.coordinators_of(self.data))
        for task in self.view.tasks:
            yield from (task.assignee, task.candidate_user)

    def person(self, user_id: Any) -> str:
        """A person of the agency by name ("" for the system or someone unknown)."""
        return self._people.get(str(user_id), ("", None))[0] if user_id not in (None, "") else ""

    def unit_of(self, user_id: Any) -> int | None:
        return self._people.get(str(user_id), ("", None))[1]

    @cached_property
    def _units(self) -> dict[str, str]:
        return {str(u.id): u.name for u in people.units_of(self.session, self.who)}

    def unit(self, unit_id: Any) -> str:
        return self._units.get(str(unit_id), "") if unit_id not in (None, "") else ""


def of(session: Session, runtime: WorkflowRuntime, who: Identity, document: IncomingDocument) -> Reading | None:
    """The reading of the document's workflow, or None when it has none or the reader may not
    see it (processes.instance decides, as for the JSON API)."""
    if document.process_instance_id is None:
        return None
    try:
        view = processes.instance(session, runtime, who, document.process_instance_id)
    except NotAllowed:
        return None
    return Reading(session, runtime, who, view)


def moment(value: Any) -> datetime | None:
    """A time the process data keeps as ISO 8601 text; one without a zone is Vietnam time."""
    if isinstance(value, datetime):
        found = value
    else:
        try:
            found = datetime.fromisoformat(str(value))
        except ValueError:
            return None
    return found if found.tzinfo else found.replace(tzinfo=VN_TZ)


def listed(value: Any) -> list[Any]:
    """A list the process data should hold (coordinators, opinions …), or none."""
    return list(value) if isinstance(value, (list, tuple)) else []
