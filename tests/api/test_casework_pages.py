"""The pages of the work on an incoming document being handled: on its page the handler's and
coordinators' progress notes, related documents, the request to be relieved and the reply
draft; the leader's hand (re-assign, extend, distribution, coordinators); the re-assignment
requests of unit heads and leaders; and every denial (wrong person, other agency, no session,
no CSRF token), each leaving nothing stored."""
from __future__ import annotations

import html
import re
import unicodedata
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from documents import accounts
from documents.incoming.casework_models import ProgressNote, ReassignmentRequest, RelatedLink
from documents.models import Agency
from documents.outgoing.models import OutgoingDocument
from engine.db import unit_of_work
from engine.models import HistoryEntry, HumanTask
from tests.api import test_incoming_work
from tests.api.conftest import SESSION_COOKIE, complete, count, csrf_of, snapshot
from tests.api.test_incoming_work import METADATA, register
from tests.conftest import PASSWORD

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"

# Incoming number 1, handled by a.staff for Phòng Kinh tế, whose head (a.unit_head) coordinates.
handled = test_incoming_work.handled


@pytest.fixture
def office(people, system) -> dict:
    """The province's agency A plus a second leader (a.leader2) to hand a distribution to."""
    with unit_of_work(system.sessions) as session:
        agency = session.scalar(sa.select(Agency).where(Agency.id == people["a.leader"].agency_id))
        deputy = accounts.create_user(session, agency, "a.leader2", "Phó Giám đốc Thử", PASSWORD, ["leader"])
        people["a.leader2"] = accounts.identity_of(session, deputy)
    return people


def post_form(user, url: str, page_url: str, **fields):
    """What the browser sends from the form at ``page_url``: its fields and the session's token."""
    return user.post(url, data={**fields, "csrf_token": csrf_of(user.get(page_url).text)})


def section(page_html: str, section_id: str) -> str:
    found = re.search(rf'<section class="card[^"]*" id="{section_id}">(.*?)</section>', page_html, re.S)
    assert found, f"no section #{section_id}"
    return found.group(1)


def queue(client, api, username: str) -> list[str]:
    return [t["name"] for t in client.get("/api/tasks", headers=api(username)).json()]


def history_reasons(system) -> list[tuple[str, str]]:
    with system.sessions() as session:
        return [(h.spec_name, h.data["reason"]) for h in session.scalars(
            sa.select(HistoryEntry).where(HistoryEntry.action == "retargeted").order_by(HistoryEntry.id))]


def task_row(system, document_id: int, step: str) -> HumanTask:
    from documents.incoming import participants
    from documents.incoming.models import IncomingDocument

    with system.sessions() as session:
        (task,) = participants.open_tasks(session, session.get(IncomingDocument, document_id), f"incoming.{step}")
        return task


# --------------------------------------------------------------------------- progress

def test_the_handler_and_a_coordinator_record_progress_on_the_document(browser, handled):
    staff = browser("a.staff")
    url = f"/incoming/{handled}"
    page = staff.get(url)
    assert page.status_code == 200
    assert "Chưa có ghi nhận tiến độ." in section(page.text, "progress")
    assert "Ghi tiến độ</button>" in page.text and 'name="percent"' in page.text
    assert f'action="{url}/progress#progress"' in page.text, "the answer to the POST opens at the form"

    typed = unicodedata.normalize("NFD", "Đã làm việc với Sở Tài chính")
    done = post_form(staff, f"{url}/progress", url, text=typed, percent="60")
    assert (done.status_code, done.headers["location"]) == (303, f"{url}#progress")
    head = browser("a.unit_head")
    assert post_form(head, f"{url}/progress", url, text="Phòng đang góp ý", percent="").status_code == 303

    notes = section(browser("a.leader").get(url).text, "progress")
    assert "Đã làm việc với Sở Tài chính" in notes, "stored NFC"
    assert re.search(r'<strong>staff a</strong> · <time datetime="2026-11-23T08:00:00\+07:00">08:00, 23/11/2026</time>'
                     r'\s*· <span class="muted">Chủ trì xử lý</span>', notes)
    assert '<progress max="100" value="60"></progress> 60 %' in notes
    assert "Phòng đang góp ý" in notes and "Phối hợp" in notes
    assert "Ghi tiến độ</button>" not in browser("a.leader").get(url).text, "the leader neither handles nor coordinates"


def test_a_refused_progress_note_is_shown_in_vietnamese_with_what_was_typed(browser, system, handled):
    staff = browser("a.staff")
    url = f"/incoming/{handled}"
    empty = post_form(staff, f"{url}/progress", url, text="  ", percent="60")
    assert empty.status_code == 422
    progress = section(empty.text, "progress")
    assert "Vui lòng sửa các lỗi dưới đây." in progress
    assert re.search(r'<div class="field invalid">\s*<label>Nội dung tiến độ \*.*?'
                     r'Trường «Nội dung tiến độ» là bắt buộc.', progress, re.S)
    assert 'name="percent" value="60"' in progress

    too_much = post_form(staff, f"{url}/progress", url, text="Gần xong", percent="150")
    assert too_much.status_code == 422
    assert "Trường «Tỷ lệ hoàn thành» phải là số nguyên từ 0 đến 100." in too_much.text
    assert "Gần xong</textarea>" in too_much.text
    words = post_form(staff, f"{url}/progress", url, text="Gần xong", percent="sáu mươi")
    assert words.status_code == 422 and "Nhập một số nguyên." in words.text
    assert count(system, ProgressNote) == 0


def test_the_refusals_follow_the_page_language(browser, handled):
    staff = browser("a.staff")
    staff.get("/lang/en")
    url = f"/incoming/{handled}"
    page = staff.get(url).text
    assert "Record progress</button>" in page and "Related documents" in page and "Draft a reply" in page
    refused = post_form(staff, f"{url}/progress", url, text="", percent="")
    assert refused.status_code == 422
    assert "The field “Progress” is required." in html.unescape(refused.text) and "bắt buộc" not in refused.text
    asked = post_form(staff, f"{url}/reassignment-requests", url, reason="")
    assert "The field “Reason” is required." in html.unescape(asked.text)


# --------------------------------------------------------------------------- related documents

def test_related_documents_are_linked_by_number_or_id_shown_both_ways_and_unlinked(browser, client, api, system,
                                                                                   handled):
    earlier = register(client, api, number_notation="99/SNV-VP", subject="Văn bản trước của Sở")  # number 2
    third = register(client, api, number_notation="100/SNV-VP", subject="Báo cáo bổ sung")
    staff = browser("a.staff")
    url = f"/incoming/{handled}"
    linked = post_form(staff, f"{url}/related", url, related_to="2", note="Cùng vụ việc")
    assert (linked.status_code, linked.headers["location"]) == (303, f"{url}#related")
    assert post_form(staff, f"{url}/related", url, related_to=f"#{third}", note="").status_code == 303
    assert post_form(staff, f"{url}/related", url, related_to="3/2025").status_code == 422, "no number 3 in 2025"

    links = section(staff.get(url).text, "related")
    assert f'<a href="/incoming/{earlier}">Số đến 2 · Văn bản trước của Sở</a>' in links
    assert f'<a href="/incoming/{third}">Số đến 3 · Báo cáo bổ sung</a>' in links
    assert "Cùng vụ việc" in links and "Liên kết bởi staff a" in links
    back = section(browser("a.leader").get(f"/incoming/{earlier}").text, "related")
    assert f'<a href="/incoming/{handled}">Số đến 1 · {METADATA["subject"]}</a>' in back

    again = post_form(staff, f"{url}/related", url, related_to=f"#{earlier}")
    assert again.status_code == 409 and "Hai văn bản này đã được liên kết." in again.text
    to_itself = post_form(staff, f"{url}/related", url, related_to="1", note="Tự liên kết")
    assert to_itself.status_code == 422 and "Chọn một văn bản đến khác văn bản này." in to_itself.text
    assert 'name="related_to" value="1"' in to_itself.text and "Tự liên kết</textarea>" in to_itself.text
    missing = post_form(staff, f"{url}/related", url, related_to="#999999")
    assert missing.status_code == 422 and "Không tìm thấy văn bản đến này trong sổ của cơ quan." in missing.text
    assert count(system, RelatedLink) == 2

    unlinked = post_form(staff, f"{url}/related/{earlier}/unlink", url)
    assert (unlinked.status_code, unlinked.headers["location"]) == (303, f"{url}#related")
    assert f'href="/incoming/{earlier}"' not in section(staff.get(url).text, "related")
    assert "Chưa liên kết văn bản nào." in section(browser("a.leader").get(f"/incoming/{earlier}").text, "related")


# --------------------------------------------------------------------------- re-assignment requests

def test_the_handler_asks_to_be_relieved_and_the_unit_head_grants_it(browser, client, api, system, office, handled):
    staff = browser("a.staff")
    url = f"/incoming/{handled}"
    assert "Gửi đề nghị</button>" in staff.get(url).text
    blank = post_form(staff, f"{url}/reassignment-requests", url, reason="")
    assert blank.status_code == 422 and "Trường «Lý do» là bắt buộc." in section(blank.text, "requests")
    assert "<details id=\"ask\" open>" in blank.text
    asked = post_form(staff, f"{url}/reassignment-requests", url, reason="Đi học tập trung")
    assert (asked.status_code, asked.headers["location"]) == (303, f"{url}#requests")
    requests = section(staff.get(url).text, "requests")
    assert "Đang chờ" in requests and "Lý do: Đi học tập trung" in requests
    assert "Gửi đề nghị</button>" not in requests, "one request at a time"
    twice = post_form(staff, f"{url}/reassignment-requests", url, reason="Lần nữa")
    assert twice.status_code == 409 and "đang chờ quyết định" in twice.text
    assert count(system, ReassignmentRequest) == 1

    head = browser("a.unit_head")
    listing = head.get("/incoming/requests")
    assert listing.status_code == 200
    assert re.search(r'href="/incoming/requests"[^>]*>Đề nghị giao lại</a>', listing.text), "the menu offers the requests"
    assert f'<a href="/incoming/{handled}">Số đến 1 · {METADATA["subject"]}</a>' in listing.text
    (request_id,) = [int(i) for i in re.findall(r'id="request-(\d+)"', listing.text)]
    staff2 = office["a.staff2"].user_id
    assert f'<option value="{staff2}">staff a2</option>' in listing.text
    assert f'<option value="{office["a.staff"].user_id}"' not in listing.text, "not back to the one who asked"

    grant = f"/incoming/{handled}/reassignment-requests/{request_id}/grant"
    no_reason = post_form(head, grant, "/incoming/requests", lead_user_id=str(staff2), reason="")
    assert no_reason.status_code == 422 and "Trường «Lý do» là bắt buộc." in no_reason.text
    assert f'<option value="{staff2}" selected>' in no_reason.text
    granted = post_form(head, grant, "/incoming/requests", lead_user_id=str(staff2), reason="Giao chuyên viên 2")
    assert (granted.status_code, granted.headers["location"]) == (303, "/incoming/requests")
    assert "Không có đề nghị nào." in head.get("/incoming/requests").text
    done = head.get("/incoming/requests", params={"state": "granted"}).text
    assert "Đã giao lại" in done and "Người xử lý mới: staff a2" in done and "Giao chuyên viên 2" in done
    assert queue(client, api, "a.staff2") == ["handle"] and "handle" not in queue(client, api, "a.staff")


def test_a_declined_request_cannot_be_decided_again_by_someone_else(browser, client, api, system, office, handled):
    staff = browser("a.staff")
    url = f"/incoming/{handled}"
    post_form(staff, f"{url}/reassignment-requests", url, reason="Quá tải")
    head, leader = browser("a.unit_head"), browser("a.leader")
    head_page, leader_page = head.get("/incoming/requests").text, leader.get("/incoming/requests").text
    (request_id,) = [int(i) for i in re.findall(r'id="request-(\d+)"', leader_page)]
    base = f"/incoming/{handled}/reassignment-requests/{request_id}"

    empty = head.post(f"{base}/decline", data={"reason": " ", "csrf_token": csrf_of(head_page)})
    assert empty.status_code == 422
    row = re.search(rf'id="request-{request_id}">(.*?)</section>', empty.text, re.S).group(1)
    assert "Trường «Lý do» là bắt buộc." in row
    declined = head.post(f"{base}/decline", data={"reason": "Phòng không còn người", "csrf_token": csrf_of(head_page)})
    assert declined.status_code == 303

    late = leader.post(f"{base}/grant", data={"lead_user_id": str(office["a.staff2"].user_id), "reason": "Giao",
                                              "csrf_token": csrf_of(leader_page)})
    assert late.status_code == 409
    assert "Người khác đã quyết định đề nghị này trước bạn." in late.text
    assert queue(client, api, "a.staff") == ["handle"] and queue(client, api, "a.staff2") == []
    shown = section(staff.get(url).text, "requests")
    assert "Đã từ chối" in shown and "Quyết định bởi unit_head a" in shown and "Phòng không còn người" in shown
    assert "Gửi đề nghị</button>" in shown, "declined: the handler may ask again"
    bad = leader.get("/incoming/requests", params={"state": "lost"})
    assert bad.status_code == 200 and "Trạng thái không có trong danh sách" in bad.text


# --------------------------------------------------------------------------- the reply

def test_the_handler_starts_the_reply_and_reads_it_on_its_own_page(browser, system, handled):
    staff = browser("a.staff")
    url = f"/incoming/{handled}"
    assert "Chưa có dự thảo trả lời." in section(staff.get(url).text, "reply")
    started = post_form(staff, f"{url}/reply-drafts", url)
    assert started.status_code == 303
    draft_url = started.headers["location"]
    assert re.fullmatch(r"/outgoing/\d+", draft_url)
    draft = staff.get(draft_url)
    assert draft.status_code == 200
    subject = "V/v trả lời Văn bản số 123/SNV-VP ngày 20/11/2026 của Sở Nội vụ tỉnh Hà Nam"
    assert f"<h1>{subject}</h1>" in draft.text and "Công văn" in draft.text and "Đang dự thảo" in draft.text
    assert "Sở Nội vụ tỉnh Hà Nam <span class=\"muted\">(000.00.31.H41)</span>" in draft.text
    assert f'href="/incoming/{handled}"' in draft.text and "08:00, 23/11/2026" in draft.text
    assert "Soạn văn bản trả lời</button>" not in draft.text
    assert f'<a href="{draft_url}">{subject}</a>' in section(staff.get(url).text, "reply")
    assert browser("a.leader").get(draft_url).status_code == 200
    assert browser("a.unit_head").get(draft_url).status_code == 200  # heads the drafting unit
    assert browser("a.process_admin").get(draft_url).status_code == 403
    assert browser("b.leader").get(draft_url).status_code == 404
    assert count(system, OutgoingDocument) == 1


# --------------------------------------------------------------------------- the leader's hand

def test_the_leader_reassigns_the_handling_and_extends_its_deadline(browser, client, api, system, office, handled):
    leader = browser("a.leader")
    url = f"/incoming/{handled}"
    page = leader.get(url).text
    handling = section(page, "handling")
    assert "Chủ trì xử lý" in handling and "staff a · Phòng Kinh tế" in handling
    assert 'name="lead_unit_id"' in handling and 'name="deadline"' in handling and 'data-date="datetime"' in handling

    nobody = post_form(leader, f"{url}/reassign", url, lead_user_id="", lead_unit_id="", reason="Điều chuyển")
    assert nobody.status_code == 422
    assert "Chọn «Người chủ trì» hoặc «Đơn vị chủ trì»." in html.unescape(nobody.text)
    assert "Điều chuyển</textarea>" in nobody.text and '<details id="reassign" open>' in nobody.text
    staff2 = office["a.staff2"].user_id
    no_reason = post_form(leader, f"{url}/reassign", url, lead_user_id=str(staff2), reason="")
    assert no_reason.status_code == 422 and "Trường «Lý do» là bắt buộc." in no_reason.text
    moved = post_form(leader, f"{url}/reassign", url, lead_user_id=str(staff2), lead_unit_id="", reason="Cân đối việc")
    assert (moved.status_code, moved.headers["location"]) == (303, f"{url}#reassign")
    assert queue(client, api, "a.staff2") == ["handle"]

    not_a_time = post_form(leader, f"{url}/extend", url, deadline="mai", reason="Chờ số liệu")
    assert not_a_time.status_code == 422 and "Chọn ngày và giờ hợp lệ." in not_a_time.text
    assert 'name="deadline" value="mai"' in not_a_time.text
    extended = post_form(leader, f"{url}/extend", url, deadline="2026-12-04T17:00", reason="Chờ số liệu")
    assert extended.status_code == 303
    assert task_row(system, handled, "handle").due_at == datetime(2026, 12, 4, 10, 0, tzinfo=timezone.utc)
    shown = leader.get(url).text
    assert "17:00, 04/12/2026" in section(shown, "handling") and 'value="04/12/2026 17:00"' in shown
    assert history_reasons(system) == [("handle", "Cân đối việc"), ("handle", "Chờ số liệu")]


def test_the_unit_head_reassigns_inside_the_unit_only(browser, client, api, system, office, handled):
    head = browser("a.unit_head")
    url = f"/incoming/{handled}"
    handling = section(head.get(url).text, "handling")
    assert "Giao lại việc xử lý" in handling and 'name="lead_unit_id"' not in handling
    assert "Gia hạn xử lý" not in handling, "extending is the leader's"
    assert f'<option value="{office["a.leader"].user_id}"' not in handling
    outsider = post_form(head, f"{url}/reassign", url, lead_user_id=str(office["a.clerk"].user_id), reason="Thử")
    assert outsider.status_code == 422
    assert "Trưởng đơn vị chỉ giao cho người trong đơn vị của mình." in outsider.text
    moved = post_form(head, f"{url}/reassign", url, lead_user_id=str(office["a.staff2"].user_id), reason="Cân đối")
    assert moved.status_code == 303 and queue(client, api, "a.staff2") == ["handle"]


def test_the_leader_hands_the_distribution_to_another_leader(browser, client, api, office):
    document_id = register(client, api)
    leader = browser("a.leader")
    url = f"/incoming/{document_id}"
    form = section(leader.get(url).text, "handling")
    assert "Chuyển phân phối cho lãnh đạo khác" in form
    assert f'<option value="{office["a.leader2"].user_id}">Phó Giám đốc Thử</option>' in form
    not_a_leader = post_form(leader, f"{url}/distribution/reassign", url,
                             leader_user_id=str(office["a.staff"].user_id), reason="Đi công tác")
    assert not_a_leader.status_code == 422 and "Chọn một lãnh đạo của cơ quan." in not_a_leader.text
    none_chosen = post_form(leader, f"{url}/distribution/reassign", url, leader_user_id="", reason="Đi công tác")
    assert none_chosen.status_code == 422 and "Hãy chọn một mục trong danh sách." in none_chosen.text
    moved = post_form(leader, f"{url}/distribution/reassign", url, leader_user_id=str(office["a.leader2"].user_id),
                      reason="Đi công tác")
    assert moved.status_code == 303
    assert queue(client, api, "a.leader") == [] and queue(client, api, "a.leader2") == ["distribute"]


def test_the_leader_reassigns_and_extends_one_coordinator(browser, client, api, system, office, handled):
    coordinate = task_row(system, handled, "coordinate")
    leader = browser("a.leader")
    url = f"/incoming/{handled}"
    base = f"{url}/coordination/{coordinate.id}"
    assert f'<details id="coordination-{coordinate.id}">' in leader.get(url).text
    nobody = post_form(leader, f"{base}/reassign", url, unit_id="", user_id="", reason="Đổi")
    assert nobody.status_code == 422 and "Chọn «Đơn vị phối hợp» hoặc «Người phối hợp»." in html.unescape(nobody.text)
    assert f'<details id="coordination-{coordinate.id}" open>' in nobody.text
    extended = post_form(leader, f"{base}/extend", url, deadline="2026-12-07T09:30", reason="Chờ ý kiến")
    assert (extended.status_code, extended.headers["location"]) == (303, f"{url}#coordination-{coordinate.id}")
    assert task_row(system, handled, "coordinate").due_at == datetime(2026, 12, 7, 2, 30, tzinfo=timezone.utc)
    moved = post_form(leader, f"{base}/reassign", url, unit_id="", user_id=str(office["a.staff2"].user_id),
                      reason="Giao trực tiếp")
    assert moved.status_code == 303
    assert queue(client, api, "a.staff2") == ["coordinate"] and queue(client, api, "a.unit_head") == []
    assert history_reasons(system) == [("coordinate", "Chờ ý kiến"), ("coordinate", "Giao trực tiếp")]

    page = leader.get(url).text  # the leader's page is open while the coordinator answers
    complete(client, api("a.staff2"), coordinate.id, {"opinion": "Nhất trí"})
    late = leader.post(f"{base}/extend", data={"deadline": "2026-12-08T09:30", "reason": "Lần nữa",
                                               "csrf_token": csrf_of(page)})
    assert late.status_code == 409 and "Bước xử lý này đã kết thúc hoặc đã được chuyển đi." in late.text


# --------------------------------------------------------------------------- who sees which form

def test_each_form_is_offered_only_to_whom_the_service_allows_it(browser, handled):
    url = f"/incoming/{handled}"
    buttons = {"progress": "Ghi tiến độ</button>", "link": "Liên kết</button>", "ask": "Gửi đề nghị</button>",
               "reply": "Soạn văn bản trả lời</button>", "reassign": 'id="reassign"', "extend": 'id="extend"',
               "coordination": 'id="coordination-'}
    offered = {
        "a.staff": {"progress", "link", "ask", "reply"},
        "a.unit_head": {"progress", "link", "reassign"},   # coordinates, heads the handling unit
        "a.leader": {"link", "reassign", "extend", "coordination"},
        "a.clerk": set(),
    }
    for username, expected in offered.items():
        page = browser(username).get(url).text
        assert {name for name, marker in buttons.items() if marker in page} == expected, username


def test_the_json_api_offers_the_same_actions_as_the_page(client, api, handled):
    offered = {
        "a.staff": {"may_record", "may_steer", "may_ask", "may_reply"},
        "a.unit_head": {"may_record", "may_steer", "may_reassign"},
        "a.leader": {"may_steer", "may_reassign", "may_lead"},
        "a.clerk": set(),
    }
    for username, expected in offered.items():
        handling = client.get(f"/api/incoming/{handled}", headers=api(username)).json()["handling"]
        assert {name for name, value in handling.items() if value is True} == expected, username


def test_the_navigation_offers_the_requests_to_leaders_and_unit_heads(browser, province):
    link = 'href="/incoming/requests">Đề nghị giao lại</a>'
    for username, shown in (("a.leader", True), ("a.unit_head", True), ("a.staff", False), ("a.clerk", False)):
        assert (link in browser(username).get("/tasks").text) is shown, username
    assert browser("a.staff").get("/incoming/requests").status_code == 403


def test_the_handle_task_page_links_to_the_document(browser, client, api, handled):
    (task,) = client.get("/api/tasks", headers=api("a.staff")).json()
    page = browser("a.staff").get(f"/tasks/{task['id']}").text
    assert f'<a href="/incoming/{handled}">Mở văn bản đến' in page
    document = browser("a.staff").get(f"/incoming/{handled}").text
    assert '<a href="/tasks">← Việc của tôi</a>' in document, "the handler does not read the register"
    assert 'href="/incoming">' not in document


# --------------------------------------------------------------------------- denials

def casework_posts(document_id: int, task_id: int, other_id: int, request_id: int = 1) -> dict[str, dict]:
    """Every casework form of the pages, with values the right person would get accepted."""
    base = f"/incoming/{document_id}"
    return {
        f"{base}/progress": {"text": "Đã xong"},
        f"{base}/related": {"related_to": f"#{other_id}"},
        f"{base}/related/{other_id}/unlink": {},
        f"{base}/reassignment-requests": {"reason": "Bận"},
        f"{base}/reply-drafts": {},
        f"{base}/reassign": {"lead_user_id": "", "lead_unit_id": "1", "reason": "Đổi"},
        f"{base}/extend": {"deadline": "2026-12-04T17:00", "reason": "Thêm"},
        f"{base}/distribution/reassign": {"leader_user_id": "1", "reason": "Đổi"},
        f"{base}/coordination/{task_id}/reassign": {"unit_id": "1", "reason": "Đổi"},
        f"{base}/coordination/{task_id}/extend": {"deadline": "2026-12-04T17:00", "reason": "Thêm"},
        f"{base}/reassignment-requests/{request_id}/grant": {"lead_user_id": "1", "reason": "Đổi"},
        f"{base}/reassignment-requests/{request_id}/decline": {"reason": "Không"},
    }


def stored(system) -> dict:
    return {**snapshot(system), "notes": count(system, ProgressNote), "links": count(system, RelatedLink),
            "requests": count(system, ReassignmentRequest), "drafts": count(system, OutgoingDocument)}


def test_a_forged_post_from_someone_else_is_403_and_stores_nothing(browser, client, api, system, office, handled):
    other = register(client, api, number_notation="7/SNV-VP")
    coordinate = task_row(system, handled, "coordinate")
    before = stored(system)
    refused = {  # who may not do what (the forms are not offered to them either)
        "a.staff2": ("progress", "related", "reassignment-requests", "reply-drafts"),
        "a.clerk": ("progress", "related", "reassign", "extend", "distribution", "coordination"),
        "a.unit_head": ("reply-drafts", "reassignment-requests", "extend", "coordination"),
        "a.leader": ("progress", "reassignment-requests", "reply-drafts"),
    }
    for username, kinds in refused.items():
        user = browser(username)
        token = csrf_of(user.get("/tasks").text)
        for url, fields in casework_posts(handled, coordinate.id, other).items():
            if url.split("/")[3] in kinds and "/grant" not in url and "/decline" not in url:
                response = user.post(url, data={**fields, "csrf_token": token})
                assert response.status_code == 403, (username, url, response.text[:300])
                assert "Bạn không có quyền thực hiện thao tác này." in response.text
    assert stored(system) == before


def test_another_agency_gets_404_and_changes_nothing(browser, client, api, system, office, handled):
    other = register(client, api, number_notation="7/SNV-VP")
    staff = browser("a.staff")
    post_form(staff, f"/incoming/{handled}/reassignment-requests", f"/incoming/{handled}", reason="Bận")
    draft_url = post_form(staff, f"/incoming/{handled}/reply-drafts", f"/incoming/{handled}").headers["location"]
    with system.sessions() as session:
        request_id = session.scalar(sa.select(ReassignmentRequest.id))
    coordinate = task_row(system, handled, "coordinate")
    before = stored(system)
    for username in ("b.leader", "b.unit_head", "b.staff"):
        user = browser(username)
        token = csrf_of(user.get("/tasks").text)
        for url, fields in casework_posts(handled, coordinate.id, other, request_id).items():
            response = user.post(url, data={**fields, "csrf_token": token})
            assert response.status_code == 404, (username, url)
            assert METADATA["subject"] not in response.text
        assert user.get(draft_url).status_code == 404
    assert METADATA["subject"] not in browser("b.leader").get("/incoming/requests").text
    assert stored(system) == before


def test_without_a_session_every_casework_page_goes_to_login(browser, client, api, system, handled):
    anonymous = browser(None)
    coordinate = task_row(system, handled, "coordinate")
    for url in ("/incoming/requests", "/outgoing/drafts/1"):  # back to the page after login
        assert (anonymous.get(url).status_code, anonymous.get(url).headers.get("location")) == (303, f"/login?next={url}"), url
    for url, fields in casework_posts(handled, coordinate.id, handled).items():
        response = anonymous.post(url, data=fields)
        assert (response.status_code, response.headers.get("location")) == (303, "/login"), url
    anonymous.cookies.set(SESSION_COOKIE, "forged")
    assert anonymous.get("/incoming/requests").headers["location"] == "/login?next=/incoming/requests"


def test_posts_without_the_sessions_csrf_token_are_403_and_store_nothing(browser, client, api, system, handled):
    other = register(client, api, number_notation="7/SNV-VP")
    coordinate = task_row(system, handled, "coordinate")
    before = stored(system)
    foreign_token = csrf_of(browser("a.leader").get("/tasks").text)  # the leader's other session
    for username in ("a.staff", "a.leader"):
        user = browser(username)
        for token in ("", "sai", foreign_token, "ô" * 43):
            for url, fields in casework_posts(handled, coordinate.id, other).items():
                response = user.post(url, data={**fields, "csrf_token": token})
                assert response.status_code == 403 and "chống giả mạo" in response.text, (username, url, token)
    assert stored(system) == before


# --------------------------------------------------------------------------- escaping

def test_what_people_type_is_escaped_everywhere_it_is_shown(browser, client, api, system, handled):
    other = register(client, api, number_notation="8/SNV-VP", subject=f"Tài liệu {SCRIPT}")
    staff = browser("a.staff")
    url = f"/incoming/{handled}"
    post_form(staff, f"{url}/progress", url, text=f"Tiến độ {SCRIPT}")
    post_form(staff, f"{url}/related", url, related_to=f"#{other}", note=f'"><b>{SCRIPT}')
    post_form(staff, f"{url}/reassignment-requests", url, reason=f"Lý do {SCRIPT}")
    refused = post_form(staff, f"{url}/progress", url, text="", percent=f'"><b>{SCRIPT}')
    pages = [staff.get(url), browser("a.leader").get(f"/incoming/{other}"),
             browser("a.unit_head").get("/incoming/requests"), refused]
    for page in pages:
        assert page.status_code in (200, 422)
        assert SCRIPT not in page.text and "<b>" not in page.text
        assert ESCAPED in page.text
    assert f"Tiến độ {ESCAPED}" in pages[0].text and f"Lý do {ESCAPED}" in pages[2].text
    assert "&#34;&gt;&lt;b&gt;" in pages[0].text
