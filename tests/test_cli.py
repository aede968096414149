"""The console command on a fresh SQLite database, as the README's `make run` uses it."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from api import cli

ROOT = Path(__file__).resolve().parents[1]


def qlvbdh(*args: str, db: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "PYTHONPATH": str(ROOT),
                   "FILE_STORE_DIR": str(db.parent / "files"), "SIGNING_DIR": str(db.parent / "signing"), **env}
    environment.pop("REDIS_URL", None)
    return subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


def test_migrate_seed_and_manage(tmp_path):
    db = tmp_path / "demo.db"
    assert qlvbdh("migrate", db=db).returncode == 0
    seeded = qlvbdh("seed-demo", db=db)
    assert seeded.returncode == 0, seeded.stderr
    assert "vanthu" in seeded.stdout and "000.00.01.H99" in seeded.stdout
    assert (tmp_path / "signing" / "000.00.01.H99" / "agency.p12").is_file()  # demo keys installed
    assert qlvbdh("seed-demo", db=db).returncode == 0  # idempotent

    created = qlvbdh("create-user", "--agency", "000.00.01.H99", "--username", "pho.vanthu",
                     "--full-name", "Phó Văn Thư", "--roles", "clerk", db=db, QLVBDH_PASSWORD="mot-mat-khau-dai")
    assert created.returncode == 0, created.stderr
    weak = qlvbdh("create-user", "--agency", "000.00.01.H99", "--username", "tam.thoi", "--full-name", "Tạm Thời",
                  "--roles", "clerk", db=db, QLVBDH_PASSWORD="1234567890")
    assert weak.returncode == 2 and "Mật khẩu quá đơn giản" in weak.stderr
    bad = qlvbdh("create-agency", "not an id", "X", db=db)
    assert bad.returncode == 2 and "not a valid" in bad.stderr

    evil = tmp_path / "evil.bpmn"
    evil.write_text((ROOT / "bpmn" / "incoming.bpmn").read_text(encoding="utf-8")
                    .replace("decision == 'return'", "__import__('os').system('id')"), encoding="utf-8")
    refused = qlvbdh("deploy-bpmn", str(evil), "--agency", "000.00.01.H99", db=db)
    assert refused.returncode == 2 and "f_returned" in refused.stderr

    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        users = connection.execute(sa.text("SELECT count(*) FROM app_user")).scalar()
        definitions = connection.execute(sa.text("SELECT count(*) FROM process_definition")).scalar()
    engine.dispose()
    assert users == 2 * 6 + 1 and definitions == 2  # the default incoming and outgoing diagrams, nothing of evil


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def in_process(monkeypatch, capsys):
    """The command run by its own main() in this process (the subprocess tests above check the
    real entry point): each call builds its system from the environment, like the command."""
    def run(*args: str, db) -> Ran:
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
        monkeypatch.setenv("FILE_STORE_DIR", str(db.parent / "files"))
        monkeypatch.setenv("SIGNING_DIR", str(db.parent / "signing"))
        monkeypatch.delenv("REDIS_URL", raising=False)
        capsys.readouterr()
        code = cli.main(list(args))
        out = capsys.readouterr()
        return Ran(code, out.out, out.err)
    return run


def test_the_calendar_commands_review_and_change_an_agencys_calendar_as_the_system(tmp_path, in_process):
    qlvbdh = in_process
    db = tmp_path / "calendar.db"
    assert qlvbdh("migrate", db=db).returncode == 0
    assert qlvbdh("create-agency", "000.00.01.H99", "Sở Nội vụ", db=db).returncode == 0
    agency = ("--agency", "000.00.01.H99")

    swap = qlvbdh("calendar", "swap", *agency, "--off", "27/11/2026", "--work", "2026-11-28",
                  "--note", "Thông báo 123/TB-VPCP", db=db)
    assert swap.returncode == 0, swap.stderr
    nothing_to_swap = qlvbdh("calendar", "swap", *agency, "--off", "2026-11-29", "--work", "2026-11-30", db=db)
    assert nothing_to_swap.returncode == 2
    assert "29/11/2026: Ngày này đã là ngày không làm việc" in nothing_to_swap.stderr
    assert "30/11/2026: Ngày này đã là ngày làm việc" in nothing_to_swap.stderr
    assert qlvbdh("calendar", "day-off", *agency, "2026-12-31", db=db).returncode == 0
    assert qlvbdh("calendar", "make-up", *agency, "2026-12-26", "--note", "Làm bù", db=db).returncode == 0
    assert qlvbdh("calendar", "remove", *agency, "31/12/2026", db=db).returncode == 0
    unknown = qlvbdh("calendar", "remove", *agency, "2026-12-30", db=db)
    assert unknown.returncode == 2 and "30/12/2026" in unknown.stderr
    bad_date = qlvbdh("calendar", "day-off", *agency, "31/02/2026", db=db)
    assert bad_date.returncode == 2 and "Ngày không hợp lệ" in bad_date.stderr
    hours = qlvbdh("calendar", "hours", *agency, "--weekday", "0-4=07:00-11:00,13:00-16:30",
                   "--weekday", "5=08:00-11:00", db=db)
    assert hours.returncode == 0, hours.stderr
    bad_hours = qlvbdh("calendar", "hours", *agency, "--weekday", "1=12:00-08:00", db=db)
    assert bad_hours.returncode == 2 and "Thứ Ba" in bad_hours.stderr
    other = qlvbdh("calendar", "show", "--agency", "000.00.99.H99", db=db)
    assert other.returncode == 2 and "000.00.99.H99" in other.stderr

    shown = qlvbdh("calendar", "show", *agency, "--year", "2026", db=db)
    assert shown.returncode == 0, shown.stderr
    assert "27/11/2026 ngày nghỉ · Thông báo 123/TB-VPCP" in shown.stdout
    assert "28/11/2026 ngày làm bù" in shown.stdout and "26/12/2026 ngày làm bù" in shown.stdout
    assert "31/12/2026" not in shown.stdout and "30/12/2026" not in shown.stdout
    assert "Thứ Bảy   08:00–11:00" in shown.stdout and "02/09/2026 Quốc khánh" in shown.stdout

    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        events = connection.execute(sa.text("SELECT action, actor_id FROM audit_event WHERE action LIKE 'calendar.%'"
                                            " ORDER BY id")).all()
    engine.dispose()
    # Audited as the system (no person); the refused changes left nothing.
    assert events == [("calendar.swap_added", None), ("calendar.special_day_added", None),
                      ("calendar.special_day_added", None), ("calendar.special_day_removed", None),
                      ("calendar.hours_set", None)]
