"""The task page of every step of an outgoing document (/tasks/<id>): at the top, the document in
brief, the version to read (its PDF), who passed it on, why a returned draft came back, the
opinions gathered and the earlier rounds' comments (documents/outgoing/task_context.py)."""
from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy.orm import Session

from documents.accounts import Identity
from documents.outgoing import task_context
from engine.runtime import HumanTask, WorkflowRuntime

from . import task_panels


@task_panels.register("_outgoing_task.html", "top")
def outgoing_task(session: Session, runtime: WorkflowRuntime, who: Identity,
                  task: HumanTask) -> Mapping[str, Any] | None:
    context = task_context.of(session, runtime, who, task)
    return None if context is None else {"context": context}
