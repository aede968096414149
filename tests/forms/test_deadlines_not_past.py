"""The ``x-not-past`` keyword: a date or date-time field marked so is refused before the moment the
caller validates at (its clock), with a message at the field in Vietnamese and English."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from forms import FormDefinition, FormDefinitionError, FormInvalid, FormRegistry, default_registry

VN = timezone(timedelta(hours=7))
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=VN)
DISTRIBUTION = {"decision": "assign", "lead_unit_id": 1, "direction": "Đề nghị xử lý"}


def form(**field) -> FormRegistry:
    registry = FormRegistry()
    registry.register(FormDefinition.from_mapping({
        "key": "when", "title": {"vi": "Hẹn", "en": "Appointment"},
        "schema": {"type": "object", "properties": {"at": {"title": "Ngày hẹn", "x-title-en": "Appointment date",
                                                           "type": "string", **field}}}}))
    return registry


def refused(registry, key, data, locale="vi", now=NOW) -> dict[str, str]:
    with pytest.raises(FormInvalid) as info:
        registry.validate(key, data, locale, now=now)
    return info.value.errors


def test_the_distributions_deadline_before_now_is_refused_at_the_field():
    registry = default_registry()
    late = {**DISTRIBUTION, "deadline": "2026-11-23T07:59:59+07:00"}
    assert refused(registry, "incoming_distribute", late) == {
        "deadline": "Hạn xử lý đã qua: chọn một thời điểm sau bây giờ."}
    assert refused(registry, "incoming_distribute", late, "en") == {
        "deadline": "Deadline has passed: choose a time after now."}
    # Compared as moments, whatever the offset: 01:00 UTC is 08:00 in Vietnam, not past.
    on_time = {**DISTRIBUTION, "deadline": "2026-11-23T01:00:00Z"}
    assert registry.validate("incoming_distribute", on_time, now=NOW)["deadline"] == "2026-11-23T01:00:00Z"


def test_without_a_moment_given_the_keyword_is_not_checked():
    late = {**DISTRIBUTION, "deadline": "2020-01-01T08:00:00+07:00"}
    assert default_registry().validate("incoming_distribute", late)["deadline"] == late["deadline"]


def test_a_date_field_is_compared_with_the_day_of_now():
    registry = form(format="date", **{"x-not-past": True})
    assert registry.validate("when", {"at": "2026-11-23"}, now=NOW) == {"at": "2026-11-23"}
    assert refused(registry, "when", {"at": "2026-11-22"}) == {"at": "Ngày hẹn đã qua: chọn một thời điểm sau bây giờ."}
    # A value of the wrong format gets the format's message, not this one.
    assert refused(registry, "when", {"at": "22/11/2026"}) == {
        "at": "«Ngày hẹn» phải là ngày theo ISO 8601, ví dụ 2026-11-21."}


def test_the_keyword_marks_only_date_fields():
    with pytest.raises(FormDefinitionError, match="x-not-past"):
        form(**{"x-not-past": True})
    with pytest.raises(FormDefinitionError, match="x-not-past"):
        form(format="date", **{"x-not-past": "yes"})


def test_a_naive_moment_is_a_programming_error():
    with pytest.raises(ValueError):
        default_registry().validate("incoming_distribute", DISTRIBUTION, now=datetime(2026, 11, 23))
