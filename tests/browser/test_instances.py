"""Where an instance stands, in a real browser: the leader opens an incoming document's workflow
after distributing it and sees, in the bpmn-js viewer, the distribution done, the path to it
and the current step marked; a process admin's instance list shows each instance's version and
filters by version. Screenshots at laptop and phone width, axe-core on both pages."""
from __future__ import annotations

import sqlalchemy as sa

from documents import accounts, processes
from documents.incoming import service
from documents.models import User
from documents.settings import BPMN_DIR
from documents.system import System
from engine.db import unit_of_work
from tests.browser.conftest import DEMO_AGENCY, assert_accessible, assert_fits_width, screenshot

METADATA = {"issuer_name": "Sở Tài chính tỉnh Demo", "number_notation": "77/STC-NS", "document_date": "2026-11-20",
            "doc_type": "Công văn", "subject": "Về việc lập dự toán ngân sách năm 2027", "urgency": "normal"}


def identity(session, username: str) -> accounts.Identity:
    return accounts.identity_of(session, session.scalar(sa.select(User).where(User.username == username)))


def distributed(pg: System) -> int:
    """The clerk registers a document and the leader gives it to the specialist (their own pages
    are other tests'): returns its workflow instance."""
    with unit_of_work(pg.sessions) as session:
        clerk, leader, staff = (identity(session, name) for name in ("vanthu", "lanhdao", "chuyenvien"))
        document = service.register(session, pg.runtime, pg.files, pg.keystore, clerk, METADATA,
                                    allow_duplicate=True).document  # the same letter, once per instance
        (distribute,) = pg.runtime.ready_tasks(session, leader.principal)
        processes.complete(session, pg.runtime, leader, distribute.id, {
            "decision": "assign", "direction": "Giao Phòng Kinh tế chủ trì.", "lead_user_id": staff.user_id,
            "lead_unit_id": staff.unit_id})
        return document.process_instance_id


def marked(page, element_id: str) -> set[str]:
    """The classes bpmn-js put on an element's graphics (its markers among them)."""
    classes = page.locator(f'#instance-diagram .djs-element[data-element-id="{element_id}"]').get_attribute("class")
    return set(classes.split())


def test_the_leader_sees_where_a_document_workflow_stands(open_page, demo_server: str, pg: System) -> None:
    from playwright.sync_api import expect

    instance_id = distributed(pg)
    page = open_page("lanhdao")
    page.goto(f"{demo_server}/instances/{instance_id}")
    expect(page.locator("#instance-diagram[data-ready='1']")).to_be_attached()
    assert "instance-completed" in marked(page, "distribute")
    assert "instance-completed" in marked(page, "start")
    assert {"instance-taken"} <= marked(page, "f_start") & marked(page, "f_distribute_decision")
    assert "instance-active" in marked(page, "handle")
    assert "instance-taken" not in marked(page, "f_returned")  # the document was not returned
    assert not marked(page, "review") & {"instance-completed", "instance-active"}
    # One tab stop, on the current step: it names the step and its state; the arrow keys move on.
    focusable = page.locator('#instance-diagram .djs-element[tabindex="0"]')
    expect(focusable).to_have_count(1)
    assert focusable.get_attribute("data-element-id") == "handle"
    focusable.focus()
    expect(page.locator("#element-info")).to_contain_text("Xử lý văn bản đến")
    expect(page.locator("#element-info")).to_contain_text("Đang ở bước này")
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#element-info")).not_to_contain_text("Xử lý văn bản đến")
    assert page.evaluate("document.activeElement.dataset.elementId") not in (None, "handle")
    page.locator('#instance-diagram .djs-element[data-element-id="distribute"]').click()
    expect(page.locator("#element-info")).to_contain_text("Đã thực hiện")
    expect(page.locator(".facts")).to_contain_text("77/STC-NS")
    screenshot(page, "instance-laptop")
    assert_accessible(page)

    phone = open_page("lanhdao", phone=True)
    phone.goto(f"{demo_server}/instances/{instance_id}")
    expect(phone.locator("#instance-diagram[data-ready='1']")).to_be_attached()
    screenshot(phone, "instance-phone")
    assert_accessible(phone)
    assert_fits_width(phone)


def test_a_process_admin_sees_the_version_of_each_instance_and_filters_by_it(
        open_page, demo_server: str, pg: System) -> None:
    from playwright.sync_api import expect

    first = distributed(pg)  # on the default diagram
    xml = (BPMN_DIR / "incoming.bpmn").read_text(encoding="utf-8")
    with unit_of_work(pg.sessions) as session:
        for name in ("Xử lý văn bản đến (bản 1)", "Xử lý văn bản đến (bản 2)"):
            newer = pg.runtime.deploy(session, DEMO_AGENCY, xml.replace('name="Xử lý văn bản đến"', f'name="{name}"', 1),
                                      actor="test")
    assert newer.version == 2
    second = distributed(pg)  # on the agency's version 2

    page = open_page("quytrinh")
    page.goto(f"{demo_server}/instances")
    expect(page.locator(f"#instance-{first} td.version")).to_have_text("Phiên bản 1")
    expect(page.locator(f"#instance-{second} td.version")).to_have_text("Phiên bản 2")
    expect(page.locator("main a[href='/migrations']")).to_be_visible()
    page.locator("select[name=definition]").select_option(str(newer.id))
    page.locator("form.instance-filter button[type=submit]").click()
    expect(page.locator(f"#instance-{second}")).to_be_visible()
    expect(page.locator(f"#instance-{first}")).to_have_count(0)
    assert f"definition={newer.id}" in page.url
    page.goto(f"{demo_server}/instances")
    screenshot(page, "instances-laptop")
    assert_accessible(page)

    phone = open_page("quytrinh", phone=True)
    phone.goto(f"{demo_server}/instances")
    expect(phone.locator(f"#instance-{second}")).to_be_attached()
    screenshot(phone, "instances-phone")
    assert_accessible(phone)
    assert_fits_width(phone)
