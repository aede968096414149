"""The 5xx answers found by fuzzing the API, each a 4xx now (on PostgreSQL, where they were found):
ids and offsets past 2^63, dates whose next day or UTC moment leaves the calendar, values longer
than their column, JSON nested too deeply."""
from __future__ import annotations

import json
from typing import Callable

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import complete, distribution_to, document_id, notice_diagram, only_task, register_incoming

PAST_BIGINT = 2**63  # one more than PostgreSQL's bigint holds
HEADERS = Callable[[str], dict[str, str]]
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"


@pytest.mark.parametrize("method, path", [
    ("get", "/api/incoming/{big}"),
    ("get", "/api/incoming/1/files/{big}"),
    ("post", "/api/incoming/{big}/accept"),
    ("delete", "/api/incoming/1/related/{big}"),
    ("get", "/api/tasks/{big}"),
    ("post", "/api/tasks/{big}/claim"),
    ("get", "/api/process-instances/{big}"),
    ("get", "/api/process-definitions/{big}/xml"),
    ("get", "/api/outgoing/drafts/{big}"),
])
def test_an_id_past_bigint_in_the_path_is_422(client: TestClient, api: HEADERS, province: dict, method: str,
                                              path: str) -> None:
    response = client.request(method, path.format(big=PAST_BIGINT), headers=api("a.leader"))
    assert response.status_code == 422, response.text


def test_an_id_past_bigint_in_a_body_is_422(client: TestClient, api: HEADERS, province: dict) -> None:
    response = client.post("/api/incoming/1/related", headers=api("a.leader"), json={"related_id": PAST_BIGINT})
    assert response.status_code == 422, response.text
    assert "related_id" in response.json()["error"]["errors"]


def test_an_offset_past_bigint_is_422(client: TestClient, api: HEADERS, province: dict) -> None:
    response = client.get(f"/api/incoming?offset={PAST_BIGINT}", headers=api("a.leader"))
    assert response.status_code == 422, response.text
    assert "offset" in response.json()["error"]["errors"]


@pytest.mark.parametrize("query", ["received_to=9999-12-31", "received_from=0001-01-01",
                                   "received_from=9999-12-31&received_to=9999-12-31"])
def test_a_search_date_at_the_end_of_the_calendar_is_422(client: TestClient, api: HEADERS, province: dict,
                                                         query: str) -> None:
    response = client.get(f"/api/incoming?{query}", headers=api("a.leader"))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"] == "Ngày phải nằm trong các năm 1900–2999."


def test_the_last_day_of_the_allowed_years_is_searched(client: TestClient, api: HEADERS, province: dict) -> None:
    response = client.get("/api/incoming?received_from=1900-01-01&received_to=2999-12-31", headers=api("a.leader"))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("deadline", ["9999-12-31T23:59:59-12:00", "9999-12-31T23:59:59+00:00",
                                      "0001-01-01T00:00:00+14:00"])
def test_a_deadline_at_the_end_of_the_calendar_is_422(client: TestClient, api: HEADERS, province: dict,
                                                      deadline: str) -> None:
    instance = register_incoming(client, api("a.clerk"))
    complete(client, api("a.leader"), only_task(instance, "distribute")["id"], distribution_to(province["a.staff"]))
    response = client.post(f"/api/incoming/{document_id(instance)}/extend", headers=api("a.leader"),
                           json={"deadline": deadline, "reason": "Gia hạn"})
    assert response.status_code == 422, response.text
    assert "deadline" in response.json()["error"]["errors"]


@pytest.mark.parametrize("field, value", [("lead_unit_id", 10**60), ("lead_user_id", 10**60),
                                          ("coordinators", [10**60])])
def test_a_candidate_longer_than_its_column_is_422(client: TestClient, api: HEADERS, province: dict, field: str,
                                                   value: object) -> None:
    """A unit or person id becomes the task's candidate text (50 and 100 characters on PostgreSQL)."""
    instance = register_incoming(client, api("a.clerk"))
    data = distribution_to(province["a.staff"]) | {field: value}
    response = client.post(f"/api/tasks/{only_task(instance, 'distribute')['id']}/complete",
                           headers=api("a.leader"), json={"data": data})
    assert response.status_code == 422, response.text
    assert any(name.split(".")[0] == field for name in response.json()["error"]["errors"])


def test_a_sent_reference_longer_than_the_audit_column_is_looked_up(client: TestClient, api: HEADERS,
                                                                    province: dict) -> None:
    response = client.get(f"/api/sent/{'R' * 200}/statuses", headers=api("a.clerk"))
    assert response.status_code == 200, response.text
    assert response.json() == []


def test_metadata_nested_too_deeply_is_422(client: TestClient, api: HEADERS, province: dict) -> None:
    response = client.post("/api/incoming", headers=api("a.clerk"),
                           data={"metadata": "[" * 100_000, "channel": "manual"})
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("urgency", ["khẩn", 10**30, 2**31, [1]])
def test_metadata_urgency_is_one_of_its_levels(client: TestClient, api: HEADERS, province: dict,
                                               urgency: object) -> None:
    metadata = {"issuer_name": "UBND tỉnh", "number_notation": "1/UBND", "document_date": "2026-11-20",
                "doc_type": "Công văn", "subject": "Về việc thử", "urgency": urgency}
    response = client.post("/api/incoming", headers=api("a.clerk"),
                           data={"metadata": json.dumps(metadata, ensure_ascii=False), "channel": "manual"})
    assert response.status_code == 422, response.text
    assert "urgency" in response.json()["error"]["errors"]


def properties_diagram() -> bytes:
    """The notice diagram with task properties taken from the start data, as a diagram may."""
    properties = "".join(f'<spiffworkflow:property name="{name}" value="data.get(\'{key}\')"/>'
                         for name, key in (("urgency", "urgency"), ("candidateUnit", "unit"),
                                           ("candidateUser", "user"), ("dueDate", "due")))
    extension = (f"<bpmn:extensionElements><spiffworkflow:properties>{properties}"
                 "</spiffworkflow:properties></bpmn:extensionElements>")
    xml = notice_diagram().decode()
    xml = xml.replace("<bpmn:definitions ", f'<bpmn:definitions xmlns:spiffworkflow="{SPIFF}" ', 1)
    incoming = "<bpmn:incoming>f1</bpmn:incoming>"  # only the user task's
    return xml.replace(incoming, extension + incoming, 1).encode()


@pytest.mark.parametrize("data, refused", [
    ({"urgency": "khẩn"}, True), ({"urgency": [1]}, True), ({"urgency": 10**30}, False), ({"urgency": 2**31}, False),
    ({"unit": "9" * 51}, True), ({"user": "u" * 101}, True), ({"due": "ngày mai"}, True),
    ({"due": "P99999999Y"}, True), ({"due": "9999-12-31T23:59:59-12:00"}, True), ({"due": "P10Y"}, False),
])
def test_task_properties_a_started_process_cannot_store_are_refused(client: TestClient, api: HEADERS, province: dict,
                                                                    data: dict, refused: bool) -> None:
    """Urgency that is no level, candidates longer than their columns, a due date that is no
    date or is centuries away (which Spiff would count out month by month for minutes): 422, the
    process not started. A huge urgency may be refused or taken as the highest."""
    admin = api("a.process_admin")
    deployed = client.post("/api/process-definitions", headers=admin,
                           files={"file": ("notice.bpmn", properties_diagram(), "application/xml")})
    assert deployed.status_code == 201, deployed.text
    response = client.post("/api/process-instances", headers=admin, json={"key": "notice", "data": data})
    assert response.status_code == 422 if refused else response.status_code in (201, 422), response.text


def test_every_id_offset_and_text_parameter_is_bounded(app) -> None:
    """What keeps the cases above from coming back in a new route: no integer path or query
    parameter without a maximum, no text one without a length, a pattern or a format."""
    unbounded = []
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] not in ("path", "query"):
                    continue
                for schema in parameter["schema"].get("anyOf", [parameter["schema"]]):
                    kind = schema.get("type")
                    if (kind == "integer" and "maximum" not in schema) or (
                            kind == "string" and not {"maxLength", "enum", "pattern", "format"} & set(schema)):
                        unbounded.append(f"{method.upper()} {path} {parameter['name']}")
    assert unbounded == []
