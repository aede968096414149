"""The instance pages: /instances/<id> marks where an instance stands on its diagram for those
who may see it (another agency's → 404, a stranger without VIEW_ANY_INSTANCE → 403), and a
leader cancels one of the agency's own processes there (never a document's workflow);
/instances lists the agency's instances with their version for leaders and process admins."""
from __future__ import annotations

import html
import json
import re

import pytest

from engine.models import ProcessInstance
from tests.api.conftest import RETURN, complete, csrf_of, distribution_to, only_task, register_incoming, snapshot
from tests.api.test_authorization import start_notice
from tests.api.test_incidents import incident  # noqa: F401 (a fixture: an instance whose timer failed)

STATES = re.compile(r"data-states='([^']*)'")


def states_of(page_html: str) -> dict:
    found = STATES.search(page_html)
    assert found, "no diagram states in the page"
    return json.loads(html.unescape(found.group(1)))


@pytest.fixture
def distributed(client, api, province) -> dict:
    """An incoming document's workflow after the leader distributed it to a specialist."""
    instance = register_incoming(client, api("a.clerk"))
    distribute = only_task(instance, "distribute")
    complete(client, api("a.leader"), distribute["id"], distribution_to(province["a.staff"]))
    return instance


def test_the_leader_sees_the_path_taken_and_the_current_step(browser, distributed):
    page = browser("a.leader").get(f"/instances/{distributed['id']}")
    assert page.status_code == 200, page.text
    states = states_of(page.text)
    assert {"start", "distribute", "decision"} <= set(states["completed"])
    assert "handle" in states["active"] and "distribute" not in states["active"]
    assert {"f_start", "f_distribute_decision", "f_assign"} <= set(states["flows"])
    # A flow never taken (the document was not returned) is not marked.
    assert "f_returned" not in states["flows"] and "recheck" not in states["completed"]
    assert "Phiên bản 1" in page.text
    assert f'href="/incoming/{distributed["business_key"].split(":")[1]}"' in page.text
    assert "Phân phối văn bản đến" in page.text  # the steps, in plain language


def test_a_participant_sees_it_and_a_stranger_is_refused(browser, distributed):
    assert browser("a.staff").get(f"/instances/{distributed['id']}").status_code == 200  # its handler
    assert browser("a.admin").get(f"/instances/{distributed['id']}").status_code == 403
    assert browser("b.leader").get(f"/instances/{distributed['id']}").status_code == 404
    assert browser("a.leader").get("/instances/999999").status_code == 404


def test_a_document_workflow_offers_no_cancel_and_refuses_one(browser, system, distributed):
    leader = browser("a.leader")
    page = leader.get(f"/instances/{distributed['id']}")
    assert "/cancel" not in page.text
    before = snapshot(system)
    refused = leader.post(f"/instances/{distributed['id']}/cancel",
                          data={"csrf_token": csrf_of(page.text), "reason": "Thử huỷ"})
    assert refused.status_code == 409
    assert snapshot(system) == before


def test_the_leader_cancels_a_process_with_a_reason_and_csrf(client, api, browser, system, province):
    started = start_notice(client, api)
    leader = browser("a.leader")
    page = leader.get(f"/instances/{started['id']}")
    assert f'action="/instances/{started["id"]}/cancel"' in page.text
    token = csrf_of(page.text)
    assert leader.post(f"/instances/{started['id']}/cancel", data={"reason": "Không cần nữa"}).status_code == 403
    no_reason = leader.post(f"/instances/{started['id']}/cancel", data={"csrf_token": token, "reason": " "})
    assert no_reason.status_code == 422
    admin = browser("a.process_admin")
    admin_page = admin.get(f"/instances/{started['id']}")
    assert "/cancel" not in admin_page.text  # a process admin sees it, may not cancel it here
    assert admin.post(f"/instances/{started['id']}/cancel",
                      data={"csrf_token": csrf_of(admin_page.text), "reason": "x"}).status_code == 403
    with system.sessions() as session:
        assert session.get(ProcessInstance, started["id"]).status == "running"
    done = leader.post(f"/instances/{started['id']}/cancel", data={"csrf_token": token, "reason": "Không cần nữa"})
    assert done.status_code == 303 and done.headers["location"] == f"/instances/{started['id']}"
    with system.sessions() as session:
        assert session.get(ProcessInstance, started["id"]).status == "cancelled"
    cancelled = leader.get(f"/instances/{started['id']}")
    assert "Đã huỷ" in cancelled.text and "Không cần nữa" in cancelled.text
    assert states_of(cancelled.text)["active"] == [] and "start" in states_of(cancelled.text)["completed"]


def test_the_list_shows_versions_and_filters_for_those_who_see_any_instance(client, api, browser, distributed):
    notice = start_notice(client, api)
    admin = browser("a.process_admin")
    listed = admin.get("/instances")
    assert listed.status_code == 200
    assert f'id="instance-{distributed["id"]}"' in listed.text and f'id="instance-{notice["id"]}"' in listed.text
    assert "Phiên bản 1" in listed.text and 'href="/migrations"' in listed.text
    only = admin.get(f"/instances?definition={notice['definition_id']}")
    assert f'id="instance-{notice["id"]}"' in only.text and f'id="instance-{distributed["id"]}"' not in only.text
    by_status = admin.get("/instances?status=completed")
    assert 'id="instance-' not in by_status.text
    assert browser("a.leader").get("/instances").status_code == 200
    for user in ("a.staff", "a.clerk", "a.unit_head", "a.admin"):
        assert browser(user).get("/instances").status_code == 403
    # Another agency's list holds none of these; its version id is not found.
    other = browser("b.process_admin")
    assert 'id="instance-' not in other.get("/instances").text
    assert other.get(f"/instances?definition={notice['definition_id']}").status_code == 404
    assert admin.get("/instances?definition=abc").status_code == 422


def test_an_open_incident_is_marked_on_its_element_and_counted_in_the_list(browser, incident):
    admin = browser("a.process_admin")
    page = admin.get(f"/instances/{incident['instance_id']}")
    assert page.status_code == 200
    states = states_of(page.text)
    assert states["incidents"] == ["remind"] and "work" in states["active"]
    assert "ZeroDivisionError" in page.text and 'href="/incidents"' in page.text
    listed = admin.get("/instances?status=running")
    row = listed.text.split(f'id="instance-{incident["instance_id"]}"')[1].split("</tr>")[0]
    assert '<span class="badge incident">1</span>' in row


def test_the_page_speaks_english(browser, distributed):
    leader = browser("a.leader")
    leader.cookies.set("lang", "en")
    page = leader.get(f"/instances/{distributed['id']}")
    assert "Process diagram" in page.text and "Version 1" in page.text and "Sơ đồ quy trình" not in page.text


def test_a_step_reached_again_is_current_and_the_loop_is_marked(client, api, browser, province):
    """Returned to the clerk and sent back: the distribution is the current step again, and
    the way round (returned, rechecked, resubmitted) is marked as taken."""
    instance = register_incoming(client, api("a.clerk"))
    returned = complete(client, api("a.leader"), only_task(instance, "distribute")["id"], RETURN)
    complete(client, api("a.clerk"), only_task(returned, "recheck")["id"],
             {"recheck_decision": "resubmit", "recheck_note": "Đã bổ sung phụ lục."})
    states = states_of(browser("a.leader").get(f"/instances/{instance['id']}").text)
    assert "distribute" in states["active"] and "distribute" not in states["completed"]
    assert {"recheck", "recheck_gw", "decision"} <= set(states["completed"])
    assert {"f_returned", "f_recheck_decided", "f_resubmitted"} <= set(states["flows"])
    assert "f_assign" not in states["flows"] and "f_closed" not in states["flows"]


def test_the_list_is_paged_keeping_its_filters(client, api, browser, distributed, monkeypatch):
    from api.pages import instances as instance_pages

    monkeypatch.setattr(instance_pages, "PER_PAGE", 1)
    newer = register_incoming(client, api("a.clerk"))
    leader = browser("a.leader")
    first = leader.get("/instances?status=running")
    assert f'id="instance-{newer["id"]}"' in first.text and f'id="instance-{distributed["id"]}"' not in first.text
    assert 'href="/instances?status=running&amp;page=2"' in first.text and "Trang 1/2" in first.text
    second = leader.get("/instances?status=running&page=2")
    assert f'id="instance-{distributed["id"]}"' in second.text and f'id="instance-{newer["id"]}"' not in second.text
    assert leader.get("/instances?page=0").status_code == 422
