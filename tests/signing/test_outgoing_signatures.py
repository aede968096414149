"""The outgoing document's signatures, as pyHanko itself validates the bytes: the person's
visible signature above the printed name, then at issue the number and date written in and the
agency's seal over the left third of the person's signature (one more revision, the person's
signature still intact), the urgency stamp, the attachment signed top right; tampering after
issue is detected. Pure computation: no database."""
from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from io import BytesIO

import pytest
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader

from documents.signing.issue_stamp import issue_pdf, sign_attachment
from documents.signing.person import blue_signature_png, sign_as_person, signature_box
from documents.signing.preview import page_png
from documents.signing.signers import KeySigner, Signer
from documents.signing.specimen import specimen_pdf
from documents.signing.validation import validate_pdf, verdict
from engine.errors import InvalidData
from tests.signing.conftest import signer_for
from tests.signing.helpers import appearance_texts, rect
from tests.signing.stamp_pages import full_of_text, overlaps, phu_luc_i, text_boxes
from tests.tools import require_program

AT = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)          # 10:00 in Vietnam
ISSUED_AT = datetime(2026, 12, 5, 8, 30, tzinfo=UTC)  # 15:30 in Vietnam
LEADER = "Nguyễn Văn An"
AGENCY = "Ủy ban nhân dân tỉnh Hà Nam"
NUMBER = "Số: 12/UBND-VX"
DATE = "Hà Nam, ngày 05 tháng 12 năm 2026"


@pytest.fixture(scope="module")
def person(pki) -> Signer:
    return KeySigner(signer_for(pki.person))


@pytest.fixture(scope="module")
def signature_png() -> bytes:
    return blue_signature_png(LEADER)


@pytest.fixture(scope="module")
def person_signed(person, signature_png) -> bytes:
    return sign_as_person(phu_luc_i(paragraphs=1), person, image_png=signature_png, name=LEADER,
                          position="Chánh Văn phòng", at=AT)


def issued(person_signed, agency_signer, seal_png, urgency="normal") -> bytes:
    return issue_pdf(person_signed, agency_signer, seal_png, agency_name=AGENCY, number_text=NUMBER,
                     date_text=DATE, at=ISSUED_AT, urgency=urgency)


@pytest.fixture(scope="module")
def issued_pdf(person_signed, agency_signer, seal_png) -> bytes:
    return issued(person_signed, agency_signer, seal_png)


def widgets(pdf: bytes) -> dict[str, tuple]:
    """Every signature widget: field name -> (page index, rectangle, widget)."""
    reader = PdfFileReader(BytesIO(pdf))
    found = {}
    for index in range(int(reader.root["/Pages"]["/Count"])):
        page = reader.find_page_for_modification(index)[0].get_object()
        for annot in page.get("/Annots", []):
            annot = annot.get_object()
            if annot.get("/FT") == "/Sig":
                found[str(annot["/T"])] = (index, rect(annot), annot)
    return found


def test_the_person_signs_above_the_printed_name_below_the_title(person_signed, pki, tmp_path):
    (report,) = validate_pdf(person_signed, [pki.root.cert_pem()], moment=AT)
    assert report.ok and report.signer_common_name == LEADER and report.signing_time == "2026-12-05T10:00:00+07:00"
    page, box, widget = widgets(person_signed)["NguoiKy"]
    words = text_boxes(person_signed, tmp_path, page + 1)
    name = [w for w in words if w[1] < box[1] and w[0] >= box[0] - 1 and w[2] <= box[2] + 1]
    title = [w for w in words if w[3] > box[3]]
    assert name and max(w[3] for w in name) <= box[1] + 1, "the name is right under the signature"
    assert not any(overlaps(box, w) for w in words), "the signature covers no text"
    assert title and min(w[1] for w in title if w[0] < box[2] and w[2] > box[0]) >= box[3] - 1
    preview_page, preview_box = signature_box(phu_luc_i(paragraphs=1), LEADER)  # what the signer was shown
    assert preview_page == page and all(abs(a - b) <= 1 for a, b in zip(preview_box, box))
    assert b"/ImgSig Do" in widget["/AP"]["/N"].data  # the signature image is drawn


def test_without_the_printed_name_the_signature_goes_to_free_space_on_the_last_page(person, signature_png,
                                                                                     pki, tmp_path):
    pdf = phu_luc_i(paragraphs=8)  # two pages
    page, box = signature_box(pdf, "Người Không Có Tên Trên Văn Bản")
    assert page == 1
    assert not any(overlaps(box, w) for w in text_boxes(pdf, tmp_path, 2))
    signed = sign_as_person(pdf, person, image_png=signature_png, name="Người Không Có Tên Trên Văn Bản",
                            position=None, at=AT)
    assert verdict(validate_pdf(signed, [pki.root.cert_pem()], moment=AT)) == "valid"
    with pytest.raises(InvalidData, match="không còn chỗ trống"):
        signature_box(full_of_text(), "Ai Đó")


def test_without_the_name_the_signature_goes_below_the_printed_title(person, signature_png, tmp_path):
    pdf = phu_luc_i(paragraphs=1)  # prints "CHÁNH VĂN PHÒNG", then "Nguyễn Văn An"
    page, box = signature_box(pdf, "Phạm Văn Đạo", position="Chánh Văn phòng")
    words = text_boxes(pdf, tmp_path, page + 1)
    title = [w for w in words if w[1] >= box[3] - 1 and w[0] < box[2] and w[2] > box[0]]
    assert title and not any(overlaps(box, w) for w in words)
    assert min(w[1] for w in title) - box[3] < 10  # right under the title
    signed = sign_as_person(pdf, person, image_png=signature_png, name="Phạm Văn Đạo", position="Chánh Văn phòng",
                            at=AT)
    assert widgets(signed)["NguoiKy"][0] == page
    assert all(abs(a - b) <= 1 for a, b in zip(widgets(signed)["NguoiKy"][1], box))


def test_the_issued_pdf_validates_with_both_signatures_intact_and_trusted(issued_pdf, pki):
    person, agency = validate_pdf(issued_pdf, [pki.root.cert_pem()], moment=ISSUED_AT)
    assert verdict([person, agency]) == "valid"
    assert (person.field_name, person.intact, person.valid, person.trusted, person.ok) == \
        ("NguoiKy", True, True, True, True)
    assert person.modification_level == "form_filling"  # the number and date, and the agency's signature
    assert (agency.field_name, agency.intact, agency.valid, agency.trusted, agency.ok) == \
        ("CoQuanBanHanh", True, True, True, True)
    assert agency.coverage == "entire_file" and agency.signing_time == "2026-12-05T15:30:00+07:00"


def test_the_seal_covers_the_left_third_of_the_persons_signature(issued_pdf, seal_png):
    found = widgets(issued_pdf)
    person_page, person, _ = found["NguoiKy"]
    seal_page, seal, widget = found["CoQuanBanHanh"]
    assert seal_page == person_page
    third = (person[0], person[1], person[0] + (person[2] - person[0]) / 3, person[3])
    assert overlaps(seal, third), "the seal overlaps the left third"
    assert abs(seal[2] - third[2]) <= 1, "and reaches no further than it"
    width_mm = (seal[2] - seal[0]) / 72 * 25.4
    assert width_mm == pytest.approx(36, abs=0.5)  # the seal at its true size (36 mm declared)
    assert appearance_texts(widget) == [*_wrapped(AGENCY), "2026-12-05T15:30:00+07:00"]


def _wrapped(name: str) -> list[str]:
    from documents.signing.appearance import wrap
    from documents.signing.issue_stamp import TEXT_SIZE
    return wrap(name, round(36 * 72 / 25.4) - 2, TEXT_SIZE)


def test_the_number_and_date_are_in_the_text_of_the_issued_pdf(issued_pdf, tmp_path):
    pdftotext = require_program("pdftotext", "poppler-utils")
    source = tmp_path / "issued.pdf"
    source.write_bytes(issued_pdf)
    text = subprocess.run([pdftotext, "-f", "1", "-l", "1", str(source), "-"], capture_output=True, check=True,
                          text=True).stdout
    assert NUMBER in text and DATE in text


def test_tampering_after_issue_is_detected(issued_pdf, pki):
    position = issued_pdf.index(b"/Type /Page") if b"/Type /Page" in issued_pdf else 200
    tampered = bytearray(issued_pdf)
    changed = issued_pdf.index(b"stream", position) + 20
    tampered[changed] ^= 0x01
    reports = validate_pdf(bytes(tampered), [pki.root.cert_pem()], moment=ISSUED_AT)
    assert verdict(reports) == "invalid" and not all(r.intact for r in reports)

    # An extra revision after the issue that changes the page is reported too.
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    writer = IncrementalPdfFileWriter(BytesIO(issued_pdf))
    page_ref, _ = writer.find_page_for_modification(0)
    page = page_ref.get_object()
    page[generic.pdf_name("/Contents")] = writer.add_object(generic.StreamObject(stream_data=b"BT ET"))
    writer.update_container(page)
    out = BytesIO()
    writer.write(out)
    reports = validate_pdf(out.getvalue(), [pki.root.cert_pem()], moment=ISSUED_AT)
    assert verdict(reports) == "invalid"
    assert all(r.modification_level == "other" for r in reports)

    # The number filled again after the issue: the agency's signature locked the field.
    from documents.signing.issue_fields import fill_issue_fields
    writer = IncrementalPdfFileWriter(BytesIO(issued_pdf))
    fill_issue_fields(writer, "Số: 99/UBND-VX", "Hà Nam, ngày 01 tháng 01 năm 2027")
    out = BytesIO()
    writer.write(out)
    reports = validate_pdf(out.getvalue(), [pki.root.cert_pem()], moment=ISSUED_AT)
    assert verdict(reports) == "invalid"


def test_an_urgent_document_carries_the_urgency_stamp_signed_by_the_agency(person_signed, agency_signer, seal_png,
                                                                            pki, tmp_path):
    pdf = issued(person_signed, agency_signer, seal_png, urgency="flash")
    reports = validate_pdf(pdf, [pki.root.cert_pem()], moment=ISSUED_AT)
    assert [r.field_name for r in reports] == ["NguoiKy", "CoQuanBanHanh", "DoKhan"]
    assert verdict(reports) == "valid"
    page, box, widget = widgets(pdf)["DoKhan"]
    assert page == 0 and appearance_texts(widget) == ["HỎA TỐC"]
    # Below the number, on the left half, over no text.
    number_bottom = min(w[1] for w in text_boxes(person_signed, tmp_path, 1) if w[1] > 700 and w[0] < 250)
    assert box[3] <= number_bottom and box[2] < 300
    assert not any(overlaps(box, w) for w in text_boxes(person_signed, tmp_path, 1))
    with pytest.raises(InvalidData):
        issued(person_signed, agency_signer, seal_png, urgency="very-fast")


def test_an_attachment_is_signed_top_right_of_page_one(agency_signer, pki, tmp_path):
    text = "Số: 12/UBND-VX\nPhụ lục kèm theo\n2026-12-05T15:30:00+07:00"
    pdf = sign_attachment(phu_luc_i(paragraphs=1), agency_signer, text=text, at=ISSUED_AT)
    (report,) = validate_pdf(pdf, [pki.root.cert_pem()], moment=ISSUED_AT)
    assert report.ok and report.field_name == "CoQuanKyPhuLuc"
    page, box, widget = widgets(pdf)["CoQuanKyPhuLuc"]
    assert page == 0 and box[0] > 595 / 2 and box[1] > 842 / 2
    assert appearance_texts(widget) == text.splitlines()
    assert not any(overlaps(box, w) for w in text_boxes(pdf, tmp_path, 1) if not overlaps(w, box))


def test_issuing_needs_the_persons_signature_made_here(agency_signer, seal_png):
    with pytest.raises(InvalidData, match="chưa có chữ ký"):
        issue_pdf(specimen_pdf(), agency_signer, seal_png, agency_name=AGENCY, number_text=NUMBER,
                  date_text=DATE, at=ISSUED_AT)


def test_the_demo_signature_is_blue_on_transparent():
    image = Image.open(BytesIO(blue_signature_png(LEADER))).convert("RGBA")
    inked = [p for p in image.get_flattened_data() if p[3] > 0]
    assert 0 < len(inked) < image.width * image.height / 4
    assert all(b > r and b > g for r, g, b, _ in inked)
    assert blue_signature_png(LEADER) == blue_signature_png(LEADER) != blue_signature_png("Trần Thị Bình")


def test_the_preview_draws_the_box_on_the_signers_page():
    pdf = phu_luc_i(paragraphs=1)
    page, box = signature_box(pdf, LEADER)
    image = Image.open(BytesIO(page_png(pdf, page, box, width_px=595))).convert("RGB")
    assert image.width == 595
    scale = 595 / 595.2756
    x, y = round(box[0] * scale), round((842 - (box[1] + box[3]) / 2) * scale)
    red = image.getpixel((x + 1, y))
    assert red[0] > 180 and red[1] < 90 and red[2] < 90
    with pytest.raises(InvalidData):
        page_png(b"%PDF-1.7 not really", 0)
