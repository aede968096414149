"""Text typed by people (notes, reasons, subjects): stored NFC (TCVN 6909), trimmed, refused with
a Vietnamese message per field when missing or too long."""
from __future__ import annotations

import unicodedata

from ..errors import InvalidData

REASON_LENGTH = 2000
NOTE_LENGTH = 4000


def text(value: str | None, *, field: str, label: str, max_length: int, required: bool = True,
         missing: str | None = None) -> str | None:
    """The cleaned text, or None when it is optional and empty. Lengths count NFC characters, so
    text typed decomposed (NFD) is not refused for the marks it carries separately."""
    cleaned = unicodedata.normalize("NFC", value or "").strip()
    if not cleaned:
        if required:
            raise InvalidData(missing or f"Cần nhập «{label}».", errors={field: f"Trường «{label}» là bắt buộc."})
        return None
    if len(cleaned) > max_length:
        raise InvalidData(f"«{label}» quá dài.", errors={field: f"Trường «{label}» dài tối đa {max_length} ký tự."})
    return cleaned


def reason(value: str | None, field: str = "reason") -> str:
    return text(value, field=field, label="Lý do", max_length=REASON_LENGTH, missing="Cần nêu lý do.")
