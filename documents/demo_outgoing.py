"""The demo province's outgoing documents: one at each point of the lifecycle, so a fresh `make run`
shows them (README, "Outgoing documents"). Seeded once, in the office of the provincial People's
Committee, by its own specialist, unit head, clerk and leader, each action at the time it would
have happened (the clock is moved back for it); the workers' deliveries run between the steps.

- issued a week ago to the Department of Home Affairs (which accepted it: 03), to an agency outside
  the deployment (a paper copy and an interchange message) and to an internal unit, a reply asked;
- issued, then recalled: the department agreed, its copy is withdrawn (15);
- waiting for the leader's signature (urgent), at the clerk's issue, and returned at review with
  the unit head's comment beside the version it answers."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta
from typing import Any, Callable, Iterator

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine import clock as clocks
from engine.db import unit_of_work

from . import accounts, demo, processes
from .accounts import Identity
from .incoming import recalls as received
from .incoming import service as incoming
from .models import Agency, OrgUnit, User
from .outgoing import drafts, issuing, recalls, signing, versions
from .outgoing.contract import APPROVE, CHECK, DRAFT, REVIEW
from .outgoing.models import OutgoingDocument, OutgoingRecipient
from .signing.specimen import specimen_pdf
from .system import System
from .vntime import VN_TZ

OFFICE, HOME_AFFAIRS = demo.AGENCIES[0][0], demo.AGENCIES[1][0]
OUTSIDE = "Sở Giáo dục và Đào tạo tỉnh Lân Cận"  # not in the deployment: a paper copy, an interchange message


def seed(system: System, drain: Callable[[], Any]) -> int:
    """Seed the documents once (nothing issued yet in the office: the incoming demo's reply draft
    is no issue); ``drain`` runs the workers' deliveries (each step commits first, as the pages
    do). Returns how many outgoing documents the office has then."""
    with system.sessions() as session:
        office = session.scalar(sa.select(Agency.id).where(Agency.code == OFFICE))
        if office is None or session.scalar(sa.select(OutgoingDocument.id).where(
                OutgoingDocument.agency_id == office, OutgoingDocument.number.is_not(None)).limit(1)):
            return 0
    Seeder(system, drain).run()
    with system.sessions() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(OutgoingDocument)
                              .where(OutgoingDocument.agency_id == office)) or 0


class Seeder:
    def __init__(self, system: System, drain: Callable[[], Any]) -> None:
        self.system, self.drain, self.runtime = system, drain, system.runtime
        self.now = system.runtime.clock.now()  # the demo clock's time when it runs on one
        with system.sessions() as session:
            agencies = {a.id: a.code for a in session.scalars(sa.select(Agency))}
            users = session.scalars(sa.select(User).where(User.agency_id.in_(agencies)))
            self.people: dict[str, Identity] = {u.username: accounts.identity_of(session, u) for u in users}
            office_id = next(i for i, code in agencies.items() if code == OFFICE)
            self.units = {u.name: u.id for u in session.scalars(sa.select(OrgUnit).where(OrgUnit.agency_id == office_id))}

    def run(self) -> None:
        issued = self._draft(days_ago=9, subject="V/v tổng kết công tác văn thư, lưu trữ năm 2026", reply_in_days=20,
                             recipients=[{"kind": "agency", "code": HOME_AFFAIRS},
                                         {"kind": "external", "name": OUTSIDE},
                                         {"kind": "unit", "unit_id": self.units[demo.UNITS[0]]}])
        self._through(issued, days_ago=8, until="issued")
        self._drain(8)
        self._step(7, lambda s: incoming.accept(s, self.runtime, self.people["snv.vanthu"], self._copy(s, issued)))
        self._drain(7)

        recalled = self._draft(days_ago=6, subject="V/v cử cán bộ tham dự tập huấn chuyển đổi số",
                               recipients=[{"kind": "agency", "code": HOME_AFFAIRS}])
        self._through(recalled, days_ago=5, until="issued")
        self._drain(5)
        self._step(3, lambda s: recalls.request_recall(s, self.people["vanthu"], recalled,
                                                       "Gửi nhầm: tập huấn đã chuyển sang quý I năm 2027."))
        self._drain(3)
        self._step(2, lambda s: received.answer(s, self.runtime, self.people["snv.vanthu"],
                                                received.waiting_on(s, self.people["snv.vanthu"], self._copy(s, recalled)),
                                                "accept", None))
        self._drain(2)

        at_issue = self._draft(days_ago=2, subject="V/v báo cáo tình hình thực hiện nhiệm vụ tháng 12",
                               recipients=[{"kind": "agency", "code": HOME_AFFAIRS}])
        self._through(at_issue, days_ago=1, until="issue")
        to_sign = self._draft(days_ago=1, subject="V/v triển khai kế hoạch phòng, chống thiên tai năm 2027",
                              urgency="urgent", recipients=[{"kind": "agency", "code": HOME_AFFAIRS}])
        self._through(to_sign, days_ago=1, until="sign")
        returned = self._draft(days_ago=1, subject="V/v đề nghị bổ sung kinh phí sửa chữa trụ sở",
                               recipients=[{"kind": "agency", "code": HOME_AFFAIRS}])
        self._act("chuyenvien", returned, DRAFT, {"decision": "submit"}, days_ago=1)
        self._act("truongphong", returned, REVIEW,
                  {"decision": "return", "comment": "Bổ sung dự toán chi tiết và ý kiến của Phòng Hành chính - Tổng hợp."},
                  days_ago=0.5)

    # ------------------------------------------------------------------ steps

    def _draft(self, *, days_ago: float, subject: str, recipients: list[dict[str, Any]], urgency: str = "normal",
               reply_in_days: int | None = None) -> int:
        specialist = self.people["chuyenvien"]

        def create(session: Session) -> int:
            reply_by = (clocks.now() + timedelta(days=reply_in_days)).astimezone(VN_TZ).date() if reply_in_days else None
            document = drafts.create(session, self.runtime, specialist, subject=subject, doc_type="Công văn",
                                     urgency=urgency, recipients=recipients, reply_by=reply_by)
            letter = specimen_pdf(agency_name="VĂN PHÒNG UBND TỈNH DEMO", notation="VPUBND-KT", place="Demo",
                                  year=clocks.now().astimezone(VN_TZ).year, subject=subject,
                                  signer_title="CHÁNH VĂN PHÒNG", signer_name="Phạm Văn Đạo")
            versions.upload(session, self.system.files, specialist, document.id,
                            pdf=versions.Upload("du-thao.pdf", letter), note="Bản dự thảo đầu tiên")
            return document.id
        return self._step(days_ago, create)

    def _through(self, document_id: int, *, days_ago: float, until: str) -> None:
        """Submitted, reviewed, checked and approved; then signed and issued as ``until`` says."""
        leader = self.people["lanhdao"]
        for who, role, data in (("chuyenvien", DRAFT, {"decision": "submit"}),
                                ("truongphong", REVIEW, {"decision": "approve"}),
                                ("vanthu", CHECK, {"decision": "approve"}),
                                ("lanhdao", APPROVE, {"decision": "approve", "signer_id": leader.user_id})):
            self._act(who, document_id, role, data, days_ago=days_ago)
        if until == "sign":
            return
        self._step(days_ago, lambda s: signing.sign(s, self.runtime, self.system.files, self.system.keystore,
                                                    leader, document_id))
        if until == "issue":
            return
        self._step(days_ago, lambda s: issuing.issue(s, self.runtime, self.system.files, self.system.keystore,
                                                     self.people["vanthu"], document_id))

    def _act(self, username: str, document_id: int, role: str, data: dict[str, Any], *, days_ago: float) -> None:
        who = self.people[username]

        def complete(session: Session) -> None:
            instance = session.get(OutgoingDocument, document_id).process_instance_id
            (task,) = self.runtime.open_tasks(session, instance, role)
            processes.complete(session, self.runtime, who, task.id, data)
        self._step(days_ago, complete)

    def _drain(self, days_ago: float) -> None:
        """What the workers do after the step, at its moment (statuses keep the order they happened in)."""
        with self._at(days_ago):
            self.drain()

    def _step(self, days_ago: float, action: Callable[[Session], Any]) -> Any:
        with self._at(days_ago), unit_of_work(self.system.sessions) as session:
            return action(session)

    @staticmethod
    def _copy(session: Session, document_id: int) -> int:
        """The department's incoming copy of an office document delivered to it."""
        return session.scalar(sa.select(OutgoingRecipient.delivered_document_id).where(
            OutgoingRecipient.document_id == document_id, OutgoingRecipient.kind == "agency"))

    @contextmanager
    def _at(self, days_ago: float) -> Iterator[None]:
        """Act on a past working morning ``days_ago`` days back (fractions: that many days, to the hour)."""
        moment = self.now - timedelta(days=days_ago)
        if days_ago >= 1:
            moment = moment.astimezone(VN_TZ).replace(hour=9, minute=0)
        with demo.acting_at(self.runtime, moment):
            yield
