"""Response models of the for-information (để biết) API (api/routes/incoming_informed.py)."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from documents.incoming import informed


class InformedOut(BaseModel):
    """An incoming document the caller was told of for information."""

    document_id: int
    incoming_number: int | None
    number_notation: str
    subject: str
    issuer_name: str
    status: str
    named_by: str
    named_at: datetime
    through_unit: str
    seen_at: datetime | None

    @classmethod
    def of(cls, item: informed.Informed) -> "InformedOut":
        return cls(**{name: getattr(item, name) for name in cls.model_fields})
