"""The business calendar itself: pure, immutable, no database. Built once per agency from its rows
(calendar.service.calendar_for) or as DEFAULT_CALENDAR (national holidays, default hours).

Everything is computed in Vietnam local time (Asia/Ho_Chi_Minh, +07:00 all year: Vietnam has had
no daylight saving since 1975). Methods take timezone-aware datetimes in any zone and return
aware datetimes in Asia/Ho_Chi_Minh. Working periods are half-open, [start, end): 07:30 is working
time, 11:30 is not.

A date is a working day when, in this order of precedence:
  1. the agency declared it a make-up working day (làm bù)  → working;
  2. the agency declared it a day off (nghỉ bù, own holiday) → not working;
  3. it is a Vietnamese public holiday (the `holidays` package, observed days included) → not working;
  4. its weekday has working periods, or the State moved a working day onto it (the package's
     weekend_workdays, e.g. Saturday 22/08/2026)                → working.
A working day whose weekday has no periods of its own (a make-up Saturday) works the agency's
standard day: the periods of the first weekday, from Monday, that has any.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise

import holidays

from ..errors import InvalidData
from ..vntime import VN_TZ

Period = tuple[time, time]
Week = tuple[tuple[Period, ...], ...]  # index 0 = Monday … 6 = Sunday
# What callers pass: weekday (int, or its digit string from JSON) → [(start, end)] as time or "HH:MM".
HoursInput = Mapping[int | str, Sequence[Sequence[time | str]]]

_DEFAULT_DAY = ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0)))
DEFAULT_HOURS: Week = (_DEFAULT_DAY,) * 5 + ((), ())
WEEKDAY_NAMES = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")

# Bounds that keep every call short, also when a diagram passes absurd numbers (a sandbox
# helper runs outside the sandbox's step budget).
MAX_WORKING_DAYS = 2_500            # about ten years of working days
MAX_WORKING_HOURS = 20_000
MAX_DAYS_WITHOUT_WORK = 366         # a calendar that never works again is a configuration error


class CalendarError(ValueError):
    """A computation the calendar cannot do (e.g. no working day within a year)."""


@lru_cache(maxsize=128)
def national_days(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """(public holidays, weekend days made working) of one year, as the `holidays` package says.
    Neighbouring years are populated too: a swap may cross New Year (31/12/2018 off for 05/01/2019)."""
    vn = holidays.country_holidays("VN", years=range(year - 1, year + 2))
    return (frozenset(d for d in vn if d.year == year),
            frozenset(d for d in vn.weekend_workdays if d.year == year))


def validate_week(hours: HoursInput) -> Week:
    """Check and normalise weekday → periods; raises InvalidData with a message per weekday."""
    errors: dict[str, str] = {}
    week: list[tuple[Period, ...]] = [()] * 7
    for weekday, periods in hours.items():
        if isinstance(weekday, str) and weekday.isdigit():  # JSON object keys are strings
            weekday = int(weekday)
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise InvalidData(f"Thứ trong tuần không hợp lệ: {weekday!r} (0 = Thứ Hai … 6 = Chủ nhật).")
        problem, day = _check_day(periods)
        if problem:
            errors[str(weekday)] = f"{WEEKDAY_NAMES[weekday]}: {problem}"
        week[weekday] = day
    if errors:
        raise InvalidData("Giờ làm việc không hợp lệ. " + " ".join(errors.values()), errors=errors)
    if not any(week):
        raise InvalidData("Giờ làm việc không hợp lệ: cần ít nhất một buổi làm việc trong tuần.")
    return tuple(week)


def _check_day(periods: object) -> tuple[str | None, tuple[Period, ...]]:
    if not isinstance(periods, (list, tuple)):
        return f"cần một danh sách các buổi (giờ bắt đầu, giờ kết thúc); nhận được {periods!r}.", ()
    parsed = []
    for period in periods:
        times = tuple(_time(t) for t in period) if isinstance(period, (list, tuple)) else ()
        if len(times) != 2 or None in times:
            return ("mỗi buổi phải là (giờ bắt đầu, giờ kết thúc) dạng HH:MM, giờ Việt Nam, "
                    f"không kèm múi giờ; nhận được {period!r}."), ()
        parsed.append(times)
    day = tuple(sorted(parsed))
    for starts, ends in day:
        if starts >= ends:
            return f"buổi {starts:%H:%M}–{ends:%H:%M} phải bắt đầu trước khi kết thúc.", ()
    for (s1, e1), (s2, e2) in pairwise(day):
        if s2 < e1:
            return f"buổi {s1:%H:%M}–{e1:%H:%M} và buổi {s2:%H:%M}–{e2:%H:%M} chồng lên nhau.", ()
    return None, day


def _time(value: object) -> time | None:
    """A local time of day from a time or an "HH:MM[:SS]" string (what forms send); None if neither."""
    if isinstance(value, str):
        try:
            value = time.fromisoformat(value.strip())
        except ValueError:
            return None
    return value if isinstance(value, time) and value.tzinfo is None else None


def to_local(moment: datetime) -> datetime:
    """Vietnam local time of an aware datetime, as a naive datetime (the arithmetic runs on these)."""
    if not isinstance(moment, datetime):
        raise TypeError(f"expected a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime refused: pass a timezone-aware time (e.g. +07:00)")
    return moment.astimezone(VN_TZ).replace(tzinfo=None)


def _aware(local: datetime) -> datetime:
    return local.replace(tzinfo=VN_TZ)


@dataclass(frozen=True)
class BusinessCalendar:
    """An agency's calendar. Build it with ``BusinessCalendar.of(...)``, which validates."""

    week: Week = DEFAULT_HOURS
    days_off: frozenset[date] = frozenset()
    make_up_days: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        # The walks below rely on it: some weekday works, so a working day always comes.
        if len(self.week) != 7 or not any(self.week):
            raise ValueError("week must have 7 weekdays and at least one working period; use BusinessCalendar.of")

    @classmethod
    def of(cls, hours: HoursInput | None = None,
           days_off: Iterable[date] = (), make_up_days: Iterable[date] = ()) -> BusinessCalendar:
        week = DEFAULT_HOURS if hours is None else validate_week(hours)
        off, make_up = frozenset(days_off), frozenset(make_up_days)
        both = sorted(off & make_up)
        if both:
            raise InvalidData("Ngày làm bù không thể đồng thời là ngày nghỉ: "
                              + ", ".join(f"{d:%d/%m/%Y}" for d in both) + ".")
        return cls(week, off, make_up)

    @property
    def standard_day(self) -> tuple[Period, ...]:
        """The periods a make-up day works: those of the first weekday, from Monday, that has any."""
        return next(day for day in self.week if day)

    # --- days ------------------------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` (a date in Vietnam; an aware datetime is converted first) is worked."""
        if isinstance(day, datetime):
            day = to_local(day).date()
        if day in self.make_up_days:
            return True
        if day in self.days_off:
            return False
        public_holidays, weekend_workdays = national_days(day.year)
        if day in public_holidays:
            return False
        return bool(self.week[day.weekday()]) or day in weekend_workdays

    def periods_on(self, day: date) -> tuple[Period, ...]:
        """The working periods of a date, empty when it is not a working day."""
        if not self.is_working_day(day):
            return ()
        return self.week[day.weekday()] or self.standard_day

    # --- instants --------------------------------------------------------------------------

    def is_working_time(self, moment: datetime) -> bool:
        local = to_local(moment)
        now = local.time()
        return any(starts <= now < ends for starts, ends in self.periods_on(local.date()))

    def next_working_period_start(self, moment: datetime) -> datetime:
        """The start of the first working period that starts at or after ``moment``
        (inside a period, that is the start of the following one)."""
        local = to_local(moment)
        return _aware(next(starts for starts, _ in self._periods_from(local) if starts >= local))

    def receipt_time(self, moment: datetime) -> datetime:
        """The receipt rule (seeds 002 Đ12): a document entering during working time counts from
        that moment; outside working time, from the start of the next working period."""
        local = to_local(moment)
        starts, _ = next(self._periods_from(local))
        return _aware(max(starts, local))

    def add_working_days(self, moment: datetime, days: int) -> datetime:
        """The same time of day ``days`` working days later, counted from the receipt time.

        start = receipt_time(moment); the result is on the ``days``-th working day after
        start's date, at start's time of day. If the target day's own periods do not contain that
        time (only when weekdays have different hours), it moves to the next period start of that
        day, or to the end of its last period: the result never leaves the target day.
        Friday 10:00 + 1 = Monday 10:00; Friday 17:30 + 1 = Tuesday 07:30 (received Monday 07:30);
        days = 0 gives the receipt time."""
        days = _count(days, "days", MAX_WORKING_DAYS)
        start = to_local(self.receipt_time(moment))
        day = start.date()
        for _ in range(days):
            day = self._next_working_day(day)
        now = start.time()
        periods = self.periods_on(day)
        for starts, ends in periods:
            if now < starts:
                return _aware(datetime.combine(day, starts))
            if now < ends:
                return _aware(datetime.combine(day, now))
        return _aware(datetime.combine(day, periods[-1][1]))

    def add_working_hours(self, moment: datetime, hours: float) -> datetime:
        """The earliest instant by which ``hours`` of working time have elapsed since the receipt
        time: only time inside working periods counts. Ending exactly at a period's end gives that
        end (Monday 07:30 + 4 h = Monday 11:30, not 13:30); hours = 0 gives the receipt time.
        Fractions are allowed (0.5 = 30 minutes)."""
        remaining = timedelta(hours=_amount(hours))
        local = to_local(self.receipt_time(moment))
        for starts, ends in self._periods_from(local):
            begin = max(starts, local)
            if remaining <= ends - begin:
                return _aware(begin + remaining)
            remaining -= ends - begin
        raise AssertionError("unreachable: _periods_from never ends")

    def working_days_before(self, moment: datetime, days: int) -> datetime:
        """The same time of day ``days`` working days before ``moment`` (a deadline): a reminder
        one working day ahead. The target day is a working day; a time outside its periods moves
        back to the end of the period before it, or to the start of the day's first period.
        Monday 10:00 − 1 = Friday 10:00; Tuesday 12:00 − 1 = Monday 11:30; days = 0 gives ``moment``."""
        days = _count(days, "days", MAX_WORKING_DAYS)
        local = to_local(moment)
        if days == 0:
            return _aware(local)
        day = local.date()
        for _ in range(days):
            day = self._previous_working_day(day)
        now, latest = local.time(), None
        periods = self.periods_on(day)
        for starts, ends in periods:
            if now < starts:
                break
            latest = min(now, ends)
        return _aware(datetime.combine(day, latest if latest is not None else periods[0][0]))

    def working_hours_before(self, moment: datetime, hours: float) -> datetime:
        """The latest instant with ``hours`` of working time between it and ``moment`` (a
        deadline): add_working_hours walked backwards. Starting exactly at a period's start gives
        that start (Monday 11:30 − 4 h = Monday 07:30, not Friday 17:00). Fractions are allowed."""
        remaining = timedelta(hours=_amount(hours))
        local = to_local(moment)
        for starts, ends in self._periods_before(local):
            end = min(ends, local)
            if remaining <= end - starts:
                return _aware(end - remaining)
            remaining -= end - starts
        raise AssertionError("unreachable: _periods_before never ends")

    # --- walking ---------------------------------------------------------------------------

    def _periods_from(self, local: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working periods (local naive start, end) that end after ``local``, in order."""
        day, idle = local.date(), 0
        while True:
            periods = self.periods_on(day)
            for starts, ends in periods:
                end = datetime.combine(day, ends)
                if end > local:
                    yield datetime.combine(day, starts), end
            idle = 0 if periods else idle + 1
            if idle > MAX_DAYS_WITHOUT_WORK:
                raise CalendarError(f"no working day within {MAX_DAYS_WITHOUT_WORK} days after {day:%Y-%m-%d}")
            day += timedelta(days=1)

    def _periods_before(self, local: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working periods (local naive start, end) that start before ``local``, latest first."""
        day, idle = local.date(), 0
        while True:
            periods = self.periods_on(day)
            for starts, ends in reversed(periods):
                begin = datetime.combine(day, starts)
                if begin < local:
                    yield begin, datetime.combine(day, ends)
            idle = 0 if periods else idle + 1
            if idle > MAX_DAYS_WITHOUT_WORK:
                raise CalendarError(f"no working day within {MAX_DAYS_WITHOUT_WORK} days before {day:%Y-%m-%d}")
            day -= timedelta(days=1)

    def _previous_working_day(self, day: date) -> date:
        for _ in range(MAX_DAYS_WITHOUT_WORK):
            day -= timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise CalendarError(f"no working day within {MAX_DAYS_WITHOUT_WORK} days before {day:%Y-%m-%d}")

    def _next_working_day(self, day: date) -> date:
        for _ in range(MAX_DAYS_WITHOUT_WORK):
            day += timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise CalendarError(f"no working day within {MAX_DAYS_WITHOUT_WORK} days after {day:%Y-%m-%d}")


def _count(value: int, what: str, limit: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be a whole number, got {type(value).__name__}")
    if not 0 <= value <= limit:
        raise ValueError(f"{what} must be between 0 and {limit}, got {value}")
    return value


def _amount(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"hours must be a number, got {type(value).__name__}")
    if not (math.isfinite(value) and 0 <= value <= MAX_WORKING_HOURS):
        raise ValueError(f"hours must be between 0 and {MAX_WORKING_HOURS}, got {value}")
    return value


DEFAULT_CALENDAR = BusinessCalendar()
