"""A step's own action taken from its panel on the task page (the signature's "Ký số", the
issue's "Cấp số, ký số và phát hành"): done, the browser goes on; refused (InvalidData,
Conflict), the task page comes back with the reason under the refusal's status, or, when the
step is no longer open (done or moved on meanwhile), the document's page says where it stands."""
from __future__ import annotations

from typing import Any, Callable

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from documents.accounts import Identity
from documents.errors import Conflict, InvalidData
from engine.runtime import HumanTask, WorkflowRuntime

from ..i18n import locale_of
from .localized import domain_message
from .routes import _task_page


def act_on_step(request: Request, session: Session, runtime: WorkflowRuntime, who: Identity, action: Callable[[], Any],
                open_task: Callable[[], HumanTask | None], done: Callable[[Any], str], elsewhere: str) -> Response:
    try:
        result = action()
    except (InvalidData, Conflict) as exc:
        session.rollback()
        task = open_task()
        if task is None:
            return RedirectResponse(elsewhere, status_code=303)
        message = domain_message(locale_of(request), exc.message)
        return _task_page(request, session, runtime, who, task, errors={"": message}, status=exc.status)
    return RedirectResponse(done(result), status_code=303)
