"""Accent-insensitive search: Vietnamese text folded to plain lower-case ASCII letters."""
from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """'Quyết định  SỐ 12' -> 'quyet dinh so 12'. Đ/đ are letters of their own, not d + a mark."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped).strip().lower()


def searchable(document) -> str:
    """What the register's text search reads of an incoming document (kept in ``search_text``)."""
    return fold(" ".join(filter(None, (document.subject, document.number_notation, document.issuer_name,
                                       document.doc_type, document.signer_name, document.description))))


def terms(query: str) -> list[str]:
    return [t for t in fold(query).split(" ") if t]


def like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
