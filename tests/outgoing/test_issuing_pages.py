"""The issue through HTTP: the document driven through the default outgoing diagram to its issue
step, then issued from the task page's panel (CSRF form) and through the JSON API, with the
denials; the agency's and the units' abbreviations set by the agency admin."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.app import create_app
from documents.models import Agency, AuditEvent, OrgUnit
from documents.outgoing.contract import ISSUE
from documents.outgoing.models import OutgoingDocument, State
from engine import clock as clocks
from engine.db import unit_of_work
from tests.api.conftest import csrf_of, get_token, page_login
from tests.outgoing.issuing_office import (A, at_issue_step, demo_keys, issue_task_id, keystore,  # noqa: F401
                                          office, person_signed_pdf)


@pytest.fixture(autouse=True)
def bound(clock):
    with clocks.using(clock):
        yield clock


@pytest.fixture
def client(pg, keystore):
    pg.keystore = keystore  # agency A's demo keys, made once for the session
    with TestClient(create_app(pg, start_worker=False)) as test_client:
        yield test_client


def bearer(client, username):
    return {"Authorization": f"Bearer {get_token(client, username)}"}


def test_the_clerk_issues_from_the_task_page(pg, office, person_signed_pdf, client):
    document_id = at_issue_step(pg, office.staff, office.head, office.clerk, office.leader, person_signed_pdf)
    task_id = issue_task_id(pg, document_id)
    page_login(client, "a.clerk")
    shown = client.get(f"/tasks/{task_id}")
    assert shown.status_code == 200
    assert 'id="issue-preview"' in shown.text and "1/UBND-VX" in shown.text
    assert "Cấp số, ký số và phát hành" in shown.text and "Khẩn" in shown.text
    assert f"/outgoing/{document_id}/issue-files/" in shown.text  # the signed PDF
    refused = client.post(f"/outgoing/{document_id}/issue", data={"csrf_token": "forged"}, follow_redirects=False)
    assert refused.status_code == 403
    done = client.post(f"/outgoing/{document_id}/issue", data={"csrf_token": csrf_of(shown.text)},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/outgoing/{document_id}#issued"
    with pg.sessions() as session:
        document = session.get(OutgoingDocument, document_id)
        assert (document.state, document.notation) == (State.ISSUED, "1/UBND-VX")
        assert pg.runtime.open_tasks(session, document.process_instance_id, ISSUE) == []
        issued_file = document.issued_file_id
    download = client.get(f"/outgoing/{document_id}/issue-files/{issued_file}")
    assert download.status_code == 200 and download.content.startswith(b"%PDF")


def test_a_refused_issue_comes_back_on_the_task_page_with_the_reason(pg, office, person_signed_pdf, client):
    document_id = at_issue_step(pg, office.staff, office.head, office.clerk, office.leader, person_signed_pdf)
    with unit_of_work(pg.sessions) as session:
        session.get(OrgUnit, office.unit_id).abbreviation = None
    page_login(client, "a.clerk")
    shown = client.get(f"/tasks/{issue_task_id(pg, document_id)}")
    assert "chưa có chữ viết tắt" in shown.text  # the preview says what to set before issuing
    refused = client.post(f"/outgoing/{document_id}/issue", data={"csrf_token": csrf_of(shown.text)})
    assert refused.status_code == 422
    assert "Đơn vị «Phòng Văn hóa - Xã hội» chưa có chữ viết tắt" in refused.text
    with pg.sessions() as session:
        assert session.get(OutgoingDocument, document_id).number is None


def test_the_api_issues_and_denies(pg, office, person_signed_pdf, client):
    document_id = at_issue_step(pg, office.staff, office.head, office.clerk, office.leader, person_signed_pdf)
    clerk = bearer(client, "a.clerk")
    preview = client.get(f"/api/outgoing/{document_id}/issue", headers=clerk)
    assert preview.json() == {"next_number": 1, "notation": "1/UBND-VX", "problem": None}
    assert client.post(f"/api/outgoing/{document_id}/issue", headers=bearer(client, "b.clerk")).status_code == 404
    for wrong in ("a.staff", "a.leader"):
        assert client.post(f"/api/outgoing/{document_id}/issue", headers=bearer(client, wrong)).status_code == 403
        assert client.get(f"/api/outgoing/{document_id}/issue", headers=bearer(client, wrong)).status_code == 403
    issued = client.post(f"/api/outgoing/{document_id}/issue", headers=clerk)
    assert issued.status_code == 200, issued.text
    body = issued.json()
    assert (body["number"], body["notation"], body["state"]) == (1, "1/UBND-VX", "issued")
    assert body["identifier"].startswith(f"{A},") and body["identifier"].endswith(",1/UBND-VX")
    assert body["issued_at"].endswith("+07:00")
    again = client.post(f"/api/outgoing/{document_id}/issue", headers=clerk)
    assert again.status_code == 409


def test_the_admin_sets_the_abbreviations(pg, office, client):
    page_login(client, "a.admin")
    form = client.get("/admin/agency")
    assert 'name="abbreviation"' in form.text and 'value="UBND"' in form.text
    saved = client.post("/admin/agency/abbreviation", data={"abbreviation": "UBNDH", "csrf_token": csrf_of(form.text)},
                        follow_redirects=False)
    assert saved.status_code == 303
    bad = client.post("/admin/agency/abbreviation", data={"abbreviation": "UB ND", "csrf_token": csrf_of(form.text)})
    assert bad.status_code == 422 and "Chữ viết tắt gồm tối đa 30" in bad.text
    units = client.get("/admin/units")
    unit_saved = client.post(f"/admin/units/{office.unit_id}/abbreviation",
                             data={"abbreviation": "VHXH", "csrf_token": csrf_of(units.text)}, follow_redirects=False)
    assert unit_saved.status_code == 303
    assert "VHXH" in client.get("/admin/units").text
    with pg.sessions() as session:
        assert session.get(Agency, office.agency_id).abbreviation == "UBNDH"
        assert session.get(OrgUnit, office.unit_id).abbreviation == "VHXH"
        actions = session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("%abbreviation_set"))).all()
        assert sorted(actions) == ["agency.abbreviation_set", "unit.abbreviation_set"]


def test_the_abbreviation_api_is_for_the_admin_of_the_agency(pg, office, client):
    admin = bearer(client, "a.admin")
    done = client.put("/api/agency/abbreviation", json={"abbreviation": "TTĐT"}, headers=admin)
    assert done.status_code == 200 and done.json()["abbreviation"] == "TTĐT"
    assert client.put("/api/agency/abbreviation", json={"abbreviation": "X-Y"}, headers=admin).status_code == 422
    assert client.put("/api/agency/abbreviation", json={"abbreviation": "UB"},
                      headers=bearer(client, "a.clerk")).status_code == 403
    with unit_of_work(pg.sessions) as session:
        unit = OrgUnit(agency_id=office.b_agency_id, name="Phòng B")
        session.add(unit)
        session.flush()
        other_unit = unit.id
    assert client.put(f"/api/agency/units/{other_unit}/abbreviation", json={"abbreviation": "B"},
                      headers=admin).status_code == 404
    cleared = client.put(f"/api/agency/units/{office.unit_id}/abbreviation", json={"abbreviation": ""}, headers=admin)
    assert cleared.status_code == 200 and cleared.json()["abbreviation"] is None
