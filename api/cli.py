"""The `qlvbdh` command: run, worker, scheduler, migrate, seed-demo, create-agency,
create-user, deploy-bpmn."""
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
    from documents import demo
    from engine.db import unit_of_work

    system = _system()
    with unit_of_work(system.sessions) as session:
        logins = demo.seed(session, system.runtime, system.keystore)
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
