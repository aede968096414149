"""Sizes and counts in refusals are written the Vietnamese way."""
from __future__ import annotations

import pytest

from documents.files.refusals import count, refuse, size
from engine.errors import InvalidData


@pytest.mark.parametrize("number_of_bytes, shown, exact", [
    (0, "0 byte", "0 byte"),
    (1023, "1.023 byte", "1.023 byte"),
    (1024, "1 KiB", "1 KiB (1.024 byte)"),
    (1536, "1,5 KiB", "1,5 KiB (1.536 byte)"),
    (65_843, "64,3 KiB", "64,3 KiB (65.843 byte)"),
    (50 << 20, "50 MiB", "50 MiB (52.428.800 byte)"),
    (1 << 30, "1 GiB", "1 GiB (1.073.741.824 byte)"),
    (1_000_000_000_000, "931,3 GiB", "931,3 GiB (1.000.000.000.000 byte)"),
])
def test_sizes_have_a_decimal_comma_and_dotted_thousands(number_of_bytes, shown, exact):
    assert size(number_of_bytes) == shown
    assert size(number_of_bytes, exact=True) == exact


def test_counts_group_thousands_with_dots():
    assert [count(n) for n in (7, 60_000, 1_234_567)] == ["7", "60.000", "1.234.567"]


def test_a_refusal_is_the_file_field_error_too():
    with pytest.raises(InvalidData) as caught:
        refuse("Tệp «a.pdf» rỗng: không có nội dung.")
    assert caught.value.status == 422
    assert caught.value.errors == {"file": "Tệp «a.pdf» rỗng: không có nội dung."}
