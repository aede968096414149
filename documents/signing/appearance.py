"""The look of the agency's signature: the red seal on the left, the agency name beside it and
the signing time (ISO 8601, +07:00) on the line below.

``plan_stamp`` lays the stamp out in points before signing (the field's rectangle must be known
first); ``SealStampStyle`` draws that plan as the widget's appearance, turned against the page's
/Rotate so that it reads upright on screen.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from PIL import Image
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.content import ResourceType
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.stamp.base import BaseStamp, BaseStampStyle

from .fonts import StampFontFactory, metrics
from .placement import appearance_matrix

MM = 72 / 25.4
PADDING = 2.5
GAP = 3.0
LEADING = 1.25  # Vietnamese letters stack two marks above the cap height
NAME_SIZES = (7.5, 7.0, 6.5, 6.0, 5.5, 5.0)
TIME_SIZE = 7.5


@dataclass(frozen=True)
class TextLine:
    text: str
    x: float
    y: float  # baseline
    size: float


@dataclass(frozen=True)
class StampLayout:
    """Everything in points, in the stamp's upright (as seen) frame, origin bottom left."""

    width: float
    height: float
    seal_x: float
    seal_y: float
    seal_size: float
    lines: tuple[TextLine, ...]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def wrap(text: str, width: float, size: float) -> list[str]:
    """Greedy word wrap by measured width; a word wider than ``width`` stays on its own line.
    A dash between parts of a name ("Ủy ban nhân dân tỉnh Hà Nam — Văn phòng") ends a line."""
    parts = re.split(r"(?<=\s[—–-])\s+", text)
    return [line for part in parts for line in _wrap_words(part, width, size)]


def _wrap_words(text: str, width: float, size: float) -> list[str]:
    measure = metrics().width
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and measure(candidate, size) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def plan_stamp(name: str, time_text: str, width: float = 45 * MM,
               seal_size: float = 15 * MM) -> StampLayout:
    """Seal top left, ``name`` wrapped to its right (the largest size from 7.5 pt down to 5 pt
    that fits beside the seal), ``time_text`` on one line across the bottom. Sizes are whole
    points: pyHanko truncates boxes to integers, which would clip or stretch the drawing."""
    measure = metrics().width
    width, seal_size = round(width), round(seal_size)
    name_x = PADDING + seal_size + GAP
    name_width = width - name_x - PADDING
    for size in NAME_SIZES:
        name_lines = wrap(name, name_width, size)
        widest = max((measure(line, size) for line in name_lines), default=0)
        if len(name_lines) * size * LEADING <= seal_size and widest <= name_width:
            break
    name_block = len(name_lines) * size * LEADING

    time_size = min(TIME_SIZE, (width - 2 * PADDING) / max(measure(time_text, 1), 1e-6))
    time_band = time_size * LEADING
    top_height = max(seal_size, name_block)
    height = math.ceil(PADDING + time_band + GAP + top_height + PADDING)
    top_bottom = PADDING + time_band + GAP

    block_top = top_bottom + (top_height + name_block) / 2
    lines = [TextLine(text, name_x, block_top - (i + 1) * size * LEADING + 0.3 * size, size)
             for i, text in enumerate(name_lines)]
    lines.append(TextLine(time_text, PADDING, PADDING + 0.3 * time_size, time_size))
    return StampLayout(width=width, height=height, seal_x=PADDING,
                       seal_y=top_bottom + (top_height - seal_size) / 2, seal_size=seal_size,
                       lines=tuple(lines))


@dataclass(frozen=True)
class SealStampStyle(BaseStampStyle):
    """A pyHanko stamp style that draws a ``StampLayout``; build one per signature."""

    plan: StampLayout | None = None
    seal: Image.Image | None = None
    rotation: int = 0
    text_color: tuple[float, float, float] = (0.0, 0.0, 0.0)
    font: StampFontFactory = field(default_factory=StampFontFactory)
    border_width: int = 0

    def create_stamp(self, writer, box: layout.BoxConstraints, text_params: dict) -> SealStamp:
        return SealStamp(writer=writer, style=self, box=box)


class SealStamp(BaseStamp):
    style: SealStampStyle

    def _render_inner_content(self) -> list[bytes]:
        plan, style = self.style.plan, self.style
        assert plan is not None and style.seal is not None
        matrix = appearance_matrix(style.rotation, plan.width, plan.height)
        commands = [b"q", b"%s cm" % _numbers(*matrix)]

        seal = PdfImage(style.seal, writer=self.writer, name="Seal",
                        box=layout.BoxConstraints(plan.seal_size, plan.seal_size))
        position = _numbers(plan.seal_x, plan.seal_y)
        commands.append(b"q 1 0 0 1 %s cm %s Q" % (position, seal.render()))
        self.import_resources(seal.resources)

        engine = style.font.create_font_engine(self.writer)
        self.set_resource(ResourceType.FONT, pdf_name("/F1"), engine.as_resource())
        commands.append(b"%s rg" % _numbers(*style.text_color))
        for line in plan.lines:
            engine.font_size = line.size
            shaped = engine.shape(line.text)
            commands.append(b"BT /F1 %s Tf 1 0 0 1 %s Tm %s ET"
                            % (_numbers(line.size), _numbers(line.x, line.y), shaped.graphics_ops))
        commands.append(b"Q")
        return commands



def _numbers(*values: float) -> bytes:
    """PDF numbers in fixed point (``%g`` may write 1e-05, which PDF does not read)."""
    texts = (f"{value:.3f}".rstrip("0").rstrip(".") for value in values)
    return " ".join("0" if text in ("", "-0") else text for text in texts).encode("ascii")
