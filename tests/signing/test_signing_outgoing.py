"""The signing action on PostgreSQL: the leader named at the approval signs the latest version
with the credential the demo CA issued him; the person-signed file is kept, the document says
who signed which version when, the signing step is completed and the issue step opens. Anyone
else is refused with nothing stored; a person without a credential is told so; a revoked signer's
signature is reported invalid against the CA's CRL."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from documents.files.models import Attachment
from documents.files.service import read_attachment
from documents.models import Agency, AuditEvent, User
from documents.outgoing import contract as c
from documents.outgoing import signing
from documents.outgoing.models import OutgoingDocument, SigningCredential, State
from documents.signing import credentials
from documents.signing.validation import validate_pdf, verdict
from engine import clock as clocks
from engine.errors import Conflict, InvalidData, NotAllowed, NotFound
from tests.outgoing.test_workflow import to_signature
from tests.outgoing.workflow_office import A, bureau, flow, system  # noqa: F401  (fixtures)


def with_credential(flow, who: str) -> SigningCredential:
    def install(session):
        person = flow[who]
        agency = session.get(Agency, person.agency_id)
        flow.system.keystore.install_demo(agency.code, agency.name)
        return credentials.install_demo_person(session, flow.system.keystore, agency, session.get(User, person.user_id))
    return flow.run(install)


@pytest.fixture
def at_signature(flow) -> int:
    document_id = flow.new()
    flow.add_version(document_id)
    to_signature(flow, document_id)  # the leader names a.leader2 as the signer
    return document_id


def sign(flow, who: str, document_id: int):
    system = flow.system
    return flow.run(signing.sign, system.runtime, system.files, system.keystore, flow[who], document_id)


def signed_files(flow, document_id: int) -> list[Attachment]:
    return flow.run(lambda s: list(s.scalars(sa.select(Attachment).where(
        Attachment.owner_type == signing.SIGNED_FILE, Attachment.owner_id == document_id))))


def audited(flow, action: str) -> list[AuditEvent]:
    return flow.run(lambda s: list(s.scalars(sa.select(AuditEvent).where(AuditEvent.action == action))))


def test_the_named_signer_signs_and_the_issue_step_opens(flow, at_signature):
    with_credential(flow, "a.leader2")
    sign(flow, "a.leader2", at_signature)

    document = flow.document(at_signature)
    assert document.state == State.ISSUING and flow.task(at_signature, c.ISSUE)
    assert not flow.tasks(at_signature, c.SIGN)
    assert document.signer_id == flow["a.leader2"].user_id and document.signed_at is not None
    assert document.signed_version_id == flow.latest_version_id(at_signature)
    (row,) = signed_files(flow, at_signature)
    assert document.signed_file_id == row.id
    _, pdf = flow.run(read_attachment, flow.system.files, row.id)
    keystore = flow.system.keystore
    (report,) = validate_pdf(pdf, keystore.trust_roots, crls=keystore.crls)
    assert report.ok and report.signer_common_name == "leader2 a"
    (event,) = audited(flow, "outgoing.signed")
    assert event.actor_id == flow["a.leader2"].user_id and event.object_id == str(at_signature)


def test_only_the_one_the_step_is_given_to_may_sign_and_nothing_is_stored_otherwise(flow, at_signature):
    for who in ("a.leader", "a.leader2"):
        with_credential(flow, who)
    with pytest.raises(NotAllowed):
        sign(flow, "a.leader", at_signature)  # a leader, but not the one named
    with pytest.raises(NotAllowed):
        sign(flow, "a.staff", at_signature)
    with pytest.raises(NotFound):
        sign(flow, "b.leader", at_signature)  # another agency's document is not there
    assert signed_files(flow, at_signature) == [] and audited(flow, "outgoing.signed") == []
    document = flow.document(at_signature)
    assert (document.signer_id, document.signed_file_id, document.state) == (None, None, State.SIGNING)
    assert flow.task(at_signature, c.SIGN)  # still open for the named signer
    sign(flow, "a.leader2", at_signature)
    with pytest.raises(Conflict):
        sign(flow, "a.leader2", at_signature)  # signed already: the step is gone


def test_a_signer_without_a_credential_is_told_and_nothing_is_stored(flow, at_signature):
    with pytest.raises(InvalidData, match="chưa được cấp chứng thư số"):
        sign(flow, "a.leader2", at_signature)
    assert signed_files(flow, at_signature) == []
    assert flow.document(at_signature).state == State.SIGNING


def test_a_signer_whose_certificate_expired_is_told_and_nothing_is_stored(flow, at_signature):
    with_credential(flow, "a.leader2")

    def expired(session):
        credential = session.scalar(sa.select(SigningCredential).where(
            SigningCredential.user_id == flow["a.leader2"].user_id))
        credential.not_after = clocks.now() - timedelta(days=1)
    flow.run(expired)
    with pytest.raises(InvalidData, match="chưa được cấp chứng thư số"):
        sign(flow, "a.leader2", at_signature)
    assert signed_files(flow, at_signature) == []


def test_a_revoked_signers_signature_is_reported_invalid(flow, at_signature):
    with_credential(flow, "a.leader2")
    sign(flow, "a.leader2", at_signature)
    (row,) = signed_files(flow, at_signature)
    _, pdf = flow.run(read_attachment, flow.system.files, row.id)
    keystore = flow.system.keystore
    assert verdict(validate_pdf(pdf, keystore.trust_roots, crls=keystore.crls)) == "valid"

    def revoke(session):
        agency = session.get(Agency, flow["a.leader2"].agency_id)
        credentials.revoke(session, keystore, agency, flow["a.leader2"].user_id)
    flow.run(revoke)

    (report,) = validate_pdf(pdf, keystore.trust_roots, crls=keystore.crls)
    assert report.revoked and not report.ok and verdict([report]) == "invalid"
    assert "thu hồi" in report.summary_vi
    # The credential is no longer offered: the next signature is refused.
    assert flow.run(lambda s: credentials.active(s, flow["a.leader2"].agency_id, flow["a.leader2"].user_id)) is None


def test_the_signers_view_shows_the_certificate_and_the_preview(flow, at_signature):
    system = flow.system
    task = flow.task(at_signature, c.SIGN)

    def view(session, who):
        document = session.get(OutgoingDocument, at_signature)
        return signing.view(session, system.runtime, flow[who], document, task)
    before = flow.run(view, "a.leader2")
    assert not before.may_sign and "chứng thư" in before.problem
    with_credential(flow, "a.leader2")
    shown = flow.run(view, "a.leader2")
    assert shown.may_sign and shown.certificate.subject == "leader2 a"
    assert shown.certificate.issuer == "QLVBĐH Demo Root CA" and shown.certificate.not_after.year == 2045
    assert not flow.run(view, "a.leader").may_sign
    png = flow.run(signing.preview, system.runtime, system.files, flow["a.leader2"], at_signature)
    assert png.startswith(b"\x89PNG")
    with pytest.raises(NotAllowed):
        flow.run(signing.preview, system.runtime, system.files, flow["a.leader"], at_signature)
