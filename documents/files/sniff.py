"""What a file is, judged from its bytes alone: never from its name or the client's content type.

Our own code rather than a magic library: the allowed formats need structural checks that the
pure-Python libraries do not make (``puremagic`` 1.30 and ``filetype`` 1.2.0 both call a ZIP
holding a lone ``word/evil.exe`` a DOCX), and ``python-magic`` needs libmagic on every machine.
ZIP and OLE2 containers are looked into by ``containers``; everything else is a signature.
"""
from __future__ import annotations

import re

from . import containers
from .detected import Detected

_UTF8_BOM = b"\xef\xbb\xbf"
_PNG = b"\x89PNG\r\n\x1a\n"
_PDF_HEADER = re.compile(rb"%PDF-(\d)\.(\d)")

# Signatures of content we name in a refusal; first match wins.
_REFUSED_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "a Windows executable"),
    (b"\x7fELF", "an ELF executable"),
    (b"#!", "a script"),
    (b"\xfe\xed\xfa\xce", "a Mach-O executable"),
    (b"\xfe\xed\xfa\xcf", "a Mach-O executable"),
    (b"\xce\xfa\xed\xfe", "a Mach-O executable"),
    (b"\xcf\xfa\xed\xfe", "a Mach-O executable"),
    (b"\xca\xfe\xba\xbe", "a Mach-O universal binary or Java class"),
    (b"\x00asm", "a WebAssembly module"),
    (b"PK\x07\x08", "a ZIP archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"\x28\xb5\x2f\xfd", "a zstd archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"MSCF", "a Windows cabinet archive"),
    (b"\xff\xfe", "UTF-16 text (only UTF-8 text is accepted)"),
    (b"\xfe\xff", "UTF-16 text (only UTF-8 text is accepted)"),
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


def detect(data: bytes) -> Detected:
    """The kind of ``data``: one of the allowed kinds, or ``other`` with a description."""
    if data.startswith(b"%PDF-"):
        return _pdf(data)
    if data.startswith(_PNG) and data[12:16] == b"IHDR":
        return Detected("png", "a PNG image")
    if data.startswith(b"\xff\xd8\xff"):
        return Detected("jpeg", "a JPEG image")
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return Detected("gif", "a GIF image")
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return containers.inspect_zip(data)
    if data.startswith(containers.OLE_SIGNATURE):
        return containers.inspect_ole(data)
    if data.startswith(b"{\\rtf"):
        return Detected("rtf", "an RTF document")
    for signature, description in _REFUSED_SIGNATURES:
        if data.startswith(signature):
            return Detected("other", description)
    if data[257:262] == b"ustar":
        return Detected("other", "a tar archive")
    return _text(data)


def _pdf(data: bytes) -> Detected:
    header = _PDF_HEADER.match(data)
    if header is None:
        return Detected("other", "a file with a damaged PDF header")
    version = (int(header[1]), int(header[2]))
    return Detected("pdf", f"a PDF {version[0]}.{version[1]} document", pdf_version=version)


def _text(data: bytes) -> Detected:
    body = data[len(_UTF8_BOM):] if data.startswith(_UTF8_BOM) else data
    if b"\x00" in body:
        return Detected("other", "binary data")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        # Legacy Vietnamese encodings (TCVN3, VNI, Windows-1258) land here: TCVN 6909 asks for Unicode.
        return Detected("other", "binary data or text that is not UTF-8 (save it as UTF-8)")
    if _BINARY_CONTROLS.search(text):
        return Detected("other", "binary data")
    markup = _markup(text[:_SNIFF_CHARS])
    if markup:
        return Detected("other", markup)
    return Detected("text", "plain text")


def _markup(head: str) -> str | None:
    start = head.lstrip("\t\n\x0c\r ")
    if _HTML_START.match(start):
        return "an HTML page"
    near = _MARKUP_NEAR_START.search(head)
    if near:
        return "an SVG image" if near[1].lower() == "svg" else "an HTML page"
    if start[:5].lower() == "<?xml":
        return "an XML document"
    return None
