"""The incoming process's contract: the default diagram meets it, an agency's diagram that renames
every element but keeps the roles runs a document from registration to 06, and one that lacks
what the domain relies on is refused at deploy with every missing piece named by its role."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from lxml import etree

from documents.incoming import contract, handling, participants, progress, task_context
from documents.incoming.models import IncomingDocument
from documents.settings import BPMN_DIR
from engine.db import unit_of_work
from engine.errors import DiagramRefused
from engine.models import HistoryEntry, Timer
from engine.parsing import parse_diagram

AGENCY = "000.00.01.H99"
INCOMING = (BPMN_DIR / "incoming.bpmn").read_bytes()
DEADLINE = datetime(2026, 12, 18, 17, 0, tzinfo=timezone(timedelta(hours=7)))
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
# Attributes and element texts that name another element of the diagram.
REFERENCES = ("sourceRef", "targetRef", "attachedToRef", "bpmnElement", "default", "messageRef")
REFERRING_TEXTS = ("flowNodeRef", "incoming", "outgoing")


def renamed(xml: bytes, prefix: str = "cq_") -> bytes:
    """The diagram with every element id but the process key's renamed (its data items keep
    theirs: they are variables), and every reference to them."""
    root = etree.fromstring(xml)
    keep = {"incoming"} | {e.get("id") for e in root.iter(f"{{{BPMN}}}inputDataItem", f"{{{BPMN}}}outputDataItem")}
    ids = {e.get("id") for e in root.iter() if e.get("id") and e.get("id") not in keep
           and not etree.QName(e).namespace.startswith("http://spiffworkflow.org")}  # an operation's name
    for element in root.iter(etree.Element):
        for name in ("id", *REFERENCES):
            if element.get(name) in ids:
                element.set(name, prefix + element.get(name))
        if etree.QName(element).localname in REFERRING_TEXTS and (element.text or "").strip() in ids:
            element.text = prefix + element.text.strip()
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def deploy(case, xml: bytes):
    with unit_of_work(case.system.sessions) as session:
        return case.system.runtime.deploy(session, AGENCY, xml, "a.process_admin")


def refusal(case, xml: bytes) -> str:
    with pytest.raises(DiagramRefused) as refused:
        deploy(case, xml)
    return str(refused.value)


# --------------------------------------------------------------------------- the default diagram

def test_the_default_diagram_meets_the_contract(system):
    parsed = parse_diagram(INCOMING, system.runtime.sandbox)
    assert contract.check(parsed) == []
    assert {m.role for m in parsed.marked} == {r.role for r in contract.CONTRACT.roles}


# --------------------------------------------------------------------------- an agency's renamed diagram

def test_a_renamed_diagram_with_the_roles_runs_a_document_to_completion(case, bureau):
    xml = renamed(INCOMING)
    assert b'id="handle"' not in xml and b'id="cq_handle"' in xml
    deploy(case, xml)
    document_id = case.handled(coordinators=("a.u2",))
    assert status(case, document_id) == "04"
    # Steps are found by role: the handling, its deadline timer, the coordination.
    (handle,) = open_tasks(case, document_id, contract.HANDLE)
    assert (handle.spec_name, handle.role) == ("cq_handle", contract.HANDLE)
    case.run(handling.extend_deadline, case.system.runtime, bureau["a.leader"], document_id, deadline=DEADLINE,
             reason="Chờ số liệu")
    with case.system.sessions() as session:
        assert session.scalar(sa.select(Timer.fire_at).where(Timer.spec_name == "cq_handle_overdue")) == DEADLINE
    case.run(progress.record, bureau["a.staff"], document_id, text="Đang tổng hợp", percent=40)
    case.act("a.head2", document_id, "coordinate", {"opinion": "Thống nhất"})
    case.act("a.staff", document_id, "handle", {"result": "Đã xử lý", "completed": True})
    assert status(case, document_id) == "05"
    with case.system.sessions() as session:
        review = case.task(session, "a.head1", document_id, "review")
        facts = task_context.of(session, case.system.runtime, bureau["a.head1"], review).facts
    assert [f.label for f in facts] == ["context.result", "context.opinions", "context.latest_progress",
                                        "context.direction"]
    case.act("a.head1", document_id, "review", {"approved": True})
    assert status(case, document_id) == "06"
    with case.system.sessions() as session:
        notes = progress.of(session, session.get(IncomingDocument, document_id))
        steps = session.scalars(sa.select(HistoryEntry.spec_name).where(HistoryEntry.action == "completed"))
        assert [n.step for n in notes] == ["handle"]  # by role, whatever the element is called
        assert {"cq_distribute", "cq_handle", "cq_review"} <= set(steps)


def open_tasks(case, document_id, role):
    with case.system.sessions() as session:
        return participants.open_tasks(session, session.get(IncomingDocument, document_id), role)


def status(case, document_id) -> str:
    with case.system.sessions() as session:
        return session.get(IncomingDocument, document_id).status


# --------------------------------------------------------------------------- refusals

def test_a_diagram_without_the_handling_role_is_refused_naming_the_role(case, bureau):
    xml = INCOMING.replace(b'<spiffworkflow:property name="domainRole" value="incoming.handle"/>', b"")
    message = refusal(case, xml)
    assert "role 'incoming.handle' (the handling of the document) is marked on no element" in message
    assert "'handle'" not in message  # roles, not element ids


def test_every_missing_piece_is_named_at_once(case, bureau):
    xml = (INCOMING.replace(b'value="incoming.distribute"', b'value="incoming.distribution"')
           .replace(b'<spiffworkflow:property name="formKey" value="incoming_review"/>',
                    b'<spiffworkflow:property name="formKey" value="incoming_handle"/>')
           .replace(b"{'status': '04', 'document': data.get('document_id')}", b"{'document': data.get('document_id')}")
           .replace(b"'status': '06'", b"'status': data.get('done')"))
    message = refusal(case, xml)
    for piece in ("role 'incoming.distribution' (element 'distribute') is not one this process knows",
                  "role 'incoming.distribute' (the leader's distribution) is marked on no element",
                  "role 'incoming.review' (the review of the result) must use form 'incoming_review', "
                  "not 'incoming_handle'",
                  "message 'incoming.status' with status '04' is thrown nowhere",
                  "message 'incoming.status' with status '06' is thrown nowhere"):
        assert piece in message
    assert "the 'incoming' process lacks what the system relies on" in message


def test_a_role_marked_twice_or_on_the_wrong_element_is_refused(case, bureau):
    twice = INCOMING.replace(b'value="incoming.review"', b'value="incoming.handle"', 1)
    assert "role 'incoming.handle' (the handling of the document) is marked on 2 elements" in refusal(case, twice)
    off_timer = INCOMING.replace(b'value="incoming.handle_deadline"', b'value="incoming.distribute"')
    message = refusal(case, off_timer)
    assert "role 'incoming.distribute' (the leader's distribution) is marked on 2 elements" in message
    coordination = INCOMING.replace(b"<bpmn:loopDataOutputRef>opinions<", b"<bpmn:loopDataOutputRef>views<")
    assert ("role 'incoming.coordinate' (the coordinators' opinions) must be a multi-instance over 'coordination' "
            "filling 'opinions'") in refusal(case, coordination)


def test_the_optional_roles_may_be_left_out(case, bureau):
    xml = INCOMING
    for role in (b"incoming.recheck", b"incoming.unit_assign", b"incoming.coordinate", b"incoming.review",
                 b"incoming.handle_deadline"):
        xml = xml.replace(b'<spiffworkflow:property name="domainRole" value="' + role + b'"/>', b"")
    assert deploy(case, xml).scope == AGENCY
    document_id = case.handled()
    # No deadline timer marked: extending the handling moves its due time alone.
    case.run(handling.extend_deadline, case.system.runtime, bureau["a.leader"], document_id, deadline=DEADLINE,
             reason="Chờ số liệu")
    (handle,) = open_tasks(case, document_id, contract.HANDLE)
    assert handle.due_at == DEADLINE


# --------------------------------------------------------------------------- versions from before roles

def test_a_version_deployed_before_roles_were_marked_still_gives_its_tasks_their_roles(case, bureau):
    """An agency's incoming version stored before this release carries no domainRole: its
    instances' new tasks still get their role (by the default diagram's element ids), so the
    domain finds the handling in them."""
    import re

    from engine.runtime import ProcessDefinition

    unmarked = re.sub(rb'<spiffworkflow:property name="domainRole" value="[^"]+"/>', b"", INCOMING)
    assert b"domainRole" not in unmarked
    parsed = parse_diagram(unmarked, case.system.runtime.sandbox, check=False)
    with unit_of_work(case.system.sessions) as session:  # as the old release stored it, no deploy check
        session.add(ProcessDefinition(scope=AGENCY, key="incoming", version=1, name=parsed.name,
                                      bpmn_xml=unmarked.decode("utf-8"), sha256=parsed.sha256,
                                      created_by="old", created_at=datetime.now(timezone.utc), active=True))
    document_id = case.handled()
    (handle,) = open_tasks(case, document_id, contract.HANDLE)
    assert (handle.spec_name, handle.role) == ("handle", contract.HANDLE)
