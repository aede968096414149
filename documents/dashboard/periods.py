"""The periods of the dashboard's series: Monday-start weeks and calendar months in Vietnam
time, the last N of them up to (and including) the one holding a given moment."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..vntime import VN_TZ

WEEK, MONTH = "week", "month"
KINDS = (WEEK, MONTH)
MAX_PERIODS = 104  # two years of weeks


@dataclass(frozen=True)
class Period:
    start: datetime  # aware, Vietnam time: the period's first moment
    end: datetime    # the next period's start
    label: str       # language-neutral: "2026-W48" (ISO week of its Monday) or "2026-11"


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=VN_TZ)


def _first_days(kind: str, today: date, count: int) -> list[date]:
    """The first days of ``count`` + 1 consecutive periods, the second-to-last holding ``today``."""
    if kind == WEEK:
        monday = today - timedelta(days=today.weekday())
        return [monday - timedelta(weeks=back) for back in range(count - 1, -2, -1)]
    months = today.year * 12 + today.month - 1
    return [date((m) // 12, m % 12 + 1, 1) for m in range(months - count + 1, months + 2)]


def _label(kind: str, day: date) -> str:
    if kind == WEEK:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def last(kind: str, count: int, at: datetime) -> list[Period]:
    """The ``count`` periods of ``kind`` ending with the one that holds ``at``, oldest first."""
    if kind not in KINDS:
        raise ValueError(f"unknown period {kind!r}")
    days = _first_days(kind, at.astimezone(VN_TZ).date(), count)
    return [Period(_midnight(first), _midnight(following), _label(kind, first))
            for first, following in zip(days, days[1:])]


def window_start(kind: str, count: int, at: datetime) -> datetime:
    """The first moment of ``last(kind, count, at)``: where the dashboard's completed figures begin."""
    return last(kind, count, at)[0].start
