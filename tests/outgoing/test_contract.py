"""The outgoing process's contract: the shipped diagram meets it; an agency's diagram without the
signature or the issue, or with a role on the wrong element or form, is refused at deploy naming
the role; the review chain is the agency's own and may be left out."""
from __future__ import annotations

import pytest

from documents.outgoing import contract
from documents.outgoing.models import State
from documents.settings import BPMN_DIR
from engine.db import unit_of_work
from engine.errors import DiagramRefused
from engine.parsing import parse_diagram
from tests.outgoing.workflow_office import A, bureau, flow, system  # noqa: F401  (fixtures)

OUTGOING = (BPMN_DIR / "outgoing.bpmn").read_bytes()


def role(name: bytes) -> bytes:
    return b'<spiffworkflow:property name="domainRole" value="' + name + b'"/>'


def deploy(flow, xml: bytes):
    with unit_of_work(flow.system.sessions) as session:
        return flow.system.runtime.deploy(session, A, xml, "a.process_admin")


def refusal(flow, xml: bytes) -> str:
    with pytest.raises(DiagramRefused) as refused:
        deploy(flow, xml)
    return str(refused.value)


def test_the_shipped_diagram_meets_the_contract(pg):
    assert contract.check(parse_diagram(OUTGOING, pg.runtime.sandbox)) == []


@pytest.mark.parametrize("missing, what", [(b"outgoing.sign", "the competent person's signature"),
                                           (b"outgoing.issue", "the clerk's numbering, agency signature and issue"),
                                           (b"outgoing.draft", "the drafting, where every return comes back")])
def test_a_diagram_without_a_required_role_is_refused_naming_it(flow, missing, what):
    xml = OUTGOING.replace(role(missing), b"")
    if missing == b"outgoing.issue":  # its deadline timer goes with it, else that is refused first
        xml = xml.replace(role(b"outgoing.issue_deadline"), b"")
    message = refusal(flow, xml)
    assert f"role '{missing.decode()}' ({what}) is marked on no element" in message
    assert "the 'outgoing' process lacks what the system relies on" in message


def test_a_role_on_the_wrong_form_or_loop_is_refused(flow):
    wrong_form = OUTGOING.replace(b'value="outgoing_sign"', b'value="outgoing_review"')
    assert "role 'outgoing.sign' (the competent person's signature) must use form 'outgoing_sign'" in refusal(
        flow, wrong_form)
    wrong_loop = OUTGOING.replace(b"<bpmn:loopDataOutputRef>opinions<", b"<bpmn:loopDataOutputRef>views<")
    assert "must be a multi-instance over 'consultation' filling 'opinions'" in refusal(flow, wrong_loop)
    twice = OUTGOING.replace(b'value="outgoing.check"', b'value="outgoing.sign"')
    assert "role 'outgoing.sign' (the competent person's signature) is marked on 2 elements" in refusal(flow, twice)


def test_the_review_chain_is_the_agencys_own(flow):
    """Without the unit head's, the clerk's and the leader's roles the diagram deploys; the steps
    it leaves unmarked leave the state as it was."""
    xml = OUTGOING
    for name in (b"outgoing.consult", b"outgoing.review", b"outgoing.check", b"outgoing.approve",
                 b"outgoing.issue_deadline"):
        xml = xml.replace(role(name), b"")
    assert deploy(flow, xml).scope == A
    document_id = flow.new()
    flow.add_version(document_id)
    flow.act("a.staff", document_id, contract.DRAFT, decision="submit")
    (review,) = flow.tasks(document_id)
    assert review.role is None
    assert flow.state(document_id) == State.DRAFTING


def test_the_consultation_list_joins_units_then_people_each_once():
    form = {"decision": "consult", "consult_units": [3, 3, 5], "consult_people": [7, True, "8"]}
    assert contract.completed_form("outgoing_draft", form)["consultation"] == [{"unit": 3}, {"unit": 5}, {"user": 7}]
    # Submitting asks nobody, whatever the fields still hold.
    assert contract.completed_form("outgoing_draft", {**form, "decision": "submit"})["consultation"] == []
    assert "consultation" not in contract.completed_form("outgoing_review", {"decision": "approve"})
