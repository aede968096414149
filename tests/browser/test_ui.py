"""A real browser against a real server: Debian's Chromium, driven by Playwright. The clerk
registers a paper document through /incoming/new (a first submission missing a required field
comes back in Vietnamese; the second, with the scan, is numbered and signed), then the leader
finds the distribution of that document in the task queue and opens it. Then the casework: a
specialist records progress on a document's page and completes the handling, the unit head
approves it, and the page shows it completed (06) with the progress note.

Never run `playwright install` (it downloads a browser build): the Debian package is used.
Skipped only on a developer machine without /usr/bin/chromium; under CI=true it must run.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa

from api.app import create_app
from documents import accounts, processes
from documents.incoming import service
from documents.incoming.models import IncomingDocument
from documents.models import Agency
from documents.system import System
from engine.db import unit_of_work
from engine.models import ProcessInstance
from tests.conftest import PASSWORD
from tests.files import samples
from tests.serving import live_server

SCREENSHOT = Path(os.environ.get("QLVBDH_SCREENSHOT", "/tmp/qlvbdh-task.png"))
SCREENSHOT_ERRORS = SCREENSHOT.with_name(SCREENSHOT.stem + "-errors" + SCREENSHOT.suffix)
SCREENSHOT_DOCUMENT = SCREENSHOT.with_name(SCREENSHOT.stem + "-document" + SCREENSHOT.suffix)
SCREENSHOT_LEADER = SCREENSHOT.with_name(SCREENSHOT.stem + "-leader" + SCREENSHOT.suffix)
SCREENSHOT_CASEWORK = SCREENSHOT.with_name("qlvbdh-casework" + SCREENSHOT.suffix)
SCREENSHOT_HANDLER = SCREENSHOT.with_name("qlvbdh-casework-handler" + SCREENSHOT.suffix)
AGENCY = "000.00.01.H99"
AGENCY_NAME = "Văn phòng UBND tỉnh Thử"
SUBJECT = "Về việc tổ chức hội nghị tổng kết công tác năm 2026"


@pytest.fixture
def office(pg: System) -> dict:
    """One agency on PostgreSQL with its signing key and seal: a clerk, a leader, the default
    diagrams. Nothing is started by hand: registering the document starts its handling."""
    with unit_of_work(pg.sessions) as session:
        pg.runtime.deploy_directory(session, pg.settings.bpmn_dir)
        agency = accounts.create_agency(session, AGENCY, AGENCY_NAME)
        unit = accounts.create_unit(session, agency, "Phòng Hành chính - Tổng hợp")
        clerk = accounts.create_user(session, agency, "vanthu", "Lê Thị Thư", PASSWORD, ["clerk"], unit=unit)
        leader = accounts.create_user(session, agency, "lanhdao", "Phạm Văn Đạo", PASSWORD, ["leader"])
        people = {"clerk": accounts.identity_of(session, clerk), "leader": accounts.identity_of(session, leader)}
    pg.keystore.install_demo(AGENCY, AGENCY_NAME)
    return people


@pytest.fixture
def server(pg: System, office: dict) -> Iterator[str]:
    with live_server(create_app(pg, start_worker=False)) as base:
        yield base


@pytest.fixture
def browser_page(chromium_browser, server: str):
    """A page of the shared Chromium (tests/browser/conftest.py) in a context of its own."""
    context = chromium_browser.new_context(viewport={"width": 1100, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def log_in(page, server: str, username: str) -> None:
    page.goto(f"{server}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def test_clerk_registers_a_paper_document_and_the_leader_gets_its_distribution(
        pg: System, office: dict, server: str, browser_page, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page = browser_page

    # Not logged in: the register sends the browser to the login page.
    page.goto(f"{server}/incoming/new")
    expect(page).to_have_url(f"{server}/login?next=/incoming/new")  # and back there after login
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    log_in(page, server, "vanthu")
    expect(page).to_have_url(f"{server}/tasks")
    expect(page.locator("header .who")).to_contain_text("Lê Thị Thư")

    # The clerk's navigation offers the register and the registration form.
    nav = page.locator("header nav")
    expect(nav.get_by_role("link", name="Việc của tôi")).to_be_visible()
    expect(nav.get_by_role("link", name="Sổ văn bản đến")).to_be_visible()
    nav.get_by_role("link", name="Vào sổ văn bản", exact=True).click()
    expect(page).to_have_url(f"{server}/incoming/new")
    expect(page.get_by_role("heading", name="Vào sổ văn bản đến")).to_be_visible()
    form = page.locator("form.card")
    for label in ("Số, ký hiệu", "Ngày văn bản", "Cơ quan ban hành *", "Trích yếu", "Mức độ khẩn"):
        expect(form.get_by_label(label)).to_be_visible()
    expect(form.get_by_label("Văn bản giấy")).to_be_checked()
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # First submission: no subject and no scan. Vietnamese messages next to the fields, values kept.
    form.locator("[name=issuer_name]").fill("UBND huyện Thử")
    form.locator("[name=number_notation]").fill("123/UBND-VX")
    form.get_by_label("Ngày văn bản").fill("20/11/2026")  # dd/mm/yyyy, the date picker's field
    form.locator("[name=doc_type]").fill("Công văn")
    form.locator("select[name=urgency]").select_option("urgent")
    form.get_by_role("button", name="Vào sổ").click()

    expect(page.get_by_role("alert")).to_contain_text("Vui lòng sửa các lỗi dưới đây.")
    subject_field = page.locator(".field.invalid", has=page.locator("textarea[name=subject]"))
    expect(subject_field).to_contain_text("Trường «Trích yếu» là bắt buộc.")
    expect(page.locator(".field.invalid", has=page.locator("input[name=files]"))).to_contain_text(
        "Văn bản giấy cần có tệp bản quét (PDF).")
    expect(form.locator("[name=number_notation]")).to_have_value("123/UBND-VX")
    expect(form.locator("select[name=urgency]")).to_have_value("urgent")
    page.screenshot(path=str(SCREENSHOT_ERRORS), full_page=True)
    with pg.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(IncomingDocument)) == 0

    # Second submission: the subject and the scan. Numbered 1, signed for the agency.
    scan = tmp_path / "ban-quet.pdf"
    scan.write_bytes(samples.pdf("1.7"))
    form = page.locator("form.card")
    form.locator("[name=subject]").fill(SUBJECT)
    form.locator("input[name=files]").set_input_files(str(scan))
    form.get_by_role("button", name="Vào sổ").click()

    expect(page).to_have_url(re.compile(rf"{re.escape(server)}/incoming/\d+$"))
    document_id = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_role("heading", name=SUBJECT)).to_be_visible()
    expect(page.locator("#incoming-number")).to_have_text("1")
    expect(page.locator(".signatures")).to_contain_text("ban-quet.pdf: Mọi chữ ký đều hợp lệ")
    expect(page.locator(".signatures")).to_contain_text(f"Chữ ký hợp lệ của {AGENCY_NAME}")
    expect(page.locator("ol.timeline")).to_contain_text("03 · Đã tiếp nhận")
    expect(page.get_by_role("link", name="ban-quet.pdf")).to_be_visible()
    page.screenshot(path=str(SCREENSHOT_DOCUMENT), full_page=True)

    # The register lists it, urgent.
    nav.get_by_role("link", name="Sổ văn bản đến").click()
    row = page.locator("table.register tbody tr", has=page.get_by_role("link", name=SUBJECT))
    expect(row).to_have_count(1)
    expect(row).to_have_class(re.compile(r"\burgent\b"))

    # The leader logs in: the distribution of that document waits in the queue.
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page).to_have_url(f"{server}/login")
    log_in(page, server, "lanhdao")
    expect(page).to_have_url(f"{server}/tasks")
    expect(page.locator("header nav").get_by_role("link", name="Vào sổ văn bản", exact=True)).to_have_count(0)
    task_link = page.locator("table.worklist tbody tr", has_text="Phân phối văn bản đến").get_by_role("link")
    expect(task_link).to_have_count(1)
    task_link.click()
    expect(page.get_by_role("heading", name="Phân phối văn bản đến")).to_be_visible()
    expect(page.locator("form.card").get_by_role("button", name="Phân xử lý")).to_be_visible()
    page.screenshot(path=str(SCREENSHOT_LEADER), full_page=True)

    # In the database: the task the leader opened is the distribution of the registered document.
    task_id = int(page.url.rsplit("/", 1)[1])
    with unit_of_work(pg.sessions) as session:
        leader_tasks = pg.runtime.ready_tasks(session, office["leader"].principal)
        assert [(t.id, t.spec_name) for t in leader_tasks] == [(task_id, "distribute")]
        assert leader_tasks[0].urgency == 1  # the 'Khẩn' chosen in the select
        instance = session.get(ProcessInstance, leader_tasks[0].instance_id)
        assert instance.business_key == f"incoming:{document_id}"
        assert pg.runtime.ready_tasks(session, office["clerk"].principal) == []


# --------------------------------------------------------------------------- casework

@pytest.fixture
def economy(pg: System, office: dict) -> dict:
    """Phòng Kinh tế in the same agency: its head and a specialist."""
    with unit_of_work(pg.sessions) as session:
        agency = session.get(Agency, office["clerk"].agency_id)
        unit = accounts.create_unit(session, agency, "Phòng Kinh tế")
        head = accounts.create_user(session, agency, "truongphong", "Trần Văn Trưởng", PASSWORD, ["unit_head"],
                                    unit=unit)
        staff = accounts.create_user(session, agency, "chuyenvien", "Nguyễn Thị Chuyên", PASSWORD, ["staff"],
                                     unit=unit)
        return {**office, "head": accounts.identity_of(session, head), "staff": accounts.identity_of(session, staff)}


def distributed_to_the_specialist(pg: System, people: dict) -> int:
    """What the clerk and the leader do on their pages (the first test), done through the services."""
    metadata = {"issuer_name": "Sở Tài chính tỉnh Thử", "number_notation": "45/STC-NS", "document_date": "2026-11-20",
                "doc_type": "Công văn", "subject": SUBJECT, "urgency": "normal"}
    with unit_of_work(pg.sessions) as session:
        document = service.register(session, pg.runtime, pg.files, pg.keystore, people["clerk"], metadata).document
        (distribute,) = pg.runtime.ready_tasks(session, people["leader"].principal)
        staff = people["staff"]
        processes.complete(session, pg.runtime, people["leader"], distribute.id, {
            "decision": "assign", "direction": "Giao Phòng Kinh tế chủ trì.", "lead_user_id": staff.user_id,
            "lead_unit_id": staff.unit_id})
        return document.id


def test_specialist_records_progress_and_completes_the_handling_the_unit_head_approves(
        pg: System, economy: dict, server: str, browser_page) -> None:
    from playwright.sync_api import expect

    from tests.conftest import drain_outbox

    page = browser_page
    document_id = distributed_to_the_specialist(pg, economy)
    note = "Đã làm việc với Sở Tài chính, đang tổng hợp số liệu."

    # The specialist opens the handling task, and from it the document's page.
    log_in(page, server, "chuyenvien")
    page.locator("table.worklist tbody tr", has_text="Xử lý văn bản đến").get_by_role("link").click()
    page.get_by_role("link", name=re.compile("^Mở văn bản đến")).click()
    expect(page).to_have_url(f"{server}/incoming/{document_id}")
    progress = page.locator("section#progress")
    expect(progress).to_contain_text("Chưa có ghi nhận tiến độ.")

    # Progress: the note and its percentage, back on the same section of the page.
    progress.get_by_label("Nội dung tiến độ").fill(note)
    progress.get_by_label("Tỷ lệ hoàn thành (%)").fill("70")
    progress.get_by_role("button", name="Ghi tiến độ").click()
    expect(page).to_have_url(f"{server}/incoming/{document_id}#progress")
    expect(progress.locator("ol.notes li")).to_have_count(1)
    expect(progress.locator("ol.notes li")).to_contain_text(note)
    expect(progress.locator("ol.notes li")).to_contain_text("Nguyễn Thị Chuyên")
    expect(progress.locator("progress")).to_have_attribute("value", "70")
    page.screenshot(path=str(SCREENSHOT_HANDLER), full_page=True)

    # The handling task: the result, completed.
    page.locator("header nav").get_by_role("link", name="Việc của tôi").click()
    page.locator("table.worklist tbody tr", has_text="Xử lý văn bản đến").get_by_role("link").click()
    form = page.locator("form.card")
    form.locator("[name=result]").fill("Đã báo cáo UBND tỉnh bằng Công văn số 12/KT.")
    form.get_by_role("button", name="Gửi kết quả: đã hoàn thành").click()
    expect(page).to_have_url(f"{server}/tasks")
    expect(page.get_by_text("Không có việc nào đang chờ bạn.")).to_be_visible()

    # The unit head approves the result.
    page.get_by_role("button", name="Đăng xuất").click()
    log_in(page, server, "truongphong")
    expect(page.locator("header nav").get_by_role("link", name="Đề nghị giao lại")).to_be_visible()
    page.locator("table.worklist tbody tr", has_text="Duyệt kết quả xử lý").get_by_role("link").click()
    page.locator("form.card").get_by_role("button", name="Đồng ý kết quả").click()
    expect(page).to_have_url(f"{server}/tasks")

    # The document is completed (06) and keeps its progress note.
    drain_outbox(pg)
    page.goto(f"{server}/incoming/{document_id}")
    expect(page.locator(".lead .status")).to_have_text("06 · Hoàn thành")
    expect(page.locator("ol.timeline")).to_contain_text("06 · Hoàn thành")
    expect(page.locator("section#progress ol.notes li")).to_contain_text(note)
    expect(page.locator("section#handling")).to_have_count(0)  # nothing open any more
    page.screenshot(path=str(SCREENSHOT_CASEWORK), full_page=True)
    with pg.sessions() as session:
        assert session.get(IncomingDocument, document_id).status == "06"
