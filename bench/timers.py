"""Timer benchmark: 100,000 armed timers, 10,000 of them due in the same minute, fired by real
Dramatiq worker processes on Redis (one, then two).

    python -m bench.timers [--armed 100000] [--due 10000] [--spread 60 0] [--workers 1 2]
                           [--threads 4] [--idle-n 200] [--pg-url URL] [--redis-url URL] [--profile]

Deadlines in working time cluster at 07:30 and 13:30: a burst of due timers is the sweep's
worst moment. Every timer belongs to a real process instance of a small diagram (DIAGRAM below):
a user task "handle" with a non-interrupting boundary timeDate timer ``data['due']`` leading to a
service task that notifies whoever holds the task through documents.notifications.service.notify,
so a firing is the engine's whole step (lock, load, fire, advance, service task, save,
projection, commit) plus a notification row.

Arming. One instance is started through the runtime (with a sentinel due time); its rows are then
cloned in bulk by SQL: process_instance (the state text with every task UUID replaced by a fresh
one and the sentinel due time by the clone's), human_task and timer (the same fresh task UUIDs,
the clone's fire_at). The clones are valid instances: the timer row's task id is the waiting
boundary task of the cloned state, whose ``event_value`` is the timer row's fire_at.

A burst. The due group (``--due`` clones, due times spread evenly over ``--spread`` seconds) is
armed parked in the future, so that ``--armed`` timers are waiting and none is due; the workers are
started (``dramatiq tasks.worker bench.timers``: the project's worker module, plus this module,
which gives each worker process's System the bench's notifying service and the commit stamp) and
waited for; the group's due times are then moved to a few seconds from now (``--lead``) and
the scheduler's own loop (tasks.scheduler.run_forever, every TIMER_SWEEP_SECONDS) sends
``engine.sweep_timers`` as `qlvbdh scheduler` would. The workers' engine clock is the system clock.

Measured per burst: the time from the first due time to the last notification committed, the
rate, and the lag of each firing from its timer's fire_at to the wall-clock time of its commit
(inside a fired step the engine clock is frozen at the sweep's start, so the bench stamps
``clock_timestamp()`` into its own table ``bench_timer`` just before the step's COMMIT).
Then the sweeper's idle cost: ``fire_due`` and ``timers_due`` with all timers armed and none due
(median/p95 of ``--idle-n`` calls, in the bench process).

The PostgreSQL database (default ``bench_timers``) is emptied and migrated first, with
bench.engine's refusals (``test``, TEST_DATABASE_URL's database, ``postgres``, the templates); the
Redis database's Dramatiq queues are emptied (the tests' Redis database is refused). Worker
processes are stopped by their process id at the end of each burst. After each burst the run
checks that every due timer fired exactly once (one notification each, no incident, the task
still open) or stops: a broken flow cannot pass as a fast one. Nothing is asserted on time.
"""
from __future__ import annotations

import argparse
import cProfile
import dataclasses
import io
import math
import os
import pstats
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from bench.engine import _check_pg_url, _loadavg, _reset_postgres, machine, measure
from bench.incoming import process_cpu
from documents import accounts
from documents.models import Agency
from documents.notifications import recipients
from documents.notifications.models import Kind, Notification
from documents.notifications.service import Message, notify
from documents.settings import Settings
from documents.system import System, build_system
from engine import step as steps
from engine.db import unit_of_work
from engine.models import HumanTask, Incident, ProcessInstance, Timer
from engine.runtime import WorkflowRuntime

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PG_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/bench_timers"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/7"
TEST_REDIS_URL = "redis://127.0.0.1:6379/15"  # tests/conftest.py's default
WORKER_ENV = "BENCH_TIMERS_WORKER"  # set for the worker processes only (see the end of this module)
AGENCY_CODE, AGENCY_NAME = "000.00.07.H99", "Văn phòng UBND tỉnh Thử nghiệm (bench.timers)"
PROCESS_KEY, SERVICE, TASK = "bench_timers", "bench_notify_overdue", "handle"
STARTER = "bench.timers"
FIRED = "bench_timers_fired"  # session.info key: the instances this transaction notified
# The template's due time: far away, with microseconds so that it is written like the clones' (.US).
SENTINEL_DUE = datetime(2031, 1, 1, 0, 0, 0, 123456, tzinfo=timezone.utc)
PARKED = datetime(2030, 1, 1, tzinfo=timezone.utc)  # a due group waits here until its burst
LATER = datetime(2030, 6, 1, tzinfo=timezone.utc)   # the timers that stay armed, spread over a year
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="bench_timers_defs" targetNamespace="https://qlvbdh.example/bench">
  <bpmn:process id="bench_timers" name="Bench: hạn xử lý" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_staff" name="Chuyên viên">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>handle</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>handled</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>deadline</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>notify_overdue</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>notified</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="handle" name="Xử lý văn bản"/>
    <bpmn:endEvent id="handled"/>
    <bpmn:boundaryEvent id="deadline" name="Hạn xử lý" attachedToRef="handle" cancelActivity="false">
      <bpmn:timerEventDefinition><bpmn:timeDate>data['due']</bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:serviceTask id="notify_overdue" name="Báo quá hạn">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="bench_notify_overdue" resultVariable="overdue_notified">
          <spiffworkflow:parameters/>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:endEvent id="notified"/>
    <bpmn:sequenceFlow id="f_start" sourceRef="start" targetRef="handle"/>
    <bpmn:sequenceFlow id="f_handled" sourceRef="handle" targetRef="handled"/>
    <bpmn:sequenceFlow id="f_overdue" sourceRef="deadline" targetRef="notify_overdue"/>
    <bpmn:sequenceFlow id="f_notified" sourceRef="notify_overdue" targetRef="notified"/>
  </bpmn:process>
</bpmn:definitions>
"""

BENCH_TABLE = """CREATE TABLE IF NOT EXISTS bench_timer (
    instance_id integer PRIMARY KEY,
    grp integer NOT NULL,
    fire_at timestamp NOT NULL,  -- UTC, as the timer table keeps it
    written_at timestamp         -- UTC wall clock just before the firing step's COMMIT
)"""


# --------------------------------------------------------------------------- the bench's service
def notify_overdue(params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Service task: tell whoever holds the instance's task that it is overdue, as a deadline
    escalation would (documents.notifications.service.notify, exactly once per instance)."""
    step = steps.current()
    session = step.session
    agency_id = session.scalar(sa.select(Agency.id).where(Agency.code == step.scope))
    people = recipients.of_instance(session, agency_id, step.instance_id, TASK)
    notify(session, agency_id, people, Message(Kind.OVERDUE, "Văn bản quá hạn xử lý", link="/tasks"),
           f"bench.timers:{step.instance_id}", instance_id=step.instance_id)
    session.info.setdefault(FIRED, []).append(step.instance_id)
    return {"people": len(people)}


def _stamp_commit(session: Session) -> None:
    """Just before COMMIT: the wall clock of the notifications this transaction writes (the
    engine's clock inside a fired step is the sweep's start, not when the row became visible)."""
    fired = session.info.pop(FIRED, None)
    if fired:
        session.execute(sa.text("UPDATE bench_timer SET written_at = clock_timestamp() AT TIME ZONE 'UTC' "
                                "WHERE instance_id = ANY(:ids)"), {"ids": fired})


def with_bench_service(system: System) -> System:
    """``system`` with a runtime that also knows the bench's service task (a copy of the hooks:
    the domain's own dict of services is shared by every runtime and stays untouched), and with
    the commit stamp on its sessions."""
    runtime = system.runtime
    hooks = dataclasses.replace(runtime.hooks, services={**runtime.hooks.services, SERVICE: notify_overdue})
    bench_runtime = WorkflowRuntime(runtime.sandbox, clock=runtime.clock, hooks=hooks, limits=runtime.limits,
                                    retry_policy=runtime.retry_policy)
    if not event.contains(system.sessions, "before_commit", _stamp_commit):
        event.listen(system.sessions, "before_commit", _stamp_commit)
    return dataclasses.replace(system, runtime=bench_runtime)


# --------------------------------------------------------------------------- arming
def prepare(system: System) -> None:
    """The bench table, one agency with one unit and one specialist (no email address: the
    bench measures the firing, not the mail), and the diagram deployed for the agency."""
    with unit_of_work(system.sessions) as session:
        session.execute(sa.text(BENCH_TABLE))
        agency = accounts.create_agency(session, AGENCY_CODE, AGENCY_NAME)
        unit = accounts.create_unit(session, agency, "Phòng Tổng hợp")
        accounts.create_user(session, agency, "bench.timers.staff", "Chuyên viên (bench)", "bench-matkhau-2026",
                             ["staff"], unit=unit)
        system.runtime.deploy(session, AGENCY_CODE, DIAGRAM, STARTER)


def drop_bench_table(system: System) -> None:
    with system.db.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS bench_timer"))


def start_template(system: System) -> int:
    """The one instance started through the runtime: the model of every clone."""
    with unit_of_work(system.sessions) as session:
        instance = system.runtime.start(session, AGENCY_CODE, PROCESS_KEY, STARTER, {"due": SENTINEL_DUE.isoformat()})
        return instance.id


def _iso(column: str) -> str:
    """SQL: a UTC timestamp column as Python's isoformat() writes an aware UTC datetime with
    microseconds (the template's sentinel is written so too)."""
    return f"""(to_char({column}, 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00')"""


def _copied_columns(table: sa.Table, rewritten: set[str]) -> list[str]:
    return [c.name for c in table.columns if c.name not in rewritten]


def clone(system: System, template_id: int, count: int, group: int, first: datetime, spread_s: float) -> None:
    """``count`` copies of the template instance, in one transaction: clone k (0…count-1) gets
    fresh task UUIDs and the due time ``first`` + k·spread/count. Recorded in bench_timer."""
    if count <= 0:
        return
    with unit_of_work(system.sessions) as session:
        template = session.get(ProcessInstance, template_id)
        uuids = list(dict.fromkeys(UUID_RE.findall(template.state)))
        fresh = ", ".join(f"gen_random_uuid()::text AS u{k}" for k in range(len(uuids)))
        session.execute(sa.text(
            "CREATE TEMP TABLE bench_clone ON COMMIT DROP AS "
            "SELECT nextval(pg_get_serial_sequence('process_instance', 'id'))::integer AS iid, "
            ":first + make_interval(secs => :spread * (g.n - 1) / :count) AS fire_at, "
            f"{fresh} FROM generate_series(1, :count) AS g(n)"),
            {"first": first.astimezone(timezone.utc).replace(tzinfo=None), "spread": spread_s, "count": count})
        state = "t.state"
        for k, uuid in enumerate(uuids):
            state = f"replace({state}, '{uuid}', c.u{k})"
        state = f"replace({state}, '{SENTINEL_DUE.isoformat()}', {_iso('c.fire_at')})"
        columns = _copied_columns(ProcessInstance.__table__, {"id", "state"})
        session.execute(sa.text(
            f"INSERT INTO process_instance (id, state, {', '.join(columns)}) "
            f"SELECT c.iid, {state}, {', '.join('t.' + name for name in columns)} "
            "FROM bench_clone c CROSS JOIN process_instance t WHERE t.id = :template"), {"template": template_id})
        for model, rewritten in ((HumanTask, {"id", "instance_id", "task_id"}),
                                 (Timer, {"id", "instance_id", "task_id", "fire_at"})):
            table = model.__table__
            columns = _copied_columns(table, rewritten)
            for row_id, task_id in session.execute(
                    sa.select(table.c.id, table.c.task_id).where(table.c.instance_id == template_id)):
                fire_at = ", c.fire_at" if model is Timer else ""
                session.execute(sa.text(
                    f"INSERT INTO {table.name} (instance_id, task_id{', fire_at' if fire_at else ''}, "
                    f"{', '.join(columns)}) SELECT c.iid, c.u{uuids.index(task_id)}{fire_at}, "
                    f"{', '.join('r.' + name for name in columns)} "
                    f"FROM bench_clone c CROSS JOIN {table.name} r WHERE r.id = :row"), {"row": row_id})
        session.execute(sa.text("INSERT INTO bench_timer (instance_id, grp, fire_at) "
                                "SELECT iid, :group, fire_at FROM bench_clone"), {"group": group})
    with system.db.connect() as connection:  # fresh statistics for the planner after a bulk load
        connection.execute(sa.text("ANALYZE timer"))
        connection.commit()


def arm(system: System, template_id: int, armed: int, due: int) -> None:
    """``armed`` waiting timers in all: the template, ``armed - due - 1`` timers due later (one
    every few minutes over the coming year, group 0) and the first due group (group 1), parked."""
    later = max(armed - due - 1, 0)
    clone(system, template_id, later, 0, LATER, spread_s=365 * 86400.0)
    clone(system, template_id, due, 1, PARKED, spread_s=60.0)


def release(system: System, group: int, first: datetime, spread_s: float) -> None:
    """Move a parked due group's due times to ``first`` … ``first`` + spread: in the instances'
    state (the boundary task's event_value and the data it was computed from), in the timer rows
    and in bench_timer — one transaction, so a worker sees all or nothing."""
    with unit_of_work(system.sessions) as session:
        session.execute(sa.text(
            "CREATE TEMP TABLE bench_move ON COMMIT DROP AS "
            "SELECT instance_id, fire_at AS old, :first + make_interval(secs => :spread * "
            "(row_number() OVER (ORDER BY fire_at, instance_id) - 1) / count(*) OVER ()) AS new "
            "FROM bench_timer WHERE grp = :group"),
            {"first": first.astimezone(timezone.utc).replace(tzinfo=None), "spread": spread_s, "group": group})
        session.execute(sa.text(
            f"UPDATE process_instance p SET state = replace(p.state, {_iso('m.old')}, {_iso('m.new')}) "
            "FROM bench_move m WHERE p.id = m.instance_id"))
        session.execute(sa.text("UPDATE timer t SET fire_at = m.new FROM bench_move m "
                                "WHERE t.instance_id = m.instance_id"))
        session.execute(sa.text("UPDATE bench_timer b SET fire_at = m.new FROM bench_move m "
                                "WHERE b.instance_id = m.instance_id"))


def armed_count(system: System) -> int:
    with unit_of_work(system.sessions) as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Timer)) or 0


# --------------------------------------------------------------------------- results
@dataclass
class Burst:
    workers: int
    spread_s: float
    fired: int
    drain_s: float      # first due time → last commit
    after_last_s: float  # last due time → last commit
    lag_ms: list[float]  # fire_at → commit, sorted
    worker_cpu_s: float = math.nan   # the worker processes' CPU during the burst
    database_cpu_s: float = math.nan  # the PostgreSQL backends' CPU (all of the bench database's)

    @property
    def rate(self) -> float:
        return self.fired / self.drain_s if self.drain_s > 0 else math.inf

    def lag(self, q: float) -> float:
        return _quantile(self.lag_ms, q)


def _quantile(ordered: list[float], q: float) -> float:
    """Nearest-rank quantile of sorted values."""
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else math.nan


def written(system: System, group: int) -> int:
    with unit_of_work(system.sessions) as session:
        return session.scalar(sa.text("SELECT count(written_at) FROM bench_timer WHERE grp = :g"), {"g": group})


def collect(system: System, group: int, workers: int, spread_s: float) -> Burst:
    with unit_of_work(system.sessions) as session:
        rows = session.execute(sa.text(
            "SELECT extract(epoch FROM fire_at), extract(epoch FROM written_at) FROM bench_timer "
            "WHERE grp = :g AND written_at IS NOT NULL"), {"g": group}).all()
        first, last_due = session.execute(sa.text(
            "SELECT extract(epoch FROM min(fire_at)), extract(epoch FROM max(fire_at)) FROM bench_timer "
            "WHERE grp = :g"), {"g": group}).one()
    if not rows:
        return Burst(workers, spread_s, 0, math.nan, math.nan, [])
    last = max(float(w) for _, w in rows)
    lags = sorted((float(w) - float(f)) * 1000 for f, w in rows)
    return Burst(workers, spread_s, len(rows), last - float(first), last - float(last_due), lags)


def check(system: System, group: int, expected: int) -> None:
    """Every timer of the group fired once: one notification per instance, its timer row gone,
    its task still open (the timer does not interrupt), no incident. Else stop."""
    with unit_of_work(system.sessions) as session:
        ids = sa.select(sa.text("instance_id")).select_from(sa.text("bench_timer")).where(sa.text("grp = :g"))
        params = {"g": group}
        count = lambda query: session.scalar(query, params) or 0  # noqa: E731
        notified = count(sa.select(sa.func.count()).select_from(Notification).where(Notification.instance_id.in_(ids)))
        timers = count(sa.select(sa.func.count()).select_from(Timer).where(Timer.instance_id.in_(ids)))
        tasks = count(sa.select(sa.func.count()).select_from(HumanTask).where(
            HumanTask.instance_id.in_(ids), HumanTask.status == "ready", HumanTask.spec_name == TASK))
        incidents = count(sa.select(sa.func.count()).select_from(Incident))
    problems = [f"{what}: {got} (expected {want})" for what, got, want in (
        ("notifications", notified, expected), ("timers left", timers, 0), ("open tasks", tasks, expected),
        ("incidents", incidents, 0)) if got != want]
    if problems:
        raise SystemExit(f"group {group} did not fire cleanly: " + "; ".join(problems))


# --------------------------------------------------------------------------- the idle sweep
def idle_sweep(system: System, n: int) -> dict[str, Any]:
    """fire_due and timers_due with everything armed and nothing due: median/p95 in ms."""
    runtime, sessions = system.runtime, system.sessions
    with unit_of_work(sessions) as session:
        due = session.scalar(sa.select(sa.func.count()).select_from(Timer).where(Timer.fire_at < datetime.now(timezone.utc)))
    if due:
        raise SystemExit(f"idle sweep: {due} timer(s) are due; nothing should be")

    def sweep(_i: int) -> None:
        if runtime.fire_due(sessions):
            raise SystemExit("idle sweep fired a timer")

    def ask(_i: int) -> None:
        if runtime.timers_due(sessions):
            raise SystemExit("idle sweep found a timer due")

    return measure({"fire_due": sweep, "timers_due": ask}, n, warmup=min(20, n), block=min(25, n))


def explain_due(system: System) -> str:
    """The plan of the sweep's query for the next due timer (none due)."""
    from engine.timers import _due

    query = _due(datetime.now(timezone.utc)).order_by(Timer.fire_at, Timer.id).limit(1).with_for_update(skip_locked=True)
    compiled = query.compile(system.db, compile_kwargs={"literal_binds": True})
    with system.db.connect() as connection:
        return "\n".join(connection.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}").scalars())


# --------------------------------------------------------------------------- workers
class Workers:
    """``dramatiq tasks.worker bench.timers`` with ``processes`` processes, on the bench's
    database and Redis; stopped by its process id (dramatiq stops its children)."""

    READY = "Worker process is ready for action"

    def __init__(self, pg_url: str, redis_url: str, processes: int, threads: int) -> None:
        env = dict(os.environ, DATABASE_URL=pg_url, REDIS_URL=redis_url, PYTHONPATH=str(REPO),
                   **{WORKER_ENV: "1"})
        self.processes = processes
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dramatiq", "tasks.worker", "bench.timers", "--processes", str(processes),
             "--threads", str(threads)],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.ready = 0
        self.errors: list[str] = []
        self._ready = threading.Event()
        threading.Thread(target=self._read, name="bench-workers-log", daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stderr:
            if self.READY in line:
                self.ready += 1
                if self.ready >= self.processes:
                    self._ready.set()
            elif "ERROR" in line or "Traceback" in line or "CRITICAL" in line:
                self.errors.append(line.rstrip())
        self._ready.set()  # the process ended

    def wait_ready(self, timeout: float = 180.0) -> None:
        if not self._ready.wait(timeout) or self.ready < self.processes:
            self.stop()
            raise SystemExit(f"workers not ready after {timeout:.0f} s: {self.errors[-5:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM to dramatiq's main process, by its id
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _bind_broker(redis_url: str) -> Any:
    """The bench process sends as the scheduler does: the actors bound to the bench's Redis."""
    from tasks import actors
    from tasks.broker import make_broker

    broker = make_broker(Settings(redis_url=redis_url))
    actors.bind(broker)
    return broker


def burst(system: System, template_id: int, args: argparse.Namespace, group: int, processes: int,
          spread_s: float, park_next: bool) -> Burst:
    """One burst: workers up, the parked group released to now + lead, the scheduler's loop
    ticking until every timer of the group fired (or --timeout), workers stopped."""
    from tasks import scheduler

    workers = Workers(args.pg_url, args.redis_url, processes, args.threads)
    meter = CpuMeter(system, workers.proc.pid)
    stop, cpu = None, (math.nan, math.nan)
    try:
        workers.wait_ready()
        meter.start()
        release(system, group, datetime.now(timezone.utc) + timedelta(seconds=args.lead), spread_s)
        stop = scheduler.start_thread(Settings.from_env().timer_sweep_seconds)
        deadline = time.monotonic() + args.lead + spread_s + args.timeout
        while written(system, group) < args.due and time.monotonic() < deadline and workers.proc.poll() is None:
            time.sleep(0.5)  # a benchmark polling its own table, not a test waiting
        cpu = meter.stop()
    finally:
        if stop is not None:
            stop.set()
        workers.stop()
    result = dataclasses.replace(collect(system, group, processes, spread_s), worker_cpu_s=cpu[0], database_cpu_s=cpu[1])
    if result.fired < args.due:
        raise SystemExit(f"only {result.fired} of {args.due} timers fired within the time allowed; "
                         f"worker errors: {workers.errors[-5:]}")
    check(system, group, args.due)
    if park_next:  # the next burst's group, parked: the armed count stays the same
        clone(system, template_id, args.due, group + 1, PARKED, spread_s=60.0)
    return result


# --------------------------------------------------------------------------- profile
def profile_inline(system: System, template_id: int, count: int, group: int, top: int = 30) -> str:
    """cProfile of the bench process firing ``count`` due timers inline (one fire_due call)."""
    clone(system, template_id, count, group, datetime.now(timezone.utc) - timedelta(minutes=1), spread_s=30.0)
    profiler = cProfile.Profile()
    profiler.enable()
    fired = system.runtime.fire_due(system.sessions, budget_seconds=600.0)
    profiler.disable()
    out = io.StringIO()
    out.write(f"{fired} timers fired inline\n")
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


# --------------------------------------------------------------------------- report
def burst_table(bursts: list[Burst], due: int) -> str:
    lines = ["| workers | due times spread over | fired | first due → last commit s | last due → last commit s "
             "| fired per s | lag p50 ms | lag p99 ms | lag max ms | CPU ms per firing (workers + PostgreSQL) |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for b in bursts:
        lines.append(f"| {b.workers} | {b.spread_s:g} s | {b.fired}/{due} | {b.drain_s:.1f} | {b.after_last_s:.1f} "
                     f"| {b.rate:.0f} | {b.lag(0.5):.0f} | {b.lag(0.99):.0f} | {b.lag_ms[-1]:.0f} "
                     f"| {b.worker_cpu_s * 1000 / b.fired:.1f} + {b.database_cpu_s * 1000 / b.fired:.1f} |")
    return "\n".join(lines)


def idle_table(stats: dict[str, Any], armed: int) -> str:
    lines = [f"| call ({armed:,} armed, none due) | median ms | p95 ms | calls |", "|---|---:|---:|---:|"]
    for name, s in stats.items():
        lines.append(f"| `runtime.{name}` | {s.median_ms:.2f} | {s.p95_ms:.2f} | {s.n} |")
    return "\n".join(lines)


def verdicts(bursts: list[Burst], idle: dict[str, Any] | None) -> list[str]:
    out = []
    for b in bursts:
        window = max(60.0, b.spread_s)
        out.append(f"{b.workers} worker process(es), spread {b.spread_s:g} s: all fired within {window:g} s of the "
                   f"first due time: {'met' if b.drain_s <= window else 'not met'} ({b.drain_s:.1f} s); "
                   f"p99 lag ≤ 5 s: {'met' if b.lag(0.99) <= 5000 else 'not met'} ({b.lag(0.99) / 1000:.2f} s)")
    if idle:
        median = idle["fire_due"].median_ms
        out.append(f"idle sweep ≤ 10 ms: {'met' if median <= 10 else 'not met'} (fire_due median {median:.2f} ms)")
    return out


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (OSError, ValueError):
        return []


class CpuMeter:
    """CPU spent by a process tree (dramatiq's main process and its children) and by the
    PostgreSQL backends serving a database, between start() and stop(); a process that
    appears meanwhile counts from zero."""

    def __init__(self, system: System, root_pid: int) -> None:
        self.system, self.root_pid = system, root_pid

    def _sample(self) -> tuple[dict[int, float], dict[int, float]]:
        tree, todo = {}, [self.root_pid]
        while todo:
            pid = todo.pop()
            todo.extend(_children(pid))
            tree[pid] = process_cpu(pid)
        with self.system.db.connect() as connection:
            backends = connection.scalars(sa.text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).all()
        return ({p: c for p, c in tree.items() if c is not None},
                {p: c for p in backends if (c := process_cpu(p)) is not None})

    def start(self) -> None:
        self.before = self._sample()

    def stop(self) -> tuple[float, float]:
        after = self._sample()
        return tuple(sum(c - start.get(p, 0.0) for p, c in end.items())  # type: ignore[return-value]
                     for start, end in zip(self.before, after))


def _check_redis_url(url: str) -> None:
    protected = {TEST_REDIS_URL, os.environ.get("TEST_REDIS_URL", TEST_REDIS_URL)}
    if url.rstrip("/") in protected:
        raise SystemExit(f"refusing to empty the tests' Redis database {url}: give the benchmark one of its own")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.timers", description=__doc__.split("\n\n")[0])
    parser.add_argument("--armed", type=int, default=100_000, help="timers armed in all (default 100000)")
    parser.add_argument("--due", type=int, default=10_000, help="of which due in each burst (default 10000)")
    parser.add_argument("--spread", type=float, nargs="+", default=[60.0], metavar="SECONDS",
                        help="the due times of a burst spread evenly over this many seconds; one burst per value "
                             "and worker count (default 60: the same minute; 0: all at one instant)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], metavar="PROCESSES",
                        help="worker processes per burst (default: 1, then 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker process (default 4, as qlvbdh worker)")
    parser.add_argument("--lead", type=float, default=5.0, help="seconds from the release to the first due time (default 5)")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds a burst may take after its last due time before the run stops (default 600)")
    parser.add_argument("--idle-n", type=int, default=200, help="timed idle sweeps (default 200; 0 skips)")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL,
                        help=f"PostgreSQL database of the benchmark's own, emptied first (default {DEFAULT_PG_URL})")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL,
                        help=f"Redis database of the benchmark's own, its queues emptied (default {DEFAULT_REDIS_URL})")
    parser.add_argument("--profile", type=int, nargs="?", const=500, default=0, metavar="TIMERS",
                        help="afterwards cProfile 500 (or TIMERS) due timers fired inline in this process")
    args = parser.parse_args(argv)
    if args.due < 1 or args.armed < args.due + 1:
        parser.error("need --due ≥ 1 and --armed > --due")
    _check_pg_url(args.pg_url)  # PostgreSQL only, and never the tests' database
    _check_redis_url(args.redis_url)
    load_before, began = _loadavg(), time.perf_counter()
    progress = lambda what: print(f"  {what} ({time.perf_counter() - began:.0f} s)", flush=True)  # noqa: E731
    print(f"bench.timers: {args.armed:,} armed, {args.due:,} due per burst, spread {args.spread} s, "
          f"worker processes {args.workers} × {args.threads} threads", flush=True)
    _reset_postgres(args.pg_url)
    broker = _bind_broker(args.redis_url)
    broker.flush_all()
    system = with_bench_service(build_system(Settings(database_url=args.pg_url, redis_url=args.redis_url)))
    bursts: list[Burst] = []
    idle = plan = profile = None
    try:
        prepare(system)
        template_id = start_template(system)
        arm(system, template_id, args.armed, args.due)
        progress(f"{armed_count(system):,} timers armed")
        if args.idle_n > 0:
            idle = idle_sweep(system, args.idle_n)
            plan = explain_due(system)
            progress("idle sweep measured")
        series = [(p, s) for s in args.spread for p in args.workers]
        for k, (processes, spread_s) in enumerate(series):
            bursts.append(burst(system, template_id, args, k + 1, processes, spread_s, park_next=k + 1 < len(series)))
            broker.flush_all()  # leftover sweeps of this burst must not start the next one early
            progress(f"burst {k + 1}/{len(series)}: {processes} worker process(es), spread {spread_s:g} s")
        if args.profile:
            profile = profile_inline(system, template_id, args.profile, len(series) + 1)
    finally:
        system.db.dispose()

    print()
    print(machine(args.pg_url, load_before))
    print(f"worker: dramatiq tasks.worker bench.timers --processes N --threads {args.threads}; "
          f"scheduler tick every {Settings.from_env().timer_sweep_seconds:g} s; "
          f"armed during every burst: {args.armed:,}")
    print()
    print(burst_table(bursts, args.due))
    if idle:
        print()
        print(idle_table(idle, args.armed))
        print()
        print("plan of the sweep's query (none due):")
        print(plan)
    print()
    for line in verdicts(bursts, idle):
        print(line)
    print(f"total time: {time.perf_counter() - began:.0f} s")
    if load_before[0] > 0.5 * (os.cpu_count() or 1):
        print("note: the machine was already busy (1-minute load average above half the cores): expect noisy numbers")
    if profile:
        print()
        print(profile)
    return 0


def _install_in_worker() -> None:
    """In a worker process started by Workers: the System every actor uses is the bench's."""
    from tasks import context

    context.use(with_bench_service(build_system()))


# `dramatiq tasks.worker bench.timers` imports this module in each worker process; only there is
# WORKER_ENV set, so importing it anywhere else (the bench itself, the smoke test) changes nothing.
if os.environ.get(WORKER_ENV) == "1":
    _install_in_worker()

if __name__ == "__main__":
    sys.exit(main())
