"""The process admin's diagrams in the browser: the flows and their versions, the bpmn-js
modeler whose properties panel changes the leader's deadline timer and deploys it as a new
version (a document registered afterwards runs on it, one registered before keeps its
version), a refused diagram's error pinned to its element, and the visual diff of two versions.
Screenshots at laptop and phone width; axe-core on the list and the modeler, the bpmn-js canvas included."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from documents import accounts, processes
from documents.incoming import service
from documents.incoming.models import IncomingDocument
from documents.models import User
from engine.db import unit_of_work
from engine.models import DEFAULT_SCOPE, ProcessDefinition, ProcessInstance, Timer
from tests.browser.conftest import DEMO_AGENCY, assert_accessible, assert_fits_width, screenshot
from tests.conftest import START

INCOMING = (Path(__file__).resolve().parents[2] / "bpmn" / "incoming.bpmn").read_text(encoding="utf-8")
# The leader's distribution reminder: a working day after registration for a normal document.
REMINDER = "distribute_reminder"
HANDLE_TIMER = "<bpmn:timeDate>data.get('deadline') or handling_due(data.get('received_at') or now().isoformat(), data.get('doc_type'), data.get('urgency'))</bpmn:timeDate>"


def identity(pg, username: str):
    with unit_of_work(pg.sessions) as session:
        return accounts.identity_of(session, session.scalar(sa.select(User).where(User.username == username)))


def register(pg, subject: str) -> int:
    """The clerk registers a document through the service layer; its workflow starts. → the instance id."""
    metadata = {"issuer_name": "Sở Tài chính tỉnh Thử", "number_notation": "45/STC-NS", "document_date": "2026-11-20",
                "doc_type": "Công văn", "subject": subject, "urgency": "normal"}
    with unit_of_work(pg.sessions) as session:
        clerk = identity(pg, "vanthu")
        document = service.register(session, pg.runtime, pg.files, pg.keystore, clerk, metadata,
                                    allow_duplicate=True).document  # the same letter, registered per version
        return session.get(IncomingDocument, document.id).process_instance_id


def instance_facts(pg, instance_id: int) -> tuple[ProcessDefinition, object]:
    """The version an instance runs on, and when its distribution reminder fires."""
    with unit_of_work(pg.sessions) as session:
        definition = session.get(ProcessDefinition, session.get(ProcessInstance, instance_id).definition_id)
        session.expunge(definition)
        fire_at = session.scalar(sa.select(Timer.fire_at).where(Timer.instance_id == instance_id,
                                                                Timer.spec_name == REMINDER))
        return definition, fire_at


def open_modeler(page, server: str, definition_id: int) -> None:
    page.goto(f"{server}/diagrams/{definition_id}/edit")
    page.wait_for_selector("#modeler[data-ready='1']")


def pick(page, element_id: str) -> None:
    """Select an element through the panel's list, as a keyboard user does."""
    page.get_by_label("Chọn phần tử").select_option(element_id)
    page.wait_for_selector(f"g.djs-element.selected[data-element-id='{element_id}']", state="attached")


def default_incoming(pg) -> int:
    with unit_of_work(pg.sessions) as session:
        return session.scalar(sa.select(ProcessDefinition.id).where(ProcessDefinition.scope == DEFAULT_SCOPE,
                                                                   ProcessDefinition.key == "incoming"))


def test_admin_changes_the_deadline_timer_and_only_new_documents_follow_it(open_page, demo_server, pg):
    from playwright.sync_api import expect

    before = register(pg, "Văn bản vào sổ trước khi đổi quy trình")
    old_definition, old_fire_at = instance_facts(pg, before)
    assert (old_definition.scope, old_definition.version) == (DEFAULT_SCOPE, 1)

    page = open_page("quytrinh")
    page.goto(f"{demo_server}/diagrams")
    row = page.locator("section.flow", has=page.locator("code", has_text="incoming")).locator("tbody tr").first
    expect(row.locator("a[href^='/instances']")).to_have_attribute("href", f"/instances?definition={old_definition.id}")
    screenshot(page, "diagrams-list")
    assert_accessible(page)
    row.get_by_role("link", name="Mở trình thiết kế").click()
    page.wait_for_selector("#modeler[data-ready='1']")

    # The reminder is a date computed from the urgency; make it a plain 72-hour duration.
    pick(page, REMINDER)
    panel = page.locator("#modeler-panel")
    expect(panel.get_by_label("Giá trị hẹn giờ (biểu thức)")).to_have_value(
        "add_working_hours(now().isoformat(), 4) if urgency_level(data.get('urgency')) > 0 "
        "else add_working_days(now().isoformat(), 1)")
    panel.get_by_label("Loại hẹn giờ").select_option("timeDuration")
    panel.get_by_label("Giá trị hẹn giờ (biểu thức)").fill("'PT72H'")
    panel.get_by_label("Giá trị hẹn giờ (biểu thức)").press("Tab")
    screenshot(page, "diagrams-modeler")
    assert_accessible(page)
    page.get_by_role("button", name="Triển khai phiên bản mới").click()
    expect(page.locator("#modeler-status")).to_contain_text("thành phiên bản 1")

    with unit_of_work(pg.sessions) as session:
        new_definition = session.scalar(sa.select(ProcessDefinition).where(ProcessDefinition.scope == DEMO_AGENCY,
                                                                          ProcessDefinition.key == "incoming"))
        assert new_definition.version == 1
        assert "<bpmn:timeDuration" in new_definition.bpmn_xml and "'PT72H'" in new_definition.bpmn_xml
        assert "spiffworkflow:property name=\"domainRole\"" in new_definition.bpmn_xml  # extensions kept
        new_id = new_definition.id

    after = register(pg, "Văn bản vào sổ sau khi đổi quy trình")
    new_run, new_fire_at = instance_facts(pg, after)
    assert new_run.id == new_id
    assert new_fire_at == START + timedelta(hours=72)
    # The instance started before keeps its version and its reminder.
    still, still_fire_at = instance_facts(pg, before)
    assert still.id == old_definition.id and still_fire_at == old_fire_at != new_fire_at

    page.goto(f"{demo_server}/diagrams")
    expect(page.locator(f"a[href='/instances?definition={new_id}']")).to_have_text("1")
    expect(page.locator(f"a[href='/instances?definition={old_definition.id}']")).to_have_text("1")


def test_a_refused_diagram_shows_its_error_on_the_element(open_page, demo_server, pg):
    from playwright.sync_api import expect

    page = open_page("quytrinh")
    open_modeler(page, demo_server, default_incoming(pg))
    pick(page, "handle_overdue")
    timer = page.locator("#modeler-panel").get_by_label("Giá trị hẹn giờ (biểu thức)")
    timer.fill("data.__class__")
    timer.press("Tab")
    page.get_by_role("button", name="Triển khai phiên bản mới").click()

    error = page.locator("#modeler-error")
    expect(error).to_contain_text("Không triển khai được sơ đồ. Phần tử «handle_overdue»: biểu thức hẹn giờ")
    overlay = page.locator(".djs-overlays[data-container-id='handle_overdue'] .diagram-error-overlay")
    expect(overlay).to_be_visible()
    shape = page.locator("g.djs-element[data-element-id='handle_overdue']")
    expect(shape).to_have_class(re.compile(r"\bdiagram-error\b"))
    # Nothing stored, the edit still in the modeler.
    with unit_of_work(pg.sessions) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ProcessDefinition)
                              .where(ProcessDefinition.scope == DEMO_AGENCY)) == 0
    pick(page, "handle_overdue")
    expect(timer).to_have_value("data.__class__")
    screenshot(page, "diagrams-modeler-error")

    # A check without deploying clears the pin once the error is fixed.
    timer.fill("add_working_days(now().isoformat(), 12)")
    timer.press("Tab")
    page.get_by_role("button", name="Kiểm tra (không triển khai)").click()
    expect(page.locator("#modeler-status")).to_contain_text("Sơ đồ hợp lệ")
    expect(overlay).to_have_count(0)


def test_the_panel_edits_what_the_engine_reads_and_the_rest_survives(open_page, demo_server, pg):
    from playwright.sync_api import expect

    page = open_page("quytrinh")
    open_modeler(page, demo_server, default_incoming(pg))
    panel = page.locator("#modeler-panel")
    pick(page, "distribute")
    form = panel.get_by_label("Biểu mẫu (formKey)")
    expect(form).to_have_value("incoming_distribute")
    assert "incoming_review" in form.locator("option").evaluate_all("options => options.map(o => o.value)")
    panel.get_by_label("Độ khẩn (urgency, biểu thức)").fill("3")
    pick(page, "f_returned")
    condition = panel.get_by_label("Điều kiện đi theo luồng (biểu thức)")
    expect(condition).to_have_value("decision == 'return'")
    condition.fill("decision in ('return', 'trả lại')")
    pick(page, "lane_staff")
    lane = panel.get_by_label("Tên làn (quyết định vai trò)")
    lane.fill("Nhân viên")
    expect(panel.locator("p.error")).to_contain_text("Tên làn không khớp vai trò nào")
    lane.fill("Chuyên viên")
    expect(panel.get_by_text("Vai trò thực hiện các bước trong làn: Chuyên viên")).to_be_visible()
    pick(page, "remind_handler")
    expect(panel.get_by_label("Dịch vụ gọi (serviceTaskOperator)")).to_have_value("remind")
    page.get_by_role("button", name="Triển khai phiên bản mới").click()
    expect(page.locator("#modeler-status")).to_contain_text("thành phiên bản 1")

    with unit_of_work(pg.sessions) as session:
        xml = session.scalar(sa.select(ProcessDefinition.bpmn_xml).where(ProcessDefinition.scope == DEMO_AGENCY))
    assert '<spiffworkflow:property name="urgency" value="3" />' in xml
    assert "decision in ('return', 'trả lại')" in xml
    # What the panel did not touch is written back as it was read.
    assert "<bpmn:loopDataInputRef>coordination</bpmn:loopDataInputRef>" in xml
    assert "{'status': '04', 'document': data.get('document_id')}" in xml
    assert '<spiffworkflow:serviceTaskOperator id="remind" resultVariable="handler_reminder">' in xml


def test_a_new_flow_is_named_in_the_panel_and_deployed(open_page, demo_server, pg):
    from playwright.sync_api import expect

    page = open_page("quytrinh")
    page.goto(f"{demo_server}/diagrams")
    page.get_by_role("link", name="Tạo quy trình mới").click()
    page.wait_for_selector("#modeler[data-ready='1']")
    panel = page.locator("#modeler-panel")
    expect(panel.get_by_label("Mã quy trình (process key)")).to_have_value("quy_trinh_moi")
    panel.get_by_label("Mã quy trình (process key)").fill("cong_van_noi_bo")
    panel.get_by_label("Tên", exact=True).fill("Công văn nội bộ")
    panel.get_by_label("Tên", exact=True).press("Tab")
    page.get_by_role("button", name="Triển khai phiên bản mới").click()
    expect(page.locator("#modeler-status")).to_contain_text("«cong_van_noi_bo» thành phiên bản 1")
    page.goto(f"{demo_server}/diagrams")
    expect(page.locator("section.flow", has=page.locator("code", has_text="cong_van_noi_bo"))).to_contain_text(
        "Công văn nội bộ")


@pytest.fixture
def second_version(pg, demo_province) -> int:
    """The agency's own version 1 of `incoming`: the handling's timer changed, a task renamed."""
    later = "<bpmn:timeDate>data.get('deadline') or add_working_days(now().isoformat(), 15)</bpmn:timeDate>"
    assert HANDLE_TIMER in INCOMING
    xml = (INCOMING.replace(HANDLE_TIMER, later)
           .replace('name="Duyệt kết quả xử lý"', 'name="Lãnh đạo phòng duyệt kết quả"'))
    with unit_of_work(pg.sessions) as session:
        return processes.deploy(session, pg.runtime, identity(pg, "quytrinh"), xml.encode()).id


def test_the_diff_marks_and_lists_what_changed(open_page, demo_server, second_version):
    from playwright.sync_api import expect

    for phone in (False, True):
        page = open_page("quytrinh", phone=phone)
        page.goto(f"{demo_server}/diagrams/incoming/diff?from=d1&to=1")
        changes = page.locator("#diff-changes")
        expect(changes.locator("li.diff-changed", has_text="(review)")).to_contain_text(
            "name: Duyệt kết quả xử lý → Lãnh đạo phòng duyệt kết quả")
        expect(changes.locator("li.diff-changed", has_text="(handle_overdue)")).to_contain_text(
            "timeDate: data.get('deadline') or handling_due(data.get('received_at') or now().isoformat(), data.get('doc_type'), "
            "data.get('urgency')) → "
            "data.get('deadline') or add_working_days(now().isoformat(), 15)")
        expect(page.locator("#diff-new g.djs-element.diff-changed[data-element-id='review']")).to_have_count(1)
        expect(page.locator("#diff-summary")).to_contain_text("thay đổi")
        screenshot(page, f"diagrams-diff-{'phone' if phone else 'laptop'}")
        if phone:
            assert_fits_width(page)


def test_list_and_modeler_at_phone_width(open_page, demo_server, pg, second_version):
    page = open_page("quytrinh", phone=True)
    page.goto(f"{demo_server}/diagrams")
    screenshot(page, "diagrams-list-phone")
    assert_fits_width(page)
    assert_accessible(page)
    open_modeler(page, demo_server, second_version)
    pick(page, "handle")
    screenshot(page, "diagrams-modeler-phone")
    assert_fits_width(page)
    assert_accessible(page)


def test_a_clerk_has_no_diagram_menu_nor_page(open_page, demo_server):
    page = open_page("vanthu")
    page.goto(f"{demo_server}/tasks")
    assert page.locator("nav a[href='/diagrams']").count() == 0
    assert page.goto(f"{demo_server}/diagrams").status == 403
