"""The whole outgoing path with the real actions at its end: the named leader signs the latest
version with his demo certificate (documents/outgoing/signing.sign, which completes the step),
the clerk numbers, seals and issues it (documents/outgoing/issuing.issue, which completes the
last step); the document is issued under the agency's register and its process is over."""
from __future__ import annotations

import pytest

from documents.errors import NotAllowed
from documents.models import Agency, OrgUnit, User
from documents.outgoing import contract as c
from documents.outgoing import issuing, signing
from documents.outgoing.models import State
from documents.signing import credentials
from tests.outgoing.workflow_office import A, bureau, flow, system  # noqa: F401  (fixtures)


@pytest.fixture
def keys(flow):
    """Agency A's demo seal key, the abbreviations the notation needs, leader2's demo certificate."""
    def install(session):
        agency = session.get(Agency, flow["a.leader2"].agency_id)
        agency.abbreviation = "UBND"
        session.get(OrgUnit, flow["a.u1"]).abbreviation = "KT"
        flow.system.keystore.install_demo(A, agency.name)
        credentials.install_demo_person(session, flow.system.keystore, agency,
                                        session.get(User, flow["a.leader2"].user_id))
    flow.run(install)
    return flow.system.keystore


def test_a_draft_is_signed_and_issued_by_the_real_actions(flow, keys):
    document_id = flow.new()
    flow.add_version(document_id)
    flow.act("a.staff", document_id, c.DRAFT, decision="submit")
    flow.act("a.head1", document_id, c.REVIEW, decision="return", comment="Sửa trích yếu")
    flow.add_version(document_id)
    flow.act("a.staff", document_id, c.DRAFT, decision="submit")
    flow.act("a.head1", document_id, c.REVIEW, decision="approve")
    flow.act("a.clerk", document_id, c.CHECK, decision="approve")
    flow.act("a.leader", document_id, c.APPROVE, decision="approve", signer_id=flow["a.leader2"].user_id)

    with pytest.raises(NotAllowed):  # the approving leader is not the named signer
        flow.run(signing.sign, flow.system.runtime, flow.system.files, keys, flow["a.leader"], document_id)
    flow.run(signing.sign, flow.system.runtime, flow.system.files, keys, flow["a.leader2"], document_id)
    signed = flow.document(document_id)
    assert signed.state == State.ISSUING and signed.signer_id == flow["a.leader2"].user_id
    assert signed.signed_version_id == flow.latest_version_id(document_id)

    flow.run(issuing.issue, flow.system.runtime, flow.system.files, keys, flow["a.clerk"], document_id)
    issued = flow.document(document_id)
    assert issued.state == State.ISSUED and issued.notation == "1/UBND-KT"
    assert flow.tasks(document_id) == [] and flow.instance_status(document_id) == "completed"
    assert [(x.kind, x.role) for x in flow.comments(document_id)] == [("return", c.REVIEW)]
