"""Dashboard benchmark: the leader's dashboard queries on a 100,000-document agency (PostgreSQL).

    python -m bench.dashboard [--documents 100000] [--n 50] [--pg-url URL] [--explain]

A data generator writes one agency with ``--documents`` incoming documents (default 100,000) in
~20 units and ~300 people, received over the two years before the bench's moment (weekdays,
working hours), with a realistic mix: most old documents completed (on time or late), a few
percent still open and overdue, recent ones open, due soon or just completed, some arrived and
not yet distributed, some closed (02) and some withdrawn; plus four smaller agencies below it (the
province's view), 5,000 documents each. Rows go in with COPY; then ANALYZE.

Each query of documents/dashboard/queries.py is then timed as the page and the API call it (the
completed figures within the window the series shows: 12 weeks by default, 12 months in the rows
that say so), each call its own transaction (engine.db.unit_of_work): the median and p95 (nearest
rank) of ``--n`` calls after 5 warm-up calls, rows interleaved in blocks (bench.engine's
``measure``). Target (issue 11 item 5): every query ≤ 100 ms (p95). A reference row, outside the
target, times the totals over every completion ever. ``--explain`` prints EXPLAIN ANALYZE of each.

The PostgreSQL database given by --pg-url is emptied and migrated before the run (default
``bench_dashboard``, created when missing); ``postgres``, the templates, any name beginning with
``test`` and whatever TEST_DATABASE_URL names are refused. Nothing is asserted about time.
"""
from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bench.engine import _check_pg_url, _loadavg, _reset_postgres, machine, measure
from documents.dashboard import periods, queries
from documents.dashboard.access import Scope
from documents.settings import Settings
from documents.system import System, build_system
from documents.vntime import VN_TZ
from engine.db import unit_of_work

DEFAULT_PG_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/bench_dashboard"
AT = datetime(2026, 12, 3, 10, 0, tzinfo=VN_TZ)  # a Thursday morning: the bench's "now"
UNITS, PEOPLE_PER_UNIT = 20, 15
CHILD_AGENCIES, CHILD_DOCUMENTS = 4, 5_000
WARMUP, BLOCK = 5, 10
TARGET_MS = 100.0
SEED = 11
COLUMNS = ("agency_id", "channel", "status", "incoming_number", "arrived_at", "received_at", "issuer_name",
           "number_notation", "document_date", "doc_type", "subject", "urgency", "recipients", "search_text",
           "signature_check", "scan_findings", "entered_late", "handling_deadline", "completed_at", "closed_at",
           "withdrawn_at", "lead_unit_id", "lead_user_id", "created_at")


# --------------------------------------------------------------------------- data

def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(sep=" ")


def _working_moment(rng: random.Random, earliest: datetime, latest: datetime) -> datetime:
    """A weekday moment in working hours (07:30–17:00 Vietnam time) between the two."""
    while True:
        moment = earliest + (latest - earliest) * rng.random()
        local = moment.astimezone(VN_TZ)
        if local.weekday() < 5 and 7.5 <= local.hour + local.minute / 60 < 17:
            return moment


def _document(rng: random.Random, number: int, people: list[tuple[int, int]]) -> dict[str, Any]:
    received = _working_moment(rng, AT - timedelta(days=730), AT)
    unit_id, user_id = people[min(int(rng.paretovariate(1.2)) - 1, len(people) - 1) if rng.random() < 0.3
                              else rng.randrange(len(people))]
    row: dict[str, Any] = {"received": received, "status": "05", "deadline": None, "completed": None,
                           "closed": None, "withdrawn": None, "unit": unit_id, "user": user_id}
    if rng.random() < 0.9:
        row["deadline"] = received + timedelta(days=rng.choice((1, 2, 3, 5, 7, 10, 15)), hours=rng.choice((0, 2, 6)))
    handled = received + timedelta(hours=rng.expovariate(1 / 150))  # mean about 6 days
    draw = rng.random()
    if draw < 0.01:
        row["withdrawn"] = received + timedelta(days=1)
    elif draw < 0.03:
        row |= {"status": "02", "closed": received + timedelta(hours=4)}
    elif handled < AT and rng.random() < 0.96:
        row |= {"status": "06", "completed": handled}
    elif AT - received < timedelta(days=2) and rng.random() < 0.3:
        row |= {"status": "01", "unit": None, "user": None, "deadline": None}  # not yet distributed
    else:
        row["status"] = rng.choice(("03", "04", "05", "05"))
    return row


def _copy_rows(connection: Any, agency_id: int, count: int, people: list[tuple[int, int]], rng: random.Random) -> None:
    buffer = io.StringIO()
    for number in range(1, count + 1):
        row = _document(rng, number, people)
        received = row["received"]
        values = [agency_id, "paper", row["status"], number, _utc(received), _utc(received), "UBND tỉnh Demo",
                  f"{number}/UBND-VX", received.astimezone(VN_TZ).date().isoformat(), "Công văn",
                  f"Về việc số {number}", "normal", "[]", f"ve viec so {number}", "[]", "[]", "f",
                  *(_utc(row[key]) if row[key] else "" for key in ("deadline", "completed", "closed", "withdrawn")),
                  row["unit"] or "", row["user"] or "", _utc(received)]
        buffer.write("\t".join(str(value) for value in values) + "\n")
    buffer.seek(0)
    with connection.connection.cursor() as cursor:
        cursor.copy_expert(f"COPY incoming_document ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT text, NULL '')",
                           buffer)


def _agency(connection: Any, code: str, name: str, parent: int | None, units: int,
            people_per_unit: int) -> tuple[int, list[tuple[int, int]]]:
    """An agency, its units and people (no password anyone can log in with): (id, [(unit, user)])."""
    now = _utc(AT)
    agency_id = connection.execute(sa.text(
        "INSERT INTO agency (code, name, parent_id, created_at, scan_quality_policy) "
        "VALUES (:code, :name, :parent, :now, 'warn') RETURNING id"),
        {"code": code, "name": name, "parent": parent, "now": now}).scalar_one()
    people = []
    for u in range(units):
        unit_id = connection.execute(sa.text(
            "INSERT INTO org_unit (agency_id, name, active) VALUES (:a, :n, true) RETURNING id"),
            {"a": agency_id, "n": f"Phòng {u + 1:02d}"}).scalar_one()
        for p in range(people_per_unit):
            user_id = connection.execute(sa.text(
                "INSERT INTO app_user (agency_id, unit_id, username, full_name, password_hash, failed_attempts, "
                "active, created_at) VALUES (:a, :u, :login, :name, '!', 0, true, :now) RETURNING id"),
                {"a": agency_id, "u": unit_id, "login": f"{code}.{u}.{p}".lower(),
                 "name": f"Chuyên viên {u + 1}.{p + 1}", "now": now}).scalar_one()
            people.append((unit_id, user_id))
    return agency_id, people


def generate(url: str, documents: int) -> dict[str, int]:
    """Write the province; return the ids the timed queries use."""
    rng = random.Random(SEED)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        root, people = _agency(connection, "000.00.01.B99", "Văn phòng UBND tỉnh Bench", None, UNITS, PEOPLE_PER_UNIT)
        _copy_rows(connection, root, documents, people, rng)
        for child in range(CHILD_AGENCIES):
            agency_id, staff = _agency(connection, f"000.00.{child + 31}.B99", f"Sở {child + 1} tỉnh Bench", root, 5, 10)
            _copy_rows(connection, agency_id, CHILD_DOCUMENTS, staff, rng)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE"))
    with engine.connect() as connection:
        busiest = connection.execute(sa.text(
            "SELECT lead_unit_id, lead_user_id FROM incoming_document WHERE agency_id = :a AND lead_user_id IS NOT NULL "
            "GROUP BY lead_unit_id, lead_user_id ORDER BY count(*) DESC LIMIT 1"), {"a": root}).one()
        agencies = connection.scalars(sa.text("SELECT id FROM agency ORDER BY id")).all()
    engine.dispose()
    return {"agency": root, "unit": busiest.lead_unit_id, "user": busiest.lead_user_id, "agencies": agencies}


# --------------------------------------------------------------------------- queries

def cells(ids: dict[str, Any]) -> dict[str, Callable[[Session], Any]]:
    """The queries as the dashboard calls them: the completed figures within its default window
    (the 12 weeks its series shows), or 12 months where the row says so."""
    agency = Scope(ids["agency"])
    unit = Scope(ids["agency"], unit_id=ids["unit"])
    person = Scope(ids["agency"], user_id=ids["user"])
    weeks, months = periods.window_start("week", 12, AT), periods.window_start("month", 12, AT)
    return {
        "totals (agency)": lambda s: queries.totals(s, agency, AT, weeks),
        "totals (agency, 12 months)": lambda s: queries.totals(s, agency, AT, months),
        "totals (unit)": lambda s: queries.totals(s, unit, AT, weeks),
        "totals (person)": lambda s: queries.totals(s, person, AT, weeks),
        "series, 12 weeks": lambda s: queries.series(s, agency, AT, "week", 12),
        "series, 12 months": lambda s: queries.series(s, agency, AT, "month", 12),
        "by unit": lambda s: queries.by_unit(s, agency, AT, weeks),
        "by person": lambda s: queries.by_person(s, agency, AT, weeks),
        "items overdue, page 1": lambda s: queries.items(s, agency, AT, "overdue"),
        "items overdue (unit), page 1": lambda s: queries.items(s, unit, AT, "overdue"),
        "items completed late, page 1": lambda s: queries.items(s, agency, AT, "completed_late", since=weeks),
        "province (5 agencies)": lambda s: queries.province(s, tuple(ids["agencies"]), AT, weeks),
    }


# Not called by the dashboard (it always gives a window): printed for reference, outside the target.
def reference_cells(ids: dict[str, Any]) -> dict[str, Callable[[Session], Any]]:
    agency = Scope(ids["agency"])
    return {"totals (agency, every completion ever)": lambda s: queries.totals(s, agency, AT)}


def _in_transaction(system: System, query: Callable[[Session], Any]) -> Callable[[int], Any]:
    def run(_i: int) -> Any:
        with unit_of_work(system.sessions) as session:
            return query(session)
    return run


def explain(system: System, query: Callable[[Session], Any]) -> str:
    """EXPLAIN ANALYZE of every statement the query sends."""
    plans: list[str] = []

    def capture(connection, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if statement.lstrip().upper().startswith("SELECT"):
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, parameters)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))

    sa.event.listen(system.db, "before_cursor_execute", capture)
    try:
        _in_transaction(system, query)(0)
    finally:
        sa.event.remove(system.db, "before_cursor_execute", capture)
    return "\n---\n".join(plans)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dashboard", description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=100_000, help="documents of the main agency (default 100000)")
    parser.add_argument("--n", type=int, default=50, help="timed calls per query (default 50)")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL,
                        help=f"PostgreSQL database of the benchmark's own, emptied first (default {DEFAULT_PG_URL})")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of each query's statements")
    args = parser.parse_args(argv)
    if args.n < 1 or args.documents < 1:
        parser.error("--n and --documents must be at least 1")
    _check_pg_url(args.pg_url)

    load_before = _loadavg()
    began = time.perf_counter()
    _reset_postgres(args.pg_url)
    ids = generate(args.pg_url, args.documents)
    total = args.documents + CHILD_AGENCIES * CHILD_DOCUMENTS
    print(f"bench.dashboard: {total:,} documents written and analysed in {time.perf_counter() - began:.0f} s "
          f"({args.documents:,} in the measured agency, {UNITS} units, {UNITS * PEOPLE_PER_UNIT} people); "
          f"{WARMUP} warm-up + {args.n} timed calls per query", flush=True)

    system = build_system(Settings(database_url=args.pg_url))
    try:
        queried = cells(ids)
        if args.explain:
            for name, query in queried.items():
                print(f"\n### {name}\n{explain(system, query)}")
        results = measure({name: _in_transaction(system, query) for name, query in queried.items()},
                          args.n, warmup=WARMUP, block=BLOCK)
        reference = measure({name: _in_transaction(system, query) for name, query in reference_cells(ids).items()},
                            args.n, warmup=WARMUP, block=BLOCK)
    finally:
        system.db.dispose()

    print()
    print(machine(args.pg_url, load_before))
    print()
    print("| query | median ms | p95 ms |")
    print("|---|---:|---:|")
    for name, stats in results.items():
        print(f"| {name} | {stats.median_ms:.1f} | {stats.p95_ms:.1f} |")
    for name, stats in reference.items():
        print(f"| *{name}* (reference, not called by the dashboard) | {stats.median_ms:.1f} | {stats.p95_ms:.1f} |")
    print()
    slowest = max(results, key=lambda name: results[name].p95_ms)
    verdict = "met" if results[slowest].p95_ms <= TARGET_MS else "not met"
    print(f"target: every dashboard query ≤ {TARGET_MS:.0f} ms (p95) on a {args.documents:,}-document agency: "
          f"{verdict} (slowest: {slowest}, p95 {results[slowest].p95_ms:.1f} ms)")
    print(f"total time: {time.perf_counter() - began:.0f} s")
    if load_before[0] > 0.5 * (os.cpu_count() or 1):
        print("note: the machine was already busy (1-minute load average above half the cores): expect noisy numbers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
