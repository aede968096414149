"""The `qlvbdh` command: run, worker, scheduler, migrate, seed-demo, create-agency,
create-user, deploy-bpmn, calendar, demo-clock."""
from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from pathlib import Path

from documents.settings import Settings


def _system():
    from documents.system import build_system

    return build_system()


def cmd_run(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app

    settings = Settings.from_env()
    host, port = args.host or settings.host, args.port or settings.port
    mode = "Redis broker" if settings.redis_url else "embedded worker (no Redis)"
    print(f"QLVBĐH: http://{host}:{port}  · database {settings.database_url} · {mode}", flush=True)
    # proxy_headers off: uvicorn would believe X-Forwarded-For from 127.0.0.1 by default; which
    # proxies are believed is TRUSTED_PROXIES' decision alone (api/client_address.py).
    uvicorn.run(create_app(), host=host, port=port, log_level="info", proxy_headers=False)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from dramatiq.cli import main as dramatiq_main

    sys.argv = ["dramatiq", "tasks.worker", "--processes", str(args.processes), "--threads", str(args.threads)]
    return dramatiq_main()


def cmd_scheduler(args: argparse.Namespace) -> int:
    from tasks import worker  # noqa: F401  (binds the actors to the configured broker)
    from tasks.scheduler import run_forever

    run_forever(args.interval or Settings.from_env().timer_sweep_seconds)
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from documents.migrations import upgrade

    url = Settings.from_env().database_url
    upgrade(url)
    print(f"database migrated: {url}")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from documents import demo, demo_documents, demo_outgoing
    from engine.db import unit_of_work
    from tasks import inline

    system = _system()
    with unit_of_work(system.sessions) as session:
        logins = demo.seed(session, system.runtime, system.keystore)
    with unit_of_work(system.sessions) as session:
        documents = demo_documents.seed(session, system.runtime, system.keystore, system.files)
    outgoing = demo_outgoing.seed(system, drain=lambda: inline.drain(system))
    if documents:
        print(f"Demo documents seeded: {documents} incoming documents, one of each situation (README).")
    if outgoing:
        print(f"Demo outgoing documents seeded: {outgoing}, one at each point of the lifecycle (README).")
    print("Try the deadlines: qlvbdh demo-clock advance 1wd (README, \"Try the deadlines\").")
    print("Demo province ready. Logins (password for all: %s):" % demo.DEMO_PASSWORD)
    for agency, username, roles in logins:
        print(f"  {agency:16} {username:18} {roles}")
    return 0


def cmd_create_agency(args: argparse.Namespace) -> int:
    from documents import accounts
    from engine.db import unit_of_work

    system = _system()
    with unit_of_work(system.sessions) as session:
        parent = accounts.agency_by_code(session, args.parent) if args.parent else None
        agency = accounts.create_agency(session, args.code, args.name, parent)
    print(f"agency {agency.code} created")
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    from documents import accounts
    from engine.db import unit_of_work

    password = os.environ.get("QLVBDH_PASSWORD") or getpass.getpass("Password: ")
    system = _system()
    with unit_of_work(system.sessions) as session:
        agency = accounts.agency_by_code(session, args.agency)
        user = accounts.create_user(session, agency, args.username, args.full_name, password,
                                    [r.strip() for r in args.roles.split(",") if r.strip()])
    print(f"user {user.username} created in {agency.code}")
    return 0


def cmd_deploy_bpmn(args: argparse.Namespace) -> int:
    from engine.db import unit_of_work
    from engine.runtime import DEFAULT_SCOPE

    system = _system()
    with unit_of_work(system.sessions) as session:
        definition = system.runtime.deploy(session, args.agency or DEFAULT_SCOPE, Path(args.file).read_bytes(),
                                           actor="cli")
    print(f"deployed {definition.key} v{definition.version} to {definition.scope} (sha256 {definition.sha256[:12]}…)")
    return 0


def cmd_calendar(args: argparse.Namespace) -> int:
    from documents.calendar import console
    from engine.db import unit_of_work

    actions = {
        "show": lambda session: console.show(session, args.agency, args.year),
        "day-off": lambda session: console.add_day(session, args.agency, args.date, "day_off", args.note),
        "make-up": lambda session: console.add_day(session, args.agency, args.date, "make_up", args.note),
        "swap": lambda session: console.add_swap(session, args.agency, args.off, args.work, args.note),
        "remove": lambda session: console.remove(session, args.agency, args.date),
        "hours": lambda session: console.set_hours(session, args.agency, args.weekday, args.reset),
    }
    with unit_of_work(_system().sessions) as session:
        print(actions[args.action](session))
    return 0


def _calendar_parser(sub) -> None:
    calendar = sub.add_parser("calendar", help="review or change an agency's business calendar (audited as the system)")
    actions = calendar.add_subparsers(dest="action", required=True)

    def action(name: str, help: str, day: bool = False, note: bool = False) -> argparse.ArgumentParser:
        command = actions.add_parser(name, help=help)
        command.add_argument("--agency", required=True, help="the agency's identifier, e.g. 000.00.01.H99")
        if day:
            command.add_argument("date", help="YYYY-MM-DD or dd/mm/yyyy")
        if note:
            command.add_argument("--note", help="why (e.g. the announcement's number)")
        return command

    action("show", "hours, special days and national holidays of a year").add_argument("--year", type=int)
    action("day-off", "declare a day off (nghỉ bù, the agency's own holiday)", day=True, note=True)
    action("make-up", "declare a make-up working day (làm bù)", day=True, note=True)
    swap = action("swap", "a swap: a day off and a make-up working day, both or neither", note=True)
    swap.add_argument("--off", required=True, help="the working day that becomes a day off")
    swap.add_argument("--work", required=True, help="the day off that becomes a working day")
    action("remove", "remove a declared day off or make-up day", day=True)
    hours = action("hours", "replace the week's working hours")
    hours.add_argument("--weekday", action="append", metavar="DAYS=PERIODS",
                       help="e.g. 0-4=07:30-11:30,13:30-17:00 (0 = Monday); repeat; days not named are not worked")
    hours.add_argument("--reset", action="store_true", help="back to the default hours")
    calendar.set_defaults(func=cmd_calendar)


def cmd_demo_clock(args: argparse.Namespace) -> int:
    from documents import demo_clock

    path = Settings.from_env().demo_clock_file
    if path is None:
        print("error: DEMO_CLOCK_FILE is not set: the demo clock is off (make run sets it to ./data/demo-clock)",
              file=sys.stderr)
        return 2
    clock = demo_clock.DemoClock(path)
    try:
        if args.action == "advance":
            demo_clock.advance(clock, " ".join(args.amount))
        elif args.action == "to":
            demo_clock.advance_to(clock, " ".join(args.moment))
        elif args.action == "reset":
            clock.reset()
    except demo_clock.DemoClockError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(demo_clock.describe(clock))
    return 0


def _demo_clock_parser(sub) -> None:
    command = sub.add_parser("demo-clock", help="move the demo's time forward (DEMO_CLOCK_FILE; the running server "
                                                "fires what fell due at its next tick)")
    actions = command.add_subparsers(dest="action", required=True)
    actions.add_parser("show", help="the demo time, in Vietnam time")
    advance = actions.add_parser("advance", help="forward by an amount: 2d, 3h, 1d12h, 90m, \"1 ngày\", "
                                                 "1wd or \"1 ngày làm việc\" (working days)")
    advance.add_argument("amount", nargs="+")
    to = actions.add_parser("to", help="forward to \"dd/mm/yyyy HH:MM\" (Vietnam time) or \"morning\" "
                                       "(the next working morning, 07:30)")
    to.add_argument("moment", nargs="+")
    actions.add_parser("reset", help="back to real time")
    command.set_defaults(func=cmd_demo_clock)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="qlvbdh", description="QLVBĐH: document management and executive operations")
    sub = root.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="web server (plus the in-process worker when REDIS_URL is unset)")
    run.add_argument("--host")
    run.add_argument("--port", type=int)
    run.set_defaults(func=cmd_run)
    worker = sub.add_parser("worker", help="Dramatiq worker on REDIS_URL")
    worker.add_argument("--processes", type=int, default=1)
    worker.add_argument("--threads", type=int, default=4)
    worker.set_defaults(func=cmd_worker)
    scheduler = sub.add_parser("scheduler", help="periodic timer sweep and outbox relay")
    scheduler.add_argument("--interval", type=float)
    scheduler.set_defaults(func=cmd_scheduler)
    sub.add_parser("migrate", help="create or upgrade the database schema").set_defaults(func=cmd_migrate)
    sub.add_parser("seed-demo", help="create the demo province (idempotent)").set_defaults(func=cmd_seed_demo)
    agency = sub.add_parser("create-agency", help="create an agency")
    agency.add_argument("code", help="identifier per QĐ 28/2018, e.g. 000.00.31.H41")
    agency.add_argument("name")
    agency.add_argument("--parent")
    agency.set_defaults(func=cmd_create_agency)
    user = sub.add_parser("create-user", help="create a user (password from QLVBDH_PASSWORD or a prompt)")
    user.add_argument("--agency", required=True)
    user.add_argument("--username", required=True)
    user.add_argument("--full-name", required=True)
    user.add_argument("--roles", required=True, help="comma-separated: admin,process_admin,clerk,leader,unit_head,staff")
    user.set_defaults(func=cmd_create_user)
    deploy = sub.add_parser("deploy-bpmn", help="deploy a BPMN diagram (default scope unless --agency)")
    deploy.add_argument("file")
    deploy.add_argument("--agency")
    deploy.set_defaults(func=cmd_deploy_bpmn)
    _calendar_parser(sub)
    _demo_clock_parser(sub)
    return root


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    from engine.errors import EngineError

    try:
        return args.func(args) or 0
    except EngineError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
