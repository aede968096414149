"""The arrival desk's pages: the override section on an arrived document, the duplicate question on
the registration page (files kept, no number lost), late entries, scan findings shown."""
from __future__ import annotations

import re

import sqlalchemy as sa

from api.pages import arrival_held
from documents.incoming.models import IncomingDocument
from documents.models import AuditEvent
from engine.db import unit_of_work
from tests.api.conftest import csrf_of
from tests.api.test_arrival_api import tampered_from_b
from tests.api.test_incoming_pages import FORM, NO_FILE, document_id_of, register_on_page, signing  # noqa: F401
from tests.files import samples


def test_a_failing_signature_offers_only_the_override_with_a_reason(browser, system, signing):  # noqa: F811
    document_id = tampered_from_b(system, "B-P1")
    clerk = browser("a.clerk")
    detail = clerk.get(f"/incoming/{document_id}").text
    assert "45-CQB.pdf" in detail and "Có chữ ký không hợp lệ" in detail
    assert "Tiếp nhận dù chữ ký không hợp lệ" in detail and 'name="override_reason"' in detail
    assert ">Tiếp nhận</button>" not in detail  # the plain button is gone
    token = csrf_of(detail)
    refused = clerk.post(f"/incoming/{document_id}/accept", data={"csrf_token": token, "override_reason": " "})
    assert refused.status_code == 409 and "cần nêu lý do để tiếp nhận" in refused.text
    done = clerk.post(f"/incoming/{document_id}/accept",
                      data={"csrf_token": token, "override_reason": "Đã gọi điện <b>xác nhận</b>"})
    assert done.status_code == 303
    shown = clerk.get(f"/incoming/{document_id}").text
    assert 'id="signature-override"' in shown and "Đã gọi điện &lt;b&gt;xác nhận&lt;/b&gt;" in shown
    assert browser("a.leader").post(f"/incoming/{document_id}/accept",
                                    data={"csrf_token": token, "override_reason": "x"}).status_code == 403


def test_the_duplicate_question_comes_before_the_number_and_keeps_the_files(browser, system, signing):  # noqa: F811
    clerk = browser("a.clerk")
    first = document_id_of(register_on_page(clerk))
    asked = register_on_page(clerk, files=(("scan-2.pdf", samples.pdf("1.7")),))
    assert asked.status_code == 409
    assert "Có thể trùng văn bản đã vào sổ" in asked.text and f'href="/incoming/{first}"' in asked.text
    assert "Vẫn vào sổ (không phải văn bản trùng)" in asked.text and "scan-2.pdf" in asked.text
    assert 'value="Về việc kiểm tra công tác văn thư năm 2026"' in asked.text or "Về việc kiểm tra" in asked.text
    with unit_of_work(system.sessions) as session:
        assert session.scalar(sa.select(sa.func.count(IncomingDocument.id))) == 1  # no number taken
    held = re.search(r'name="held" value="([^"]+)"', asked.text).group(1)
    # Another clerk cannot use the held files.
    assert arrival_held.held(arrival_held.root_of(system.files), _identity(system, "b.clerk"), held) is None

    data = {**FORM, "channel": "paper", "csrf_token": csrf_of(asked.text), "held": held, "allow_duplicate": "true"}
    second = document_id_of(clerk.post("/incoming/new", data=data, files=[NO_FILE]))
    with unit_of_work(system.sessions) as session:
        document = session.get(IncomingDocument, second)
        assert document.incoming_number == 2
        event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "incoming.registered",
                                                           AuditEvent.object_id == str(second)))
        assert event.after["allow_duplicate"] is True
    files = clerk.get(f"/incoming/{second}").text
    assert "scan-2.pdf" in files  # the file sent the first time, never chosen again


def test_a_late_entry_on_the_page(browser, system, signing):  # noqa: F811
    clerk = browser("a.clerk")
    page = clerk.get("/incoming/new").text
    assert "Nhập bù văn bản đã tiếp nhận trên giấy khi hệ thống gián đoạn" in page
    late = {**FORM, "late_entry": "true", "late_date": "20/11/2026", "late_time": "16:45"}
    document_id = document_id_of(register_on_page(clerk, late, files=(), channel="manual"))
    shown = clerk.get(f"/incoming/{document_id}").text
    assert "Nhập bù ngày 23/11/2026 08:00" in shown and "20/11/2026 16:45" in shown
    future = register_on_page(clerk, {**late, "late_date": "24/11/2026", "number_notation": "9/X"}, files=(),
                              channel="manual")
    assert future.status_code == 422 and "Thời điểm đến không được ở tương lai." in future.text
    garbled = register_on_page(clerk, {**late, "late_time": "25h", "number_notation": "9/X"}, files=(),
                               channel="manual")
    assert garbled.status_code == 422 and "dd/mm/yyyy và HH:MM" in garbled.text


def test_scan_findings_are_shown_on_the_document(browser, system, signing):  # noqa: F811
    clerk = browser("a.clerk")
    document_id = document_id_of(register_on_page(clerk))
    with unit_of_work(system.sessions) as session:
        session.get(IncomingDocument, document_id).scan_findings = ["Ảnh quét chỉ 72 dpi, cần từ 200 dpi."]
    shown = clerk.get(f"/incoming/{document_id}").text
    assert 'id="scan-findings"' in shown and "Ảnh quét chỉ 72 dpi, cần từ 200 dpi." in shown


def _identity(system, username):
    from documents import accounts
    from documents.models import User

    with unit_of_work(system.sessions) as session:
        return accounts.identity_of(session, session.scalar(sa.select(User).where(User.username == username)))
