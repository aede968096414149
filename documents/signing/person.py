"""The competent person's signature (seed 002 Đ11.1): visible PAdES, a new incremental revision,
the person's blue signature image at the signing position, between the title line and the
printed full name on the last page."""
from __future__ import annotations

from datetime import datetime

from .placement import Box
from .signers import Signer


def signature_box(pdf: bytes, name: str) -> tuple[int, Box]:
    """Page index and widget rectangle (user space) where ``name``'s signature goes: above the
    printed full name on the last page, else free space near the bottom right of the last page."""
    raise NotImplementedError


def sign_as_person(pdf: bytes, signer: Signer, *, image_png: bytes, name: str,
                   position: str | None, at: datetime) -> bytes:
    """The PDF with one more revision: ``name``'s visible signature signed by ``signer``."""
    raise NotImplementedError


def blue_signature_png(full_name: str) -> bytes:
    """A demo handwritten-looking signature in blue on a transparent ground."""
    raise NotImplementedError
