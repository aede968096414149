"""Active content in PDFs and PDF/HTML polyglots: refused by name, whatever way the PDF is
written (name escapes, action chains, compressed object streams); malformed PDFs refused with
a message, never an exception of the parser. No database."""
from __future__ import annotations

from io import BytesIO

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.writer import PdfFileWriter

from documents.files import pdfcontent
from documents.files.formats import accept
from engine.errors import InvalidData

from . import samples

ASK_AGAIN = ". Hãy đề nghị nơi gửi xuất lại tệp PDF không có các thành phần này."
N = generic.NameObject


def refusal(data: bytes, **options) -> str:
    with pytest.raises(InvalidData) as caught:
        accept("công văn.pdf", data, **options)
    assert caught.value.status == 422 and caught.value.errors == {"file": caught.value.message}
    return caught.value.message


@pytest.mark.parametrize("case", sorted(samples.ACTIVE_PDFS))
def test_active_content_is_refused_and_named(case):
    data, found = samples.ACTIVE_PDFS[case]
    assert refusal(data) == f"Tệp «công văn.pdf» có nội dung chủ động không được phép: {found}{ASK_AGAIN}"
    assert refusal(data, scan=True) == refusal(data)  # a scan no less


def written_by_pyhanko(catalog_entries, *, stream_xrefs=False, password=None) -> bytes:
    """A one-page PDF written by pyHanko; with ``stream_xrefs`` the catalog's entries go into a
    compressed object stream, where no byte search can see them."""
    writer = PdfFileWriter(stream_xrefs=stream_xrefs)
    writer.insert_page(generic.DictionaryObject({
        N("/Type"): N("/Page"), N("/MediaBox"): generic.ArrayObject(map(generic.NumberObject, (0, 0, 595, 842)))}))
    stream = writer.prepare_object_stream() if stream_xrefs else None
    for key, value in catalog_entries.items():
        writer.root[N(key)] = writer.add_object(value, obj_stream=stream)
    if password is not None:
        writer.encrypt("owner", password)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_javascript_in_a_compressed_object_stream_is_found():
    action = generic.DictionaryObject({N("/S"): N("/JavaScript"), N("/JS"): generic.TextStringObject("app.alert(1)")})
    data = written_by_pyhanko({"/OpenAction": action}, stream_xrefs=True)
    assert b"JavaScript" not in data
    assert refusal(data) == f"Tệp «công văn.pdf» có nội dung chủ động không được phép: mã JavaScript{ASK_AGAIN}"


def test_embedded_files_are_refused_unless_allowed():
    assert refusal(samples.EMBEDDED_FILE_PDF) == (
        f"Tệp «công văn.pdf» có nội dung chủ động không được phép: tệp đính kèm nhúng bên trong{ASK_AGAIN}")
    assert accept("công văn.pdf", samples.EMBEDDED_FILE_PDF, allow_embedded_files=True).kind == "pdf"
    with_script = samples.pdf(catalog=b" /OpenAction 4 0 R /Names << /EmbeddedFiles << /Names [(a) 5 0 R] >> >>",
                              extra=(samples.JS_ACTION, b"<< /Type /Filespec /F (a) >>"))
    assert "mã JavaScript" in refusal(with_script, allow_embedded_files=True)  # allowing files allows no more


def test_web_links_and_plain_pages_are_accepted():
    assert accept("công văn.pdf", samples.LINK_PDF).kind == "pdf"
    assert accept("công văn.pdf", written_by_pyhanko({}, stream_xrefs=True)).kind == "pdf"


@pytest.mark.parametrize("case", sorted(samples.POLYGLOTS))
def test_pdf_html_polyglots_are_refused(case):
    message = refusal(samples.POLYGLOTS[case])
    assert message.startswith("Tệp «công văn.pdf» không phải là tệp PDF: nội dung thực là một tệp lai ghép (polyglot)")


@pytest.mark.parametrize("data", [
    b"%PDF-1.7\n" + b"\x00" * 200,  # a header and nothing else
    samples.pdf()[:-60],  # cut before its cross-reference table ends
    samples.pdf(catalog=b" /Loop 4 0 R", extra=(b"4 0 R",)),  # an object that is a reference to itself
    samples.pdf().replace(b"/Root 1 0 R", b"/Root 9 0 R"),  # a catalog that does not exist
], ids=["header-only", "truncated", "self-reference", "no-catalog"])
def test_malformed_pdfs_are_refused_with_a_message(data):
    assert refusal(data) == ("Tệp «công văn.pdf» là tệp PDF bị hỏng, không đọc được: "
                             "cấu trúc tệp không đúng chuẩn PDF.")


def test_an_encrypted_pdf_is_refused():
    assert refusal(written_by_pyhanko({}, password="")).startswith(
        "Tệp «công văn.pdf» là tệp PDF được mã hóa hoặc đặt mật khẩu: không kiểm tra được nội dung")


def test_a_pdf_of_too_many_objects_is_refused(monkeypatch):
    monkeypatch.setattr(pdfcontent, "MAX_OBJECTS", 2)
    assert refusal(samples.pdf()) == "Tệp «công văn.pdf» là tệp PDF quá phức tạp để kiểm tra (hơn 2 đối tượng)."
