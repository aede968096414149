"""The pages of the incoming register: search, registration (paper scan signed for the agency,
manual), a document's detail with its statuses, files and signature check, the clerk's accept
and refuse, the register exports, and every denial (role, agency, CSRF, no session)."""
from __future__ import annotations

import html
import re
from io import BytesIO
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from api.pages import register_search
from documents.files.models import Attachment
from documents.reports import xlsx
from documents.incoming.models import IncomingDocument
from documents.signing import validate_pdf, verdict
from engine.models import ProcessInstance
from tests.api.conftest import AGENCY_A, AGENCY_B, SESSION_COOKIE, count, csrf_of
from tests.api.test_authorization import arrived_from
from tests.api.test_incoming import METADATA, register
from tests.files import samples

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORM = {"issuer_code": "000.00.31.H41", "issuer_name": "Sở Nội vụ tỉnh Hà Nam", "number_notation": "123/SNV-VP",
        "document_date": "2026-11-20", "doc_type": "Công văn", "subject": "Về việc kiểm tra công tác văn thư năm 2026",
        "urgency": "urgent", "secrecy": "none", "recipients": "Phòng Kinh tế\nPhòng Nội vụ", "page_count": "2"}
NO_FILE = ("files", ("", b"", "application/octet-stream"))  # what a browser sends for an empty file input


@pytest.fixture
def signing(system, province):
    """Agency A's demo key and seal: a paper scan is signed for the agency when registered."""
    system.keystore.install_demo(AGENCY_A, "Cơ quan A")
    return province


def register_on_page(page, fields=None, files=(("scan.pdf", samples.pdf("1.7")),), channel="paper", csrf=None):
    """What the clerk's browser sends from /incoming/new: multipart, CSRF token, files."""
    form = page.get("/incoming/new")
    assert form.status_code == 200, form.text
    data = {**(FORM if fields is None else fields), "channel": channel,
            "csrf_token": csrf_of(form.text) if csrf is None else csrf}
    parts = [("files", (name, content, "application/octet-stream")) for name, content in files] or [NO_FILE]
    return page.post("/incoming/new", data=data, files=parts)


def document_id_of(response) -> int:
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/incoming/(\d+)", response.headers["location"])
    assert found, response.headers["location"]
    return int(found.group(1))


def listed(html_text: str) -> list[int]:
    """The documents of the register table, in their order on the page."""
    return [int(i) for i in re.findall(r'<td[^>]*><a href="/incoming/(\d+)">', html_text)]


def row_of(html_text: str, document_id: int) -> str:
    found = re.search(rf'<tr class="([^"]*)">((?:(?!</tr>).)*href="/incoming/{document_id}"(?:(?!</tr>).)*)</tr>',
                      html_text, re.S)
    assert found, f"no row for document {document_id}"
    return found.group(1) + found.group(2)


def shows_filter(html_text: str, name: str, value: str) -> bool:
    """The search form comes back showing the value it searched with."""
    if name == "overdue":
        return 'name="overdue" value="1" checked' in html_text
    return f'name="{name}" value="{html.escape(value)}"' in html_text or f'<option value="{value}" selected>' in html_text


def status_of(system, document_id: int) -> tuple[str, int | None]:
    with system.sessions() as session:
        document = session.get(IncomingDocument, document_id)
        return document.status, document.incoming_number


# --------------------------------------------------------------------------- the register

@pytest.fixture
def three(client, api, signing) -> dict[str, int]:
    """Agency A: an urgent Công văn, a normal Quyết định from another issuer, and one whose sender
    asked for a reply before today, 23/11/2026 (not overdue: no handling deadline); agency B: one
    of its own."""
    clerk = api("a.clerk")
    without_code = {key: value for key, value in METADATA.items() if key != "issuer_code"}
    ids = {
        "cong_van": register(client, clerk, channel="manual", files=()).json()["id"],
        "quyet_dinh": register(client, clerk, {**without_code, "subject": "Quyết định khen thưởng", "urgency": "normal",
                                               "issuer_name": "UBND huyện Thử", "doc_type": "Quyết định"},
                               channel="manual", files=()).json()["id"],
        "overdue": register(client, clerk, {**METADATA, "subject": "Báo cáo tổng kết", "urgency": "normal",
                                            "number_notation": "9/SNV-VP", "due_date": "2026-11-20"},
                            channel="manual", files=()).json()["id"],
        "agency_b": register(client, api("b.clerk"), channel="manual", files=()).json()["id"],
    }
    return ids


def test_the_register_lists_the_agency_documents_newest_first(browser, three):
    page = browser("a.leader").get("/incoming")
    assert page.status_code == 200
    assert "Sổ văn bản đến" in page.text and "Tìm thấy 3 văn bản." in page.text
    assert listed(page.text) == [three["overdue"], three["quyet_dinh"], three["cong_van"]]
    row = row_of(page.text, three["cong_van"])
    for shown in (">1</td>", "08:00, 23/11/2026", 'datetime="2026-11-23T08:00:00+07:00"', "Sở Nội vụ tỉnh Hà Nam",
                  "123/SNV-VP", METADATA["subject"], "Đã tiếp nhận"):
        assert shown in row, shown
    assert row.startswith("urgent") and '<span class="badge urgent">Khẩn</span>' in row
    overdue = row_of(page.text, three["overdue"])
    assert not overdue.startswith("overdue") and "Quá hạn" not in overdue and "20/11/2026" in overdue
    assert "Quá hạn" not in row_of(page.text, three["quyet_dinh"])
    assert browser("a.unit_head").get("/incoming").status_code == 200


@pytest.mark.parametrize("query, expected", [
    ({"q": "quyet dinh KHEN"}, ["quyet_dinh"]),
    ({"q": "kiem tra VAN THU"}, ["cong_van"]),
    ({"q": "9/snv"}, ["overdue"]),
    ({"issuer": "so noi vu"}, ["overdue", "cong_van"]),
    ({"issuer": "000.00.31.h41"}, ["overdue", "cong_van"]),
    ({"doc_type": "Quyết định"}, ["quyet_dinh"]),
    ({"urgency": "urgent"}, ["cong_van"]),
    ({"status": "03"}, ["overdue", "quyet_dinh", "cong_van"]),
    ({"status": "02"}, []),
    ({"overdue": "1"}, []),  # the sender's reply date is no handling deadline
    ({"received_from": "2026-11-23", "received_to": "2026-11-23"}, ["overdue", "quyet_dinh", "cong_van"]),
    ({"received_from": "2026-11-24"}, []),
    ({"received_to": "2026-11-22"}, []),
    ({"q": "", "issuer": "", "urgency": "", "status": ""}, ["overdue", "quyet_dinh", "cong_van"]),
])
def test_each_search_filter_narrows_the_register(browser, three, query, expected):
    page = browser("a.clerk").get("/incoming", params=query)
    assert page.status_code == 200
    assert listed(page.text) == [three[name] for name in expected]
    assert three["agency_b"] not in listed(page.text)
    for name, value in query.items():
        assert not value or shows_filter(page.text, name, value), name
    if not expected:
        assert "Không có văn bản nào phù hợp." in page.text


def test_a_nonsense_filter_is_reported_next_to_its_field(browser, three):
    page = browser("a.leader").get("/incoming", params={"received_from": "23/11/2026", "urgency": "rat-khan",
                                                        "q": "x" * 201})
    assert page.status_code == 200
    assert "Ngày không hợp lệ" in page.text and "Giá trị không có trong danh sách." in page.text
    assert "Nội dung tìm kiếm quá dài." in page.text
    assert len(listed(page.text)) == 3, "the other filters still apply"
    assert "/incoming/export/register.xlsx\"" in page.text, "a wrong date is not passed to the exports"


def test_the_register_is_paged_and_the_pages_keep_the_filters(browser, three, monkeypatch):
    monkeypatch.setattr(register_search, "PAGE_SIZE", 2)
    leader = browser("a.leader")
    first = leader.get("/incoming", params={"status": "03"})
    assert listed(first.text) == [three["overdue"], three["quyet_dinh"]]
    assert "Trang 1/2" in first.text and "Trang trước" not in first.text
    next_link = html.unescape(re.search(r'<a href="([^"]+)" rel="next">', first.text).group(1))
    assert next_link == "/incoming?status=03&page=2"
    second = leader.get(next_link)
    assert listed(second.text) == [three["cong_van"]]
    assert "Trang 2/2" in second.text and 'rel="prev"' in second.text and 'rel="next"' not in second.text


# --------------------------------------------------------------------------- exports

def test_the_exports_download_from_the_page_with_the_same_period(browser, client, api, system, three):
    leader = browser("a.leader")
    page = leader.get("/incoming", params={"received_from": "2026-11-23", "received_to": "2026-11-29", "q": "x"})
    links = [html.unescape(link) for link in re.findall(r'href="(/incoming/export/[^"]+)"', page.text)]
    period = "?received_from=2026-11-23&received_to=2026-11-29"
    assert links == [f"/incoming/export/{kind}.{fmt}{period}" for kind in ("register", "tracking")
                     for fmt in ("xlsx", "pdf")]

    workbook = leader.get(links[0])
    assert workbook.status_code == 200, workbook.text
    assert workbook.headers["content-type"] == XLSX_TYPE
    assert workbook.headers["x-content-type-options"] == "nosniff"
    assert workbook.headers["content-disposition"].endswith(
        "filename*=UTF-8''" + quote("Sổ đăng ký văn bản đến 20261123-20261129.xlsx"))
    sheet = load_workbook(BytesIO(workbook.content)).active
    numbers = [row[1].value for row in sheet.iter_rows(min_row=xlsx.HEADER_ROW + 1) if row[1].value is not None]
    assert numbers == [1, 2, 3], "agency A's three documents, not agency B's"
    same_from_api = client.get("/api/incoming/export/register.xlsx", params=dict(
        received_from="2026-11-23", received_to="2026-11-29"), headers=api("a.leader"))
    assert same_from_api.headers["content-disposition"] == workbook.headers["content-disposition"]

    for link in links[1:]:
        response = leader.get(link)
        assert response.status_code == 200, link
        expected = XLSX_TYPE if link.split("?")[0].endswith(".xlsx") else "application/pdf"
        assert response.headers["content-type"] == expected
    assert leader.get(links[3]).content.startswith(b"%PDF-")
    assert leader.get("/incoming/export/outgoing.xlsx").status_code == 404
    assert leader.get("/incoming/export/register.docx").status_code == 404
    backwards = leader.get("/incoming/export/register.xlsx?received_from=2026-12-01&received_to=2026-11-01")
    assert backwards.status_code == 422 and "Ngày bắt đầu sau ngày kết thúc." in backwards.text


# --------------------------------------------------------------------------- registration

def test_the_clerk_registers_a_paper_scan_and_sees_it_signed_and_numbered(browser, client, api, system, signing):
    clerk = browser("a.clerk")
    form = clerk.get("/incoming/new")
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.text and 'type="file" name="files" multiple' in form.text
    for label in ("Cơ quan ban hành *", "Số, ký hiệu *", "Ngày văn bản *", "Trích yếu *", "Mức độ khẩn", "Độ mật"):
        assert label in form.text, label
    assert 'value="paper" checked' in form.text

    document_id = document_id_of(register_on_page(clerk))
    detail = clerk.get(f"/incoming/{document_id}")
    assert detail.status_code == 200
    assert re.search(r'id="incoming-number">1<', detail.text)
    assert "08:00, 23/11/2026" in detail.text and "2026-11-23T08:00:00+07:00" in detail.text
    assert "01 · Đã đến" in detail.text and "03 · Đã tiếp nhận" in detail.text
    assert "Văn bản giấy" in detail.text and "Phòng Kinh tế; Phòng Nội vụ" in detail.text
    assert "Mọi chữ ký đều hợp lệ" in detail.text and "Chữ ký hợp lệ của" in detail.text
    assert "Quá trình xử lý" in detail.text and "Bắt đầu quy trình" in detail.text
    assert "Cảnh báo trùng" not in detail.text
    assert "Tiếp nhận</button>" not in detail.text, "a registered document is accepted already"

    # Its one file, linked from the file list and from the PDF reader's download link.
    (file_id,) = set(re.findall(rf'href="/incoming/{document_id}/files/(\d+)"', detail.text))
    download = browser("a.leader").get(f"/incoming/{document_id}/files/{file_id}")
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"] == \
        'attachment; filename="scan.pdf"; filename*=UTF-8\'\'scan.pdf'
    assert verdict(validate_pdf(download.content, system.keystore.trust_roots)) == "valid"

    # The registration started the handling: the leader's queue has the distribution.
    with system.sessions() as session:
        instance = session.scalar(sa.select(ProcessInstance))
        assert instance.business_key == f"incoming:{document_id}"
    assert "Phân phối văn bản đến" in browser("a.leader").get("/tasks").text


def test_a_second_registration_of_the_same_document_warns_of_the_duplicate(browser, signing):
    clerk = browser("a.clerk")
    first = document_id_of(register_on_page(clerk, channel="manual", files=()))
    asked = register_on_page(clerk, channel="manual", files=(("email.pdf", samples.pdf()),))
    assert asked.status_code == 409 and f'href="/incoming/{first}"' in asked.text  # asked before the number
    held = re.search(r'name="held" value="([^"]+)"', asked.text).group(1)
    second = document_id_of(clerk.post("/incoming/new", files=[NO_FILE], data={
        **FORM, "channel": "manual", "csrf_token": csrf_of(asked.text), "held": held, "allow_duplicate": "true"}))
    detail = clerk.get(f"/incoming/{second}").text
    assert "Cảnh báo trùng" in detail and f'href="/incoming/{first}"' in detail
    assert re.search(r'id="incoming-number">2<', detail)
    assert "Tài liệu không có chữ ký số" in detail, "an unsigned PDF is reported as such"


def test_a_wrong_form_comes_back_in_vietnamese_with_the_values_and_stores_nothing(browser, system, signing):
    clerk = browser("a.clerk")
    response = register_on_page(clerk, {**FORM, "subject": "", "document_date": "20/11/2026",
                                        "page_count": "hai"}, files=())
    assert response.status_code == 422
    assert "Vui lòng sửa các lỗi dưới đây." in response.text
    assert "Trường «Trích yếu» là bắt buộc." in response.text
    assert "«Số trang» phải là số nguyên." in response.text
    assert "Văn bản giấy cần có tệp bản quét (PDF)." in response.text
    assert 'value="123/SNV-VP"' in response.text and "Phòng Kinh tế\nPhòng Nội vụ</textarea>" in response.text
    assert 'value="paper" checked' in response.text
    assert re.search(r'<div class="field invalid"[^>]*>\s*<label>Trích yếu \*', response.text)

    secret = register_on_page(clerk, {**FORM, "secrecy": "secret"}, channel="manual", files=())
    assert secret.status_code == 422 and "Văn bản có độ mật" in secret.text
    assert count(system, IncomingDocument) == 0
    assert count(system, ProcessInstance) == 0 and count(system, Attachment) == 0


def test_the_registration_errors_follow_the_page_language(browser, signing):
    clerk = browser("a.clerk")
    clerk.get("/lang/en")
    form = clerk.get("/incoming/new").text
    assert "Register an incoming document" in form and "Issuing agency *" in form and "Very urgent" in form
    response = register_on_page(clerk, {**FORM, "subject": ""}, files=())
    assert response.status_code == 422
    assert "is required" in response.text and "A paper document needs its scan (PDF)." in response.text
    assert "bắt buộc" not in response.text and "Cần tệp" not in response.text

    document_id = document_id_of(register_on_page(clerk))
    detail = clerk.get(f"/incoming/{document_id}").text
    assert "Receipt time" in detail and "23 Nov 2026, 08:00" in detail and "03 · Accepted" in detail
    assert "All signatures are valid" in detail and "Valid signature by Cơ quan A" in detail
    assert "Urgent" in detail and "Handling history" in detail and "Process started" in detail
    register_page = clerk.get("/incoming").text
    assert "Incoming register" in register_page and "Handling-tracking register" in register_page
    assert "Đã tiếp nhận" not in register_page and "Accepted" in register_page


@pytest.mark.parametrize("channel, files", [
    ("paper", (("scan.pdf", samples.EXE),)),                          # an executable renamed .pdf
    ("manual", (("cong-van.pdf", samples.pdf()), ("bao-cao.pdf", samples.HTML))),
    ("manual", (("setup.exe", samples.EXE),)),
    ("paper", (("scan.pdf", samples.pdf("1.3")),)),                   # a scan must be PDF 1.4 or later
])
def test_a_refused_file_is_named_and_nothing_is_stored(browser, system, signing, channel, files):
    clerk = browser("a.clerk")
    response = register_on_page(clerk, files=files, channel=channel)
    assert response.status_code == 422
    assert "Tệp không được chấp nhận" in response.text
    refused = files[-1][0]
    assert f"Tệp «{refused}»" in html.unescape(response.text), "the detail names the refused file"
    assert "Vui lòng chọn lại tệp" in response.text and 'value="123/SNV-VP"' in response.text
    assert count(system, IncomingDocument) == 0 and count(system, Attachment) == 0
    assert count(system, ProcessInstance) == 0


# --------------------------------------------------------------------------- accept and refuse

def test_the_clerk_accepts_an_arrived_electronic_document(browser, system, province):
    document_id = arrived_from(system, AGENCY_A, sender=AGENCY_B, reference="B-1")
    clerk = browser("a.clerk")
    detail = clerk.get(f"/incoming/{document_id}")
    assert "01 · Đã đến" in detail.text and "Văn bản điện tử" in detail.text
    # Unsigned: the plain button gives way to accepting with a reason (issue 9 item 1).
    assert "Tiếp nhận dù chữ ký không hợp lệ</button>" in detail.text and "Trả lại</button>" in detail.text
    assert "Tài liệu không có chữ ký số" in detail.text and "cong-van.pdf" in detail.text
    leader_view = browser("a.leader").get(f"/incoming/{document_id}").text
    assert "Tiếp nhận dù chữ ký không hợp lệ</button>" not in leader_view and "Trả lại</button>" not in leader_view

    response = clerk.post(f"/incoming/{document_id}/accept",
                          data={"csrf_token": csrf_of(detail.text), "override_reason": "Đã xác nhận với Cơ quan B"})
    assert (response.status_code, response.headers["location"]) == (303, f"/incoming/{document_id}")
    assert status_of(system, document_id) == ("03", 1)
    accepted = clerk.get(f"/incoming/{document_id}").text
    assert re.search(r'id="incoming-number">1<', accepted) and "Tiếp nhận</button>" not in accepted

    again = clerk.post(f"/incoming/{document_id}/accept", data={"csrf_token": csrf_of(detail.text)})
    assert again.status_code == 409 and "đã được tiếp nhận hoặc trả lại" in again.text
    assert status_of(system, document_id) == ("03", 1)


def test_the_clerk_refuses_with_a_required_reason(browser, system, province):
    document_id = arrived_from(system, AGENCY_A, sender=AGENCY_B, reference="B-2")
    clerk = browser("a.clerk")
    csrf = csrf_of(clerk.get(f"/incoming/{document_id}").text)
    blank = clerk.post(f"/incoming/{document_id}/refuse", data={"csrf_token": csrf, "reason": "   "})
    assert blank.status_code == 422 and "Cần nêu lý do trả lại." in blank.text
    assert status_of(system, document_id) == ("01", None)

    reason = f"Không đúng thẩm quyền {SCRIPT}"
    response = clerk.post(f"/incoming/{document_id}/refuse", data={"csrf_token": csrf, "reason": reason})
    assert (response.status_code, response.headers["location"]) == (303, f"/incoming/{document_id}")
    assert status_of(system, document_id) == ("02", None)
    detail = clerk.get(f"/incoming/{document_id}").text
    assert "02 · Trả lại" in detail and f"Lý do: Không đúng thẩm quyền {ESCAPED}" in detail
    assert SCRIPT not in detail and "Tiếp nhận</button>" not in detail
    assert re.search(r"02 · Trả lại</strong>\s*<time[^>]*>[^<]*</time> · clerk a", detail), "who refused"


# --------------------------------------------------------------------------- denials

def test_without_a_session_every_register_page_goes_to_login(browser, client, api, signing):
    document_id = register(client, api("a.clerk"), channel="manual", files=()).json()["id"]
    anonymous = browser(None)
    for method, url in (("GET", "/incoming"), ("GET", "/incoming/new"), ("POST", "/incoming/new"),
                        ("GET", f"/incoming/{document_id}"), ("GET", f"/incoming/{document_id}/files/1"),
                        ("GET", "/incoming/export/register.xlsx"), ("POST", f"/incoming/{document_id}/accept"),
                        ("POST", f"/incoming/{document_id}/refuse")):
        response = anonymous.request(method, url)
        back = "/login" if method == "POST" else f"/login?next={url}"  # a page comes back after login
        assert (response.status_code, response.headers.get("location")) == (303, back), url
    anonymous.cookies.set(SESSION_COOKIE, "forged")
    assert anonymous.get("/incoming").headers["location"] == "/login?next=/incoming"


def test_roles_outside_the_register_are_refused_and_not_offered_the_links(browser, client, api, system, signing):
    document = register(client, api("a.clerk")).json()
    file_url = f"/incoming/{document['id']}/files/{document['attachments'][0]['id']}"
    staff = browser("a.staff")
    assert 'href="/incoming"' not in staff.get("/tasks").text
    for url in ("/incoming", "/incoming/new", f"/incoming/{document['id']}", file_url,
                "/incoming/export/register.xlsx", "/incoming/export/tracking.pdf"):
        response = staff.get(url)
        assert response.status_code == 403, url
        assert "Bạn không có quyền thực hiện thao tác này." in response.text
        assert document["subject"] not in response.text

    leader = browser("a.leader")
    nav = leader.get("/tasks").text
    assert 'href="/incoming">Sổ văn bản đến</a>' in nav and 'href="/incoming/new"' not in nav
    assert leader.get("/incoming/new").status_code == 403
    csrf = csrf_of(nav)
    posted = leader.post("/incoming/new", data={**FORM, "channel": "manual", "csrf_token": csrf},
                         files=[NO_FILE])
    assert posted.status_code == 403
    assert 'href="/incoming/new">Vào sổ văn bản</a>' in browser("a.clerk").get("/tasks").text
    assert count(system, IncomingDocument) == 1


def test_only_the_clerk_decides_on_an_arrived_document(browser, system, province):
    document_id = arrived_from(system, AGENCY_A, sender=AGENCY_B, reference="B-3")
    for username in ("a.leader", "a.unit_head"):
        user = browser(username)
        csrf = csrf_of(user.get(f"/incoming/{document_id}").text)
        assert user.post(f"/incoming/{document_id}/accept", data={"csrf_token": csrf}).status_code == 403
        refused = user.post(f"/incoming/{document_id}/refuse", data={"csrf_token": csrf, "reason": "Không"})
        assert refused.status_code == 403, username
    assert status_of(system, document_id) == ("01", None)


def test_another_agency_gets_404_for_everything_of_agency_a(browser, client, api, system, signing):
    document = register(client, api("a.clerk")).json()
    arrived = arrived_from(system, AGENCY_A, sender=AGENCY_B, reference="B-4")
    file_url = f"/incoming/{document['id']}/files/{document['attachments'][0]['id']}"
    for username in ("b.clerk", "b.leader"):
        other = browser(username)
        for url in (f"/incoming/{document['id']}", file_url, f"/incoming/{arrived}"):
            response = other.get(url)
            assert response.status_code == 404, (username, url)
            assert document["subject"] not in response.text and "Không tìm thấy" in response.text
        assert listed(other.get("/incoming").text) == []
    b_clerk = browser("b.clerk")
    csrf = csrf_of(b_clerk.get("/incoming").text)
    assert b_clerk.post(f"/incoming/{arrived}/accept", data={"csrf_token": csrf}).status_code == 404
    assert b_clerk.post(f"/incoming/{arrived}/refuse", data={"csrf_token": csrf, "reason": "x"}).status_code == 404
    assert status_of(system, arrived) == ("01", None)


def test_posts_without_the_sessions_csrf_token_are_403_and_change_nothing(browser, system, signing):
    arrived = arrived_from(system, AGENCY_A, sender=AGENCY_B, reference="B-5")
    clerk = browser("a.clerk")
    other_token = csrf_of(browser("a.clerk").get("/incoming").text)  # the same user, another session
    for token in ("", "sai", other_token, "ô" * 43):
        response = register_on_page(clerk, csrf=token)
        assert response.status_code == 403 and "chống giả mạo" in response.text
        assert clerk.post(f"/incoming/{arrived}/accept", data={"csrf_token": token}).status_code == 403
        assert clerk.post(f"/incoming/{arrived}/refuse", data={"csrf_token": token, "reason": "x"}).status_code == 403
    assert count(system, IncomingDocument) == 1 and count(system, Attachment) == 1  # only the arrived one
    assert status_of(system, arrived) == ("01", None)


def test_the_handling_history_is_shown_as_the_api_shows_the_process(browser, client, api, signing):
    """Leaders and participants see the process history (GET /api/process-instances/{id});
    a unit head with no part in it reads the document without it."""
    document_id = register(client, api("a.clerk"), channel="manual", files=()).json()["id"]
    assert "Quá trình xử lý" in browser("a.leader").get(f"/incoming/{document_id}").text
    unit_head = browser("a.unit_head").get(f"/incoming/{document_id}")
    assert unit_head.status_code == 200 and METADATA["subject"] in unit_head.text
    assert "Quá trình xử lý" not in unit_head.text


# --------------------------------------------------------------------------- escaping

def test_hostile_text_is_escaped_in_the_register_and_the_detail(browser, system, signing):
    clerk = browser("a.clerk")
    hostile = {**FORM, "subject": SCRIPT, "issuer_name": f'"><b>{SCRIPT}', "description": f"</textarea>{SCRIPT}"}
    document_id = document_id_of(register_on_page(clerk, hostile, channel="manual",
                                                  files=((f"{SCRIPT}.pdf", samples.pdf()),)))
    pages = [clerk.get("/incoming"), clerk.get(f"/incoming/{document_id}"),
             clerk.get("/incoming", params={"q": SCRIPT}), register_on_page(clerk, {**hostile, "document_date": ""})]
    for page in pages:
        assert page.status_code in (200, 422)
        assert SCRIPT not in page.text and "<b>" not in page.text and "</textarea><script" not in page.text
        assert ESCAPED in page.text
    assert "&#34;&gt;&lt;b&gt;" in pages[1].text
