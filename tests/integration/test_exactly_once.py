"""Each notification exactly once, and its email at most once without a person deciding, with real
PostgreSQL, Redis, `qlvbdh worker` processes (Dramatiq) and an SMTP server, the workers killed with
SIGKILL mid-work:

(a) the worker dies while the step its overdue timer fires is writing the notification (held on a
    table lock the test takes): nothing of that step remains, the next worker fires the timer
    again, and there is one notification and one email;
(b) the worker dies inside the SMTP conversation, after the server took the message: the
    redelivery does not send again; the email is ``uncertain`` and an incident asks the agency's
    process admin, whose retry sends it.

The workers read the demo clock file (Settings.demo_clock_file) the test moves forward, so the
timer is due and the outbox's visibility timeout passes without waiting."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Callable, Iterator

import dramatiq
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from dramatiq.brokers.redis import RedisBroker

from documents import accounts
from documents.demo_clock import DemoClock
from documents.notifications.models import EmailStatus, Kind, Notification
from documents.notifications.service import Message, notify
from documents.settings import Settings
from documents.system import System, build_system
from engine import outbox
from engine.db import unit_of_work
from engine.models import HistoryEntry, Incident, Outbox
from tests.conftest import PASSWORD, PG_URL, REDIS_URL, truncate_all
from tests.engine import diagrams
from tests.notifications.test_email import Collector, free_port

ROOT = Path(__file__).resolve().parents[2]
AGENCY = "000.00.01.H99"
ADDRESS = "chuyenvien@example.vn"
WAIT = 90  # seconds a condition may take on a loaded machine (polled, never slept through)

# A task held by the person the data names; its non-interrupting one-hour timer tells them it is
# overdue through the `notify` service (documents/deadlines/escalation.py), which writes the
# notification and queues its email in the firing step.
OVERDUE = diagrams.definitions(
    diagrams.START + diagrams.user_task("work", "Xử lý văn bản", {"candidateUser": "who"}) + diagrams.END
    + '<bpmn:endEvent id="told"/>'
    + '<bpmn:serviceTask id="tell_overdue"><bpmn:extensionElements>'
    '<spiffworkflow:serviceTaskOperator id="notify" resultVariable="notified"><spiffworkflow:parameters>'
    "<spiffworkflow:parameter id=\"kind\" type=\"str\" value=\"'overdue'\"/>"
    "<spiffworkflow:parameter id=\"to\" type=\"str\" value=\"'task'\"/>"
    "<spiffworkflow:parameter id=\"task\" type=\"str\" value=\"'work'\"/>"
    "</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator></bpmn:extensionElements></bpmn:serviceTask>"
    + '<bpmn:boundaryEvent id="overdue" attachedToRef="work" cancelActivity="false">'
    + "<bpmn:timerEventDefinition><bpmn:timeDuration>'PT1H'</bpmn:timeDuration></bpmn:timerEventDefinition>"
    + "</bpmn:boundaryEvent>"
    + diagrams.flow("f0", "start", "work") + diagrams.flow("f1", "work", "end")
    + diagrams.flow("f2", "overdue", "tell_overdue") + diagrams.flow("f3", "tell_overdue", "told"))


class Workers:
    """`qlvbdh worker` processes, each in a session of its own so SIGKILL reaches the Dramatiq
    parent and its forked worker processes alike."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs, self.running = env, logs, []

    def start(self) -> subprocess.Popen:
        log = open(self.logs / f"worker-{len(self.running)}.log", "wb")
        process = subprocess.Popen([sys.executable, "-m", "api.cli", "worker", "--processes", "1", "--threads", "1"],
                                   cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        log.close()
        self.running.append(process)
        return process

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def output(self) -> str:
        return "\n".join(path.read_text(errors="replace")[-3000:] for path in sorted(self.logs.glob("worker-*.log")))

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.kill(process)
                    process.wait(timeout=10)


def until(condition: Callable[[], object], what: str, workers: Workers) -> object:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)  # polling for a condition, with a deadline
    raise AssertionError(f"timed out waiting for {what}\n{workers.output()}")


@pytest.fixture
def world(clean_redis, tmp_path) -> Iterator[dict]:
    """The test's System on the demo clock, an SMTP server, a broker and the workers' settings."""
    clock_file = tmp_path / "demo-clock"
    system = build_system(Settings(database_url=PG_URL, demo_clock_file=clock_file))
    handler, port = Collector(), free_port()
    smtp = Controller(handler, hostname="127.0.0.1", port=port)
    smtp.start()
    broker = RedisBroker(url=REDIS_URL)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": PG_URL, "REDIS_URL": REDIS_URL,
           "DEMO_CLOCK_FILE": str(clock_file), "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port),
           "PUBLIC_URL": "https://vanban.example.vn", "FILE_STORE_DIR": str(tmp_path / "files"),
           "SIGNING_DIR": str(tmp_path / "signing"),
           "DB_LOCK_TIMEOUT": "120"}  # the killed step waits on the test's lock longer than the default
    workers = Workers(env, tmp_path)
    try:
        with unit_of_work(system.sessions) as session:
            system.runtime.deploy(session, "default", OVERDUE, "t")
            agency = accounts.create_agency(session, AGENCY, "Văn phòng UBND tỉnh")
            user = accounts.create_user(session, agency, "nguyen-van-a", "Nguyễn Văn A", PASSWORD, ["staff"])
            user.email = ADDRESS
            ids = {"agency": agency.id, "user": user.id}
        yield {"system": system, "clock": DemoClock(clock_file), "smtp": handler, "broker": broker,
               "workers": workers, **ids}
    finally:
        workers.stop_all()
        smtp.stop()
        broker.close()
        truncate_all(system)
        system.db.dispose()


def send(broker: RedisBroker, actor_name: str) -> None:
    broker.enqueue(dramatiq.Message(queue_name="default", actor_name=actor_name, args=(), kwargs={}, options={}))


def notification_rows(system: System) -> list[Notification]:
    with unit_of_work(system.sessions) as session:
        rows = list(session.scalars(sa.select(Notification).order_by(Notification.id)))
        session.expunge_all()
        return rows


def email_status(system: System) -> str | None:
    rows = notification_rows(system)
    return rows[0].email_status if rows else None


def waiting_insert(system: System) -> int | None:
    """The backend of a worker's step blocked on the test's lock, if there is one yet."""
    with system.db.connect() as probe:
        return probe.scalar(sa.text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
            "AND query ILIKE 'INSERT INTO notification%'"))


def backend_gone(system: System, pid: int) -> bool:
    with system.db.connect() as probe:
        return not probe.scalar(sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid})


def test_a_worker_killed_while_its_timer_writes_the_notification_leaves_one_notification_and_one_email(world):
    system, workers, broker = world["system"], world["workers"], world["broker"]
    with unit_of_work(system.sessions) as session:
        instance_id = system.runtime.start(session, AGENCY, "p", "t", {"who": str(world["user"])}).id
    world["clock"].move_to(system.runtime.clock.now() + timedelta(hours=2))  # the overdue timer is due

    with system.db.connect() as holder:  # the step will need the table: it waits on this lock
        holder.execute(sa.text("LOCK TABLE notification IN EXCLUSIVE MODE"))
        first = workers.start()
        send(broker, "engine.sweep_timers")
        pid = until(lambda: waiting_insert(system), "the step to wait on the notification table", workers)
        workers.kill(first)
        first.wait(timeout=30)
        holder.rollback()  # the lock goes; the dead worker's step, its client gone, never commits
    until(lambda: backend_gone(system, pid), "the dead worker's connection to end", workers)
    assert notification_rows(system) == []

    workers.start()
    send(broker, "engine.sweep_timers")
    until(lambda: email_status(system) == EmailStatus.SENT and world["smtp"].received, "the email", workers)

    [notification] = notification_rows(system)
    assert notification.kind == Kind.OVERDUE and notification.user_id == world["user"]
    assert notification.link == f"/tasks/{notification_task(system, instance_id)}"
    [(_, recipients, _)] = world["smtp"].received
    assert recipients == [ADDRESS]
    with unit_of_work(system.sessions) as session:
        fired = session.scalar(sa.select(sa.func.count()).select_from(HistoryEntry).where(
            HistoryEntry.instance_id == instance_id, HistoryEntry.action == "timer"))
        assert fired == 1  # the killed firing left no trace; the second is the only one
        assert session.scalar(sa.select(sa.func.count()).select_from(Outbox).where(Outbox.handled_at.is_(None))) == 0


def notification_task(system: System, instance_id: int) -> int:
    with unit_of_work(system.sessions) as session:
        return system.runtime.open_tasks(session, instance_id)[0].id


def test_a_worker_killed_inside_the_smtp_conversation_is_never_resent_without_a_person(world):
    system, workers, broker, handler = world["system"], world["workers"], world["broker"], world["smtp"]
    with unit_of_work(system.sessions) as session:
        notify(session, world["agency"], [world["user"]], Message(Kind.OVERDUE, "Quá hạn xử lý: Công văn 12/UBND-VX",
                                                                  link="/tasks/1"), "timer:test")
    first = workers.start()
    received = handler.handle_DATA

    async def then_die(server, session, envelope):  # the server has the message; the worker dies
        answer = await received(server, session, envelope)
        workers.kill(first)
        return answer

    handler.handle_DATA = then_die
    send(broker, "outbox.relay")
    first.wait(timeout=WAIT)
    handler.handle_DATA = received
    assert len(handler.received) == 1 and email_status(system) == EmailStatus.SENDING

    # The outbox's visibility timeout passes: the relay publishes the row the dead worker held.
    world["clock"].move_to(system.runtime.clock.now() + outbox.VISIBILITY_TIMEOUT + timedelta(minutes=1))
    workers.start()
    send(broker, "outbox.relay")
    incident = until(lambda: open_incident(system), "the incident", workers)
    assert len(handler.received) == 1 and email_status(system) == EmailStatus.UNCERTAIN
    assert incident.scope == AGENCY and incident.job == "message" and "có thể đã được gửi" in incident.error

    # Nothing takes it again on its own: the relay finds nothing to publish, however late.
    published = []
    later = system.runtime.clock.now() + timedelta(hours=3)
    assert outbox.relay(system.sessions, published.append, now=later) == 0

    # The process admin, having checked, retries: the email is sent again, deliberately.
    with unit_of_work(system.sessions) as session:
        system.runtime.retry_incident(session, incident.id, AGENCY, "process-admin")
    send(broker, "outbox.relay")
    until(lambda: email_status(system) == EmailStatus.SENT, "the retried email", workers)
    assert len(handler.received) == 2


def open_incident(system: System) -> Incident | None:
    with unit_of_work(system.sessions) as session:
        incident = session.scalar(sa.select(Incident).where(Incident.resolved_at.is_(None)))
        if incident is not None:
            session.expunge(incident)
        return incident
