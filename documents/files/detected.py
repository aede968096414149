"""The answer of content detection, shared by the signature and the container checks."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Detected:
    kind: str  # an allowed kind ('pdf', 'docx', 'text', …) or 'other'
    description: str  # for Vietnamese messages: "một tài liệu PDF 1.7", "một tệp nén ZIP"
    pdf_version: tuple[int, int] | None = None
