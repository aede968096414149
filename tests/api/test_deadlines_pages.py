"""The leader's hand on the handling deadline from the document's page: a re-assignment may give a
new deadline, which becomes the document's; one already past is refused at the field, on the
re-assignment and on the extension, nothing stored."""
from __future__ import annotations

import html

from tests.api import test_incoming_work
from tests.api.test_casework_pages import post_form, section

PAST = "Hạn xử lý đã qua: chọn một thời điểm sau bây giờ."

# Incoming number 1, handled by a.staff for Phòng Kinh tế, whose head (a.unit_head) coordinates.
handled = test_incoming_work.handled


def deadline_of(client, api, document_id: int) -> dict:
    return client.get(f"/api/incoming/{document_id}/deadline", headers=api("a.leader")).json()


def test_a_reassignment_from_the_page_may_move_the_deadline_never_into_the_past(browser, client, api, people,
                                                                                handled):
    leader = browser("a.leader")
    url = f"/incoming/{handled}"
    assert "Hạn giải quyết mới (nếu thay đổi)" in section(leader.get(url).text, "handling")
    before = deadline_of(client, api, handled)
    staff2 = str(people["a.staff2"].user_id)

    late = post_form(leader, f"{url}/reassign", url, lead_user_id=staff2, reason="Cân đối việc",
                     deadline="23/11/2026 07:00")
    assert late.status_code == 422 and PAST in html.unescape(late.text)
    assert '<details id="reassign" open>' in late.text
    assert deadline_of(client, api, handled) == before

    moved = post_form(leader, f"{url}/reassign", url, lead_user_id=staff2, reason="Cân đối việc",
                      deadline="04/12/2026 17:00")
    assert moved.status_code == 303, moved.text
    after = deadline_of(client, api, handled)
    assert (after["handling_deadline"], after["lead_user_id"]) == ("2026-12-04T17:00:00+07:00", people["a.staff2"].user_id)

    kept = post_form(leader, f"{url}/reassign", url, lead_user_id=str(people["a.staff"].user_id), reason="Trả lại")
    assert kept.status_code == 303
    assert deadline_of(client, api, handled)["handling_deadline"] == "2026-12-04T17:00:00+07:00"


def test_an_extension_from_the_page_into_the_past_is_refused_at_the_field(browser, client, api, handled):
    leader = browser("a.leader")
    url = f"/incoming/{handled}"
    before = deadline_of(client, api, handled)
    late = post_form(leader, f"{url}/extend", url, deadline="22/11/2026 17:00", reason="Gia hạn")
    assert late.status_code == 422 and PAST in html.unescape(late.text)
    assert deadline_of(client, api, handled) == before
