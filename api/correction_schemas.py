"""Request and response bodies of the corrections API (api/routes/incoming_corrections.py)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from documents.incoming.corrections import FIELDS, Entry

from .schemas import TEXT_BOUND


class CorrectionRequest(BaseModel):
    changes: Annotated[dict[str, Any], Field(
        max_length=len(FIELDS) + 5,
        description="field of the incoming_document form -> its corrected value (null empties an optional "
                    f"field); correctable: {', '.join(FIELDS)}",
        examples=[{"subject": "Về việc kiểm tra công tác lưu trữ năm 2026"}])]
    reason: Annotated[str, Field(max_length=TEXT_BOUND, description="why the registration is corrected (required)")]
    version: Annotated[int, Field(ge=0, le=1_000_000, description=(
        "the document's correction count as read (GET …/corrections): a correction made since is a 409"))]


class CorrectionOut(BaseModel):
    id: int
    corrected_by: int
    corrected_by_name: str
    corrected_at: datetime
    reason: str
    changes: dict[str, list[Any]] = Field(description="field -> [value before, value after]")

    @classmethod
    def of(cls, entry: Entry) -> CorrectionOut:
        c = entry.correction
        return cls(id=c.id, corrected_by=c.corrected_by, corrected_by_name=entry.by_name, corrected_at=c.corrected_at,
                   reason=c.reason, changes=c.changes)


class CorrectionList(BaseModel):
    version: int = Field(description="send it back with a correction")
    incoming_number: int | None
    metadata: dict[str, Any] = Field(description="the correctable fields as they are now")
    corrections: list[CorrectionOut]
