"""The demo clock: real time plus an offset kept in a small file (Settings.demo_clock_file), so a
person trying the demo moves time forward (`qlvbdh demo-clock advance 1wd`) and the running server's
timers, notifications and dashboard follow at the scheduler's next tick, with no restart.

The file holds how many microseconds the demo is ahead of real time. Every process reads it, and
re-reads it only when the file changes (its inode, mtime and size: each write replaces the file),
so ``now()`` costs a stat. The offset is never negative: the demo never goes back before real time."""
from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from datetime import date, datetime, timedelta
from pathlib import Path

from engine import clock as clocks

from .calendar.business import DEFAULT_CALENDAR, BusinessCalendar, to_local
from .vntime import VN_TZ


class DemoClockError(ValueError):
    """A move the demo clock refuses (the message says why, for the console)."""


class DemoClock:
    """A Clock (engine/clock.py): ``base`` (the system clock) plus the file's offset."""

    def __init__(self, path: Path, base: clocks.Clock | None = None) -> None:
        self.path = Path(path)
        self.base = base or clocks.SystemClock()
        self._seen: tuple[int, int, int] | None = None
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return self.base.now() + self.offset()

    def offset(self) -> timedelta:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self._seen, self._offset = None, timedelta(0)
            return self._offset
        seen = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if seen != self._seen:
            self._offset, self._seen = read_offset(self.path), seen
        return self._offset

    # ------------------------------------------------------------------ moves

    def move_to(self, moment: datetime) -> datetime:
        """Set the demo time to ``moment``; refused before the current demo time (timers that
        fired stay fired, so the demo's past cannot be replayed) — `reset` goes back to real time."""
        current = self.now()
        if moment < current:
            raise DemoClockError(f"{format_vn(moment)} is before the demo time {format_vn(current)}: "
                                 "the demo clock only moves forward (reset goes back to real time)")
        self._write(moment - self.base.now())
        return self.now()

    def reset(self) -> datetime:
        self._write(timedelta(0))
        return self.now()

    def _write(self, offset: timedelta) -> None:
        microseconds = max(0, offset // timedelta(microseconds=1))  # never before real time
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside then renamed: a reader never sees half a file, and the new inode tells
        # every process's cache that it changed even within one mtime tick.
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".demo-clock-")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(f"{microseconds}\n")
        os.replace(temporary, self.path)


def advance(clock: DemoClock, text: str) -> datetime:
    """`qlvbdh demo-clock advance <text>`: forward by a human amount (parse_amount)."""
    amount, working_days = parse_amount(text)
    return clock.move_to(after(clock.now(), amount, working_days))


def advance_to(clock: DemoClock, text: str) -> datetime:
    """`qlvbdh demo-clock to <text>`: forward to a moment (parse_moment)."""
    return clock.move_to(parse_moment(text, clock.now()))


def read_offset(path: Path) -> timedelta:
    """The file's offset; an unreadable or negative one counts as none (the demo shows real time)."""
    try:
        microseconds = int(path.read_text(encoding="utf-8").split()[0])
    except (OSError, ValueError, IndexError):
        return timedelta(0)
    return timedelta(microseconds=max(0, microseconds))


# ---------------------------------------------------------------------- what people type

_UNITS = {
    "w": "weeks", "tuần": "weeks",
    "d": "days", "ngày": "days",
    "h": "hours", "giờ": "hours", "tiếng": "hours",
    "m": "minutes", "ph": "minutes", "phút": "minutes",
    "wd": "working_days", "ngày làm việc": "working_days",
}
_PART = re.compile(r"(\d+)\s*(ngày làm việc|wd|tuần|ngày|giờ|tiếng|phút|ph|w|d|h|m)(?![a-zà-ỹ])")


def parse_amount(text: str) -> tuple[timedelta, int]:
    """A human amount: "2d", "3h", "1d12h", "90m", "1 ngày", "2 giờ 30 phút", "1wd" or
    "1 ngày làm việc" (working days, by the national calendar). Returns (time, working days)."""
    spoken = unicodedata.normalize("NFC", text).strip().lower()
    parts = list(_PART.finditer(spoken))
    if not parts or _PART.sub("", spoken).strip():
        raise DemoClockError(f"not an amount of time: {text!r} (e.g. 2d, 3h, 1d12h, 1wd, \"1 ngày\")")
    total, working_days = timedelta(0), 0
    for part in parts:
        count, unit = int(part.group(1)), _UNITS[part.group(2)]
        if unit == "working_days":
            working_days += count
        else:
            total += timedelta(**{unit: count})
    if total > timedelta(days=3660) or working_days > 1000:
        raise DemoClockError(f"too far: {text!r} (at most ten years)")
    return total, working_days


def after(moment: datetime, amount: timedelta, working_days: int,
          calendar: BusinessCalendar = DEFAULT_CALENDAR) -> datetime:
    """``moment`` moved by ``amount``, then by ``working_days`` counted as deadlines are (from the
    next working period when outside working time: Friday 10:00 + 1 = Monday 10:00, Sunday night
    + 1 = Tuesday 07:30), so "advance 1wd" reaches a timer set one working day ahead."""
    moved = moment + amount
    return calendar.add_working_days(moved, working_days) if working_days else moved


def next_working_morning(moment: datetime, calendar: BusinessCalendar = DEFAULT_CALENDAR) -> datetime:
    """The start of the next working day (07:30 by the national hours) after ``moment``; today's
    when it is a working day not yet begun. Reminders and digests fall due then."""
    local = to_local(moment)
    periods = calendar.periods_on(local.date())
    if periods and local.time() < periods[0][0]:
        return datetime.combine(local.date(), periods[0][0], tzinfo=VN_TZ)
    day = next_working_day(local.date(), calendar)
    return datetime.combine(day, calendar.periods_on(day)[0][0], tzinfo=VN_TZ)


def next_working_day(day: date, calendar: BusinessCalendar = DEFAULT_CALENDAR) -> date:
    for _ in range(366):
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            return day
    raise DemoClockError("no working day within a year")


MORNING_WORDS = frozenset({"morning", "sáng", "sáng mai", "next-morning"})


def parse_moment(text: str, now: datetime) -> datetime:
    """"dd/mm/yyyy HH:MM" in Vietnam time, or "morning"/"sáng" for the next working morning."""
    spoken = unicodedata.normalize("NFC", text).strip().lower()
    if spoken in MORNING_WORDS:
        return next_working_morning(now)
    try:
        local = datetime.strptime(spoken, "%d/%m/%Y %H:%M")
    except ValueError:
        raise DemoClockError(f"not a time: {text!r} (dd/mm/yyyy HH:MM in Vietnam time, or \"morning\")") from None
    return local.replace(tzinfo=VN_TZ)


WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")


def format_vn(moment: datetime) -> str:
    """"07:30 Thứ Hai, 07/12/2026" in Vietnam time."""
    local = moment.astimezone(VN_TZ)
    return f"{local:%H:%M} {WEEKDAYS[local.weekday()]}, {local:%d/%m/%Y}"


def format_offset(offset: timedelta) -> str:
    """"2 ngày 3 giờ 5 phút" ahead of real time; "0 phút" when none."""
    minutes = round(offset.total_seconds() / 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{n} {unit}" for n, unit in ((days, "ngày"), (hours, "giờ"), (minutes, "phút")) if n]
    return " ".join(parts) or "0 phút"


def describe(clock: DemoClock) -> str:
    """The console's line: the demo time and how far ahead of real time it is."""
    return f"Giờ demo: {format_vn(clock.now())} (giờ Việt Nam; đi trước giờ thật {format_offset(clock.offset())})"

