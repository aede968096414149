"""The demo clock (documents/demo_clock.py) and `qlvbdh demo-clock`: real time plus an offset in a
file, read by every process and moved only forward. No sleeps: the base clock is a FixedClock, and
the command's own runs are checked by the offset they leave in the file."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from documents import demo_clock
from documents.demo_clock import DemoClock, DemoClockError
from documents.settings import Settings
from documents.system import build_system
from documents.vntime import VN_TZ
from engine.clock import FixedClock
from tests.test_cli import ROOT, qlvbdh

# Friday 04/12/2026 10:00 in Vietnam.
FRIDAY = datetime(2026, 12, 4, 10, 0, tzinfo=VN_TZ)


@pytest.fixture
def base() -> FixedClock:
    return FixedClock(FRIDAY)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "demo-clock"


def test_without_a_file_the_demo_clock_is_real_time(path, base):
    assert DemoClock(path, base).now() == FRIDAY
    assert not path.exists()


def test_moving_forward_is_seen_by_every_reader_of_the_file(path, base):
    mover, server = DemoClock(path, base), DemoClock(path, base)
    assert server.now() == FRIDAY
    monday = datetime(2026, 12, 7, 7, 30, tzinfo=VN_TZ)
    assert mover.move_to(monday) == monday
    assert server.now() == monday  # another process's clock: the file changed, it re-reads
    base.advance(minutes=5)  # real time goes on, the demo keeps its lead
    assert server.now() == monday + timedelta(minutes=5)
    assert mover.reset() == FRIDAY + timedelta(minutes=5)
    assert server.now() == FRIDAY + timedelta(minutes=5) and server.offset() == timedelta(0)


def test_the_file_is_read_only_when_it_changes(path, base, monkeypatch):
    DemoClock(path, base).move_to(FRIDAY + timedelta(days=1))
    reads = []
    real = demo_clock.read_offset
    monkeypatch.setattr(demo_clock, "read_offset", lambda p: reads.append(p) or real(p))
    clock = DemoClock(path, base)
    for _ in range(100):
        clock.now()
    assert len(reads) == 1
    DemoClock(path, base).move_to(FRIDAY + timedelta(days=2))
    reads.clear()
    assert clock.now() == FRIDAY + timedelta(days=2) and clock.now() and len(reads) == 1


def test_never_backwards_and_never_before_real_time(path, base):
    clock = DemoClock(path, base)
    clock.move_to(FRIDAY + timedelta(days=3))
    with pytest.raises(DemoClockError, match="only moves forward"):
        clock.move_to(FRIDAY + timedelta(days=1))
    assert clock.now() == FRIDAY + timedelta(days=3)  # nothing written
    path.write_text("-86400000000\n")  # a hand-edited file cannot take the demo into the past
    assert clock.now() == FRIDAY
    path.write_text("garbage\n")
    assert clock.now() == FRIDAY


@pytest.mark.parametrize("text, amount, working_days", [
    ("2d", timedelta(days=2), 0), ("3h", timedelta(hours=3), 0), ("1d12h", timedelta(days=1, hours=12), 0),
    ("90m", timedelta(minutes=90), 0), ("1 ngày", timedelta(days=1), 0), ("1w", timedelta(weeks=1), 0),
    ("2 giờ 30 phút", timedelta(hours=2, minutes=30), 0), ("1wd", timedelta(0), 1),
    ("2 ngày làm việc", timedelta(0), 2), ("1 NGÀY", timedelta(days=1), 0),
])
def test_human_amounts(text, amount, working_days):
    assert demo_clock.parse_amount(text) == (amount, working_days)


@pytest.mark.parametrize("text", ["", "2", "2x", "-1d", "1dd", "abc", "2 days", "99999d"])
def test_amounts_refused(text):
    with pytest.raises(DemoClockError):
        demo_clock.parse_amount(text)


def test_working_days_and_mornings_skip_weekends_and_holidays():
    assert demo_clock.after(FRIDAY, timedelta(0), 1) == datetime(2026, 12, 7, 10, 0, tzinfo=VN_TZ)  # Monday
    sunday_night = datetime(2026, 12, 6, 22, 0, tzinfo=VN_TZ)  # counted from Monday 07:30, as deadlines are
    assert demo_clock.after(sunday_night, timedelta(0), 1) == datetime(2026, 12, 8, 7, 30, tzinfo=VN_TZ)
    assert demo_clock.next_working_morning(FRIDAY) == datetime(2026, 12, 7, 7, 30, tzinfo=VN_TZ)
    early_monday = datetime(2026, 12, 7, 6, 0, tzinfo=VN_TZ)
    assert demo_clock.next_working_morning(early_monday) == datetime(2026, 12, 7, 7, 30, tzinfo=VN_TZ)
    # National Day 2026: Monday 31/08 to Wednesday 02/09 off; Friday 28/08 + 1 working day is Thursday.
    before_holiday = datetime(2026, 8, 28, 9, 0, tzinfo=VN_TZ)
    assert demo_clock.after(before_holiday, timedelta(0), 1) == datetime(2026, 9, 3, 9, 0, tzinfo=VN_TZ)
    assert demo_clock.next_working_morning(before_holiday) == datetime(2026, 9, 3, 7, 30, tzinfo=VN_TZ)


def test_moments_in_vietnam_time():
    assert demo_clock.parse_moment("07/12/2026 08:15", FRIDAY) == datetime(2026, 12, 7, 1, 15, tzinfo=timezone.utc)
    assert demo_clock.parse_moment("sáng", FRIDAY) == datetime(2026, 12, 7, 7, 30, tzinfo=VN_TZ)
    for bad in ("2026-12-07T08:00", "31/02/2026 08:00", "tomorrow"):
        with pytest.raises(DemoClockError):
            demo_clock.parse_moment(bad, FRIDAY)
    assert demo_clock.format_vn(FRIDAY) == "10:00 Thứ Sáu, 04/12/2026"
    assert demo_clock.format_offset(timedelta(days=1, hours=3, minutes=5)) == "1 ngày 3 giờ 5 phút"


def test_the_system_runs_on_the_demo_clock_only_when_set(tmp_path, path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", demo_clock_file=path)
    demo = build_system(settings)
    assert isinstance(demo.runtime.clock, DemoClock) and demo.runtime.clock.path == path
    fixed = FixedClock(FRIDAY)
    assert build_system(settings, engine_clock=fixed).runtime.clock is fixed  # a given clock wins (tests)
    plain = build_system(Settings(database_url=f"sqlite:///{tmp_path / 'y.db'}"))
    assert not isinstance(plain.runtime.clock, DemoClock)
    for system in (demo, plain):
        system.db.dispose()


OUTPUT = re.compile(r"^Giờ demo: \d\d:\d\d (Thứ (Hai|Ba|Tư|Năm|Sáu|Bảy)|Chủ Nhật), \d\d/\d\d/\d{4} "
                    r"\(giờ Việt Nam; đi trước giờ thật (.+)\)$")


def _offset(path: Path) -> timedelta:
    return demo_clock.read_offset(path)


def test_the_command(tmp_path, path):
    db = tmp_path / "unused.db"
    off = qlvbdh("demo-clock", "show", db=db)
    assert off.returncode == 2 and "DEMO_CLOCK_FILE is not set" in off.stderr

    shown = qlvbdh("demo-clock", "show", db=db, DEMO_CLOCK_FILE=str(path))
    assert shown.returncode == 0, shown.stderr
    assert OUTPUT.match(shown.stdout.strip()).group(3) == "0 phút"

    advanced = qlvbdh("demo-clock", "advance", "1d", "2h", db=db, DEMO_CLOCK_FILE=str(path))
    assert advanced.returncode == 0, advanced.stderr
    assert OUTPUT.match(advanced.stdout.strip()).group(3) == "1 ngày 2 giờ"
    assert abs(_offset(path) - timedelta(days=1, hours=2)) < timedelta(seconds=30)

    spoken = qlvbdh("demo-clock", "advance", "3 giờ", db=db, DEMO_CLOCK_FILE=str(path))
    assert spoken.returncode == 0 and abs(_offset(path) - timedelta(days=1, hours=5)) < timedelta(seconds=30)

    morning = qlvbdh("demo-clock", "to", "morning", db=db, DEMO_CLOCK_FILE=str(path))
    assert morning.returncode == 0 and " 07:30 " in f" {morning.stdout.split(': ', 1)[1]}"

    before = _offset(path)
    backwards = qlvbdh("demo-clock", "to", "01/01/2020 08:00", db=db, DEMO_CLOCK_FILE=str(path))
    assert backwards.returncode == 2 and "only moves forward" in backwards.stderr
    nonsense = qlvbdh("demo-clock", "advance", "soon", db=db, DEMO_CLOCK_FILE=str(path))
    assert nonsense.returncode == 2 and "not an amount of time" in nonsense.stderr
    assert _offset(path) == before  # refusals write nothing

    reset = qlvbdh("demo-clock", "reset", db=db, DEMO_CLOCK_FILE=str(path))
    assert reset.returncode == 0 and _offset(path) == timedelta(0)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_gives_the_demo_its_clock_and_mail_folder(tmp_path):
    """`make run` (README): each of its commands sees the demo clock's file and the mail folder."""
    fake = tmp_path / "qlvbdh"
    fake.write_text('#!/bin/sh\necho "$1 $DEMO_CLOCK_FILE $MAIL_DIR"\n')
    fake.chmod(0o755)
    environment = {k: v for k, v in os.environ.items() if k not in ("DEMO_CLOCK_FILE", "MAIL_DIR", "MAKEFLAGS")}
    ran = subprocess.run(["make", "-s", "-o", ".venv/.installed", "-o", "api/static/build/.built", "run",
                          f"BIN={tmp_path}"], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines() == [f"{command} ./data/demo-clock ./data/mail"
                                       for command in ("migrate", "seed-demo", "run")]
