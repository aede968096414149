"""The tracking in Chromium on the demo province: the sender's clerk sees each recipient on the
outgoing document's page (the other agency's arrival in words, the paper copy waiting), marks the
paper copy sent from the sending desk, at laptop and phone width, with no serious accessibility
violation."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from documents import accounts, demo
from documents.models import User
from documents.system import System
from engine.db import unit_of_work
from tasks import inline
from tests.browser.conftest import (assert_accessible, assert_fits_width, chromium, chromium_browser,  # noqa: F401
                                    demo_province, demo_server, open_page, screenshot)

from .delivery_fixtures import World, issue

SENDER, RECIPIENT = demo.AGENCIES[0], demo.AGENCIES[1]
EXTERNAL = ("000.00.00.G01", "Văn phòng Chính phủ")


def sent(pg: System) -> int:
    """The specialist's document, issued to the other demo agency and, on paper, to the Government
    office. Signed in a thread of its own: Playwright's event loop runs in this one, and pyHanko
    runs its own."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(_sent, pg).result()


def _sent(pg: System) -> int:
    with unit_of_work(pg.sessions) as session:
        people = {u.username: accounts.identity_of(session, u) for u in session.query(User)}
    pkis = {SENDER[0]: pg.keystore.install_demo(SENDER[0], SENDER[1])}
    world = World(pg, people, pkis, {})
    document_id = issue(world, author="chuyenvien", recipients=[{"agency": RECIPIENT[0]},
                                                                {"external": EXTERNAL, "paper": True}])
    inline.drain(pg)
    return document_id


@pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])
def test_the_clerk_follows_the_recipients_and_marks_the_paper_copy_sent(pg: System, demo_server: str, open_page,
                                                                        phone: bool):
    from playwright.sync_api import expect

    document_id = sent(pg)
    page = open_page("vanthu", phone=phone)
    page.goto(f"{demo_server}/outgoing/{document_id}")
    panel = page.locator("#tracking")
    expect(panel.get_by_role("heading", name="Theo dõi nơi nhận")).to_be_visible()
    expect(panel.locator("tbody tr").first).to_contain_text(RECIPIENT[1])
    expect(panel.locator("tbody tr").first).to_contain_text("Đã đến")
    expect(panel.locator("tbody tr").nth(1)).to_contain_text("Chờ gửi qua trục liên thông")
    assert_fits_width(page)
    assert_accessible(page)
    screenshot(page, f"outgoing-tracking-{'phone' if phone else 'laptop'}")

    page.goto(f"{demo_server}/outgoing/paper")
    expect(page.get_by_role("heading", name="Gửi văn bản đi", exact=True)).to_be_visible()
    row = page.locator("table.paper-list tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(EXTERNAL[1])
    expect(page.locator("table.interchange-list tbody tr")).to_contain_text(EXTERNAL[1])
    assert_fits_width(page)
    assert_accessible(page)
    screenshot(page, f"outgoing-paper-{'phone' if phone else 'laptop'}")
    row.get_by_role("button", name="Đã gửi bản giấy").click()
    expect(page.locator("#paper-empty")).to_have_text("Không còn bản giấy nào cần gửi.")

    page.goto(f"{demo_server}/outgoing/{document_id}")
    expect(page.locator("#tracking tbody tr").nth(1)).to_contain_text("Đã gửi bản giấy")
