from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from documents import processes
from documents.incoming import task_context
from forms import default_registry

from ..deps import DB, ApiUser, Runtime
from ..params import Id, Offset
from ..handling_schemas import TaskContextOut
from ..schemas import ERRORS, CompleteRequest, FormOut, InstanceOut, TaskDetail, TaskOut

router = APIRouter(prefix="/api/tasks", tags=["tasks"], responses=ERRORS)


@router.get("", response_model=list[TaskOut], summary="A page of my queue: most urgent first, then earliest due")
def my_tasks(who: ApiUser, session: DB, runtime: Runtime, limit: Annotated[int, Query(ge=1, le=200)] = 50,
             offset: Offset = 0) -> list[TaskOut]:
    return [TaskOut.of(t) for t in processes.my_tasks(session, runtime, who, limit=limit, offset=offset)]


@router.get("/{task_id}", response_model=TaskDetail,
            summary="A task with its form and, for an incoming document, what its step needs (as its page shows)")
def show(task_id: Id, who: ApiUser, session: DB, runtime: Runtime) -> TaskDetail:
    task = processes.task(session, runtime, who, task_id)
    detail = TaskDetail(**TaskOut.of(task).model_dump(),
                        context=TaskContextOut.of(task_context.of(session, runtime, who, task)))
    if task.form_key and task.form_key in default_registry():
        form = default_registry().get(task.form_key)
        detail.form = FormOut(key=form.key, title=form.title, schema=form.schema, ui=form.ui)
    return detail


@router.post("/{task_id}/claim", response_model=TaskOut, summary="Take a task from the shared queue")
def claim(task_id: Id, who: ApiUser, session: DB, runtime: Runtime) -> TaskOut:
    return TaskOut.of(processes.claim(session, runtime, who, task_id))


@router.post("/{task_id}/unclaim", response_model=TaskOut, summary="Give a claimed task back")
def unclaim(task_id: Id, who: ApiUser, session: DB, runtime: Runtime) -> TaskOut:
    return TaskOut.of(processes.unclaim(session, runtime, who, task_id))


@router.post("/{task_id}/complete", response_model=InstanceOut,
             summary="Complete a task; 409 when someone else completed or changed it first")
def complete(task_id: Id, body: CompleteRequest, who: ApiUser, session: DB, runtime: Runtime) -> InstanceOut:
    return InstanceOut.of(processes.complete(session, runtime, who, task_id, body.data))
