"""Detection from the bytes and the allowed-format policy: no database, no disk."""
from __future__ import annotations

import time

import pytest

from documents.files.formats import accept
from engine.errors import InvalidData

from . import samples


@pytest.mark.parametrize("name, data, kind, media_type", [
    ("công văn.pdf", samples.pdf(), "pdf", "application/pdf"),
    ("ghi chú.txt", samples.TEXT, "text", "text/plain"),
    ("sổ đến.csv", samples.CSV, "text", "text/csv"),
    ("bom.txt", b"\xef\xbb\xbf" + samples.TEXT, "text", "text/plain"),
    ("tờ trình.rtf", samples.RTF, "rtf", "application/rtf"),
    ("dự thảo.doc", samples.doc(), "doc", "application/msword"),
    ("dự thảo.docx", samples.docx(), "docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("dự thảo.odt", samples.odt(), "odt", "application/vnd.oasis.opendocument.text"),
    ("bảng.xls", samples.xls(), "xls", "application/vnd.ms-excel"),
    ("bảng.xlsx", samples.xlsx(), "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("bảng.ods", samples.ods(), "ods", "application/vnd.oasis.opendocument.spreadsheet"),
    ("ảnh.jpg", samples.JPEG, "jpeg", "image/jpeg"),
    ("ảnh.JPEG", samples.JPEG, "jpeg", "image/jpeg"),
    ("ảnh.png", samples.png(), "png", "image/png"),
    ("ảnh.gif", samples.GIF, "gif", "image/gif"),
])
def test_every_allowed_format_is_accepted_from_its_bytes(name, data, kind, media_type):
    detected = accept(name, data)
    assert (detected.kind, detected.media_type) == (kind, media_type)


@pytest.mark.parametrize("name, data, kind", [
    ("renamed.doc", samples.docx(), "docx"),  # Word opens it; recorded as what it is
    ("renamed.doc", samples.RTF, "rtf"),
    ("renamed.xls", samples.ods(), "ods"),
    ("renamed.jpg", samples.png(), "png"),
])
def test_a_rename_inside_a_family_is_recorded_as_the_real_format(name, data, kind):
    assert accept(name, data).kind == kind


def refusal(name: str, data: bytes, **options) -> str:
    with pytest.raises(InvalidData) as caught:
        accept(name, data, **options)
    assert caught.value.status == 422
    assert caught.value.errors == {"file": caught.value.message}
    return caught.value.message


@pytest.mark.parametrize("name, data, message", [
    ("quyết định.pdf", samples.EXE, "file 'quyết định.pdf' is not a PDF: its content is a Windows executable"),
    ("dự thảo.docx", samples.ELF, "file 'dự thảo.docx' is not a text document (DOC, DOCX, ODT or RTF): "
                                  "its content is an ELF executable"),
    ("ghi chú.txt", samples.HTML, "file 'ghi chú.txt' is not a UTF-8 text file: its content is an HTML page"),
    ("ghi chú.txt", b"\n  <p>hello</p>", "its content is an HTML page"),
    ("ghi chú.txt", b"note\n" * 10 + b"<script src=//x></script>", "its content is an HTML page"),
    ("ảnh.png", samples.SVG, "file 'ảnh.png' is not an image (JPEG, PNG or GIF): its content is an SVG image"),
    ("chạy.txt", b"#!/bin/sh\nrm -rf /\n", "its content is a script"),
    ("dữ liệu.txt", b"<?xml version='1.0'?><root/>", "its content is an XML document"),
    ("tcvn3.txt", "Céng hoµ x· héi".encode("cp1252"), "is not UTF-8"),
    ("utf16.txt", "Văn bản".encode("utf-16"), "UTF-16 text"),
    ("nul.txt", b"abc\x00def", "binary data"),
    ("esc.txt", b"abc\x1b[2Jdef", "binary data"),
    ("kho.docx", samples.plain_zip(), "its content is a ZIP archive"),
    ("macro.docx", samples.docx(samples.DOCM_MAIN), "a macro-enabled Word document (DOCM)"),
    ("macro.docx", samples.docx(extra_types=samples.VBA_DEFAULT),
     "an Office document with macros"),
    ("macro.doc", samples.ole(("WordDocument", 2), ("Macros", 1)), "an Office document with macros"),
    ("macro.odt", samples.odf("application/vnd.oasis.opendocument.text", {"Basic/Standard/Module1.xml": b"<x/>"}),
     "an OpenDocument file with macros"),
    ("trình chiếu.odt", samples.odf("application/vnd.oasis.opendocument.presentation"),
     "an OpenDocument file of another kind (presentation)"),
    ("cài đặt.doc", samples.ole(("SummaryInformation", 2)), "neither a Word nor an Excel document"),
    ("hỏng.doc", samples.doc()[:700], "a damaged OLE2 compound file"),
    ("hỏng.docx", b"PK\x03\x04" + b"\x00" * 40, "a damaged, encrypted or unreadable ZIP archive"),
    ("bảng.xls", samples.doc(), "is not a spreadsheet (XLS, XLSX or ODS): its content is a Word 97-2003 document"),
    ("công văn.pdf", samples.png(), "file 'công văn.pdf' is not a PDF: its content is a PNG image"),
    ("nén.docx", b"\x1f\x8b\x08\x00" + b"\x00" * 20, "a gzip archive"),
    ("hỏng.pdf", b"%PDF-x.y\n", "a damaged PDF header"),
])
def test_content_that_does_not_match_its_name_is_refused_and_named(name, data, message):
    assert message in refusal(name, data)


@pytest.mark.parametrize("name", ["virus.exe", "trang.html", "ảnh.svg", "kho.zip", "không đuôi", "macro.docm"])
def test_extensions_outside_the_allowed_list_are_refused(name):
    message = refusal(name, samples.pdf())
    assert message.startswith(f"file '{name}' is not in an allowed format")
    assert "allowed: pdf, txt, csv, rtf, doc, docx, odt, xls, xlsx, ods, jpg, jpeg, png, gif" in message


def test_zip_bombs_are_refused_without_being_expanded():
    declared = samples.zip_with_huge_declared_sizes()
    real = samples.zip_bomb()
    started = time.perf_counter()
    lied = refusal("bom.docx", declared)
    expanded = refusal("bom.docx", real)
    assert time.perf_counter() - started < 0.5
    assert "its content is a ZIP archive that would expand to" in lied and "(a zip bomb)" in lied
    assert "(a zip bomb)" in expanded and len(real) < 1 << 20


def test_an_archive_of_too_many_entries_is_refused_from_its_directory_record():
    data = bytearray(samples.docx())
    end = data.rfind(b"PK\x05\x06")
    data[end + 8:end + 12] = (60_000).to_bytes(2, "little") * 2  # entries on this disk, in total
    assert "a ZIP archive of 60000 entries (too many)" in refusal("nhiều.docx", bytes(data))


@pytest.mark.parametrize("version, accepted", [("1.3", False), ("1.4", True), ("1.7", True), ("2.0", True)])
def test_a_scan_must_be_a_pdf_1_4_or_later(version, accepted):
    data = samples.pdf(version)
    if accepted:
        assert accept("bản quét.pdf", data, scan=True).kind == "pdf"
    else:
        assert refusal("bản quét.pdf", data, scan=True) == ("file 'bản quét.pdf' cannot be a scan: a scan must be "
                                                            "a PDF 1.4 or later, its content is a PDF 1.3 document")
        assert accept("bản quét.pdf", data).kind == "pdf"  # fine as an ordinary attachment


def test_a_scan_must_be_a_pdf_at_all():
    assert "cannot be a scan" in refusal("bản quét.jpg", samples.JPEG, scan=True)
