"""Incoming-document lifecycle benchmark: N documents from arrival to completion on PostgreSQL,
through the service layer and through HTTP, against raw SpiffWorkflow in memory.

    python -m bench.incoming [--n 200] [--pg-url URL] [--http/--no-http] [--processes/--no-processes]
                             [--paper 20] [--profile [LIFECYCLES]]

One lifecycle is what tests/api/test_incoming.py walks through: the clerk registers a document
(channel "manual", no files), the leader completes "distribute" (assign it to the specialist and
the unit), the specialist completes "handle", the unit head approves in "review", and the outbox
is drained (the thrown ``incoming.status`` messages record statuses 04, 05 and 06). Every step
is its own committed transaction (engine.db.unit_of_work); the drain is timed as its own step,
"statuses". Lifecycles per second = N / wall time, with one thread, with two threads taking
N/2 documents each (one interpreter: they share its lock), and with two worker processes taking
N/2 each (what two cores give CPython). HTTP runs the same lifecycle against a real uvicorn serving
api.app.create_app(system, start_worker=False) in a separate process, with httpx and bearer
tokens obtained once. The raw reference runs the same diagram's steps in SpiffWorkflow alone,
in memory (deserialize, complete, run, serialize), as bench/engine.py's RawSpiff does for one
step. A paper registration with a one-page PDF scan (agency signature + signature validation)
gets its own row, with fewer repetitions (--paper).

The PostgreSQL database given by --pg-url is emptied (DROP SCHEMA public CASCADE) and migrated
before the run (bench.engine's handling: default ``bench``, created when missing; ``test``,
``postgres`` and the templates are refused). Files and signing keys live in a temporary
directory. Nothing is asserted about time; the run stops (SystemExit) only when the flow itself
goes wrong (a task missing, a document not at 06), so a broken flow cannot pass as a fast one.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import io
import itertools
import json
import math
import os
import pstats
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy import event
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from bench.engine import DEFAULT_PG_URL, _check_pg_url, _loadavg, _reset_postgres, machine, measure
from documents import accounts, processes
from documents.accounts import Identity
from documents.incoming import service as incoming
from documents.incoming.models import IncomingDocument
from documents.models import User
from documents.settings import Settings
from documents.signing import validate_pdf
from documents.system import System, build_system
from documents.wiring import build_runtime, validate_form
from engine.db import unit_of_work
from tasks.inline import drain
from tests.files import samples as sample_files
from engine.models import HumanTask, ProcessInstance
from engine.parsing import parse_diagram
from engine.projection import properties

AGENCY_CODE, AGENCY_NAME = "000.00.01.H99", "Văn phòng UBND tỉnh Thử nghiệm"
PASSWORD = "bench-matkhau-2026"
USERS = {  # role → username; the unit head and the specialist belong to the one unit
    "clerk": "bench.clerk", "leader": "bench.leader", "unit_head": "bench.unit_head", "staff": "bench.staff",
}
WARMUP = 10  # untimed lifecycles before each measured series
STEPS = ("register", "distribute", "handle", "review", "statuses")
HTTP_STEPS = ("register", "queue", "distribute", "handle", "review", "statuses")
HANDLE = {"result": "Đã báo cáo kết quả kiểm tra.", "completed": True}
REVIEW = {"approved": True}
_numbers = itertools.count(1)  # a distinct number/notation per document (no duplicate warnings)
_prefix = ""  # per worker process, so that processes never share a number/notation


def metadata() -> dict[str, Any]:
    n = next(_numbers)
    return {"issuer_code": "000.00.31.H41", "issuer_name": "Sở Nội vụ tỉnh Hà Nam",
            "number_notation": f"{_prefix}{n}/SNV-VP", "document_date": "2026-11-20", "doc_type": "Công văn",
            "subject": f"Về việc kiểm tra công tác văn thư năm 2026 (đợt {n})", "urgency": "normal"}


def distribution(staff: Identity) -> dict[str, Any]:
    return {"decision": "assign", "direction": "Giao Phòng Kinh tế chủ trì xử lý.",
            "lead_user_id": staff.user_id, "lead_unit_id": staff.unit_id}


# --------------------------------------------------------------------------- measuring
def p50(samples: list[int]) -> float:
    return statistics.median(samples) / 1e6


def p95(samples: list[int]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)] / 1e6


class Series:
    """Per-step samples (ns) of a set of lifecycles, with its wall time and the CPU time the
    client side (and, over HTTP, the server process) spent meanwhile."""

    def __init__(self, samples: dict[str, list[int]], wall_s: float, count: int, cpu_s: float,
                 server_cpu_s: float | None = None) -> None:
        self.samples, self.wall_s, self.count = samples, wall_s, count
        self.cpu_s, self.server_cpu_s = cpu_s, server_cpu_s

    @property
    def per_second(self) -> float:
        return self.count / self.wall_s

    def cpu_ms(self) -> str:
        """CPU per lifecycle: this process (or the worker processes), + the server process."""
        text = f"{self.cpu_s * 1000 / self.count:.1f}"
        if self.server_cpu_s is not None:
            text += f" + {self.server_cpu_s * 1000 / self.count:.1f}"
        return text


def process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of another process (Linux /proc), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def run_series(make_lifecycle: Callable[[], Callable[[], dict[str, int]]], count: int, threads: int,
               server_pid: int | None = None) -> Series:
    """``count`` lifecycles shared by ``threads`` threads (each builds its own lifecycle callable,
    e.g. its HTTP client, before the start). Wall time runs from the common start to the last join."""
    shares = [count // threads + (1 if k < count % threads else 0) for k in range(threads)]
    start = threading.Barrier(threads + 1)
    per_thread: list[dict[str, list[int]]] = [defaultdict(list) for _ in range(threads)]
    failures: list[BaseException] = []

    def work(k: int) -> None:
        try:
            lifecycle = make_lifecycle()
        except BaseException as exc:
            failures.append(exc)
            start.abort()
            return
        try:
            start.wait()
        except threading.BrokenBarrierError:
            return
        try:
            for _ in range(shares[k]):
                times = lifecycle()
                for step, ns in times.items():
                    per_thread[k][step].append(ns)
                per_thread[k]["lifecycle"].append(sum(times.values()))
        except BaseException as exc:
            failures.append(exc)

    workers = [threading.Thread(target=work, args=(k,), name=f"bench-{k}") for k in range(threads)]
    for worker in workers:
        worker.start()
    gc.collect()
    try:
        start.wait()
    except threading.BrokenBarrierError:
        pass
    began, cpu = time.perf_counter(), time.process_time()
    server_cpu = process_cpu(server_pid) if server_pid else None
    for worker in workers:
        worker.join()
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    if server_cpu is not None:
        server_cpu = (process_cpu(server_pid) or 0.0) - server_cpu
    if failures:
        raise failures[0]
    merged: dict[str, list[int]] = defaultdict(list)
    for samples in per_thread:
        for step, values in samples.items():
            merged[step].extend(values)
    return Series(dict(merged), wall, count, cpu, server_cpu)


class StatementCounter:
    """Statements sent (cursor executes) and transactions (pool checkouts: each one also pays
    pool_pre_ping's SELECT 1) on an engine, while installed."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine, self.statements, self.checkouts = engine, 0, 0

    def _statement(self, *_args: Any) -> None:
        self.statements += 1

    def _checkout(self, *_args: Any) -> None:
        self.checkouts += 1

    def __enter__(self) -> "StatementCounter":
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine.pool, "checkout", self._checkout)
        return self

    def __exit__(self, *_exc: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine.pool, "checkout", self._checkout)

    def take(self) -> tuple[int, int]:
        taken = (self.statements, self.checkouts)
        self.statements = self.checkouts = 0
        return taken


# --------------------------------------------------------------------------- the system
def seed(system: System) -> dict[str, Identity]:
    """One agency, one unit, a clerk, a leader, a unit head and a specialist; the default
    diagrams deployed; a demo signing key for the agency."""
    people = {}
    with unit_of_work(system.sessions) as session:
        system.runtime.deploy_directory(session, system.settings.bpmn_dir)
        agency = accounts.create_agency(session, AGENCY_CODE, AGENCY_NAME)
        unit = accounts.create_unit(session, agency, "Phòng Kinh tế")
        for role, username in USERS.items():
            user = accounts.create_user(session, agency, username, f"{role} (bench)", PASSWORD, [role],
                                        unit=unit if role in ("unit_head", "staff") else None)
            people[role] = accounts.identity_of(session, user)
    system.keystore.install_demo(AGENCY_CODE, AGENCY_NAME)
    return people


def identities(system: System) -> dict[str, Identity]:
    """The seeded people, looked up again (in a worker process)."""
    with unit_of_work(system.sessions) as session:
        return {role: accounts.identity_of(session, session.scalar(sa.select(User).where(User.username == username)))
                for role, username in USERS.items()}


def _only(tasks: list[HumanTask], name: str) -> int:
    found = [t.id for t in tasks if t.spec_name == name]
    if len(found) != 1:
        raise SystemExit(f"expected one ready '{name}' task, found {[t.spec_name for t in tasks]}")
    return found[0]


class ServiceLayer:
    """The lifecycle through documents.incoming.service and documents.processes, one
    unit_of_work per step, as the API's endpoints do (minus HTTP)."""

    def __init__(self, system: System, people: dict[str, Identity]) -> None:
        self.system, self.people = system, people
        self.distribute = distribution(people["staff"])
        self.documents: list[int] = []

    def register(self, channel: str = "manual", uploads: tuple[incoming.Upload, ...] = ()) -> tuple[int, int]:
        """Register (and, as a client must, find the distribute task): (document id, task id)."""
        system = self.system
        with unit_of_work(system.sessions) as session:
            registered = incoming.register(session, system.runtime, system.files, system.keystore,
                                           self.people["clerk"], metadata(), uploads, channel)
            task_id = _only(system.runtime.open_tasks(session, registered.document.process_instance_id),
                            "distribute")
            return registered.document.id, task_id

    def complete(self, role: str, task_id: int, data: dict[str, Any], next_task: str | None) -> int | None:
        """processes.complete as the API does it (then the instance's open tasks, as the
        endpoint returns them): the next task's id, or None when the instance ended."""
        system = self.system
        with unit_of_work(system.sessions) as session:
            view = processes.complete(session, system.runtime, self.people[role], task_id, data)
            instance, tasks = view.instance, view.tasks
            if next_task is None:
                if instance.status != "completed" or tasks:
                    raise SystemExit(f"instance {instance.id} did not end: {instance.status}")
                return None
            return _only(tasks, next_task)

    def lifecycle(self) -> dict[str, int]:
        clock = time.perf_counter_ns
        t0 = clock()
        document_id, task_id = self.register()
        t1 = clock()
        task_id = self.complete("leader", task_id, self.distribute, "handle")
        t2 = clock()
        task_id = self.complete("staff", task_id, HANDLE, "review")
        t3 = clock()
        self.complete("unit_head", task_id, REVIEW, None)
        t4 = clock()
        drain(self.system)
        t5 = clock()
        self.documents.append(document_id)
        return dict(zip(STEPS, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)))

    def counted_lifecycle(self, counter: StatementCounter) -> dict[str, tuple[int, int]]:
        """(statements, transactions) per step of one lifecycle."""
        counter.take()
        document_id, task_id = self.register()
        costs = {"register": counter.take()}
        task_id = self.complete("leader", task_id, self.distribute, "handle")
        costs["distribute"] = counter.take()
        task_id = self.complete("staff", task_id, HANDLE, "review")
        costs["handle"] = counter.take()
        self.complete("unit_head", task_id, REVIEW, None)
        costs["review"] = counter.take()
        drain(self.system)
        costs["statuses"] = counter.take()
        self.documents.append(document_id)
        return costs


def check_completed(system: System, document_ids: list[int]) -> None:
    """Every document at 06 with its instance completed and 01, 03, 04, 05, 06 recorded."""
    drain(system)
    with unit_of_work(system.sessions) as session:
        rows = session.execute(
            sa.select(IncomingDocument.id, IncomingDocument.status, ProcessInstance.status)
            .join(ProcessInstance, ProcessInstance.id == IncomingDocument.process_instance_id)
            .where(IncomingDocument.id.in_(document_ids))).all()
    wrong = [row for row in rows if (row[1], row[2]) != ("06", "completed")]
    if len(rows) != len(set(document_ids)) or wrong:
        raise SystemExit(f"{len(wrong)} of {len(document_ids)} documents did not complete: {wrong[:5]}")


def _process_worker(settings: Settings, index: int, count: int, start: Any, results: Any) -> None:
    """One of the worker processes of ``run_processes``: its own System (engine, pool, caches),
    a few untimed lifecycles, then ``count`` timed ones after the common start."""
    global _prefix
    _prefix = f"P{index}-"
    system = build_system(settings)
    try:
        service = ServiceLayer(system, identities(system))
        for _ in range(3):
            service.lifecycle()
        service.documents.clear()
        start.wait()
        cpu = time.process_time()
        samples: dict[str, list[int]] = defaultdict(list)
        for _ in range(count):
            times = service.lifecycle()
            for step, ns in times.items():
                samples[step].append(ns)
            samples["lifecycle"].append(sum(times.values()))
        results.put((dict(samples), service.documents, time.process_time() - cpu, None))
    except BaseException as exc:  # reported to the parent, which stops the run
        start.abort()
        results.put((None, [], 0.0, f"{exc.__class__.__name__}: {exc}"))
    finally:
        system.db.dispose()


def run_processes(settings: Settings, count: int, processes_: int) -> tuple[Series, list[int]]:
    """``count`` lifecycles shared by ``processes_`` worker processes (spawned: one interpreter
    lock each, as uvicorn --workers or several Dramatiq processes would have)."""
    import multiprocessing

    from bench.incoming import _process_worker as worker  # by module name, for the spawned children

    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(processes_ + 1), context.Queue()
    shares = [count // processes_ + (1 if k < count % processes_ else 0) for k in range(processes_)]
    children = [context.Process(target=worker, args=(settings, k, shares[k], start, results))
                for k in range(processes_)]
    for child in children:
        child.start()
    try:
        start.wait(timeout=120)
    except threading.BrokenBarrierError:
        pass
    began = time.perf_counter()
    merged: dict[str, list[int]] = defaultdict(list)
    documents: list[int] = []
    cpu, errors = 0.0, []
    for _ in children:
        samples, done, child_cpu, error = results.get(timeout=600)
        if error:
            errors.append(error)
            continue
        for step, values in samples.items():
            merged[step].extend(values)
        documents.extend(done)
        cpu += child_cpu
    wall = time.perf_counter() - began
    for child in children:
        child.join(timeout=30)
    if errors:
        raise SystemExit(f"a worker process failed: {errors[0]}")
    return Series(dict(merged), wall, count, cpu), documents


# --------------------------------------------------------------------------- raw SpiffWorkflow
class RawLifecycle:
    """The same diagram in SpiffWorkflow alone, in memory, with its own serializer (spec
    embedded) and our sandboxed script engine: each step deserializes the state the previous
    step left, completes the ready user task with the same form data, runs the engine to the
    next user task and serializes again. "start" starts with the document's data (the diagram
    goes straight to distribute) and serializes: the register reference."""

    def __init__(self, xml: bytes, distribute: dict[str, Any]) -> None:
        runtime = build_runtime()
        self.script_engine = runtime.script_engine
        self.diagram = parse_diagram(xml, runtime.sandbox)
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
        self.data = {"distribute": distribute, "handle": HANDLE, "review": REVIEW}
        self.states = {"distribute": self.start()}
        self.states["handle"] = self.step("distribute")
        self.states["review"] = self.step("handle")
        if not self.serializer.deserialize_json(self.step("review")).completed:
            raise SystemExit("raw: the workflow did not complete after review")

    def _ready(self, workflow: BpmnWorkflow, name: str) -> Any:
        ready = [t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.manual]
        if [t.task_spec.name for t in ready] != [name]:
            raise SystemExit(f"raw: expected '{name}' ready, found {[t.task_spec.name for t in ready]}")
        return ready[0]

    def start(self, _i: int = 0) -> str:
        workflow = BpmnWorkflow(self.diagram.spec, self.diagram.subprocess_specs, script_engine=self.script_engine)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.set_data(document_id=1, urgency="normal", subject="Về việc kiểm tra", incoming_number=1)
        workflow.do_engine_steps()
        self._ready(workflow, "distribute")
        return self.serializer.serialize_json(workflow)

    def step(self, name: str) -> str:
        workflow = self.serializer.deserialize_json(self.states[name])
        workflow.script_engine = self.script_engine  # not serialized
        task = self._ready(workflow, name)
        form_key = properties(task).get("formKey")  # the data our runtime sets: validated, defaults filled
        task.set_data(**(validate_form(form_key, self.data[name], AGENCY_CODE) if form_key else self.data[name]))
        task.run()
        workflow.do_engine_steps()
        return self.serializer.serialize_json(workflow)

    def measure(self, n: int) -> dict[str, float]:
        cells = {"register": self.start, "distribute": lambda _i: self.step("distribute"),
                 "handle": lambda _i: self.step("handle"), "review": lambda _i: self.step("review")}
        return {name: stats.median_ms for name, stats in measure(cells, n).items()}


# --------------------------------------------------------------------------- HTTP
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(port: int, settings: Settings) -> None:
    """The server process: the real app (no embedded worker) under uvicorn."""
    import uvicorn

    from api.app import create_app

    app = create_app(build_system(settings), start_worker=False)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


class Server:
    """uvicorn in a process of its own (its own interpreter lock, as in production), started
    with this module's hidden --serve option; stopped by its process id."""

    def __init__(self, settings: Settings) -> None:
        import httpx

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "bench.incoming", "--serve", str(self.port),
                   "--pg-url", settings.database_url, "--files", str(settings.file_store_dir),
                   "--signing", str(settings.signing_dir)]
        root = Path(__file__).resolve().parent.parent
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])))
        self.process = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit("the HTTP server did not start")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class HttpLifecycle:
    """The lifecycle as a client does it: POST /api/incoming, the leader's queue (GET /api/tasks)
    for the distribute task, then POST /api/tasks/{id}/complete three times (each answer names
    the next task), then the outbox drained in this process (no HTTP route for it)."""

    def __init__(self, base_url: str, tokens: dict[str, str], system: System, distribute: dict[str, Any],
                 taken: set[int], lock: threading.Lock, documents: list[int]) -> None:
        import httpx

        self.client = httpx.Client(base_url=base_url, timeout=60)
        self.headers = {role: {"Authorization": f"Bearer {token}"} for role, token in tokens.items()}
        self.system, self.distribute = system, distribute
        self.taken, self.lock, self.documents = taken, lock, documents

    def _ok(self, response: Any, status: int = 200) -> Any:
        if response.status_code != status:
            raise SystemExit(f"{response.request.method} {response.request.url.path}: "
                             f"{response.status_code} {response.text[:500]}")
        return response.json()

    def _complete(self, role: str, task_id: int, data: dict[str, Any], next_task: str | None) -> int | None:
        body = self._ok(self.client.post(f"/api/tasks/{task_id}/complete", headers=self.headers[role],
                                         json={"data": data}))
        if next_task is None:
            if body["status"] != "completed":
                raise SystemExit(f"instance {body['id']} did not end: {body['status']}")
            return None
        found = [t["id"] for t in body["tasks"] if t["name"] == next_task]
        if len(found) != 1:
            raise SystemExit(f"expected one ready '{next_task}' task, found {body['tasks']}")
        return found[0]

    def _take_from_queue(self) -> int:
        """The leader takes the oldest distribute task nobody has taken yet (with two clients,
        possibly the other client's document: the leader works a shared queue)."""
        queue = self._ok(self.client.get("/api/tasks", headers=self.headers["leader"]))
        with self.lock:
            for task in queue:
                if task["name"] == "distribute" and task["id"] not in self.taken:
                    self.taken.add(task["id"])
                    return task["id"]
        raise SystemExit(f"no untaken distribute task in the leader's queue: {queue}")

    def __call__(self) -> dict[str, int]:
        clock = time.perf_counter_ns
        t0 = clock()
        document = self._ok(self.client.post(
            "/api/incoming", headers=self.headers["clerk"],
            data={"metadata": json.dumps(metadata(), ensure_ascii=False), "channel": "manual"}), 201)
        t1 = clock()
        task_id = self._take_from_queue()
        t2 = clock()
        task_id = self._complete("leader", task_id, self.distribute, "handle")
        t3 = clock()
        task_id = self._complete("staff", task_id, HANDLE, "review")
        t4 = clock()
        self._complete("unit_head", task_id, REVIEW, None)
        t5 = clock()
        drain(self.system)
        t6 = clock()
        self.documents.append(document["id"])
        return dict(zip(HTTP_STEPS, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5)))


def http_series(server: Server, system: System, people: dict[str, Identity], n: int
                ) -> tuple[Series, Series]:
    import httpx

    tokens = {}
    with httpx.Client(base_url=server.url, timeout=60) as client:
        for role, username in USERS.items():
            response = client.post("/api/auth/token", json={"username": username, "password": PASSWORD})
            if response.status_code != 200:
                raise SystemExit(f"login of {username} failed: {response.status_code} {response.text}")
            tokens[role] = response.json()["access_token"]
    taken: set[int] = set()
    lock = threading.Lock()
    clients: list[HttpLifecycle] = []

    def make(documents: list[int]) -> Callable[[], HttpLifecycle]:
        def build() -> HttpLifecycle:
            client = HttpLifecycle(server.url, tokens, system, distribution(people["staff"]), taken, lock, documents)
            clients.append(client)
            return client
        return build

    try:
        warm: list[int] = []
        run_series(make(warm), WARMUP, 1)
        check_completed(system, warm)
        sequential_docs: list[int] = []
        sequential = run_series(make(sequential_docs), n, 1, server.process.pid)
        check_completed(system, sequential_docs)
        parallel_docs: list[int] = []
        parallel = run_series(make(parallel_docs), n, 2, server.process.pid)
        check_completed(system, parallel_docs)
    finally:
        for client in clients:
            client.client.close()
    return sequential, parallel


# --------------------------------------------------------------------------- paper scans
def paper_rows(service: ServiceLayer, reps: int) -> dict[str, list[int]]:
    """register (paper, one-page PDF: signing + validation + file store), and the signing and
    the validation alone. The documents stay at distribute (they are measured last)."""
    system, scan = service.system, sample_files.pdf("1.7")  # a blank one-page scan
    signer, seal = system.keystore.signer(AGENCY_CODE), system.keystore.seal(AGENCY_CODE)
    samples: dict[str, list[int]] = defaultdict(list)
    clock = time.perf_counter_ns
    for i in range(3 + reps):  # 3 untimed
        t0 = clock()
        service.register("paper", (incoming.Upload("scan.pdf", scan),))
        t1 = clock()
        signed = signer.sign_scan(scan, AGENCY_NAME, datetime.now(timezone.utc), seal, filename="scan.pdf")
        t2 = clock()
        validate_pdf(signed, system.keystore.trust_roots, filename="scan.pdf")
        t3 = clock()
        if i >= 3:
            samples["paper"].append(t1 - t0)
            samples["sign"].append(t2 - t1)
            samples["validate"].append(t3 - t2)
    return samples


# --------------------------------------------------------------------------- profile
def profile_lifecycles(service: ServiceLayer, count: int, top: int = 30) -> str:
    """cProfile ``count`` service-layer lifecycles (after the warm ones): by cumulative time,
    then by own time."""
    profiler = cProfile.Profile()
    began = time.perf_counter()
    profiler.enable()
    for _ in range(count):
        service.lifecycle()
    profiler.disable()
    wall = time.perf_counter() - began
    out = io.StringIO()
    out.write(f"{count} lifecycle(s), {wall * 1000 / count:.1f} ms each under the profiler\n\n")
    stats = pstats.Stats(profiler, stream=out)
    out.write("own time by package, ms per lifecycle (the profiler inflates many small Python calls most):\n")
    for package, seconds in _by_package(stats).most_common(12):
        out.write(f"  {seconds * 1000 / count:8.2f}  {package}\n")
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(20)
    return out.getvalue()


PACKAGES = ("sqlalchemy", "SpiffWorkflow", "jsonschema", "RestrictedPython", "pyhanko", "json", "uuid")


def _by_package(stats: pstats.Stats) -> Counter:
    """Own (not cumulative) time per package: where the interpreter actually spent it."""
    root = str(Path(__file__).resolve().parent.parent) + os.sep
    totals: Counter = Counter()
    for (filename, _line, function), (_cc, _nc, own, _cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if filename == "~":  # C functions: name the driver's, lump the rest
            key = "psycopg2 (C: round trips, commits)" if "psycopg2" in function else "other C built-ins"
        elif filename.startswith(root):
            key = "ours: " + filename[len(root):].split(os.sep)[0] + "/"
        else:
            key = next((p for p in PACKAGES if f"{os.sep}{p}{os.sep}" in filename or filename.endswith(f"{p}.py")),
                       "other Python")
        totals[key] += own
    return totals


# --------------------------------------------------------------------------- report
def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _ratio(ours: float | None, raw: float | None) -> str:
    return "—" if ours is None or not raw else f"{ours / raw:.1f}×"


SERVICE_LABELS = {
    "register": "register (manual, no files) + find distribute task",
    "distribute": "distribute (leader assigns)",
    "handle": "handle (specialist)",
    "review": "review (unit head approves)",
    "statuses": "statuses (outbox drain: 04, 05, 06)",
    "lifecycle": "**whole lifecycle**",
}
HTTP_LABELS = {
    "register": "POST /api/incoming (manual, no files)",
    "queue": "GET /api/tasks (leader's queue)",
    "distribute": "POST /api/tasks/{id}/complete distribute",
    "handle": "POST /api/tasks/{id}/complete handle",
    "review": "POST /api/tasks/{id}/complete review",
    "statuses": "statuses (outbox drain, in the bench process)",
    "lifecycle": "**whole lifecycle**",
}


def service_table(series: dict[str, Series], raw: dict[str, float], costs: dict[str, tuple[int, int]],
                  paper: dict[str, list[int]]) -> str:
    raw = dict(raw, lifecycle=sum(raw.values()))
    one = series["1 thread"]
    head = " | ".join(f"{mode} p50 ms | {mode} p95 ms" for mode in series)
    lines = [f"| step | statements (transactions) | {head} | raw Spiff p50 ms | ours/raw (p50, 1 thread) |",
             "|---|---:|" + "---:|" * (2 * len(series) + 2)]
    for step in (*STEPS, "lifecycle"):
        if step == "lifecycle":
            statements = sum(c[0] for c in costs.values()), sum(c[1] for c in costs.values())
        else:
            statements = costs[step]
        cells = " | ".join(f"{p50(s.samples[step]):.2f} | {p95(s.samples[step]):.2f}" for s in series.values())
        mine = p50(one.samples[step])
        lines.append(f"| {SERVICE_LABELS[step]} | {statements[0]} ({statements[1]}) | {cells} "
                     f"| {_ms(raw.get(step))} | {_ratio(mine, raw.get(step))} |")
    if paper:
        reps = len(paper["paper"])
        empty = " | ".join(["—"] * (2 * len(series) - 2))
        for key, label in (("paper", f"register (paper, 1-page PDF scan), {reps} reps"),
                           ("sign", "  of which: agency signature (sign_scan)"),
                           ("validate", "  of which: signature validation (validate_pdf)")):
            mine = p50(paper[key])
            lines.append(f"| {label} | — | {mine:.2f} | {p95(paper[key]):.2f} | {empty} "
                         f"| {_ms(raw['register']) if key == 'paper' else '—'} "
                         f"| {_ratio(mine, raw['register']) if key == 'paper' else '—'} |")
    return "\n".join(lines)


def http_table(one: Series, two: Series, service: Series, raw: dict[str, float]) -> str:
    raw = dict(raw, lifecycle=sum(raw.values()))
    lines = [("| request | 1 client p50 ms | 1 client p95 ms | 2 clients p50 ms | 2 clients p95 ms "
              "| service layer p50 ms | raw Spiff p50 ms | ours/raw (p50, 1 client) |"),
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for step in (*HTTP_STEPS, "lifecycle"):
        mine = p50(one.samples[step])
        layer = p50(service.samples[step]) if step in service.samples else None
        lines.append(f"| {HTTP_LABELS[step]} | {mine:.2f} | {p95(one.samples[step]):.2f} "
                     f"| {p50(two.samples[step]):.2f} | {p95(two.samples[step]):.2f} | {_ms(layer)} "
                     f"| {_ms(raw.get(step))} | {_ratio(mine, raw.get(step))} |")
    return "\n".join(lines)


def rate_table(raw: dict[str, float], service: dict[str, Series], http: dict[str, Series] | None) -> str:
    lines = ["| path | how | lifecycles/s | wall s | CPU ms per lifecycle (client + server process) |",
             "|---|---|---:|---:|---:|",
             (f"| raw SpiffWorkflow in memory | start + 3 steps, sum of p50 | {1000 / sum(raw.values()):.0f} "
              f"| — | {sum(raw.values()):.1f} |")]
    for path, group in (("service layer, PostgreSQL", service), ("HTTP (uvicorn process + httpx)", http or {})):
        for mode, series in group.items():
            lines.append(f"| {path} | {mode} | {series.per_second:.1f} | {series.wall_s:.1f} | {series.cpu_ms()} |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.incoming", description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="lifecycles per series (default 200)")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL,
                        help=f"PostgreSQL database of the benchmark's own, emptied first (default {DEFAULT_PG_URL})")
    parser.add_argument("--http", action=argparse.BooleanOptionalAction, default=True,
                        help="also measure through HTTP (default: yes)")
    parser.add_argument("--processes", action=argparse.BooleanOptionalAction, default=True,
                        help="also run the service layer in 2 worker processes (default: yes)")
    parser.add_argument("--paper", type=int, default=20, metavar="REPS",
                        help="repetitions of the paper-scan registration row (default 20; 0 skips it)")
    parser.add_argument("--profile", type=int, nargs="?", const=1, default=0, metavar="LIFECYCLES",
                        help="afterwards cProfile one (or LIFECYCLES) service-layer lifecycle(s)")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # the HTTP server process
    parser.add_argument("--files", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--signing", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, Settings(database_url=args.pg_url, file_store_dir=args.files, signing_dir=args.signing))
        return 0
    if args.n < 2:
        parser.error("--n must be at least 2")
    _check_pg_url(args.pg_url)  # before anything runs

    load_before = _loadavg()
    began = time.perf_counter()

    def progress(what: str) -> None:
        print(f"  {what} ({time.perf_counter() - began:.0f} s)", flush=True)

    print(f"bench.incoming: {args.n} lifecycles per series on {args.pg_url.rsplit('/', 1)[-1]}, "
          f"{WARMUP} untimed first; HTTP {'on' if args.http else 'off'}", flush=True)
    _reset_postgres(args.pg_url)
    with tempfile.TemporaryDirectory(prefix="qlvbdh-bench-") as tmp:
        settings = Settings(database_url=args.pg_url, file_store_dir=Path(tmp) / "files",
                            signing_dir=Path(tmp) / "signing")
        system = build_system(settings)
        try:
            people = seed(system)
            service = ServiceLayer(system, people)
            with unit_of_work(system.sessions) as session:  # the very diagram the runtime runs
                deployed = system.runtime.definition_for(session, AGENCY_CODE, incoming.WORKFLOW)
                xml, sha = deployed.bpmn_xml.encode(), deployed.sha256
            raw = RawLifecycle(xml, distribution(people["staff"])).measure(args.n)
            progress("raw SpiffWorkflow measured")

            run_series(lambda: service.lifecycle, WARMUP, 1)
            with StatementCounter(system.db) as counter:
                costs = service.counted_lifecycle(counter)
            layer: dict[str, Series] = {}
            for mode, threads in (("1 thread", 1), ("2 threads", 2)):
                service.documents.clear()
                layer[mode] = run_series(lambda: service.lifecycle, args.n, threads)
                check_completed(system, service.documents)
                progress(f"service layer, {mode}, measured")
            if args.processes:
                layer["2 processes"], documents = run_processes(settings, args.n, 2)
                check_completed(system, documents)
                progress("service layer, 2 processes, measured")

            http = None
            if args.http:
                server = Server(settings)
                try:
                    http = dict(zip(("1 client", "2 clients"), http_series(server, system, people, args.n)))
                finally:
                    server.stop()
                progress("HTTP measured")

            profile = profile_lifecycles(service, args.profile) if args.profile else None
            paper = paper_rows(service, args.paper) if args.paper > 0 else {}
            if paper:
                progress("paper registration measured")
        finally:
            system.db.dispose()

    print()
    print(machine(args.pg_url, load_before))
    print(f"diagram: bpmn/incoming.bpmn, sha256 {sha[:12]}…, {len(xml)} bytes")
    print()
    print(f"### Service layer (PostgreSQL), {args.n} lifecycles per column")
    print()
    print(service_table(layer, raw, costs, paper))
    print()
    if http:
        print(f"### HTTP (uvicorn in its own process, httpx, bearer tokens), {args.n} lifecycles per column")
        print()
        print(http_table(http["1 client"], http["2 clients"], layer["1 thread"], raw))
        print()
    print("### Lifecycles per second")
    print()
    print(rate_table(raw, layer, http))
    print()
    best = max(layer, key=lambda mode: layer[mode].per_second)
    verdict = "met" if layer[best].per_second >= 200 else "not met"
    others = ", ".join(f"{mode} {series.per_second:.1f}/s" for mode, series in layer.items())
    print(f"≥ 200 complete lifecycles per second through the service layer: {verdict} "
          f"({layer[best].per_second:.1f}/s, best of: {others})")
    # The ceiling the library alone sets: its CPU per lifecycle times the target rate, in cores.
    spiff_cores = sum(raw.values()) * 200 / 1000
    print(f"SpiffWorkflow alone needs {spiff_cores:.2f} cores for 200 lifecycles/s "
          f"({sum(raw.values()):.1f} ms CPU each, in memory, no database); this machine has {os.cpu_count()}")
    print(f"total time: {time.perf_counter() - began:.0f} s")
    if load_before[0] > 0.5 * (os.cpu_count() or 1):
        print("note: the machine was already busy (1-minute load average above half the cores): "
              "expect noisy numbers")
    if profile:
        print()
        print(f"cProfile of {args.profile} service-layer lifecycle(s):")
        print(profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
