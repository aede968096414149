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
    ("quyết định.pdf", samples.EXE, "Tệp «quyết định.pdf» không phải là tệp PDF: "
                                    "nội dung thực là một tệp chương trình chạy được của Windows."),
    ("dự thảo.docx", samples.ELF, "Tệp «dự thảo.docx» không phải là tài liệu văn bản (DOC, DOCX, ODT hoặc RTF): "
                                  "nội dung thực là một tệp chương trình chạy được (ELF)."),
    ("ghi chú.txt", samples.HTML, "Tệp «ghi chú.txt» không phải là tệp văn bản UTF-8: nội dung thực là một trang HTML."),
    ("ghi chú.txt", b"\n  <p>hello</p>", "nội dung thực là một trang HTML."),
    ("ghi chú.txt", b"note\n" * 10 + b"<script src=//x></script>", "nội dung thực là một trang HTML."),
    ("ảnh.png", samples.SVG, "Tệp «ảnh.png» không phải là tệp ảnh (JPEG, PNG hoặc GIF): "
                             "nội dung thực là một tệp ảnh SVG."),
    ("chạy.txt", b"#!/bin/sh\nrm -rf /\n", "nội dung thực là một tệp kịch bản lệnh (script)."),
    ("dữ liệu.txt", b"<?xml version='1.0'?><root/>", "nội dung thực là một tài liệu XML."),
    ("tcvn3.txt", "Céng hoµ x· héi".encode("cp1252"),
     "nội dung thực là dữ liệu nhị phân hoặc văn bản không mã hóa UTF-8 (hãy lưu lại theo bảng mã UTF-8)."),
    ("utf16.txt", "Văn bản".encode("utf-16"),
     "nội dung thực là văn bản mã hóa UTF-16 (chỉ nhận văn bản mã hóa UTF-8)."),
    ("nul.txt", b"abc\x00def", "nội dung thực là dữ liệu nhị phân."),
    ("esc.txt", b"abc\x1b[2Jdef", "nội dung thực là dữ liệu nhị phân."),
    ("kho.docx", samples.plain_zip(), "nội dung thực là một gói ZIP có chứa một tệp chương trình chạy được của "
                                      "Windows (mục «word/evil.exe»)."),
    ("kho.docx", samples.plain_zip(samples.TEXT), "nội dung thực là một tệp nén ZIP."),
    ("macro.docx", samples.docx(samples.DOCM_MAIN), "nội dung thực là một tài liệu Word có chứa macro (DOCM)."),
    ("macro.docx", samples.docx(extra_types=samples.VBA_DEFAULT),
     "nội dung thực là một tài liệu Office có chứa macro."),
    ("macro.doc", samples.ole(("WordDocument", 2), ("Macros", 1)), "nội dung thực là một tài liệu Office có chứa macro."),
    ("macro.odt", samples.odf("application/vnd.oasis.opendocument.text", {"Basic/Standard/Module1.xml": b"<x/>"}),
     "nội dung thực là một tệp OpenDocument có chứa macro."),
    ("trình chiếu.odt", samples.odf("application/vnd.oasis.opendocument.presentation"),
     "nội dung thực là một tệp OpenDocument loại khác (presentation)."),
    ("cài đặt.doc", samples.ole(("SummaryInformation", 2)),
     "không phải tài liệu Word cũng không phải bảng tính Excel (có thể là tệp cài đặt?)."),
    ("hỏng.doc", samples.doc()[:700], "nội dung thực là một tệp phức hợp OLE2 bị hỏng."),
    ("hỏng.docx", b"PK\x03\x04" + b"\x00" * 40,
     "nội dung thực là một tệp nén ZIP bị hỏng, được mã hóa hoặc không đọc được."),
    ("bảng.xls", samples.doc(), "Tệp «bảng.xls» không phải là bảng tính (XLS, XLSX hoặc ODS): "
                                "nội dung thực là một tài liệu Word 97-2003 (DOC)."),
    ("công văn.pdf", samples.png(), "Tệp «công văn.pdf» không phải là tệp PDF: nội dung thực là một tệp ảnh PNG."),
    ("nén.docx", b"\x1f\x8b\x08\x00" + b"\x00" * 20, "nội dung thực là một tệp nén gzip."),
    ("hỏng.pdf", b"%PDF-x.y\n", "nội dung thực là một tệp có phần đầu PDF bị hỏng."),
])
def test_content_that_does_not_match_its_name_is_refused_and_named(name, data, message):
    assert message in refusal(name, data)


@pytest.mark.parametrize("name", ["virus.exe", "trang.html", "ảnh.svg", "kho.zip", "không đuôi", "macro.docm"])
def test_extensions_outside_the_allowed_list_are_refused(name):
    message = refusal(name, samples.pdf())
    assert message.startswith(f"Tệp «{name}» không thuộc định dạng được phép (")
    assert message.endswith(". Các định dạng được phép: pdf, txt, csv, rtf, doc, docx, odt, xls, xlsx, ods, jpg, jpeg, "
                            "png, gif.")


def test_zip_bombs_are_refused_without_being_expanded():
    declared = samples.zip_with_huge_declared_sizes()
    real = samples.zip_bomb()
    started = time.perf_counter()
    lied = refusal("bom.docx", declared)
    expanded = refusal("bom.docx", real)
    assert time.perf_counter() - started < 0.5
    assert "nội dung thực là một tệp nén ZIP mà khi giải nén sẽ lên tới" in lied and "GiB (bom nén, zip bomb)." in lied
    assert "sẽ lên tới 80 MiB (bom nén, zip bomb)." in expanded and len(real) < 1 << 20


def test_an_archive_of_too_many_entries_is_refused_from_its_directory_record():
    data = bytearray(samples.docx())
    end = data.rfind(b"PK\x05\x06")
    data[end + 8:end + 12] = (60_000).to_bytes(2, "little") * 2  # entries on this disk, in total
    assert "nội dung thực là một tệp nén ZIP có 60.000 mục (quá nhiều)." in refusal("nhiều.docx", bytes(data))


@pytest.mark.parametrize("version, accepted", [("1.3", False), ("1.4", True), ("1.7", True), ("2.0", True)])
def test_a_scan_must_be_a_pdf_1_4_or_later(version, accepted):
    data = samples.pdf(version)
    if accepted:
        assert accept("bản quét.pdf", data, scan=True).kind == "pdf"
    else:
        assert refusal("bản quét.pdf", data, scan=True) == (
            "Tệp «bản quét.pdf» không dùng được làm bản quét: bản quét phải là tệp PDF phiên bản 1.4 trở lên, "
            "nội dung thực là một tài liệu PDF 1.3.")
        assert accept("bản quét.pdf", data).kind == "pdf"  # fine as an ordinary attachment


def test_a_scan_must_be_a_pdf_at_all():
    assert refusal("bản quét.jpg", samples.JPEG, scan=True) == (
        "Tệp «bản quét.jpg» không dùng được làm bản quét: bản quét phải là tệp PDF phiên bản 1.4 trở lên, "
        "nội dung thực là một tệp ảnh JPEG.")
