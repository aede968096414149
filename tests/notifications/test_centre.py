"""A person's notification centre: newest first, paged, the unread filter; marking one or all
read touches only one's own (another person's is not found); a link opened is a path inside the app."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from documents.errors import NotFound
from documents.notifications import centre
from documents.notifications.models import Kind, Notification
from documents.notifications.service import Message, notify, unread_count
from engine.db import unit_of_work
from tests.notifications.personal import context_clock, run, system  # noqa: F401  (fixtures)


def told(system, clock, people, who="a.staff", count=1, start=0) -> list[int]:
    """``count`` notifications to ``who``, one minute apart (the clock moves on)."""
    ids = []
    for number in range(start, start + count):
        with unit_of_work(system.sessions) as session:
            person = people[who]
            (row,) = notify(session, person.agency_id, [person.user_id],
                            Message(Kind.REMINDER, f"Nhắc hạn {number}", "Sắp đến hạn", f"/tasks/{number}"),
                            f"test:{number}")
            session.flush()
            ids.append(row.id)
        clock.advance(minutes=1)
    return ids


def test_newest_first_in_pages_with_the_unread_count(system, clock, province):
    ids = told(system, clock, province, count=25)
    staff = province["a.staff"]
    first = run(system, lambda s: [n.title for n in centre.listing(s, staff, limit=10).items])
    assert first == [f"Nhắc hạn {n}" for n in range(24, 14, -1)]
    last = run(system, lambda s: centre.listing(s, staff, offset=20, limit=10))
    assert [n.id for n in last.items] == ids[4::-1] and (last.total, last.unread) == (25, 25)
    # Another person's list is empty; their count is theirs.
    assert run(system, lambda s: centre.listing(s, province["a.leader"]).total) == 0


def test_marking_one_read_keeps_its_first_reading_time_and_filters_it_out(system, clock, province):
    ids = told(system, clock, province, count=3)
    staff = province["a.staff"]
    read = run(system, lambda s: centre.mark_read(s, staff, ids[1]).read_at)
    assert read == clock.now()
    clock.advance(hours=1)
    assert run(system, lambda s: centre.mark_read(s, staff, ids[1]).read_at) == read
    unread = run(system, lambda s: centre.listing(s, staff, unread_only=True))
    assert [n.id for n in unread.items] == [ids[2], ids[0]] and (unread.total, unread.unread) == (2, 2)
    assert run(system, unread_count, staff.user_id) == 2


def test_only_ones_own_notification_is_marked(system, clock, province):
    (mine,) = told(system, clock, province)
    for other in ("a.leader", "b.staff"):
        with pytest.raises(NotFound):
            run(system, centre.mark_read, province[other], mine)
    with pytest.raises(NotFound):
        run(system, centre.mark_read, province["a.staff"], mine + 1000)
    assert run(system, unread_count, province["a.staff"].user_id) == 1


def test_marking_all_read_leaves_other_peoples_alone(system, clock, province):
    told(system, clock, province, count=3)
    told(system, clock, province, who="a.leader", count=2, start=10)
    assert run(system, centre.mark_all_read, province["a.staff"]) == 3
    assert run(system, centre.mark_all_read, province["a.staff"]) == 0
    assert run(system, unread_count, province["a.staff"].user_id) == 0
    assert run(system, unread_count, province["a.leader"].user_id) == 2
    with system.sessions() as session:
        assert set(session.scalars(sa.select(Notification.read_at).where(
            Notification.user_id == province["a.staff"].user_id))) == {clock.now()}


def test_paging_bounds_are_kept(system, clock, province):
    told(system, clock, province, count=2)
    staff = province["a.staff"]
    shown = run(system, lambda s: centre.listing(s, staff, offset=-5, limit=10_000))
    assert (shown.offset, shown.limit, len(shown.items)) == (0, centre.MAX_PAGE_SIZE, 2)
    assert run(system, lambda s: centre.listing(s, staff, offset=50).items) == []


@pytest.mark.parametrize("link, local", [
    ("/tasks/5", True), ("/incoming/3#history", True), ("/notifications?unread=1", True),
    ("//evil.example/x", False), ("/\\evil.example", False), ("https://evil.example/", False),
    ("javascript:alert(1)", False), ("tasks/5", False), ("", False), (None, False), ("/a\nb", False)])
def test_a_link_opened_is_a_path_inside_the_app(link, local):
    assert centre.is_local_path(link) is local


def test_the_unread_count_is_one_indexed_count(system, clock, province):
    """The header's badge on every page: the plan uses the (user_id, read_at) index."""
    told(system, clock, province, count=2)
    with system.sessions() as session:
        session.execute(sa.text("SET enable_seqscan = off"))
        plan = "\n".join(session.scalars(sa.text(
            "EXPLAIN SELECT count(*) FROM notification WHERE user_id = :u AND read_at IS NULL"),
            {"u": province["a.staff"].user_id}))
    assert "Index" in plan and "ix_notification_" in plan and "Seq Scan" not in plan
