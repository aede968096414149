"""Every main page of every demo user, the way people get at them: at phone width (390 px) the
page never scrolls sideways, at laptop width axe-core finds no serious or critical violation,
each is screenshotted at both widths, and no page logs a Content-Security-Policy refusal or a
script error. Then the keyboard (the skip link first, then the menu button; Enter opens the
menu), a hostile subject rendered as text on the register and the task list, and a form posted
without its CSRF token refused with a Vietnamese page that keeps the menu, storing nothing.
"""
from __future__ import annotations

import json

import httpx
import pytest
import sqlalchemy as sa

from documents import demo
from engine.db import unit_of_work
from engine.models import HumanTask, ProcessInstance
from tests.files import samples

from .conftest import assert_accessible, assert_fits_width, screenshot

HOSTILE = "<script>alert(1)</script> Về việc kiểm tra hiển thị"
DOCUMENT = {"issuer_name": "UBND tỉnh Thừa Thiên Huế", "number_notation": "77/UBND-VX",
            "document_date": "2026-11-20", "doc_type": "Công văn", "subject": HOSTILE, "urgency": "normal"}

# user → the pages of their menu (and the pages they reach from it); {document} and {task} are
# the hostile document registered by the clerk (a scanned PDF), its distribution waiting for the
# leader, its workflow instance and that instance's diagram version.
PAGES = {
    "vanthu": ["/tasks", "/incoming", "/incoming/new", "/incoming/{document}"],
    "lanhdao": ["/tasks", "/tasks/{task}", "/incoming/{document}", "/incoming/requests", "/instances",
                "/instances/{instance}", "/dashboard", "/dashboard/items?status=overdue", "/notifications"],
    "truongphong": ["/tasks", "/incoming", "/incoming/requests", "/dashboard"],
    "chuyenvien": ["/tasks", "/notifications", "/account"],
    "quytrinh": ["/tasks", "/diagrams", "/diagrams/new", "/diagrams/{definition}/edit", "/instances",
                 "/instances/{instance}", "/incidents", "/migrations"],
    "quantri": ["/tasks", "/admin", "/admin/users", "/admin/deadlines", "/account"],
    None: ["/login", "/docs"],
}
# Pages answered with an error on purpose: the error page is a main page too.
ERROR_PAGES = {"lanhdao": [("/no-such-page", 404)], "chuyenvien": [("/incidents", 403), ("/dashboard", 403)]}


@pytest.fixture
def hostile_document(demo_server: str, pg) -> dict[str, int]:
    """The clerk registers, through the JSON API, a document whose subject is a script; its
    distribution then waits for the leader."""
    with httpx.Client(base_url=demo_server) as api:
        token = api.post("/api/auth/token", json={"username": "vanthu", "password": demo.DEMO_PASSWORD})
        assert token.status_code == 200, token.text
        created = api.post("/api/incoming", headers={"Authorization": f"Bearer {token.json()['access_token']}"},
                           data={"metadata": json.dumps(DOCUMENT, ensure_ascii=False), "channel": "paper"},
                           files=[("files", ("scan.pdf", samples.pdf("1.7"), "application/pdf"))])
        assert created.status_code == 201, created.text
    with unit_of_work(pg.sessions) as session:
        task = session.scalar(sa.select(HumanTask.id).where(HumanTask.spec_name == "distribute"))
        instance = session.get(ProcessInstance, session.get(HumanTask, task).instance_id)
        return {"document": created.json()["id"], "task": task, "instance": instance.id,
                "definition": instance.definition_id}


def watch(page) -> list[str]:
    """Collects what must never happen on a page: CSP refusals, script errors, alert dialogs."""
    problems: list[str] = []
    # Also what the console might not say: every refusal fires this event in the page.
    page.add_init_script("""document.addEventListener("securitypolicyviolation", (e) =>
        console.error(`Content Security Policy refused ${e.violatedDirective}: ${e.blockedURI}`));""")
    page.on("console", lambda message: problems.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text else None)
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    return problems


def visit(page, server: str, path: str, status: int = 200) -> None:
    response = page.goto(server + path)
    assert response.status == status, f"{path}: {response.status}"
    page.wait_for_load_state("networkidle")


def main_pages(user: str | None, ids: dict[str, int]) -> list[tuple[str, int]]:
    pages = [(path.format(**ids), 200) for path in PAGES[user]]
    return pages + ERROR_PAGES.get(user, [])


@pytest.mark.parametrize("user", list(PAGES), ids=lambda user: user or "anonymous")
def test_each_main_page_fits_a_phone_and_passes_axe_at_laptop_width(open_page, demo_server, hostile_document, user):
    pages = main_pages(user, hostile_document)
    failures: list[str] = []  # every page is checked before the test fails, so one report names them all
    for phone in (False, True):
        page = open_page(user, phone=phone)
        problems = watch(page)
        for path, status in pages:
            visit(page, demo_server, path, status)
            name = f"everywhere-{user or 'anonymous'}-{path.strip('/').replace('/', '-') or 'home'}"
            screenshot(page, f"{name}-{'phone' if phone else 'laptop'}")
            try:
                assert_fits_width(page) if phone else assert_accessible(page)
            except AssertionError as failure:
                failures.append(str(failure).splitlines()[0])
        failures += problems
    assert failures == [], "\n".join(failures)


def test_every_page_in_english_fits_a_phone_too(open_page, demo_server, hostile_document):
    page = open_page("lanhdao", phone=True, locale="en")
    problems = watch(page)
    for path, status in main_pages("lanhdao", hostile_document):
        visit(page, demo_server, path, status)
        assert page.locator("html").get_attribute("lang") == "en"
        assert_fits_width(page)
    screenshot(page, "everywhere-lanhdao-error-en-phone")
    assert page.locator("h1").inner_text() == "Page not found"
    assert problems == [], problems
    # The step's name comes from api/locales/en/steps.json, not from the Vietnamese diagram.
    visit(page, demo_server, "/tasks")
    assert page.locator("main td").get_by_text("Distribute the incoming document").first.is_visible()
    assert "Phân phối văn bản đến" not in page.locator("main").inner_text()


def test_the_current_page_is_marked_in_the_menu(open_page, demo_server, hostile_document):
    page = open_page("vanthu")
    visit(page, demo_server, f"/incoming/{hostile_document['document']}")
    current = page.locator("nav a[aria-current=page]")
    assert current.count() == 1 and current.get_attribute("href") == "/incoming"
    visit(page, demo_server, "/incoming/new")
    assert page.locator("nav a[aria-current=page]").get_attribute("href") == "/incoming/new"


def test_the_keyboard_reaches_the_skip_link_then_opens_the_menu(open_page, demo_server):
    page = open_page("chuyenvien", phone=True)
    visit(page, demo_server, "/tasks")
    menu = page.locator("nav#site-menu")
    button = page.locator("button.menu-button")
    assert menu.is_hidden() and button.get_attribute("aria-expanded") == "false"

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.locator("a.skip").is_visible()  # shown when focused
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('menu-button')")
    page.keyboard.press("Enter")
    assert button.get_attribute("aria-expanded") == "true" and menu.is_visible()
    for _ in range(2):  # past the brand, into the menu's first entry
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "/tasks"
    assert page.evaluate("document.activeElement.closest('nav#site-menu') !== null")
    screenshot(page, "everywhere-menu-open-phone")
    page.keyboard.press("Escape")
    assert button.get_attribute("aria-expanded") == "false" and menu.is_hidden()
    assert page.evaluate("document.activeElement.classList.contains('menu-button')")

    # The skip link takes the focus to the page's content, past the menu.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_without_javascript_the_menu_is_simply_shown(chromium_browser, demo_server):
    context = chromium_browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    try:
        page = context.new_page()
        visit(page, demo_server, "/login")
        assert page.locator("button.menu-button").is_hidden()
        assert page.locator("nav#site-menu a[href^='/lang/']").is_visible()
        assert_fits_width(page)
    finally:
        context.close()


def test_a_hostile_subject_is_text_on_the_register_and_the_task_list(open_page, demo_server, hostile_document):
    for user, path in (("vanthu", "/incoming"), ("lanhdao", "/tasks"), ("lanhdao", f"/tasks/{hostile_document['task']}")):
        page = open_page(user)
        problems = watch(page)
        visit(page, demo_server, path)
        assert page.get_by_text("<script>alert(1)</script>", exact=False).first.is_visible(), path
        assert page.locator("main script").count() == 0, path
        assert problems == [], problems


def test_a_form_without_its_csrf_token_is_refused_and_nothing_is_stored(open_page, demo_server, hostile_document, pg):
    page = open_page("lanhdao")
    visit(page, demo_server, f"/tasks/{hostile_document['task']}")
    claim = page.locator("form.claim")
    claim.locator("input[name=csrf_token]").evaluate("input => input.remove()")
    with page.expect_navigation() as navigation:
        claim.locator("button[type=submit]").click()
    assert navigation.value.status == 403
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.locator("h1").inner_text() == "Không có quyền truy cập"
    assert page.get_by_text("thiếu mã chống giả mạo").is_visible()
    assert page.locator("nav#site-menu a[href='/tasks']").count() == 1  # the menu is still there
    assert page.locator("form[action='/logout']").count() == 1
    screenshot(page, "everywhere-csrf-refused-laptop")
    assert_accessible(page)
    with unit_of_work(pg.sessions) as session:
        assert session.get(HumanTask, hostile_document["task"]).assignee is None


def test_docs_renders_the_api_from_local_files(open_page, demo_server):
    page = open_page()
    problems = watch(page)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    visit(page, demo_server, "/docs")
    page.get_by_text("/api/process-definitions", exact=True).first.wait_for()
    assert page.locator(".opblock").count() > 20
    assert all(url.startswith(demo_server) for url in requested), [u for u in requested if not u.startswith(demo_server)]
    assert problems == [], problems
    screenshot(page, "everywhere-docs-operations-laptop")
