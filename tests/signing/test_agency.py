"""The agency's signature on a scanned paper document: top right of page 1 when it is blank
there, the red seal, the agency name and the ISO 8601 time with +07:00; bad uploads refused
with a clear message."""
from __future__ import annotations

import subprocess
from datetime import datetime
from io import BytesIO

import pytest
from PIL import Image

from documents.signing import AgencySigner, validate_pdf
from documents.signing.appearance import MM
from engine.errors import InvalidData
from tests.signing.conftest import AGENCY, AT, AT_TEXT, signer_for
from tests.signing.helpers import appearance_texts, rect, signature_widgets
from tests.signing.pdfs import A4, make_pdf
from tests.tools import require_program

WIDTH, HEIGHT = A4
MARGIN = 10 * MM


@pytest.fixture(scope="module")
def signed(agency_signer, seal_png) -> bytes:
    return agency_signer.sign_scan(make_pdf(pages=3), AGENCY, AT, seal_png, filename="scan.pdf")


def test_the_signed_scan_validates_as_intact_trusted_and_covering_the_whole_file(signed, pki):
    [report] = validate_pdf(signed, [pki.root.cert])

    assert (report.intact, report.valid, report.trusted, report.ok) == (True, True, True, True)
    assert report.coverage == "entire_file"
    assert report.modification_level == "none"
    assert report.field_name == "CoQuanSoHoa"
    assert report.signer_organisation == "Văn phòng Ủy ban nhân dân tỉnh Hà Nam"
    assert report.signing_time == AT_TEXT
    assert report.summary_vi == f"Chữ ký hợp lệ của {report.signer} lúc {AT_TEXT}"


def test_the_original_pages_are_kept_byte_for_byte(signed):
    original = make_pdf(pages=3)
    assert signed.startswith(original)  # an incremental update: earlier signatures stay valid


STAMP_WIDTH = (36 + 40) * MM  # the seal at its declared 36 mm, the name's column beside it


def test_the_box_is_at_the_top_right_of_page_one_seal_and_name_wide(signed):
    [widget] = signature_widgets(signed, 0)
    llx, lly, urx, ury = rect(widget)

    assert llx > WIDTH / 2 and lly > HEIGHT / 2  # the top right quadrant
    assert urx == pytest.approx(WIDTH - MARGIN, abs=0.01)
    assert ury == pytest.approx(HEIGHT - MARGIN, abs=0.01)
    assert urx - llx == pytest.approx(STAMP_WIDTH, abs=1)  # whole points
    assert signature_widgets(signed, 1) == [] and signature_widgets(signed, 2) == []


def test_the_appearance_fills_the_box_exactly(signed):
    [widget] = signature_widgets(signed)
    llx, lly, urx, ury = rect(widget)
    x1, y1, x2, y2 = (float(v) for v in widget["/AP"]["/N"]["/BBox"])
    assert (abs(x2 - x1), abs(y2 - y1)) == (urx - llx, ury - lly)  # neither clipped nor stretched


def test_the_appearance_shows_the_agency_name_and_the_time_with_the_offset(signed):
    [widget] = signature_widgets(signed)
    lines = appearance_texts(widget)

    assert " ".join(lines[:-1]) == AGENCY
    assert lines[-1] == AT_TEXT
    assert b"/ImgSeal Do" in widget["/AP"]["/N"].data


def test_a_pdf_reader_extracts_the_vietnamese_text_from_the_top_right(signed, tmp_path):
    pdftotext = require_program("pdftotext", "poppler-utils")
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    # only the top right corner of page 1, where the stamp is
    text = subprocess.run(
        [pdftotext, "-f", "1", "-l", "1", "-x", str(int(WIDTH / 2)), "-y", "0", "-W",
         str(int(WIDTH / 2)), "-H", "160", str(path), "-"],
        capture_output=True, check=True, text=True).stdout
    assert " ".join(text.split()) == f"{AGENCY} {AT_TEXT}"


def test_the_seal_keeps_its_transparency(signed):
    [widget] = signature_widgets(signed)
    seal = widget["/AP"]["/N"]["/Resources"]["/XObject"]["/ImgSeal"]
    assert "/SMask" in seal


@pytest.mark.parametrize("rotate, corner", [(90, "top left"), (180, "bottom left"),
                                            (270, "bottom right")])
def test_on_a_rotated_page_the_box_is_where_the_top_right_is_seen(agency_signer, seal_png,
                                                                  rotate, corner):
    signed = agency_signer.sign_scan(make_pdf(1, rotate=rotate), AGENCY, AT, seal_png)
    [widget] = signature_widgets(signed)
    llx, lly, urx, ury = rect(widget)

    centre_x, centre_y = (llx + urx) / 2, (lly + ury) / 2
    seen = (("top" if centre_y > HEIGHT / 2 else "bottom") + " "
            + ("right" if centre_x > WIDTH / 2 else "left"))
    assert seen == corner
    long_side = (ury - lly) if rotate in (90, 270) else (urx - llx)  # runs up a turned page
    assert long_side == pytest.approx(STAMP_WIDTH, abs=1)
    assert widget["/AP"]["/N"].data.startswith(b"q q ")  # drawn turned against the rotation


def test_the_crop_box_is_the_page_that_is_seen(agency_signer, seal_png):
    crop = (50, 60, 500, 700)
    signed = agency_signer.sign_scan(make_pdf(1, crop=crop), AGENCY, AT, seal_png)
    [widget] = signature_widgets(signed)
    _, _, urx, ury = rect(widget)
    assert urx == pytest.approx(500 - MARGIN, abs=0.01)
    assert ury == pytest.approx(700 - MARGIN, abs=0.01)


def test_a_second_agency_signature_gets_its_own_field(agency_signer, signed, seal_png, pki):
    twice = agency_signer.sign_scan(signed, AGENCY, AT, seal_png)
    reports = validate_pdf(twice, [pki.root.cert])
    assert [r.field_name for r in reports] == ["CoQuanSoHoa", "CoQuanSoHoa2"]
    assert all(r.ok for r in reports)


def test_a_signer_loaded_from_pkcs12_signs_too(pki, seal_png):
    signer = AgencySigner.from_pkcs12(pki.agency.pkcs12(b"mat-khau"), b"mat-khau")
    signed = signer.sign_scan(make_pdf(1), AGENCY, AT, seal_png)
    assert validate_pdf(signed, [pki.root.cert])[0].ok


def test_the_key_is_parsed_once_not_per_signature(pki, seal_png, monkeypatch):
    signer = AgencySigner(signer_for(pki.agency))

    def no_reload(*args, **kwargs):
        raise AssertionError("the private key was parsed again")
    monkeypatch.setattr("pyhanko.sign.signers.pdf_cms.serialization.load_der_private_key",
                        no_reload)
    assert signer.sign_scan(make_pdf(1), AGENCY, AT, seal_png)


@pytest.mark.parametrize("data, name, message", [
    (b"MZ\x90\x00" + bytes(500), "setup.pdf", "file 'setup.pdf' is not a readable PDF"),
    (b"%PDF-1.7\n" + bytes(range(256)) * 8, "junk.pdf", "file 'junk.pdf' is not a readable PDF"),
    (make_pdf(1)[:400], "cut.pdf", "file 'cut.pdf' is not a readable PDF"),
    (make_pdf(1, version="1.3"), "old.pdf", "file 'old.pdf' is PDF 1.3; scans must be PDF 1.4"),
])
def test_unreadable_or_too_old_scans_are_refused(agency_signer, seal_png, data, name, message):
    with pytest.raises(InvalidData) as refused:
        agency_signer.sign_scan(data, AGENCY, AT, seal_png, filename=name)
    assert refused.value.message.startswith(message)
    assert refused.value.status == 422


def test_an_encrypted_scan_is_refused(agency_signer, seal_png):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import copy_into_new_writer

    writer = copy_into_new_writer(PdfFileReader(BytesIO(make_pdf(1))))
    writer.encrypt(b"owner-password", b"")
    out = BytesIO()
    writer.write(out)
    with pytest.raises(InvalidData, match=r"file 'locked\.pdf' is not a readable PDF: it is encr"):
        agency_signer.sign_scan(out.getvalue(), AGENCY, AT, seal_png, filename="locked.pdf")


def test_a_scan_over_the_size_cap_is_refused(pki, seal_png):
    signer = AgencySigner(signer_for(pki.agency), max_bytes=1000)
    with pytest.raises(InvalidData, match=r"file 'big\.pdf' is 1500 bytes, over the limit of 1000"):
        signer.sign_scan(make_pdf(1) + b"\n" * (1500 - len(make_pdf(1))), AGENCY, AT, seal_png,
                         filename="big.pdf")


def test_a_page_too_small_for_the_stamp_is_refused(agency_signer, seal_png):
    with pytest.raises(InvalidData, match=r"page 1 .* too small"):
        agency_signer.sign_scan(make_pdf(1, size=(100, 100)), AGENCY, AT, seal_png)


def test_a_seal_that_is_not_a_png_is_refused(agency_signer):
    jpeg = BytesIO()
    Image.new("RGB", (20, 20), "red").save(jpeg, format="JPEG")
    with pytest.raises(InvalidData, match="seal image must be a PNG"):
        agency_signer.sign_scan(make_pdf(1), AGENCY, AT, jpeg.getvalue())
    with pytest.raises(InvalidData, match="seal image is not a readable PNG"):
        agency_signer.sign_scan(make_pdf(1), AGENCY, AT, b"not an image")


def test_a_name_the_font_cannot_show_is_refused(agency_signer, seal_png):
    with pytest.raises(InvalidData, match="characters the stamp cannot show: 河内"):
        agency_signer.sign_scan(make_pdf(1), "河内 Văn phòng", AT, seal_png)


def test_a_naive_signing_time_is_a_programming_error(agency_signer, seal_png):
    with pytest.raises(ValueError, match="timezone-aware"):
        agency_signer.sign_scan(make_pdf(1), AGENCY, datetime(2026, 11, 23, 8), seal_png)
