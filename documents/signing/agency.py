"""The agency's own signature on a digitised paper document (seed 002 Đ9.3c): a visible PAdES
signature at the top right of page 1 showing the red seal, the agency name and the signing time.
"""
from __future__ import annotations

import math
import unicodedata
from datetime import datetime
from functools import lru_cache
from io import BytesIO

from PIL import Image, UnidentifiedImageError
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError

from documents.vntime import iso
from engine.errors import InvalidData

from .appearance import MM, SealStampStyle, plan_stamp
from .fonts import metrics
from .keys import CachedKeySigner, load_pem, load_pkcs12
from .pdfinput import MAX_BYTES, SCAN_MIN_VERSION, open_pdf, unreadable
from .placement import page_geometry, top_right_rect

FIELD_NAME = "CoQuanSoHoa"  # "the digitising agency"
REASON = "Số hóa văn bản đến"
SEAL_DPI = 300


class _TimedPdfSigner(signers.PdfSigner):
    """pyHanko takes the signing time from the system clock; ours comes from the caller."""

    def __init__(self, *args, at: datetime, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._at = at

    def init_signing_session(self, pdf_out, existing_fields_only=False):
        session = super().init_signing_session(pdf_out, existing_fields_only)
        session.system_time = self._at
        return session


class AgencySigner:
    """One agency's signing key and certificate chain, loaded once and reused for every scan.

    ``width_mm``, ``seal_mm`` and ``margin_mm`` shape the stamp: about 4.5 cm wide, the seal
    1.5 cm across, 1 cm from the top and right edges of the page as it is seen.
    """

    def __init__(self, signer: CachedKeySigner, *, width_mm: float = 45, seal_mm: float = 15,
                 margin_mm: float = 10, max_bytes: int = MAX_BYTES) -> None:
        self.signer = signer
        self.width = width_mm * MM
        self.seal_size = seal_mm * MM
        self.margin = margin_mm * MM
        self.max_bytes = max_bytes

    @classmethod
    def from_pkcs12(cls, data: bytes, password: bytes | None = None, **options) -> AgencySigner:
        return cls(load_pkcs12(data, password), **options)

    @classmethod
    def from_pem(cls, key_pem: bytes, cert_pem: bytes, chain_pem: bytes = b"",
                 password: bytes | None = None, **options) -> AgencySigner:
        return cls(load_pem(key_pem, cert_pem, chain_pem, password), **options)

    def sign_scan(self, pdf_bytes: bytes, agency_name: str, at: datetime, seal_png: bytes, *,
                  filename: str = "scan.pdf") -> bytes:
        """Sign a scanned PDF as ``agency_name`` at ``at``; returns the PDF with one more
        revision (earlier signatures stay valid). Refuses unreadable, encrypted, oversized or
        pre-1.4 PDFs and unreadable seal images with ``InvalidData``.

        pyHanko runs its own event loop here: call it from a worker thread, not from async code.
        """
        if at.tzinfo is None:
            raise ValueError("the signing time must be timezone-aware")
        name = unicodedata.normalize("NFC", " ".join(agency_name.split()))
        if not name:
            raise InvalidData("the agency name shown in the signature is empty")
        if not metrics().covers(name):
            missing = "".join(dict.fromkeys(ch for ch in name if not metrics().covers(ch)))
            raise InvalidData(f"the agency name has characters the stamp cannot show: {missing}")
        seal = _seal_image(bytes(seal_png), math.ceil(self.seal_size / 72 * SEAL_DPI))
        reader = open_pdf(pdf_bytes, filename, max_bytes=self.max_bytes,
                          min_version=SCAN_MIN_VERSION)

        plan = plan_stamp(name, iso(at), self.width, self.seal_size)
        try:
            geometry = page_geometry(reader, 0)
            seen_width, seen_height = geometry.seen_size
            if (seen_width < plan.width + 2 * self.margin
                    or seen_height < plan.height + 2 * self.margin):
                raise InvalidData(f"file '{filename}': page 1 ({seen_width:.0f} x "
                                  f"{seen_height:.0f} pt) is too small for the agency signature")
            field_name = _free_field_name(reader)
            pdf_signer = _TimedPdfSigner(
                signers.PdfSignatureMetadata(
                    field_name=field_name, md_algorithm="sha256", name=name, reason=REASON,
                    subfilter=fields.SigSeedSubFilter.PADES),
                signer=self.signer,
                stamp_style=SealStampStyle(plan=plan, seal=seal, rotation=geometry.rotation),
                new_field_spec=fields.SigFieldSpec(
                    sig_field_name=field_name, on_page=0,
                    box=top_right_rect(geometry, plan.width, plan.height, self.margin)),
                at=at,
            )
            writer = IncrementalPdfFileWriter.from_reader(reader)
            output = pdf_signer.sign_pdf(writer, bytes_reserved=self.signer.bytes_reserved)
        except SigningError as exc:  # e.g. certified with "no changes allowed"
            raise InvalidData(f"file '{filename}' cannot be signed: {exc}") from exc
        except (PdfError, KeyError) as exc:
            raise unreadable(filename, exc) from exc
        return output.getvalue()


@lru_cache(maxsize=16)
def _seal_image(seal_png: bytes, side_px: int) -> Image.Image:
    """The seal decoded once per agency, at most ``side_px`` across: printing resolution at the
    size it is drawn, not the scanner's (a 420 px seal would add 60 KB to every file)."""
    try:
        image = Image.open(BytesIO(seal_png))
        if image.format != "PNG":
            raise InvalidData(f"the seal image must be a PNG, not {image.format}")
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise InvalidData("the seal image is not a readable PNG") from exc
    image = image.convert("RGBA")
    if max(image.size) > side_px:
        image.thumbnail((side_px, side_px), Image.Resampling.LANCZOS)
    return image


def _free_field_name(reader) -> str:
    taken = {name for name, _, _ in fields.enumerate_sig_fields(reader)}
    candidates = (FIELD_NAME if n == 1 else f"{FIELD_NAME}{n}" for n in range(1, len(taken) + 2))
    return next(name for name in candidates if name not in taken)
