"""The incoming document's page says what was decided and where the work is: after a full
handling (distribution with a coordinator and a person for information, an opinion, progress,
a result sent back once, then approved) its summary names the lead unit and handler, each
coordinator's opinion, the direction, the deadline, the result and its approval; its history
tells each step in plain language with the engine's own steps folded away; and only those who
may read the document see any of it."""
from __future__ import annotations

import re

import pytest

from tests.api.conftest import complete, distribution_to
from tests.api.test_casework_pages import ESCAPED, SCRIPT
from tests.api.test_incoming_work import open_task, register, shown

DIRECTION = "Giao Phòng Kinh tế chủ trì, báo cáo trước ngày 10/12."
DEADLINE = "2026-12-10T17:00:00+07:00"


def section(page_html: str, section_id: str) -> str:
    found = re.search(rf'<section class="card[^"]*" id="{section_id}"[^>]*>(.*?)</section>', page_html, re.S)
    assert found, f"no section #{section_id}"
    return found.group(1)


def text_of(fragment: str) -> str:
    """What a reader sees of some HTML: the tags dropped, the spaces folded."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()


def story_lines(page_html: str) -> list[str]:
    """The history's lines, each "<time> <what was told> <what was typed>", technical ones marked."""
    lines = re.findall(r'<li class="story-[a-z_]+( technical)?">(.*?)</li>', section(page_html, "history"), re.S)
    return [("[tech] " if technical else "") + text_of(body) for technical, body in lines]


@pytest.fixture
def finished(client, api, people, clock) -> int:
    """A document handled to the end: a.staff leads for Phòng Kinh tế, a.unit_head coordinates
    and reviews, a.clerk is told for information; the first result is sent back."""
    document_id = register(client, api)
    staff = people["a.staff"]

    def an_hour_later(username: str, step: str, data: dict) -> None:
        clock.advance(hours=1)
        complete(client, api(username), open_task(client, api, document_id, step)["id"], data)

    an_hour_later("a.leader", "distribute", {**distribution_to(staff), "direction": DIRECTION, "deadline": DEADLINE,
                                             "coordinators": [staff.unit_id],
                                             "for_information": [people["a.clerk"].user_id]})
    an_hour_later("a.unit_head", "coordinate", {"opinion": "Thống nhất, đề nghị bổ sung số liệu quý IV."})
    clock.advance(hours=1)
    assert client.post(f"/api/incoming/{document_id}/progress", headers=api("a.staff"),
                       json={"text": "Đã làm việc với Sở Tài chính", "percent": 50}).status_code == 201
    an_hour_later("a.staff", "handle", {"result": "Dự thảo văn bản trả lời.", "completed": False})
    an_hour_later("a.unit_head", "review", {"approved": False, "comment": "Bổ sung số liệu quý IV."})
    an_hour_later("a.staff", "handle", {"result": "Đã trình văn bản trả lời số 45/UBND-KT.", "completed": True})
    an_hour_later("a.unit_head", "review", {"approved": True, "comment": "Đồng ý, phát hành."})
    assert shown(client, api, document_id)["status"] == "06"
    return document_id


def test_the_summary_says_who_leads_the_opinions_the_direction_the_result_and_its_approval(browser, finished):
    page = browser("a.leader").get(f"/incoming/{finished}")
    assert page.status_code == 200
    summary = section(page.text, "summary")
    facts = dict(re.findall(r"<dt>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", summary, re.S))
    assert text_of(facts["Trạng thái"]) == "06 · Hoàn thành"
    assert text_of(facts["Chủ trì"]) == "Phòng Kinh tế · Người xử lý: staff a"
    assert text_of(facts["Phối hợp"]) == \
        "Phòng Kinh tế · unit_head a Thống nhất, đề nghị bổ sung số liệu quý IV. unit_head a · 23/11/2026 10:00"
    assert text_of(facts["Để biết"]) == "clerk a"
    assert text_of(facts["Ý kiến chỉ đạo"]) == f"{DIRECTION} leader a · 23/11/2026 09:00"
    assert text_of(facts["Hạn xử lý"]) == "10/12/2026 17:00", "no due-soon or overdue badge once it is done"
    assert text_of(facts["Kết quả xử lý"]) == \
        "Đã trình văn bản trả lời số 45/UBND-KT. Đã hoàn thành staff a · 23/11/2026 14:00"
    assert text_of(facts["Duyệt kết quả"]) == "Đồng ý unit_head a · 23/11/2026 15:00 Đồng ý, phát hành."
    assert text_of(facts["Đang ở bước"]) == "Không còn bước nào đang chờ. Xem sơ đồ quy trình"
    assert re.search(r'<a href="/instances/\d+">Xem sơ đồ quy trình</a>', summary)


def test_the_history_tells_each_step_in_plain_words_oldest_first(browser, finished):
    lines = story_lines(browser("a.leader").get(f"/incoming/{finished}").text)
    people_lines = [line for line in lines if not line.startswith("[tech]")]
    assert people_lines == [
        "23/11/2026 08:00 Bắt đầu quy trình xử lý: clerk a vào sổ văn bản",
        "23/11/2026 09:00 leader a phân phối cho Phòng Kinh tế chủ trì (staff a), hạn 10/12/2026; phối hợp: "
        f"Phòng Kinh tế; để biết: clerk a {DIRECTION}",
        "23/11/2026 10:00 unit_head a cho ý kiến phối hợp Thống nhất, đề nghị bổ sung số liệu quý IV.",
        "23/11/2026 11:00 staff a cập nhật tiến độ 50 % Đã làm việc với Sở Tài chính",
        "23/11/2026 12:00 staff a báo cáo kết quả xử lý (chưa hoàn thành) Dự thảo văn bản trả lời.",
        "23/11/2026 13:00 unit_head a trả lại kết quả, yêu cầu xử lý lại Bổ sung số liệu quý IV.",
        "23/11/2026 14:00 staff a báo cáo kết quả xử lý (đã hoàn thành) Đã trình văn bản trả lời số 45/UBND-KT.",
        "23/11/2026 15:00 unit_head a đồng ý kết quả xử lý Đồng ý, phát hành.",
        "23/11/2026 15:00 Kết thúc xử lý",
    ]
    technical = [line for line in lines if line.startswith("[tech]")]
    assert technical and all("Hệ thống" in line for line in technical), "gateways and events are folded away"
    assert 'id="show-technical"' in browser("a.leader").get(f"/incoming/{finished}").text


def test_the_english_page_tells_the_same(browser, finished):
    leader = browser("a.leader")
    leader.get("/lang/en")
    page = leader.get(f"/incoming/{finished}").text
    assert "Handling summary" in text_of(section(page, "summary"))
    assert "leader a assigned the lead to Phòng Kinh tế (staff a), due 10 Dec 2026" in text_of(section(page, "history"))


def test_an_open_handling_shows_where_the_work_is_and_a_deadline_close_by(browser, client, api, people, clock):
    document_id = register(client, api)
    # Within 24 hours: due soon, as the register and My tasks count it.
    complete(client, api("a.leader"), open_task(client, api, document_id, "distribute")["id"],
             {**distribution_to(people["a.staff"]), "deadline": "2026-11-24T07:30:00+07:00"})
    summary = section(browser("a.staff").get(f"/incoming/{document_id}").text, "summary")
    assert re.search(r"Chủ trì xử lý</strong> · staff a · Phòng Kinh tế\s*<span class=\"muted\">· từ", summary)
    assert '<span class="badge due-soon">Sắp đến hạn</span>' in summary
    clock.advance(days=2)
    summary = section(browser("a.staff").get(f"/incoming/{document_id}").text, "summary")
    assert '<span class="badge overdue">Quá hạn</span>' in summary


def test_what_people_typed_is_escaped_and_readers_without_a_part_see_nothing(browser, client, api, people):
    document_id = register(client, api, subject=SCRIPT)
    complete(client, api("a.leader"), open_task(client, api, document_id, "distribute")["id"],
             {**distribution_to(people["a.staff"]), "direction": SCRIPT})
    page = browser("a.staff").get(f"/incoming/{document_id}").text
    assert SCRIPT not in page and text_of(section(page, "summary")).count(ESCAPED) == 1
    assert ESCAPED in section(page, "history")
    # Another specialist has no part in it; another agency's leader does not even learn it exists.
    assert browser("a.staff2").get(f"/incoming/{document_id}").status_code == 403
    assert browser("b.leader").get(f"/incoming/{document_id}").status_code == 404


def test_a_reassignment_and_an_extension_read_as_what_the_leader_did(browser, client, api, people, clock):
    document_id = register(client, api)
    complete(client, api("a.leader"), open_task(client, api, document_id, "distribute")["id"],
             {**distribution_to(people["a.staff"]), "deadline": DEADLINE})
    clock.advance(hours=1)
    assert client.post(f"/api/incoming/{document_id}/reassign", headers=api("a.leader"),
                       json={"lead_user_id": people["a.staff2"].user_id, "reason": "Cân đối việc"}).status_code == 200
    clock.advance(hours=1)
    assert client.post(f"/api/incoming/{document_id}/extend", headers=api("a.leader"),
                       json={"deadline": "2026-12-15T17:00:00+07:00", "reason": "Chờ số liệu"}).status_code == 200
    page = browser("a.leader").get(f"/incoming/{document_id}").text
    lines = [line for line in story_lines(page) if not line.startswith("[tech]")]
    assert lines[-2:] == [
        "23/11/2026 09:00 leader a giao lại bước «Xử lý văn bản đến» cho staff a2 Cân đối việc",
        "23/11/2026 10:00 leader a gia hạn bước «Xử lý văn bản đến», hạn 15/12/2026 17:00 Chờ số liệu",
    ]
    summary = section(page, "summary")
    assert "Người xử lý: staff a2" in text_of(summary) and "15/12/2026 17:00" in text_of(summary)
