"""Issue 9 item 10: those told for information (a person, or every member of a unit) read the
document and find it in their own list, unread first, read once opened; coordinators can be
people, each with their own coordination task, and stay readers after answering; a unit with no
head is refused at distribution with a warning naming it."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from documents import accounts
from documents.errors import InvalidData, NotAllowed, NotFound
from documents.incoming import handling, informed, participants, parties, reading, service, summary, task_context
from documents.incoming.models import IncomingDocument, IncomingParty
from documents.models import Agency, AuditEvent
from engine.db import unit_of_work
from engine.models import ProcessDefinition, ProcessInstance
from tests.conftest import PASSWORD


def distribute(case, document_id: int, **fields) -> None:
    lead = case.people["a.staff"]
    data = {"decision": "assign", "direction": "Đề nghị xử lý", "lead_user_id": lead.user_id, "lead_unit_id": lead.unit_id,
            **fields}
    case.act("a.leader", document_id, "distribute", {k: v for k, v in data.items() if v is not None})


def reads(case, who: str, document_id: int) -> bool:
    try:
        case.run(service.get, case.people[who], document_id)
    except NotAllowed:
        return False
    return True


def listed(case, who: str) -> list[informed.Informed]:
    return case.run(informed.of, case.people[who])


def opened(case, who: str, document_id: int):
    def run(session):
        document = service.get(session, case.people[who], document_id)
        return informed.opened(session, case.people[who], document)
    return case.run(run)


# --------------------------------------------------------------------------- for information

def test_a_person_and_every_member_of_a_unit_told_for_information_read_it_others_do_not(case, bureau):
    to_unit, to_person = case(), case(number_notation="124/SNV-VP")
    distribute(case, to_unit, informed_units=[bureau["a.u2"]])
    distribute(case, to_person, for_information=[bureau["a.staff2"].user_id])

    # Phòng Tổng hợp was told: its staff reads it as well as its head; a staff of another unit does not.
    assert reads(case, "a.staff3", to_unit) and reads(case, "a.head2", to_unit)
    assert not reads(case, "a.staff2", to_unit)
    # A person told by name reads it; their unit's colleague and the other unit do not.
    assert reads(case, "a.staff2", to_person)
    assert not reads(case, "a.staff3", to_person)
    # Another agency never learns it exists, whoever it names.
    with pytest.raises(NotFound):
        case.run(service.get, bureau["b.staff3"], to_unit)

    (item,) = listed(case, "a.staff3")
    assert (item.document_id, item.named_by, item.through_unit, item.seen_at) == (to_unit, "leader a", "Phòng Tổng hợp",
                                                                                 None)
    assert [i.document_id for i in listed(case, "a.staff2")] == [to_person]
    assert listed(case, "b.staff3") == [] and listed(case, "a.staff") == []


def test_opening_marks_the_persons_own_row_read_once_and_unread_ones_come_first(case, bureau, clock):
    first, second = case(), case(number_notation="124/SNV-VP")
    distribute(case, first, for_information=[bureau["a.staff3"].user_id])
    clock.advance(hours=1)
    distribute(case, second, informed_units=[bureau["a.u2"]])
    assert [(i.document_id, i.seen_at) for i in listed(case, "a.staff3")] == [(second, None), (first, None)]

    clock.advance(hours=1)
    seen_at = clock.now()
    assert opened(case, "a.staff3", second).seen_at == seen_at
    clock.advance(hours=1)
    assert opened(case, "a.staff3", second).seen_at == seen_at, "the first opening counts"
    # Read, it goes after the unread one; the unit's head has not read it for having a colleague read it.
    assert [(i.document_id, i.seen_at) for i in listed(case, "a.staff3")] == [(first, None), (second, seen_at)]
    assert [i.seen_at for i in listed(case, "a.head2")] == [None]
    assert opened(case, "a.staff3", first).seen_at == clock.now()
    with case.system.sessions() as session:
        marks = session.scalars(sa.select(AuditEvent.object_id).where(AuditEvent.action == "incoming.informed_seen")
                                .order_by(AuditEvent.id)).all()
        # The unit's row stays the unit's: the colleague's read mark is their own row.
        unit_row = session.scalar(sa.select(IncomingParty).where(IncomingParty.document_id == second,
                                                                 IncomingParty.user_id.is_(None)))
    assert marks == [str(second), str(first)]
    assert unit_row.seen_at is None
    # Someone not told of it: the page shows no note, nothing is marked.
    assert opened(case, "a.leader", first) is None


def test_a_new_distribution_names_the_parties_anew(case, bureau):
    document_id = case()
    distribute(case, document_id, for_information=[bureau["a.staff3"].user_id])
    case.act("a.staff", document_id, "handle", {"result": "Xong", "completed": True})
    case.act("a.head1", document_id, "review", {"approved": False, "comment": "Làm lại"})
    with case.system.sessions() as session:
        named = session.scalars(sa.select(IncomingParty.user_id).where(IncomingParty.document_id == document_id)).all()
    assert named == [bureau["a.staff3"].user_id]


# --------------------------------------------------------------------------- coordinators who are people

def test_a_person_coordinates_answers_and_appears_in_the_summary(case, bureau):
    document_id = case()
    distribute(case, document_id, coordinators=[bureau["a.u2"]], coordinator_people=[bureau["a.staff2"].user_id])
    # Each gets their own task: the unit's head for the unit, the person named for themselves.
    with case.system.sessions() as session:
        task = case.task(session, "a.staff2", document_id, "coordinate")
        assert (task.candidate_user, task.candidate_unit) == (str(bureau["a.staff2"].user_id), None)
        case.task(session, "a.head2", document_id, "coordinate")
    assert reads(case, "a.staff2", document_id)
    case.act("a.staff2", document_id, "coordinate", {"opinion": "Đồng ý với dự thảo."})

    shown = read_summary(case, "a.leader", document_id)
    assert [(c.unit, c.person, c.opinion.text if c.opinion else None, c.waiting) for c in shown.coordinators] == [
        ("Phòng Tổng hợp", "", None, True), ("", "staff2 a", "Đồng ý với dự thảo.", False)]
    # A coordinator stays a reader of the document after answering.
    assert reads(case, "a.staff2", document_id)
    with case.system.sessions() as session:
        kinds = session.execute(sa.select(IncomingParty.kind, IncomingParty.unit_id, IncomingParty.user_id)
                                .where(IncomingParty.document_id == document_id).order_by(IncomingParty.id)).all()
    assert kinds == [("coordinate", bureau["a.u2"], None), ("coordinate", None, bureau["a.staff2"].user_id)]


def test_whoever_answers_a_units_coordination_reads_on_its_colleagues_do_not(case, bureau):
    document_id = case()
    distribute(case, document_id, coordinators=[bureau["a.u2"]])
    assert not reads(case, "a.staff3", document_id), "a unit asked to coordinate is its head's to answer"
    # The leader gives the unit's coordination to its specialist in person, who answers it.
    with case.system.sessions() as session:
        task = case.task(session, "a.head2", document_id, "coordinate")
    case.run(handling.reassign_coordination, case.system.runtime, bureau["a.leader"], document_id, task.id,
             unit_id=None, user_id=bureau["a.staff3"].user_id, reason="Chuyên viên theo dõi lĩnh vực")
    assert reads(case, "a.staff3", document_id)
    case.act("a.staff3", document_id, "coordinate", {"opinion": "Thống nhất."})
    assert reads(case, "a.staff3", document_id), "having answered, they keep reading it"
    shown = read_summary(case, "a.leader", document_id)
    assert [(c.unit, c.person, c.opinion.text) for c in shown.coordinators] == [
        ("Phòng Tổng hợp", "staff3 a", "Thống nhất.")]


def read_summary(case, who: str, document_id: int) -> summary.Summary:
    def run(session):
        document = session.get(IncomingDocument, document_id)
        return summary.of(document, reading.of(session, case.system.runtime, case.people[who], document))
    return case.run(run)


def test_the_summary_lists_the_units_and_people_told_for_information(case, bureau):
    document_id = case()
    distribute(case, document_id, informed_units=[bureau["a.u2"]], for_information=[bureau["a.staff2"].user_id])
    assert read_summary(case, "a.leader", document_id).for_information == ["Phòng Tổng hợp", "staff2 a"]


# --------------------------------------------------------------------------- a unit with no head

@pytest.fixture
def headless(case, bureau) -> int:
    """Phòng Pháp chế: a unit with staff but no head (its former head left)."""
    with unit_of_work(case.system.sessions) as session:
        agency = session.scalar(sa.select(Agency).where(Agency.code == "000.00.01.H99"))
        unit = accounts.create_unit(session, agency, "Phòng Pháp chế")
        accounts.create_user(session, agency, "a.jurist", "jurist a", PASSWORD, ["staff"], unit=unit)
        gone = accounts.create_user(session, agency, "a.oldhead", "oldhead a", PASSWORD, ["unit_head"], unit=unit)
        gone.active = False
        return unit.id


MESSAGE = ("Phòng Pháp chế chưa có lãnh đạo phòng trên hệ thống: chọn người chủ trì/phối hợp cụ thể hoặc "
           "đơn vị khác.")


@pytest.mark.parametrize("fields", [
    pytest.param(lambda unit: {"lead_unit_id": unit, "lead_user_id": None}, id="lead unit without a person"),
    pytest.param(lambda unit: {"coordinators": [unit]}, id="coordinating unit"),
])
def test_a_unit_without_a_head_is_refused_at_its_field(case, bureau, headless, fields):
    document_id = case()
    data = fields(headless)
    with pytest.raises(InvalidData) as refused:
        distribute(case, document_id, **data)
    field = "lead_unit_id" if "lead_unit_id" in data else "coordinators"
    assert refused.value.errors == {field: MESSAGE}
    with case.system.sessions() as session:
        assert session.get(IncomingDocument, document_id).status == "03", "nothing stored"
        assert session.scalar(sa.select(sa.func.count()).select_from(IncomingParty)) == 0


def test_a_unit_without_a_head_does_not_lead_even_with_a_person_who_leads_without_a_unit(case, bureau, headless):
    """The review of the result waits for the head of the lead unit: a unit without one would
    leave it with nobody, even when a person handles the document; that person leads alone."""
    document_id = case()
    jurist = case.run(lambda s: s.scalar(sa.select(accounts.User.id).where(accounts.User.username == "a.jurist")))
    with pytest.raises(InvalidData) as refused:
        distribute(case, document_id, lead_unit_id=headless, lead_user_id=jurist)
    assert refused.value.errors == {"lead_unit_id": MESSAGE}
    distribute(case, document_id, lead_unit_id=None, lead_user_id=jurist)
    with case.system.sessions() as session:
        assert session.get(IncomingDocument, document_id).lead_user_id == jurist


def test_the_party_helpers_read_only_integer_ids():
    assert list(parties.ids([3, True, "4", 3, 5])) == [3, 5]


# --------------------------------------------------------------------------- instances of the earlier diagram

def earlier_diagram() -> bytes:
    """The default diagram as it was before people could coordinate: one task a unit, over ``coordinators``."""
    from documents.settings import BPMN_DIR

    xml = (BPMN_DIR / "incoming.bpmn").read_text(encoding="utf-8")
    xml = xml.replace('<spiffworkflow:property name="candidateUnit" value="coordinator.get(\'unit\')"/>',
                      '<spiffworkflow:property name="candidateUnit" value="coordinator"/>')
    xml = xml.replace('<spiffworkflow:property name="candidateUser" value="coordinator.get(\'user\')"/>\n', "")
    xml = xml.replace("<bpmn:loopDataInputRef>coordination</", "<bpmn:loopDataInputRef>coordinators</")
    assert "coordination<" not in xml and "coordinator.get" not in xml
    return xml.encode("utf-8")


def test_an_instance_of_the_earlier_diagram_still_runs_its_unit_coordination(case, bureau, monkeypatch):
    # Deployed when the contract still asked for a loop over the units (the check of that day).
    monkeypatch.setitem(case.system.runtime.hooks.contracts, "incoming", lambda diagram: [])
    with unit_of_work(case.system.sessions) as session:
        case.system.runtime.deploy(session, "000.00.01.H99", earlier_diagram(), "a.process_admin")
    document_id = case()
    monkeypatch.undo()
    with case.system.sessions() as session:
        instance = session.get(ProcessInstance, session.get(IncomingDocument, document_id).process_instance_id)
        assert "<bpmn:loopDataInputRef>coordinators<" in session.get(ProcessDefinition, instance.definition_id).bpmn_xml
    distribute(case, document_id, coordinators=[bureau["a.u2"]])
    case.act("a.head2", document_id, "coordinate", {"opinion": "Thống nhất"})
    shown = read_summary(case, "a.leader", document_id)
    assert [(c.unit, c.person, c.opinion.text) for c in shown.coordinators] == [
        ("Phòng Tổng hợp", "head2 a", "Thống nhất")]


def test_the_task_context_names_coordinating_people(case, bureau):
    document_id = case()
    distribute(case, document_id, coordinators=[bureau["a.u2"]], coordinator_people=[bureau["a.staff2"].user_id])

    def facts(who: str, step: str) -> dict[str, tuple[str, ...]]:
        def run(session):
            task = case.task(session, who, document_id, step)
            shown = task_context.of(session, case.system.runtime, case.people[who], task)
            return {f.label: f.names or tuple(n.by for n in f.notes) for f in shown.facts}
        return case.run(run)

    assert facts("a.staff2", "coordinate")["context.asked_of"] == ("staff2 a",)
    assert facts("a.staff", "handle")["context.coordinators"] == ("Phòng Tổng hợp", "staff2 a")
    case.act("a.staff2", document_id, "coordinate", {"opinion": "Đồng ý."})
    case.act("a.head2", document_id, "coordinate", {"opinion": "Thống nhất."})
    case.act("a.staff", document_id, "handle", {"result": "Xong", "completed": True})
    assert facts("a.head1", "review")["context.opinions"] == ("Phòng Tổng hợp", "staff2 a")


def test_re_assigning_to_a_unit_without_a_head_is_refused_as_at_distribution(case, bureau, headless):
    """The handling re-assigned to a headless unit, or a coordination to one, would wait for a head
    who does not exist: refused at the field, nothing changed; a named person may still coordinate."""
    document_id = case.handled(coordinators=("a.u2",))
    runtime = case.system.runtime
    with pytest.raises(InvalidData) as refused:
        case.run(handling.reassign, runtime, bureau["a.leader"], document_id, lead_user_id=None,
                 lead_unit_id=headless, reason="Chuyển Phòng Pháp chế")
    assert refused.value.errors == {"lead_unit_id": MESSAGE}
    (coordination,) = case.run(lambda s: participants.open_tasks(s, s.get(IncomingDocument, document_id),
                                                                 participants.COORDINATE))
    with pytest.raises(InvalidData) as refused:
        case.run(handling.reassign_coordination, runtime, bureau["a.leader"], document_id, coordination.id,
                 unit_id=headless, user_id=None, reason="Chuyển Phòng Pháp chế")
    assert refused.value.errors == {"unit_id": MESSAGE}
    with case.system.sessions() as session:
        assert session.get(IncomingDocument, document_id).lead_unit_id == bureau["a.u1"]
    jurist = case.run(lambda s: s.scalar(sa.select(accounts.User.id).where(accounts.User.username == "a.jurist")))
    case.run(handling.reassign_coordination, runtime, bureau["a.leader"], document_id, coordination.id,
             unit_id=None, user_id=jurist, reason="Chuyên viên pháp chế cho ý kiến")
