"""The arrival desk over HTTP: accepting with an override, the duplicate warning before the number,
late entries, secret documents returned to the sender, and who may do it."""
from __future__ import annotations

import json

import sqlalchemy as sa

from documents.incoming import service
from documents.models import Agency
from engine.db import unit_of_work
from tests.api.conftest import AGENCY_A, AGENCY_B
from tests.conftest import drain_outbox
from tests.signing.pdfs import make_pdf

METADATA = {"issuer_code": AGENCY_B, "issuer_name": "Cơ quan B", "number_notation": "45/CQB-VP",
            "document_date": "2026-11-20", "doc_type": "Công văn", "subject": "Về việc phối hợp kiểm tra"}


def tampered_from_b(system, reference: str, **metadata) -> int:
    """B sends A a PDF that was changed after B signed it."""
    keys = system.keystore
    keys.install_demo(AGENCY_B, "Cơ quan B")
    signed = keys.signer(AGENCY_B).sign_scan(make_pdf(1), "Cơ quan B", _now(), keys.seal(AGENCY_B))
    position = signed.index(b"(Trang 1 / Page 1)")
    changed = signed[:position] + b"(Trang 9 / Page 1)" + signed[position + 18:]
    with unit_of_work(system.sessions) as session:
        agencies = {a.code: a for a in session.scalars(sa.select(Agency))}
        return service.receive_electronic(session, system.files, keys, sender=agencies[AGENCY_B],
                                          recipient=agencies[AGENCY_A], sender_reference=reference,
                                          metadata={**METADATA, **metadata},
                                          uploads=[service.Upload("45-CQB.pdf", changed)]).id


def _now():
    from engine import clock
    return clock.now()


def test_a_tampered_document_is_accepted_over_http_only_with_a_reason(client, api, system, province):
    document_id = tampered_from_b(system, "B-T1")
    url = f"/api/incoming/{document_id}/accept"
    assert client.post(url, headers=api("b.clerk"), json={"override_reason": "x"}).status_code == 404
    assert client.post(url, headers=api("a.leader"), json={"override_reason": "x"}).status_code == 403
    refused = client.post(url, headers=api("a.clerk"))
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert "45-CQB.pdf" in error["message"] and "bị sửa sau khi ký" in error["message"]
    assert "override_reason" in error["errors"]
    assert client.post(url, headers=api("a.clerk"), json={"override_reason": "x" * 2001}).status_code == 422

    accepted = client.post(url, headers=api("a.clerk"), json={"override_reason": "Đã đối chiếu bản giấy"})
    assert accepted.status_code == 200, accepted.text
    shown = client.get(f"/api/incoming/{document_id}", headers=api("a.leader")).json()
    assert shown["incoming_number"] == 1
    override = shown["arrival"]["signature_override"]
    assert (override["reason"], override["by"]) == ("Đã đối chiếu bản giấy", province["a.clerk"].user_id)
    assert override["at"] == "2026-11-23T08:00:00+07:00"


def register(client, headers, **data):
    return client.post("/api/incoming", headers=headers,
                       data={"metadata": json.dumps(METADATA, ensure_ascii=False), "channel": "manual", **data})


def test_a_probable_duplicate_is_warned_of_before_the_number(client, api, system, province):
    first = register(client, api("a.clerk"))
    assert first.status_code == 201, first.text
    found = client.get("/api/incoming/duplicates", headers=api("a.clerk"),
                       params={"number_notation": "45/cqb-vp", "issuer_name": "Cơ quan B"}).json()
    assert found == {"duplicates": [{"id": first.json()["id"], "incoming_number": 1,
                                     "received_at": "2026-11-23T08:00:00+07:00"}]}
    assert client.get("/api/incoming/duplicates", headers=api("b.clerk"),
                      params={"number_notation": "45/CQB-VP", "issuer_name": "Cơ quan B"}).json() == {"duplicates": []}
    assert client.get("/api/incoming/duplicates", headers=api("a.leader"),
                      params={"number_notation": "45/CQB-VP", "issuer_name": "Cơ quan B"}).status_code == 403

    warned = register(client, api("a.clerk"))
    assert warned.status_code == 409
    assert [d["id"] for d in warned.json()["error"]["duplicates"]] == [first.json()["id"]]
    anyway = register(client, api("a.clerk"), allow_duplicate="true")
    assert anyway.status_code == 201 and anyway.json()["incoming_number"] == 2  # no number lost to the warning


def test_a_late_entry_over_http(client, api, system, province):
    late = register(client, api("a.clerk"), arrived_at="2026-11-20T15:30")  # Friday, Vietnam time
    assert late.status_code == 201, late.text
    body = late.json()
    assert body["arrived_at"] == "2026-11-20T15:30:00+07:00" and body["arrival"]["entered_late"] is True
    assert body["received_at"].startswith("2026-11-20")
    future = register(client, api("a.clerk"), arrived_at="2026-11-23T09:00", allow_duplicate="true")
    assert future.status_code == 422 and "arrived_at" in future.json()["error"]["errors"]


def test_the_sender_sees_a_secret_document_returned_with_the_reason(client, api, system, province):
    document_id = tampered_from_b(system, "B-SECRET", secrecy="top_secret")
    drain_outbox(system)
    seen = client.get("/api/sent/B-SECRET/statuses", headers=api("b.clerk")).json()
    assert [(s["code"], s["reason"]) for s in seen] == [("01", None), ("02", service.SECRET_REFUSAL)]
    shown = client.get(f"/api/incoming/{document_id}", headers=api("a.clerk")).json()
    assert shown["attachments"] == [] and shown["arrival"]["refusal_reason"] == service.SECRET_REFUSAL
