"""Coordinators and those told for information (để biết): the units and people the distribution
names besides the lead (IncomingParty rows)."""
from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy.orm import Session

from .models import IncomingDocument


def record_distribution(session: Session, document: IncomingDocument, data: Mapping[str, Any],
                        actor_id: int | None) -> None:
    """The distribution's form data (cleaned) names the parties of ``document``."""
