"""The answer of content detection, shared by the signature and the container checks."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Detected:
    kind: str  # an allowed kind ('pdf', 'docx', 'text', …) or 'other'
    description: str  # for messages: "a PDF 1.7 document", "a Windows executable"
    pdf_version: tuple[int, int] | None = None
