"""Checking every signature in a received PDF (seed 002 Đ9.1: origin and integrity) against the
configured trust roots, offline: no certificate, CRL or OCSP is fetched from the network."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from documents.files.names import visible_text
from documents.vntime import iso
from engine.errors import InvalidData

from .keys import to_asn1
from .pdfinput import MAX_BYTES, open_pdf, unreadable

SHOWN_LENGTH = 200  # a field or signer name in the report
TrustRoot = bytes | x509.Certificate | asn1_x509.Certificate
# pyHanko wants nonRepudiation by default; like Adobe Reader we accept either signing bit.
KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"},
                                match_all_key_usages=False)

VERDICTS = {  # overall verdict -> (Vietnamese, English)
    "valid": ("Mọi chữ ký đều hợp lệ", "All signatures are valid"),
    "untrusted": ("Có chữ ký mà chứng thư không được tin cậy",
                  "A signer's certificate is not trusted"),
    "invalid": ("Có chữ ký không hợp lệ", "A signature is not valid"),
    "unsigned": ("Tài liệu không có chữ ký số", "The document has no digital signature"),
    "wrong_signer": ("Chữ ký hợp lệ nhưng không phải của cơ quan gửi",
                     "The signature is valid but not the sending agency's"),
}
# The subject attributes that may name the signing agency: its name or its identifier.
IDENTIFYING = ("common_name", "organization_name", "organizational_unit_name", "organization_identifier",
               "serial_number")
_AFTER_SIGNING = {  # what was added after a valid signature -> (Vietnamese, English)
    ModificationLevel.LTA_UPDATES: ("sau đó chỉ bổ sung dữ liệu kiểm tra chữ ký",
                                    "later revisions only add validation data"),
    ModificationLevel.FORM_FILLING: ("sau đó chỉ thêm chữ ký hoặc điền biểu mẫu",
                                     "later revisions only add signatures or fill in forms"),
    ModificationLevel.ANNOTATIONS: ("sau đó chỉ thêm ghi chú",
                                    "later revisions only add annotations"),
}


@dataclass(frozen=True)
class SignatureReport:
    """One embedded signature as the clerk sees it. ``trusted`` is about the certificate chain
    alone; ``ok`` is the bottom line (intact, valid, trusted, nothing disallowed changed)."""

    field_name: str
    signer_common_name: str | None
    signer_organisation: str | None
    signer_subject: str | None
    signer_identifiers: tuple[str, ...]  # CN, O, OU, organizationIdentifier, serialNumber values
    signing_time: str | None  # as claimed by the signer, ISO 8601 +07:00
    timestamp_time: str | None  # from a timestamp token, when there is one
    intact: bool
    valid: bool
    trusted: bool
    revoked: bool
    coverage: str | None  # entire_file, entire_revision, contiguous_block_from_start, unclear
    modification_level: str | None  # none, lta_updates, form_filling, annotations, other
    ok: bool
    summary_vi: str
    summary_en: str
    details: str  # pyHanko's own one-line summary, for the log

    @property
    def signer(self) -> str:
        names = [n for n in (self.signer_common_name, self.signer_organisation) if n]
        if len(names) == 2 and names[0] == names[1]:
            names = names[:1]
        return ", ".join(names) or self.signer_subject or "?"


def validate_pdf(pdf_bytes: bytes, trust_roots: Iterable[TrustRoot], *,
                 filename: str = "document.pdf", max_bytes: int = MAX_BYTES,
                 moment: datetime | None = None,
                 crls: Iterable[bytes] = ()) -> list[SignatureReport]:
    """Validate every signature of the PDF, in signing order; an unsigned PDF gives ``[]``.

    ``trust_roots``: certificates as PEM or DER bytes, or cryptography / asn1crypto objects.
    ``moment``: the time to validate at (default now). ``crls``: CRLs (DER or PEM) to check
    revocation against, e.g. the keystore's published ones; a certificate they list is
    reported revoked. Nothing is fetched; without a CRL for it a certificate passes (soft-fail).
    pyHanko runs its own event loop here: call it from a worker thread, not from async code.
    """
    roots = [_root(root) for root in trust_roots]
    crl_list = [_der(crl) for crl in crls]
    reader = open_pdf(pdf_bytes, filename, max_bytes=max_bytes)
    try:
        signatures = list(reader.embedded_regular_signatures)
    except (PdfError, KeyError, ValueError) as exc:
        raise unreadable(filename, exc) from exc
    reports = []
    for embedded in signatures:
        # retroactive: a CRL published after ``moment`` still says what was revoked before it
        context = ValidationContext(trust_roots=roots, allow_fetching=False, moment=moment,
                                    crls=crl_list, retroactive_revinfo=True)
        reports.append(_report(embedded, context))
    return reports


def verdict(reports: list[SignatureReport]) -> str:
    """``unsigned``, ``invalid`` (a signature is broken, its certificate revoked or the document
    was changed),
    ``untrusted`` (all intact, a certificate not trusted) or ``valid``; see ``VERDICTS``."""
    if not reports:
        return "unsigned"
    if any(not (r.intact and r.valid) or r.revoked or _changed(r) for r in reports):
        return "invalid"
    return "valid" if all(r.ok for r in reports) else "untrusted"


def _der(data: bytes) -> bytes:
    return pem.unarmor(data)[2] if pem.detect(data) else data


def _root(root: TrustRoot) -> asn1_x509.Certificate:
    if isinstance(root, asn1_x509.Certificate):
        return root
    if isinstance(root, x509.Certificate):
        return to_asn1(root)
    try:
        der = pem.unarmor(root)[2] if pem.detect(root) else root
        return asn1_x509.Certificate.load(der)
    except (ValueError, TypeError) as exc:
        raise InvalidData("a configured trust root is not an X.509 certificate") from exc


def _report(embedded: EmbeddedPdfSignature, context: ValidationContext) -> SignatureReport:
    field_name = _shown(embedded.field_name) or "?"
    try:
        status = validate_pdf_signature(embedded, signer_validation_context=context,
                                        ts_validation_context=context,
                                        key_usage_settings=KEY_USAGE)
    except (ValueError, KeyError, PdfError) as exc:  # a signature pyHanko cannot even parse
        return _broken(field_name, exc)
    cert = status.signing_cert
    subject = cert.subject.native
    common_name, organisation = subject.get("common_name"), subject.get("organization_name")
    timestamp = status.timestamp_validity
    report = SignatureReport(
        field_name=field_name,
        signer_common_name=_shown(_first(common_name)),
        signer_organisation=_shown(_first(organisation)),
        signer_subject=_shown(cert.subject.human_friendly),
        signer_identifiers=_identifiers(subject),
        signing_time=iso(status.signer_reported_dt),
        timestamp_time=iso(timestamp.timestamp) if timestamp is not None else None,
        intact=status.intact,
        valid=status.valid,
        trusted=_chain_trusted(status),
        revoked=status.revoked,
        coverage=status.coverage.name.lower() if status.coverage is not None else None,
        modification_level=(status.modification_level.name.lower()
                            if status.modification_level is not None else None),
        ok=status.bottom_line and _covered(status),
        summary_vi="", summary_en="",
        details=status.summary(),
    )
    summary_vi, summary_en = _summaries(report, status)
    return replace(report, summary_vi=summary_vi, summary_en=summary_en)


def _chain_trusted(status: PdfSignatureStatus) -> bool:
    # pyHanko's ``trusted`` is also False when the document was altered; we report the
    # certificate chain on its own so the clerk sees each problem separately.
    return status.trust_problem_indic is None and status.validation_path is not None


def _covered(status: PdfSignatureStatus) -> bool:
    return status.coverage in (SignatureCoverageLevel.ENTIRE_FILE,
                               SignatureCoverageLevel.ENTIRE_REVISION)


def _changed(report: SignatureReport) -> bool:
    return (report.coverage not in ("entire_file", "entire_revision")
            or report.modification_level == "other")


def _summaries(report: SignatureReport, status: PdfSignatureStatus) -> tuple[str, str]:
    who, when = report.signer, report.timestamp_time or report.signing_time or "?"
    if not report.intact or _changed(report) or status.docmdp_ok is False:
        return (f"Tài liệu đã bị sửa sau khi ký (chữ ký của {who})",
                f"The document was modified after signing (signature by {who})")
    if not report.valid:
        return (f"Chữ ký không hợp lệ: giá trị chữ ký sai (chữ ký của {who})",
                f"The signature value is invalid (signature by {who})")
    if report.revoked:
        return (f"Chứng thư đã bị thu hồi (chữ ký của {who})",
                f"The signer's certificate has been revoked (signature by {who})")
    if not report.ok:
        return (f"Chứng thư không được tin cậy (chữ ký của {who})",
                f"The signer's certificate is not trusted (signature by {who})")
    vi, en = f"Chữ ký hợp lệ của {who} lúc {when}", f"Valid signature by {who} at {when}"
    if status.modification_level in _AFTER_SIGNING:
        extra_vi, extra_en = _AFTER_SIGNING[status.modification_level]
        vi, en = f"{vi}; {extra_vi}", f"{en}; {extra_en}"
    return vi, en


def _broken(field_name: str, exc: Exception) -> SignatureReport:
    reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
    return SignatureReport(
        field_name=field_name, signer_common_name=None, signer_organisation=None,
        signer_subject=None, signer_identifiers=(), signing_time=None, timestamp_time=None, intact=False, valid=False,
        trusted=False, revoked=False, coverage=None, modification_level=None, ok=False,
        summary_vi=f"Chữ ký hỏng, không đọc được ({reason})",
        summary_en=f"The signature is damaged and cannot be read ({reason})",
        details=f"{type(exc).__name__}: {reason}")


def _identifiers(subject: dict) -> tuple[str, ...]:
    values = []
    for key in IDENTIFYING:
        value = subject.get(key)
        values.extend(_shown(v) for v in (value if isinstance(value, list) else [value]) if v)
    return tuple(dict.fromkeys(v for v in values if v))


def _first(value) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return value


def _shown(text: str | None) -> str | None:
    # The field name comes from the PDF and the signer's names from a certificate, both written by
    # the sender: shown like a file name, without bidi overrides or control characters, and short.
    return visible_text(str(text))[:SHOWN_LENGTH] or None if text else None

