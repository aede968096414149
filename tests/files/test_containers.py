"""Office containers judged by what they really hold: every entry inflated under a budget, its
real size against its declared one, macros, ActiveX and OLE packages wherever they are, programs
and archives inside, documents inside documents, unsafe or duplicate entry names. No database."""
from __future__ import annotations

import time
import warnings
import zipfile

import pytest

from documents.files.formats import accept
from engine.errors import InvalidData

from . import samples

WORD = "Tệp «x.docx» không phải là tài liệu văn bản (DOC, DOCX, ODT hoặc RTF): nội dung thực là "
CHART_TYPE = '<Default Extension="xlsx" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"/>'


def refusal(data: bytes, name: str = "x.docx") -> str:
    with pytest.raises(InvalidData) as caught:
        accept(name, data)
    assert caught.value.status == 422 and caught.value.errors == {"file": caught.value.message}
    return caught.value.message


def test_a_zip_bomb_whose_headers_lie_is_refused_by_what_it_really_expands_to():
    bomb = samples.lying_zip_bomb()
    assert sum(info.file_size for info in zipfile.ZipFile(__import__("io").BytesIO(bomb)).infolist()) < 4096
    started = time.perf_counter()
    message = refusal(bomb)
    assert time.perf_counter() - started < 5  # stopped at the budget (0.5 s here), never the whole 80 MiB
    assert message == WORD + ("một tệp nén ZIP mà khi giải nén thực tế sẽ vượt quá 64 MiB dù phần đầu chỉ khai báo "
                              "1,8 KiB (bom nén, zip bomb).")


def test_an_entry_whose_real_size_differs_from_its_declared_one_is_refused():
    lying = samples.declaring(samples.docx(), "word/document.xml", 10_000)
    assert refusal(lying) == WORD + ("một tệp nén ZIP có mục «word/document.xml» khai báo 9,8 KiB nhưng thực chứa "
                                     "156 byte (phần đầu khai man kích thước).")


@pytest.mark.parametrize("entry", ["word/vbaProject.bin", "word/VBAPROJECT.BIN", "customXml/vbaproject.bin",
                                   "vbaProject.bin", "word/vbaData.xml"])
def test_a_vba_project_is_refused_wherever_it_is_and_however_it_is_spelt(entry):
    # No content type declares it: only the entry itself says it is there.
    assert refusal(samples.docx_with({entry: samples.ole(("VBA", 1), ("PROJECT", 2))})) == (
        WORD + "một tài liệu Office có chứa macro.")


def test_a_vba_project_under_another_name_is_found_by_its_content():
    renamed = samples.docx_with({"word/media/image1.png": samples.ole(("_VBA_PROJECT_CUR", 1), ("PROJECT", 2))})
    assert refusal(renamed) == (WORD + "một gói ZIP có chứa một tài liệu Office có chứa macro "
                                       "(mục «word/media/image1.png»).")


@pytest.mark.parametrize("extra, types", [
    ({"word/activeX/activeX1.xml": b"<ax:ocx/>"}, ""),
    ({"word/controls/c1.xml": b"<ax:ocx/>"},
     '<Override PartName="/word/controls/c1.xml" ContentType="application/vnd.ms-office.activeX+xml"/>'),
])
def test_activex_controls_are_refused(extra, types):
    assert refusal(samples.docx_with(extra, types)) == WORD + "một tài liệu Office có chứa điều khiển ActiveX."


@pytest.mark.parametrize("body, held", [
    (samples.EXE, "một tệp chương trình chạy được của Windows"),
    (samples.ELF, "một tệp chương trình chạy được (ELF)"),
    (b"\x1f\x8b\x08\x00" + bytes(20), "một tệp nén gzip"),
    (b"Rar!\x1a\x07\x00" + bytes(20), "một tệp nén RAR"),
    (samples.plain_zip(samples.TEXT), "một tệp nén ZIP"),
    (samples.docx(samples.DOCM_MAIN), "một tài liệu Word có chứa macro (DOCM)"),
    (samples.ole(("CompObj", 2), ("\x01Ole10Native", 2)),
     "một gói OLE (Package) có thể bọc bất kỳ tệp nào, kể cả chương trình chạy được"),
    (samples.ole(("CompObj", 2), ("Equation Native", 2)),
     "một đối tượng Equation Editor 3.0 (đã bị Microsoft gỡ bỏ vì lỗ hổng bảo mật)"),
])
def test_programs_archives_and_dangerous_objects_inside_are_refused_and_named(body, held):
    data = samples.docx_with({"word/embeddings/oleObject1.bin": body})
    assert refusal(data) == WORD + f"một gói ZIP có chứa {held} (mục «word/embeddings/oleObject1.bin»)."


def test_documents_inside_documents_are_accepted_one_level_deep():
    chart = samples.docx_with({"word/embeddings/Microsoft_Excel_Worksheet.xlsx": samples.xlsx()}, CHART_TYPE)
    assert accept("báo cáo.docx", chart).kind == "docx"
    assert accept("báo cáo.docx", samples.docx_with({"word/embeddings/o.bin": samples.xls()})).kind == "docx"
    deeper = samples.docx_with({"word/embeddings/inner.docx": chart})
    assert refusal(deeper) == WORD + ("một gói ZIP có chứa một gói ZIP có chứa một tệp nén ZIP lồng trong một tệp nén "
                                      "khác (mục «word/embeddings/Microsoft_Excel_Worksheet.xlsx») "
                                      "(mục «word/embeddings/inner.docx»).")


@pytest.mark.parametrize("entry", ["../evil.xml", "word/../../evil.xml", "/etc/cron.d/x", "C:/x.xml",
                                   "word\\..\\x.xml"])
def test_entries_that_would_escape_their_folder_are_refused(entry):
    assert refusal(samples.docx_with({entry: b"<x/>"})).startswith(
        WORD + "một tệp nén ZIP có mục mang đường dẫn không an toàn (")


def test_two_entries_with_one_name_are_refused():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate it is asked to write
        twice = samples.docx_with({"word/Document.xml": b"<x/>"})
    assert refusal(twice) == WORD + "một tệp nén ZIP có hai mục trùng tên («word/Document.xml»)."


def test_an_encrypted_entry_is_refused():
    data = bytearray(samples.docx())
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        while at >= 0:
            data[at + flags_at] |= 1
            at = data.find(signature, at + 4)
    assert "nội dung thực là một tệp nén ZIP được mã hóa." in refusal(bytes(data))


def test_a_template_fetched_from_outside_is_refused_a_hyperlink_is_not():
    remote = samples.docx_with({"word/_rels/settings.xml.rels": samples.rels(
        ("attachedTemplate", "https://x.example/macros.dotm", "External"))})
    assert refusal(remote) == WORD + ("một tài liệu Office tự tải mẫu hoặc đối tượng từ bên ngoài khi mở "
                                      "(có thể kéo theo macro).")
    link = samples.docx_with({"word/_rels/document.xml.rels": samples.rels(
        ("hyperlink", "https://chinhphu.vn", "External"))})
    assert accept("x.docx", link).kind == "docx"


def test_an_ole_package_inside_a_legacy_word_document_is_refused():
    assert refusal(samples.ole(("WordDocument", 2), ("\x01Ole10Native", 2)), "x.doc").endswith(
        "nội dung thực là một gói OLE (Package) có thể bọc bất kỳ tệp nào, kể cả chương trình chạy được.")
