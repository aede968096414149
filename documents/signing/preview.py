"""A page of a PDF as PNG with a rectangle drawn on it: the signer sees where the signature goes."""
from __future__ import annotations

from .placement import Box


def page_png(pdf: bytes, page_index: int, box: Box | None = None, *, width_px: int = 900) -> bytes:
    raise NotImplementedError
