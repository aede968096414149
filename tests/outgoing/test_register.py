"""The outgoing register (sổ đăng ký văn bản đi, NĐ 30 Phụ lục IV) and the outgoing list over HTTP
on PostgreSQL: issued documents only, in number order, with the register's columns; searched
without accents; filtered; exported as XLSX (read back with openpyxl) and PDF (read with
pdftotext); another agency's documents never appear; staff get no register, no "all" tab.

Issued documents are made as rows here (a number claimed in the agency's register, as issuing
does), so these tests do not depend on the signing and issuing path."""
from __future__ import annotations

import subprocess
import unicodedata
from datetime import UTC, date, datetime
from io import BytesIO
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from documents.models import Agency, OrgUnit
from documents.outgoing.models import OutgoingDocument, OutgoingRecall, OutgoingRecipient, State
from documents.outgoing.search import searchable
from documents.registers.service import claim_number
from documents.reports import xlsx
from engine.db import unit_of_work
from tests.api.conftest import api, app, audit_actions, browser, client, context_clock, system  # noqa: F401

A, B = "000.00.01.H99", "000.00.02.H99"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = ["Số, ký hiệu văn bản", "Ngày tháng văn bản", "Tên loại và trích yếu nội dung", "Người ký",
           "Nơi nhận văn bản", "Đơn vị, người nhận bản lưu", "Số lượng bản", "Ngày chuyển", "Ký nhận", "Ghi chú"]


def make(system, who, *, subject: str, doc_type: str = "Công văn", state: str = State.ISSUED,
         issued_at: datetime | None = None, urgency: str = "normal", notation_suffix: str = "UBND-KT",
         recipients: tuple[tuple[str, bool], ...] = (("Sở Tài chính tỉnh Hà Nam", False),),
         signer=None, summary: str | None = None) -> int:
    """An outgoing document of ``who``'s agency written by ``who``; issued ones take the next
    number of the agency's outgoing register at ``issued_at``, as issuing does."""
    with unit_of_work(system.sessions) as session:
        now = issued_at or datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
        d = OutgoingDocument(agency_id=who.agency_id, author_id=who.user_id, unit_id=who.unit_id, subject=subject,
                             doc_type=doc_type, summary=summary, urgency=urgency, state=state, created_at=now,
                             updated_at=now)
        for position, (name, paper) in enumerate(recipients, 1):
            d.recipients.append(OutgoingRecipient(position=position, kind="external", name=name, paper=paper,
                                                  sent_at=now if state != State.DRAFTING else None))
        if state in (State.ISSUED, State.RECALLED, State.REPLACED):
            register, entry = claim_number(session, who.agency_id, "outgoing", now)
            abbreviation = {"Công văn": ""}.get(doc_type, "QĐ-" if doc_type == "Quyết định" else "TB-")
            d.register_entry_id, d.number = entry.id, entry.number
            d.notation = f"{entry.number}/{abbreviation}{notation_suffix}"
            d.issued_at, d.issued_by = now, who.user_id
            if signer is not None:
                d.signer_id, d.signer_position, d.signed_at = signer.user_id, "CHỦ TỊCH", now
        d.search_text = searchable(d)
        session.add(d)
        session.flush()
        return d.id


@pytest.fixture
def office(system, province, context_clock) -> dict:
    """Agency A: three issued documents (a decision by the leader, an urgent công văn with a paper
    copy, one recalled), one issued in 2025, two drafts; agency B: one issued document."""
    clerk, leader, staff = province["a.clerk"], province["a.leader"], province["a.staff"]
    ids = {
        "decision": make(system, staff, subject="Quyết định khen thưởng tập thể, cá nhân xuất sắc",
                         doc_type="Quyết định", signer=leader, recipients=(("Phòng Nội vụ", False),
                                                                             ("Sở Nội vụ tỉnh Hà Nam", False))),
        "urgent": make(system, clerk, subject="Về việc phòng, chống thiên tai mùa mưa bão", urgency="urgent",
                       signer=leader, issued_at=datetime(2026, 11, 25, 3, 0, tzinfo=UTC),
                       recipients=(("Ủy ban nhân dân tỉnh Hà Nam", True), ("Bộ Nội vụ", False))),
        "recalled": make(system, staff, subject="Thông báo lịch tiếp công dân tháng 12", doc_type="Thông báo",
                         state=State.RECALLED, signer=leader, issued_at=datetime(2026, 12, 1, 2, 0, tzinfo=UTC)),
        "old": make(system, clerk, subject="Báo cáo tổng kết năm 2025", issued_at=datetime(2025, 12, 30, 2, 0, tzinfo=UTC)),
        "draft": make(system, staff, subject="Dự thảo kế hoạch chuyển đổi số", state=State.DRAFTING),
        "signing": make(system, staff, subject="Dự thảo chờ ký về đường giao thông", state=State.SIGNING),
        "b": make(system, province["b.clerk"], subject="Quyết định riêng của cơ quan B khen thưởng", doc_type="Quyết định"),
    }
    with unit_of_work(system.sessions) as session:
        session.add(OutgoingRecall(document_id=ids["recalled"], kind="recall", reason="Sai lịch tiếp công dân",
                                   requested_by=clerk.user_id, requested_at=datetime(2026, 12, 2, 2, 0, tzinfo=UTC)))
    return {**province, "ids": ids}


def listed(client, headers, **params) -> dict:
    response = client.get("/api/outgoing", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def subjects(found: dict) -> list[str]:
    return [item["subject"] for item in found["items"]]


def sheet_rows(response) -> list[list]:
    sheet = load_workbook(BytesIO(response.content)).active
    return [[c.value for c in row] for row in sheet.iter_rows(min_row=xlsx.HEADER_ROW + 1)]


def test_the_register_as_xlsx_has_the_phu_luc_iv_columns_and_the_issued_documents_in_number_order(client, api, office):
    response = client.get("/api/outgoing/register.xlsx", headers=api("a.leader"), params={"year": 2026})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX_TYPE
    assert response.headers["content-disposition"].endswith("filename*=UTF-8''" + quote("Sổ đăng ký văn bản đi 2026.xlsx"))
    sheet = load_workbook(BytesIO(response.content)).active
    assert [sheet.cell(r, 1).value for r in (1, 2, 3)] == ["Cơ quan A", "SỔ ĐĂNG KÝ VĂN BẢN ĐI", "Năm 2026"]
    assert [c.value for c in sheet[xlsx.HEADER_ROW]] == HEADERS
    rows = sheet_rows(response)
    # Issued only (the drafts and the one waiting for signature are not), 2025's not in 2026's book,
    # the recalled one kept: its number was issued.
    assert [r[0] for r in rows] == ["1/QĐ-UBND-KT", "2/UBND-KT", "3/TB-UBND-KT"]
    decision, urgent, recalled = rows
    assert decision[1].date() == date(2026, 11, 23)
    assert decision[2] == "Quyết định Quyết định khen thưởng tập thể, cá nhân xuất sắc"
    assert decision[3] == "leader a\nCHỦ TỊCH"
    assert decision[4] == "Phòng Nội vụ\nSở Nội vụ tỉnh Hà Nam"
    assert decision[5] == "Văn thư\nPhòng Kinh tế – staff a"
    assert decision[6] == 4  # two recipients and the two kept copies
    assert decision[7].date() == date(2026, 11, 23)
    assert decision[8] is None
    assert urgent[4] == "Ủy ban nhân dân tỉnh Hà Nam (bản giấy)\nBộ Nội vụ"
    assert urgent[9] == "Khẩn"
    assert recalled[9] == "Đã thu hồi ngày 02/12/2026: Sai lịch tiếp công dân"
    assert all(unicodedata.is_normalized("NFC", v) for row in rows for v in row if isinstance(v, str))
    assert not any("cơ quan B" in (r[2] or "") for r in rows)
    assert audit_actions(client.app.state.system, office["a.leader"].user_id)[-1] == "outgoing.exported"


def test_a_year_restarts_the_numbers_and_a_date_range_narrows_the_book(client, api, office):
    old = sheet_rows(client.get("/api/outgoing/register.xlsx", headers=api("a.clerk"), params={"year": 2025}))
    assert [r[0] for r in old] == ["1/UBND-KT"]
    narrowed = client.get("/api/outgoing/register.xlsx", headers=api("a.clerk"),
                          params={"issued_from": "2026-11-24", "issued_to": "2026-11-30"})
    assert [r[0] for r in sheet_rows(narrowed)] == ["2/UBND-KT"]
    both = client.get("/api/outgoing/register.xlsx", headers=api("a.clerk"),
                      params={"year": 2026, "issued_from": "2026-11-24"})
    assert both.status_code == 422
    reversed_ = client.get("/api/outgoing/register.pdf", headers=api("a.clerk"),
                           params={"issued_from": "2026-12-01", "issued_to": "2026-11-01"})
    assert reversed_.status_code == 422
    assert "Ngày bắt đầu sau ngày kết thúc" in reversed_.json()["error"]["message"]


def test_the_register_as_pdf_is_a_book_with_title_agency_year_pages_and_closing_block(client, api, office, tmp_path):
    response = client.get("/api/outgoing/register.pdf", headers=api("a.clerk"), params={"year": 2026})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    path = tmp_path / "register.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    text = unicodedata.normalize("NFC", text)
    for expected in ("Cơ quan A", "SỔ ĐĂNG KÝ VĂN BẢN ĐI", "Năm 2026", "Quyển số: 01", "Từ số 1 đến số 3",
                     "1/QĐ-UBND-KT", "2/UBND-KT", "3/TB-UBND-KT", "Bộ Nội vụ", "CHỦ TỊCH", "Trang 1/1",
                     "Sổ này có 1 trang, từ số 1 đến số 3.", "NGƯỜI LẬP SỔ", "THỦ TRƯỞNG CƠ QUAN"):
        assert expected in text, expected
    assert "Dự thảo kế hoạch" not in text and "cơ quan B" not in text


def test_another_agency_gets_its_own_register_and_never_agency_a_documents(client, api, office):
    rows = sheet_rows(client.get("/api/outgoing/register.xlsx", headers=api("b.leader"), params={"year": 2026}))
    assert [r[2] for r in rows] == ["Quyết định Quyết định riêng của cơ quan B khen thưởng"]
    for tab in ("issued", "all"):
        found = listed(client, api("b.clerk"), tab=tab, q="khen thuong")
        assert subjects(found) == ["Quyết định riêng của cơ quan B khen thưởng"]


def test_staff_get_no_register_export_and_no_all_tab_and_see_only_their_own_issued_documents(client, api, office):
    for path in ("/api/outgoing/register.xlsx", "/api/outgoing/register.pdf", "/api/outgoing/register/normative.pdf"):
        assert client.get(path, headers=api("a.staff")).status_code == 403
    assert client.get("/api/outgoing", headers=api("a.staff"), params={"tab": "all"}).status_code == 403
    assert client.get("/api/outgoing", headers=api("a.unit_head"), params={"tab": "all"}).status_code == 403
    assert set(subjects(listed(client, api("a.staff"), tab="issued"))) == {
        "Quyết định khen thưởng tập thể, cá nhân xuất sắc", "Thông báo lịch tiếp công dân tháng 12"}
    assert client.get("/api/outgoing").status_code == 401
    assert client.get("/api/outgoing/register.xlsx").status_code == 401


def test_the_register_tab_lists_issued_documents_newest_first_and_the_all_tab_every_state(client, api, office):
    issued = listed(client, api("a.unit_head"), tab="issued")
    assert subjects(issued) == ["Thông báo lịch tiếp công dân tháng 12", "Về việc phòng, chống thiên tai mùa mưa bão",
                                "Quyết định khen thưởng tập thể, cá nhân xuất sắc", "Báo cáo tổng kết năm 2025"]
    assert issued["total"] == 4
    assert issued["items"][1]["notation"] == "2/UBND-KT" and issued["items"][1]["issued_at"].endswith("+07:00")
    every = listed(client, api("a.clerk"), tab="all")
    assert every["total"] == 6
    assert {i["state"] for i in every["items"]} == {"issued", "recalled", "drafting", "signing"}
    assert subjects(listed(client, api("a.clerk"), tab="all", state="signing")) == ["Dự thảo chờ ký về đường giao thông"]
    paged = listed(client, api("a.clerk"), tab="issued", limit=2, offset=2)
    assert paged["total"] == 4 and subjects(paged) == subjects(issued)[2:]


def test_my_drafts_are_what_i_wrote_and_is_not_issued(client, api, office):
    mine = listed(client, api("a.staff"), tab="mine")
    assert set(subjects(mine)) == {"Dự thảo kế hoạch chuyển đổi số", "Dự thảo chờ ký về đường giao thông"}
    assert listed(client, api("a.clerk"), tab="mine")["total"] == 0


@pytest.mark.parametrize(("query", "expected"), [
    ("quyet dinh khen thuong", {"Quyết định khen thưởng tập thể, cá nhân xuất sắc"}),
    ("THIÊN TAI", {"Về việc phòng, chống thiên tai mùa mưa bão"}),
    ("uy ban nhan dan tinh ha nam", {"Về việc phòng, chống thiên tai mùa mưa bão"}),  # a recipient
    ("2/ubnd-kt", {"Về việc phòng, chống thiên tai mùa mưa bão"}),                     # the notation
    ("thong bao", {"Thông báo lịch tiếp công dân tháng 12"}),                          # the type
    ("100%", set()),                                                                   # LIKE's wildcards are text
])
def test_search_is_accent_and_case_insensitive_over_subject_notation_type_and_recipients(client, api, office, query,
                                                                                          expected):
    assert set(subjects(listed(client, api("a.clerk"), tab="issued", q=query))) == expected


def test_filters_by_type_urgency_and_issue_dates(client, api, office):
    clerk = api("a.clerk")
    assert subjects(listed(client, clerk, doc_type="Quyết định")) == ["Quyết định khen thưởng tập thể, cá nhân xuất sắc"]
    assert subjects(listed(client, clerk, urgency="urgent")) == ["Về việc phòng, chống thiên tai mùa mưa bão"]
    assert subjects(listed(client, clerk, date_from="2026-11-24", date_to="2026-11-30")) == [
        "Về việc phòng, chống thiên tai mùa mưa bão"]
    # The day is Vietnam's: 01/12 09:00 +07:00 is in, 30/11 is not.
    assert subjects(listed(client, clerk, date_from="2026-12-01")) == ["Thông báo lịch tiếp công dân tháng 12"]
    assert client.get("/api/outgoing", headers=clerk, params={"urgency": "soon"}).status_code == 422
    refused = client.get("/api/outgoing", headers=clerk, params={"date_from": "2026-12-02", "date_to": "2026-12-01"})
    assert refused.status_code == 422 and "date_from" in refused.json()["error"]["errors"]


def test_the_register_page_searches_filters_and_links_each_document_and_its_exports(browser, office):
    clerk = browser("a.clerk")
    page = clerk.get("/outgoing/register", params={"q": "quyet dinh", "date_from": "2026-11-01"})
    assert page.status_code == 200
    assert f'href="/outgoing/{office["ids"]["decision"]}"' in page.text
    assert "thiên tai" not in page.text
    assert 'href="/outgoing/register.xlsx?issued_from=2026-11-01"' in page.text
    assert 'href="/outgoing/register.pdf?issued_from=2026-11-01"' in page.text
    assert 'aria-current="page" data-tab="issued"' in page.text
    download = clerk.get("/outgoing/register.xlsx", params={"issued_from": "2026-11-01"})
    assert download.status_code == 200 and download.headers["content-type"] == XLSX_TYPE
    assert download.headers["cache-control"] == "no-store"
    assert clerk.get("/outgoing/register/unknown.xlsx").status_code == 404


def test_the_page_reports_a_nonsense_filter_next_to_its_field_and_searches_with_the_rest(browser, office):
    page = browser("a.clerk").get("/outgoing/register", params={"urgency": "soon", "date_to": "2026-13-45",
                                                               "q": "thien tai"})
    assert page.status_code == 200
    assert "Giá trị này không có trong danh sách" in page.text and "Ngày không hợp lệ" in page.text
    assert "Về việc phòng, chống thiên tai mùa mưa bão" in page.text


def test_staff_see_no_register_exports_no_all_tab_and_no_register_menu_entry(browser, office):
    staff = browser("a.staff")
    page = staff.get("/outgoing/register")
    assert page.status_code == 200
    assert "register.xlsx" not in page.text and 'data-tab="all"' not in page.text
    assert 'href="/outgoing/register"' not in page.text.split("<main")[0]  # the menu
    assert 'href="/outgoing/new"' in page.text.split("<main")[0]
    assert staff.get("/outgoing/register.pdf").status_code == 403
    everything = staff.get("/outgoing", params={"tab": "all"})
    assert everything.status_code == 200 and 'aria-current="page" data-tab="mine"' in everything.text
    assert "Dự thảo kế hoạch chuyển đổi số" in everything.text
    assert browser(None).get("/outgoing").status_code in (302, 303)


def test_the_menu_marks_the_outgoing_group_on_its_pages(browser, office):
    page = browser("a.clerk").get("/outgoing", params={"tab": "all"})
    header = page.text.split("<main")[0]
    assert '<summary class="current">' in header
    assert '<a href="/outgoing" aria-current="page">' in header
    for href in ("/outgoing/new", "/outgoing/register", "/outgoing/paper", "/incoming/recalls"):
        assert f'href="{href}"' in header


def test_waiting_for_me_lists_the_documents_whose_open_step_is_mine_with_the_task_to_open(client, api, browser,
                                                                                          system, province):
    from documents.outgoing import drafts

    with unit_of_work(system.sessions) as session:
        draft = drafts.create(session, system.runtime, province["a.staff"], subject="Về việc báo cáo quý IV",
                              doc_type="Báo cáo", recipients=[{"kind": "external", "name": "Sở Tài chính"}])
        draft_id = draft.id
        (task,) = system.runtime.open_tasks(session, draft.process_instance_id)
    waiting = listed(client, api("a.staff"), tab="waiting", q="bao cao quy")
    assert [(i["id"], i["task_id"]) for i in waiting["items"]] == [(draft_id, task.id)]
    assert waiting["items"][0]["step"]
    assert listed(client, api("a.leader"), tab="waiting")["total"] == 0
    assert listed(client, api("b.staff"), tab="waiting")["total"] == 0
    page = client.get("/api/outgoing", headers=api("a.staff"), params={"tab": "waiting", "q": "khong co"})
    assert page.json()["total"] == 0
    shown = browser("a.staff").get("/outgoing", params={"tab": "waiting"})
    assert f'href="/tasks/{task.id}"' in shown.text and f'href="/outgoing/{draft_id}"' in shown.text


def test_the_page_pages_through_the_register_keeping_the_search(browser, office, monkeypatch):
    from api.pages import outgoing_list

    monkeypatch.setattr(outgoing_list, "PAGE_SIZE", 2)
    clerk = browser("a.clerk")
    first = clerk.get("/outgoing/register", params={"q": "v"})
    assert "Trang 1/2" in first.text and 'href="/outgoing/register?q=v&amp;page=2" rel="next"' in first.text
    second = clerk.get("/outgoing/register", params={"q": "v", "page": 2})
    assert "Trang 2/2" in second.text and 'rel="prev"' in second.text and 'rel="next"' not in second.text


def test_the_menu_offers_drafting_to_drafters_only_and_the_unit_list_to_unit_members(browser, office):
    header = browser("a.process_admin").get("/outgoing").text.split("<main")[0]
    assert 'href="/outgoing/new"' not in header and 'href="/outgoing"' in header
    assert 'href="/outgoing/internal"' not in header
    staff = browser("a.staff").get("/outgoing").text.split("<main")[0]
    assert 'href="/outgoing/new"' in staff and 'href="/outgoing/internal"' in staff
