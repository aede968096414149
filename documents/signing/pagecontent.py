"""What a PDF page draws and where, read with pypdf: the boxes of its text, the images it places
(with the matrix that places them) and its form XObjects. The stamp's placement needs the first
to avoid text, the scan quality check the second to measure a scan's resolution and colour.

Text positions come from pypdf's layout-mode text state (it measures each shown string with the
font's widths); pypdf is pinned, and those helpers are private to it, so they stay behind this
module."""
from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from pypdf import PdfReader
from pypdf._text_extraction._layout_mode._fixed_width_page import (
    recurse_to_target_op,
    set_font_operation,
)
from pypdf._text_extraction._layout_mode._text_state_manager import TextStateManager
from pypdf.generic import ArrayObject, ContentStream, StreamObject

Box = tuple[float, float, float, float]
Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
# Above the baseline Vietnamese letters stack a mark over a capital ("Ộ"); below, descenders.
ASCENT, DESCENT = 1.15, 0.3


@dataclass(frozen=True)
class PlacedImage:
    name: str
    matrix: Matrix  # maps the image's unit square to user space
    xobject: StreamObject

    @property
    def box(self) -> Box:
        return transform_box(self.matrix, (0.0, 0.0, 1.0, 1.0))

    @property
    def shown_size(self) -> tuple[float, float]:
        """Width and height of the image as drawn, in points (lengths of the placed axes)."""
        a, b, c, d, _, _ = self.matrix
        return (a * a + b * b) ** 0.5, (c * c + d * d) ** 0.5


@dataclass(frozen=True)
class PageContent:
    text: list[Box]
    images: list[PlacedImage]
    forms: list[Box]


def reader_for(data: bytes) -> PdfReader:
    return PdfReader(BytesIO(data), strict=False)


def multiply(m: Matrix, n: Matrix) -> Matrix:
    """``m`` then ``n`` (PDF's row-vector convention: m x n)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
            e * A + f * C + E, e * B + f * D + F)


def transform_box(m: Matrix, box: Box) -> Box:
    x0, y0, x1, y1 = box
    points = [(x * m[0] + y * m[2] + m[4], x * m[1] + y * m[3] + m[5])
              for x in (x0, x1) for y in (y0, y1)]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def page_content(page) -> PageContent:
    contents = page.get("/Contents")
    contents = contents.get_object() if contents is not None else None
    if not isinstance(contents, (ArrayObject, StreamObject)):
        return PageContent([], [], [])
    images, forms = _placements(page, ContentStream(contents, page.pdf, "bytes").operations)
    return PageContent(_text_boxes(page, contents), images, forms)


def placed_images(page) -> list[PlacedImage]:
    """The images ``page`` draws directly, with where (forms' insides are not opened)."""
    contents = page.get("/Contents")
    contents = contents.get_object() if contents is not None else None
    if not isinstance(contents, (ArrayObject, StreamObject)):
        return []
    return _placements(page, ContentStream(contents, page.pdf, "bytes").operations)[0]


def _text_boxes(page, contents) -> list[Box]:
    fonts = page._layout_mode_fonts()
    ops = iter(ContentStream(contents, page.pdf, "bytes").operations)
    state = TextStateManager()
    shown = []
    for operands, op in ops:
        if op in (b"BT", b"q"):
            _, found = recurse_to_target_op(ops, state, b"ET" if op == b"BT" else b"Q", fonts,
                                            strip_rotated=False)
            shown.extend(found)
        elif op == b"Tf":
            set_font_operation(state, fonts, operands)
        elif op == b"cm":
            state.add_cm(*operands)
        else:
            state.set_state_param(op, operands)
    boxes = []
    for tj in shown:
        height = tj.font_height
        if tj.font.interpretable:
            x0, x1 = sorted((tj.tx, tj.displaced_tx))
        else:  # no widths to measure with: a full em per character, never too narrow
            x0, x1 = tj.tx, tj.tx + height * len(tj.value)
        if x1 - x0 < 1e-3:  # nothing drawn
            continue
        boxes.append((x0, tj.ty - DESCENT * height, x1, tj.ty + ASCENT * height))
    return boxes


def _placements(page, operations) -> tuple[list[PlacedImage], list[Box]]:
    """Images and forms drawn by ``Do``, with the CTM in force (q/Q/cm tracked)."""
    resources = page.get("/Resources")
    xobjects = (resources.get_object().get("/XObject") if resources is not None else None) or {}
    xobjects = xobjects.get_object() if hasattr(xobjects, "get_object") else xobjects
    ctm, stack = IDENTITY, []
    images: list[PlacedImage] = []
    forms: list[Box] = []
    for operands, op in operations:
        if op == b"q":
            stack.append(ctm)
        elif op == b"Q":
            ctm = stack.pop() if stack else IDENTITY
        elif op == b"cm" and len(operands) == 6:
            ctm = multiply(tuple(float(v) for v in operands), ctm)
        elif op == b"Do" and operands:
            name = str(operands[0])
            xobject = xobjects.get(name)
            xobject = xobject.get_object() if xobject is not None else None
            if xobject is None:
                continue
            if xobject.get("/Subtype") == "/Image":
                images.append(PlacedImage(name, ctm, xobject))
            elif xobject.get("/Subtype") == "/Form":
                matrix = tuple(float(v) for v in xobject.get("/Matrix", IDENTITY))
                bbox = tuple(float(v) for v in xobject.get("/BBox", (0, 0, 0, 0)))
                forms.append(transform_box(multiply(matrix, ctm), bbox))
        elif op == b"INLINE IMAGE":
            forms.append(transform_box(ctm, (0.0, 0.0, 1.0, 1.0)))  # small by nature: occupied
    return images, forms
