"""Uploaded PDFs are untrusted: refuse what is too big, not a PDF, unreadable or encrypted,
before pyHanko does any real work with it."""
from __future__ import annotations

from io import BytesIO

from pyhanko.pdf_utils.reader import PdfFileReader

from engine.errors import InvalidData

MAX_BYTES = 50 * 1024 * 1024
SCAN_MIN_VERSION = (1, 4)  # seed 002 Đ9.3b: scans are PDF 1.4 or later
HEADER_WINDOW = 1024  # readers accept the %PDF- header anywhere in the first kilobyte


def open_pdf(data: bytes, filename: str, *, max_bytes: int = MAX_BYTES,
             min_version: tuple[int, int] | None = None) -> PdfFileReader:
    """A strict pyHanko reader on ``data``, or ``InvalidData`` naming ``filename`` and why."""
    if len(data) > max_bytes:
        raise InvalidData(f"file '{filename}' is {len(data)} bytes, over the limit of "
                          f"{max_bytes} bytes")
    if b"%PDF-" not in bytes(data[:HEADER_WINDOW]):
        raise InvalidData(f"file '{filename}' is not a readable PDF: it has no PDF header")
    try:
        reader = PdfFileReader(BytesIO(data), strict=True)
        if reader.encrypted:
            raise InvalidData(f"file '{filename}' is not a readable PDF: it is encrypted "
                              "(ask the sender for an unprotected copy)")
        if int(reader.root["/Pages"]["/Count"]) < 1:
            raise InvalidData(f"file '{filename}' is not a readable PDF: it has no pages")
        reader.find_page_for_modification(0)
        version = reader.input_version
    except InvalidData:
        raise
    except Exception as exc:  # malformed input surfaces as any of a dozen exception types
        raise unreadable(filename, exc) from exc
    if min_version is not None and version < min_version:
        raise InvalidData(f"file '{filename}' is PDF {version[0]}.{version[1]}; scans must be "
                          f"PDF {min_version[0]}.{min_version[1]} or later")
    return reader


def unreadable(filename: str, exc: Exception) -> InvalidData:
    reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
    return InvalidData(f"file '{filename}' is not a readable PDF: {reason}")
