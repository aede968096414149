"""The allowed formats (seed 002 Đ4.4): signed documents pdf; text txt rtf doc docx odt; sheets
csv xls xlsx ods; read-only pdf; images jpg png gif. The policy is ours; the detection is in
``sniff``. A file is accepted when its detected kind belongs to its extension's family: a ``.doc``
that is really a DOCX (a common rename) is accepted and recorded as DOCX; a ``.pdf`` that is an
executable is not."""
from __future__ import annotations

from dataclasses import dataclass

from .names import extension
from .pdfcontent import refuse_active_content
from .refusals import refuse
from .sniff import detect

SCAN_MIN_PDF_VERSION = (1, 4)  # seed 002 Đ9.3


@dataclass(frozen=True)
class Family:
    label: str  # "tệp PDF", for "Tệp «x.pdf» không phải là tệp PDF"
    kinds: frozenset[str]


@dataclass(frozen=True)
class Format:
    kind: str
    media_type: str


_PDF = Family("tệp PDF", frozenset({"pdf"}))
_TEXT = Family("tệp văn bản UTF-8", frozenset({"text"}))
_DOCUMENT = Family("tài liệu văn bản (DOC, DOCX, ODT hoặc RTF)", frozenset({"doc", "docx", "odt", "rtf"}))
_SHEET = Family("bảng tính (XLS, XLSX hoặc ODS)", frozenset({"xls", "xlsx", "ods"}))
_IMAGE = Family("tệp ảnh (JPEG, PNG hoặc GIF)", frozenset({"jpeg", "png", "gif"}))

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
_SCAN_MIN_PDF = ".".join(map(str, SCAN_MIN_PDF_VERSION))


def accept(name: str, data: bytes, *, scan: bool = False, allow_embedded_files: bool = False) -> Format:
    """The format of ``data`` if it is allowed for a file called ``name``; raises ``InvalidData``
    otherwise. ``scan`` asks for a digitised paper document: a PDF 1.4 or later. A PDF holds no
    active content (JavaScript, launch actions…) nor, unless ``allow_embedded_files``, embedded
    files."""
    ext = extension(name)
    family = FAMILIES.get(ext)
    if family is None:
        shown = f".{ext}" if ext else "không có phần đuôi"
        refuse(f"Tệp «{name}» không thuộc định dạng được phép ({shown}). "
               f"Các định dạng được phép: {ALLOWED_EXTENSIONS}.")
    detected = detect(data)
    if detected.kind not in family.kinds:
        refuse(f"Tệp «{name}» không phải là {family.label}: nội dung thực là {detected.description}.")
    if scan and (detected.pdf_version or (0, 0)) < SCAN_MIN_PDF_VERSION:
        refuse(f"Tệp «{name}» không dùng được làm bản quét: bản quét phải là tệp PDF phiên bản "
               f"{_SCAN_MIN_PDF} trở lên, nội dung thực là {detected.description}.")
    if detected.kind == "pdf":
        refuse_active_content(name, data, allow_embedded_files=allow_embedded_files)
    # CSV is text by content; only its name says it holds comma-separated values.
    media_type = "text/csv" if detected.kind == "text" and ext == "csv" else MEDIA_TYPES[detected.kind]
    return Format(detected.kind, media_type)
