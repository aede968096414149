"""The quality of a paper document's scan (seed 002 Đ9.3b: in colour, at least 200 dpi), read
from the images embedded in the PDF; what a shortfall meets is the agency's policy.

Each page's main image (the largest as drawn) is judged: its colour from its colour space (one
component, or one bit per pixel, is black-and-white or greyscale; three or more is colour) and
its resolution as placed on the page (pixels over the inches it is drawn across, the lower of
the two directions). A PDF without any image is not a scan at all."""
from __future__ import annotations

from sqlalchemy.orm import Session

from engine.errors import InvalidData

from ..models import Agency
from ..signing.pagecontent import PlacedImage, placed_images, reader_for
from .scan_policy import REFUSE

MIN_DPI = 200
NOT_A_SCAN = "Tệp không có ảnh quét: đây là văn bản điện tử, không phải bản quét văn bản giấy"
UNREADABLE = "Không đọc được ảnh trong tệp để kiểm tra chất lượng quét"


def assess(session: Session, agency_id: int, data: bytes, filename: str) -> list[str]:
    """The shortfalls of the scan ``data`` under the agency's policy: refused (InvalidData at the
    ``file`` field) when the agency refuses them, else returned as warnings (Vietnamese)."""
    found = findings(data)
    agency = session.get(Agency, agency_id)
    if found and agency is not None and agency.scan_quality_policy == REFUSE:
        message = (f"Bản quét {filename} chưa đạt yêu cầu số hóa (ảnh màu, từ {MIN_DPI} dpi): "
                   + "; ".join(found) + ".")
        raise InvalidData(message, errors={"file": message})
    return found


def findings(data: bytes) -> list[str]:
    """What falls short in the scan ``data``, in Vietnamese, page by page ("Trang 1: ...")."""
    try:
        pages = [placed_images(page) for page in reader_for(data).pages]
    except Exception:  # malformed input surfaces as any of a dozen exception types
        return [UNREADABLE]
    if not any(pages):
        return [NOT_A_SCAN]
    found = []
    for number, images in enumerate(pages, start=1):
        if not images:
            found.append(f"Trang {number}: không có ảnh quét")
            continue
        main = max(images, key=lambda image: image.shown_size[0] * image.shown_size[1])
        if components(main) < 3:
            found.append(f"Trang {number}: ảnh quét đen trắng/thang xám, không phải ảnh màu")
        dpi = resolution(main)
        if dpi is not None and dpi < MIN_DPI:
            found.append(f"Trang {number}: độ phân giải {dpi} dpi, dưới {MIN_DPI} dpi")
    return found


def resolution(image: PlacedImage) -> int | None:
    """Dots per inch as drawn: the lower of the two directions (None when drawn with no size)."""
    try:
        width, height = int(image.xobject["/Width"]), int(image.xobject["/Height"])
    except (KeyError, TypeError, ValueError):
        return None
    shown_w, shown_h = image.shown_size
    if shown_w <= 0 or shown_h <= 0:
        return None
    return round(min(width / (shown_w / 72), height / (shown_h / 72)))


def components(image: PlacedImage) -> int:
    """Colour components per pixel; 1 for a bitmap (1 bit per pixel or a mask). An unknown
    colour space (e.g. JPEG 2000 that carries its own) counts as colour: never a false finding."""
    xobject = image.xobject
    if xobject.get("/ImageMask") or xobject.get("/BitsPerComponent") == 1:
        return 1
    return _space_components(xobject.get("/ColorSpace"))


def _space_components(space) -> int:
    space = space.get_object() if hasattr(space, "get_object") else space
    if space is None:
        return 3
    if isinstance(space, list) and space:
        family = str(space[0])
        if family == "/ICCBased" and len(space) > 1:
            return int(space[1].get_object().get("/N", 3))
        if family == "/Indexed" and len(space) > 1:
            return _space_components(space[1])
        if family in ("/Separation", "/CalGray"):
            return 1
        if family == "/DeviceN" and len(space) > 1:
            return len(space[1].get_object())
        return _space_components(space[0]) if family.startswith("/Device") else 3
    name = str(space)
    return {"/DeviceGray": 1, "/CalGray": 1, "/DeviceCMYK": 4}.get(name, 3)
