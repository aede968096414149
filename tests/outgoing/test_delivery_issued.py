"""The whole way with the real issue: agency A's leader signs (person signature), A's clerk issues
(number, date, the seal signature), and B's clerk finds the document in B's incoming queue with
both signatures valid, trusted and bound to A by the incoming checks."""
from __future__ import annotations

import sqlalchemy as sa

from documents.incoming import queries
from documents.outgoing import issuing
from documents.outgoing.models import OutgoingDocument, OutgoingRecipient
from engine.db import unit_of_work
from tasks import inline

from .issuing_office import A, A_NAME, B, B_NAME, demo_keys, office, person_signed_pdf, signed_document  # noqa: F401


def test_an_issued_document_arrives_at_the_other_agency_with_both_signatures_valid(pg, office, person_signed_pdf):
    for code, name in ((A, A_NAME), (B, B_NAME)):
        pg.keystore.install_demo(code, name)  # the same demo PKI (deterministic): A's roots trusted
    document_id = signed_document(pg, office, person_signed_pdf)
    with unit_of_work(pg.sessions) as session:
        document = session.get(OutgoingDocument, document_id)
        document.recipients.append(OutgoingRecipient(position=1, kind="agency", agency_id=office.b_agency_id,
                                                     code=B, name=B_NAME))
        session.flush()
        issuing.issue_document(session, pg.files, pg.keystore, office.clerk, document)
        notation = document.notation
    inline.drain(pg)

    with unit_of_work(pg.sessions) as session:
        total, found = queries.search(session, office.b_clerk, queries.Filters(status="01"))
        assert total == 1
        copy = found[0]
        assert (copy.number_notation, copy.issuer_code, copy.issuer_name) == (notation, A, A_NAME)
        check = copy.signature_check[0]
        assert check["verdict"] == "valid", check
        assert [(s["valid"], s["trusted"], s["sender"]) for s in check["signatures"]] == [(True, True, True)] * 2
        recipient = session.scalar(sa.select(OutgoingRecipient).where(OutgoingRecipient.document_id == document_id))
        assert (recipient.delivered_document_id, recipient.status) == (copy.id, "01")
