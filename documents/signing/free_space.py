"""Blank space on a page for the agency's stamp, so that it covers no text (issue 9 item 6).

The page, as it is seen, is cut into cells of ``CELL`` points; a cell is taken when text, a
placed picture, a form XObject or an annotation (an earlier signature's widget) touches it, with
``PAD`` around each. A page that is a scan (an image over most of the page) is read from the
image itself: it is thresholded and each cell is taken when enough of its pixels are dark. An
integral image over the cells then tests every candidate rectangle in constant time; the free one
nearest the anchor corner wins (moving left costs ``SIDEWAYS`` times moving down).
"""
from __future__ import annotations

import math
from io import BytesIO

from PIL import Image

from .pagecontent import PageContent, PlacedImage, page_content
from .placement import Box, PageGeometry, to_seen, user_rect

CELL = 3.0  # points (about 1 mm)
PAD = 4.0  # points kept clear around anything drawn
SCAN_SHARE = 0.5  # an image over half the page is the page itself (a scan)
DARK = 160  # grey level below which a scan's pixel is ink
INK_SHARE = 0.02  # a cell with more dark pixels than this holds ink (less is paper noise)
SIDEWAYS = 2  # a step to the left counts double a step down: the stamp keeps to the right side


class Occupancy:
    """Taken cells of a seen page, bottom row first."""

    def __init__(self, seen_width: float, seen_height: float) -> None:
        self.width, self.height = seen_width, seen_height
        self.cols, self.rows = math.ceil(seen_width / CELL), math.ceil(seen_height / CELL)
        self.taken = bytearray(self.cols * self.rows)

    def take(self, seen: Box, pad: float = PAD) -> None:
        x0, y0, x1, y1 = seen
        c0, c1 = max(0, int((x0 - pad) // CELL)), min(self.cols, math.ceil((x1 + pad) / CELL))
        r0, r1 = max(0, int((y0 - pad) // CELL)), min(self.rows, math.ceil((y1 + pad) / CELL))
        for row in range(r0, r1):
            start = row * self.cols
            self.taken[start + c0:start + c1] = b"\x01" * max(0, c1 - c0)

    def integral(self) -> list[int]:
        """Sums over [0, col) x [0, row), (cols + 1) x (rows + 1) values."""
        width = self.cols + 1
        sums = [0] * (width * (self.rows + 1))
        for row in range(self.rows):
            running, base, above = 0, (row + 1) * width, row * width
            cells = self.taken[row * self.cols:(row + 1) * self.cols]
            for col, cell in enumerate(cells):
                running += cell
                sums[base + col + 1] = sums[above + col + 1] + running
        return sums


def occupancy(reader, page_index: int, geometry: PageGeometry) -> Occupancy:
    page = reader.pages[page_index]
    grid = Occupancy(*geometry.seen_size)
    content: PageContent = page_content(page)

    def take_user(box: Box) -> None:
        grid.take(_seen_box(geometry, box))

    for box in content.text + content.forms:
        take_user(box)
    page_area = grid.width * grid.height
    for image in content.images:
        x0, y0, x1, y1 = image.box
        if (x1 - x0) * (y1 - y0) >= SCAN_SHARE * page_area:
            _take_ink(grid, page, image, geometry)
        else:
            take_user(image.box)
    for annot in page.get("/Annots") or []:
        rect = annot.get_object().get("/Rect")
        if rect is not None and len(rect) == 4:
            x0, y0, x1, y1 = (float(v) for v in rect)
            take_user((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)))
    return grid


def _take_ink(grid: Occupancy, page, image: PlacedImage, geometry: PageGeometry) -> None:
    """Take the cells where the scan has ink: the image thresholded and shrunk so that one of its
    pixels is about one cell, each dark one mapped through the placing matrix."""
    shown_w, shown_h = image.shown_size
    cols, rows = max(1, math.ceil(shown_w / CELL)), max(1, math.ceil(shown_h / CELL))
    try:
        picture = _decoded(page, image, (cols, rows))
    except Exception:  # an image that cannot be decoded: all of it is ink, never guess blank
        grid.take(_seen_box(geometry, image.box))
        return
    ink = picture.convert("L").point(lambda v: 255 if v < DARK else 0)
    small = ink.resize((cols, rows), Image.Resampling.BOX)
    a, b, c, d, e, f = image.matrix
    limit = INK_SHARE * 255
    for index, value in enumerate(small.get_flattened_data()):
        if value <= limit:
            continue
        col, row = index % cols, index // cols
        u, v = (col + 0.5) / cols, 1 - (row + 0.5) / rows  # the image's first row is its top
        x, y = u * a + v * c + e, u * b + v * d + f
        sx, sy = to_seen(geometry, x, y)
        grid.take((sx - CELL / 2, sy - CELL / 2, sx + CELL / 2, sy + CELL / 2))


def _decoded(page, image: PlacedImage, size: tuple[int, int]) -> Image.Image:
    """The scan's pixels. The common scanner outputs are read directly (a JPEG at a reduced
    scale, 8-bit grey or RGB pixels); anything else through pypdf, which is slower."""
    xobject = image.xobject
    filters = xobject.get("/Filter")
    filters = [str(f) for f in filters] if isinstance(filters, list) else [str(filters)]
    if filters[-1] == "/DCTDecode":  # pypdf undoes the filters before it, not the JPEG itself
        picture = Image.open(BytesIO(xobject.get_data()))
        picture.draft("L", size)  # JPEG decodes at 1/2, 1/4 or 1/8 scale for free
        return picture
    width, height = int(xobject["/Width"]), int(xobject["/Height"])
    space = xobject.get("/ColorSpace")
    mode = {"/DeviceGray": "L", "/DeviceRGB": "RGB"}.get(str(space))
    if filters in (["/FlateDecode"], ["/ASCII85Decode", "/FlateDecode"]) and mode \
            and xobject.get("/BitsPerComponent") == 8 and "/SMask" not in xobject:
        return Image.frombytes(mode, (width, height), xobject.get_data())
    return page.images[image.name].image


def _seen_box(geometry: PageGeometry, box: Box) -> Box:
    corners = [to_seen(geometry, x, y) for x in (box[0], box[2]) for y in (box[1], box[3])]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    return min(xs), min(ys), max(xs), max(ys)


def free_rect(grid: Occupancy, geometry: PageGeometry, width: float, height: float,
              margin: float, anchor: str = "top") -> Box | None:
    """The widget rectangle (user space) of the free ``width`` x ``height`` place ``margin``
    from the edges nearest the seen top-right corner (``anchor="top"``) or bottom-right
    (``"bottom"``), or None when the page has no such place."""
    sums, stride = grid.integral(), grid.cols + 1
    right = grid.width - margin
    steps_x = int((right - margin - width) // CELL)
    steps_y = int((grid.height - 2 * margin - height) // CELL)
    if steps_x < 0 or steps_y < 0:
        return None
    best: tuple[float, Box] | None = None
    for k in range(steps_x + 1):
        x1 = right - k * CELL
        x0 = x1 - width
        c0, c1 = int(x0 // CELL), min(grid.cols, math.ceil(x1 / CELL))
        for step in range(steps_y + 1):
            distance = (SIDEWAYS * k) ** 2 + step * step
            if best is not None and distance >= best[0]:
                break  # further steps in this column are only further away
            if anchor == "top":
                y1 = grid.height - margin - step * CELL
                y0 = y1 - height
            else:
                y0 = margin + step * CELL
                y1 = y0 + height
            r0, r1 = int(y0 // CELL), min(grid.rows, math.ceil(y1 / CELL))
            taken = (sums[r1 * stride + c1] - sums[r0 * stride + c1]
                     - sums[r1 * stride + c0] + sums[r0 * stride + c0])
            if taken == 0:
                best = (distance, (x0, y0, x1, y1))
                break
    return user_rect(geometry, best[1]) if best else None
