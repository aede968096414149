"""My tasks (Việc của tôi): the person's queue of steps."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from documents import processes

from ..deps import DB, PageUser, Runtime
from .render import page

router = APIRouter(include_in_schema=False)
QUEUE_PAGE = 50


@router.get("/tasks")
def task_list(request: Request, who: PageUser, session: DB, runtime: Runtime,
              number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1):
    # One row more than a page tells whether there is a next page, without counting the queue.
    found = processes.my_tasks(session, runtime, who, limit=QUEUE_PAGE + 1, offset=(number - 1) * QUEUE_PAGE)
    return page(request, "tasks.html", {"who": who, "tasks": found[:QUEUE_PAGE], "page": number,
                                        "more": len(found) > QUEUE_PAGE})
