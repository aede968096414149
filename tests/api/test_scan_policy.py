"""The agency's scan quality policy over HTTP: the admin reads and changes it through the API
(GET/PUT /api/agency/settings) and the page /admin/scan (two explicit buttons, CSRF); every
change is audited; a clerk is refused (403), another agency keeps its own, a bad value is
refused at its field with nothing stored."""
from __future__ import annotations

import sqlalchemy as sa

from documents.models import Agency, AuditEvent
from engine.db import unit_of_work
from tests.api.conftest import AGENCY_A, csrf_of

URL = "/api/agency/settings"


def policy_of(system, code: str) -> str:
    with unit_of_work(system.sessions) as session:
        return session.scalar(sa.select(Agency.scan_quality_policy).where(Agency.code == code))


def changes(system) -> list[AuditEvent]:
    with unit_of_work(system.sessions) as session:
        events = list(session.scalars(sa.select(AuditEvent)
                                      .where(AuditEvent.action == "agency.scan_policy_changed")))
        session.expunge_all()
        return events


def test_the_admin_reads_and_changes_the_policy_through_the_api(client, api, system, province):
    shown = client.get(URL, headers=api("a.admin"))
    assert shown.status_code == 200
    assert shown.json() == {"scan_quality_policy": "warn",
                            "scan_quality_policies": ["warn", "refuse"]}

    changed = client.put(URL, json={"scan_quality_policy": "refuse"}, headers=api("a.admin"))
    assert changed.status_code == 200 and changed.json()["scan_quality_policy"] == "refuse"
    assert policy_of(system, AGENCY_A) == "refuse"
    [event] = changes(system)
    assert (event.actor_id, event.agency_code) == (province["a.admin"].user_id, AGENCY_A)
    assert (event.before, event.after) == ({"scan_quality_policy": "warn"},
                                           {"scan_quality_policy": "refuse"})
    # another agency's admin sees and changes only their own
    assert client.get(URL, headers=api("b.admin")).json()["scan_quality_policy"] == "warn"


def test_the_api_refuses_a_clerk_a_stranger_and_a_bad_value(client, api, system, province):
    assert client.get(URL, headers=api("a.clerk")).status_code == 403
    assert client.put(URL, json={"scan_quality_policy": "refuse"},
                      headers=api("a.clerk")).status_code == 403
    assert client.get(URL).status_code == 401
    bad = client.put(URL, json={"scan_quality_policy": "ignore"}, headers=api("a.admin"))
    assert bad.status_code == 422
    assert bad.json()["error"]["errors"]["scan_quality_policy"].startswith("Chọn một trong hai")
    assert policy_of(system, AGENCY_A) == "warn" and changes(system) == []


def test_the_admin_page_offers_two_buttons_and_saves_the_choice(browser, system, province):
    admin = browser("a.admin")
    page = admin.get("/admin/scan")
    assert page.status_code == 200
    assert 'name="scan_quality_policy" value="warn"' in page.text
    assert 'name="scan_quality_policy" value="refuse"' in page.text
    sent = admin.post("/admin/scan", data={"scan_quality_policy": "refuse",
                                           "csrf_token": csrf_of(page.text)})
    assert sent.status_code == 303 and sent.headers["location"] == "/admin/scan?saved=1"
    assert policy_of(system, AGENCY_A) == "refuse"
    assert len(changes(system)) == 1
    again = admin.get("/admin/scan?saved=1")
    assert "Từ chối đăng ký" in again.text


def test_the_page_refuses_without_csrf_a_clerk_and_a_bad_value(browser, system, province):
    admin = browser("a.admin")
    assert admin.post("/admin/scan", data={"scan_quality_policy": "refuse"}).status_code == 403
    clerk = browser("a.clerk")
    assert clerk.get("/admin/scan").status_code == 403
    page = admin.get("/admin/scan")
    bad = admin.post("/admin/scan", data={"scan_quality_policy": "<b>x</b>",
                                          "csrf_token": csrf_of(page.text)})
    assert bad.status_code == 422 and "Chọn một trong hai" in bad.text
    assert "<b>x</b>" not in bad.text
    assert policy_of(system, AGENCY_A) == "warn" and changes(system) == []
