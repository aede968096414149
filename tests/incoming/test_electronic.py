"""An electronic document from another agency of the deployment: it arrives (01), the clerk
checks its signature and accepts (03, numbered) or refuses (02, with a reason), and every
status reaches the sender exactly once through the outbox."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from documents.errors import Conflict, InvalidData, NotAllowed, NotFound
from documents.exchange import statuses
from documents.exchange.models import DeliveryStatus
from documents.incoming import service
from documents.incoming.models import IncomingDocument
from documents.models import Agency
from engine import clock, outbox
from engine.db import unit_of_work
from tests.conftest import drain_outbox
from tests.files import samples

from .conftest import throw_status

MONDAY_0800 = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)
METADATA = {"issuer_code": "000.00.02.H99", "issuer_name": "Cơ quan B", "number_notation": "45/CQB-VP",
            "document_date": "2026-11-23", "doc_type": "Công văn", "subject": "Về việc phối hợp kiểm tra"}


@pytest.fixture
def keys(keystore):
    keystore.install_demo("000.00.02.H99", "Cơ quan B")
    return keystore


def send(system, store, keys, reference="B-OUT-1"):
    """What the outgoing issue's send step will call: B's signed PDF delivered to A."""
    signed = keys.signer("000.00.02.H99").sign_scan(samples.pdf("1.7"), "Cơ quan B", MONDAY_0800,
                                                   keys.seal("000.00.02.H99"))
    with clock.using(clock.FixedClock(MONDAY_0800)), unit_of_work(system.sessions) as session:
        sender = session.scalar(sa.select(Agency).where(Agency.code == "000.00.02.H99"))
        recipient = session.scalar(sa.select(Agency).where(Agency.code == "000.00.01.H99"))
        document = service.receive_electronic(session, store, keys, sender=sender, recipient=recipient,
                                              sender_reference=reference, metadata=METADATA,
                                              uploads=[service.Upload("45-CQB.pdf", signed)])
        return document.id


def deliver_all(system) -> int:
    published = []
    outbox.relay(system.sessions, lambda row: published.append(row.id))
    delivered = 0
    for outbox_id in published:
        with unit_of_work(system.sessions) as session:
            delivered += statuses.deliver(session, outbox_id)
    return delivered


def reported(system, reference="B-OUT-1") -> list[tuple[str, str | None]]:
    with unit_of_work(system.sessions) as session:
        rows = session.scalars(sa.select(DeliveryStatus).where(DeliveryStatus.sender_reference == reference)
                               .order_by(DeliveryStatus.id))
        return [(r.code, r.reason) for r in rows]


def accept(system, who, document_id):
    return act(system, lambda session, *args: service.accept(session, system.runtime, *args), who, document_id)


def act(system, action, *args):
    with clock.using(clock.FixedClock(MONDAY_0800)), unit_of_work(system.sessions) as session:
        document = action(session, *args)
        return document.status, document.incoming_number


def test_arrival_acceptance_and_statuses_to_the_sender(system, store, keys, office):
    document_id = send(system, store, keys)
    with unit_of_work(system.sessions) as session:
        document = session.get(IncomingDocument, document_id)
        assert (document.status, document.incoming_number, document.channel) == ("01", None, "electronic")
        assert document.signature_check[0]["verdict"] == "valid"
        assert document.signature_check[0]["signatures"][0]["signer_organisation"] == "Cơ quan B"
    assert deliver_all(system) == 1
    assert reported(system) == [("01", None)]  # the sender knows the same day

    assert accept(system, office["a.clerk"], document_id) == ("03", 1)
    with pytest.raises(Conflict):
        accept(system, office["a.clerk"], document_id)
    assert deliver_all(system) == 1
    assert reported(system) == [("01", None), ("03", None)]


def test_refusal_with_a_reason_reaches_the_sender(system, store, keys, office):
    document_id = send(system, store, keys, reference="B-OUT-2")
    with pytest.raises(InvalidData):
        act(system, service.refuse, office["a.clerk"], document_id, "   ")
    assert act(system, service.refuse, office["a.clerk"], document_id, "Không đúng thẩm quyền") == ("02", None)
    with pytest.raises(Conflict):
        accept(system, office["a.clerk"], document_id)
    deliver_all(system)
    assert reported(system, "B-OUT-2") == [("01", None), ("02", "Không đúng thẩm quyền")]


def test_only_the_recipient_clerk_decides(system, store, keys, office):
    document_id = send(system, store, keys)
    with pytest.raises(NotFound):
        accept(system, office["b.clerk"], document_id)
    with pytest.raises(NotAllowed):
        accept(system, office["a.leader"], document_id)
    for stranger, refused in ((office["b.clerk"], NotFound), (office["a.leader"], NotAllowed)):
        with pytest.raises(refused):  # even with no reason: who may act is checked before what is sent
            act(system, service.refuse, stranger, document_id, "")
    with unit_of_work(system.sessions) as session:
        assert session.get(IncomingDocument, document_id).status == "01"


def test_a_redelivered_status_is_recorded_once(system, store, keys, office):
    send(system, store, keys)
    published = []
    outbox.relay(system.sessions, lambda row: published.append(row.id))
    for _ in range(2):
        with unit_of_work(system.sessions) as session:
            statuses.deliver(session, published[0])
    assert reported(system) == [("01", None)]


def test_the_sender_reads_its_statuses_and_nobody_else_does(system, store, keys, office):
    send(system, store, keys)
    deliver_all(system)
    with unit_of_work(system.sessions) as session:
        assert [s.code for s in statuses.of_reference(session, office["b.clerk"], "B-OUT-1")] == ["01"]
        assert statuses.of_reference(session, office["a.clerk"], "B-OUT-1") == []


def test_acceptance_starts_handling_and_every_status_reaches_the_sender(system, store, keys, office):
    """Accepting starts the incoming workflow at the leader's distribution; its status messages
    (04 assigned, 05 in progress, 06 completed) move the document and reach the sender."""
    from engine.runtime import Principal
    document_id = send(system, store, keys, reference="B-OUT-3")
    accept(system, office["a.clerk"], document_id)
    with unit_of_work(system.sessions) as session:
        instance_id = session.get(IncomingDocument, document_id).process_instance_id
        assert [t.spec_name for t in system.runtime.open_tasks(session, instance_id)] == ["distribute"]
    handler = str(office["a.staff"].user_id)
    # One principal holding every lane's role stands in for the leader, handler and unit head.
    everyone = Principal(handler, "000.00.01.H99", frozenset({"leader", "staff", "unit_head"}))
    steps = [("distribute", {"decision": "assign", "direction": "Xử lý", "lead_user_id": int(handler)}),
             ("handle", {"result": "Đã xử lý", "completed": True}), ("review", {"approved": True})]
    for name, data in steps:
        with unit_of_work(system.sessions) as session:
            task = next(t for t in system.runtime.open_tasks(session, instance_id) if t.spec_name == name)
            system.runtime.complete(session, task.id, everyone, data)
    drain_outbox(system)  # the workflow's messages, then the statuses they cause
    with unit_of_work(system.sessions) as session:
        assert session.get(IncomingDocument, document_id).status == "06"
    assert [code for code, _ in reported(system, "B-OUT-3")] == ["01", "03", "04", "05", "06"]


def test_progress_only_moves_forward_and_only_for_accepted_documents(system, store, keys, office):
    arrived = send(system, store, keys, reference="B-OUT-4")
    accepted = send(system, store, keys, reference="B-OUT-5")
    accept(system, office["a.clerk"], accepted)

    def report(document_id, code):
        with clock.using(clock.FixedClock(MONDAY_0800)), unit_of_work(system.sessions) as session:
            throw_status(session, document_id, {"status": code, "document": document_id})
            return session.get(IncomingDocument, document_id).status if document_id else None

    assert report(arrived, "04") == "01"        # not accepted yet: ignored
    assert report(accepted, "07") == "03"       # not a progress code
    assert report(accepted, "05") == "05"
    assert report(accepted, "04") == "05"       # never backwards
    assert report(None, "06") is None           # no document: ignored, no error


def test_another_agencys_diagram_cannot_move_or_close_a_document(system, store, keys, office):
    """Agency B's own diagram throws `incoming.status` naming agency A's document and A's
    workflow instance: the subscriber acts only inside the thrower's agency, so nothing moves."""
    accepted = send(system, store, keys, reference="B-OUT-6")
    accept(system, office["a.clerk"], accepted)
    with unit_of_work(system.sessions) as session:
        for payload in ({"status": "06", "document": accepted}, {"status": service.CLOSED, "reason": "x"}):
            throw_status(session, accepted, payload, scope="000.00.02.H99")
    with unit_of_work(system.sessions) as session:
        document = session.get(IncomingDocument, accepted)
        assert (document.status, document.closed_at) == ("03", None)
    with unit_of_work(system.sessions) as session:  # its own workflow still can
        throw_status(session, accepted, {"status": "04"})
    with unit_of_work(system.sessions) as session:
        assert session.get(IncomingDocument, accepted).status == "04"


def test_concurrent_progress_reports_never_move_a_document_backwards(pg, tmp_path, keystore):
    """Two workers report 05 and 06 for the same document at the same moment (PostgreSQL)."""
    import threading

    from documents import accounts
    from documents.files.store import LocalFileStore
    from tests.conftest import PASSWORD

    with unit_of_work(pg.sessions) as session:
        pg.runtime.deploy_directory(session, pg.settings.bpmn_dir)
        agency = accounts.create_agency(session, "000.00.01.H99", "Cơ quan A")
        clerk = accounts.identity_of(session, accounts.create_user(session, agency, "clerk", "c", PASSWORD, ["clerk"]))
    store = LocalFileStore(tmp_path / "files")
    for _ in range(10):
        with clock.using(clock.FixedClock(MONDAY_0800)), unit_of_work(pg.sessions) as session:
            document_id = service.register(session, pg.runtime, store, keystore, clerk, METADATA,
                                           allow_duplicate=True).document.id
        barrier = threading.Barrier(2)

        def report(code):
            with unit_of_work(pg.sessions) as session:
                barrier.wait()
                throw_status(session, document_id, {"status": code, "document": document_id})

        threads = [threading.Thread(target=report, args=(code,)) for code in ("05", "06")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with unit_of_work(pg.sessions) as session:
            assert session.get(IncomingDocument, document_id).status == "06"
