"""Task forms people can use (issue 8, item 3), in Chromium on the demo province: the leader
distributes by picking units and a person by name and a deadline in the date picker; the unit
head decides with buttons, and "Trả lại" asks first; a form sent after the session expired
keeps what was typed; a task another person completed says who and shows no form."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from documents import accounts, processes
from documents.incoming import service
from documents.models import Agency, AuthSession, OrgUnit, User
from documents.system import System
from engine.db import unit_of_work
from engine.runtime import HumanTask
from tests.browser.conftest import DEMO_AGENCY, assert_accessible, assert_fits_width, log_in, screenshot

SUBJECT = "V/v báo cáo tình hình thực hiện dự án đường liên xã"
METADATA = {"issuer_name": "Sở Tài chính tỉnh Demo", "number_notation": "45/STC-NS", "document_date": "2026-11-20",
            "doc_type": "Công văn", "subject": SUBJECT, "urgency": "normal"}
DIRECTION = "Giao Phòng Kinh tế chủ trì, Văn phòng phối hợp; báo cáo trước hạn."


def identity(session, username: str) -> accounts.Identity:
    return accounts.identity_of(session, session.scalar(sa.select(User).where(User.username == username)))


def unit_id(session, name: str) -> int:
    agency = sa.select(Agency.id).where(Agency.code == DEMO_AGENCY).scalar_subquery()
    return session.scalar(sa.select(OrgUnit.id).where(OrgUnit.name == name, OrgUnit.agency_id == agency))


def registered(pg: System) -> int:
    """The clerk has registered a document: its distribution waits for the leader. Its task id."""
    with unit_of_work(pg.sessions) as session:
        service.register(session, pg.runtime, pg.files, pg.keystore, identity(session, "vanthu"), METADATA)
        (task,) = pg.runtime.ready_tasks(session, identity(session, "lanhdao").principal)
        return task.id


def completed_data(pg: System, task_id: int) -> dict:
    """What the engine stored when the task was completed."""
    with pg.sessions() as session:
        task = session.get(HumanTask, task_id)
        entry = next(h for h in pg.runtime.history(session, task.instance_id)
                     if h.action == "completed" and h.spec_name == task.spec_name)
        return entry.data


def in_review(pg: System) -> int:
    """Distributed to the specialist of Phòng Kinh tế, who reported the result: the review's task id."""
    task_id = registered(pg)
    with unit_of_work(pg.sessions) as session:
        staff = identity(session, "chuyenvien")
        processes.complete(session, pg.runtime, identity(session, "lanhdao"), task_id, {
            "decision": "assign", "direction": DIRECTION, "lead_user_id": staff.user_id, "lead_unit_id": staff.unit_id})
    with unit_of_work(pg.sessions) as session:
        staff = identity(session, "chuyenvien")
        (handle,) = pg.runtime.ready_tasks(session, staff.principal)
        processes.complete(session, pg.runtime, staff, handle.id, {"result": "Đã báo cáo bằng Công văn 12/KT.",
                                                                    "completed": True})
    with unit_of_work(pg.sessions) as session:
        (review,) = pg.runtime.ready_tasks(session, identity(session, "truongphong").principal)
        assert review.spec_name == "review"
        return review.id


def test_the_leader_distributes_by_picking_units_a_person_and_a_date(pg: System, demo_server: str, open_page):
    from playwright.sync_api import expect

    task_id = registered(pg)
    page = open_page("lanhdao")
    page.goto(f"{demo_server}/tasks/{task_id}")
    expect(page.get_by_role("heading", name="Phân phối văn bản đến")).to_be_visible()
    form = page.locator("form.task-form")
    # Names only: no id is typed, no id is shown.
    table = form.locator("table.distribution-table")
    expect(table.locator("tbody th")).to_have_text([re.compile("^Phòng Hành chính - Tổng hợp"), "Phòng Kinh tế",
                                                     re.compile("Không giao đơn vị chủ trì")])
    expect(form.locator("input[type=number]")).to_have_count(0)
    expect(form.locator("input[type=checkbox][name=decision], select[name=decision]")).to_have_count(0)
    screenshot(page, "forms-distribute-laptop")
    assert_accessible(page)

    form.get_by_label("Chủ trì: Phòng Kinh tế").check()
    # Phòng Hành chính - Tổng hợp has no head to take a coordination: marked, its box disabled;
    # its clerk coordinates in person instead (picked below).
    expect(form.get_by_label("Phối hợp: Phòng Hành chính - Tổng hợp")).to_be_disabled()
    expect(table.locator("tbody th").first).to_contain_text("(chưa có trưởng đơn vị)")
    # The lead person: tom-select's search over the people grouped by unit.
    form.locator("#field-lead_user_id .ts-control").click()
    page.keyboard.type("Viên")
    form.locator("#field-lead_user_id .ts-dropdown .option", has_text="Vũ Thị Viên").click()
    expect(form.locator("#field-lead_user_id .ts-control")).to_contain_text("Vũ Thị Viên — Chuyên viên")
    expect(form.locator("#field-lead_user_id .ts-dropdown")).to_be_hidden()
    # The deadline: the Vietnamese date picker opens; a day typed dd/mm/yyyy is read.
    deadline = form.get_by_label("Hạn xử lý")
    deadline.click()
    expect(page.locator(".flatpickr-calendar.open")).to_be_visible()
    expect(page.locator(".flatpickr-calendar.open .flatpickr-weekday").first).to_have_text(re.compile("CN|T2"))
    deadline.fill("18/12/2026")
    form.get_by_label("Ý kiến chỉ đạo").fill(DIRECTION)  # leaving the date field reads it
    expect(deadline).to_have_value("18/12/2026 17:00")
    expect(form.locator("input[type=hidden][name=deadline]")).to_have_value("2026-12-18T17:00:00+07:00")
    # A coordinating person: picked by name like the lead person.
    form.locator("#field-coordinator_people .ts-control input").focus()
    page.keyboard.type("Thư")
    form.locator("#field-coordinator_people .ts-dropdown .option", has_text="Lê Thị Thư").click()
    page.get_by_role("heading", name="Phân phối văn bản đến").click()  # closes the list of people
    expect(form.locator("#field-coordinator_people .ts-dropdown")).to_be_hidden()
    screenshot(page, "forms-distribute-filled-laptop")
    form.get_by_role("button", name="Phân xử lý").click()
    expect(page).to_have_url(f"{demo_server}/tasks")

    data = completed_data(pg, task_id)
    with pg.sessions() as session:
        economy = unit_id(session, "Phòng Kinh tế")
        staff, clerk = identity(session, "chuyenvien").user_id, identity(session, "vanthu").user_id
    assert data["decision"] == "assign"
    assert (data["lead_unit_id"], data["coordinators"], data["lead_user_id"]) == (economy, [], staff)
    assert (data["coordinator_people"], data["coordination"]) == ([clerk], [{"user": clerk}])
    assert data["deadline"] == "2026-12-18T17:00:00+07:00"
    assert data["direction"] == DIRECTION


def test_the_distribution_at_phone_width(pg: System, demo_server: str, open_page):
    from playwright.sync_api import expect

    task_id = registered(pg)
    page = open_page("lanhdao", phone=True)
    page.goto(f"{demo_server}/tasks/{task_id}")
    expect(page.locator("table.distribution-table")).to_be_visible()
    assert_fits_width(page)
    assert_accessible(page)
    screenshot(page, "forms-distribute-phone")


def test_the_unit_head_approves_with_a_button_and_returning_asks_first(pg: System, demo_server: str, open_page):
    from playwright.sync_api import expect

    task_id = in_review(pg)
    page = open_page("truongphong")
    page.goto(f"{demo_server}/tasks/{task_id}")
    form = page.locator("form.task-form")
    expect(form.locator("input[type=checkbox]")).to_have_count(0)  # nothing decides silently
    expect(form.get_by_label("Ý kiến (lý do, khi trả lại)")).to_be_visible()
    screenshot(page, "forms-review-laptop")
    assert_accessible(page)

    # "Trả lại" sends the work back: it asks first, with the reason; going back changes nothing.
    form.get_by_role("button", name="Trả lại, yêu cầu xử lý lại").click()
    dialog = page.locator("dialog.confirm[open]")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Bạn chắc chắn chọn «Trả lại, yêu cầu xử lý lại»?")
    expect(dialog.get_by_label("Ý kiến (lý do, khi trả lại)")).to_be_visible()  # needed by "Trả lại"
    screenshot(page, "forms-review-confirm-laptop")
    assert_accessible(page)
    dialog.get_by_role("button", name="Quay lại").click()
    expect(page.locator("dialog.confirm[open]")).to_have_count(0)
    form.get_by_label("Ý kiến (lý do, khi trả lại)").fill("Đồng ý, trình lãnh đạo.")  # back in the form
    with pg.sessions() as session:
        assert session.get(HumanTask, task_id).status == "ready"

    form.get_by_role("button", name="Đồng ý kết quả").click()
    expect(page).to_have_url(f"{demo_server}/tasks")
    data = completed_data(pg, task_id)
    assert (data["approved"], data["comment"]) == (True, "Đồng ý, trình lãnh đạo.")


def test_the_review_at_phone_width_and_a_return_with_its_reason(pg: System, demo_server: str, open_page):
    from playwright.sync_api import expect

    task_id = in_review(pg)
    page = open_page("truongphong", phone=True)
    page.goto(f"{demo_server}/tasks/{task_id}")
    assert_fits_width(page)
    page.get_by_role("button", name="Trả lại, yêu cầu xử lý lại").click()
    dialog = page.locator("dialog.confirm[open]")
    dialog.get_by_label("Ý kiến (lý do, khi trả lại)").fill("Bổ sung số liệu quý IV.")
    assert_fits_width(page)
    screenshot(page, "forms-review-confirm-phone")
    dialog.get_by_role("button", name="Trả lại, yêu cầu xử lý lại").click()
    expect(page).to_have_url(f"{demo_server}/tasks")
    data = completed_data(pg, task_id)
    assert (data["approved"], data["comment"]) == (False, "Bổ sung số liệu quý IV.")


def test_a_form_sent_after_the_session_expired_keeps_what_was_typed(pg: System, demo_server: str, open_page):
    from playwright.sync_api import expect

    task_id = registered(pg)
    page = open_page("lanhdao")
    page.goto(f"{demo_server}/tasks/{task_id}")
    form = page.locator("form.task-form")
    form.get_by_label("Chủ trì: Phòng Kinh tế").check()
    form.get_by_label("Ý kiến chỉ đạo").fill(DIRECTION)
    with unit_of_work(pg.sessions) as session:  # the session ends while the leader types
        session.execute(sa.update(AuthSession).values(revoked=True))
    form.get_by_role("button", name="Phân xử lý").click()

    expect(page).to_have_url(f"{demo_server}/login?next=/tasks/{task_id}")
    expect(page.get_by_role("status")).to_contain_text("Nội dung bạn vừa nhập đã được giữ lại")
    screenshot(page, "forms-session-expired-login-laptop")
    page.locator("input[name=username]").fill("lanhdao")
    page.locator("input[name=password]").fill("demo-matkhau-2026")
    page.locator("form button[type=submit]").click()

    expect(page).to_have_url(f"{demo_server}/tasks/{task_id}")
    expect(page.get_by_role("status").filter(has_text="Đã khôi phục")).to_be_visible()
    form = page.locator("form.task-form")
    expect(form.get_by_label("Ý kiến chỉ đạo")).to_have_value(DIRECTION)
    expect(form.get_by_label("Chủ trì: Phòng Kinh tế")).to_be_checked()
    with pg.sessions() as session:
        assert session.get(HumanTask, task_id).status == "ready", "nothing was decided by the refused post"
    page.reload()  # restored once: the kept form is gone
    expect(page.locator("form.task-form").get_by_label("Ý kiến chỉ đạo")).to_have_value("")


def test_a_task_another_person_completed_says_who_and_shows_no_form(pg: System, demo_server: str, open_page):
    from playwright.sync_api import expect

    task_id = registered(pg)
    with unit_of_work(pg.sessions) as session:
        agency = session.scalar(sa.select(Agency).where(Agency.code == DEMO_AGENCY))
        deputy = accounts.create_user(session, agency, "phochanh", "Đỗ Văn Phó", "demo-matkhau-2026", ["leader"],
                                      position="Phó Chánh Văn phòng")
        deputy = accounts.identity_of(session, deputy)
    page = open_page("lanhdao")
    page.goto(f"{demo_server}/tasks/{task_id}")
    page.locator("form.task-form").get_by_label("Ý kiến chỉ đạo").fill(DIRECTION)
    with unit_of_work(pg.sessions) as session:  # meanwhile the deputy distributes it
        processes.complete(session, pg.runtime, deputy, task_id, {
            "decision": "return", "return_reason": "Không thuộc thẩm quyền."})
    page.locator("form.task-form").get_by_role("button", name="Phân xử lý").click()

    notice = page.locator("#task-finished")
    expect(notice).to_contain_text("Công việc này đã được Đỗ Văn Phó hoàn thành lúc")
    expect(page.locator("form.task-form")).to_have_count(0)
    screenshot(page, "forms-completed-meanwhile-laptop")
    assert_accessible(page)
    page.goto(f"{demo_server}/tasks/{task_id}")  # opening it again says the same
    expect(page.locator("#task-finished")).to_contain_text("Đỗ Văn Phó")
    expect(page.locator("form.task-form")).to_have_count(0)
    assert completed_data(pg, task_id)["decision"] == "return"
