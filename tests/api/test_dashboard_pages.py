"""The leader's dashboard pages (/dashboard, /dashboard/items) over HTTP on a data set built by
hand: the figures the page shows are the hand count and the queries' own (documents/dashboard),
a unit head sees only their unit, staff and clerks are refused, a hostile subject is escaped,
a hand-edited filter gets an error page."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from lxml import html as lxml_html

from documents import accounts
from documents.dashboard import access, queries
from documents.incoming.models import IncomingDocument
from documents.models import Agency, OrgUnit
from documents.notifications.models import Urge
from engine.db import unit_of_work
from tests.conftest import PASSWORD, START

HOSTILE = '<script>alert("x")</script> Báo cáo <b>tiến độ</b>'


def document(agency_id: int, number: int, *, unit=None, user=None, deadline=None, received=None,
             completed=None, withdrawn=None, subject: str | None = None) -> IncomingDocument:
    received = received or START - timedelta(days=1)
    return IncomingDocument(
        agency_id=agency_id, channel="manual", status="06" if completed else "04", incoming_number=number,
        arrived_at=received, received_at=received, issuer_name="Sở Tài chính", number_notation=f"{number}/STC-KH",
        document_date=received.date(), doc_type="Công văn", subject=subject or f"Văn bản số {number}",
        urgency="normal", search_text=f"van ban {number}", created_at=received, handling_deadline=deadline,
        lead_unit_id=unit.id if unit else None, lead_user_id=user.user_id if user else None,
        completed_at=completed, withdrawn_at=withdrawn)


@pytest.fixture
def seeded(people, system) -> dict:
    """Agency A: Phòng Kinh tế (a.unit_head, a.staff, a.staff2) and Phòng Tài chính (a.tc_staff).
    The clock is Monday 23/11/2026 08:00 in Vietnam (START)."""
    with unit_of_work(system.sessions) as session:
        agency = session.scalar(sa.select(Agency).where(Agency.code == "000.00.01.H99"))
        other = session.scalar(sa.select(Agency).where(Agency.code == "000.00.02.H99"))
        economy = session.get(OrgUnit, people["a.staff"].unit_id)
        finance = accounts.create_unit(session, agency, "Phòng Tài chính")
        tc_staff = accounts.create_user(session, agency, "a.tc_staff", "Đỗ Tài Chính", PASSWORD, ["staff"], unit=finance)
        people["a.tc_staff"] = accounts.identity_of(session, tc_staff)
        staff, staff2 = people["a.staff"], people["a.staff2"]
        a = agency.id
        session.add_all([
            # 1 overdue by two days, Kinh tế, a.staff — with a hostile subject
            document(a, 1, unit=economy, user=staff, deadline=START - timedelta(days=2), subject=HOSTILE),
            # 2 overdue by three hours, Tài chính
            document(a, 2, unit=finance, user=people["a.tc_staff"], deadline=START - timedelta(hours=3)),
            # 3 due within 24 hours (in five), Kinh tế, a.staff
            document(a, 3, unit=economy, user=staff, deadline=START + timedelta(hours=5)),
            # 4 open without a deadline, Kinh tế, a.staff2
            document(a, 4, unit=economy, user=staff2),
            # 5 completed on time after 24 hours, Kinh tế, a.staff
            document(a, 5, unit=economy, user=staff, received=START - timedelta(days=5),
                     completed=START - timedelta(days=4), deadline=START - timedelta(days=3)),
            # 6 completed two days late after 96 hours, Tài chính
            document(a, 6, unit=finance, user=people["a.tc_staff"], received=START - timedelta(days=10),
                     completed=START - timedelta(days=6), deadline=START - timedelta(days=8)),
            # 7 withdrawn (and overdue): never counted
            document(a, 7, unit=economy, user=staff, deadline=START - timedelta(days=1), withdrawn=START),
            # 8 agency B's overdue document: never counted in A
            document(other.id, 1, deadline=START - timedelta(days=5)),
        ])
        return {"economy": economy.id, "finance": finance.id, "other_unit": people["b.staff"].unit_id}


# Counted by hand from the list above.
AGENCY = {"open": 4, "due_soon": 1, "overdue": 2, "completed_on_time": 1, "completed_late": 1}  # 1-4; 3; 1,2; 5; 6
ECONOMY = {"open": 3, "due_soon": 1, "overdue": 1, "completed_on_time": 1, "completed_late": 0}  # 1,3,4; 3; 1; 5
AVERAGE = {"vi": "60,0 giờ", "en": "60.0 h"}  # (24 h + 96 h) / 2


def tree(text: str):
    return lxml_html.fromstring(text)


def having(name: str) -> str:
    """XPath: the element has class ``name``."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def text(page, xpath: str) -> str:
    found = page.xpath(xpath)
    assert found, xpath
    return found[0].text_content().strip()


def cells(row) -> list[str]:
    return [cell.text_content().strip() for cell in row.xpath("./th|./td")]


def table(page, table_id: str, part: str = "tbody") -> list[list[str]]:
    return [cells(row) for row in page.xpath(f"//table[@id='{table_id}']/{part}/tr")]


def cards(page) -> dict[str, int]:
    return {card.get("data-status"): int(card.xpath(f".//span[{having('value')}]")[0].text_content()
                                         .replace(".", "").replace(",", ""))
            for card in page.xpath(f"//ul[@id='figures']//a[{having('figure')}]")}


def item_rows(page) -> list[list[str]]:
    return table(page, "items")


def test_the_leader_sees_the_agency_figures_counted_by_hand_and_by_the_queries(browser, system, people, seeded,
                                                                             clock):
    response = browser("a.leader").get("/dashboard")
    assert response.status_code == 200, response.text
    page = tree(response.text)
    assert cards(page) == AGENCY
    with unit_of_work(system.sessions) as session:
        scope = access.scope_for(session, people["a.leader"])
        totals = queries.totals(session, scope, clock.now())
        units = queries.by_unit(session, scope, clock.now())
    assert cards(page) == {status: getattr(totals, status) for status in queries.STATUSES}
    assert text(page, "//*[@id='scope']") == "Toàn cơ quan: Cơ quan A"
    assert text(page, f"//*[{having('average')}]/span[{having('value')}]") == AVERAGE["vi"]
    # Each card opens its list, of the whole agency.
    assert page.xpath(f"//a[{having('figure')} and {having('overdue')}]/@href") == ["/dashboard/items?status=overdue"]
    # The per-unit table: the queries' numbers and the hand count, each linking to the unit's list.
    rows = {row.get("data-unit"): cells(row) for row in page.xpath("//table[@id='units-table']/tbody/tr")}
    assert [row[0] for row in rows.values()] == [unit.name for unit in units]
    for unit in units:
        assert rows[str(unit.id)][1:6] == [str(getattr(unit.figures, status)) for status in queries.STATUSES]
    assert rows[str(seeded["economy"])][1:6] == [str(ECONOMY[status]) for status in queries.STATUSES]
    link = page.xpath(f"//tr[@data-unit='{seeded['economy']}']/td[{having('overdue')}]/a/@href")
    assert link == [f"/dashboard/items?status=overdue&unit_id={seeded['economy']}"]
    # The charts' data, embedded as JSON: the series and the per-unit bars.
    charts = json.loads(page.xpath("//script[@id='dashboard-data']")[0].text)["charts"]
    assert len(charts["series"]["labels"]) == 12
    breakdown = {dataset["key"]: dataset["data"] for dataset in charts["breakdown"]["datasets"]}
    assert charts["breakdown"]["labels"] == [unit.name for unit in units]
    assert breakdown["overdue"] == [unit.figures.overdue for unit in units]
    assert page.xpath("//canvas[@data-chart='series']") and page.xpath("//canvas[@data-chart='breakdown']")
    assert page.xpath("//script[@src='/static/build/dashboard.js']")


def test_the_series_counts_what_was_received_and_completed_in_each_week_and_month(browser, seeded):
    leader = browser("a.leader")
    weeks = table(tree(leader.get("/dashboard").text), "series-table")
    # Monday 23/11 (now): nothing yet. The week of 16/11: received 1-4 (22/11) and 5 (18/11), not 7
    # (withdrawn); completed 5 (19/11, on time) and 6 (17/11, late). The week of 9/11: received 6 (13/11).
    assert weeks[-1] == ["23/11/2026", "0", "0", "0", "—"]
    assert weeks[-2] == ["16/11/2026", "5", "1", "1", "60,0"]
    assert weeks[-3] == ["09/11/2026", "1", "0", "0", "—"]
    months = tree(leader.get("/dashboard?period=month").text)
    assert table(months, "series-table")[-1] == ["tháng 11/2026", "6", "1", "1", "60,0"]  # received 1-6
    assert text(months, "//nav[@class='switch']/a[@aria-current]") == "Tháng"


def test_the_overdue_list_shows_the_documents_most_overdue_first_escaped(browser, seeded):
    response = browser("a.leader").get("/dashboard/items?status=overdue")
    assert response.status_code == 200
    assert '<script>alert("x")</script>' not in response.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in response.text
    page = tree(response.text)
    assert text(page, "//h1") == "Quá hạn — Cơ quan A"
    rows = page.xpath("//table[@id='items']/tbody/tr")
    assert [cells(row)[1] for row in rows] == ["1/STC-KH", "2/STC-KH"]
    subject = rows[0].xpath("./td/a")[0]
    assert subject.get("href") == f"/incoming/{rows[0].get('data-document')}"
    assert subject.text_content() == HOSTILE
    assert [text(row, f".//td[{having('overdue-by')}]") for row in rows] == ["2 ngày 0 giờ", "3 giờ 0 phút"]
    assert rows[0].xpath("./td[last()]/@class") == ["urge-cell"]


def test_the_lists_narrow_to_a_unit_and_a_person(browser, people, seeded):
    leader = browser("a.leader")
    unit = tree(leader.get(f"/dashboard/items?status=open&unit_id={seeded['economy']}").text)
    assert text(unit, "//h1") == "Đang xử lý — Phòng Kinh tế"
    assert sorted(row[0] for row in item_rows(unit)) == ["1", "3", "4"]
    person = tree(leader.get(f"/dashboard/items?status=open&user_id={people['a.staff2'].user_id}").text)
    assert text(person, "//h1") == "Đang xử lý — staff a2"
    assert [row[0] for row in item_rows(person)] == ["4"]
    late = tree(leader.get("/dashboard/items?status=completed_late").text)
    assert [row[0] for row in item_rows(late)] == ["6"]
    assert text(late, f"//td[{having('overdue-by')}]") == "2 ngày 0 giờ"
    soon = tree(leader.get("/dashboard/items?status=due_soon").text)
    assert [row[0] for row in item_rows(soon)] == ["3"]
    assert tree(leader.get("/dashboard/items?status=completed_on_time").text).xpath("//table[@id='items']/tbody/tr/@data-document")


def test_a_unit_head_sees_only_their_unit(browser, people, seeded):
    head = browser("a.unit_head")
    response = head.get("/dashboard")
    assert response.status_code == 200
    page = tree(response.text)
    assert text(page, "//*[@id='scope']") == "Đơn vị: Phòng Kinh tế"
    assert cards(page) == ECONOMY
    assert page.xpath("//table[@id='units-table']") == [] and page.xpath("//select[@name='unit_id']") == []
    assert {row[0] for row in table(page, "people-table")} == {"staff a", "staff a2"}
    assert page.xpath("//*[@id='province']") == []
    listed = tree(head.get("/dashboard/items?status=overdue").text)
    assert [row[1] for row in item_rows(listed)] == ["1/STC-KH"]
    # Another unit, or a person of another unit: refused.
    for url in (f"/dashboard/items?status=overdue&unit_id={seeded['finance']}",
                f"/dashboard?unit_id={seeded['finance']}",
                f"/dashboard/items?status=open&user_id={people['a.tc_staff'].user_id}"):
        refused = head.get(url)
        assert refused.status_code == 403, url
        assert "Lãnh đạo đơn vị chỉ xem được số liệu của đơn vị mình." in refused.text


@pytest.mark.parametrize("username", ["a.staff", "a.clerk", "a.admin", "a.process_admin"])
def test_staff_clerks_and_admins_are_refused(browser, seeded, username):
    visitor = browser(username)
    for url in ("/dashboard", "/dashboard/items?status=overdue"):
        assert visitor.get(url).status_code == 403, (username, url)
    assert 'href="/dashboard"' not in visitor.get("/tasks").text


def test_not_logged_in_goes_to_the_login(browser, seeded):
    response = browser(None).get("/dashboard")
    assert response.status_code in (302, 303) and "/login" in response.headers["location"]


def test_another_agencys_unit_does_not_exist(browser, seeded):
    leader = browser("a.leader")
    assert leader.get(f"/dashboard?unit_id={seeded['other_unit']}").status_code == 404
    assert leader.get(f"/dashboard/items?status=open&unit_id={seeded['other_unit']}").status_code == 404


@pytest.mark.parametrize("query", ["status=late", "status=", "status=open&unit_id=abc", "status=open&page=0",
                                   "status=open&user_id=-1", "status=open&unit_id=99999999999999"])
def test_a_hand_edited_filter_gets_an_error_page(browser, seeded, query):
    response = browser("a.leader").get(f"/dashboard/items?{query}")
    assert response.status_code == 400
    assert "Bộ lọc không hợp lệ" in response.text


def test_in_english_numbers_and_words_follow_the_locale(browser, seeded):
    leader = browser("a.leader")
    leader.cookies.set("lang", "en")
    page = tree(leader.get("/dashboard").text)
    assert text(page, f"//*[{having('average')}]/span[{having('value')}]") == AVERAGE["en"]
    assert text(page, f"//a[{having('overdue')}]/span[{having('name')}]") == "Overdue"
    listed = tree(leader.get("/dashboard/items?status=overdue").text)
    assert text(listed, "//h1") == "Overdue — Cơ quan A"
    assert text(listed, f"//td[{having('overdue-by')}]") == "2 d 0 h"


def test_the_province_block_shows_each_agency_below_the_leaders(browser, system, seeded):
    with unit_of_work(system.sessions) as session:
        a, b = (session.scalar(sa.select(Agency).where(Agency.code == code))
                for code in ("000.00.01.H99", "000.00.02.H99"))
        b.parent_id = a.id
    page = tree(browser("a.leader").get("/dashboard").text)
    rows = table(page, "province-table")
    assert rows[0][:6] == ["Cơ quan A", "4", "1", "2", "1", "1"]
    assert rows[1][:6] == ["Cơ quan B", "1", "0", "1", "0", "0"]
    assert table(page, "province-table", "tfoot")[0][:6] == ["Tổng cộng", "5", "1", "3", "1", "1"]
    # B's leader sees no province block: nothing is below B.
    assert tree(browser("b.leader").get("/dashboard").text).xpath("//*[@id='province']") == []


def test_the_urge_button_beside_an_overdue_item_urges_its_lead_and_comes_back(browser, system, people, seeded):
    leader = browser("a.leader")
    url = "/dashboard/items?status=overdue"
    page = tree(leader.get(url).text)
    row = page.xpath("//table[@id='items']/tbody/tr")[0]
    form = row.xpath(".//form")[0]
    document_id = int(row.get("data-document"))
    assert form.get("action") == f"/incoming/{document_id}/urge"
    fields = {field.get("name"): field.get("value") for field in form.xpath(".//input[@type='hidden']")}
    assert fields["next"] == url
    urged = leader.post(form.get("action"), data=fields | {"note": "Đề nghị hoàn thành trong ngày"})
    assert urged.status_code == 303 and urged.headers["location"] == url
    with unit_of_work(system.sessions) as session:
        stored = session.scalars(sa.select(Urge)).all()
    assert [(urge.incoming_document_id, urge.recipients) for urge in stored] == [
        (document_id, [people["a.staff"].user_id])]
    # Only overdue rows carry the button.
    assert tree(leader.get("/dashboard/items?status=open").text).xpath("//table[@id='items']//form") == []


def test_the_lists_page_by_twenty_keeping_the_unit(browser, system, people, seeded):
    with unit_of_work(system.sessions) as session:
        economy = session.get(OrgUnit, seeded["economy"])
        session.add_all(document(economy.agency_id, 100 + n, unit=economy, user=people["a.staff"]) for n in range(20))
    leader = browser("a.leader")
    url = f"/dashboard/items?status=open&unit_id={seeded['economy']}"
    first = tree(leader.get(url).text)
    assert len(item_rows(first)) == queries.PER_PAGE  # 23 open in Phòng Kinh tế: 1, 3, 4 and 20 more
    assert first.xpath("//nav[@class='pager']/a[@rel='next']/@href") == [f"{url}&page=2"]
    second = tree(leader.get(f"{url}&page=2").text)
    assert len(item_rows(second)) == 3
    assert second.xpath("//nav[@class='pager']/a[@rel='prev']/@href") == [url]
    assert tree(leader.get(f"{url}&page=9").text).xpath("//table[@id='items']") == []
