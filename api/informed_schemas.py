"""Response models of the for-information (để biết) API (api/routes/incoming_informed.py)."""
from __future__ import annotations

from pydantic import BaseModel, Field

from documents.incoming import informed
from documents.vntime import iso

TIME = "ISO 8601 in Vietnam time, e.g. 2026-11-23T08:00:00+07:00"


class InformedOut(BaseModel):
    """An incoming document the caller was told of for information."""

    document_id: int
    incoming_number: int | None
    number_notation: str
    subject: str
    issuer_name: str
    status: str
    named_by: str = Field(description="who told the caller, by name")
    named_at: str = Field(description=TIME)
    through_unit: str = Field(description="the unit the caller was told through; empty when named in person")
    seen_at: str | None = Field(description="when the caller first opened it; null while unread. " + TIME)

    @classmethod
    def of(cls, item: informed.Informed) -> "InformedOut":
        fields = {name: getattr(item, name) for name in cls.model_fields}
        return cls(**{**fields, "named_at": iso(item.named_at), "seen_at": iso(item.seen_at)})
