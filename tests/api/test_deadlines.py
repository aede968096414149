"""Overdue means the handling deadline, over HTTP: the register page's "Hạn giải quyết" column and
its overdue filter, the deadline JSON, My tasks' badges and filter, and a deadline already past
refused at the distribution (through the task completion API) and at extension, 422 at the field."""
from __future__ import annotations

import re

from tests.api.conftest import (complete, distribution_to, document_id, only_task, register_incoming, snapshot)

DEADLINE = "2026-11-23T10:00:00+07:00"      # two hours after START (Monday 08:00 in Vietnam)
PAST = "Hạn xử lý đã qua: chọn một thời điểm sau bây giờ."
NUMBER = re.compile(r'<span class="number">([^<]*)</span>')


def distributed(client, api, people, deadline=DEADLINE, **metadata) -> tuple[int, dict]:
    """A document the leader gave a.staff with ``deadline``, Phòng Kinh tế (a.unit_head) coordinating."""
    instance = register_incoming(client, api("a.clerk"), **metadata)
    staff = people["a.staff"]
    complete(client, api("a.leader"), only_task(instance, "distribute")["id"],
             {**distribution_to(staff), "coordinators": [staff.unit_id], "deadline": deadline})
    return document_id(instance), instance


def row_of(html: str, marker: str) -> str:
    (row,) = [r for r in html.split("<tr") if marker in r]
    return row


def test_the_register_shows_and_filters_by_the_handling_deadline(browser, client, api, people, clock):
    late, _ = distributed(client, api, people, number_notation="1/LATE", due_date="2026-12-15")
    early_reply = document_id(register_incoming(client, api("a.clerk"), number_notation="2/REPLY",
                                                due_date="2026-11-20"))
    clock.advance(hours=3)
    leader = browser("a.leader")
    html = leader.get("/incoming").text
    row = row_of(html, f'href="/incoming/{late}"')
    assert row.lstrip().startswith('class="overdue"')
    assert 'datetime="2026-11-23T10:00:00+07:00">10:00, 23/11/2026</time>' in row
    assert '<span class="badge overdue">Quá hạn</span>' in row and "15/12/2026" in row
    other = row_of(html, f'href="/incoming/{early_reply}"')
    assert "Quá hạn" not in other and "20/11/2026" in other and "Chưa có hạn" in other
    assert "Hạn giải quyết" in html and "Hạn trả lời theo yêu cầu" in html
    filtered = leader.get("/incoming?overdue=1").text
    assert f'href="/incoming/{late}"' in filtered and f'href="/incoming/{early_reply}"' not in filtered


def test_the_deadline_json_tells_the_handling_deadline_apart_from_the_reply_date(client, api, people, clock):
    late, _ = distributed(client, api, people, due_date="2026-12-15")
    soon = api("a.leader")
    shown = client.get(f"/api/incoming/{late}/deadline", headers=soon).json()
    staff = people["a.staff"]
    assert shown == {"id": late, "incoming_number": 1, "subject": shown["subject"], "status": "04",
                     "handling_deadline": DEADLINE, "reply_requested_by": "2026-12-15",
                     "lead_unit_id": staff.unit_id, "lead_user_id": staff.user_id, "state": "due_soon"}
    assert client.get("/api/incoming/deadlines", params={"overdue": "true"}, headers=soon).json() == {
        "total": 0, "items": []}
    clock.advance(hours=3)
    found = client.get("/api/incoming/deadlines", params={"overdue": "true"}, headers=soon).json()
    assert found["total"] == 1 and [(d["id"], d["state"]) for d in found["items"]] == [(late, "overdue")]
    # Another agency's reader never sees it; a role that reads no register is refused.
    assert client.get(f"/api/incoming/{late}/deadline", headers=api("b.leader")).status_code == 404
    assert client.get("/api/incoming/deadlines", headers=api("b.leader")).json()["total"] == 0
    assert client.get(f"/api/incoming/{late}/deadline", headers=api("a.process_admin")).status_code == 403
    assert client.get("/api/incoming/deadlines", headers=api("a.staff")).status_code == 403


def test_an_extension_moves_the_deadline_and_a_past_one_is_refused(client, api, people, clock, system):
    late, _ = distributed(client, api, people)
    clock.advance(hours=3)
    url = f"/api/incoming/{late}"
    before = snapshot(system)
    refused = client.post(f"{url}/extend", headers=api("a.leader"),
                          json={"deadline": "2026-11-23T10:59:00+07:00", "reason": "Gia hạn"})
    assert refused.status_code == 422 and refused.json()["error"]["errors"] == {"deadline": PAST}
    assert snapshot(system) == before
    moved = client.post(f"{url}/extend", headers=api("a.leader"),
                        json={"deadline": "2026-11-27T17:00:00+07:00", "reason": "Chờ số liệu"})
    assert moved.status_code == 200, moved.text
    shown = client.get(f"{url}/deadline", headers=api("a.leader")).json()
    assert (shown["handling_deadline"], shown["state"]) == ("2026-11-27T17:00:00+07:00", None)
    assert client.get("/api/incoming/deadlines", params={"overdue": "true"},
                      headers=api("a.leader")).json()["total"] == 0


def test_a_past_deadline_is_refused_at_the_distribution_with_nothing_stored(client, api, people, clock, system):
    instance = register_incoming(client, api("a.clerk"))
    task = only_task(instance, "distribute")
    clock.advance(hours=3)
    before = snapshot(system)
    response = client.post(f"/api/tasks/{task['id']}/complete", headers=api("a.leader"),
                           json={"data": {**distribution_to(people["a.staff"]), "deadline": DEADLINE}})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["errors"] == {"deadline": PAST}
    assert snapshot(system) == before
    shown = client.get(f"/api/incoming/{document_id(instance)}/deadline", headers=api("a.leader")).json()
    assert (shown["handling_deadline"], shown["lead_user_id"], shown["status"]) == (None, None, "03")


def test_my_tasks_counts_the_documents_handling_deadline_not_the_senders_date(browser, client, api, people, clock):
    late, _ = distributed(client, api, people, number_notation="1/LATE", due_date="2026-12-15")
    register_incoming(client, api("a.clerk"), number_notation="2/REPLY", due_date="2026-11-20")
    head = api("a.unit_head")
    (coordination,) = [t for t in client.get("/api/tasks", headers=head).json() if t["name"] == "coordinate"]
    # The coordinator was given until Friday; the document's own deadline still counts for them.
    assert client.post(f"/api/incoming/{late}/coordination/{coordination['id']}/extend", headers=api("a.leader"),
                       json={"deadline": "2026-11-27T17:00:00+07:00", "reason": "Chờ ý kiến"}).status_code == 200
    with_time = browser("a.unit_head").get("/tasks").text
    row = row_of(with_time, "1/LATE")
    assert "Hạn bước: 17:00, 27/11/2026" in row and "Hạn văn bản: 10:00, 23/11/2026" in row
    assert "badge soon" in row and "badge overdue" not in row
    clock.advance(hours=3)
    unit_head, leader = browser("a.unit_head"), browser("a.leader")
    assert "badge overdue" in row_of(unit_head.get("/tasks").text, "1/LATE")
    assert NUMBER.findall(unit_head.get("/tasks?overdue=1").text) == ["1/LATE"]
    # The sender asked for a reply by 20/11; its distribution is not overdue for that.
    reply = row_of(leader.get("/tasks").text, "2/REPLY")
    assert "badge overdue" not in reply and "20/11/2026" not in reply
    assert "2/REPLY" not in leader.get("/tasks?overdue=1").text


def test_the_document_json_gives_the_handling_deadline_apart_from_the_senders_date(client, api, people, clock):
    """GET /api/incoming/{id}: the handling deadline and its state, the lead, and the sender's date apart."""
    from tests.api.test_incoming_work import open_task, register

    document_id = register(client, api)
    complete(client, api("a.leader"), open_task(client, api, document_id, "distribute")["id"],
             {**distribution_to(people["a.staff"]), "deadline": "2026-11-24T07:30:00+07:00"})
    shown = client.get(f"/api/incoming/{document_id}", headers=api("a.leader")).json()
    assert (shown["handling_deadline"], shown["deadline_state"]) == ("2026-11-24T07:30:00+07:00", "due_soon")
    assert (shown["lead_user_id"], shown["lead_unit_id"]) == (people["a.staff"].user_id, people["a.staff"].unit_id)
    moved = client.post(f"/api/incoming/{document_id}/reassign", headers=api("a.leader"),
                        json={"lead_user_id": people["a.staff"].user_id, "reason": "Thêm thời gian",
                              "deadline": "2026-12-04T17:00:00+07:00"})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["handling_deadline"], moved.json()["deadline_state"]) == ("2026-12-04T17:00:00+07:00", None)
