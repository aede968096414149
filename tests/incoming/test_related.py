"""Related documents: the handler, the head of the handling unit and the leaders link documents
of their agency; a link shows on both ends, once, and can be removed."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from documents.errors import Conflict, InvalidData, NotAllowed, NotFound
from documents.incoming import related
from documents.incoming.casework_models import RelatedLink
from documents.incoming.models import IncomingDocument
from documents.models import AuditEvent


def shown(case, document_id):
    with case.system.sessions() as session:
        return [(r.other.id, r.link.note) for r in related.of(session, session.get(IncomingDocument, document_id))]


def link(case, who, document_id, other_id, note=None):
    return case.run(related.link, case.people[who], document_id, other_id, note)


def test_a_link_shows_on_both_documents_and_is_removed_from_both(case, bureau):
    handled, earlier = case.handled(), case(number_notation="99/SNV-VP")
    made = link(case, "a.staff", handled, earlier, "  Văn bản trước của cùng Sở  ")
    assert (made.other.id, made.link.note, made.link.linked_by) == (earlier, "Văn bản trước của cùng Sở",
                                                                     bureau["a.staff"].user_id)
    assert shown(case, handled) == [(earlier, "Văn bản trước của cùng Sở")]
    assert shown(case, earlier) == [(handled, "Văn bản trước của cùng Sở")]

    case.run(related.unlink, bureau["a.staff"], earlier, handled)  # from either end
    assert shown(case, handled) == shown(case, earlier) == []
    with case.system.sessions() as session:
        actions = list(session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("incoming.related%"))
                                       .order_by(AuditEvent.id)))
    assert actions == ["incoming.related_linked", "incoming.related_unlinked"]


@pytest.mark.parametrize("who", ["a.leader", "a.head1"])
def test_the_leader_and_the_head_of_the_handling_unit_link_too(case, who):
    handled, other = case.handled(), case(number_notation="99/SNV-VP")
    link(case, who, handled, other)
    assert shown(case, other) == [(handled, None)]


@pytest.mark.parametrize("who", ["a.staff2", "a.head2", "a.clerk", "a.staff3"])
def test_others_may_not_link_or_unlink(case, who):
    handled, other = case.handled(), case(number_notation="99/SNV-VP")
    with pytest.raises(NotAllowed):
        link(case, who, handled, other)
    link(case, "a.staff", handled, other)
    with pytest.raises(NotAllowed):
        case.run(related.unlink, case.people[who], handled, other)
    assert shown(case, handled) == [(other, None)]


def test_no_self_link_no_duplicate_in_either_direction_no_other_agency(case, bureau):
    handled, other, foreign = case.handled(), case(number_notation="99/SNV-VP"), case("b.clerk")
    with pytest.raises(InvalidData) as refused:
        link(case, "a.staff", handled, handled)
    assert refused.value.errors == {"related_id": "Chọn một văn bản đến khác văn bản này."}
    link(case, "a.staff", handled, other)
    with pytest.raises(Conflict):
        link(case, "a.staff", handled, other)
    with pytest.raises(Conflict):
        link(case, "a.leader", other, handled)
    for target in (foreign, 999_999):
        with pytest.raises(NotFound):
            link(case, "a.staff", handled, target)
    with pytest.raises(NotFound):
        case.run(related.unlink, bureau["a.staff"], handled, foreign)
    with case.system.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(RelatedLink)) == 1


def test_the_database_refuses_a_second_copy_and_a_self_link(case, bureau):
    """The guards behind the service: the unique pair and the order check."""
    handled, other = case.handled(), case(number_notation="99/SNV-VP")
    link(case, "a.staff", handled, other)
    low, high = sorted((handled, other))
    from engine import clock

    for pair in ((low, high), (low, low)):
        with pytest.raises(sa.exc.IntegrityError), case.system.sessions() as session:
            session.add(RelatedLink(low_id=pair[0], high_id=pair[1], linked_by=bureau["a.staff"].user_id,
                                    linked_at=clock.now()))
            session.flush()


def test_a_note_longer_than_4000_characters_is_refused(case):
    handled, other = case.handled(), case(number_notation="99/SNV-VP")
    with pytest.raises(InvalidData) as refused:
        link(case, "a.staff", handled, other, "x" * 4001)
    assert refused.value.errors == {"note": "Trường «Ghi chú» dài tối đa 4000 ký tự."}
