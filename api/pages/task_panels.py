"""Sections that features add to the task page (/tasks/<id>): see panels.py. A panel's values
function takes (session, runtime, reader, task). ``before_form`` panels may carry the step's own
action (e.g. the signature's "Ký số" button, which signs and completes the task at once)."""
from __future__ import annotations

from typing import Any, Callable, Mapping

from sqlalchemy.orm import Session

from documents.accounts import Identity
from engine.runtime import HumanTask, WorkflowRuntime

from .panels import Panels

Values = Callable[[Session, WorkflowRuntime, Identity, HumanTask], Mapping[str, Any] | None]
PANELS: Panels[Values] = Panels("top", "before_form", "end")  # under the heading, above the form, after it
register = PANELS.register


def for_task(session: Session, runtime: WorkflowRuntime, who: Identity,
             task: HumanTask) -> dict[str, list[tuple[str, Mapping[str, Any]]]]:
    return PANELS.shown(session, runtime, who, task)
