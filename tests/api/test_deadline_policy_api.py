"""The deadline policy over the JSON API (/api/agency/deadline-policy): any member of the agency
reads it, its admin replaces the table or resets it (audited); others get 403, strangers 401;
bad amounts, units, urgencies and types are refused with nothing stored; each agency keeps its own."""
from __future__ import annotations

import sqlalchemy as sa

from documents.deadlines.models import DeadlinePolicy
from documents.models import AuditEvent
from engine.db import unit_of_work

URL = "/api/agency/deadline-policy"
NATIONAL = [
    {"doc_type": "", "urgency": "flash", "amount": 2.0, "unit": "hours", "national": True},
    {"doc_type": "", "urgency": "very_urgent", "amount": 1.0, "unit": "days", "national": True},
    {"doc_type": "", "urgency": "urgent", "amount": 2.0, "unit": "days", "national": True},
    {"doc_type": "", "urgency": "normal", "amount": 10.0, "unit": "days", "national": True},
]
TABLE = {"rows": [{"doc_type": "", "urgency": "normal", "amount": 7, "unit": "days"},
                  {"doc_type": "Quyết định", "urgency": "flash", "amount": 3.5, "unit": "hours"}]}


def stored(system) -> list[tuple]:
    with unit_of_work(system.sessions) as session:
        return sorted(session.execute(sa.select(DeadlinePolicy.doc_type, DeadlinePolicy.urgency,
                                                DeadlinePolicy.amount, DeadlinePolicy.unit)).all())


def audited(system) -> list[str]:
    with unit_of_work(system.sessions) as session:
        return list(session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_type == "deadline_policy")
                                    .order_by(AuditEvent.id)))


def test_every_member_reads_the_national_defaults_with_the_choices_and_the_issuing_rule(client, api, province):
    for user in ("a.clerk", "a.staff", "a.leader", "a.unit_head", "a.process_admin", "a.admin"):
        shown = client.get(URL, headers=api(user))
        assert shown.status_code == 200, user
    body = shown.json()
    assert body["national"] is True and body["rows"] == NATIONAL
    assert body["urgencies"] == ["flash", "very_urgent", "urgent", "normal"]
    assert body["units"] == ["hours", "days"]
    assert "Quyết định" in body["doc_types"] and "Công văn" in body["doc_types"]
    assert body["issuing"]["basis"] == "Nghị định 30/2020/NĐ-CP, Điều 16"
    assert client.get(URL).status_code == 401


def test_the_admin_replaces_the_table_and_resets_it(client, api, system, province):
    changed = client.put(URL, json=TABLE, headers=api("a.admin"))
    assert changed.status_code == 200, changed.text
    rows = changed.json()["rows"]
    assert changed.json()["national"] is False
    assert rows[3] == {"doc_type": "", "urgency": "normal", "amount": 7.0, "unit": "days", "national": False}
    assert rows[0]["national"] is True  # flash for every type: still national
    assert rows[4] == {"doc_type": "Quyết định", "urgency": "flash", "amount": 3.5, "unit": "hours", "national": False}
    assert stored(system) == [("", "normal", 7.0, "days"), ("Quyết định", "flash", 3.5, "hours")]
    assert client.get(URL, headers=api("a.clerk")).json()["rows"] == rows
    assert client.get(URL, headers=api("b.clerk")).json()["rows"] == NATIONAL  # agency B keeps its own

    reset = client.post(f"{URL}/reset", headers=api("a.admin"))
    assert reset.status_code == 200 and reset.json()["rows"] == NATIONAL
    assert stored(system) == []
    assert audited(system) == ["deadline_policy.set", "deadline_policy.reset"]


def test_only_the_admin_changes_it(client, api, system, province):
    for user in ("a.clerk", "a.staff", "a.leader", "a.unit_head", "a.process_admin"):
        assert client.put(URL, json=TABLE, headers=api(user)).status_code == 403, user
        assert client.post(f"{URL}/reset", headers=api(user)).status_code == 403, user
    assert client.put(URL, json=TABLE).status_code == 401
    assert client.post(f"{URL}/reset").status_code == 401
    assert stored(system) == [] and audited(system) == []


def test_bad_rows_are_refused_with_nothing_stored(client, api, system, province):
    admin = api("a.admin")
    assert client.put(URL, json=TABLE, headers=admin).status_code == 200
    cases = [
        ({"doc_type": "", "urgency": "normal", "amount": 2.5, "unit": "days"}, "rows.1", "Số ngày làm việc phải là số nguyên"),
        ({"doc_type": "", "urgency": "flash", "amount": 0.2, "unit": "hours"}, "rows.1", "Số giờ làm việc phải từ 0,5"),
        ({"doc_type": "Thư riêng", "urgency": "normal", "amount": 2, "unit": "days"}, "rows.1", "Loại văn bản không có"),
        ({"doc_type": "", "urgency": "urgent", "amount": 3, "unit": "days"}, "rows.1", "Mỗi loại văn bản"),
        ({"doc_type": "", "urgency": "normal", "amount": 2, "unit": "weeks"}, "rows.1.unit", ""),
        ({"doc_type": "", "urgency": "soon", "amount": 2, "unit": "days"}, "rows.1.urgency", ""),
        ({"doc_type": "", "urgency": "normal", "amount": -1, "unit": "days"}, "rows.1.amount", ""),
        ({"doc_type": "", "urgency": "normal", "amount": 10_000, "unit": "days"}, "rows.1.amount", ""),
        ({"doc_type": "", "urgency": "normal", "amount": "mười", "unit": "days"}, "rows.1.amount", ""),
    ]
    first = {"doc_type": "", "urgency": "urgent", "amount": 1, "unit": "days"}
    for row, field, message in cases:
        refused = client.put(URL, json={"rows": [first, row]}, headers=admin)
        assert refused.status_code == 422, row
        errors = refused.json()["error"]["errors"]
        assert field in errors and errors[field].startswith(message), (row, errors)
    assert client.put(URL, json={"rows": "all"}, headers=admin).status_code == 422
    assert client.put(URL, json={"rows": [first] * 200}, headers=admin).status_code == 422
    assert stored(system) == [("", "normal", 7.0, "days"), ("Quyết định", "flash", 3.5, "hours")]
    assert audited(system) == ["deadline_policy.set"]
