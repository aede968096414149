"""The task forms' widgets at the HTTP level: units and people offered by name (the agency's own,
active ones), dates typed dd/mm/yyyy stored as ISO 8601 in Vietnam time (and refused next to the
field in the user's language), decisions that never default, CSRF, the form kept across an
expired session (signed, restored once, never an open redirect)."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from starlette.datastructures import FormData

from api.pages import form_stash
from api.pages.formdata import coerce, undated
from documents import accounts, organisation
from documents.models import Agency, AuthSession, OrgUnit
from engine.db import unit_of_work
from engine.models import HistoryEntry, HumanTask
from tests.api.conftest import (SESSION_COOKIE, complete, csrf_of, distribution_to, document_id, only_task,
                                register_incoming, snapshot)
from tests.conftest import PASSWORD

DISTRIBUTE = {"decision": "assign", "direction": "Giao Phòng Kinh tế chủ trì."}


def distribute_task(client, api) -> int:
    return only_task(register_incoming(client, api("a.clerk")), "distribute")["id"]


def stored(system, spec_name: str) -> dict:
    with system.sessions() as session:
        return session.scalar(sa.select(HistoryEntry.data).where(HistoryEntry.spec_name == spec_name,
                                                                 HistoryEntry.action == "completed"))


def status_of(system, task_id: int) -> str:
    with system.sessions() as session:
        return session.get(HumanTask, task_id).status


def field_html(html: str, name: str) -> str:
    """The markup of one field's box: its label, control and error."""
    found = re.search(rf'<div class="field[^"]*" id="field-{name}".*?</div>', html, re.S)
    assert found, f"no field {name}"
    return found.group(0)


# --------------------------------------------------------------------------- pickers by name

def test_the_distribution_offers_the_agencys_units_and_active_people_by_name(browser, client, api, system, province):
    with unit_of_work(system.sessions) as session:
        economy = session.get(OrgUnit, province["a.staff"].unit_id)
        agency = session.get(Agency, economy.agency_id)
        section = accounts.create_unit(session, agency, "Tổ Đầu tư")
        section.parent_id = economy.id
        accounts.create_unit(session, agency, "Ban Tiếp dân")
        gone = accounts.create_user(session, agency, "a.retired", "Người Đã Nghỉ", PASSWORD, ["staff"], unit=economy)
        gone.active = False
        section_id = section.id
    task_id = distribute_task(client, api)
    page = browser("a.leader").get(f"/tasks/{task_id}").text

    # The units as a tree: a sub-unit right under its parent, indented; one radio a unit to lead.
    # A unit with no head is marked (nobody would take its task).
    rows = re.findall(r'<th scope="row" class="unit depth-(\d)">([^<]+?)(?: <span class="headless muted">\(([^)]*)\)</span>)?</th>',
                      page)
    assert rows == [("0", "Ban Tiếp dân", "chưa có trưởng đơn vị"), ("0", "Phòng Kinh tế", ""),
                    ("1", "Tổ Đầu tư", "chưa có trưởng đơn vị")]
    assert f'name="lead_unit_id" value="{section_id}"' in page
    assert f'name="coordinators" value="{section_id}"' in page and f'name="informed_units" value="{section_id}"' in page
    # People grouped by unit, with their position; never another agency's nor an inactive one.
    lead_person = field_html(page, "lead_user_id")
    assert '<optgroup label="Phòng Kinh tế">' in lead_person
    assert f'<option value="{province["a.staff"].user_id}">staff a</option>' in lead_person
    assert "Người Đã Nghỉ" not in page
    table = page.split('<table class="distribution-table">')[1].split("</table>")[0]
    assert "staff b" not in page and f'value="{province["b.staff"].unit_id}"' not in table
    assert 'type="number"' not in page, "no id is typed"


def test_the_organisation_lists_every_unit_once_even_with_a_broken_parent(system, province):
    with unit_of_work(system.sessions) as session:
        agency = session.get(Agency, province["a.staff"].agency_id)
        first, second = accounts.create_unit(session, agency, "Đơn vị A"), accounts.create_unit(session, agency, "Đơn vị B")
        session.flush()
        first.parent_id, second.parent_id = second.id, first.id  # a cycle: no root reaches them
        session.flush()
        found = organisation.of_agency(session, agency.id)
    assert sorted(u.name for u in found.units) == ["Phòng Kinh tế", "Đơn vị A", "Đơn vị B"]
    assert [g.unit.name if g.unit else None for g in found.groups] == [None, "Phòng Kinh tế"]


def test_another_agencys_unit_is_refused_next_to_its_field(browser, client, api, system, province):
    task_id = distribute_task(client, api)
    leader = browser("a.leader")
    csrf = csrf_of(leader.get(f"/tasks/{task_id}").text)
    before = snapshot(system)
    response = leader.post(f"/tasks/{task_id}", data={**DISTRIBUTE, "lead_unit_id": str(province["b.staff"].unit_id),
                                                      "csrf_token": csrf})
    assert response.status_code == 422
    assert "Chọn một đơn vị của cơ quan." in response.text.split('id="field-distribution"')[1].split("</fieldset>")[0]
    assert snapshot(system) == before


def test_a_deactivated_unit_is_refused_even_when_posted_by_hand(browser, client, api, system, province):
    task_id = distribute_task(client, api)
    leader = browser("a.leader")
    csrf = csrf_of(leader.get(f"/tasks/{task_id}").text)
    with unit_of_work(system.sessions) as session:
        closed = OrgUnit(agency_id=province["a.staff"].agency_id, name="Phòng đã giải thể", active=False)
        session.add(closed)
        session.flush()
        closed_id = closed.id
    before = snapshot(system)
    response = leader.post(f"/tasks/{task_id}", data={**DISTRIBUTE, "lead_unit_id": str(closed_id), "csrf_token": csrf})
    assert response.status_code == 422 and "Chọn một đơn vị của cơ quan." in response.text
    assert snapshot(system) == before


def test_the_acting_persons_own_unit_comes_first_among_the_people(system, province):
    with unit_of_work(system.sessions) as session:
        agency_id = province["a.unit_head"].agency_id
        unit = accounts.create_unit(session, session.get(Agency, agency_id), "Phòng Tài chính")
        accounts.create_user(session, session.get(Agency, agency_id), "a.finance", "Người Tài chính", PASSWORD,
                             ["staff"], unit=unit)
        found = organisation.of_agency(session, agency_id, unit.id)
    assert [g.unit.name if g.unit else None for g in found.groups] == ["Phòng Tài chính", None, "Phòng Kinh tế"]


# --------------------------------------------------------------------------- decisions

def test_a_decision_is_a_button_a_choice_and_never_defaults(browser, client, api, system, province):
    task_id = distribute_task(client, api)
    leader = browser("a.leader")
    page = leader.get(f"/tasks/{task_id}").text
    assert '<button type="submit" name="decision" value="assign"' in page
    assert re.search(r'<button type="submit" name="decision" value="return"\s+class="danger"\s+data-confirm=', page)
    assert '<select name="decision"' not in page and 'type="checkbox" name="decision"' not in page
    before = snapshot(system)
    # Enter in a text field "presses" the first button: a disabled one, so nothing is decided.
    assert re.search(r'<form method="post" action="/tasks/\d+".*?<button type="submit" class="implicit" disabled', page, re.S)
    response = leader.post(f"/tasks/{task_id}", data={"direction": "x", "csrf_token": csrf_of(page)})
    assert response.status_code == 422 and "Trường «Quyết định» là bắt buộc." in response.text
    assert snapshot(system) == before


def test_the_review_is_approved_or_returned_with_its_reason_never_by_a_checkbox(browser, client, api, system, province):
    instance = register_incoming(client, api("a.clerk"))
    instance = complete(client, api("a.leader"), only_task(instance, "distribute")["id"], distribution_to(province["a.staff"]))
    instance = complete(client, api("a.staff"), only_task(instance, "handle")["id"], {"result": "Xong", "completed": True})
    review = only_task(instance, "review")["id"]
    head = browser("a.unit_head")
    page = head.get(f"/tasks/{review}").text
    assert 'type="checkbox"' not in page.split('class="card task-form"')[1]
    assert '<button type="submit" name="approved" value="true"' in page and 'name="approved" value="false"' in page
    csrf = csrf_of(page)

    unticked = head.post(f"/tasks/{review}", data={"comment": "", "csrf_token": csrf})  # no button: no decision
    assert unticked.status_code == 422 and "Trường «Đồng ý kết quả» là bắt buộc." in unticked.text
    no_reason = head.post(f"/tasks/{review}", data={"approved": "false", "comment": " ", "csrf_token": csrf})
    assert no_reason.status_code == 422
    assert "Trường «Ý kiến (lý do, khi trả lại)» là bắt buộc." in field_html(no_reason.text, "comment")
    assert status_of(system, review) == "ready"
    done = head.post(f"/tasks/{review}", data={"approved": "true", "csrf_token": csrf})
    assert done.status_code == 303
    assert stored(system, "review")["approved"] is True


def test_a_decision_without_the_csrf_token_is_refused_and_stores_nothing(browser, client, api, system, province):
    task_id = distribute_task(client, api)
    leader = browser("a.leader")
    leader.get(f"/tasks/{task_id}")
    before = snapshot(system)
    response = leader.post(f"/tasks/{task_id}", data={"decision": "return", "return_reason": "Sai nơi nhận"})
    assert response.status_code == 403
    assert snapshot(system) == before and status_of(system, task_id) == "ready"


# --------------------------------------------------------------------------- dates

@pytest.mark.parametrize("typed, expected", [
    ("20/12/2026", "2026-12-20T17:00:00+07:00"),          # a day: the end of that working day
    ("5/1/2027 08:30", "2027-01-05T08:30:00+07:00"),
    ("20-12-2026 9h15", "2026-12-20T09:15:00+07:00"),
    ("2026-12-20", "2026-12-20T17:00:00+07:00"),
    ("2026-12-20T08:00", "2026-12-20T08:00:00+07:00"),     # the picker's ISO, Vietnam time
    ("2026-12-20T01:00:00+00:00", "2026-12-20T01:00:00+00:00"),
])
def test_a_deadline_typed_as_people_write_it_is_iso_in_vietnam_time(typed, expected):
    schema = {"properties": {"deadline": {"type": "string", "format": "date-time"}}}
    data = coerce(FormData([("deadline", typed)]), schema)
    assert data == {"deadline": expected} and undated(data, schema) == []


@pytest.mark.parametrize("typed", ["31/02/2026", "20/13/2026", "20/12/26", "hôm nay", "20/12/2026 25:00",
                                   "01/01/1800"])
def test_a_date_that_is_no_date_is_left_for_the_schema_and_named(typed):
    schema = {"properties": {"document_date": {"type": "string", "format": "date"}}}
    data = coerce(FormData([("document_date", typed)]), schema)
    assert data == {"document_date": typed} and undated(data, schema) == ["document_date"]


def test_the_deadline_typed_dd_mm_yyyy_is_stored_as_iso(browser, client, api, system, province):
    task_id = distribute_task(client, api)
    leader, staff = browser("a.leader"), province["a.staff"]
    csrf = csrf_of(leader.get(f"/tasks/{task_id}").text)
    response = leader.post(f"/tasks/{task_id}", data={**DISTRIBUTE, "lead_user_id": str(staff.user_id),
                                                      "deadline": "18/12/2026", "csrf_token": csrf})
    assert response.status_code == 303, response.text
    assert stored(system, "distribute")["deadline"] == "2026-12-18T17:00:00+07:00"


@pytest.mark.parametrize("locale, message", [
    ("vi", "«Hạn xử lý» không phải ngày hợp lệ: nhập dạng dd/mm/yyyy hoặc dd/mm/yyyy hh:mm"),
    ("en", "“Deadline” is not a valid date: type it as dd/mm/yyyy or dd/mm/yyyy hh:mm"),
])
def test_a_wrong_date_comes_back_next_to_its_field_in_the_users_language(browser, client, api, system, province,
                                                                          locale, message):
    task_id = distribute_task(client, api)
    leader = browser("a.leader")
    leader.cookies.set("lang", locale)
    csrf = csrf_of(leader.get(f"/tasks/{task_id}").text)
    before = snapshot(system)
    response = leader.post(f"/tasks/{task_id}", data={**DISTRIBUTE, "lead_user_id": str(province["a.staff"].user_id),
                                                      "deadline": "31/02/2026", "csrf_token": csrf})
    assert response.status_code == 422
    deadline = field_html(response.text, "deadline")
    assert message in deadline and 'value="31/02/2026"' in deadline and 'aria-invalid="true"' in deadline
    assert snapshot(system) == before


# --------------------------------------------------------------------------- an expired session

def expired(system, browser, username: str):
    """A page client of ``username`` whose session has just expired (it still sends its cookie)."""
    person = browser(username)
    with unit_of_work(system.sessions) as session:
        session.execute(sa.update(AuthSession).values(expires_at=AuthSession.created_at))
    return person


def test_a_form_posted_after_the_session_expired_is_kept_and_restored_once_after_login(browser, client, api, system,
                                                                                       province):
    task_id = distribute_task(client, api)
    anonymous = expired(system, browser, "a.leader")
    response = anonymous.post(f"/tasks/{task_id}", data={"decision": "assign", "direction": "Chỉ đạo đã gõ",
                                                         "coordinators": ["7", "8"], "csrf_token": "old-token"},
                              headers={"Referer": f"http://testserver/tasks/{task_id}"})
    assert (response.status_code, response.headers["location"]) == (303, f"/login?next=/tasks/{task_id}")
    kept = form_stash._unpack(anonymous.cookies.get(form_stash.STASH_COOKIE))
    assert kept.fields == {"decision": "assign", "direction": "Chỉ đạo đã gõ", "coordinators": ["7", "8"]}
    login = anonymous.get(f"/login?next=/tasks/{task_id}")
    assert f'name="next" value="/tasks/{task_id}"' in login.text and "Nội dung bạn vừa nhập đã được giữ lại" in login.text
    answer = anonymous.post("/login", data={"username": "a.leader", "password": PASSWORD,
                                            "csrf_token": csrf_of(login.text), "next": f"/tasks/{task_id}"})
    assert (answer.status_code, answer.headers["location"]) == (303, f"/tasks/{task_id}")

    page = anonymous.get(f"/tasks/{task_id}")
    assert "Đã khôi phục nội dung bạn nhập" in page.text and "Chỉ đạo đã gõ</textarea>" in page.text
    assert not anonymous.cookies.get(form_stash.STASH_COOKIE), "restored once"
    assert "Chỉ đạo đã gõ" not in anonymous.get(f"/tasks/{task_id}").text
    assert status_of(system, task_id) == "ready"


def test_a_form_posted_with_no_session_at_all_is_not_kept(browser, client, api, province):
    task_id = distribute_task(client, api)
    anonymous = browser(None)
    response = anonymous.post(f"/tasks/{task_id}", data={"direction": "Ai đó"},
                              headers={"Referer": f"http://testserver/tasks/{task_id}"})
    assert response.headers["location"] == f"/login?next=/tasks/{task_id}"
    assert not anonymous.cookies.get(form_stash.STASH_COOKIE), "nobody could tell whose form it was"


def test_a_kept_form_is_not_restored_to_another_person_logging_in(browser, client, api, system, province):
    task_id = distribute_task(client, api)
    shared = expired(system, browser, "a.leader")
    shared.post(f"/tasks/{task_id}", data={"direction": "Riêng của lãnh đạo"},
                headers={"Referer": f"http://testserver/tasks/{task_id}"})
    assert shared.cookies.get(form_stash.STASH_COOKIE)
    login = shared.get(f"/login?next=/tasks/{task_id}")
    answer = shared.post("/login", data={"username": "a.clerk", "password": PASSWORD,
                                         "csrf_token": csrf_of(login.text), "next": f"/tasks/{task_id}"})
    assert answer.status_code == 303 and not shared.cookies.get(form_stash.STASH_COOKIE)


def test_a_tampered_kept_form_is_ignored(browser, client, api, province):
    task_id = distribute_task(client, api)
    leader = browser("a.leader")
    body = form_stash._pack(form_stash.Kept(f"/tasks/{task_id}", {"direction": "Của kẻ khác"},
                                            province["a.leader"].user_id))
    leader.cookies.set(form_stash.STASH_COOKIE, body[:-4] + "0000")
    assert "Của kẻ khác" not in leader.get(f"/tasks/{task_id}").text
    leader.cookies.set(form_stash.STASH_COOKIE, body)
    assert "Của kẻ khác" in leader.get(f"/tasks/{task_id}").text


@pytest.mark.parametrize("wanted, landed", [
    ("/incoming/3?tab=files", "/incoming/3?tab=files"),
    ("//evil.example/x", "/tasks"), ("/\\evil.example", "/tasks"), ("https://evil.example/", "/tasks"),
    ("javascript:alert(1)", "/tasks"), ("/tasks\r\nSet-Cookie: x=1", "/tasks"), ("", "/tasks"),
])
def test_login_goes_back_only_to_a_page_of_this_site(browser, province, wanted, landed):
    anonymous = browser(None)
    login = anonymous.get("/login", params={"next": wanted})
    response = anonymous.post("/login", data={"username": "a.leader", "password": PASSWORD,
                                              "csrf_token": csrf_of(login.text), "next": wanted})
    assert (response.status_code, response.headers["location"]) == (303, landed)
    assert anonymous.cookies.get(SESSION_COOKIE)


def test_a_casework_form_kept_across_an_expired_session_is_shown_again_on_the_document(browser, client, api,
                                                                                       system, province):
    instance = register_incoming(client, api("a.clerk"))
    complete(client, api("a.leader"), only_task(instance, "distribute")["id"], distribution_to(province["a.staff"]))
    page = f"/incoming/{document_id(instance)}"
    anonymous = expired(system, browser, "a.staff")
    response = anonymous.post(f"{page}/progress", data={"text": "Đã họp với Sở Tài chính", "percent": "40"},
                              headers={"Referer": f"http://testserver{page}"})
    assert response.headers["location"] == f"/login?next={page}"
    login = anonymous.get(response.headers["location"])
    answer = anonymous.post("/login", data={"username": "a.staff", "password": PASSWORD, "next": page,
                                            "csrf_token": csrf_of(login.text)})
    assert answer.headers["location"] == page
    progress = anonymous.get(page).text.split('id="progress"')[1]
    assert "Đã họp với Sở Tài chính</textarea>" in progress and 'value="40"' in progress
    assert "Đã khôi phục nội dung bạn nhập" in progress
