"""A real browser against a real server: Debian's Chromium, driven by Playwright, logs in as
the clerk, fails and then passes the registration form, and the leader gets the next step.

Never run `playwright install` (it downloads a browser build): the Debian package is used.
Skipped only on a developer machine without /usr/bin/chromium; under CI=true it must run.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

from api.app import create_app
from documents import accounts, processes
from documents.system import System
from engine.db import unit_of_work
from tests.conftest import PASSWORD
from tests.serving import live_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOT = Path(os.environ.get("QLVBDH_SCREENSHOT", "/tmp/qlvbdh-task.png"))
SCREENSHOT_ERRORS = SCREENSHOT.with_name(SCREENSHOT.stem + "-errors" + SCREENSHOT.suffix)
AGENCY = "000.00.01.H99"


@pytest.fixture
def chromium() -> Path:
    """Debian's Chromium; checked before any seeding or server start-up."""
    _require_chromium()
    return CHROMIUM


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = (f"{CHROMIUM} is missing: install Debian's chromium (bash .ci/install-browser); "
               "never `playwright install`")
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser test cannot run under CI: {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def office(pg: System) -> dict:
    """One agency on PostgreSQL: a clerk, a leader, the default diagrams, and one incoming
    document started by the clerk (so the clerk's queue holds 'Vào sổ văn bản đến')."""
    with unit_of_work(pg.sessions) as session:
        pg.runtime.deploy_directory(session, pg.settings.bpmn_dir)
        agency = accounts.create_agency(session, AGENCY, "Văn phòng UBND tỉnh Thử")
        unit = accounts.create_unit(session, agency, "Phòng Hành chính - Tổng hợp")
        clerk = accounts.create_user(session, agency, "vanthu", "Lê Thị Thư", PASSWORD, ["clerk"], unit=unit)
        leader = accounts.create_user(session, agency, "lanhdao", "Phạm Văn Đạo", PASSWORD, ["leader"])
        people = {"clerk": accounts.identity_of(session, clerk), "leader": accounts.identity_of(session, leader)}
        instance = processes.start(session, pg.runtime, people["clerk"], "incoming", {})
        people["instance_id"] = instance.id
    return people


@pytest.fixture
def server(pg: System, office: dict) -> Iterator[str]:
    with live_server(create_app(pg, start_worker=False)) as base:
        yield base


@pytest.fixture
def browser_page(chromium: Path, server: str):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # a declared test dependency: never skip on it
        pytest.fail("the `playwright` package is missing: pip install -e '.[test]'", pytrace=False)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="vi-VN")
            page = context.new_page()
            page.set_default_timeout(10_000)
            yield page
            context.close()
        finally:
            browser.close()


def test_clerk_registers_incoming_document(chromium: Path, pg: System, office: dict, server: str,
                                           browser_page) -> None:
    from playwright.sync_api import expect

    page = browser_page

    # Not logged in: /tasks sends the browser to the login page.
    page.goto(f"{server}/tasks")
    expect(page).to_have_url(f"{server}/login")
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()

    page.get_by_label("Tên đăng nhập").fill("vanthu")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()

    # The clerk's queue holds the registration step of the started document.
    expect(page).to_have_url(f"{server}/tasks")
    expect(page.get_by_role("heading", name="Việc cần xử lý")).to_be_visible()
    expect(page.locator("header .who")).to_contain_text("Lê Thị Thư")
    link = page.get_by_role("link", name="Vào sổ văn bản đến")
    expect(link).to_have_count(1)
    link.click()

    expect(page.get_by_role("heading", name="Vào sổ văn bản đến")).to_be_visible()
    task_url = page.url
    form = page.locator("form.card")
    for label in ("Số, ký hiệu", "Ngày văn bản", "Cơ quan ban hành", "Trích yếu", "Mức độ khẩn"):
        expect(form.get_by_label(label)).to_be_visible()
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # Submitted empty: the form comes back with Vietnamese messages, one per required field.
    form.get_by_role("button", name="Hoàn thành").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Vui lòng sửa các lỗi dưới đây.")
    field_errors = page.locator(".field.invalid p.error")
    expect(field_errors).to_have_count(4)
    expect(page.locator(".field.invalid", has=page.locator("textarea[name=subject]"))).to_contain_text("bắt buộc")
    assert page.url == task_url
    page.screenshot(path=str(SCREENSHOT_ERRORS), full_page=True)

    # Filled in: completed, back on the (now empty) queue.
    form = page.locator("form.card")
    form.locator("[name=number_notation]").fill("123/UBND-VX")
    form.locator("[name=document_date]").fill("2026-11-20")
    form.locator("[name=issuing_agency]").fill("UBND huyện Thử")
    form.locator("[name=subject]").fill("Về việc tổ chức hội nghị tổng kết công tác năm 2026")
    form.locator("select[name=urgency]").select_option("urgent")
    form.get_by_role("button", name="Hoàn thành").click()

    expect(page).to_have_url(f"{server}/tasks")
    expect(page.get_by_role("heading", name="Việc cần xử lý")).to_be_visible()
    expect(page.get_by_role("link", name="Vào sổ văn bản đến")).to_have_count(0)
    expect(page.get_by_text("Không có việc nào đang chờ bạn.")).to_be_visible()

    # In the database the instance moved on: the leader now has the distribution step.
    with unit_of_work(pg.sessions) as session:
        clerk_tasks = pg.runtime.ready_tasks(session, office["clerk"].principal)
        leader_tasks = pg.runtime.ready_tasks(session, office["leader"].principal)
        assert clerk_tasks == []
        assert [(t.instance_id, t.spec_name) for t in leader_tasks] == [(office["instance_id"], "distribute")]
        assert leader_tasks[0].urgency == 1  # the 'Khẩn' chosen in the select
