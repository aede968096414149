"""The task page shows what its step needs to be decided, without opening another page: the
document in brief on every incoming task; the leader's reason on the clerk's recheck; the
direction, deadline, coordinators and people told for information (by name) on the unit's
assignment and the handling; what is asked of a coordinator; the handler's result, each
coordinator's opinion and the latest progress on the unit head's review. Escaped, in English
too, and never shown to another agency or to someone the task is not for."""
from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from documents import accounts
from documents.models import Agency
from engine.db import unit_of_work
from tests.api.conftest import RETURN, complete, only_task, register_incoming
from tests.api.test_casework_pages import ESCAPED, SCRIPT
from tests.api.test_flow import INCOMING, upload
from tests.api.test_incoming import register
from tests.conftest import PASSWORD
from tests.files import samples

DIRECTION = "Giao Phòng Kinh tế chủ trì, Phòng Tài chính phối hợp.\nBáo cáo trước 30/11."
DEADLINE = "2026-11-30T17:00:00+07:00"
SHOWN_DEADLINE = '<time datetime="2026-11-30T17:00:00+07:00">17:00, 30/11/2026</time>'
NOW = '<time datetime="2026-11-23T08:00:00+07:00">08:00, 23/11/2026</time>'
OPINION = "Thống nhất; đề nghị bổ sung số liệu quý IV."


@pytest.fixture
def finance(people, system) -> dict:
    """Agency A with a second unit, Phòng Tài chính, and its head (a.finance): the coordinator."""
    with unit_of_work(system.sessions) as session:
        agency = session.scalar(sa.select(Agency).where(Agency.id == people["a.leader"].agency_id))
        unit = accounts.create_unit(session, agency, "Phòng Tài chính")
        head = accounts.create_user(session, agency, "a.finance", "Trưởng phòng Tài chính", PASSWORD, ["unit_head"],
                                    unit=unit)
        people["a.finance"] = accounts.identity_of(session, head)
    return people


def distributed_to_the_unit(client, api, people, **changes) -> dict:
    """A document the leader gives to Phòng Kinh tế (no person named: its head assigns), with
    Phòng Tài chính coordinating and a.staff2 told for information. Returns the instance."""
    instance = register_incoming(client, api("a.clerk"))
    data = {"decision": "assign", "lead_unit_id": people["a.staff"].unit_id, "direction": DIRECTION,
            "coordinators": [people["a.finance"].unit_id], "for_information": [people["a.staff2"].user_id],
            "deadline": DEADLINE} | changes
    return complete(client, api("a.leader"), only_task(instance, "distribute")["id"], data)


def assigned_to_staff(client, api, people, **changes) -> dict:
    """… and the head of Phòng Kinh tế gives it to a.staff: handling and coordination open."""
    instance = distributed_to_the_unit(client, api, people, **changes)
    return complete(client, api("a.unit_head"), only_task(instance, "unit_assign")["id"],
                    {"unit_decision": "assign", "handler_user_id": people["a.staff"].user_id})


def step_facts(browser_user, task_id: int) -> dict[str, str]:
    """The step's facts on the task page, by the class of their value: {"direction": "<inner html>"}."""
    page = browser_user.get(f"/tasks/{task_id}")
    assert page.status_code == 200, page.text
    section = re.search(r'<section class="card task-context" id="task-step">(.*?)</section>', page.text, re.S)
    assert section, "no step context on the task page"
    return {name: value.strip() for name, value in re.findall(r'<dd class="fact-(\w+)">(.*?)</dd>', section.group(1), re.S)}


def document_section(page_html: str) -> str:
    found = re.search(r'<section class="card task-context" id="task-document">(.*?)</section>', page_html, re.S)
    assert found, "no document summary on the task page"
    return found.group(1)


# --------------------------------------------------------------------------- every incoming task

def test_every_incoming_task_shows_the_document_in_brief_with_its_files(browser, client, api, people):
    metadata = {"issuer_name": "Sở Nội vụ tỉnh Hà Nam", "number_notation": "45/SNV-VP", "document_date": "2026-11-20",
                "doc_type": "Công văn", "subject": "Về việc kiểm tra công tác văn thư", "urgency": "urgent",
                "due_date": "2026-11-21"}
    response = register(client, api("a.clerk"), metadata, files=(("phu-luc.pdf", samples.pdf("1.7")),),
                        channel="manual")
    assert response.status_code == 201, response.text
    document = response.json()
    (file_id,) = [f["id"] for f in document["attachments"]]
    distribute = [t for t in client.get("/api/tasks", headers=api("a.leader")).json() if t["name"] == "distribute"]

    page = browser("a.leader").get(f"/tasks/{distribute[0]['id']}")
    assert page.status_code == 200
    brief = document_section(page.text)
    assert "Số đến: <strong>1</strong>" in brief
    # The sender's requested reply date (21/11) has passed, but overdue counts the handling deadline.
    assert '<span class="badge urgent">Khẩn</span>' in brief and "Quá hạn" not in brief
    for label, value in (("Cơ quan ban hành", "Sở Nội vụ tỉnh Hà Nam"), ("Số, ký hiệu", "45/SNV-VP"),
                         ("Trích yếu", "Về việc kiểm tra công tác văn thư"), ("Hạn trả lời", "21/11/2026")):
        assert f"<dt>{label}</dt><dd>{value}</dd>" in brief, label
    assert f'<a href="/incoming/{document["id"]}/files/{file_id}">phu-luc.pdf</a>' in brief
    assert f'<a href="/incoming/{document["id"]}">Mở văn bản đến' in brief
    assert 'id="task-step"' not in page.text, "a first distribution has nothing before it to show"


# --------------------------------------------------------------------------- the steps

def test_the_clerks_recheck_shows_the_leaders_reason_who_returned_it_and_when(browser, client, api, people):
    instance = register_incoming(client, api("a.clerk"))
    instance = complete(client, api("a.leader"), only_task(instance, "distribute")["id"], RETURN)
    facts = step_facts(browser("a.clerk"), only_task(instance, "recheck")["id"])
    reason = facts["return_reason"]
    assert f'<p class="typed">{RETURN["return_reason"]}</p>' in reason
    assert f"<strong>leader a</strong> · {NOW}" in reason


def test_the_leader_reads_the_note_a_document_comes_back_with(browser, client, api, people):
    instance = register_incoming(client, api("a.clerk"))
    instance = complete(client, api("a.leader"), only_task(instance, "distribute")["id"], RETURN)
    instance = complete(client, api("a.clerk"), only_task(instance, "recheck")["id"],
                        {"recheck_decision": "resubmit", "recheck_note": "Đã bổ sung phụ lục."})
    facts = step_facts(browser("a.leader"), only_task(instance, "distribute")["id"])
    assert '<p class="typed">Đã bổ sung phụ lục.</p>' in facts["sent_back"] and "<strong>clerk a</strong>" in facts["sent_back"]


def test_the_unit_head_assigning_sees_the_direction_deadline_and_recipients_by_name(browser, client, api, finance):
    instance = distributed_to_the_unit(client, api, finance)
    facts = step_facts(browser("a.unit_head"), only_task(instance, "unit_assign")["id"])
    assert f'<p class="typed">{DIRECTION}</p>' in facts["direction"] and "<strong>leader a</strong>" in facts["direction"]
    assert facts["deadline"] == SHOWN_DEADLINE
    assert facts["coordinators"] == "Phòng Tài chính"
    assert facts["for_information"] == "staff a2"


def test_the_handler_sees_the_direction_lead_deadline_and_recipients_by_name(browser, client, api, finance):
    instance = assigned_to_staff(client, api, finance)
    facts = step_facts(browser("a.staff"), only_task(instance, "handle")["id"])
    assert DIRECTION in facts["direction"]
    assert facts["deadline"] == SHOWN_DEADLINE
    assert facts["lead"] == "Phòng Kinh tế; staff a"
    assert (facts["coordinators"], facts["for_information"]) == ("Phòng Tài chính", "staff a2")
    assert "review_comment" not in facts


def test_the_json_api_gives_the_task_the_context_its_page_shows(browser, client, api, finance):
    instance = assigned_to_staff(client, api, finance)
    task_id = only_task(instance, "handle")["id"]
    shown = client.get(f"/api/tasks/{task_id}", headers=api("a.staff")).json()
    assert (shown["role"], shown["context"]["document_id"], shown["context"]["overdue"]) == ("incoming.handle", 1,
                                                                                           False)
    facts = {f["label"].removeprefix("context."): f for f in shown["context"]["facts"]}
    assert list(facts) == list(step_facts(browser("a.staff"), task_id))
    assert [n["text"] for n in facts["direction"]["notes"]] == [DIRECTION]
    assert (facts["deadline"]["at"], facts["lead"]["names"]) == (DEADLINE, ["Phòng Kinh tế", "staff a"])


def test_a_coordinator_sees_what_is_asked_of_them_the_direction_and_the_lead(browser, client, api, finance):
    instance = assigned_to_staff(client, api, finance)
    facts = step_facts(browser("a.finance"), only_task(instance, "coordinate")["id"])
    assert facts["asked_of"] == "Phòng Tài chính"
    assert facts["reply_by"] == SHOWN_DEADLINE, "the coordinator's own due time"
    assert DIRECTION in facts["direction"]
    assert facts["lead"] == "Phòng Kinh tế; staff a"


def test_the_review_shows_the_result_every_opinion_and_the_latest_progress(browser, client, api, finance):
    instance = assigned_to_staff(client, api, finance)
    document = int(instance["business_key"].partition(":")[2])
    for text, percent in (("Đã họp với Sở Tài chính", 40), ("Đã dự thảo công văn trả lời", 90)):
        noted = client.post(f"/api/incoming/{document}/progress", headers=api("a.staff"),
                            json={"text": text, "percent": percent})
        assert noted.status_code == 201, noted.text
    complete(client, api("a.finance"), only_task(instance, "coordinate")["id"], {"opinion": OPINION})
    instance = complete(client, api("a.staff"), only_task(instance, "handle")["id"],
                        {"result": "Dự thảo công văn trả lời Sở Nội vụ.", "completed": True})
    head = browser("a.unit_head")
    facts = step_facts(head, only_task(instance, "review")["id"])
    result = facts["result"]
    assert '<p class="typed">Dự thảo công văn trả lời Sở Nội vụ.</p>' in result and "<strong>staff a</strong>" in result
    assert '<span class="badge done">Đã hoàn thành</span>' in result
    assert f'<p class="typed">{OPINION}</p>' in facts["opinions"] and "<strong>Phòng Tài chính</strong>" in facts["opinions"]
    progress = facts["latest_progress"]
    assert "Đã dự thảo công văn trả lời" in progress and "90 %" in progress and "Đã họp" not in progress

    # Not approved: the handler reads why, on the handling again.
    instance = complete(client, api("a.unit_head"), only_task(instance, "review")["id"],
                        {"approved": False, "comment": "Bổ sung số liệu quý IV."})
    again = step_facts(browser("a.staff"), only_task(instance, "handle")["id"])
    assert '<p class="typed">Bổ sung số liệu quý IV.</p>' in again["review_comment"]
    assert "<strong>unit_head a</strong>" in again["review_comment"]


def returned_for_recheck(browser, client, api, diagram: bytes, recheck: str) -> str:
    """The clerk's page of the re-check of a document returned under the agency's ``diagram``."""
    assert upload(client, api("a.process_admin"), diagram).status_code == 201
    instance = register_incoming(client, api("a.clerk"))
    instance = complete(client, api("a.leader"), only_task(instance, "distribute")["id"], RETURN)
    page = browser("a.clerk").get(f"/tasks/{only_task(instance, recheck)['id']}")
    assert page.status_code == 200
    assert "Số đến: <strong>1</strong>" in document_section(page.text)
    return page.text


def test_a_renamed_step_of_an_agencys_own_diagram_keeps_its_context_by_its_role(browser, client, api, people):
    renamed = INCOMING.replace(b'id="recheck"', b'id="clerk_recheck"').replace(
        b">recheck<", b">clerk_recheck<").replace(b'Ref="recheck"', b'Ref="clerk_recheck"').replace(
        b'bpmnElement="recheck"', b'bpmnElement="clerk_recheck"')
    page = returned_for_recheck(browser, client, api, renamed, "clerk_recheck")
    assert 'id="task-step"' in page and RETURN["return_reason"] in page


def test_a_step_of_no_role_shows_the_document_alone(browser, client, api, people):
    unmarked = INCOMING.replace(b'<spiffworkflow:property name="domainRole" value="incoming.recheck"/>', b"")
    page = returned_for_recheck(browser, client, api, unmarked, "recheck")
    assert 'id="task-step"' not in page and RETURN["return_reason"] not in page


# --------------------------------------------------------------------------- language, escaping, access

def test_the_context_follows_the_page_language(browser, client, api, people):
    instance = register_incoming(client, api("a.clerk"))
    instance = complete(client, api("a.leader"), only_task(instance, "distribute")["id"], RETURN)
    clerk = browser("a.clerk")
    clerk.get("/lang/en")
    page = clerk.get(f"/tasks/{only_task(instance, 'recheck')['id']}").text
    assert "<dt>The leader’s reason for returning it</dt>" in html.unescape(page).replace("'", "’")
    assert "<dt>Issuing agency</dt>" in page and "Nov 2026, 08:00" in page


def test_a_hostile_direction_is_escaped(browser, client, api, finance):
    instance = assigned_to_staff(client, api, finance, direction=f"</dd>{SCRIPT}")
    page = browser("a.staff").get(f"/tasks/{only_task(instance, 'handle')['id']}")
    assert page.status_code == 200
    assert SCRIPT not in page.text and f"&lt;/dd&gt;{ESCAPED}" in page.text


def test_another_agency_gets_404_and_someone_the_task_is_not_for_403(browser, client, api, finance):
    instance = assigned_to_staff(client, api, finance)
    handle = only_task(instance, "handle")["id"]
    foreign = browser("b.staff").get(f"/tasks/{handle}")
    assert foreign.status_code == 404 and DIRECTION.splitlines()[0] not in foreign.text
    other = browser("a.staff2").get(f"/tasks/{handle}")
    assert other.status_code == 403
    assert DIRECTION.splitlines()[0] not in other.text and "Phòng Tài chính" not in other.text
    assert DIRECTION.splitlines()[0] in browser("a.staff").get(f"/tasks/{handle}").text, "its handler reads it"
