"""The demo province's incoming documents: one of each situation the register's rules decide, so a
fresh `make run` shows them (README, "The incoming register's rules"). Seeded once, in the office
of the provincial People's Committee (the first demo agency), by its own clerk, leader, unit head
and specialist, each action at the time it would have happened (the clock is moved back for it).

- handled now: distributed with coordinators and people told for information, taken (05), progress;
- overdue: distributed twelve days ago with a deadline that has passed since;
- electronic, from the Department of Home Affairs: one validly signed, one changed after signing,
  one signed with another agency's key (all waiting for the clerk), one changed after signing that
  the clerk accepted with a reason (override), one marked secret (returned 02);
- paper: a colour 300 dpi scan (stamped by the agency), a greyscale 72 dpi one (quality warning);
- a probable duplicate registered anyway, a corrected registration, a late entry after an outage,
  one closed as not this agency's (returned 02);
- a swap of working days in the agency's calendar;
- deadlines that bite (README, "Try the deadlines"): a handling received now and due in two working
  days, whose reminder, overdue with the unit head's escalation, and the leader's escalation fall
  due as the demo clock moves one working day at a time (`qlvbdh demo-clock advance 1wd`); one
  more overdue, one completed on time and one completed late, for the leader's dashboard."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any, Iterator

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine import clock as clocks
from engine.runtime import WorkflowRuntime

from . import accounts, demo, processes
from .accounts import Identity
from .calendar import service as calendar
from .demo_letters import Letter, pdf, scan
from .files.store import FileStore
from .incoming import corrections, participants, progress, replies, service
from .incoming.contract import COORDINATE, DISTRIBUTE, HANDLE, RECHECK, REVIEW
from .incoming.models import IncomingDocument
from .models import Agency, OrgUnit, User
from .signing.keystore import Keystore
from .vntime import VN_TZ

OFFICE, HOME_AFFAIRS = demo.AGENCIES[0][0], demo.AGENCIES[1][0]
PARENT = "UBND TỈNH DEMO"
WALKTHROUGH_DAYS = 2  # the walkthrough's handling is due this many working days after the seeding


def seed(session: Session, runtime: WorkflowRuntime, keystore: Keystore, store: FileStore) -> int:
    """Seed the documents once (none yet in the office); returns how many were made."""
    office = session.scalar(sa.select(Agency).where(Agency.code == OFFICE))
    home_affairs = session.scalar(sa.select(Agency).where(Agency.code == HOME_AFFAIRS))
    if office is None or home_affairs is None:
        return 0
    if session.scalar(sa.select(IncomingDocument.id).where(IncomingDocument.agency_id == office.id).limit(1)):
        return 0
    Seeder(session, runtime, keystore, store, office, home_affairs).run()
    return session.scalar(sa.select(sa.func.count()).select_from(IncomingDocument)
                          .where(IncomingDocument.agency_id == office.id)) or 0


class Seeder:
    def __init__(self, session: Session, runtime: WorkflowRuntime, keystore: Keystore, store: FileStore,
                 office: Agency, home_affairs: Agency) -> None:
        self.session, self.runtime, self.keystore, self.store = session, runtime, keystore, store
        self.office, self.home_affairs = office, home_affairs
        self.now = runtime.clock.now()  # the demo clock's time when it runs on one
        users = session.scalars(sa.select(User).where(User.agency_id == office.id))
        self.people: dict[str, Identity] = {u.username: accounts.identity_of(session, u) for u in users}
        self.units = {u.name: u.id for u in session.scalars(sa.select(OrgUnit).where(OrgUnit.agency_id == office.id))}

    def run(self) -> None:
        economy, general = self.units[demo.UNITS[1]], self.units[demo.UNITS[0]]
        specialist, head = self.people["chuyenvien"], self.people["truongphong"]
        self._swap()
        # Overdue: distributed to the unit twelve days ago, its head named the specialist; the
        # deadline the leader set has passed since, although the sender's reply date has not.
        overdue = self._manual(days_ago=12, number="210/STC-NS", issuer="Sở Tài chính tỉnh Demo",
                               subject="V/v rà soát dự toán chi thường xuyên năm 2027", reply_in_days=20)
        self._distribute(overdue, days_ago=12, lead_unit_id=economy, deadline_days=-2,
                         direction="Giao Phòng Kinh tế chủ trì rà soát, báo cáo trước hạn.")
        self._act(head, overdue, "incoming.unit_assign", days_ago=11,
                  data={"unit_decision": "assign", "handler_user_id": specialist.user_id})
        # Returned by the leader, closed by the clerk as not this agency's: 02 with the reason.
        closed = self._manual(days_ago=5, number="88/BQL-KCN", issuer="Ban Quản lý các khu công nghiệp tỉnh Demo",
                              subject="V/v cấp phép xây dựng nhà xưởng tại khu công nghiệp")
        self._act(self.people["lanhdao"], closed, DISTRIBUTE, days_ago=5,
                  data={"decision": "return", "return_reason": "Không thuộc thẩm quyền của Văn phòng."})
        self._act(self.people["vanthu"], closed, RECHECK, days_ago=4,
                  data={"recheck_decision": "close",
                        "close_reason": "Gửi nhầm nơi nhận: thuộc thẩm quyền Sở Xây dựng."})
        # Being handled: coordinators (a unit… a person), people told for information; taken (05).
        handled = self._manual(days_ago=3, number="123/SNV-VP", issuer=self.home_affairs.name,
                               issuer_code=HOME_AFFAIRS, subject="V/v kiểm tra công tác văn thư, lưu trữ năm 2026",
                               reply_in_days=12)
        self._distribute(handled, days_ago=3, lead_unit_id=economy, lead_user_id=specialist.user_id,
                         deadline_days=7, coordinator_people=[self.people["vanthu"].user_id],
                         informed_units=[general], for_information=[head.user_id],
                         direction="Giao chuyên viên Vũ Thị Viên chủ trì chuẩn bị báo cáo; Văn thư phối hợp.")
        with self._at(days_ago=2):
            task = participants.task_of(self.session, specialist, self._document(handled), HANDLE)
            processes.claim(self.session, self.runtime, specialist, task.id)
            progress.record(self.session, specialist, handled, text="Đã lập đề cương báo cáo, đang tổng hợp số liệu.",
                            percent=30)
            replies.start(self.session, self.runtime, specialist, handled,
                          subject="Báo cáo công tác văn thư, lưu trữ năm 2026 của Văn phòng UBND tỉnh")
        self._act(self.people["vanthu"], handled, COORDINATE, days_ago=1,
                  data={"opinion": "Văn thư đã cung cấp số liệu đăng ký văn bản đi, đến năm 2026."})
        # Registered again by mistake: the clerk confirmed the probable duplicate.
        self._manual(days_ago=2, number="123/SNV-VP", issuer=self.home_affairs.name, issuer_code=HOME_AFFAIRS,
                     subject="V/v kiểm tra công tác văn thư, lưu trữ năm 2026", allow_duplicate=True)
        # Paper received during an outage two days ago, entered today with its real arrival time.
        with self._at(days_ago=0):
            late = self._letter("15/UBND-VP", "UBND huyện Demo", "V/v báo cáo tình hình ngập lụt")
            service.register(self.session, self.runtime, self.store, self.keystore, self.people["vanthu"],
                             self._metadata(late, "UBND huyện Demo", None), [service.Upload("15-UBND.pdf", scan(late))],
                             channel="paper", arrived_at=self.now - timedelta(days=2, hours=3))
        # Paper scans: a good one (stamped at the seal's true size, on blank space) and a poor one.
        good = self._paper("45/SYT-KHTC", "Sở Y tế tỉnh Demo", "V/v tăng cường phòng chống dịch bệnh mùa đông",
                           dpi=300, colour=True)
        self._paper("09/TTr-UBND", "UBND xã Demo", "Tờ trình xin hỗ trợ kinh phí sửa chữa trường học",
                    dpi=72, colour=False)
        with self._at(days_ago=0):
            corrections.correct(self.session, self.people["vanthu"], good,
                                {"subject": "V/v tăng cường phòng, chống dịch bệnh mùa đông xuân 2026-2027"},
                                "Đính chính trích yếu theo bản gốc.", corrections.version(self.session, good))
        self._electronic()
        self._deadlines()

    # ------------------------------------------------------------------ the situations

    def _swap(self) -> None:
        """A swap as the Government announces them (make-up Saturday, Friday off), next year."""
        year = self.now.astimezone(VN_TZ).year + 1
        friday = next(d for d in (date(year, 10, 1) + timedelta(days=i) for i in range(7)) if d.weekday() == 4)
        admin = self.people["quantri"]
        calendar.add_swap(self.session, admin, friday, friday + timedelta(days=8),
                          "Ví dụ: nghỉ thứ Sáu, làm bù thứ Bảy tuần sau (theo thông báo của Chính phủ)")

    def _deadlines(self) -> None:
        economy, specialist, head = self.units[demo.UNITS[1]], self.people["chuyenvien"], self.people["truongphong"]
        # Distributed a working minute ago, due two working days later: each of its timers then
        # falls due a minute before a moment `demo-clock advance 1wd` lands on (a timer fires
        # once its time has passed, not at it), whatever the time of the seeding.
        office_calendar = calendar.calendar_for(self.session, self.office.id)
        distributed = office_calendar.working_hours_before(office_calendar.receipt_time(self.now), 1 / 60)
        hours_ago = (self.now - distributed) / timedelta(hours=1)
        walkthrough = self._manual(days_ago=0, hours_ago=hours_ago, number="301/UBND-KT", issuer="UBND tỉnh Demo",
                                   subject="V/v báo cáo tiến độ giải ngân vốn đầu tư công quý IV")
        self._distribute(walkthrough, days_ago=0, hours_ago=hours_ago, lead_unit_id=economy,
                         lead_user_id=specialist.user_id,
                         deadline=office_calendar.add_working_days(distributed, WALKTHROUGH_DAYS),
                         direction="Giao chuyên viên Vũ Thị Viên tổng hợp, báo cáo trong hai ngày làm việc.")
        # Overdue since yesterday, never taken up.
        late_start = self._manual(days_ago=6, number="77/SKHĐT-ĐT", issuer="Sở Kế hoạch và Đầu tư tỉnh Demo",
                                  subject="V/v cung cấp số liệu dự án chậm tiến độ")
        self._distribute(late_start, days_ago=6, deadline_days=-1, lead_unit_id=economy,
                         lead_user_id=specialist.user_id, direction="Giao Phòng Kinh tế cung cấp số liệu.")
        # Completed: one before its deadline, one after it.
        for number, subject, received, deadline_days, handled in (
                ("52/SCT-QLTM", "V/v báo cáo tình hình thị trường hàng hóa dịp cuối năm", 10, -3, 8),
                ("64/SNN-KH", "V/v tổng hợp thiệt hại do bão số 9", 9, -6, 4)):
            done = self._manual(days_ago=received, number=number, issuer="Sở ngành tỉnh Demo", subject=subject)
            self._distribute(done, days_ago=received, deadline_days=deadline_days, lead_unit_id=economy,
                             lead_user_id=specialist.user_id, direction="Giao Phòng Kinh tế chủ trì xử lý.")
            self._act(specialist, done, HANDLE, days_ago=handled,
                      data={"result": "Đã xử lý, báo cáo gửi kèm.", "completed": True})
            self._act(head, done, REVIEW, days_ago=handled - 1, data={"approved": True})

    def _electronic(self) -> None:
        """From the Department of Home Affairs, an hour ago: valid, changed after signing, signed
        with another agency's key (the office's own), and one marked secret."""
        sender_name = self.home_affairs.name
        with self._at(hours_ago=1):
            for number, subject, signer, tamper in (
                    ("129/SNV-VP", "V/v góp ý dự thảo quy chế công tác văn thư", HOME_AFFAIRS, True),
                    ("130/SNV-CCVC", "V/v cử công chức tham gia lớp bồi dưỡng quản lý nhà nước", HOME_AFFAIRS, False),
                    ("131/SNV-TCBC", "V/v thẩm định đề án vị trí việc làm", HOME_AFFAIRS, True),
                    ("132/SNV-VP", "V/v đăng ký thi đua năm 2027", OFFICE, False)):
                letter = self._letter(number, sender_name, subject, agency="SỞ NỘI VỤ")
                signed = self.keystore.signer(signer).sign_scan(pdf(letter), sender_name if signer == HOME_AFFAIRS
                                                                else self.office.name, self.now,
                                                                self.keystore.seal(signer))
                if tamper:  # one byte changed inside the signed range: the digest no longer matches
                    signed = signed.replace(b"ReportLab", b"ReportLub", 1)
                arrived = service.receive_electronic(
                    self.session, self.store, self.keystore, sender=self.home_affairs, recipient=self.office,
                    sender_reference=f"SNV-{number}", metadata=self._metadata(letter, sender_name, HOME_AFFAIRS),
                    uploads=[service.Upload(f"{number.replace('/', '-')}.pdf", signed)])
                if number == "129/SNV-VP":  # the clerk took this one in despite its check, with a reason
                    service.accept(self.session, self.runtime, self.people["vanthu"], arrived.id,
                                   override_reason="Đã gọi điện xác nhận với Văn phòng Sở Nội vụ: bản điện tử "
                                                   "bị lỗi khi chuyển, nội dung khớp bản giấy đã nhận.")
            secret = self._letter("133/SNV-BVCT", sender_name, "V/v công tác bảo vệ bí mật nhà nước", agency="SỞ NỘI VỤ")
            service.receive_electronic(self.session, self.store, self.keystore, sender=self.home_affairs,
                                       recipient=self.office, sender_reference="SNV-133/SNV-BVCT",
                                       metadata={**self._metadata(secret, sender_name, HOME_AFFAIRS),
                                                 "secrecy": "secret"},
                                       uploads=[service.Upload("133-SNV.pdf", pdf(secret))])

    def _manual(self, *, days_ago: int, number: str, issuer: str, subject: str, issuer_code: str | None = None,
                reply_in_days: int | None = None, allow_duplicate: bool = False, hours_ago: float = 0) -> int:
        with self._at(days_ago=days_ago, hours_ago=hours_ago):
            letter = self._letter(number, issuer, subject)
            metadata = self._metadata(letter, issuer, issuer_code)
            if reply_in_days is not None:
                metadata["due_date"] = (self.now + timedelta(days=reply_in_days)).astimezone(VN_TZ).date().isoformat()
            registered = service.register(self.session, self.runtime, self.store, self.keystore, self.people["vanthu"],
                                          metadata, [service.Upload(f"{number.replace('/', '-')}.pdf", pdf(letter))],
                                          channel="manual", allow_duplicate=allow_duplicate)
            return registered.document.id

    def _paper(self, number: str, issuer: str, subject: str, *, dpi: int, colour: bool) -> int:
        with self._at(hours_ago=3):
            letter = self._letter(number, issuer, subject)
            registered = service.register(self.session, self.runtime, self.store, self.keystore, self.people["vanthu"],
                                          self._metadata(letter, issuer, None),
                                          [service.Upload(f"{number.replace('/', '-')}.pdf",
                                                          scan(letter, dpi=dpi, colour=colour))], channel="paper")
            return registered.document.id

    def _distribute(self, document_id: int, *, days_ago: int, direction: str, deadline_days: int = 0,
                    deadline: datetime | None = None, hours_ago: float = 0, **named: Any) -> None:
        """Distributed by the leader with a deadline: ``deadline``, else 17:00 ``deadline_days`` from now."""
        deadline = deadline or (self.now + timedelta(days=deadline_days)).astimezone(VN_TZ).replace(
            hour=17, minute=0, second=0, microsecond=0)
        self._act(self.people["lanhdao"], document_id, DISTRIBUTE, days_ago=days_ago, hours_ago=hours_ago,
                  data={"decision": "assign", "direction": direction, "deadline": deadline.isoformat(), **named})

    def _act(self, who: Identity, document_id: int, role: str, *, days_ago: int, data: dict[str, Any],
             hours_ago: float = 0) -> None:
        with self._at(days_ago=days_ago, hours_ago=hours_ago):
            task = participants.task_of(self.session, who, self._document(document_id), role)
            processes.complete(self.session, self.runtime, who, task.id, data)

    # ------------------------------------------------------------------ helpers

    @contextmanager
    def _at(self, *, days_ago: float = 0, hours_ago: float = 0) -> Iterator[None]:
        """Act at a past moment: a working morning ``days_ago`` days back, or ``hours_ago`` hours back."""
        moment = self.now - timedelta(hours=hours_ago)
        if days_ago:
            moment = (self.now - timedelta(days=days_ago)).astimezone(VN_TZ).replace(hour=9, minute=0)
        with demo.acting_at(self.runtime, moment):
            yield

    def _document(self, document_id: int) -> IncomingDocument:
        return self.session.get(IncomingDocument, document_id)

    def _letter(self, number: str, issuer: str, subject: str, agency: str | None = None) -> Letter:
        day = clocks.now().astimezone(VN_TZ)
        return Letter(agency=agency or issuer.upper(), parent=PARENT, number_notation=number,
                      place_date=f"Demo, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}", subject=subject,
                      recipient=f"Kính gửi: {self.office.name}",
                      body=("Thực hiện chỉ đạo của Ủy ban nhân dân tỉnh, đề nghị quý cơ quan phối hợp thực hiện "
                            "nội dung nêu trên và báo cáo kết quả đúng thời hạn.",
                            "Trân trọng./."),
                      signer_position="KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC", signer_name="Nguyễn Văn Demo")

    @staticmethod
    def _metadata(letter: Letter, issuer: str, issuer_code: str | None) -> dict[str, Any]:
        day = clocks.now().astimezone(VN_TZ).date()
        metadata = {"issuer_name": issuer, "number_notation": letter.number_notation, "document_date": day.isoformat(),
                    "doc_type": "Công văn", "subject": letter.subject, "signer_position": "Phó Giám đốc",
                    "signer_name": letter.signer_name, "urgency": "normal", "page_count": 1}
        if issuer_code:
            metadata["issuer_code"] = issuer_code
        return metadata
