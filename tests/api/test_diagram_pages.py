"""The process admin's diagram pages over HTTP: who may see and deploy (a clerk: 403; another
agency's diagram: 404), deploying and checking from the modeler (JSON answers, a refusal that
names its element in Vietnamese and stores nothing), the XML download and the diff page."""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from documents import processes
from engine.db import unit_of_work
from engine.models import ProcessDefinition
from tests.api.conftest import AGENCY_A, csrf_of

ROOT = Path(__file__).resolve().parents[2]
INCOMING = (ROOT / "bpmn" / "incoming.bpmn").read_text(encoding="utf-8")
OLD_TIMER = "<bpmn:timeDate>data.get('deadline') or handling_due(data.get('received_at') or now().isoformat(), data.get('doc_type'), data.get('urgency'))</bpmn:timeDate>"
JSON = {"Accept": "application/json"}


def with_timer(expression: str) -> str:
    assert OLD_TIMER in INCOMING
    return INCOMING.replace(OLD_TIMER, f"<bpmn:timeDate>{expression}</bpmn:timeDate>")


def own_versions(system, agency: str = AGENCY_A) -> list[int]:
    with unit_of_work(system.sessions) as session:
        return list(session.scalars(sa.select(ProcessDefinition.version).where(ProcessDefinition.scope == agency)))


def deployed_for_a(system, province) -> int:
    with unit_of_work(system.sessions) as session:
        xml = with_timer("'2030-01-01T08:00:00+07:00'").encode()
        return processes.deploy(session, system.runtime, province["a.process_admin"], xml).id


def send(page, xml: str, action: str = "deploy", csrf: str | None = None, headers=JSON):
    token = csrf if csrf is not None else csrf_of(page.get("/diagrams/new").text)
    return page.post("/diagrams/deploy", data={"csrf_token": token, "action": action},
                     files={"file": ("diagram.bpmn", xml.encode(), "application/xml")}, headers=headers)


def default_incoming(system) -> int:
    with unit_of_work(system.sessions) as session:
        return session.scalar(sa.select(ProcessDefinition.id).where(ProcessDefinition.scope == "default",
                                                                   ProcessDefinition.key == "incoming"))


def test_the_process_admin_sees_each_flow_with_its_versions_and_running_counts(browser, system, province):
    own = deployed_for_a(system, province)
    page = browser("a.process_admin")
    response = page.get("/diagrams")
    assert response.status_code == 200
    assert "Quy trình của cơ quan" in response.text and "<code>incoming</code>" in response.text
    for definition in (own, default_incoming(system)):
        assert f'href="/instances?definition={definition}"' in response.text
        assert f'href="/diagrams/{definition}/edit"' in response.text
        assert f'href="/diagrams/{definition}/xml"' in response.text
    assert 'href="/diagrams/incoming/diff?from=d1&amp;to=1"' in response.text


@pytest.mark.parametrize("path", ["/diagrams", "/diagrams/new", "/diagrams/{id}/edit", "/diagrams/{id}/xml",
                                  "/diagrams/incoming/diff"])
def test_a_clerk_is_refused_every_diagram_page(browser, system, province, path):
    page = browser("a.clerk")
    assert page.get(path.format(id=default_incoming(system))).status_code == 403


def test_a_clerk_cannot_deploy_even_with_the_csrf_token(browser, system, province):
    page = browser("a.clerk")
    token = csrf_of(page.get("/tasks").text)
    response = send(page, INCOMING, csrf=token)
    assert response.status_code == 403
    assert own_versions(system) == []


def test_another_agencys_diagram_is_not_found(browser, system, province):
    own = deployed_for_a(system, province)
    page = browser("b.process_admin")
    assert page.get(f"/diagrams/{own}/edit").status_code == 404
    assert page.get(f"/diagrams/{own}/xml").status_code == 404
    assert page.get("/diagrams/incoming/diff?from=d1&to=1").status_code == 404  # B has no version 1 of its own
    assert f"/diagrams/{own}/" not in page.get("/diagrams").text


def test_deploying_without_the_csrf_token_is_refused(browser, system, province):
    page = browser("a.process_admin")
    response = send(page, INCOMING, csrf="")
    assert response.status_code == 403
    assert own_versions(system) == []


def test_the_modeler_deploys_a_new_version_audited(browser, system, province):
    page = browser("a.process_admin")
    response = send(page, with_timer("'2030-01-01T08:00:00+07:00'"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ok"] and body["new"] and body["version"] == 1
    assert body["edit"] == f"/diagrams/{body['id']}/edit"
    assert own_versions(system) == [1]
    from documents.models import AuditEvent
    with unit_of_work(system.sessions) as session:
        assert session.scalar(sa.select(AuditEvent.action).where(AuditEvent.object_id == str(body["id"]),
                                                                 AuditEvent.action == "process.deployed"))
    again = send(page, with_timer("'2030-01-01T08:00:00+07:00'")).json()
    assert again["ok"] and not again["new"] and own_versions(system) == [1]


def test_a_refused_diagram_names_its_element_in_vietnamese_and_stores_nothing(browser, system, province):
    page = browser("a.process_admin")
    response = send(page, with_timer("__import__('os').system('id')"))
    assert response.status_code == 422
    body = response.json()
    assert body["ok"] is False and body["element_id"] == "handle_overdue"
    assert body["message"].startswith("Không triển khai được sơ đồ. Phần tử «handle_overdue»: biểu thức hẹn giờ")
    assert own_versions(system) == []


def test_a_timer_cycle_under_a_minute_is_refused_on_its_element(browser, system, province):
    xml = INCOMING.replace(OLD_TIMER, "<bpmn:timeCycle>'R3/PT10S'</bpmn:timeCycle>")
    body = send(browser("a.process_admin"), xml).json()
    assert body["element_id"] == "handle_overdue"
    assert "lặp lại dày hơn mỗi 60 giây" in body["message"]


def test_checking_without_deploying_stores_nothing(browser, system, province):
    page = browser("a.process_admin")
    body = send(page, with_timer("'2030-01-01T08:00:00+07:00'"), action="validate").json()
    assert body == {"ok": True, "message": "Sơ đồ hợp lệ: triển khai được. Chưa có gì được lưu."}
    assert own_versions(system) == []
    refused = send(page, with_timer("data.__class__"), action="validate")
    assert refused.status_code == 422 and refused.json()["element_id"] == "handle_overdue"


def test_without_javascript_an_uploaded_file_is_deployed_or_the_refusal_shown(browser, system, province):
    page = browser("a.process_admin")
    refused = send(page, with_timer("data.__class__"), headers={})
    assert refused.status_code == 422 and "handle_overdue" in refused.text and 'role="alert"' in refused.text
    done = send(page, with_timer("'2030-01-01T08:00:00+07:00'"), headers={})
    assert done.status_code == 303 and done.headers["location"].startswith("/diagrams?deployed=")
    assert "Đã triển khai phiên bản 1." in page.get(done.headers["location"]).text


def test_the_xml_of_a_version_downloads_with_the_session(browser, system, province):
    page = browser("a.process_admin")
    response = page.get(f"/diagrams/{default_incoming(system)}/xml")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="incoming-v1.bpmn"'
    assert response.text == INCOMING


def test_the_diff_page_shows_the_two_versions(browser, system, province):
    own = deployed_for_a(system, province)
    page = browser("a.process_admin")
    response = page.get("/diagrams/incoming/diff?from=d1&to=1")
    assert response.status_code == 200
    assert f'data-xml-url="/diagrams/{default_incoming(system)}/xml"' in response.text
    assert f'data-xml-url="/diagrams/{own}/xml"' in response.text
    assert page.get("/diagrams/incoming/diff?from=7&to=1").status_code == 404
    assert page.get("/diagrams/incoming/diff?from=x&to=1").status_code == 422


def test_a_new_flow_starts_from_a_diagram_the_engine_accepts(browser, system, province):
    page = browser("a.process_admin")
    assert page.get("/diagrams/new").status_code == 200
    blank = (ROOT / "api" / "frontend" / "src" / "modeler" / "blank.js").read_text(encoding="utf-8")
    xml = blank.split("`")[1]
    body = send(page, xml, action="validate").json()
    assert body["ok"], body
