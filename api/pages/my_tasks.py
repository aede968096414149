"""My tasks (Việc của tôi): the person's queues as tabs, searched, filtered and sorted by a GET
form, so any view of the list is a link one can share or bookmark."""
from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request

from documents import worklist
from documents.worklist import Filters, Queue, Sort

from ..deps import DB, PageUser, Runtime
from .render import page

router = APIRouter(include_in_schema=False)
Tab = Literal["waiting", "in_progress", "done"]
Order = Literal["", "urgency", "deadline", "received"]
Urgency = Literal["", "0", "1", "2", "3"]


@router.get("/tasks")
def task_list(request: Request, who: PageUser, session: DB, runtime: Runtime,
              tab: Tab = "waiting",
              q: Annotated[str, Query(max_length=200)] = "",
              urgency: Urgency = "",
              step: Annotated[str, Query(max_length=255)] = "",
              overdue: bool = False,
              sort: Order = "",
              number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1):
    if sort == Filters(queue=Queue(tab)).order:
        sort = ""  # the tab's own order, which the form always sends, is no filter
    filters = Filters(queue=Queue(tab), text=q.strip(), urgency=int(urgency) if urgency else None,
                      step=step or None, overdue=overdue, sort=sort or None, page=number)
    found = worklist.of(session, runtime, who, filters)
    search = {"q": filters.text, "urgency": urgency, "step": step, "overdue": "1" if overdue else "",
              "sort": sort}
    return page(request, "tasks.html", {
        "who": who, "work": found, "tab": tab, "tabs": list(Queue), "sorts": Sort.ALL,
        "urgencies": worklist.URGENCIES, "search": search,
        "filtered": any(search.values()),
        "link": lambda **changes: _link({"tab": tab, **search, "page": number} | changes),
    })


def _link(values: dict[str, object]) -> str:
    """/tasks showing ``values``; empty ones and the default tab are left out of the address."""
    kept = {k: v for k, v in values.items() if v not in ("", None) and (k, v) != ("tab", Queue.WAITING)}
    return f"/tasks?{urlencode(kept)}" if kept else "/tasks"
