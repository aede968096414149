"""The agency's own signature on a digitised paper document (seed 002 Đ9.3c): a visible PAdES
signature showing the red seal at its true size, the agency name and the signing time, placed
where it covers no text (free_space), with an RFC 3161 timestamp when a TSA is configured.

Where the stamp goes, in order: the free place nearest the top right of page 1 (beside or below
an earlier stamp, whose widget is occupied space); else the free place nearest the bottom right
of the last page; else a blank page added at the end for it. It is never drawn over text.
"""
from __future__ import annotations

import math
import unicodedata
from datetime import datetime
from functools import lru_cache
from io import BytesIO

from PIL import Image, UnidentifiedImageError
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError

from documents.vntime import iso
from engine.errors import InvalidData

from .appearance import MM, SealStampStyle, StampLayout, plan_stamp
from .fonts import metrics
from .free_space import Occupancy, free_rect, occupancy
from .keys import CachedKeySigner, load_pem, load_pkcs12
from .pagecontent import reader_for
from .pdfinput import MAX_BYTES, SCAN_MIN_VERSION, open_pdf, unreadable
from .placement import Box, PageGeometry, page_geometry
from .timestamps import TOKEN_RESERVE, TimestampRequestError, unavailable

FIELD_NAME = "CoQuanSoHoa"  # "the digitising agency"
REASON = "Số hóa văn bản đến"
SEAL_DPI = 300  # printing resolution of the seal as embedded
SEAL_MM = 36.0  # a seal image that declares no resolution is taken as the usual round seal
TEXT_MM = 40.0  # the column beside the seal for the agency name


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

    The seal is drawn at the size its image declares (its DPI), or ``seal_mm`` when given; the
    stamp is that plus ``text_mm`` for the name beside it, ``margin_mm`` from the page's edges.
    ``timestamper``: the TSA whose RFC 3161 token each signature carries (none: no token).
    """

    def __init__(self, signer: CachedKeySigner, *, seal_mm: float | None = None,
                 text_mm: float = TEXT_MM, margin_mm: float = 10, max_bytes: int = MAX_BYTES,
                 timestamper=None) -> None:
        self.signer = signer
        self.seal_mm = seal_mm
        self.text_width = text_mm * MM
        self.margin = margin_mm * MM
        self.max_bytes = max_bytes
        self.timestamper = timestamper

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
        pre-1.4 PDFs and unreadable seal images with ``InvalidData``; a TSA that fails gives
        ``TimestampUnavailable`` (nothing signed).

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
        declared_mm = seal_size_mm(bytes(seal_png))
        seal_size = (self.seal_mm or declared_mm) * MM
        seal = _seal_image(bytes(seal_png), math.ceil(seal_size / 72 * SEAL_DPI))
        reader = open_pdf(pdf_bytes, filename, max_bytes=self.max_bytes,
                          min_version=SCAN_MIN_VERSION)

        plan = plan_stamp(name, iso(at), seal_size + self.text_width, seal_size)
        try:
            geometry = page_geometry(reader, 0)
            seen_width, seen_height = geometry.seen_size
            if (seen_width < plan.width + 2 * self.margin
                    or seen_height < plan.height + 2 * self.margin):
                raise InvalidData(f"file '{filename}': page 1 ({seen_width:.0f} x "
                                  f"{seen_height:.0f} pt) is too small for the agency signature")
            writer = IncrementalPdfFileWriter.from_reader(reader)
            page_index, geometry, box = self._place(pdf_bytes, reader, writer, plan)
            field_name = _free_field_name(reader)
            pdf_signer = _TimedPdfSigner(
                signers.PdfSignatureMetadata(
                    field_name=field_name, md_algorithm="sha256", name=name, reason=REASON,
                    subfilter=fields.SigSeedSubFilter.PADES),
                signer=self.signer,
                stamp_style=SealStampStyle(plan=plan, seal=seal, rotation=geometry.rotation),
                new_field_spec=fields.SigFieldSpec(sig_field_name=field_name, on_page=page_index,
                                                   box=box),
                timestamper=self.timestamper,
                at=at,
            )
            reserved = self.signer.bytes_reserved + (TOKEN_RESERVE if self.timestamper else 0)
            output = pdf_signer.sign_pdf(writer, bytes_reserved=reserved)
        except TimestampRequestError as exc:
            raise unavailable(getattr(self.timestamper, "url", "?"), exc) from exc
        except SigningError as exc:  # e.g. certified with "no changes allowed"
            raise InvalidData(f"file '{filename}' cannot be signed: {exc}") from exc
        except (PdfError, KeyError) as exc:
            raise unreadable(filename, exc) from exc
        return output.getvalue()

    def _place(self, pdf_bytes: bytes, reader, writer,
               plan: StampLayout) -> tuple[int, PageGeometry, Box]:
        """Page, its geometry and the widget's rectangle: see the module's docstring."""
        content = reader_for(pdf_bytes)
        last = len(content.pages) - 1
        for page_index, anchor in ((0, "top"), (last, "bottom")):
            geometry = page_geometry(reader, page_index)
            grid = occupancy(content, page_index, geometry)
            box = free_rect(grid, geometry, plan.width, plan.height, self.margin, anchor)
            if box is not None:
                return page_index, geometry, box
        seen_width, seen_height = page_geometry(reader, 0).seen_size
        writer.insert_page(generic.DictionaryObject({
            pdf_name("/Type"): pdf_name("/Page"),
            pdf_name("/MediaBox"): generic.ArrayObject(
                generic.FloatObject(v) for v in (0, 0, seen_width, seen_height)),
            pdf_name("/Resources"): generic.DictionaryObject(),
        }))
        geometry = PageGeometry((0, 0, seen_width, seen_height), 0)
        box = free_rect(Occupancy(*geometry.seen_size), geometry, plan.width, plan.height,
                        self.margin)
        assert box is not None  # the page fits the stamp (checked above) and is blank
        return last + 1, geometry, box


def seal_size_mm(seal_png: bytes) -> float:
    """The seal's diameter as its image declares it (pixels over DPI), else ``SEAL_MM``."""
    image = _decoded_seal(seal_png)
    dpi = image.info.get("dpi")
    try:
        horizontal = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        horizontal = 0.0
    if horizontal <= 1:  # no resolution, or a nonsensical one
        return SEAL_MM
    return max(image.size) / horizontal * 25.4


@lru_cache(maxsize=16)
def _decoded_seal(seal_png: bytes) -> Image.Image:
    try:
        image = Image.open(BytesIO(seal_png))
        if image.format != "PNG":
            raise InvalidData(f"the seal image must be a PNG, not {image.format}")
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise InvalidData("the seal image is not a readable PNG") from exc
    return image


@lru_cache(maxsize=16)
def _seal_image(seal_png: bytes, side_px: int) -> Image.Image:
    """The seal decoded once per agency, at most ``side_px`` across: printing resolution at the
    size it is drawn, not the scanner's (a 4000 px seal would add megabytes to every file)."""
    image = _decoded_seal(seal_png).convert("RGBA")
    if max(image.size) > side_px:
        image.thumbnail((side_px, side_px), Image.Resampling.LANCZOS)
    return image


def _free_field_name(reader) -> str:
    taken = {name for name, _, _ in fields.enumerate_sig_fields(reader)}
    candidates = (FIELD_NAME if n == 1 else f"{FIELD_NAME}{n}" for n in range(1, len(taken) + 2))
    return next(name for name in candidates if name not in taken)
