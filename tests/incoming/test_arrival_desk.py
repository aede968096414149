"""The arrival desk (issue 9 items 1, 2, 8, 9): signatures that must be the sender's and valid,
refusals that reach the sender, duplicates confirmed before the number, late entries."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from documents.errors import Conflict, InvalidData, NotAllowed, NotFound
from documents.files.models import Attachment
from documents.incoming import service
from documents.incoming.models import IncomingDocument
from documents.incoming.signature_binding import SignatureRefused
from documents.models import Agency, AuditEvent
from engine import clock
from engine.db import unit_of_work
from tests.signing.pdfs import make_pdf

from .conftest import throw_status
from .test_electronic import METADATA, MONDAY_0800, accept, deliver_all, reported

B = "000.00.02.H99"


@pytest.fixture
def keys(keystore):
    keystore.install_demo(B, "Cơ quan B")
    return keystore


def signed_by(keys, code: str, name: str) -> bytes:
    return keys.signer(code).sign_scan(make_pdf(1), name, MONDAY_0800, keys.seal(code))


def tampered(pdf: bytes) -> bytes:
    position = pdf.index(b"(Trang 1 / Page 1)")
    return pdf[:position] + b"(Trang 9 / Page 1)" + pdf[position + 18:]


def arrive(system, store, keys, pdf: bytes, reference: str = "B-OUT-9", **metadata) -> int:
    with clock.using(clock.FixedClock(MONDAY_0800)), unit_of_work(system.sessions) as session:
        sender = session.scalar(sa.select(Agency).where(Agency.code == B))
        recipient = session.scalar(sa.select(Agency).where(Agency.code == "000.00.01.H99"))
        return service.receive_electronic(session, store, keys, sender=sender, recipient=recipient,
                                          sender_reference=reference, metadata={**METADATA, **metadata},
                                          uploads=[service.Upload("45-CQB.pdf", pdf)]).id


def accept_with(system, who, document_id, **options):
    with clock.using(clock.FixedClock(MONDAY_0800)), unit_of_work(system.sessions) as session:
        document = service.accept(session, system.runtime, who, document_id, **options)
        return document.status, document.incoming_number


def document(system, document_id) -> IncomingDocument:
    with unit_of_work(system.sessions) as session:
        found = session.get(IncomingDocument, document_id)
        session.expunge(found)
        return found


def events(system, action: str) -> list[AuditEvent]:
    with unit_of_work(system.sessions) as session:
        rows = list(session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))
        session.expunge_all()
        return rows


def test_a_pdf_changed_after_signing_is_refused_and_taken_in_only_with_a_reason(system, store, keys, office):
    document_id = arrive(system, store, keys, tampered(signed_by(keys, B, "Cơ quan B")))
    assert document(system, document_id).signature_check[0]["verdict"] == "invalid"

    with pytest.raises(SignatureRefused) as refused:
        accept(system, office["a.clerk"], document_id)
    assert "45-CQB.pdf" in refused.value.message and "bị sửa sau khi ký" in refused.value.message
    assert refused.value.status == 409 and "override_reason" in refused.value.errors
    with pytest.raises(InvalidData):
        accept_with(system, office["a.clerk"], document_id, override_reason="   ")
    assert (document(system, document_id).status, document(system, document_id).incoming_number) == ("01", None)

    reason = "Đã gọi điện xác nhận với Cơ quan B: bản gốc đúng nội dung"
    assert accept_with(system, office["a.clerk"], document_id, override_reason=reason) == ("03", 1)
    kept = document(system, document_id)
    assert (kept.signature_override_reason, kept.signature_override_by) == (reason, office["a.clerk"].user_id)
    assert kept.signature_override_at == MONDAY_0800
    [event] = events(system, "incoming.signature_overridden")
    assert event.after["reason"] == reason and "45-CQB.pdf" in event.after["failures"][0]
    assert event.actor_id == office["a.clerk"].user_id


def test_another_agencys_key_is_a_wrong_signer_and_refused(system, store, keys, office):
    # Agency A's own key signs what claims to come from B: intact and trusted, but not B's.
    document_id = arrive(system, store, keys, signed_by(keys, "000.00.01.H99", "Cơ quan A"))
    check = document(system, document_id).signature_check[0]
    assert check["verdict"] == "wrong_signer"
    assert check["expected_signer"] == {"code": B, "name": "Cơ quan B"}
    assert "Cơ quan A" in check["found_signers"][0]
    assert check["signatures"][0]["sender"] is False

    with pytest.raises(SignatureRefused) as refused:
        accept(system, office["a.clerk"], document_id)
    assert "không phải của cơ quan gửi Cơ quan B" in refused.value.message


def test_the_senders_valid_signature_is_accepted_without_an_override(system, store, keys, office):
    document_id = arrive(system, store, keys, signed_by(keys, B, "Cơ quan B"))
    check = document(system, document_id).signature_check[0]
    assert check["verdict"] == "valid" and check["signatures"][0]["sender"] is True
    assert accept(system, office["a.clerk"], document_id) == ("03", 1)
    assert document(system, document_id).signature_override_reason is None
    assert events(system, "incoming.signature_overridden") == []


def test_an_unsigned_electronic_document_needs_an_override(system, store, keys, office):
    document_id = arrive(system, store, keys, make_pdf(1))
    with pytest.raises(SignatureRefused):
        accept(system, office["a.clerk"], document_id)


def test_the_sender_is_named_by_its_code_or_its_name_without_diacritics_or_case():
    from documents.incoming.signature_binding import Party

    party = Party("000.00.02.H99", "Sở Nội vụ tỉnh Hà Nam")
    assert party.named_in(["SO NOI VU TINH HA NAM"])
    assert party.named_in(["VN:000.00.02.H99"])
    assert not party.named_in(["000.00.02.H990", "Sở Nội vụ tỉnh Hà Nam Mới", "Văn phòng Sở Nội vụ tỉnh Hà Nam"])


def test_a_paper_scan_carries_our_signature_which_is_no_mismatch(system, store, keys, office):
    with clock.using(clock.FixedClock(MONDAY_0800)), unit_of_work(system.sessions) as session:
        registered = service.register(session, system.runtime, store, keys, office["a.clerk"], METADATA,
                                      [service.Upload("scan.pdf", make_pdf(1))], "paper")
        check = registered.document.signature_check[0]
    assert check["verdict"] == "valid" and check["signatures"][0]["ours"] is True


def test_a_manual_registration_with_a_wrong_signer_is_refused_or_overridden(system, store, keys, office):
    wrong = [service.Upload("45-CQB.pdf", signed_by(keys, "000.00.01.H99", "Cơ quan A"))]
    with clock.using(clock.FixedClock(MONDAY_0800)), unit_of_work(system.sessions) as session:
        with pytest.raises(SignatureRefused):
            service.register(session, system.runtime, store, keys, office["a.clerk"], METADATA, wrong)
    with unit_of_work(system.sessions) as session:
        assert session.scalar(sa.select(sa.func.count(IncomingDocument.id))) == 0
        assert session.scalar(sa.select(sa.func.count(Attachment.id))) == 0
    with clock.using(clock.FixedClock(MONDAY_0800)), unit_of_work(system.sessions) as session:
        registered = service.register(session, system.runtime, store, keys, office["a.clerk"], METADATA, wrong,
                                      override_reason="Bản chụp do Cơ quan B gửi qua thư điện tử")
        assert registered.document.incoming_number == 1
        assert registered.document.signature_override_reason == "Bản chụp do Cơ quan B gửi qua thư điện tử"
    assert len(events(system, "incoming.signature_overridden")) == 1


def test_a_secret_document_is_returned_to_the_sender_without_its_files(system, store, keys, office):
    document_id = arrive(system, store, keys, signed_by(keys, B, "Cơ quan B"), reference="B-SECRET",
                         secrecy="secret")
    kept = document(system, document_id)
    assert (kept.status, kept.incoming_number) == ("02", None)
    assert kept.refusal_reason == service.SECRET_REFUSAL
    with unit_of_work(system.sessions) as session:
        assert session.scalar(sa.select(sa.func.count(Attachment.id))) == 0
    deliver_all(system)
    assert reported(system, "B-SECRET") == [("01", None), ("02", service.SECRET_REFUSAL)]
    assert len(events(system, "incoming.refused_secret")) == 1
    with pytest.raises(Conflict):
        accept(system, office["a.clerk"], document_id)


def test_a_document_closed_as_not_ours_goes_back_to_the_sender_as_02(system, store, keys, office):
    document_id = arrive(system, store, keys, signed_by(keys, B, "Cơ quan B"), reference="B-WRONG")
    accept(system, office["a.clerk"], document_id)
    with unit_of_work(system.sessions) as session:
        throw_status(session, document_id, {"status": "closed", "reason": "Không thuộc thẩm quyền của Cơ quan A"})
    kept = document(system, document_id)
    assert (kept.status, kept.incoming_number) == ("02", 1)
    assert kept.refusal_reason == kept.closure_reason == "Không thuộc thẩm quyền của Cơ quan A"
    assert kept.closed_at is not None
    deliver_all(system)
    assert reported(system, "B-WRONG") == [("01", None), ("03", None), ("02", "Không thuộc thẩm quyền của Cơ quan A")]


def test_a_paper_document_closed_records_02_locally(system, store, keys, office):
    with clock.using(clock.FixedClock(MONDAY_0800)), unit_of_work(system.sessions) as session:
        document_id = service.register(session, system.runtime, store, keys, office["a.clerk"], METADATA).document.id
    with unit_of_work(system.sessions) as session:
        throw_status(session, document_id, {"status": "closed", "reason": ""})
    with unit_of_work(system.sessions) as session:
        statuses = [(s.code, s.reason) for s in service.statuses(session, session.get(IncomingDocument, document_id))]
    assert statuses == [("01", None), ("03", None), ("02", service.CLOSURE_REFUSAL)]
    assert deliver_all(system) == 0


def register(system, keys, store, who, at=MONDAY_0800, **options):
    with clock.using(clock.FixedClock(at)), unit_of_work(system.sessions) as session:
        registered = service.register(session, system.runtime, store, keys, who, METADATA, **options)
        return registered.document.id, registered.document.incoming_number


def test_a_probable_duplicate_is_confirmed_before_the_number_is_taken(system, store, keys, office):
    first, number = register(system, keys, store, office["a.clerk"])
    with clock.using(clock.FixedClock(MONDAY_0800)), unit_of_work(system.sessions) as session:
        with pytest.raises(service.ProbableDuplicate) as warned:
            service.register(session, system.runtime, store, keys, office["a.clerk"],
                             {**METADATA, "number_notation": " 45/cqb-vp "})
        assert [d.id for d in warned.value.duplicates] == [first] and warned.value.status == 409
        session.rollback()
    # The clerk stopped: nothing stored, no number consumed; registering anyway gets the next one.
    second, second_number = register(system, keys, store, office["a.clerk"], allow_duplicate=True)
    assert (number, second_number) == (1, 2)
    [event] = [e for e in events(system, "incoming.registered") if e.object_id == str(second)]
    assert event.after["allow_duplicate"] is True and event.after["duplicates"] == [first]
    # Capitals with diacritics fold the same way on both sides.
    shouting = {**METADATA, "issuer_name": "CƠ QUAN BỈM", "number_notation": "7/BỈM"}
    with clock.using(clock.FixedClock(MONDAY_0800)), unit_of_work(system.sessions) as session:
        service.register(session, system.runtime, store, keys, office["a.clerk"], shouting)
    with unit_of_work(system.sessions) as session:
        assert len(service.probable_duplicates(session, office["a.clerk"].agency_id, "7/BỈM", "CƠ QUAN BỈM")) == 1
    # Another agency's register is not looked at.
    assert register(system, keys, store, office["b.clerk"])[1] == 1


def test_accepting_an_electronic_duplicate_is_confirmed(system, store, keys, office):
    register(system, keys, store, office["a.clerk"])
    document_id = arrive(system, store, keys, signed_by(keys, B, "Cơ quan B"))
    with pytest.raises(service.ProbableDuplicate):
        accept(system, office["a.clerk"], document_id)
    assert accept_with(system, office["a.clerk"], document_id, allow_duplicate=True) == ("03", 2)


def test_a_late_entry_keeps_its_real_arrival_time_and_the_number_of_its_year(system, store, keys, office):
    now = datetime(2026, 1, 2, 2, 0, tzinfo=timezone.utc)   # Friday 2 January 2026, 09:00
    arrived = datetime(2025, 12, 31, 8, 30, tzinfo=timezone.utc)  # Wednesday 31 December 2025, 15:30
    register(system, keys, store, office["a.clerk"], at=now, allow_duplicate=True)  # 2026 no. 1
    document_id, number = register(system, keys, store, office["a.clerk"], at=now, arrived_at=arrived,
                                   allow_duplicate=True)
    kept = document(system, document_id)
    assert (kept.arrived_at, kept.entered_late, kept.received_at.year) == (arrived, True, 2025)
    assert number == 1  # the first of the 2025 register, not the second of 2026
    [event] = events(system, "incoming.entered_late")
    assert event.after["arrived_at"] == arrived.isoformat() and event.after["entered_at"] == now.isoformat()
    with pytest.raises(InvalidData) as future:
        register(system, keys, store, office["a.clerk"], at=now, arrived_at=now + timedelta(minutes=1),
                 allow_duplicate=True)
    assert "arrived_at" in future.value.errors
    with pytest.raises(InvalidData) as too_old:
        register(system, keys, store, office["a.clerk"], at=now, arrived_at=now - timedelta(days=31),
                 allow_duplicate=True)
    assert "30 ngày" in too_old.value.errors["arrived_at"]


def test_only_the_recipients_clerk_accepts_with_an_override(system, store, keys, office):
    document_id = arrive(system, store, keys, tampered(signed_by(keys, B, "Cơ quan B")))
    with pytest.raises(NotFound):
        accept_with(system, office["b.clerk"], document_id, override_reason="x")
    with pytest.raises(NotAllowed):
        accept_with(system, office["a.leader"], document_id, override_reason="x")
