"""Drafts over HTTP on PostgreSQL: the JSON API (create, read, change with its lock, versions,
the agencies' search) and the pages (new draft with its first version, the document's page,
the edit form, a version's upload), with their refusals and denials."""
from __future__ import annotations

import re


from documents.outgoing.models import OutgoingDocument, OutgoingVersion
from engine.models import ProcessInstance
from tests.api.conftest import api, app, browser, client, context_clock, csrf_of, system  # noqa: F401  (fixtures)
from tests.files import samples
from tests.outgoing.drafting import B, MINISTRY, office  # noqa: F401

PDF = samples.pdf("1.7")
DOCX = samples.docx()


def body(office, **changes):
    return {"subject": "V/v tổ chức hội nghị", "doc_type": "Giấy mời", "urgency": "urgent", "reply_by": "2026-12-01",
            "recipients": [{"kind": "agency", "agency_id": office.ids["b"]},
                           {"kind": "external", "name": "Hợp tác xã Hòa Bình"}], **changes}


def stored(office) -> int:
    return office.count(OutgoingDocument)


def test_create_read_change_over_json(client, api, office):
    created = client.post("/api/outgoing", json=body(office), headers=api("a.staff"))
    assert created.status_code == 201, created.text
    draft = created.json()
    assert (draft["state"], draft["doc_type"], draft["urgency"], draft["reply_by"]) == (
        "drafting", "Giấy mời", "urgent", "2026-12-01")
    version = draft["row_version"]
    assert draft["process_instance_id"] is not None
    assert [(r["kind"], r["name"], r["paper"], [p["rule"] for p in r["paper_reasons"]]) for r in draft["recipients"]] == [
        ("agency", "Cơ quan B", False, []), ("external", "Hợp tác xã Hòa Bình", True, ["not_connected"])]
    shown = client.get(f"/api/outgoing/{draft['id']}", headers=api("a.leader"))
    assert shown.status_code == 200 and shown.json()["subject"] == "V/v tổ chức hội nghị"
    changed = client.patch(f"/api/outgoing/{draft['id']}", json={"row_version": version, "subject": "V/v hội nghị (sửa)"},
                           headers=api("a.staff"))
    assert changed.status_code == 200, changed.text
    assert (changed.json()["subject"], changed.json()["row_version"], len(changed.json()["recipients"])) == (
        "V/v hội nghị (sửa)", version + 1, 2)
    stale = client.patch(f"/api/outgoing/{draft['id']}", json={"row_version": version, "subject": "Cũ"}, headers=api("a.staff"))
    assert stale.status_code == 409


def test_refusals_and_denials_over_json(client, api, office):
    for bad in ({"recipients": [{"kind": "agency", "code": "000.00.77.H99"}]}, {"reply_by": "2026-11-01"},
                {"doc_type": "Thư"}, {"recipients": [{"kind": "external", "name": "x"}] * 201}):
        refused = client.post("/api/outgoing", json=body(office, **bad), headers=api("a.staff"))
        assert refused.status_code == 422, (bad, refused.text)
    assert client.post("/api/outgoing", json=body(office), headers=api("a.process_admin")).status_code == 403
    assert client.post("/api/outgoing", json=body(office)).status_code == 401
    assert stored(office) == 0 and office.count(ProcessInstance) == 0
    draft_id = client.post("/api/outgoing", json=body(office), headers=api("a.staff")).json()["id"]
    assert client.get(f"/api/outgoing/{draft_id}", headers=api("b.leader")).status_code == 404
    assert client.get(f"/api/outgoing/{draft_id}", headers=api("a.staff2")).status_code == 403
    assert client.patch(f"/api/outgoing/{draft_id}", json={"row_version": 1, "subject": "x"},
                        headers=api("a.leader")).status_code == 403
    assert client.patch(f"/api/outgoing/{draft_id}", json={"row_version": 1, "subject": "x"},
                        headers=api("b.staff")).status_code == 404


def test_versions_over_json(client, api, office):
    draft_id = client.post("/api/outgoing", json=body(office), headers=api("a.staff")).json()["id"]
    url = f"/api/outgoing/{draft_id}/versions"
    added = client.post(url, files={"pdf": ("du-thao.pdf", PDF, "application/pdf"), "source": ("du-thao.docx", DOCX)},
                        data={"note": "Bản đầu"}, headers=api("a.staff"))
    assert added.status_code == 201, added.text
    assert (added.json()["number"], added.json()["note"]) == (1, "Bản đầu")
    refused = client.post(url, files={"pdf": ("du-thao.pdf", PDF), "source": ("virus.docx", samples.EXE)},
                          headers=api("a.staff"))
    assert refused.status_code == 422 and "virus.docx" in refused.text
    refused = client.post(url, files={"pdf": ("anh.pdf", samples.png())}, headers=api("a.staff"))
    assert refused.status_code == 422
    assert client.post(url, files={"pdf": ("du-thao.pdf", PDF)}, headers=api("a.leader")).status_code == 403
    assert office.count(OutgoingVersion) == 1
    listed = client.get(url, headers=api("a.clerk")).json()
    assert [(v["number"], v["pdf_url"], v["source_url"]) for v in listed] == [
        (1, f"{url}/1/pdf", f"{url}/1/source")]
    pdf = client.get(f"{url}/1/pdf", headers=api("a.clerk"))
    assert (pdf.status_code, pdf.content, pdf.headers["content-type"]) == (200, PDF, "application/pdf")
    assert "du-thao.pdf" in pdf.headers["content-disposition"]
    assert client.get(f"{url}/1/source", headers=api("a.staff")).content == DOCX
    assert client.get(f"{url}/1/pdf", headers=api("b.clerk")).status_code == 404
    assert client.get(f"{url}/1/exe", headers=api("a.staff")).status_code == 422


def test_agencies_are_found_by_name_or_identifier(client, api, office):
    found = client.get("/api/outgoing/recipients/agencies", params={"q": "bo noi"}, headers=api("a.staff"))
    assert [(a["code"], a["name"]) for a in found.json()] == [(MINISTRY, "Bộ Nội vụ")]
    by_code = client.get("/api/outgoing/recipients/agencies", params={"q": B}, headers=api("a.staff")).json()
    assert [a["name"] for a in by_code] == ["Cơ quan B"]
    everyone = client.get("/api/outgoing/recipients/agencies", headers=api("a.staff")).json()
    assert "Cơ quan A" not in [a["name"] for a in everyone]  # not itself
    assert client.get("/api/outgoing/recipients/agencies").status_code == 401
    rules = client.get("/api/outgoing/paper-rules", headers=api("a.staff")).json()
    assert {"government", "legal_normative", "finance_personnel", "not_connected"} <= {r["rule"] for r in rules}


# --------------------------------------------------------------------------- pages

def new_draft_form(office, csrf, **changes):
    return {"csrf_token": csrf, "subject": "V/v báo cáo tình hình tài chính", "doc_type": "Báo cáo",
            "urgency": "normal", "reply_by": "10/12/2026", "summary": "", "agencies": [str(office.ids["b"])],
            "units": [str(office.ids["a.u2"])], "paper": [f"unit:{office.ids['a.u2']}"],
            "external_name": ["Sở Tài chính tỉnh Hà Nam", "", ""], "external_code": ["000.00.31.H41", "", ""],
            "note": "Bản đầu", **changes}


def test_a_draft_made_through_the_pages(browser, office):
    staff = browser("a.staff")
    form = staff.get("/outgoing/new")
    assert form.status_code == 200
    assert 'data-picker="agency"' in form.text and "Bộ Nội vụ (000.00.03.H99)" in form.text
    assert "Cơ quan A (" not in form.text  # its own agency is not offered
    sent = staff.post("/outgoing/new", data=new_draft_form(office, csrf_of(form.text)),
                      files={"pdf": ("du-thao.pdf", PDF, "application/pdf")})
    assert sent.status_code == 303, sent.text
    page = staff.get(sent.headers["location"])
    assert page.status_code == 200
    draft_id = int(sent.headers["location"].rsplit("/", 1)[1])
    text = page.text
    assert "V/v báo cáo tình hình tài chính" in text and "Đang dự thảo" in text
    assert "Sở Tài chính tỉnh Hà Nam" in text and "Tài chính, ngân sách, nhân sự" in text  # paper, and why
    assert f"/outgoing/{draft_id}/versions/1/pdf" in text and "Phòng Tổng hợp" in text
    assert re.search(r'href="/tasks/\d+"', text)  # the drafting task
    assert staff.get(f"/outgoing/{draft_id}/versions/1/pdf").content == PDF
    with office.system.sessions() as session:
        draft = session.get(OutgoingDocument, draft_id)
        assert [(r.kind, r.paper) for r in draft.recipients] == [("agency", True), ("external", True), ("unit", True)]
        assert draft.reply_by.isoformat() == "2026-12-10"
    assert staff.get(f"/outgoing/drafts/{draft_id}").headers["location"] == f"/outgoing/{draft_id}"


def test_a_refused_page_form_keeps_what_was_typed_and_stores_nothing(browser, office):
    staff = browser("a.staff")
    csrf = csrf_of(staff.get("/outgoing/new").text)
    refused = staff.post("/outgoing/new", data=new_draft_form(office, csrf, reply_by="01/11/2026"),
                         files={"pdf": ("du-thao.pdf", PDF)})
    assert refused.status_code == 422
    assert "Hạn trả lời phải từ hôm nay trở đi." in refused.text and "V/v báo cáo tình hình tài chính" in refused.text
    refused = staff.post("/outgoing/new", data=new_draft_form(office, csrf), files={"pdf": ("du-thao.pdf", samples.EXE)})
    assert refused.status_code == 422 and "du-thao.pdf" in refused.text
    assert staff.post("/outgoing/new", data=new_draft_form(office, "wrong")).status_code == 403
    assert browser("a.process_admin").get("/outgoing/new").status_code == 403
    assert stored(office) == 0 and office.count(ProcessInstance) == 0


def test_edit_and_version_forms(browser, office):
    draft = office.draft()
    staff = browser("a.staff")
    edit = staff.get(f"/outgoing/{draft.id}/edit")
    assert edit.status_code == 200 and f'name="row_version" value="{draft.row_version}"' in edit.text
    form = {"csrf_token": csrf_of(edit.text), "row_version": str(draft.row_version), "subject": "V/v đã sửa", "doc_type": "Công văn",
            "urgency": "urgent", "reply_by": "", "agencies": [str(office.ids["b"])], "external_name": [""],
            "external_code": [""]}
    assert staff.post(f"/outgoing/{draft.id}/edit", data=form).status_code == 303
    assert staff.post(f"/outgoing/{draft.id}/edit", data=form).status_code == 409  # the same form again: stale
    assert browser("a.leader").get(f"/outgoing/{draft.id}/edit").status_code == 403
    page = staff.get(f"/outgoing/{draft.id}")
    assert "V/v đã sửa" in page.text and 'id="version-form"' in page.text
    csrf = csrf_of(page.text)
    refused = staff.post(f"/outgoing/{draft.id}/versions", data={"csrf_token": csrf},
                         files={"pdf": ("hong.pdf", b"%PDF-1.7 rac")})
    assert refused.status_code == 422 and "hong.pdf" in refused.text
    added = staff.post(f"/outgoing/{draft.id}/versions", data={"csrf_token": csrf, "note": "Sửa trích yếu"},
                       files={"pdf": ("du-thao.pdf", PDF), "source": ("du-thao.odt", samples.odt())})
    assert added.status_code == 303
    page = staff.get(f"/outgoing/{draft.id}")
    assert "Sửa trích yếu" in page.text and f"/outgoing/{draft.id}/versions/1/source" in page.text
    leader_page = browser("a.leader").get(f"/outgoing/{draft.id}")
    assert leader_page.status_code == 200 and 'id="version-form"' not in leader_page.text
    assert browser("b.leader").get(f"/outgoing/{draft.id}").status_code == 404
    assert browser("a.staff2").get(f"/outgoing/{draft.id}").status_code == 403


def test_a_version_is_added_from_the_task_page_and_the_upload_comes_back_to_it(browser, office):
    draft = office.draft()
    staff = browser("a.staff")
    page = staff.get(f"/outgoing/{draft.id}")
    task_url = re.search(r'href="(/tasks/\d+)"', page.text).group(1)
    task_page = staff.get(task_url)
    assert task_page.status_code == 200 and 'id="task-version-form"' in task_page.text
    assert f'name="back" value="{task_url}"' in task_page.text
    csrf = csrf_of(task_page.text)
    added = staff.post(f"/outgoing/{draft.id}/versions", data={"csrf_token": csrf, "back": task_url},
                       files={"pdf": ("du-thao.pdf", PDF)})
    assert (added.status_code, added.headers["location"]) == (303, task_url)
    elsewhere = staff.post(f"/outgoing/{draft.id}/versions", data={"csrf_token": csrf, "back": "https://example.com/"},
                           files={"pdf": ("du-thao.pdf", PDF)})
    assert elsewhere.headers["location"] == f"/outgoing/{draft.id}#versions"  # never off the site
    assert office.count(OutgoingVersion) == 2
