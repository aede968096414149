"""Corrections over HTTP: the JSON API (POST/GET /api/incoming/{id}/corrections) and the clerk's
page /incoming/{id}/correct with the corrections panel of the document page; refusals at their
field, denials per agency (404) and role (403), a stale form 409, CSRF, escaped output."""
from __future__ import annotations

import pytest

from documents.incoming.models import IncomingCorrection, IncomingDocument
from tests.api.conftest import audit_actions, count, csrf_of, document_id, register_incoming

NEW_SUBJECT = "Về việc triển khai kế hoạch chuyển đổi số năm 2027"
REASON = "Nhập nhầm năm trong trích yếu"


@pytest.fixture
def registered(client, api, province) -> int:
    return document_id(register_incoming(client, api("a.clerk"), recipients=["Sở Tài chính"]))


def url(document: int) -> str:
    return f"/api/incoming/{document}/corrections"


def test_the_clerk_corrects_over_the_api_and_anyone_reading_the_document_sees_it(client, api, province, registered):
    clerk = api("a.clerk")
    listed = client.get(url(registered), headers=clerk).json()
    assert (listed["version"], listed["incoming_number"], listed["corrections"]) == (0, 1, [])
    assert listed["metadata"]["subject"] == "Về việc triển khai kế hoạch chuyển đổi số năm 2026"
    response = client.post(url(registered), headers=clerk, json={
        "changes": {"subject": NEW_SUBJECT, "page_count": 3}, "reason": REASON, "version": 0})
    assert response.status_code == 201, response.text
    made = response.json()
    assert (made["corrected_by"], made["corrected_by_name"], made["reason"]) == (
        province["a.clerk"].user_id, "clerk a", REASON)
    assert made["changes"] == {"subject": ["Về việc triển khai kế hoạch chuyển đổi số năm 2026", NEW_SUBJECT],
                               "page_count": [None, 3]}
    shown = client.get(f"/api/incoming/{registered}", headers=api("a.leader")).json()
    assert (shown["subject"], shown["incoming_number"]) == (NEW_SUBJECT, 1)
    again = client.get(url(registered), headers=api("a.leader")).json()
    assert again["version"] == 1 and [c["id"] for c in again["corrections"]] == [made["id"]]
    assert "incoming.corrected" in audit_actions(client.app.state.system, province["a.clerk"].user_id)


def test_the_api_refuses_at_the_field_a_stale_version_and_other_people(client, api, province, registered):
    system = client.app.state.system
    body = {"changes": {"subject": NEW_SUBJECT}, "reason": REASON, "version": 0}
    for changes, reason, field in (({"subject": ""}, REASON, "subject"), ({"subject": NEW_SUBJECT}, "", "reason"),
                                   ({"incoming_number": 9}, REASON, "incoming_number")):
        refused = client.post(url(registered), headers=api("a.clerk"), json={**body, "changes": changes, "reason": reason})
        assert refused.status_code == 422, refused.text
        assert field in refused.json()["error"]["errors"]
    for who, status in (("a.leader", 403), ("a.staff", 403), ("b.clerk", 404), ("b.leader", 404)):
        assert client.post(url(registered), headers=api(who), json=body).status_code == status, who
    assert client.get(url(registered), headers=api("b.clerk")).status_code == 404
    assert client.get(url(registered), headers=api("a.staff")).status_code == 403
    assert client.post(url(registered), json=body).status_code == 401
    assert count(system, IncomingCorrection) == 0
    assert client.post(url(registered), headers=api("a.clerk"), json=body).status_code == 201
    stale = client.post(url(registered), headers=api("a.clerk"), json={**body, "changes": {"page_count": 2}})
    assert stale.status_code == 409, stale.text
    assert count(system, IncomingCorrection) == 1


# --------------------------------------------------------------------------- the pages

def test_the_correction_page_is_prefilled_and_saves_with_its_reason(client, api, browser, province, registered):
    clerk = browser("a.clerk")
    form = clerk.get(f"/incoming/{registered}/correct")
    assert form.status_code == 200, form.text
    assert 'value="20/11/2026"' in form.text and "Về việc triển khai kế hoạch chuyển đổi số năm 2026" in form.text
    assert 'name="secrecy"' not in form.text and "Lưu đính chính" in form.text
    fields = {"csrf_token": csrf_of(form.text), "version": "0", "issuer_name": "UBND tỉnh Thừa Thiên Huế",
              "number_notation": "123/UBND-VX", "document_date": "21/11/2026", "doc_type": "Công văn",
              "subject": "<script>alert(1)</script> " + NEW_SUBJECT, "urgency": "normal",
              "recipients": "Sở Tài chính\nSở Kế hoạch và Đầu tư", "reason": REASON}
    missing = clerk.post(f"/incoming/{registered}/correct", data={**fields, "reason": ""})
    assert missing.status_code == 422 and "Cần nêu lý do đính chính." in missing.text
    assert count(client.app.state.system, IncomingCorrection) == 0
    saved = clerk.post(f"/incoming/{registered}/correct", data=fields)
    assert saved.status_code == 303 and saved.headers["location"] == f"/incoming/{registered}#corrections"
    page = clerk.get(f"/incoming/{registered}").text
    panel = page[page.index('id="corrections"'):]
    assert "clerk a" in panel and REASON in panel and "20/11/2026" in panel and "21/11/2026" in panel
    assert "Sở Tài chính; Sở Kế hoạch và Đầu tư" in panel
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in panel and "<script>alert(1)" not in page
    assert f'href="/incoming/{registered}/correct"' in panel
    leader_page = browser("a.leader").get(f"/incoming/{registered}").text
    assert REASON in leader_page and f'href="/incoming/{registered}/correct"' not in leader_page
    with client.app.state.system.sessions() as session:
        assert session.get(IncomingDocument, registered).incoming_number == 1


def test_the_page_refuses_other_people_a_forged_post_and_a_stale_form(client, browser, province, registered):
    assert browser("a.leader").get(f"/incoming/{registered}/correct").status_code == 403
    assert browser("b.clerk").get(f"/incoming/{registered}/correct").status_code == 404
    clerk = browser("a.clerk")
    form = clerk.get(f"/incoming/{registered}/correct").text
    base = {"issuer_name": "UBND tỉnh Thừa Thiên Huế", "number_notation": "123/UBND-VX", "document_date": "20/11/2026",
            "doc_type": "Công văn", "urgency": "normal", "reason": REASON}
    forged = clerk.post(f"/incoming/{registered}/correct",
                        data={**base, "csrf_token": "forged", "version": "0", "subject": NEW_SUBJECT})
    assert forged.status_code == 403
    first = clerk.post(f"/incoming/{registered}/correct",
                       data={**base, "csrf_token": csrf_of(form), "version": "0", "subject": NEW_SUBJECT})
    assert first.status_code == 303
    stale = clerk.post(f"/incoming/{registered}/correct",
                       data={**base, "csrf_token": csrf_of(form), "version": "0", "subject": "Trích yếu khác"})
    assert stale.status_code == 409 and "vừa được người khác đính chính" in stale.text
    assert count(client.app.state.system, IncomingCorrection) == 1


def test_a_value_nested_too_deeply_or_of_the_wrong_kind_is_refused(client, api, province, registered):
    # Too deep for the JSON parser: the body is refused whole (400); a value of the wrong kind at
    # its field by the registration's form (422). Never a 500, nothing stored.
    for value, status in (("[" * 100_000 + "]" * 100_000, 400), ('{"a": 1}', 422), ("12", 422)):
        body = f'{{"changes": {{"subject": {value}}}, "reason": "{REASON}", "version": 0}}'
        response = client.post(url(registered), headers={**api("a.clerk"), "Content-Type": "application/json"},
                               content=body.encode())
        assert response.status_code == status, response.text[:300]
        if status == 422:
            assert "subject" in response.json()["error"]["errors"]
    assert count(client.app.state.system, IncomingCorrection) == 0
