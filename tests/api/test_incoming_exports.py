"""The incoming registers downloaded over HTTP: the leader gets the agency's register as XLSX
and PDF, agency B gets its own empty one, staff none; each download is audited."""
from __future__ import annotations

import itertools
import json
import unicodedata
from datetime import date
from io import BytesIO
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from documents.reports import xlsx
from tests.api.conftest import AGENCY_A, AGENCY_B, audit_actions, get_token
from tests.api.test_authorization import arrived_from

METADATA = {"issuer_name": "Sở Nội vụ tỉnh Hà Nam", "number_notation": "123/SNV-VP", "document_date": "2026-11-20",
            "doc_type": "Công văn", "subject": "Về việc kiểm tra công tác văn thư năm 2026", "due_date": "2026-12-15"}
URL = "/api/incoming/export/{}"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOTATIONS = itertools.count(1)


def register(client, headers, **changes) -> dict:
    # A number of its own: the same number and issuer would be a probable duplicate.
    changes = {"number_notation": f"{next(NOTATIONS)}/SNV-VP", **changes}
    response = client.post("/api/incoming", headers=headers,
                           data={"metadata": json.dumps({**METADATA, **changes}, ensure_ascii=False)})
    assert response.status_code == 201, response.text
    return response.json()


def rows_of(response) -> list[list]:
    sheet = load_workbook(BytesIO(response.content)).active
    return [[c.value for c in row] for row in sheet.iter_rows(min_row=xlsx.HEADER_ROW + 1)]


@pytest.fixture
def filled(client, api, system, province, context_clock) -> dict:
    """Agency A: documents numbered 1 and 2 on Monday 23/11, 3 a week later, one refused;
    agency B: one of its own."""
    clerk = api("a.clerk")
    register(client, clerk, subject="Về việc kiểm tra công tác văn thư năm 2026")
    register(client, clerk, subject="Quyết định khen thưởng tập thể, cá nhân xuất sắc")
    refused = arrived_from(system, AGENCY_A, sender=AGENCY_B, reference="B-9")
    assert client.post(f"/api/incoming/{refused}/refuse", headers=clerk,
                       json={"reason": "Không đúng thẩm quyền"}).status_code == 200
    monday = context_clock.now()
    context_clock.advance(days=7)  # past the tokens' 12 hours: a fresh one, then back to Monday
    register(client, {"Authorization": f"Bearer {get_token(client, 'a.clerk')}"},
             subject="Về việc phòng, chống thiên tai mùa mưa bão")
    context_clock.set(monday)
    register(client, api("b.clerk"), subject="Văn bản riêng của cơ quan B")
    return province


def test_the_register_as_xlsx_lists_the_agency_documents_in_number_order(client, api, filled):
    response = client.get(URL.format("register.xlsx"), headers=api("a.leader"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX_TYPE
    assert response.headers["content-disposition"].endswith(
        "filename*=UTF-8''" + quote("Sổ đăng ký văn bản đến 2026.xlsx"))
    sheet = load_workbook(BytesIO(response.content)).active
    assert [sheet.cell(r, 1).value for r in (1, 2, 3)] == ["Cơ quan A", "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN", "Năm 2026"]
    assert [c.value for c in sheet[xlsx.HEADER_ROW]] == [
        "Ngày đến", "Số đến", "Tác giả", "Số, ký hiệu", "Ngày tháng", "Tên loại và trích yếu nội dung",
        "Đơn vị hoặc người nhận", "Ký nhận", "Ghi chú"]
    rows = rows_of(response)
    assert [(r[0].date(), r[1]) for r in rows] == [(date(2026, 11, 23), 1), (date(2026, 11, 23), 2),
                                                   (date(2026, 11, 30), 3)]
    assert rows[1][5] == "Công văn Quyết định khen thưởng tập thể, cá nhân xuất sắc"
    assert all(unicodedata.is_normalized("NFC", v) for row in rows for v in row if isinstance(v, str))
    assert not any("thử quyền" in r[5] for r in rows)  # the refused one is not in the register
    assert audit_actions(client.app.state.system, filled["a.leader"].user_id)[-1] == "incoming.exported"


def test_a_date_range_and_refused_documents_on_request(client, api, filled):
    leader = api("a.leader")
    week = client.get(URL.format("register.xlsx"), headers=leader,
                      params={"received_from": "2026-11-23", "received_to": "2026-11-29", "include_refused": "true"})
    rows = rows_of(week)
    assert [r[1] for r in rows] == [1, 2, None] and rows[-1][8] == "Trả lại: Không đúng thẩm quyền"
    assert "20261123-20261129" in week.headers["content-disposition"]
    tracking = rows_of(client.get(URL.format("tracking.xlsx"), headers=leader, params={"year": 2026}))
    # Not distributed yet: no handling deadline (the sender's reply date is not one).
    assert [(r[0], r[4], r[5]) for r in tracking] == [(n, None, "Đã tiếp nhận") for n in (1, 2, 3)]
    both = client.get(URL.format("tracking.xlsx"), headers=leader, params={"year": 2026, "received_to": "2026-11-29"})
    assert both.status_code == 422
    assert client.get(URL.format("register.pdf"), headers=leader, params={"year": 2025}).status_code == 200


@pytest.mark.parametrize("name", ["register.pdf", "tracking.pdf"])
def test_the_pdf_carries_the_vietnamese_text(client, api, filled, name):
    response = client.get(URL.format(name), headers=api("a.clerk"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
    assert "Quyết định khen thưởng tập thể, cá nhân xuất sắc" in text.replace("\n", " ")
    assert "Văn bản riêng của cơ quan B" not in text


def test_agency_b_gets_its_own_register_and_staff_none(client, api, filled):
    rows = rows_of(client.get(URL.format("register.xlsx"), headers=api("b.leader")))
    assert [r[5] for r in rows] == ["Công văn Văn bản riêng của cơ quan B"]
    for name in ("register.xlsx", "register.pdf", "tracking.xlsx", "tracking.pdf"):
        response = client.get(URL.format(name), headers=api("a.staff"))
        assert response.status_code == 403, response.text
        assert client.get(URL.format(name)).status_code == 401
    assert "incoming.exported" not in audit_actions(client.app.state.system, filled["a.staff"].user_id)
