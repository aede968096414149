"""What a person acting on a step of an outgoing document needs to decide, read from the document,
its versions, the comments kept beside them and the process history: the document in brief, the
latest version (the one to read), who passed it on and when, why it came back (a returned draft
shows the reason), and every earlier round's comments and opinions under the version they
answered. Steps are known by their role (documents/outgoing/contract.py); a task of another
process, or of a document of another agency, has none."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine.runtime import HumanTask, WorkflowRuntime

from ..accounts import Identity
from ..incoming.queries import names_of
from ..models import OrgUnit
from . import contract
from .models import OutgoingComment, OutgoingDocument, OutgoingVersion
from .step_action import document_of_instance

COMPLETED = "completed"  # the history's action of a completed task


@dataclass(frozen=True)
class Remark:
    """One comment: an opinion, a return's or a rejection's reason, an approval's word."""

    kind: str                       # models.COMMENT_KINDS
    step: str | None                # the role's short name ("review"): the pages translate it
    text: str
    by: str                         # the person, by name
    unit: str | None                # asked of a unit: its name
    at: datetime


@dataclass(frozen=True)
class Round:
    """One version and what was said about it."""

    number: int
    uploaded_at: datetime
    uploaded_by: str
    note: str | None
    has_source: bool
    remarks: tuple[Remark, ...]


@dataclass(frozen=True)
class Handover:
    """The completed step that led here: who, which step, when."""

    by: str
    element: str | None             # the diagram's element id, for its translated title
    title: str | None
    at: datetime


@dataclass(frozen=True)
class OutgoingTaskContext:
    document: OutgoingDocument
    step: str | None
    author: str
    unit: str | None
    latest: Round | None
    earlier: tuple[Round, ...]      # newest first
    returned: Remark | None         # the drafting after a return: why it came back
    opinions: tuple[Remark, ...]    # gathered on the latest version
    handover: Handover | None


def of(session: Session, runtime: WorkflowRuntime, who: Identity, task: HumanTask) -> OutgoingTaskContext | None:
    if not (task.role or "").startswith(contract.PROCESS + ".") or task.scope != who.agency_code:
        return None
    document = document_of_instance(session, who, task.instance_id)
    if document is None:
        return None
    versions = list(session.scalars(sa.select(OutgoingVersion).where(OutgoingVersion.document_id == document.id)
                                    .order_by(OutgoingVersion.number.desc())))
    comments = list(session.scalars(sa.select(OutgoingComment).where(OutgoingComment.document_id == document.id)
                                    .order_by(OutgoingComment.at, OutgoingComment.id)))
    history = [h for h in runtime.history(session, task.instance_id) if h.action == COMPLETED]
    people = names_of(session, who, [document.author_id, *(v.uploaded_by for v in versions),
                                     *(c.author_id for c in comments), *(h.actor for h in history[-1:])])
    units = _unit_names(session, who, [document.unit_id, *(c.unit_id for c in comments)])
    remarks: dict[int | None, list[Remark]] = {version.id: [] for version in versions}
    said = []  # in the order they were said
    for comment in comments:
        said.append(Remark(comment.kind, contract.step(comment.role), comment.text,
                           people.get(str(comment.author_id), ""), units.get(comment.unit_id), comment.at))
        remarks.setdefault(comment.version_id, []).append(said[-1])
    rounds = [Round(v.number, v.uploaded_at, people.get(str(v.uploaded_by), ""), v.note, v.source_file_id is not None,
                    tuple(remarks[v.id])) for v in versions]
    latest = rounds[0] if rounds else None
    last = history[-1] if history else None
    return OutgoingTaskContext(
        document=document, step=contract.step(task.role), author=people.get(str(document.author_id), ""),
        unit=units.get(document.unit_id), latest=latest, earlier=tuple(rounds[1:]),
        returned=_returned(task.role, said), opinions=tuple(r for r in (latest.remarks if latest else ())
                                                            if r.kind == "opinion"),
        handover=Handover(people.get(last.actor, ""), last.spec_name, last.title, last.at) if last else None)


def _returned(role: str, said: list[Remark]) -> Remark | None:
    """At the drafting: the return that brought the draft back (nothing was said after it; after a
    consultation the opinions are why it is back)."""
    if role != contract.DRAFT or not said:
        return None
    return said[-1] if said[-1].kind == "return" else None


def _unit_names(session: Session, who: Identity, unit_ids) -> dict[int, str]:
    ids = {u for u in unit_ids if u is not None}
    if not ids:
        return {}
    return dict(session.execute(sa.select(OrgUnit.id, OrgUnit.name)
                                .where(OrgUnit.id.in_(ids), OrgUnit.agency_id == who.agency_id)).all())
