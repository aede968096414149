"""Engine benchmark: raw SpiffWorkflow in memory vs. our persisted runtime (SQLite, PostgreSQL).

    python -m bench.engine [--n 200] [--pg-url URL] [--skip-pg] [--profile [STEPS]]

Measures on bpmn/incoming.bpmn, each cell the median and p95 of ``--n`` timed repetitions
after 20 untimed warm-up repetitions (time.perf_counter_ns):

* start → first task: a new instance, given the process data registration gives it (a
  document_id, urgency, subject, incoming number), run until its first user task ("distribute")
  is READY;
* persisted step: load the instance, complete "distribute" with valid form data (the leader
  returns the document to the clerk), run the engine through the decision gateway to the next
  user task ("recheck"), save.

On PostgreSQL both rows are also measured on the same diagram without its timers (every timer
boundary event and the path it alone leads to removed; deployed to a scope of its own): the
difference is what the deadline timers cost a step.

The workflow is the one ``documents.incoming.service.register`` starts; no document row is
needed, since neither step reads the register.

Raw SpiffWorkflow keeps everything in memory and (de)serializes with its own
BpmnWorkflowSerializer (SPIFF_CONFIG, spec embedded in the JSON). Ours runs
WorkflowRuntime.start / .complete inside a unit_of_work: one committed transaction each.
The columns of a row are measured interleaved (blocks of 25 calls in turn), so background load
on the machine hits them alike.

The PostgreSQL database given by --pg-url is emptied (DROP SCHEMA public CASCADE) and migrated
before the run: point it at a database of its own (default ``bench``, created when missing),
never at the test suite's (``test`` is refused). No timing is asserted: this prints, it never
fails on speed. ``--profile`` then cProfiles one (or STEPS) persisted PostgreSQL step(s).
"""
from __future__ import annotations

import argparse
import xml.etree.ElementTree as ET
import cProfile
import gc
import io
import math
import os
import platform
import pstats
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from documents.migrations import rebuild, upgrade
from documents.settings import Settings
from documents.system import System, build_system
from documents.wiring import build_runtime
from engine.db import unit_of_work
from engine.models import HumanTask
from engine.parsing import parse_diagram
from engine.runtime import Principal

DEFAULT_PG_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/bench"
WARMUP = 20
BLOCK = 25  # timed calls per cell before the next cell takes its turn
PROCESS_KEY = "incoming"
FIRST_TASK, NEXT_TASK = "distribute", "recheck"
SCOPE = "bench"  # instances live in their own scope; the diagram is deployed to the default one
NO_TIMERS_SCOPE = "bench.nt"  # the same diagram without its timers, deployed to this scope
STARTER = "bench.clerk"
PRINCIPAL = Principal(user="bench.leader", scope=SCOPE, roles=frozenset({"leader"}))
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
XML_NAMESPACES = {"bpmn": BPMN, "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
                  "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
                  "dc": "http://www.omg.org/spec/DD/20100524/DC", "di": "http://www.omg.org/spec/DD/20100524/DI"}
# What documents.incoming.service starts the workflow with when the clerk registers a document.
START_DATA: dict[str, Any] = {"document_id": 1, "urgency": "normal", "incoming_number": 1,
                              "subject": "Về việc triển khai kế hoạch chuyển đổi số năm 2027"}
# Valid for forms/definitions/incoming_distribute.json: the leader returns it to the clerk.
FORM_DATA: dict[str, Any] = {"decision": "return", "return_reason": "Thiếu phụ lục, đề nghị văn thư kiểm tra lại."}
# Databases this benchmark never empties, whatever --pg-url says.
PROTECTED_DATABASES = {"test", "postgres", "template0", "template1"}


# --------------------------------------------------------------------------- the diagram without timers
def without_timers(xml: bytes) -> bytes:
    """The diagram with every timer boundary event removed, with the elements only it leads to
    (its reminder's service task and end event), their flows, lane references and shapes."""
    for prefix, uri in XML_NAMESPACES.items():
        ET.register_namespace(prefix, uri)
    root = ET.fromstring(xml)
    process = root.find(f"{{{BPMN}}}process")
    gone = {event.get("id") for event in process.findall(f"{{{BPMN}}}boundaryEvent")
            if event.find(f"{{{BPMN}}}timerEventDefinition") is not None}
    flows = process.findall(f"{{{BPMN}}}sequenceFlow")
    while True:  # what is reached only through removed flows goes too
        cut = {f.get("id") for f in flows if f.get("sourceRef") in gone}
        orphans = {f.get("targetRef") for f in flows if f.get("id") in cut
                   and all(g.get("id") in cut for g in flows if g.get("targetRef") == f.get("targetRef"))}
        if orphans <= gone:
            break
        gone |= orphans
    gone |= cut
    for parent in root.iter():
        for child in list(parent):
            if child.get("id") in gone or child.get("bpmnElement") in gone or (
                    child.tag == f"{{{BPMN}}}flowNodeRef" and (child.text or "").strip() in gone):
                parent.remove(child)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


# --------------------------------------------------------------------------- measuring
@dataclass
class Stats:
    median_ms: float
    p95_ms: float
    n: int


def _stats(samples_ns: list[int]) -> Stats:
    samples = sorted(samples_ns)
    p95 = samples[max(0, math.ceil(0.95 * len(samples)) - 1)]
    return Stats(statistics.median(samples) / 1e6, p95 / 1e6, len(samples))


def measure(cells: dict[str, Callable[[int], Any]], n: int, warmup: int = WARMUP,
            block: int = BLOCK) -> dict[str, Stats]:
    """Time ``n`` calls of each cell after ``warmup`` untimed ones. Cells run interleaved, in
    round-robin blocks of ``block`` calls, so that a busy neighbour (another test run on the
    same 2 cores, the same PostgreSQL server) slows every column alike and ratios stay fair.
    Each cell is called with its own running call index (0, 1, 2, …)."""
    counters = dict.fromkeys(cells, 0)
    for name, run in cells.items():
        for _ in range(warmup):
            run(counters[name])
            counters[name] += 1
    samples: dict[str, list[int]] = {name: [] for name in cells}
    gc.collect()
    remaining = n
    while remaining > 0:
        size = min(block, remaining)
        for name, run in cells.items():
            for _ in range(size):
                i = counters[name]
                t0 = time.perf_counter_ns()
                run(i)
                samples[name].append(time.perf_counter_ns() - t0)
                counters[name] = i + 1
        remaining -= size
    return {name: _stats(values) for name, values in samples.items()}


def _ready_user_task(workflow: BpmnWorkflow) -> Any:
    return next(t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.manual)


# --------------------------------------------------------------------------- raw SpiffWorkflow
class RawSpiff:
    """The library alone, in memory: no database, its own serializer (spec embedded)."""

    def __init__(self, xml: bytes) -> None:
        runtime = build_runtime()  # for its sandboxed script engine: the very one our runtime uses
        self.script_engine = runtime.script_engine
        self.diagram = parse_diagram(xml, runtime.sandbox)  # parsed once, outside the timing
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
        first = self.start()
        if _ready_user_task(first).task_spec.name != FIRST_TASK:
            raise SystemExit(f"raw: expected '{FIRST_TASK}' to be the first ready user task")
        self.state = self.serializer.serialize_json(first)
        after = self.serializer.deserialize_json(self.step())
        if _ready_user_task(after).task_spec.name != NEXT_TASK:
            raise SystemExit(f"raw: expected '{NEXT_TASK}' to be ready after the step")

    def start(self, _i: int = 0) -> BpmnWorkflow:
        workflow = BpmnWorkflow(self.diagram.spec, self.diagram.subprocess_specs, script_engine=self.script_engine)
        for task in workflow.get_tasks(state=TaskState.READY):  # as WorkflowRuntime.start does
            task.set_data(**START_DATA)
        workflow.do_engine_steps()
        return workflow

    def step(self, _i: int = 0) -> str:
        """Load (deserialize) + complete the ready user task + run the engine + save (serialize)."""
        workflow = self.serializer.deserialize_json(self.state)
        workflow.script_engine = self.script_engine  # not serialized
        task = _ready_user_task(workflow)
        task.set_data(**FORM_DATA)
        task.run()
        workflow.do_engine_steps()
        return self.serializer.serialize_json(workflow)


# --------------------------------------------------------------------------- our runtime
def _check_pg_url(url: str) -> str:
    """The database name, unless it is one the benchmark must never empty."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit(f"--pg-url must be a PostgreSQL URL, not {parsed.get_backend_name()}")
    name = parsed.database or ""
    protected = set(PROTECTED_DATABASES)
    if os.environ.get("TEST_DATABASE_URL"):
        protected.add(make_url(os.environ["TEST_DATABASE_URL"]).database or "")
    # Any test database too: the suite's workers each have one (test_gw0, …).
    if not name or name in protected or name.lower().startswith("test"):
        raise SystemExit(f"refusing to empty database '{name}': give the benchmark a database of its own")
    return name


def _reset_postgres(url: str) -> None:
    """Create the benchmark database if missing, empty it, migrate it."""
    name = _check_pg_url(url)
    admin = sa.create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    rebuild(url)


def _deployed_system(url: str) -> System:
    system = build_system(Settings(database_url=url))
    with unit_of_work(system.sessions) as session:
        system.runtime.deploy_directory(session, system.settings.bpmn_dir)
    return system


def _start(system: System, scope: str = SCOPE) -> int:
    with unit_of_work(system.sessions) as session:
        instance = system.runtime.start(session, scope, PROCESS_KEY, STARTER, START_DATA)
        return instance.id


def _complete(system: System, task_id: int, scope: str = SCOPE) -> None:
    principal = Principal(user=PRINCIPAL.user, scope=scope, roles=PRINCIPAL.roles)
    with unit_of_work(system.sessions) as session:
        system.runtime.complete(session, task_id, principal, FORM_DATA)


def _ready_ids(system: System, spec_name: str, scope: str = SCOPE) -> list[int]:
    with unit_of_work(system.sessions) as session:
        query = (sa.select(HumanTask.id)
                 .where(HumanTask.scope == scope, HumanTask.status == "ready", HumanTask.spec_name == spec_name)
                 .order_by(HumanTask.id))
        return list(session.scalars(query))


class Ours:
    """Our runtime on one database: every call is one unit_of_work (one committed transaction).
    With ``timers=False`` its instances run the diagram without its timers (a scope of their own)."""

    def __init__(self, url: str, timers: bool = True, system: System | None = None) -> None:
        self.system = system or _deployed_system(url)
        self.scope = SCOPE if timers else NO_TIMERS_SCOPE
        if not timers:
            xml = without_timers((self.system.settings.bpmn_dir / f"{PROCESS_KEY}.bpmn").read_bytes())
            with unit_of_work(self.system.sessions) as session:
                self.system.runtime.deploy(session, self.scope, xml, STARTER)
        self.task_ids: list[int] = []

    def start(self, _i: int = 0) -> int:
        return _start(self.system, self.scope)

    def prepare_steps(self, count: int) -> None:
        """The instances left waiting at the first task (by the start row) are the ones the
        step row completes, one each: their starting is never part of the step's timing."""
        self.task_ids = _ready_ids(self.system, FIRST_TASK, self.scope)
        if len(self.task_ids) < count:
            raise SystemExit(f"ours: expected {count} ready '{FIRST_TASK}' tasks, found {len(self.task_ids)}")

    def step(self, i: int) -> None:
        _complete(self.system, self.task_ids[i], self.scope)

    def check_steps(self, count: int) -> None:
        advanced = len(_ready_ids(self.system, NEXT_TASK, self.scope))
        if advanced != count:
            raise SystemExit(f"ours: expected {count} ready '{NEXT_TASK}' tasks after the steps, found {advanced}")

    def close(self) -> None:
        self.system.db.dispose()


def profile_step(url: str, steps: int, top: int = 25) -> str:
    """cProfile ``steps`` persisted steps (after a few untimed ones), sorted by cumulative time."""
    system = _deployed_system(url)
    try:
        for _ in range(steps + 5):
            _start(system)
        task_ids = _ready_ids(system, FIRST_TASK)
        for task_id in task_ids[:5]:  # warm the connection pool, caches and statement cache
            _complete(system, task_id)
        profiler = cProfile.Profile()
        profiler.enable()
        for task_id in task_ids[5:5 + steps]:
            _complete(system, task_id)
        profiler.disable()
    finally:
        system.db.dispose()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


# --------------------------------------------------------------------------- report
def _fmt(stats: Stats | None, raw: Stats | None = None, attr: str = "median_ms") -> str:
    if stats is None:
        return "—"
    value = getattr(stats, attr)
    if raw is None:
        return f"{value:.2f}"
    return f"{value:.2f} ({value / getattr(raw, attr):.1f}×)"


def table(results: dict[str, dict[str, Stats]]) -> str:
    rows = [("start→first task", "start"), ("persisted step (load+complete+save)", "step")]
    lines = [
        "| operation | raw Spiff in-memory median ms | ours SQLite median ms (× raw) "
        "| ours PostgreSQL median ms (× raw) | raw p95 ms | ours SQLite p95 ms (× raw) "
        "| ours PostgreSQL p95 ms (× raw) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, key in rows:
        cells = results[key]
        r, s, p = cells["raw"], cells.get("sqlite"), cells.get("postgresql")
        lines.append(f"| {label} | {_fmt(r)} | {_fmt(s, r)} | {_fmt(p, r)} "
                     f"| {_fmt(r, attr='p95_ms')} | {_fmt(s, r, 'p95_ms')} | {_fmt(p, r, 'p95_ms')} |")
    return "\n".join(lines)


def timer_table(results: dict[str, dict[str, Stats]]) -> str:
    """What the diagram's timers cost: the same rows on PostgreSQL without them."""
    lines = ["| operation (PostgreSQL) | with the timers median ms | without the timers median ms | timers' share |",
             "|---|---:|---:|---:|"]
    for label, key in (("start→first task", "start"), ("persisted step (load+complete+save)", "step")):
        with_, without = results[key]["postgresql"].median_ms, results[key]["pg_no_timers"].median_ms
        lines.append(f"| {label} | {with_:.2f} | {without:.2f} | {(with_ - without) / with_:+.0%} |")
    return "\n".join(lines)


def _loadavg() -> tuple[float, float, float]:
    try:
        return os.getloadavg()
    except (AttributeError, OSError):  # not on every platform
        return (0.0, 0.0, 0.0)


def machine(pg_url: str | None, load_before: tuple[float, float, float]) -> str:
    import sqlite3
    from importlib.metadata import version

    load = ", ".join(f"{x:.2f}" for x in load_before)
    parts = [f"cores: {os.cpu_count()}", f"load average before the run: {load}",
             f"python {platform.python_version()} ({platform.python_implementation()})",
             f"{platform.system()} {platform.release()} {platform.machine()}",
             f"SpiffWorkflow {version('SpiffWorkflow')}", f"SQLAlchemy {sa.__version__}",
             f"SQLite {sqlite3.sqlite_version}"]
    if pg_url:
        try:
            engine = sa.create_engine(pg_url)
            with engine.connect() as connection:
                parts.append("PostgreSQL " + connection.scalar(sa.text("SHOW server_version")).split()[0])
            engine.dispose()
        except Exception as exc:  # informative only
            parts.append(f"PostgreSQL ? ({exc.__class__.__name__})")
    return "machine: " + ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.engine", description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="timed repetitions per row (default 200)")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL,
                        help=f"PostgreSQL database of the benchmark's own, emptied first (default {DEFAULT_PG_URL})")
    parser.add_argument("--skip-pg", action="store_true", help="measure raw and SQLite only")
    parser.add_argument("--profile", type=int, nargs="?", const=1, default=0, metavar="STEPS",
                        help="afterwards cProfile one (or STEPS) persisted PostgreSQL step(s): "
                             "top 25 by cumulative time")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be at least 1")

    if not args.skip_pg:
        _check_pg_url(args.pg_url)  # before anything runs

    load_before = _loadavg()
    xml = (Settings().bpmn_dir / f"{PROCESS_KEY}.bpmn").read_bytes()
    began = time.perf_counter()
    print(f"bench.engine: bpmn/{PROCESS_KEY}.bpmn, {WARMUP} warm-up + {args.n} timed repetitions per cell, "
          f"cells interleaved in blocks of {BLOCK}", flush=True)

    results: dict[str, dict[str, Stats]] = {}
    with tempfile.TemporaryDirectory(prefix="qlvbdh-bench-") as tmp:
        lite_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(lite_url)
        if not args.skip_pg:
            _reset_postgres(args.pg_url)
        raw = RawSpiff(xml)
        ours = {"sqlite": Ours(lite_url)}
        if not args.skip_pg:
            ours["postgresql"] = Ours(args.pg_url)
            ours["pg_no_timers"] = Ours(args.pg_url, timers=False, system=ours["postgresql"].system)
        try:
            results["start"] = measure({"raw": raw.start} | {name: o.start for name, o in ours.items()}, args.n)
            print(f"  start→first task measured ({time.perf_counter() - began:.0f} s)", flush=True)
            for o in ours.values():
                o.prepare_steps(WARMUP + args.n)
            results["step"] = measure({"raw": raw.step} | {name: o.step for name, o in ours.items()}, args.n)
            print(f"  persisted step measured ({time.perf_counter() - began:.0f} s)", flush=True)
            for o in ours.values():
                o.check_steps(WARMUP + args.n)
        finally:
            for name, o in ours.items():
                if name != "pg_no_timers":  # shares the PostgreSQL system
                    o.close()

    print()
    print(machine(None if args.skip_pg else args.pg_url, load_before))
    print()
    print(table(results))
    print()
    if "pg_no_timers" in results["step"]:
        print(timer_table(results))
        print()
    step = results["step"]
    if "postgresql" not in step:
        print("target: persisted step on PostgreSQL ≤ 5× raw in-memory step: not measured (--skip-pg)")
    else:
        ratio = step["postgresql"].median_ms / step["raw"].median_ms
        verdict = "met" if ratio <= 5 else "not met"
        print(f"target: persisted step on PostgreSQL ≤ 5× raw in-memory step: {verdict} "
              f"({step['postgresql'].median_ms:.2f} ms vs {step['raw'].median_ms:.2f} ms = {ratio:.1f}×, medians)")
    print(f"total time: {time.perf_counter() - began:.0f} s")
    if load_before[0] > 0.5 * (os.cpu_count() or 1):
        print("note: the machine was already busy (1-minute load average above half the cores): "
              "expect noisy numbers")

    if args.profile and not args.skip_pg:
        _reset_postgres(args.pg_url)
        print()
        print(f"cProfile of {args.profile} persisted PostgreSQL step(s), by cumulative time:")
        print(profile_step(args.pg_url, args.profile))
    return 0


if __name__ == "__main__":
    sys.exit(main())
