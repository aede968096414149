"""The digitisation stamp covers no text: on a page laid out per NĐ 30 Phụ lục I, on a scan of
one, beside or below an earlier stamp, and by the documented fallback (the last page's bottom,
else a page added for it) when page 1 has no blank place big enough."""
from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfReader

from documents.signing import validate_pdf
from tests.signing.conftest import AGENCY, AT
from tests.signing.helpers import rect, signature_widgets
from tests.signing.stamp_pages import (
    HEIGHT,
    WIDTH,
    full_of_text,
    overlaps,
    phu_luc_i,
    scan_of_heading,
    text_boxes,
)


def page_count(pdf: bytes) -> int:
    return len(PdfReader(BytesIO(pdf)).pages)


def covered_text(stamp, boxes) -> list:
    return [box for box in boxes if overlaps(stamp, box)]


@pytest.fixture(scope="module")
def heading_page() -> bytes:
    return phu_luc_i()


def test_on_a_phu_luc_i_page_the_stamp_covers_no_text(agency_signer, seal_png, heading_page,
                                                      tmp_path, pki):
    words = text_boxes(heading_page, tmp_path)
    assert any(WIDTH / 2 < box[0] and box[3] > HEIGHT - 80 for box in words)  # heading top right

    signed = agency_signer.sign_scan(heading_page, AGENCY, AT, seal_png)
    [widget] = signature_widgets(signed)
    stamp = rect(widget)
    assert covered_text(stamp, words) == []
    assert stamp[2] > WIDTH * 0.9  # still at the right edge, below the text it would cover
    assert validate_pdf(signed, [pki.root.cert])[0].ok


def test_a_second_stamp_goes_beside_or_below_the_first_never_on_it(agency_signer, seal_png,
                                                                   heading_page, tmp_path):
    words = text_boxes(heading_page, tmp_path)
    once = agency_signer.sign_scan(heading_page, AGENCY, AT, seal_png)
    twice = agency_signer.sign_scan(once, AGENCY, AT, seal_png)
    first, second = (rect(w) for w in signature_widgets(twice))
    assert not overlaps(first, second)
    assert covered_text(second, words) == []


@pytest.mark.parametrize("jpeg", [False, True], ids=["flate", "jpeg"])
def test_on_a_scan_the_stamp_lands_on_blank_paper(agency_signer, seal_png, jpeg):
    scan, image = scan_of_heading(dpi=150, jpeg=jpeg)
    signed = agency_signer.sign_scan(scan, AGENCY, AT, seal_png)
    [widget] = signature_widgets(signed)
    llx, lly, urx, ury = rect(widget)
    scale = image.width / WIDTH  # pixels per point
    under = image.convert("L").crop((round(llx * scale), round((HEIGHT - ury) * scale),
                                     round(urx * scale), round((HEIGHT - lly) * scale)))
    assert under.getextrema()[0] > 200  # no dark pixel under the stamp
    assert urx > WIDTH * 0.9


def test_when_page_one_is_full_the_stamp_goes_to_the_last_pages_bottom(agency_signer, seal_png,
                                                                       tmp_path):
    long = phu_luc_i(paragraphs=9)
    assert page_count(long) == 2
    signed = agency_signer.sign_scan(long, AGENCY, AT, seal_png)
    assert signature_widgets(signed, 0) == []
    [widget] = signature_widgets(signed, 1)
    stamp = rect(widget)
    assert covered_text(stamp, text_boxes(long, tmp_path, page=2)) == []
    assert stamp[1] < HEIGHT / 3


def test_when_no_page_has_room_a_page_is_added_for_the_stamp(agency_signer, seal_png, tmp_path,
                                                             pki):
    dense = full_of_text()
    signed = agency_signer.sign_scan(dense, AGENCY, AT, seal_png)
    assert page_count(signed) == 2
    assert signature_widgets(signed, 0) == []
    [widget] = signature_widgets(signed, 1)
    assert signed.startswith(dense)  # the scan's own pages untouched
    [report] = validate_pdf(signed, [pki.root.cert])
    assert report.ok and report.coverage == "entire_file"
