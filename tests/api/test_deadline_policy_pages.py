"""The admin's page of default handling deadlines (/admin/deadlines): the table of types ×
urgencies with amounts and units, a type's row added by name and removed by its button, the
reset after a confirmation, the issuing rule read-only; CSRF on every form; only the agency
admin; bad input refused next to its cell with nothing stored; text escaped."""
from __future__ import annotations

import sqlalchemy as sa

from documents.deadlines.models import DeadlinePolicy
from engine.db import unit_of_work
from tests.api.conftest import csrf_of

URL = "/admin/deadlines"
URGENCIES = ("flash", "very_urgent", "urgent", "normal")


def stored(system) -> list[tuple]:
    with unit_of_work(system.sessions) as session:
        return sorted(session.execute(sa.select(DeadlinePolicy.doc_type, DeadlinePolicy.urgency,
                                                DeadlinePolicy.amount, DeadlinePolicy.unit)).all())


def table_form(token: str, rows: list[tuple[str, list[tuple[str, str]]]]) -> dict[str, list[str]]:
    """The main form as the browser sends it: per row its type, per cell (urgency by urgency)
    its amount and unit."""
    return {"csrf_token": [token], "doc_type": [doc_type for doc_type, _ in rows],
            "amount": [amount for _, cells in rows for amount, _ in cells],
            "unit": [unit for _, cells in rows for _, unit in cells]}


def test_the_page_shows_the_national_defaults_the_tab_and_the_issuing_rule(browser, province):
    admin = browser("a.admin")
    shown = admin.get(URL)
    assert shown.status_code == 200
    html = shown.text
    assert 'href="/admin/deadlines" aria-current="page"' in html
    assert "Cơ quan đang áp dụng thời hạn mặc định quốc gia." in html
    assert html.count('name="amount"') == 4  # one row: every type
    assert 'value="2"' in html and 'value="10"' in html
    assert "Nghị định 30/2020/NĐ-CP, Điều 16" in html
    assert "Phát hành ngay sau khi ký." in html
    assert '<option value="Quyết định">Quyết định</option>' in html
    admin.cookies.set("lang", "en")
    english = admin.get(URL).text
    assert "Default handling deadlines" in english and "working days" in english and "Every type" in english


def test_the_admin_changes_an_amount_adds_and_removes_a_type_and_resets(browser, system, province):
    admin = browser("a.admin")
    token = csrf_of(admin.get(URL).text)
    every = [("2", "hours"), ("1", "days"), ("2", "days"), ("7", "days")]
    sent = admin.post(URL, data=table_form(token, [("", every)]))
    assert sent.status_code == 303 and sent.headers["location"] == "/admin/deadlines?saved=saved"
    assert stored(system) == [("", "flash", 2.0, "hours"), ("", "normal", 7.0, "days"),
                              ("", "urgent", 2.0, "days"), ("", "very_urgent", 1.0, "days")]
    assert "Đã lưu bảng thời hạn." in admin.get("/admin/deadlines?saved=saved").text

    added = admin.post(f"{URL}/types", data={"doc_type": "Quyết định", "csrf_token": token})
    assert added.status_code == 303 and added.headers["location"] == "/admin/deadlines?saved=added"
    page = admin.get(URL).text
    assert page.count('name="amount"') == 8 and 'data-type="Quyết định"' in page
    assert '<option value="Quyết định">' not in page  # no longer offered
    # the type's row: flash 1,5 working hours (a Vietnamese decimal), the rest left empty
    rows = [("", every), ("Quyết định", [("1,5", "hours"), ("", "days"), ("", "days"), ("", "days")])]
    assert admin.post(URL, data=table_form(token, rows)).status_code == 303
    assert ("Quyết định", "flash", 1.5, "hours") in stored(system)
    assert [r for r in stored(system) if r[0] == "Quyết định"] == [("Quyết định", "flash", 1.5, "hours")]
    assert "Để trống: như mọi loại văn bản." in admin.get(URL).text

    removed = admin.post(f"{URL}/types/remove", data={"remove": "Quyết định", "csrf_token": token})
    assert removed.status_code == 303 and removed.headers["location"] == "/admin/deadlines?saved=removed"
    assert all(r[0] == "" for r in stored(system))

    reset = admin.post(f"{URL}/reset", data={"csrf_token": token})
    assert reset.status_code == 303 and stored(system) == []
    assert "Đã khôi phục thời hạn mặc định quốc gia." in admin.get("/admin/deadlines?saved=reset").text


def test_bad_cells_are_refused_next_to_them_and_nothing_is_stored(browser, system, province):
    admin = browser("a.admin")
    token = csrf_of(admin.get(URL).text)
    good = [("2", "hours"), ("1", "days"), ("2", "days"), ("7", "days")]
    assert admin.post(URL, data=table_form(token, [("", good)])).status_code == 303
    before = stored(system)
    for cells, message in (
        ([("2", "hours"), ("1,5", "days"), ("2", "days"), ("7", "days")], "Số ngày làm việc phải là số nguyên"),
        ([("0.2", "hours"), ("1", "days"), ("2", "days"), ("7", "days")], "Số giờ làm việc phải từ 0,5"),
        ([("hai", "hours"), ("1", "days"), ("2", "days"), ("7", "days")], "Thời hạn phải là một số"),
        ([("2", "weeks"), ("1", "days"), ("2", "days"), ("7", "days")], "Chọn đơn vị"),
    ):
        refused = admin.post(URL, data=table_form(token, [("", cells)]))
        assert refused.status_code == 422, cells
        assert message in refused.text
        assert 'class="field invalid"' in refused.text
    forged = admin.post(URL, data=table_form(token, [("<script>x</script>", good)]))
    assert forged.status_code == 422 and "<script>x</script>" not in forged.text
    assert "Loại văn bản không có trong danh mục" in forged.text
    bad_type = admin.post(f"{URL}/types", data={"doc_type": "Thư riêng", "csrf_token": token})
    assert bad_type.status_code == 422 and "Loại văn bản không có trong danh mục" in bad_type.text
    assert stored(system) == before


def test_csrf_and_the_admin_role_are_required(browser, system, province):
    admin = browser("a.admin")
    token = csrf_of(admin.get(URL).text)
    good = table_form(token, [("", [("2", "hours"), ("1", "days"), ("2", "days"), ("7", "days")])])
    no_token = {name: values for name, values in good.items() if name != "csrf_token"}
    assert admin.post(URL, data=no_token).status_code == 403
    assert admin.post(f"{URL}/reset").status_code == 403
    assert admin.post(f"{URL}/types", data={"doc_type": "Quyết định"}).status_code == 403
    for user in ("a.clerk", "a.leader", "a.process_admin"):
        other = browser(user)
        assert other.get(URL).status_code == 403, user
        mine = csrf_of(other.get("/tasks").text)  # the header's logout form carries it
        assert other.post(f"{URL}/reset", data={"csrf_token": mine}).status_code == 403, user
    stranger = browser(None)
    assert stranger.get(URL).status_code in (303, 401)
    assert stored(system) == []
