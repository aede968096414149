"""The JSON of the issue: what the clerk is shown before issuing, and what the issue gave."""
from __future__ import annotations

from pydantic import BaseModel, Field

from documents.outgoing.issuing import Preview
from documents.outgoing.models import OutgoingDocument
from documents.vntime import iso


class IssuePreviewOut(BaseModel):
    next_number: int = Field(description="the register's next number now: a preview, not a reservation")
    notation: str | None = Field(description="the notation the document would get now, e.g. 45/QĐ-UBND")
    problem: str | None = Field(description="what must be set before issuing (an abbreviation), if anything")

    @classmethod
    def of(cls, preview: Preview) -> IssuePreviewOut:
        return cls(next_number=preview.next_number, notation=preview.notation, problem=preview.problem)


class IssuedOut(BaseModel):
    id: int
    state: str
    number: int = Field(description="from the agency's outgoing register of the year (Vietnam time)")
    notation: str = Field(examples=["123/UBND-VX"])
    identifier: str = Field(description="QĐ 28/2018: agency code, date, number/notation",
                            examples=["000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"])
    issued_at: str = Field(description="ISO 8601, +07:00")
    issued_by: int
    issued_file_id: int = Field(description="the PDF as issued: number, date and the agency's signature")

    @classmethod
    def of(cls, document: OutgoingDocument) -> IssuedOut:
        return cls(id=document.id, state=document.state, number=document.number, notation=document.notation,
                   identifier=document.identifier, issued_at=iso(document.issued_at), issued_by=document.issued_by,
                   issued_file_id=document.issued_file_id)
