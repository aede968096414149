"""Issue 9 item 10 over HTTP: the people and units told for information read the document and find
it in their own list (GET /api/incoming/informed, the page /incoming/informed), unread first and
read once opened; a coordinator named as a person answers their own task and shows in the
summary; a unit with no head is refused at its field (422) and marked in the distribution dialog."""
from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from documents import accounts
from documents.models import Agency
from engine.db import unit_of_work
from tests.api.conftest import AGENCY_A, METADATA, complete, distribution_to
from tests.api.test_document_summary import section, text_of
from tests.conftest import PASSWORD

HEADLESS = ("Phòng Tổng hợp chưa có lãnh đạo phòng trên hệ thống: chọn người chủ trì/phối hợp cụ thể hoặc "
            "đơn vị khác.")


@pytest.fixture
def office(people, system) -> dict:
    """Agency A's Phòng Kinh tế (unit_head, staff, staff2) plus Phòng Tổng hợp, whose only person
    is a.general (no head), and Phòng Pháp chế with a.jurist."""
    with unit_of_work(system.sessions) as session:
        agency = session.scalar(sa.select(Agency).where(Agency.code == AGENCY_A))
        for unit_name, username, name in (("Phòng Tổng hợp", "a.general", "Trần Tổng Hợp"),
                                          ("Phòng Pháp chế", "a.jurist", "Lê Pháp Chế")):
            unit = accounts.create_unit(session, agency, unit_name)
            user = accounts.create_user(session, agency, username, name, PASSWORD, ["staff"], unit=unit)
            people[username] = accounts.identity_of(session, user)
    return people


def register(client, api, notation: str = "123/UBND-VX") -> int:
    response = client.post("/api/incoming", headers=api("a.clerk"), data={
        "metadata": json.dumps({**METADATA, "number_notation": notation}, ensure_ascii=False),
        "channel": "manual", "allow_duplicate": "true"})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def distribute_task(client, api, document_id: int) -> int:
    shown = client.get(f"/api/incoming/{document_id}", headers=api("a.leader")).json()
    (task,) = [t for t in shown["open_tasks"] if t["name"] == "distribute"]
    return task["id"]


def distributed(client, api, office, notation: str = "123/UBND-VX", **fields) -> int:
    document_id = register(client, api, notation)
    complete(client, api("a.leader"), distribute_task(client, api, document_id),
             {**distribution_to(office["a.staff"]), **fields})
    return document_id


def informed_list(client, api, who: str) -> list[dict]:
    response = client.get("/api/incoming/informed", headers=api(who))
    assert response.status_code == 200, response.text
    return response.json()


# --------------------------------------------------------------------------- for information

def test_those_told_for_information_read_it_and_find_it_in_their_list(client, api, browser, office):
    told = distributed(client, api, office, for_information=[office["a.staff2"].user_id],
                       informed_units=[office["a.general"].unit_id])
    for who in ("a.staff2", "a.general"):
        assert client.get(f"/api/incoming/{told}", headers=api(who)).status_code == 200, who
    # Not named: refused as before; another agency never learns the document exists.
    assert client.get(f"/api/incoming/{told}", headers=api("a.jurist")).status_code == 403
    assert client.get(f"/api/incoming/{told}", headers=api("b.staff")).status_code == 404

    (mine,) = informed_list(client, api, "a.staff2")
    assert (mine["document_id"], mine["subject"], mine["issuer_name"], mine["named_by"], mine["through_unit"]) == \
        (told, METADATA["subject"], METADATA["issuer_name"], "leader a", "")
    assert mine["seen_at"] is None and mine["named_at"].endswith("+07:00")
    (through_unit,) = informed_list(client, api, "a.general")
    assert through_unit["through_unit"] == "Phòng Tổng hợp"
    assert informed_list(client, api, "a.jurist") == [] and informed_list(client, api, "b.staff") == []

    # The page lists it, unread, with who sent it; another agency's person sees an empty list.
    page = browser("a.general").get("/incoming/informed")
    assert page.status_code == 200
    assert re.findall(r'<a href="([^"]+)" aria-current="page">', page.text) == ["/incoming/informed"]  # its menu entry
    (row,) = re.findall(r'<tr class="(unread|read)">(.*?)</tr>', page.text, re.S)
    assert row[0] == "unread"
    assert f'<a href="/incoming/{told}"><strong>{METADATA["subject"]}</strong></a>' in row[1]
    assert "leader a" in text_of(row[1]) and "gửi Phòng Tổng hợp" in text_of(row[1])
    assert 'id="informed-empty"' in browser("b.staff").get("/incoming/informed").text


def test_opening_the_document_marks_it_read_for_that_person_only(client, api, browser, office, clock):
    earlier = distributed(client, api, office, informed_units=[office["a.general"].unit_id])
    clock.advance(hours=1)
    later = distributed(client, api, office, "124/UBND-VX", for_information=[office["a.general"].user_id],
                        informed_units=[office["a.staff"].unit_id])
    assert [i["document_id"] for i in informed_list(client, api, "a.general")] == [later, earlier]

    clock.advance(hours=1)
    page = browser("a.general").get(f"/incoming/{later}")
    assert page.status_code == 200
    note = re.search(r'<p class="card informed-note" id="informed-note">(.*?)</p>', page.text, re.S)
    assert note and text_of(note.group(1)).startswith("Văn bản này được leader a chuyển cho bạn để biết")
    listed = informed_list(client, api, "a.general")
    assert [(i["document_id"], i["seen_at"] is None) for i in listed] == [(earlier, True), (later, False)]
    # A colleague told through the unit still has it unread; the API marks it read for them.
    (colleague,) = informed_list(client, api, "a.staff2")
    assert colleague["seen_at"] is None
    marked = client.post(f"/api/incoming/informed/{later}/seen", headers=api("a.staff2"))
    assert marked.status_code == 200 and marked.json()["seen_at"] is not None
    assert informed_list(client, api, "a.staff2")[0]["seen_at"] == marked.json()["seen_at"]
    # One not told of it may not even read it; another agency's person does not find it.
    assert client.post(f"/api/incoming/informed/{earlier}/seen", headers=api("a.staff2")).status_code == 403
    assert client.post(f"/api/incoming/informed/{later}/seen", headers=api("a.leader")).status_code == 404
    assert client.post(f"/api/incoming/informed/{later}/seen", headers=api("b.staff")).status_code == 404


# --------------------------------------------------------------------------- coordinators who are people

def test_a_person_coordinates_and_the_summary_names_them(client, api, browser, office):
    document_id = distributed(client, api, office, coordinator_people=[office["a.jurist"].user_id])
    (task,) = [t for t in client.get("/api/tasks", headers=api("a.jurist")).json() if t["name"] == "coordinate"]
    complete(client, api("a.jurist"), task["id"], {"opinion": "Đúng quy định pháp luật."})
    page = browser("a.leader").get(f"/incoming/{document_id}")
    facts = dict(re.findall(r"<dt>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", section(page.text, "summary"), re.S))
    assert text_of(facts["Phối hợp"]).startswith("Lê Pháp Chế Đúng quy định pháp luật. Lê Pháp Chế ·")
    assert "phối hợp: Lê Pháp Chế" in text_of(section(page.text, "history"))  # the distribution's line names them
    # Once answered, the coordinator still reads the document.
    assert client.get(f"/api/incoming/{document_id}", headers=api("a.jurist")).status_code == 200


# --------------------------------------------------------------------------- a unit without a head

@pytest.mark.parametrize("field", ["coordinators", "lead_unit_id"])
def test_a_unit_without_a_head_is_refused_at_its_field(client, api, office, field):
    document_id = register(client, api)
    unit = office["a.general"].unit_id
    data = {"decision": "assign", "direction": "Giao xử lý",
            **({"coordinators": [unit], "lead_user_id": office["a.staff"].user_id} if field == "coordinators"
               else {"lead_unit_id": unit})}
    response = client.post(f"/api/tasks/{distribute_task(client, api, document_id)}/complete",
                           headers=api("a.leader"), json={"data": data})
    assert response.status_code == 422
    assert response.json()["error"]["errors"] == {field: HEADLESS}
    assert distribute_task(client, api, document_id), "the distribution still waits"


def test_the_dialog_marks_a_unit_without_a_head(client, api, browser, office):
    document_id = register(client, api)
    page = browser("a.leader").get(f"/tasks/{distribute_task(client, api, document_id)}").text
    unit = office["a.general"].unit_id
    assert re.search(r'<th scope="row" class="unit depth-0">Phòng Tổng hợp <span class="headless muted">'
                     r'\(chưa có trưởng đơn vị\)</span></th>', page)
    coordinate = re.search(rf'<input type="checkbox" name="coordinators" value="{unit}"[^>]*>', page).group(0)
    lead = re.search(rf'<input type="radio" name="lead_unit_id" value="{unit}"[^>]*>', page).group(0)
    inform = re.search(rf'<input type="checkbox" name="informed_units" value="{unit}"[^>]*>', page).group(0)
    assert "disabled" in coordinate and "disabled" in lead and "disabled" not in inform
    headed = re.search(rf'<input type="checkbox" name="coordinators" value="{office["a.staff"].unit_id}"[^>]*>',
                       page).group(0)
    assert "disabled" not in headed
    assert 'id="distribution-headless"' in page
