"""An outgoing draft, read-only, for its author and the agency's leaders: for now the reply an
incoming document's handler starts. Writing and reviewing it come with the outgoing workflow."""
from __future__ import annotations

from fastapi import APIRouter, Request

from documents.incoming import queries
from documents.outgoing import drafts

from ..deps import DB, PageUser
from .render import page

router = APIRouter(include_in_schema=False)


@router.get("/outgoing/drafts/{draft_id:int}")
def show_draft(draft_id: int, request: Request, who: PageUser, session: DB):
    draft = drafts.get(session, who, draft_id)
    answered = queries.by_ids(session, who, [draft.in_reply_to] if draft.in_reply_to else [])
    return page(request, "draft.html", {"who": who, "draft": draft, "answers": answered.get(draft.in_reply_to),
                                        "names": queries.names_of(session, who, [draft.author_id])})
