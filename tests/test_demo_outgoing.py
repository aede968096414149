"""The demo outgoing documents that `qlvbdh seed-demo` adds: one at each point of the lifecycle,
in the state the lifecycle gives it, delivered to and answered by the other demo agency."""
from __future__ import annotations

import sqlalchemy as sa

from documents import demo, demo_documents, demo_outgoing
from documents.incoming.models import IncomingDocument
from documents.outgoing.models import OutgoingComment, OutgoingDocument, OutgoingRecipient
from engine import clock as clocks
from engine.db import unit_of_work
from tasks.inline import drain


def test_the_demo_shows_each_point_of_the_lifecycle(pg, clock):
    with clocks.using(clock):
        with unit_of_work(pg.sessions) as session:
            demo.seed(session, pg.runtime, pg.keystore)
            demo_documents.seed(session, pg.runtime, pg.keystore, pg.files)  # its reply draft is no issue
        assert demo_outgoing.seed(pg, drain=lambda: drain(pg)) == 6
        assert demo_outgoing.seed(pg, drain=lambda: drain(pg)) == 0  # once only
    with pg.sessions() as session:
        documents = {d.subject: d for d in session.scalars(sa.select(OutgoingDocument))}
        issued = documents["V/v tổng kết công tác văn thư, lưu trữ năm 2026"]
        recalled = documents["V/v cử cán bộ tham dự tập huấn chuyển đổi số"]
        assert (issued.state, issued.notation, recalled.state, recalled.notation) == (
            "issued", "1/VPUBND-KT", "recalled", "2/VPUBND-KT")
        recipients = {(r.document_id, r.kind): r for r in session.scalars(sa.select(OutgoingRecipient))}
        assert recipients[issued.id, "agency"].status == "03" and recipients[issued.id, "external"].paper
        assert recipients[recalled.id, "agency"].recall_status == "15"
        copy = session.get(IncomingDocument, recipients[recalled.id, "agency"].delivered_document_id)
        assert copy.withdrawn_at is not None and copy.number_notation == "2/VPUBND-KT"
        states = sorted(d.state for d in documents.values() if d.number is None)
        assert states == ["drafting", "drafting", "issuing", "signing"]  # the incoming demo's reply, a return
        returned = documents["V/v đề nghị bổ sung kinh phí sửa chữa trụ sở"]
        (comment,) = session.scalars(sa.select(OutgoingComment).where(OutgoingComment.document_id == returned.id,
                                                                      OutgoingComment.kind == "return"))
        assert "dự toán chi tiết" in comment.text and comment.version_id is not None
