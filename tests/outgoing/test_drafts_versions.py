"""Versions of a draft on PostgreSQL: a PDF that pyHanko opens (checked by content), an editable
original optionally, numbered and all kept; added by the author while drafting, by the unit head
during the review; a refused upload stores nothing."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from documents import processes
from documents.errors import Conflict, InvalidData, NotAllowed, NotFound
from documents.files.models import Attachment
from documents.models import AuditEvent
from documents.outgoing import drafts, versions
from documents.outgoing.models import OutgoingVersion
from engine.models import HumanTask, TaskStatus
from tests.files import samples
from tests.outgoing.drafting import office  # noqa: F401  (the fixture)

PDF = samples.pdf("1.7")
DOCX = samples.docx()  # zip entries carry the time they were made: made once


def upload(office, who, draft_id, pdf=("du-thao.pdf", PDF), source=None, note=None):
    return office.run(versions.upload, office.system.files, office.people[who], draft_id,
                      pdf=versions.Upload(*pdf) if pdf else None,
                      source=versions.Upload(*source) if source else None, note=note)


def nothing_stored(office) -> bool:
    return office.count(OutgoingVersion) == 0 and office.count(Attachment) == 0


def test_versions_are_numbered_and_every_one_is_kept(office):
    draft = office.draft()
    first = upload(office, "a.staff", draft.id, source=("du-thao.docx", DOCX), note="Bản đầu")
    second = upload(office, "a.staff", draft.id, pdf=("du-thao-2.pdf", samples.pdf("1.4")))
    assert (first.number, second.number, first.note, second.source_file_id) == (1, 2, "Bản đầu", None)
    listed = office.run(versions.of, office.people["a.leader"], draft.id)
    author = office.people["a.staff"].user_id
    assert [(v.number, v.uploaded_by) for v in listed] == [(1, author), (2, author)]
    found, data = office.run(versions.file_of, office.system.files, office.people["a.clerk"], draft.id, 1, "source")
    assert (found.file_name, found.owner_type, found.owner_id, data) == ("du-thao.docx", "outgoing_version", first.id,
                                                                       DOCX)
    found, data = office.run(versions.file_of, office.system.files, office.people["a.head1"], draft.id, 2, "pdf")
    assert (found.media_type, data) == ("application/pdf", samples.pdf("1.4"))
    with office.system.sessions() as session:
        actions = list(session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_id == str(draft.id))
                                       .order_by(AuditEvent.id)))
    assert actions.count("outgoing.version_uploaded") == 2 and actions.count("outgoing.version_downloaded") == 2


@pytest.mark.parametrize("pdf, source, field", [
    (None, None, "pdf"),
    (("anh.pdf", samples.png()), None, "pdf"),                          # an image named .pdf
    (("du-thao.docx", samples.docx()), None, "pdf"),                    # a document in the PDF's place
    (("hong.pdf", b"%PDF-1.7\n1 0 obj garbage\n%%EOF"), None, "pdf"),   # a header, nothing pyHanko reads
    (("rong.pdf", b""), None, "pdf"),
    (("du-thao.pdf", PDF), ("chuong-trinh.docx", samples.EXE), "source"),  # an executable renamed .docx
    (("du-thao.pdf", PDF), ("bang.xlsx", samples.xlsx()), "source"),       # not an editable original
    (("du-thao.pdf", PDF), ("ban.pdf", PDF), "source"),
])
def test_bad_files_are_refused_with_nothing_stored(office, pdf, source, field):
    draft = office.draft()
    with pytest.raises(InvalidData) as refused:
        upload(office, "a.staff", draft.id, pdf=pdf, source=source)
    assert list(refused.value.errors) == [field]
    assert nothing_stored(office)


def test_a_pdf_with_javascript_is_refused(office):
    draft = office.draft()
    scripted = samples.pdf("1.7", catalog=b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>")
    with pytest.raises(InvalidData) as refused:
        upload(office, "a.staff", draft.id, pdf=("du-thao.pdf", scripted))
    assert list(refused.value.errors) == ["pdf"]
    assert nothing_stored(office)


def test_only_the_author_adds_a_version_while_drafting(office):
    draft = office.draft()
    for who in ("a.leader", "a.head1", "a.clerk", "a.staff2"):
        with pytest.raises(NotAllowed):
            upload(office, who, draft.id)
    with pytest.raises(NotFound):
        upload(office, "b.staff", draft.id)
    assert nothing_stored(office)


def test_the_unit_head_corrects_during_the_review_and_the_author_waits(office):
    draft = office.draft()
    upload(office, "a.staff", draft.id)
    complete(office, "a.staff", draft, "outgoing.draft", {"decision": "submit"})
    assert office.run(drafts.get, office.people["a.staff"], draft.id).state == "reviewing"
    with pytest.raises(Conflict):
        upload(office, "a.staff", draft.id)
    with pytest.raises(NotAllowed):
        upload(office, "a.head2", draft.id)
    corrected = upload(office, "a.head1", draft.id, note="Sửa lỗi chính tả")
    assert (corrected.number, corrected.uploaded_by) == (2, office.people["a.head1"].user_id)


def test_downloads_need_a_reader_and_a_file(office):
    draft = office.draft()
    upload(office, "a.staff", draft.id)
    with pytest.raises(NotFound):
        office.run(versions.file_of, office.system.files, office.people["a.staff"], draft.id, 1, "source")
    with pytest.raises(NotFound):
        office.run(versions.file_of, office.system.files, office.people["a.staff"], draft.id, 2, "pdf")
    with pytest.raises(NotAllowed):
        office.run(versions.file_of, office.system.files, office.people["a.staff2"], draft.id, 1, "pdf")
    with pytest.raises(NotFound):
        office.run(versions.file_of, office.system.files, office.people["b.leader"], draft.id, 1, "pdf")


def complete(office, who, draft, role, data):
    with office.system.sessions() as session:
        task = session.scalars(sa.select(HumanTask).where(HumanTask.instance_id == draft.process_instance_id,
                                                          HumanTask.role == role,
                                                          HumanTask.status == TaskStatus.READY)).one()
    office.run(lambda s: processes.complete(s, office.system.runtime, office.people[who], task.id, data))


def test_a_consulted_person_reads_the_draft_while_asked_and_after_answering(office):
    draft = office.draft()
    upload(office, "a.staff", draft.id)
    staff3 = office.people["a.staff3"]  # of another unit: no reader by role or unit
    with pytest.raises(NotAllowed):
        office.run(drafts.get, staff3, draft.id)
    complete(office, "a.staff", draft, "outgoing.draft", {"decision": "consult", "consult_people": [staff3.user_id],
                                                          "consult_deadline": "2026-11-30T17:00:00+07:00"})
    assert office.run(drafts.get, staff3, draft.id).state == "consulting"
    complete(office, "a.staff3", draft, "outgoing.consult", {"opinion": "Nhất trí."})
    assert office.run(drafts.get, staff3, draft.id).id == draft.id
    with pytest.raises(NotAllowed):
        office.run(drafts.get, office.people["a.staff2"], draft.id)


def test_versions_uploaded_at_once_take_distinct_numbers(office):
    draft = office.draft()
    with ThreadPoolExecutor(max_workers=4) as pool:
        numbers = list(pool.map(lambda _: upload(office, "a.staff", draft.id).number, range(4)))
    assert sorted(numbers) == [1, 2, 3, 4]
