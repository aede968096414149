"""The pure calendar: receipt rule, working days and hours, across weekends, public holidays
(as the `holidays` package gives them), the lunch break, make-up days and agency days off."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from documents.calendar.business import DEFAULT_CALENDAR as CAL
from documents.calendar.business import BusinessCalendar, CalendarError, national_days
from documents.errors import InvalidData
from documents.vntime import VN_TZ

PLUS7 = timedelta(hours=7)


def vn(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=VN_TZ)


def test_the_package_gives_the_holidays_these_tests_rely_on():
    holidays_2026, workdays_2026 = national_days(2026)
    holidays_2027, _ = national_days(2027)
    print(sorted(holidays_2026), sorted(workdays_2026), sorted(holidays_2027), sep="\n")
    # National Day 2026: Tue 1 + Wed 2 September, and Mon 31 August swapped for Sat 22 August.
    assert {date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2)} <= holidays_2026
    assert workdays_2026 == {date(2026, 8, 22)}
    # Tết Đinh Mùi 2027: Thursday 4 to Wednesday 10 February.
    tet = {date(2027, 2, 4) + timedelta(days=i) for i in range(7)}
    assert tet <= holidays_2027
    assert date(2027, 2, 3) not in holidays_2027 and date(2027, 2, 11) not in holidays_2027
    # Ngày Văn hóa Việt Nam, Tuesday 24 November 2026 (Resolution 80-NQ/TW).
    assert date(2026, 11, 24) in holidays_2026


# --- the receipt rule (seeds 002 Đ12) --------------------------------------------------------

@pytest.mark.parametrize("entered, counted", [
    (vn(2026, 11, 20, 17, 30), vn(2026, 11, 23, 7, 30)),   # Friday evening → Monday morning
    (vn(2026, 11, 21, 10, 0), vn(2026, 11, 23, 7, 30)),    # Saturday
    (vn(2026, 11, 23, 6, 59), vn(2026, 11, 23, 7, 30)),    # before work
    (vn(2026, 11, 23, 12, 0), vn(2026, 11, 23, 13, 30)),   # lunch break
    (vn(2026, 11, 23, 11, 30), vn(2026, 11, 23, 13, 30)),  # periods are [start, end)
    (vn(2026, 11, 23, 17, 0), vn(2026, 11, 25, 7, 30)),    # Tue 24/11 is Vietnam Cultural Day
    (vn(2026, 9, 1, 17, 30), vn(2026, 9, 3, 7, 30)),       # over National Day, Wed 2/9
    (vn(2026, 8, 28, 17, 30), vn(2026, 9, 3, 7, 30)),      # Mon 31/8 (swapped), 1/9, 2/9 off
    (vn(2027, 2, 3, 17, 0), vn(2027, 2, 11, 7, 30)),       # Tết 2027: 4–10 February
])
def test_outside_working_hours_counts_from_the_next_working_period(entered, counted):
    assert CAL.receipt_time(entered) == counted
    assert CAL.receipt_time(entered).utcoffset() == PLUS7


@pytest.mark.parametrize("inside", [vn(2026, 11, 23, 7, 30), vn(2026, 11, 23, 11, 29, 59),
                                    vn(2026, 11, 23, 13, 30), vn(2026, 11, 20, 16, 59, 59, 999999)])
def test_inside_working_hours_counts_from_the_moment_itself(inside):
    assert CAL.is_working_time(inside)
    assert CAL.receipt_time(inside) == inside


def test_any_offset_in_and_vietnam_time_out():
    friday_evening_utc = datetime(2026, 11, 20, 10, 30, tzinfo=timezone.utc)  # 17:30 in Vietnam
    counted = CAL.receipt_time(friday_evening_utc)
    assert counted.isoformat() == "2026-11-23T07:30:00+07:00"
    inside_utc = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
    assert CAL.receipt_time(inside_utc).isoformat() == "2026-11-23T09:00:00+07:00"


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="naive"):
        CAL.receipt_time(datetime(2026, 11, 23, 9, 0))


# --- days ----------------------------------------------------------------------------------

def test_working_days():
    assert CAL.is_working_day(date(2026, 11, 23))            # Monday
    assert not CAL.is_working_day(date(2026, 11, 21))        # Saturday
    assert not CAL.is_working_day(date(2026, 9, 2))          # National Day
    assert CAL.is_working_day(date(2026, 8, 22))             # Saturday made working by the State
    assert CAL.is_working_time(vn(2026, 8, 22, 9, 0))
    # A datetime is read in Vietnam time: 23:00 UTC on Sunday is Monday 06:00 in Vietnam.
    assert CAL.is_working_day(datetime(2026, 11, 22, 23, 0, tzinfo=timezone.utc))


def test_a_make_up_saturday_works_the_standard_day():
    cal = BusinessCalendar.of(make_up_days=[date(2026, 11, 28)])
    assert cal.is_working_day(date(2026, 11, 28))
    assert cal.periods_on(date(2026, 11, 28)) == ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0)))
    assert cal.receipt_time(vn(2026, 11, 27, 18, 0)) == vn(2026, 11, 28, 7, 30)
    assert not cal.is_working_time(vn(2026, 11, 28, 12, 0))


def test_an_agency_day_off_is_not_worked():
    cal = BusinessCalendar.of(days_off=[date(2026, 11, 23)])
    assert not cal.is_working_day(date(2026, 11, 23))
    assert not cal.is_working_time(vn(2026, 11, 23, 9, 0))
    assert cal.receipt_time(vn(2026, 11, 23, 9, 0)) == vn(2026, 11, 25, 7, 30)


def test_the_agency_may_work_a_public_holiday_and_rest_on_a_state_make_up_day():
    cal = BusinessCalendar.of(make_up_days=[date(2026, 11, 24)], days_off=[date(2026, 8, 22)])
    assert cal.is_working_day(date(2026, 11, 24))
    assert not cal.is_working_day(date(2026, 8, 22))


# --- add_working_days ----------------------------------------------------------------------

@pytest.mark.parametrize("start, days, result", [
    (vn(2026, 11, 20, 10, 0), 1, vn(2026, 11, 23, 10, 0)),    # Friday → Monday, same time
    (vn(2026, 11, 20, 17, 30), 1, vn(2026, 11, 25, 7, 30)),   # received Mon 07:30, Tue 24/11 off
    (vn(2026, 11, 23, 9, 15), 0, vn(2026, 11, 23, 9, 15)),
    (vn(2026, 11, 21, 9, 15), 0, vn(2026, 11, 23, 7, 30)),    # 0 days = the receipt time
    (vn(2026, 11, 23, 9, 15), 5, vn(2026, 12, 1, 9, 15)),     # 25, 26, 27, 30/11, 1/12
    (vn(2026, 8, 28, 14, 0), 1, vn(2026, 9, 3, 14, 0)),       # over 31/8, 1/9, 2/9
    (vn(2027, 2, 3, 8, 0), 1, vn(2027, 2, 11, 8, 0)),         # over Tết 2027
    (vn(2026, 11, 23, 12, 0), 1, vn(2026, 11, 25, 13, 30)),   # lunch: received 13:30
])
def test_add_working_days(start, days, result):
    assert CAL.add_working_days(start, days) == result
    assert CAL.add_working_days(start, days).utcoffset() == PLUS7


def test_add_working_days_keeps_to_the_target_day_when_its_hours_differ():
    # Friday works only the morning here: Thursday 15:00 + 1 day is Friday at the end of work.
    short_friday = {d: [("07:30", "11:30"), ("13:30", "17:00")] for d in range(4)} | {4: [("08:00", "12:00")]}
    cal = BusinessCalendar.of(short_friday)
    assert cal.add_working_days(vn(2026, 11, 26, 15, 0), 1) == vn(2026, 11, 27, 12, 0)
    assert cal.add_working_days(vn(2026, 11, 26, 7, 45), 1) == vn(2026, 11, 27, 8, 0)


# --- add_working_hours ---------------------------------------------------------------------

@pytest.mark.parametrize("start, hours, result", [
    (vn(2026, 11, 23, 7, 30), 4, vn(2026, 11, 23, 11, 30)),      # ends at the period's end
    (vn(2026, 11, 23, 10, 0), 2, vn(2026, 11, 23, 14, 0)),       # 1.5 h before lunch, 0.5 after
    (vn(2026, 11, 23, 12, 15), 1, vn(2026, 11, 23, 14, 30)),     # starts at 13:30
    (vn(2026, 11, 23, 7, 30), 7.5, vn(2026, 11, 23, 17, 0)),     # one full day
    (vn(2026, 11, 20, 16, 0), 2, vn(2026, 11, 23, 8, 30)),       # over the weekend
    (vn(2026, 11, 23, 16, 0), 1.5, vn(2026, 11, 25, 8, 0)),      # over Vietnam Cultural Day
    (vn(2026, 9, 1, 9, 0), 0.5, vn(2026, 9, 3, 8, 0)),           # received on a holiday
    (vn(2026, 11, 23, 9, 0), 0, vn(2026, 11, 23, 9, 0)),
    (vn(2026, 11, 23, 7, 30), 15, vn(2026, 11, 25, 17, 0)),      # two full days
])
def test_add_working_hours(start, hours, result):
    assert CAL.add_working_hours(start, hours) == result
    assert CAL.add_working_hours(start, hours).utcoffset() == PLUS7


def test_next_working_period_start():
    assert CAL.next_working_period_start(vn(2026, 11, 23, 7, 30)) == vn(2026, 11, 23, 7, 30)
    assert CAL.next_working_period_start(vn(2026, 11, 23, 9, 0)) == vn(2026, 11, 23, 13, 30)
    assert CAL.next_working_period_start(vn(2026, 11, 23, 14, 0)) == vn(2026, 11, 25, 7, 30)


def test_offsets_are_always_plus_seven_over_a_year():
    moment = vn(2026, 1, 1, 0, 0)
    for _ in range(60):
        moment = CAL.add_working_days(moment, 4)
        assert moment.isoformat().endswith("+07:00")


@pytest.mark.parametrize("call, error", [
    (lambda: CAL.add_working_days(vn(2026, 11, 23, 9), -1), ValueError),
    (lambda: CAL.add_working_days(vn(2026, 11, 23, 9), 1.5), TypeError),
    (lambda: CAL.add_working_days(vn(2026, 11, 23, 9), True), TypeError),
    (lambda: CAL.add_working_days(vn(2026, 11, 23, 9), 10**9), ValueError),
    (lambda: CAL.add_working_hours(vn(2026, 11, 23, 9), float("nan")), ValueError),
    (lambda: CAL.add_working_hours(vn(2026, 11, 23, 9), -0.5), ValueError),
    (lambda: CAL.add_working_hours(vn(2026, 11, 23, 9), "2"), TypeError),
])
def test_bad_amounts_are_refused(call, error):
    with pytest.raises(error):
        call()


def test_a_calendar_that_stops_working_says_so():
    a_year_off = [date(2026, 11, 25) + timedelta(days=i) for i in range(400)]
    cal = BusinessCalendar.of(days_off=a_year_off)
    with pytest.raises(CalendarError, match="no working day"):
        cal.receipt_time(vn(2026, 11, 24, 9, 0))


# --- configuration -------------------------------------------------------------------------

@pytest.mark.parametrize("hours, message", [
    ({0: [("11:30", "07:30")]}, "Thứ Hai: buổi 11:30–07:30 phải bắt đầu trước khi kết thúc"),
    ({2: [("07:30", "11:30"), ("11:00", "17:00")]}, "Thứ Tư: buổi 07:30–11:30 và buổi 11:00–17:00 chồng lên nhau"),
    ({1: [("7h30", "11:30")]}, "Thứ Ba: mỗi buổi phải là (giờ bắt đầu, giờ kết thúc) dạng HH:MM"),
    ({7: [("07:30", "11:30")]}, "Thứ trong tuần không hợp lệ: 7"),
    ({0: [], 6: []}, "cần ít nhất một buổi làm việc trong tuần"),
    ({0: [(time(7, 30, tzinfo=timezone.utc), time(11, 30))]}, "không kèm múi giờ"),
])
def test_bad_working_hours_are_refused_with_a_clear_message(hours, message):
    with pytest.raises(InvalidData) as refused:
        BusinessCalendar.of(hours)
    assert message in refused.value.message


def test_a_make_up_day_cannot_be_a_day_off():
    with pytest.raises(InvalidData, match="Ngày làm bù không thể đồng thời là ngày nghỉ: 05/09/2026"):
        BusinessCalendar.of(days_off=[date(2026, 9, 5)], make_up_days=[date(2026, 9, 5)])


def test_periods_are_sorted_and_touching_periods_are_allowed():
    cal = BusinessCalendar.of({0: [(time(13, 0), time(17, 0)), (time(8, 0), time(13, 0))]})
    assert cal.week[0] == ((time(8, 0), time(13, 0)), (time(13, 0), time(17, 0)))
    assert not cal.is_working_day(date(2026, 11, 25))  # Wednesday: not in this week


def test_hours_from_json_use_string_keys():
    cal = BusinessCalendar.of({"5": [["08:00", "11:00"]]})
    assert cal.week[5] == ((time(8, 0), time(11, 0)),) and not any(cal.week[:5])
    with pytest.raises(InvalidData, match="Thứ Hai: cần một danh sách các buổi"):
        BusinessCalendar.of({"0": "07:30-11:30"})
