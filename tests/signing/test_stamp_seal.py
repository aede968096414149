"""The seal in the digitisation stamp is drawn at the size its image declares (seed 002 Đ9.3c):
36 mm for the demo seal, whatever the resolution of the file."""
from __future__ import annotations

import re
from io import BytesIO

import pytest
from PIL import Image

from documents.signing import red_seal_png
from documents.signing.appearance import MM
from tests.signing.conftest import AGENCY, AT, AT_TEXT
from tests.signing.helpers import appearance_texts, rect, signature_widgets
from tests.signing.pdfs import make_pdf


def drawn_seal_mm(widget) -> tuple[float, float]:
    """The seal image's size as the appearance stream draws it (the ``cm`` before its ``Do``)."""
    data = widget["/AP"]["/N"].data
    match = re.search(rb"([\d.]+) 0 0 ([\d.]+) 0 0 cm /ImgSeal Do", data)
    assert match, data[:200]
    return float(match.group(1)) / MM, float(match.group(2)) / MM


@pytest.mark.parametrize("size_px", [420, 1200])
def test_the_demo_seal_is_drawn_36_mm_across_whatever_its_pixels(agency_signer, size_px):
    seal = red_seal_png(size_px=size_px)  # 36 mm at 296 or 847 dpi
    signed = agency_signer.sign_scan(make_pdf(1), AGENCY, AT, seal)
    [widget] = signature_widgets(signed)
    width, height = drawn_seal_mm(widget)
    assert width == pytest.approx(36, abs=0.5) and height == pytest.approx(36, abs=0.5)
    llx, lly, urx, ury = rect(widget)
    assert ury - lly > 36 * MM  # the box holds the whole seal


def test_a_seal_declaring_another_size_is_drawn_at_that_size(agency_signer):
    seal = red_seal_png(diameter_mm=42)
    signed = agency_signer.sign_scan(make_pdf(1), AGENCY, AT, seal)
    [widget] = signature_widgets(signed)
    assert drawn_seal_mm(widget)[0] == pytest.approx(42, abs=0.5)


def test_a_seal_without_resolution_is_taken_as_36_mm():
    from documents.signing.agency import seal_size_mm

    out = BytesIO()
    Image.open(BytesIO(red_seal_png())).save(out, format="PNG")  # dpi dropped
    assert "dpi" not in Image.open(BytesIO(out.getvalue())).info
    assert seal_size_mm(out.getvalue()) == 36.0


def test_the_name_and_the_time_fit_beside_and_below_the_true_size_seal(agency_signer, seal_png):
    signed = agency_signer.sign_scan(make_pdf(1), AGENCY, AT, seal_png)
    [widget] = signature_widgets(signed)
    lines = appearance_texts(widget)
    assert " ".join(lines[:-1]) == AGENCY  # Vietnamese diacritics kept
    assert lines[-1] == AT_TEXT
    data = widget["/AP"]["/N"].data
    x1, y1, x2, y2 = (float(v) for v in widget["/AP"]["/N"]["/BBox"])
    width, height = abs(x2 - x1), abs(y2 - y1)
    seal_w, _ = drawn_seal_mm(widget)
    # every text line starts right of the seal or below it, inside the box
    for match in re.finditer(rb"1 0 0 1 ([\d.]+) ([\d.]+) Tm", data):
        x, y = float(match.group(1)), float(match.group(2))
        assert 0 <= x < width and 0 <= y < height
        assert x > seal_w * MM or y < 20
