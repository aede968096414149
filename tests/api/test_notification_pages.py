"""The notification centre, the email choices and the leader's urge over HTTP: the JSON API
(/api/notifications, /api/me/notification-preferences, /api/urges) and the pages (/notifications,
the header's badge, /account's email section, the admin's email field, the urge forms and buttons
on the document pages) — with their CSRF, their denials and nothing stored on a refusal."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from documents.models import User
from documents.notifications.models import Kind, Notification, NotificationPreference, Urge
from documents.notifications.service import Message, notify
from documents.outgoing import steps
from documents.outgoing.models import OutgoingDocument, State
from engine import clock as clocks
from engine.db import unit_of_work
from engine.models import HumanTask
from tests.api.conftest import complete, csrf_of, distribution_to, document_id, only_task, register_incoming

DEADLINE = "2026-11-23T10:00:00+07:00"      # two hours after START (Monday 08:00 in Vietnam)
BADGE = re.compile(r'<span class="bell-count" data-count="(\d+)">')
URGE_BUTTON = '<summary>Đôn đốc</summary>'


def told(system, person, count=1, link="/tasks", kind=Kind.REMINDER, start=0) -> list[int]:
    ids = []
    with unit_of_work(system.sessions) as session:
        for number in range(start, start + count):
            (row,) = notify(session, person.agency_id, [person.user_id],
                            Message(kind, f"Việc số {number} sắp đến hạn", "Hạn 17:00", link), f"t:{number}")
            session.flush()
            ids.append(row.id)
    return ids


def badge(html: str) -> int:
    found = BADGE.search(html)
    return int(found.group(1)) if found else 0


def overdue_incoming(client, api, people, clock) -> int:
    """A document the leader gave a.staff (Phòng Kinh tế) due two hours after START; the clock 3 hours on."""
    instance = register_incoming(client, api("a.clerk"))
    complete(client, api("a.leader"), only_task(instance, "distribute")["id"],
             {**distribution_to(people["a.staff"]), "deadline": DEADLINE})
    clock.advance(hours=3)
    return document_id(instance)


def count(system, model, *where) -> int:
    with system.sessions() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


# --------------------------------------------------------------------------- the JSON API

def test_the_centre_over_the_api(client, api, people, system, clock):
    staff = people["a.staff"]
    ids = told(system, staff, count=3)
    headers = api("a.staff")
    listed = client.get("/api/notifications", params={"limit": 2}, headers=headers).json()
    assert (listed["total"], listed["unread"], listed["limit"]) == (3, 3, 2)
    item = listed["items"][0]
    assert item["kind"] == "reminder" and item["link"] == "/tasks" and item["read_at"] is None
    assert item["created_at"] == "2026-11-23T08:00:00+07:00"
    read = client.post(f"/api/notifications/{ids[0]}/read", headers=headers)
    assert read.status_code == 200 and read.json()["read_at"] == "2026-11-23T08:00:00+07:00"
    assert client.get("/api/notifications/unread-count", headers=headers).json() == {"unread": 2}
    unread = client.get("/api/notifications", params={"unread": "true"}, headers=headers).json()
    assert sorted(n["id"] for n in unread["items"]) == ids[1:]
    # Another person's notification is not found, for a colleague and for another agency alike.
    for other in ("a.leader", "b.staff"):
        assert client.post(f"/api/notifications/{ids[1]}/read", headers=api(other)).status_code == 404
    assert client.post("/api/notifications/read-all", headers=api("a.leader")).json() == {"marked": 0}
    assert client.post("/api/notifications/read-all", headers=headers).json() == {"marked": 2}
    assert client.get("/api/notifications/unread-count", headers=headers).json() == {"unread": 0}
    assert client.get("/api/notifications", params={"limit": 1000}, headers=headers).status_code == 422
    assert client.get("/api/notifications").status_code == 401


def test_ones_email_choices_over_the_api(client, api, people, system):
    headers = api("a.staff")
    shown = client.get("/api/me/notification-preferences", headers=headers).json()
    assert shown == {"email": None, "by_email": {"reminder": False, "overdue": True, "escalation": True,
                                                 "urgency": True, "urge": True, "digest": True}}
    changed = client.put("/api/me/notification-preferences", headers=headers,
                         json={"email": " staff@SoNoiVu.gov.vn", "by_email": {"reminder": True, "digest": False}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["email"] == "staff@sonoivu.gov.vn"
    assert changed.json()["by_email"]["reminder"] is True and changed.json()["by_email"]["digest"] is False
    # Only the kinds named change; the address stays when left out.
    kept = client.put("/api/me/notification-preferences", headers=headers, json={"by_email": {"urge": False}}).json()
    assert kept["email"] == "staff@sonoivu.gov.vn" and kept["by_email"]["reminder"] is True
    refused = client.put("/api/me/notification-preferences", headers=headers,
                         json={"email": "khong hop le", "by_email": {"reminder": False}})
    assert refused.status_code == 422
    assert refused.json()["error"]["errors"] == {"email": "Địa chỉ email không hợp lệ (ví dụ: ten@coquan.gov.vn)."}
    assert client.put("/api/me/notification-preferences", headers=headers,
                      json={"by_email": {"spam": True}}).status_code == 422
    again = client.get("/api/me/notification-preferences", headers=headers).json()
    assert again == kept  # nothing of the refused ones stored
    assert client.get("/api/me/notification-preferences", headers=api("a.leader")).json()["email"] is None


def test_an_urge_over_the_api_reaches_the_holder_and_is_in_the_history(client, api, people, system, clock,
                                                                         browser):
    document = overdue_incoming(client, api, people, clock)
    made = client.post("/api/urges", headers=api("a.leader"),
                       json={"incoming_document_id": document, "note": "Báo cáo trước 16 giờ"})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["recipients"] == [people["a.staff"].user_id] and body["note"] == "Báo cáo trước 16 giờ"
    told_staff = client.get("/api/notifications", headers=api("a.staff")).json()["items"]
    # Newest first: the urge, then the reminder given when the handling opened (due in 2 hours).
    assert [(n["kind"], n["link"]) for n in told_staff] == [("urge", f"/incoming/{document}"),
                                                            ("reminder", told_staff[1]["link"])]
    # The unit head of the lead unit may urge too; the history shows both.
    assert client.post("/api/urges", headers=api("a.unit_head"),
                       json={"incoming_document_id": document}).status_code == 201
    html = browser("a.leader").get(f"/incoming/{document}").text
    assert "leader a đôn đốc xử lý (gửi tới: staff a)" in html and "Báo cáo trước 16 giờ" in html
    assert "unit_head a đôn đốc xử lý (gửi tới: staff a)" in html


@pytest.mark.parametrize("who, status", [("a.staff", 403), ("a.clerk", 403), ("a.admin", 403),
                                         ("b.leader", 404), ("b.unit_head", 404)])
def test_who_may_not_urge_is_refused_and_nothing_stored(client, api, people, system, clock, who, status):
    document = overdue_incoming(client, api, people, clock)
    refused = client.post("/api/urges", headers=api(who), json={"incoming_document_id": document})
    assert refused.status_code == status, refused.text
    assert count(system, Urge) == 0 and count(system, Notification, Notification.kind == Kind.URGE) == 0


def test_the_head_of_another_unit_and_work_not_overdue_are_refused(client, api, people, system, clock):
    with unit_of_work(system.sessions) as session:
        from documents import accounts
        from documents.models import Agency, OrgUnit
        agency = session.scalar(sa.select(Agency).where(Agency.code == people["a.leader"].agency_code))
        unit = accounts.create_unit(session, agency, "Phòng Tổng hợp")
        other_head = accounts.create_user(session, agency, "a.head2", "head2 a", "mat-khau-thu-nghiem",
                                          ["unit_head"], unit=session.get(OrgUnit, unit.id))
        assert other_head.id
    instance = register_incoming(client, api("a.clerk"))
    complete(client, api("a.leader"), only_task(instance, "distribute")["id"],
             {**distribution_to(people["a.staff"]), "deadline": DEADLINE})
    document = document_id(instance)
    early = client.post("/api/urges", headers=api("a.leader"), json={"incoming_document_id": document})
    assert early.status_code == 422
    assert early.json()["error"]["message"] == "Văn bản chưa quá hạn xử lý: chỉ đôn đốc việc đã quá hạn."
    clock.advance(hours=3)
    assert client.post("/api/urges", headers=api("a.head2"), json={"incoming_document_id": document}).status_code == 403
    both = client.post("/api/urges", headers=api("a.leader"),
                       json={"incoming_document_id": document, "outgoing_document_id": 1})
    assert both.status_code == 422
    assert count(system, Urge) == 0 and count(system, Notification, Notification.kind == Kind.URGE) == 0


# --------------------------------------------------------------------------- the pages

def test_the_badge_on_every_page_and_the_centre(browser, people, system):
    staff = people["a.staff"]
    ids = told(system, staff, count=3)
    page = browser("a.staff")
    for path in ("/tasks", "/account", "/outgoing", "/incoming/informed"):
        assert badge(page.get(path).text) == 3, path
    html = page.get("/notifications").text
    assert "Việc số 2 sắp đến hạn" in html and "Nhắc hạn" in html and "Đánh dấu đã đọc tất cả" in html
    assert html.index("Việc số 2") < html.index("Việc số 0")  # newest first
    assert '08:00, 23/11/2026' in html
    # Opening marks it read and goes to its link; the badge decreases.
    token = csrf_of(html)
    opened = page.post(f"/notifications/{ids[0]}/open", data={"csrf_token": token})
    assert opened.status_code == 303 and opened.headers["location"] == "/tasks"
    assert badge(page.get("/tasks").text) == 2
    assert f'id="notification-{ids[0]}"' not in page.get("/notifications?unread=1").text
    assert page.post("/notifications/read-all", data={"csrf_token": token}).status_code == 303
    assert badge(page.get("/tasks").text) == 0
    # Another person sees no badge of someone else's notifications.
    assert badge(browser("a.leader").get("/tasks").text) == 0


def test_paths_in_a_notifications_text_are_links_and_the_rest_is_escaped(browser, people, system):
    """A digest names its items' pages in its text: the centre links them (local paths only)."""
    staff = people["a.staff"]
    with unit_of_work(system.sessions) as session:
        notify(session, staff.agency_id, [staff.user_id], Message(
            Kind.DIGEST, "Công việc ngày 23/11/2026", "- Xử lý <b>văn bản</b>: /tasks/7\n- xem //evil.example/x"),
            "digest:2026-11-23")
    html = browser("a.staff").get("/notifications").text
    assert '<a href="/tasks/7">/tasks/7</a>' in html
    assert "&lt;b&gt;văn bản&lt;/b&gt;" in html and 'href="//evil' not in html


def test_the_centre_refuses_forged_and_foreign_requests(browser, people, system):
    (mine,) = told(system, people["a.staff"])
    (elsewhere,) = told(system, people["a.staff"], link="https://evil.example/phish", start=5)
    staff = browser("a.staff")
    token = csrf_of(staff.get("/notifications").text)
    assert staff.post(f"/notifications/{mine}/open", data={}).status_code == 403
    assert staff.post("/notifications/read-all", data={"csrf_token": "forged"}).status_code == 403
    leader = browser("a.leader")
    assert leader.post(f"/notifications/{mine}/open", data={"csrf_token": csrf_of(leader.get("/tasks").text)}
                       ).status_code == 404
    refused = staff.post(f"/notifications/{elsewhere}/open", data={"csrf_token": token})
    assert refused.status_code == 400 and "evil.example" not in refused.headers.get("location", "")
    assert count(system, Notification, Notification.read_at.is_not(None)) == 0
    assert browser(None).get("/notifications").status_code == 303  # to the login


def test_the_account_page_sets_ones_email_and_choices(browser, people, system):
    page = browser("a.staff")
    html = page.get("/account").text
    assert "Nhận thông báo qua email" in html and "Khi lãnh đạo đôn đốc việc bạn đang giữ." in html
    token = csrf_of(html)
    bad = page.post("/account/notifications", data={"csrf_token": token, "email": "sai@", "by_email": ["reminder"]})
    assert bad.status_code == 422 and "Địa chỉ email không hợp lệ" in bad.text
    assert count(system, NotificationPreference) == 0
    saved = page.post("/account/notifications", data={"csrf_token": token, "email": "Staff@CoQuan.vn",
                                                      "by_email": ["reminder", "urge"]})
    assert saved.status_code == 303
    with system.sessions() as session:
        assert session.get(User, people["a.staff"].user_id).email == "Staff@coquan.vn"
    html = page.get(saved.headers["location"]).text
    assert 'value="reminder" checked' in html and 'value="overdue">' in html
    assert page.post("/account/notifications", data={"email": "x@y.vn"}).status_code == 403


def test_the_admin_sets_a_users_email(browser, people, system):
    admin = browser("a.admin")
    staff = people["a.staff"]
    html = admin.get(f"/admin/users/{staff.user_id}").text
    assert "Email nhận thông báo" in html
    form = {"csrf_token": csrf_of(html), "full_name": "staff a", "unit_id": str(staff.unit_id), "position": "",
            "roles": ["staff"]}
    bad = admin.post(f"/admin/users/{staff.user_id}", data={**form, "email": "khong-phai-email"})
    assert bad.status_code == 422 and "Địa chỉ email không hợp lệ" in bad.text
    assert admin.post(f"/admin/users/{staff.user_id}", data={**form, "email": "cv@coquan.vn"}).status_code == 303
    # Left out of the form: unchanged.
    assert admin.post(f"/admin/users/{staff.user_id}", data=form).status_code == 303
    with system.sessions() as session:
        assert session.get(User, staff.user_id).email == "cv@coquan.vn"
    other = browser("b.admin")
    assert other.post(f"/admin/users/{staff.user_id}", data={**form, "csrf_token": csrf_of(other.get("/tasks").text),
                                                            "email": "x@y.vn"}).status_code == 404


def test_the_urge_button_and_form_on_the_incoming_page(browser, client, api, people, system, clock):
    document = overdue_incoming(client, api, people, clock)
    leader = browser("a.leader")
    html = leader.get(f"/incoming/{document}").text
    assert URGE_BUTTON in html and f'action="/incoming/{document}/urge"' in html
    assert URGE_BUTTON not in browser("a.staff").get(f"/incoming/{document}").text
    token = csrf_of(html)
    assert leader.post(f"/incoming/{document}/urge", data={"note": "x"}).status_code == 403
    foreign = leader.post(f"/incoming/{document}/urge",
                          data={"csrf_token": token, "next": "https://evil.example/"})
    assert foreign.status_code == 400 and count(system, Urge) == 0
    staff = browser("a.staff")
    denied = staff.post(f"/incoming/{document}/urge", data={"csrf_token": csrf_of(staff.get("/tasks").text)})
    assert denied.status_code == 403 and count(system, Urge) == 0
    done = leader.post(f"/incoming/{document}/urge",
                       data={"csrf_token": token, "note": "Gấp", "next": "/dashboard?unit=1"})
    assert done.status_code == 303 and done.headers["location"] == "/dashboard?unit=1"
    assert badge(staff.get("/tasks").text) == 2  # the urge, and the reminder given at the distribution
    assert "leader a đôn đốc xử lý (gửi tới: staff a)" in leader.get(f"/incoming/{document}").text


def test_the_urge_on_a_document_not_overdue_is_refused_on_the_page(browser, client, api, people, system):
    instance = register_incoming(client, api("a.clerk"))
    complete(client, api("a.leader"), only_task(instance, "distribute")["id"],
             {**distribution_to(people["a.staff"]), "deadline": DEADLINE})
    document = document_id(instance)
    leader = browser("a.leader")
    html = leader.get(f"/incoming/{document}").text
    assert URGE_BUTTON not in html
    refused = leader.post(f"/incoming/{document}/urge", data={"csrf_token": csrf_of(html)})
    assert refused.status_code == 422 and "chưa quá hạn" in refused.text and count(system, Urge) == 0


def test_the_urge_panel_on_the_outgoing_page(browser, people, system, clock):
    staff = people["a.staff"]
    with unit_of_work(system.sessions) as session:
        now = clocks.now()
        document = OutgoingDocument(agency_id=staff.agency_id, author_id=staff.user_id, unit_id=staff.unit_id,
                                    subject="Về việc tổng kết năm 2026", doc_type="Công văn", state=State.DRAFTING,
                                    created_at=now, updated_at=now)
        session.add(document)
        session.flush()
        steps.start(session, system.runtime, staff, document)
        for task in session.scalars(sa.select(HumanTask).where(HumanTask.instance_id == document.process_instance_id)):
            task.due_at = now
        outgoing = document.id
    clock.advance(hours=1)
    head = browser("a.unit_head")
    html = head.get(f"/outgoing/{outgoing}").text
    assert URGE_BUTTON in html and f'action="/outgoing/{outgoing}/urge"' in html
    done = head.post(f"/outgoing/{outgoing}/urge", data={"csrf_token": csrf_of(html), "note": "Trình ngay"})
    assert done.status_code == 303 and done.headers["location"] == f"/outgoing/{outgoing}"
    shown = head.get(f"/outgoing/{outgoing}").text
    assert "unit_head a đôn đốc xử lý (gửi tới: staff a)" in shown and "Trình ngay" in shown
    with system.sessions() as session:
        (row,) = session.scalars(sa.select(Notification))
        assert (row.user_id, row.kind, row.link) == (staff.user_id, Kind.URGE, f"/outgoing/{outgoing}")
