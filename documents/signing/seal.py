"""A stand-in agency seal for the demo and the tests: a red round seal on a transparent ground,
with the agency name around the ring and a star in the middle, like a state agency's seal.
Real agencies upload a scan of their own seal."""
from __future__ import annotations

import math
import unicodedata
from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

from .fonts import font_bytes

RED = (206, 17, 38, 255)


def red_seal_png(text: str = "ỦY BAN NHÂN DÂN TỈNH HÀ NAM", size_px: int = 420,
                 diameter_mm: float = 36.0) -> bytes:
    """A PNG of ``size_px`` square whose DPI makes it ``diameter_mm`` across when printed."""
    scale = size_px / 420
    image = Image.new("RGBA", (size_px, size_px), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    centre = size_px / 2
    outer = centre - 4 * scale
    draw.ellipse(_square(centre, outer), outline=RED, width=round(14 * scale))
    draw.ellipse(_square(centre, outer - 64 * scale), outline=RED, width=round(5 * scale))
    draw.polygon(_star(centre, 62 * scale), fill=RED)

    label = unicodedata.normalize("NFC", text).upper()
    font = ImageFont.truetype(BytesIO(font_bytes()), round(30 * scale))
    _write_on_ring(image, label, font, centre, outer - 36 * scale)

    out = BytesIO()
    dpi = round(size_px / (diameter_mm / 25.4))
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


def _square(centre: float, radius: float) -> tuple[float, float, float, float]:
    return centre - radius, centre - radius, centre + radius, centre + radius


def _star(centre: float, radius: float) -> list[tuple[float, float]]:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.382
        angle = math.pi / 2 + i * math.pi / 5
        points.append((centre + r * math.cos(angle), centre - r * math.sin(angle)))
    return points


def _write_on_ring(image: Image.Image, text: str, font, centre: float, radius: float) -> None:
    """Letters upright along the top of the ring, left to right, spread over up to 300°."""
    widths = [font.getlength(ch) for ch in text]
    total = sum(widths) * 1.08
    span = min(total / radius, math.radians(300))
    step = span / total
    angle = math.pi / 2 + span / 2  # start left of the top, walk clockwise
    for ch, width in zip(text, widths, strict=True):
        advance = width * 1.08 * step
        mid = angle - advance / 2
        box = round(font.size * 2.2)
        glyph = Image.new("RGBA", (box, box), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((box / 2, box / 2), ch, font=font, fill=RED, anchor="mm")
        glyph = glyph.rotate(math.degrees(mid - math.pi / 2), resample=Image.BICUBIC)
        x = centre + radius * math.cos(mid) - box / 2
        y = centre - radius * math.sin(mid) - box / 2
        image.alpha_composite(glyph, (round(x), round(y)))
        angle -= advance
