"""The tracking through HTTP: the JSON of each recipient, the panel on the outgoing document's
page, the clerk's paper desk with its "sent" button (CSRF, once), the unit's list; denials."""
from __future__ import annotations

from typing import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tasks import inline
from tests.api.conftest import csrf_of, get_token, page_login

from .delivery_fixtures import B, issue, world  # noqa: F401  (the fixture)


@pytest.fixture
def client(world) -> Iterator[TestClient]:
    with TestClient(create_app(world.system, start_worker=False)) as test_client:
        yield test_client


def bearer(client, username):
    return {"Authorization": f"Bearer {get_token(client, username)}"}


@pytest.fixture
def sent(world):
    document_id = issue(world, reply_by=None, recipients=[
        {"agency": B}, {"external": ("000.00.00.G01", "Văn phòng Chính phủ"), "paper": True},
        {"unit": world.units["a.unit"]}])
    inline.drain(world.system)
    return document_id


def test_recipients_json_for_the_clerk_and_denials(client, sent):
    response = client.get(f"/api/outgoing/{sent}/recipients", headers=bearer(client, "a.clerk"))
    assert response.status_code == 200, response.text
    rows = response.json()
    assert [(r["kind"], r["name"], r["status"], r["status_name"], r["paper"], r["interchange_state"]) for r in rows] == [
        ("agency", "Cơ quan B", "01", "arrived", False, None),
        ("external", "Văn phòng Chính phủ", None, None, True, "pending"),
        ("unit", "Phòng Kinh tế", None, None, False, None)]
    assert [h["code"] for h in rows[0]["history"]] == ["01"]
    assert rows[0]["status_at"].endswith("+07:00")
    # Another agency: as if absent; a member of the agency who is neither drafter, clerk nor leader: 403.
    assert client.get(f"/api/outgoing/{sent}/recipients", headers=bearer(client, "b.clerk")).status_code == 404
    assert client.get(f"/api/outgoing/{sent}/recipients", headers=bearer(client, "a.outsider")).status_code == 403
    assert client.get(f"/api/outgoing/{sent}/recipients").status_code == 401


def test_paper_copy_marked_sent_once_through_the_api(client, sent):
    clerk = bearer(client, "a.clerk")
    copies = client.get("/api/outgoing/paper", headers=clerk).json()
    assert [(c["document_id"], c["recipient"]) for c in copies] == [(sent, "Văn phòng Chính phủ")]
    path = f"/api/outgoing/{sent}/recipients/{copies[0]['recipient_id']}/paper-sent"
    assert client.post(path, headers=bearer(client, "a.staff")).status_code == 403
    assert client.post(path, headers=bearer(client, "b.clerk")).status_code == 404
    done = client.post(path, headers=clerk)
    assert done.status_code == 200 and done.json()["paper_sent_at"].endswith("+07:00")
    assert client.post(path, headers=clerk).status_code == 409
    assert client.get("/api/outgoing/paper", headers=clerk).json() == []
    assert client.get("/api/outgoing/paper", headers=bearer(client, "a.staff")).status_code == 403
    waiting = client.get("/api/outgoing/interchange", headers=clerk).json()
    assert [(m["state"], m["payload"]["recipient"]["name"]) for m in waiting] == [("pending", "Văn phòng Chính phủ")]


def test_the_paper_desk_page_and_its_button(client, sent):
    page_login(client, "a.clerk")
    desk = client.get("/outgoing/paper")
    assert desk.status_code == 200
    assert "Văn phòng Chính phủ" in desk.text and "Đã gửi bản giấy" in desk.text
    assert "Chờ gửi qua trục liên thông" in desk.text
    recipient_id = client.get(f"/api/outgoing/{sent}/recipients", headers=bearer(client, "a.clerk")).json()[1]["id"]
    action = f"/outgoing/{sent}/recipients/{recipient_id}/paper-sent"
    assert client.post(action, data={"back": "paper"}, follow_redirects=False).status_code == 403  # no CSRF token
    done = client.post(action, data={"back": "paper", "csrf_token": csrf_of(desk.text)}, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/outgoing/paper")
    assert "Không còn bản giấy nào cần gửi." in client.get("/outgoing/paper").text


def test_the_unit_finds_it_in_its_list_and_reads_the_issued_file(client, sent):
    page_login(client, "a.staff")
    listed = client.get("/outgoing/internal")
    assert listed.status_code == 200 and f"/outgoing/internal/{sent}/file" in listed.text
    file = client.get(f"/outgoing/internal/{sent}/file")
    assert file.status_code == 200 and file.content.startswith(b"%PDF")
    assert client.get("/api/outgoing/internal", headers=bearer(client, "a.staff")).json()[0]["id"] == sent


def test_another_unit_does_not_read_it(client, sent):
    page_login(client, "a.outsider")
    assert "Chưa có văn bản nào" in client.get("/outgoing/internal").text
    assert client.get(f"/outgoing/internal/{sent}/file").status_code == 404


def test_the_tracking_panel_on_the_document_page(client, sent):
    page_login(client, "a.clerk")
    shown = client.get(f"/outgoing/{sent}")
    assert shown.status_code == 200, shown.text[:2000]
    panel = shown.text.split('id="tracking"', 1)[1].split("</section>", 1)[0]
    assert "Cơ quan B" in panel and "Đã đến" in panel
    assert "Chờ gửi qua trục liên thông" in panel and "Đã chuyển đơn vị" in panel
    assert f'action="/outgoing/{sent}/recipients/' in panel  # the clerk's "sent" button for the paper copy
