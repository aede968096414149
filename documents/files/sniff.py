"""What a file is, judged from its bytes alone: never from its name or the client's content type.

Our own code rather than a magic library: the allowed formats need structural checks that the
pure-Python libraries do not make (``puremagic`` 1.30 and ``filetype`` 1.2.0 both call a ZIP
holding a lone ``word/evil.exe`` a DOCX), and ``python-magic`` needs libmagic on every machine.
ZIP and OLE2 containers are looked into by ``containers``; everything else is a signature.
"""
from __future__ import annotations

import re

from . import containers, signatures
from .detected import Detected

_UTF8_BOM = b"\xef\xbb\xbf"
_PNG = b"\x89PNG\r\n\x1a\n"
_PDF_HEADER = re.compile(rb"%PDF-(\d)\.(\d)")

_UTF16 = "văn bản mã hóa UTF-16 (chỉ nhận văn bản mã hóa UTF-8)"
# Leading bytes of other content we name in a refusal.
_OTHER_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"#!", "một tệp kịch bản lệnh (script)"),
    (b"\xff\xfe", _UTF16),
    (b"\xfe\xff", _UTF16),
)
# Control characters that plain text does not hold (tab, LF, VT, FF, CR and DOS's SUB are fine).
_BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f]")
# The WHATWG MIME-sniffing tags a browser would render as HTML, at the start of the text…
_HTML_START = re.compile(
    r"<(!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|!--)[\s>]",
    re.IGNORECASE)
# …and tags we refuse anywhere near the start, as old browsers sniffed further than the first byte.
_MARKUP_NEAR_START = re.compile(r"<(html|script|iframe|body|svg)[\s>/]", re.IGNORECASE)
_SNIFF_CHARS = 1024
# Markup that makes a PDF also an HTML page (a polyglot): a browser or a mail client that sniffs
# the leading bytes, or reads what follows the PDF's end, would run it.
_MARKUP_IN_PDF = re.compile(
    rb"<(!doctype|html|head|body|script|iframe|svg|object|embed|meta|img|style|link|form|frameset)[\s>/]",
    re.IGNORECASE)
# Acrobat accepts the header anywhere in the first kilobyte: whatever precedes it is another format.
_PDF_HEADER_WINDOW = 1024
_BINARY = "dữ liệu nhị phân"
_HTML = "một trang HTML"


def detect(data: bytes) -> Detected:
    """The kind of ``data``: one of the allowed kinds, or ``other`` with a description."""
    if data.startswith(b"%PDF-"):
        return _pdf(data)
    if b"%PDF-" in data[:_PDF_HEADER_WINDOW]:
        return Detected("other", "một tệp lai ghép (polyglot): phần đầu PDF không nằm ở đầu tệp")
    if data.startswith(_PNG) and data[12:16] == b"IHDR":
        return Detected("png", "một tệp ảnh PNG")
    if data.startswith(b"\xff\xd8\xff"):
        return Detected("jpeg", "một tệp ảnh JPEG")
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return Detected("gif", "một tệp ảnh GIF")
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return containers.inspect_zip(data)
    if data.startswith(containers.OLE_SIGNATURE):
        return containers.inspect_ole(data)
    if data.startswith(b"{\\rtf"):
        return Detected("rtf", "một tài liệu RTF")
    refused = signatures.named(data, signatures.PROGRAMS, signatures.ARCHIVES, _OTHER_SIGNATURES)
    if refused:
        return Detected("other", refused)
    if data[257:262] == b"ustar":
        return Detected("other", "một tệp lưu trữ tar")
    return _text(data)


def _pdf(data: bytes) -> Detected:
    header = _PDF_HEADER.match(data)
    if header is None:
        return Detected("other", "một tệp có phần đầu PDF bị hỏng")
    end = data.rfind(b"%%EOF")
    if _MARKUP_IN_PDF.search(data, 0, _PDF_HEADER_WINDOW) or (end >= 0 and _MARKUP_IN_PDF.search(data, end)):
        return Detected("other", "một tệp lai ghép (polyglot) vừa là PDF vừa là trang HTML")
    version = (int(header[1]), int(header[2]))
    return Detected("pdf", f"một tài liệu PDF {version[0]}.{version[1]}", pdf_version=version)


def _text(data: bytes) -> Detected:
    body = data[len(_UTF8_BOM):] if data.startswith(_UTF8_BOM) else data
    if b"\x00" in body:
        return Detected("other", _BINARY)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        # Legacy Vietnamese encodings (TCVN3, VNI, Windows-1258) land here: TCVN 6909 asks for Unicode.
        return Detected("other", f"{_BINARY} hoặc văn bản không mã hóa UTF-8 (hãy lưu lại theo bảng mã UTF-8)")
    if _BINARY_CONTROLS.search(text):
        return Detected("other", _BINARY)
    markup = _markup(text[:_SNIFF_CHARS])
    if markup:
        return Detected("other", markup)
    return Detected("text", "văn bản thuần")


def _markup(head: str) -> str | None:
    start = head.lstrip("\t\n\x0c\r ")
    if _HTML_START.match(start):
        return _HTML
    near = _MARKUP_NEAR_START.search(head)
    if near:
        return "một tệp ảnh SVG" if near[1].lower() == "svg" else _HTML
    if start[:5].lower() == "<?xml":
        return "một tài liệu XML"
    return None
