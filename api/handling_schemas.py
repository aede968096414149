"""Response bodies of what the handling of an incoming document looks like to the caller: a task's
context (documents/incoming/task_context.py) and the actions the caller may take on a document's
handling (documents/incoming/handling_view.py). The pages render the same domain objects."""
from __future__ import annotations

from pydantic import BaseModel, Field

from documents.incoming.handling_view import Handling
from documents.incoming.task_context import Fact, Note, TaskContext
from documents.vntime import iso


class NoteOut(BaseModel):
    text: str
    by: str = Field("", description="a person or a unit, by name")
    at: str | None = None
    percent: int | None = None
    state: str | None = Field(None, description="a verdict said with it: context.done, context.not_done")

    @classmethod
    def of(cls, n: Note) -> "NoteOut":
        return cls(text=n.text, by=n.by, at=iso(n.at), percent=n.percent, state=n.state)


class FactOut(BaseModel):
    label: str = Field(description="what the fact is, a locale key: context.direction, context.deadline …")
    text: str = ""
    at: str | None = None
    names: list[str] = []
    notes: list[NoteOut] = []

    @classmethod
    def of(cls, f: Fact) -> "FactOut":
        return cls(label=f.label, text=f.text, at=iso(f.at), names=list(f.names), notes=[NoteOut.of(n) for n in f.notes])


class TaskContextOut(BaseModel):
    """What the person acting on a task of an incoming document needs to decide."""

    document_id: int
    overdue: bool
    facts: list[FactOut] = Field(default=[], description="the facts of the task's step, by its role")

    @classmethod
    def of(cls, c: TaskContext | None) -> "TaskContextOut | None":
        if c is None:
            return None
        return cls(document_id=c.document.id, overdue=c.overdue, facts=[FactOut.of(f) for f in c.facts])


class HandlingOut(BaseModel):
    """What the caller may do with the document's handling now (the services decide each request)."""

    may_record: bool = Field(description="record progress: the handler or a coordinator")
    may_steer: bool = Field(description="link related documents: the handler, the head of the handling unit, leaders")
    may_ask: bool = Field(description="ask to be re-assigned: the handler, while no request is open")
    may_reply: bool = Field(description="start the reply draft: the handler")
    may_reassign: bool = Field(description="re-assign the handling: leaders, the head of the handling unit")
    may_lead: bool = Field(description="extend deadlines, hand the distribution or a coordination over: leaders")
    decidable: list[int] = Field(default=[], description="re-assignment requests the caller may grant or decline")
    unlinkable: list[int] = Field(default=[], description="related documents whose link the caller may remove")

    @classmethod
    def of(cls, h: Handling) -> "HandlingOut":
        return cls(may_record=h.may_record, may_steer=h.may_steer, may_ask=h.may_ask, may_reply=h.may_reply,
                   may_reassign=h.may_reassign, may_lead=h.may_lead, decidable=sorted(h.decidable),
                   unlinkable=sorted(h.unlinkable))
