"""Where on page 1 the agency's signature goes: the top right corner as the page is seen.

A page shows its CropBox (clipped to its MediaBox), turned clockwise by its /Rotate; both may be
inherited from the page tree. The widget's /Rect is in the page's unrotated user space, so the
corner that is seen at the top right is a different one for each rotation.
"""
from __future__ import annotations

from dataclasses import dataclass

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.rw_common import find_inherited_value_in_tree

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class PageGeometry:
    visible: Box  # the CropBox within the MediaBox, normalised (llx, lly, urx, ury)
    rotation: int  # 0, 90, 180 or 270, clockwise

    @property
    def seen_size(self) -> tuple[float, float]:
        """Width and height as the page is seen."""
        width, height = self.visible[2] - self.visible[0], self.visible[3] - self.visible[1]
        return (height, width) if self.rotation in (90, 270) else (width, height)


def _box(value) -> Box | None:
    try:
        x1, y1, x2, y2 = (float(v) for v in value)
    except (TypeError, ValueError):
        return None
    return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)


def page_geometry(reader: PdfFileReader, page_index: int = 0) -> PageGeometry:
    page_ref, _ = reader.find_page_for_modification(page_index)
    page = page_ref.get_object()
    media = _box(find_inherited_value_in_tree(page, "/MediaBox", "/Parent")) or (0, 0, 612, 792)
    crop = _box(find_inherited_value_in_tree(page, "/CropBox", "/Parent")) or media
    visible = (max(crop[0], media[0]), max(crop[1], media[1]),
               min(crop[2], media[2]), min(crop[3], media[3]))
    if visible[0] >= visible[2] or visible[1] >= visible[3]:
        visible = media
    try:
        rotation = int(find_inherited_value_in_tree(page, "/Rotate", "/Parent") or 0) % 360
    except (TypeError, ValueError):
        rotation = 0
    return PageGeometry(visible, rotation if rotation in (0, 90, 180, 270) else 0)


def top_right_rect(geometry: PageGeometry, width: float, height: float, margin: float) -> Box:
    """The widget rectangle (user space) of a ``width`` x ``height`` box seen ``margin`` points
    from the top and right edges."""
    seen_width, seen_height = geometry.seen_size
    return user_rect(geometry, (seen_width - margin - width, seen_height - margin - height,
                                seen_width - margin, seen_height - margin))


def to_seen(geometry: PageGeometry, x: float, y: float) -> tuple[float, float]:
    """A user-space point in the seen frame (origin at the seen bottom left, in points)."""
    x0, y0, x1, y1 = geometry.visible
    rotation = geometry.rotation
    if rotation == 90:  # the seen top edge is the left edge, the seen right edge the top edge
        return y - y0, x1 - x
    if rotation == 180:
        return x1 - x, y1 - y
    if rotation == 270:
        return y1 - y, x - x0
    return x - x0, y - y0


def user_rect(geometry: PageGeometry, seen: Box) -> Box:
    """A rectangle of the seen frame back in user space (the widget's /Rect)."""
    x0, y0, x1, y1 = geometry.visible
    sx0, sy0, sx1, sy1 = seen
    rotation = geometry.rotation
    if rotation == 90:
        return x1 - sy1, y0 + sx0, x1 - sy0, y0 + sx1
    if rotation == 180:
        return x1 - sx1, y1 - sy1, x1 - sx0, y1 - sy0
    if rotation == 270:
        return x0 + sy0, y1 - sx1, x0 + sy1, y1 - sx0
    return x0 + sx0, y0 + sy0, x0 + sx1, y0 + sy1


def appearance_matrix(rotation: int, width: float, height: float) -> tuple[float, ...]:
    """The ``cm`` that maps the upright ``width`` x ``height`` drawing into the widget's box,
    turned counter-clockwise by the page's rotation so it is seen upright."""
    if rotation == 90:
        return 0, 1, -1, 0, height, 0
    if rotation == 180:
        return -1, 0, 0, -1, width, height
    if rotation == 270:
        return 0, -1, 1, 0, 0, width
    return 1, 0, 0, 1, 0, 0
