"""The allowed formats (seed 002 Đ4.4): signed documents pdf; text txt rtf doc docx odt; sheets
csv xls xlsx ods; read-only pdf; images jpg png gif. The policy is ours; the detection is in
``sniff``. A file is accepted when its detected kind belongs to its extension's family: a ``.doc``
that is really a DOCX (a common rename) is accepted and recorded as DOCX; a ``.pdf`` that is an
executable is not."""
from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from engine.errors import InvalidData

from .names import extension
from .sniff import detect

SCAN_MIN_PDF_VERSION = (1, 4)  # seed 002 Đ9.3


@dataclass(frozen=True)
class Family:
    label: str  # "a PDF", for "file 'x.pdf' is not a PDF"
    kinds: frozenset[str]


@dataclass(frozen=True)
class Format:
    kind: str
    media_type: str


_PDF = Family("a PDF", frozenset({"pdf"}))
_TEXT = Family("a UTF-8 text file", frozenset({"text"}))
_DOCUMENT = Family("a text document (DOC, DOCX, ODT or RTF)", frozenset({"doc", "docx", "odt", "rtf"}))
_SHEET = Family("a spreadsheet (XLS, XLSX or ODS)", frozenset({"xls", "xlsx", "ods"}))
_IMAGE = Family("an image (JPEG, PNG or GIF)", frozenset({"jpeg", "png", "gif"}))

FAMILIES: dict[str, Family] = {
    "pdf": _PDF,
    "txt": _TEXT, "csv": _TEXT,
    "rtf": _DOCUMENT, "doc": _DOCUMENT, "docx": _DOCUMENT, "odt": _DOCUMENT,
    "xls": _SHEET, "xlsx": _SHEET, "ods": _SHEET,
    "jpg": _IMAGE, "jpeg": _IMAGE, "png": _IMAGE, "gif": _IMAGE,
}
MEDIA_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "text": "text/plain",
    "rtf": "application/rtf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
}
ALLOWED_EXTENSIONS = ", ".join(FAMILIES)


def accept(name: str, data: bytes, *, scan: bool = False) -> Format:
    """The format of ``data`` if it is allowed for a file called ``name``; raises ``InvalidData``
    otherwise. ``scan`` asks for a digitised paper document: a PDF 1.4 or later."""
    ext = extension(name)
    family = FAMILIES.get(ext)
    if family is None:
        shown = f".{ext}" if ext else "no extension"
        _refuse(f"file '{name}' is not in an allowed format ({shown}); allowed: {ALLOWED_EXTENSIONS}")
    detected = detect(data)
    if detected.kind not in family.kinds:
        _refuse(f"file '{name}' is not {family.label}: its content is {detected.description}")
    if scan and (detected.pdf_version or (0, 0)) < SCAN_MIN_PDF_VERSION:
        _refuse(f"file '{name}' cannot be a scan: a scan must be a PDF 1.4 or later, "
                f"its content is {detected.description}")
    # CSV is text by content; only its name says it holds comma-separated values.
    media_type = "text/csv" if detected.kind == "text" and ext == "csv" else MEDIA_TYPES[detected.kind]
    return Format(detected.kind, media_type)


def _refuse(message: str) -> NoReturn:
    raise InvalidData(message, {"file": message})
