"""What the outgoing workflow tests share: the incoming tests' bureau (agency A with two units —
Phòng Kinh tế: head1, staff, staff2; Phòng Tổng hợp: head2, staff3 — a clerk and two leaders;
agency B alike), on PostgreSQL. ``Flow`` drives documents through the process the way the pages do
(documents.processes.complete), each call in a transaction of its own."""
from __future__ import annotations

from typing import Any, Callable

import pytest
import sqlalchemy as sa

from documents import processes
from documents.accounts import Identity
from documents.files.service import store_attachment
from documents.outgoing import steps
from documents.outgoing.models import OutgoingComment, OutgoingDocument, OutgoingVersion, State
from engine import clock as clocks
from engine.db import unit_of_work
from engine.models import HumanTask, ProcessInstance
from tests.incoming.conftest import bureau  # noqa: F401  (fixture)
from tests.signing.stamp_pages import phu_luc_i

A, B = "000.00.01.H99", "000.00.02.H99"
PDF = phu_luc_i(paragraphs=1)


class Flow:
    def __init__(self, system, people: dict[str, Any]) -> None:
        self.system, self.people = system, people

    def __getitem__(self, name: str) -> Any:
        return self.people[name]

    def run(self, action: Callable[..., Any], *args, **kwargs) -> Any:
        with unit_of_work(self.system.sessions) as session:
            return action(session, *args, **kwargs)

    def new(self, author: str = "a.staff", urgency: str = "normal", unit: str | None = "a.u1") -> int:
        """A draft of ``author`` (no version yet) with its process started, as drafts.create does."""
        who: Identity = self[author]

        def create(session):
            now = clocks.now()
            document = OutgoingDocument(agency_id=who.agency_id, author_id=who.user_id,
                                        unit_id=self[unit] if unit else None, subject="Về việc tổng kết năm 2026",
                                        doc_type="Công văn", urgency=urgency, state=State.DRAFTING,
                                        created_at=now, updated_at=now)
            session.add(document)
            session.flush()
            steps.start(session, self.system.runtime, who, document)
            return document.id
        return self.run(create)

    def add_version(self, document_id: int, by: str = "a.staff") -> int:
        """The next version of the draft (what H2's upload stores), its id."""
        who: Identity = self[by]

        def add(session):
            number = (session.scalar(sa.select(sa.func.max(OutgoingVersion.number))
                                     .where(OutgoingVersion.document_id == document_id)) or 0) + 1
            pdf = store_attachment(session, self.system.files, filename=f"du-thao-v{number}.pdf", data=PDF,
                                   uploaded_by=who.user_id, owner_type="outgoing_version", owner_id=None,
                                   max_bytes=10 << 20)
            version = OutgoingVersion(document_id=document_id, number=number, pdf_file_id=pdf.id,
                                      uploaded_by=who.user_id, uploaded_at=clocks.now())
            session.add(version)
            session.flush()
            return version.id
        return self.run(add)

    def tasks(self, document_id: int, role: str | None = None) -> list[HumanTask]:
        def open_tasks(session):
            instance = session.get(OutgoingDocument, document_id).process_instance_id
            found = self.system.runtime.open_tasks(session, instance, role)
            session.expunge_all()
            return found
        return self.run(open_tasks)

    def task(self, document_id: int, role: str) -> HumanTask:
        (found,) = self.tasks(document_id, role)
        return found

    def act(self, who: str, document_id: int, role: str, **data) -> None:
        """``who`` completes the open step of ``role`` with the form ``data``."""
        task = self.task(document_id, role)
        self.run(processes.complete, self.system.runtime, self[who], task.id, data)

    def document(self, document_id: int) -> OutgoingDocument:
        def read(session):
            found = session.get(OutgoingDocument, document_id)
            session.expunge(found)
            return found
        return self.run(read)

    def state(self, document_id: int) -> str:
        return self.document(document_id).state

    def comments(self, document_id: int) -> list[OutgoingComment]:
        def read(session):
            found = list(session.scalars(sa.select(OutgoingComment).where(OutgoingComment.document_id == document_id)
                                         .order_by(OutgoingComment.id)))
            session.expunge_all()
            return found
        return self.run(read)

    def instance_status(self, document_id: int) -> str:
        def read(session):
            return session.get(ProcessInstance, session.get(OutgoingDocument, document_id).process_instance_id).status
        return self.run(read)

    def set(self, document_id: int, **fields) -> None:
        """Fields the signing and issuing actions set (tests that drive the path without them)."""
        def change(session):
            document = session.get(OutgoingDocument, document_id)
            for name, value in fields.items():
                setattr(document, name, value)
        self.run(change)

    def latest_version_id(self, document_id: int) -> int:
        return self.run(lambda session: steps.latest_version(session, document_id).id)


@pytest.fixture
def system(pg):
    """The workflow is the database's business: PostgreSQL only (the incoming fixtures run on both)."""
    return pg


@pytest.fixture
def flow(system, bureau) -> Flow:
    return Flow(system, bureau)
