"""My tasks (Việc của tôi), over HTTP: rows that name their document, the three queues with their
counts, search/filters/sort/paging by GET, one agency never seeing another's, hostile text
escaped, and a page whose cost in queries does not grow with the number of tasks."""
from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa

from documents.incoming import service
from engine.db import unit_of_work
from tests.api.conftest import (METADATA, complete, distribution_to, get_token, notice_diagram, only_task,
                                register_incoming)

TAB = re.compile(r'<a href="([^"]*)"( aria-current="page")?>\s*([^<]+?) <span class="count">(\d+)</span>')
NUMBER = re.compile(r'<span class="number">([^<]*)</span>')


def tabs(html: str) -> dict[str, tuple[int, bool]]:
    """Each tab's label → (its count, whether it is the current one)."""
    return {label: (int(n), bool(current)) for _, current, label, n in TAB.findall(html)}


def numbers(html: str) -> list[str]:
    return NUMBER.findall(html)


def test_each_row_names_its_document_step_urgency_and_deadline(browser, client, api, province):
    instance = register_incoming(client, api("a.clerk"), urgency="urgent", due_date="2026-12-15")
    task = only_task(instance, "distribute")
    html = browser("a.leader").get("/tasks").text
    (row,) = [r for r in html.split("<tr") if f'href="/tasks/{task["id"]}"' in r]
    assert '<span class="number">123/UBND-VX</span>' in row
    assert f'<a class="subject" href="/tasks/{task["id"]}">{METADATA["subject"]}</a>' in row
    assert METADATA["issuer_name"] in row and "Phân phối văn bản đến" in row
    assert '<span class="badge level-1">Khẩn</span>' in row
    # An urgent document's distribution is due in 4 working hours (lunch aside): due soon, not overdue.
    assert "Sắp đến hạn" in row and "Quá hạn" not in row
    # The sender's requested reply date is not the document's deadline: no handling deadline yet.
    assert "15/12/2026" not in row and "Hạn văn bản" not in row and "14:00, 23/11/2026" in row
    assert "08:00, 23/11/2026" in row  # received


def test_past_the_deadline_the_row_is_overdue_and_the_filter_finds_it(browser, client, api, province, clock):
    register_incoming(client, api("a.clerk"), number_notation="1/LATE")
    clock.advance(days=3)
    clerk = {"Authorization": f"Bearer {get_token(client, 'a.clerk')}"}  # the first login has expired
    register_incoming(client, clerk, number_notation="2/FRESH", urgency="urgent")
    leader = browser("a.leader")
    html = leader.get("/tasks").text
    assert html.count("badge overdue") == 1 and html.count("badge soon") == 1
    assert numbers(leader.get("/tasks?overdue=1").text) == ["1/LATE"]


def test_the_tabs_count_waiting_in_progress_and_done(browser, client, api, province):
    first = only_task(register_incoming(client, api("a.clerk"), number_notation="1/A"), "distribute")
    register_incoming(client, api("a.clerk"), number_notation="2/A")
    leader = browser("a.leader")
    assert tabs(leader.get("/tasks").text) == {"Chờ xử lý": (2, True), "Đang xử lý": (0, False),
                                               "Đã xử lý": (0, False)}
    assert client.post(f"/api/tasks/{first['id']}/claim", headers=api("a.leader")).status_code == 200
    html = leader.get("/tasks?tab=in_progress").text
    assert tabs(html) == {"Chờ xử lý": (1, False), "Đang xử lý": (1, True), "Đã xử lý": (0, False)}
    assert numbers(html) == ["1/A"] and "Bạn đang xử lý" in html
    assert numbers(leader.get("/tasks").text) == ["2/A"]
    complete(client, api("a.leader"), first["id"], distribution_to(province["a.staff"]))
    html = leader.get("/tasks?tab=done").text
    assert tabs(html) == {"Chờ xử lý": (1, False), "Đang xử lý": (0, False), "Đã xử lý": (1, True)}
    assert numbers(html) == ["1/A"] and "Xử lý lúc" in html
    # The handler named by the leader finds the document waiting for them, and only them.
    assert numbers(browser("a.staff").get("/tasks").text) == ["1/A"]
    assert tabs(browser("a.unit_head").get("/tasks").text)["Chờ xử lý"] == (0, True)


def test_the_tabs_are_links_and_keep_the_search(browser, client, api, province):
    register_incoming(client, api("a.clerk"))
    html = browser("a.leader").get("/tasks?q=trien+khai&sort=deadline").text
    links = {label: href for href, _, label, _ in TAB.findall(html)}
    assert links == {"Chờ xử lý": "/tasks?q=trien+khai&amp;sort=deadline",
                     "Đang xử lý": "/tasks?tab=in_progress&amp;q=trien+khai&amp;sort=deadline",
                     "Đã xử lý": "/tasks?tab=done&amp;q=trien+khai&amp;sort=deadline"}


def test_another_agencys_task_never_shows(browser, client, api, province):
    register_incoming(client, api("b.clerk"), number_notation="9/B", subject="Việc riêng của cơ quan B")
    register_incoming(client, api("a.clerk"), number_notation="1/A")
    html = browser("a.leader").get("/tasks").text
    assert numbers(html) == ["1/A"] and "cơ quan B" not in html
    assert tabs(html)["Chờ xử lý"] == (1, True)
    assert numbers(browser("b.leader").get("/tasks").text) == ["9/B"]
    assert numbers(browser("a.leader").get("/tasks?q=9%2FB").text) == []


def test_search_by_number_or_subject_with_or_without_marks(browser, client, api, province):
    register_incoming(client, api("a.clerk"), number_notation="12/QĐ-UBND", subject="Quyết định về đường giao thông")
    register_incoming(client, api("a.clerk"), number_notation="34/CV-STC", subject="Kế hoạch tài chính")
    leader = browser("a.leader")
    for query, found in (("duong giao", ["12/QĐ-UBND"]), ("đường GIAO", ["12/QĐ-UBND"]), ("34/cv", ["34/CV-STC"]),
                         ("ke hoach tai", ["34/CV-STC"]), ("không có", []), ("100%", [])):
        assert numbers(leader.get("/tasks", params={"q": query}).text) == found, query
    assert "Không có việc nào khớp" in leader.get("/tasks", params={"q": "không có"}).text


def test_filter_by_urgency_and_step_and_sort(browser, client, api, province, clock):
    register_incoming(client, api("a.clerk"), number_notation="1/THUONG")
    clock.advance(minutes=5)
    register_incoming(client, api("a.clerk"), number_notation="2/HOATOC", urgency="flash")
    clock.advance(minutes=5)
    register_incoming(client, api("a.clerk"), number_notation="3/KHAN", urgency="urgent")
    leader = browser("a.leader")
    assert numbers(leader.get("/tasks").text) == ["2/HOATOC", "3/KHAN", "1/THUONG"]  # most urgent first
    assert numbers(leader.get("/tasks?sort=received").text) == ["3/KHAN", "2/HOATOC", "1/THUONG"]
    # Urgent steps are due in 4 working hours, a normal one in a working day.
    assert numbers(leader.get("/tasks?sort=deadline").text) == ["2/HOATOC", "3/KHAN", "1/THUONG"]
    assert numbers(leader.get("/tasks?urgency=1").text) == ["3/KHAN"]
    assert numbers(leader.get("/tasks?urgency=0").text) == ["1/THUONG"]
    assert 'option value="Phân phối văn bản đến"' in leader.get("/tasks").text
    assert len(numbers(leader.get("/tasks", params={"step": "Phân phối văn bản đến"}).text)) == 3
    assert numbers(leader.get("/tasks", params={"step": "Duyệt kết quả xử lý"}).text) == []


@pytest.mark.parametrize("query", ["tab=mine", "sort=id", "urgency=7", "page=0", "q=" + "x" * 201, "overdue=maybe"])
def test_bad_parameters_are_refused(browser, province, query):
    assert browser("a.leader").get(f"/tasks?{query}").status_code == 422


def test_a_task_of_another_flow_shows_the_flows_name(browser, client, api, province):
    admin = api("a.process_admin")
    deployed = client.post("/api/process-definitions", headers=admin,
                           files={"file": ("notice.bpmn", notice_diagram(), "application/xml")})
    assert deployed.status_code == 201, deployed.text
    started = client.post("/api/process-instances", headers=admin, json={"key": "notice"}).json()
    task = only_task(started, "read")
    html = browser("a.leader").get("/tasks").text
    assert f'<a class="subject" href="/tasks/{task["id"]}">Đọc thông báo</a>' in html
    assert "Quy trình: Thông báo" in html and "Không có hạn" in html


def test_a_hostile_subject_renders_as_text(browser, client, api, province):
    register_incoming(client, api("a.clerk"), subject="<script>alert(1)</script> khẩn",
                      number_notation='"><img src=x>')
    html = browser("a.leader").get("/tasks").text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x>" not in html and "&#34;&gt;&lt;img src=x&gt;" in html


def test_the_page_costs_the_same_queries_for_200_tasks_as_for_one(browser, client, api, province, system):
    leader = browser("a.leader")
    register_incoming(client, api("a.clerk"), number_notation="0/UBND")
    few = _statements(system, lambda: leader.get("/tasks"))
    with unit_of_work(system.sessions) as session:
        for n in range(1, 200):
            service.register(session, system.runtime, system.files, system.keystore, province["a.clerk"],
                             METADATA | {"number_notation": f"{n}/UBND"})
    started = time.perf_counter()
    many = _statements(system, lambda: leader.get("/tasks"))
    elapsed = time.perf_counter() - started
    html = leader.get("/tasks").text
    assert tabs(html)["Chờ xử lý"] == (200, True) and len(numbers(html)) == 25
    assert many == few, (few, many)
    print(f"\nGET /tasks with 200 waiting tasks: {many} SQL statements, {elapsed * 1000:.0f} ms")


def _statements(system, action) -> int:
    seen = []

    def count(*_args) -> None:
        seen.append(1)

    sa.event.listen(system.db, "before_cursor_execute", count)
    try:
        response = action()
    finally:
        sa.event.remove(system.db, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(seen)


def test_the_page_in_english_names_the_tabs_and_the_step(browser, client, api, province):
    register_incoming(client, api("a.clerk"), urgency="flash")
    leader = browser("a.leader")
    leader.cookies.set("lang", "en")
    html = leader.get("/tasks").text
    assert {label for label in tabs(html)} == {"Waiting", "In progress", "Done"}
    assert "Distribute the incoming document" in html and ">Phân phối văn bản đến<" not in html
    assert '<span class="badge level-3">Flash</span>' in html and "Due soon" in html
