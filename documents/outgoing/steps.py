"""The domain follows an outgoing document's process through the engine's task events
(EngineHooks.task_listener), keyed on each task's role and the form's decision, never on
element ids: the state follows the open step, returns and rejections keep their comment beside
the version they answer, the signature step signs, the issue step numbers, signs for the agency
and sends. ``start`` begins the process of a new draft.

(Foundation stub: filled in by the workflow work of issue 10.)"""
from __future__ import annotations

from sqlalchemy.orm import Session

from engine.runtime import TaskEvent, WorkflowRuntime

from ..accounts import Identity
from .contract import PROCESS
from .models import OutgoingDocument


def start(session: Session, runtime: WorkflowRuntime, who: Identity, document: OutgoingDocument) -> None:
    """Start the agency's `outgoing` process for a new draft (its first step: the drafting, for
    ``who``) and keep the instance on the document."""
    raise NotImplementedError


def on_task_event(session: Session, event: TaskEvent) -> None:
    if not (event.task.role or "").startswith(PROCESS + "."):
        return
