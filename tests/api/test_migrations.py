"""Moving running instances to a newer version over HTTP and through the page: process admins of
the agency only, the preview showing where tasks land, refusals naming the element with nothing
changed, the move audited, and the page's explicit "Di chuyển" with a reason and CSRF."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from documents.audit import AuditEvent
from engine.models import HistoryEntry, ProcessInstance
from tests.api.conftest import csrf_of, notice_diagram, snapshot

GONE = notice_diagram().replace(b'id="read"', b'id="acknowledge"').replace(b'"read"', b'"acknowledge"') \
    .replace(b'targetRef="read"', b'targetRef="acknowledge"').replace(b'sourceRef="read"', b'sourceRef="acknowledge"')


def deploy(client, api, xml: bytes) -> dict:
    response = client.post("/api/process-definitions", headers=api("a.process_admin"),
                           files={"file": ("notice.bpmn", xml, "application/xml")})
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def running(client, api, province) -> dict:
    """Three instances of agency A's 'notice' version 1 waiting at 'read', and a version 2 that
    only renames the task."""
    v1 = deploy(client, api, notice_diagram())
    ids = []
    for n in range(3):
        started = client.post("/api/process-instances", headers=api("a.process_admin"),
                              json={"key": "notice", "business_key": f"TB-{n}"})
        assert started.status_code == 201, started.text
        ids.append(started.json()["id"])
    v2 = deploy(client, api, notice_diagram("Đọc và xác nhận"))
    return {"v1": v1["id"], "v2": v2["id"], "instances": ids}


def definitions_of(system, ids):
    with system.sessions() as session:
        return [session.get(ProcessInstance, i).definition_id for i in ids]


def test_the_preview_shows_where_each_waiting_task_lands(client, api, system, running):
    before = snapshot(system)
    response = client.post(f"/api/process-definitions/{running['v1']}/migration-preview",
                           headers=api("a.process_admin"), json={"target_definition_id": running["v2"]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["source_version"], body["target_version"], body["movable"]) == (1, 2, True)
    assert [i["instance_id"] for i in body["instances"]] == running["instances"]
    task, = body["instances"][0]["tasks"]
    assert (task["element"], task["state"], task["lands_on"]) == ("read", "READY", "read")
    assert "bpmn_name" in task["changed"]
    assert snapshot(system) == before


def test_the_move_is_applied_audited_and_the_instances_go_on_on_the_new_version(client, api, system, province,
                                                                                 running):
    preview = client.post(f"/api/process-definitions/{running['v1']}/migration-preview",
                          headers=api("a.process_admin"), json={"target_definition_id": running["v2"]}).json()
    expected = [{"instance_id": i["instance_id"], "version": i["version"]} for i in preview["instances"]]
    moved = client.post(f"/api/process-definitions/{running['v1']}/migrate", headers=api("a.process_admin"),
                        json={"target_definition_id": running["v2"], "reason": "Sửa tên bước", "expected": expected})
    assert moved.status_code == 200, moved.text
    assert definitions_of(system, running["instances"]) == [running["v2"]] * 3
    with system.sessions() as session:
        audit = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "process.migrated"))
        assert audit.after["instances"] == running["instances"] and audit.after["reason"] == "Sửa tên bước"
        assert audit.actor_id == province["a.process_admin"].user_id
        migrated = session.scalars(sa.select(HistoryEntry).where(HistoryEntry.action == "migrated")).all()
        assert len(migrated) == 3 and migrated[0].data["to_version"] == 2
    shown = client.get(f"/api/process-instances/{running['instances'][0]}", headers=api("a.process_admin")).json()
    assert shown["tasks"][0]["title"] == "Đọc và xác nhận"
    versions = client.get("/api/process-versions", headers=api("a.process_admin")).json()
    assert {v["id"]: v["running"] for v in versions if v["key"] == "notice"} == {running["v1"]: 0, running["v2"]: 3}


def test_a_version_without_the_waiting_task_is_refused_naming_it(client, api, system, running):
    v3 = deploy(client, api, GONE)["id"]
    before = snapshot(system)
    refused = client.post(f"/api/process-definitions/{running['v1']}/migrate", headers=api("a.process_admin"),
                          json={"target_definition_id": v3, "reason": "Bỏ bước đọc"})
    assert refused.status_code == 422, refused.text
    errors = refused.json()["error"]["errors"]
    assert set(errors) == {f"instance {i}" for i in running["instances"]}
    assert all("'read'" in reason for reason in errors.values())
    preview = client.post(f"/api/process-definitions/{running['v1']}/migration-preview",
                          headers=api("a.process_admin"), json={"target_definition_id": v3}).json()
    refusal, = preview["instances"][0]["refusals"]
    assert (refusal["kind"], refusal["element"], refusal["other"]) == ("renamed", "read", "acknowledge")
    assert snapshot(system) == before
    assert definitions_of(system, running["instances"]) == [running["v1"]] * 3


def test_an_instance_changed_since_the_preview_makes_the_move_a_conflict(client, api, system, running):
    preview = client.post(f"/api/process-definitions/{running['v1']}/migration-preview",
                          headers=api("a.process_admin"), json={"target_definition_id": running["v2"]}).json()
    # As the preview would have read it one step earlier.
    stale = [{"instance_id": i["instance_id"], "version": i["version"] - 1} for i in preview["instances"]]
    before = snapshot(system)
    moved = client.post(f"/api/process-definitions/{running['v1']}/migrate", headers=api("a.process_admin"),
                        json={"target_definition_id": running["v2"], "reason": "Thử", "expected": stale})
    assert moved.status_code == 409, moved.text
    assert snapshot(system) == before
    assert definitions_of(system, running["instances"]) == [running["v1"]] * 3


def test_a_cancelled_instance_is_no_longer_movable(client, api, system, running):
    first = running["instances"][0]
    assert client.post(f"/api/process-instances/{first}/cancel", headers=api("a.leader"),
                       json={"reason": "Thôi"}).status_code == 200
    moved = client.post(f"/api/process-definitions/{running['v1']}/migrate", headers=api("a.process_admin"),
                        json={"target_definition_id": running["v2"], "reason": "Thử", "instance_ids": [first]})
    assert moved.status_code == 422 and str(first) in moved.json()["error"]["message"]
    assert definitions_of(system, [first]) == [running["v1"]]


def test_a_process_admin_of_another_agency_gets_404_and_staff_403(client, api, system, running):
    before = snapshot(system)
    for path in ("migration-preview", "migrate"):
        url = f"/api/process-definitions/{running['v1']}/{path}"
        body = {"target_definition_id": running["v2"], "reason": "Thử"}
        assert client.post(url, headers=api("b.process_admin"), json=body).status_code == 404
        assert client.post(url, headers=api("a.staff"), json=body).status_code == 403
    assert client.get("/api/process-versions", headers=api("a.staff")).status_code == 403
    assert running["v1"] not in {v["id"] for v in client.get("/api/process-versions",
                                                             headers=api("b.process_admin")).json()}
    assert snapshot(system) == before


def test_the_page_previews_then_moves_with_a_reason_and_csrf(browser, system, running):
    admin = browser("a.process_admin")
    listing = admin.get("/migrations")
    assert listing.status_code == 200
    assert 'href="/migrations"' in listing.text
    assert "Thông báo · phiên bản 1" in listing.text  # picked by name and version
    shown = admin.get("/migrations", params={"source": running["v1"], "target": running["v2"]})
    assert shown.status_code == 200
    assert re.search(r"Đọc thông báo <code>read</code> → <code>read</code>", shown.text)
    assert "TB-0" in shown.text and "Di chuyển" in shown.text
    form = {"source": running["v1"], "target": running["v2"], "reason": "Đổi tên bước",
            "expected": re.findall(r'name="expected" value="([0-9:]+)"', shown.text)}
    assert len(form["expected"]) == 3
    assert admin.post("/migrations/move", data={**form, "csrf_token": "forged"}).status_code == 403
    stale = admin.post("/migrations/move", data={**form, "csrf_token": csrf_of(shown.text),
                                                  "expected": [f"{i}:1" for i in running["instances"]]})
    assert stale.status_code == 409 and "vừa thay đổi sau khi xem trước" in stale.text
    assert definitions_of(system, running["instances"]) == [running["v1"]] * 3
    done = admin.post("/migrations/move", data={**form, "csrf_token": csrf_of(shown.text)})
    assert done.status_code == 303, done.text
    assert definitions_of(system, running["instances"]) == [running["v2"]] * 3
    after = admin.get(done.headers["location"])
    assert "Đã di chuyển 3 hồ sơ sang phiên bản 2." in after.text

    staff = browser("a.staff")
    assert 'href="/migrations"' not in staff.get("/tasks").text
    assert staff.get("/migrations").status_code == 403


def test_the_page_shows_refusals_and_offers_no_move(browser, client, api, running):
    v3 = deploy(client, api, GONE)["id"]
    admin = browser("a.process_admin")
    shown = admin.get("/migrations", params={"source": running["v1"], "target": v3})
    assert shown.status_code == 200
    assert "Không di chuyển được" in shown.text
    assert "Bước «read» đang chờ nhưng phiên bản 3 không có bước cùng mã (ở vị trí đó chỉ có «acknowledge»)" \
        in shown.text
    assert 'action="/migrations/move"' not in shown.text
    admin.get("/lang/en")
    english = admin.get("/migrations", params={"source": running["v1"], "target": v3})
    assert "Cannot move" in english.text
    assert "Step “read” is waiting and version 3 has no step with that id (only “acknowledge” in its place)." \
        in english.text
