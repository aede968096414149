"""Validating the signatures of a received PDF: a good one, two signatures in two revisions, a
tampered file (a changed byte, and a page changed in a later revision), an untrusted signer."""
from __future__ import annotations

from io import BytesIO

import pytest
from pyhanko.pdf_utils.generic import StreamObject
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from documents.signing import VERDICTS, AgencySigner, validate_pdf, verdict
from documents.signing.pki import issue_signer
from engine.errors import InvalidData
from tests.signing.conftest import AGENCY, AT, AT_TEXT, signer_for
from tests.signing.pdfs import make_pdf


def sign_as_person(pdf: bytes, pki) -> bytes:
    """An invisible PAdES signature by the person, as a drafter's signing step would make."""
    meta = signers.PdfSignatureMetadata(field_name="NguoiKy", md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES)
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    return signers.PdfSigner(meta, signer_for(pki.person)).sign_pdf(writer).getvalue()


@pytest.fixture(scope="module")
def signed(agency_signer, seal_png) -> bytes:
    return agency_signer.sign_scan(make_pdf(pages=2), AGENCY, AT, seal_png)


def test_a_pdf_without_signatures_gives_no_reports(pki):
    reports = validate_pdf(make_pdf(2), [pki.root.cert])
    assert reports == []
    assert verdict(reports) == "unsigned"
    assert VERDICTS["unsigned"][0] == "Tài liệu không có chữ ký số"


def test_a_good_signature(signed, pki):
    [report] = validate_pdf(signed, [pki.root.cert])
    assert report.ok and verdict([report]) == "valid"
    assert report.signer_common_name == "Văn phòng Ủy ban nhân dân tỉnh Hà Nam"
    assert report.summary_en == f"Valid signature by {report.signer} at {AT_TEXT}"


def test_trust_roots_may_be_given_as_pem_or_der_bytes(signed, pki):
    from cryptography.hazmat.primitives.serialization import Encoding

    for root in (pki.root.cert_pem(), pki.root.cert.public_bytes(Encoding.DER)):
        assert validate_pdf(signed, [root])[0].trusted


def test_a_person_then_the_agency_two_revisions_both_valid(pki, seal_png):
    by_person = sign_as_person(make_pdf(2), pki)
    both = AgencySigner(signer_for(pki.agency)).sign_scan(by_person, AGENCY, AT, seal_png)

    person, agency = validate_pdf(both, [pki.root.cert])

    assert (person.field_name, agency.field_name) == ("NguoiKy", "CoQuanSoHoa")
    assert person.signer_common_name == "Nguyễn Văn An"
    assert person.ok and agency.ok and verdict([person, agency]) == "valid"
    assert (person.coverage, person.modification_level) == ("entire_revision", "form_filling")
    assert (agency.coverage, agency.modification_level) == ("entire_file", "none")
    assert person.summary_vi.endswith("; sau đó chỉ thêm chữ ký hoặc điền biểu mẫu")


def test_a_byte_changed_inside_the_signed_range_breaks_integrity(signed, pki):
    position = signed.index(b"(Trang 1 / Page 1)")
    tampered = signed[:position] + b"(Trang 9 / Page 1)" + signed[position + 18:]

    [report] = validate_pdf(tampered, [pki.root.cert])

    assert not report.intact and not report.ok
    assert report.summary_vi.startswith("Tài liệu đã bị sửa sau khi ký")
    assert report.summary_en.startswith("The document was modified after signing")
    assert verdict([report]) == "invalid"


def test_a_page_changed_in_a_later_revision_is_flagged(signed, pki):
    writer = IncrementalPdfFileWriter(BytesIO(signed))
    forged = writer.add_object(StreamObject(stream_data=b"BT /F1 40 Tf 100 400 Td (DUYET) Tj ET"))
    writer.add_stream_to_page(0, forged)
    out = BytesIO()
    writer.write(out)

    [report] = validate_pdf(out.getvalue(), [pki.root.cert])

    assert report.intact and report.valid  # the signed revision itself is untouched ...
    assert report.coverage == "entire_revision"
    assert report.modification_level == "other"  # ... but the page was changed after it
    assert not report.ok
    assert report.summary_vi.startswith("Tài liệu đã bị sửa sau khi ký")
    assert verdict([report]) == "invalid"


def test_a_signer_from_another_root_is_intact_but_not_trusted(stranger_pki, pki, seal_png):
    stranger = AgencySigner(signer_for(stranger_pki.agency))
    signed = stranger.sign_scan(make_pdf(1), AGENCY, AT, seal_png)

    [report] = validate_pdf(signed, [pki.root.cert])

    assert report.intact and report.valid and report.coverage == "entire_file"
    assert not report.trusted and not report.ok
    assert report.summary_vi.startswith("Chứng thư không được tin cậy")
    assert verdict([report]) == "untrusted"
    assert validate_pdf(signed, [stranger_pki.root.cert])[0].ok  # trusted by its own root


@pytest.mark.parametrize("digital_signature, non_repudiation, trusted", [
    (True, False, True), (False, True, True), (False, False, False)])
def test_a_certificate_needs_a_signing_key_usage(pki, seal_png, digital_signature,
                                                 non_repudiation, trusted):
    issued = issue_signer(pki.root, "Văn thư", "key-usage", organisation="Văn phòng",
                          digital_signature=digital_signature, non_repudiation=non_repudiation)
    signed = AgencySigner(signer_for(issued)).sign_scan(make_pdf(1), AGENCY, AT, seal_png)
    [report] = validate_pdf(signed, [pki.root.cert])
    assert report.intact and report.trusted is trusted and report.ok is trusted


def test_no_trust_roots_means_nothing_is_trusted(signed):
    [report] = validate_pdf(signed, [])
    assert report.intact and not report.trusted


def test_garbage_is_refused_by_name(pki):
    with pytest.raises(InvalidData, match=r"file 'van-ban\.pdf' is not a readable PDF"):
        validate_pdf(b"GIF89a" + bytes(100), [pki.root.cert], filename="van-ban.pdf")


def test_an_old_pdf_version_is_fine_for_validation(pki):
    assert validate_pdf(make_pdf(1, version="1.3"), [pki.root.cert]) == []


def test_names_written_by_the_sender_are_shown_without_bidi_or_control_characters(pki, seal_png):
    issued = issue_signer(pki.root, "Nguyễn\u202e Văn\u200b An", "bidi", organisation="Văn\u2066 phòng\u0000")
    meta = signers.PdfSignatureMetadata(field_name="Người\u202eKý\u2069", md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES)
    signed = signers.PdfSigner(meta, signer_for(issued)).sign_pdf(IncrementalPdfFileWriter(BytesIO(make_pdf(1))))
    [report] = validate_pdf(signed.getvalue(), [pki.root.cert])
    assert (report.field_name, report.signer_common_name, report.signer_organisation) == (
        "NgườiKý", "Nguyễn Văn An", "Văn phòng")
    assert "\u202e" not in report.summary_vi and "\u202e" not in report.signer_subject
