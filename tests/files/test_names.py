"""File names are for display only: folders, control and bidi characters go, text is NFC."""
from __future__ import annotations

import unicodedata

import pytest

from documents.files.names import MAX_NAME_BYTES, display_name, extension
from engine.errors import InvalidData


@pytest.mark.parametrize("raw, shown", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\x.pdf", "x.pdf"),
    ("/etc/shadow.pdf", "shadow.pdf"),
    ("C:\\Users\\vanthu\\Desktop\\công văn.pdf", "công văn.pdf"),
    ("bad\x00name.pdf", "badname.pdf"),
    ("a\nb\tc\r.pdf", "abc.pdf"),
    ("hóa đơn\u202egpj.exe", "hóa đơngpj.exe"),  # the right-to-left override that fakes "exe.jpg"
    ("  nhiều   khoảng\u00a0trắng .pdf. ", "nhiều khoảng trắng .pdf"),
    ("...ẩn.pdf", "ẩn.pdf"),
])
def test_names_lose_folders_and_invisible_characters(raw, shown):
    assert display_name(raw) == shown


def test_names_are_stored_in_nfc():
    decomposed = unicodedata.normalize("NFD", "Quyết định số 12.pdf")
    assert decomposed != "Quyết định số 12.pdf"
    assert display_name(decomposed) == "Quyết định số 12.pdf"
    # A zero-width character between a letter and its accent must not leave them apart.
    assert display_name("e\u200b\u0301.txt") == "é.txt"


def test_long_names_are_cut_to_255_bytes_of_utf8_keeping_the_extension():
    name = display_name("ệ" * 400 + ".docx")  # "ệ" is 3 bytes: 83 of them and ".docx" fit
    assert name == "ệ" * 83 + ".docx" and len(name.encode()) == 254 <= MAX_NAME_BYTES
    assert display_name("a" * 1000 + ".pdf") == "a" * 251 + ".pdf"
    assert len(display_name("ệ" * 1000).encode()) == 255  # no extension: cut on a character boundary


@pytest.mark.parametrize("raw", ["", "../", "..\\..\\", "\x00\x01", " . "])
def test_a_name_that_leaves_nothing_is_refused(raw):
    with pytest.raises(InvalidData) as caught:
        display_name(raw)
    assert caught.value.message.startswith("Có một tệp gửi lên không có tên dùng được: tên rỗng hoặc chỉ gồm thư mục")
    assert caught.value.errors == {"file": caught.value.message}


@pytest.mark.parametrize("name, ext", [("a.PDF", "pdf"), ("a.tar.gz", "gz"), ("pdf", ""), ("a.", "")])
def test_extension(name, ext):
    assert extension(name) == ext
