"""Storing and reading attachments, on PostgreSQL and SQLite."""
from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from documents.files.models import Attachment
from documents.files.service import ContentDamaged, attachments_of, read_attachment, store_attachment
from documents.files.store import LocalFileStore
from documents.models import Agency, User
from engine import clock as clocks
from engine.db import unit_of_work
from engine.errors import InvalidData, NotFound

from ..conftest import START
from . import samples

LIMIT = 64 << 10
BIG = samples.pdf() + b"\n" * LIMIT
BIG_BYTES = f"{len(BIG):,}".replace(",", ".")  # Vietnamese groups thousands with dots


@pytest.fixture
def store(tmp_path) -> LocalFileStore:
    # One level down, so a test can prove nothing was written beside the store.
    return LocalFileStore(tmp_path / "area" / "files")


@pytest.fixture
def clerk(system) -> int:
    with unit_of_work(system.sessions) as session:
        agency = Agency(code="000.00.01.H99", name="Cơ quan A", created_at=START)
        session.add(agency)
        session.flush()
        user = User(agency_id=agency.id, username="a.clerk", full_name="Văn thư A", password_hash="!", created_at=START)
        session.add(user)
        session.flush()
        return user.id


def upload(system, store, clock, filename, data, *, owner_id=7, max_bytes=LIMIT, **options) -> Attachment:
    with clocks.using(clock), unit_of_work(system.sessions) as session:
        return store_attachment(session, store, filename=filename, data=data,
                                uploaded_by=options.pop("uploaded_by", None), owner_type="incoming_document",
                                owner_id=owner_id, max_bytes=max_bytes, **options)


def rows(system) -> list[Attachment]:
    with system.sessions() as session:
        return list(session.scalars(sa.select(Attachment).order_by(Attachment.id)))


def files_under(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file())


def test_an_attachment_is_stored_recorded_and_read_back(system, store, clock, clerk):
    data = samples.pdf()
    attachment = upload(system, store, clock, "Công văn 12.pdf", data, uploaded_by=clerk, scan=True)
    digest = hashlib.sha256(data).hexdigest()
    with system.sessions() as session:
        row, content = read_attachment(session, store, attachment.id)
        assert content == data
        assert (row.owner_type, row.owner_id, row.file_name, row.media_type, row.size, row.sha256, row.storage_key,
                row.uploaded_by, row.uploaded_at) == (
            "incoming_document", 7, "Công văn 12.pdf", "application/pdf", len(data), digest, digest, clerk, START)
        assert [a.id for a in attachments_of(session, "incoming_document", 7)] == [attachment.id]
        assert attachments_of(session, "outgoing_document", 7) == []


def test_the_media_type_recorded_is_the_detected_one(system, store, clock):
    upload(system, store, clock, "dự thảo.doc", samples.docx())
    upload(system, store, clock, "sổ.csv", samples.CSV)
    assert [(r.file_name, r.media_type) for r in rows(system)] == [
        ("dự thảo.doc", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("sổ.csv", "text/csv")]


def test_identical_content_is_stored_once_and_recorded_per_upload(system, store, clock):
    first = upload(system, store, clock, "a.png", samples.png(), owner_id=1)
    second = upload(system, store, clock, "b.png", samples.png(), owner_id=2)
    assert first.id != second.id and first.storage_key == second.storage_key
    assert files_under(store.root) == [store.path_of(first.storage_key)]


@pytest.mark.parametrize("filename, shown", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\x.pdf", "x.pdf"),
    ("/etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Windows\\System32\\x.pdf", "x.pdf"),
    ("../\x00../evil\x00.pdf", "evil.pdf"),
])
def test_path_traversal_names_are_shown_sanitised_and_never_reach_the_disk(system, store, clock, filename, shown):
    attachment = upload(system, store, clock, filename, samples.pdf())
    assert attachment.file_name == shown
    area = store.root.parent
    assert files_under(area) == [store.path_of(attachment.storage_key)]
    # Beside the store's area lie only the SQLite test database's files.
    outside = [p.name for p in files_under(area.parent) if area not in p.parents]
    assert [name for name in outside if not name.startswith("test.db")] == []
    assert store.path_of(attachment.storage_key).resolve().is_relative_to(store.root.resolve())


def test_a_non_nfc_name_is_stored_as_nfc(system, store, clock):
    decomposed = unicodedata.normalize("NFD", "Tờ trình về việc ứng dụng.docx")
    upload(system, store, clock, decomposed, samples.docx())
    (row,) = rows(system)
    assert row.file_name == "Tờ trình về việc ứng dụng.docx"
    assert unicodedata.is_normalized("NFC", row.file_name)


@pytest.mark.parametrize("filename, data, max_bytes, message", [
    ("to.pdf", BIG, LIMIT, f"Tệp «to.pdf» quá lớn: 64,3 KiB ({BIG_BYTES} byte), giới hạn là 64 KiB (65.536 byte)."),
    ("tí.pdf", samples.pdf(), 100, f"Tệp «tí.pdf» quá lớn: {len(samples.pdf())} byte, giới hạn là 100 byte."),
    ("rỗng.pdf", b"", LIMIT, "Tệp «rỗng.pdf» rỗng: không có nội dung."),
    ("quyết định.pdf", samples.EXE, LIMIT,
     "Tệp «quyết định.pdf» không phải là tệp PDF: nội dung thực là một tệp chương trình chạy được của Windows."),
    ("../../etc/passwd", samples.TEXT, LIMIT, "Tệp «passwd» không thuộc định dạng được phép (không có phần đuôi)."),
])
def test_refused_uploads_leave_no_row_and_no_file(system, store, clock, filename, data, max_bytes, message):
    with pytest.raises(InvalidData) as caught:
        upload(system, store, clock, filename, data, max_bytes=max_bytes)
    assert message in caught.value.message and caught.value.status == 422
    assert caught.value.errors == {"file": caught.value.message}
    assert rows(system) == [] and files_under(store.root.parent) == []


def test_a_failed_transaction_leaves_only_a_harmless_orphan_the_sweep_can_find(system, store, clock):
    with pytest.raises(IntegrityError):
        upload(system, store, clock, "a.pdf", samples.pdf(), uploaded_by=999_999)  # no such user
    assert rows(system) == []
    referenced = set()  # what a sweep would read from attachment.storage_key
    assert set(store.keys()) - referenced == {hashlib.sha256(samples.pdf()).hexdigest()}
    # The next upload of the same bytes reuses the orphan.
    attachment = upload(system, store, clock, "a.pdf", samples.pdf())
    assert set(store.keys()) == {attachment.storage_key}


def test_reading_detects_missing_and_damaged_content(system, store, clock):
    attachment = upload(system, store, clock, "a.txt", samples.TEXT)
    path = store.path_of(attachment.storage_key)
    path.write_bytes(samples.TEXT[:-1] + b"!")  # same size, other bytes
    with system.sessions() as session:
        damaged = rf"^Nội dung của tệp đính kèm số {attachment.id} \(«a\.txt»\)"
        with pytest.raises(ContentDamaged, match=damaged + r" đã bị hỏng: mã SHA-256 không còn khớp\.$"):
            read_attachment(session, store, attachment.id)
        path.unlink()
        with pytest.raises(ContentDamaged, match=damaged + r" không còn trong kho lưu trữ tệp\.$"):
            read_attachment(session, store, attachment.id)
        with pytest.raises(NotFound, match=f"^Không tìm thấy tệp đính kèm số {attachment.id + 1000}\\.$"):
            read_attachment(session, store, attachment.id + 1000)
