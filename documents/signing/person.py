"""The competent person's signature (seed 002 Đ11.1): visible PAdES, a new incremental revision,
the person's blue signature image at the signing position: between the title line and the
printed full name on the last page (else the free space nearest the bottom right of the last
page). The same revision adds the empty number and date fields the clerk fills at issue."""
from __future__ import annotations

import hashlib
import math
import random
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from io import BytesIO

from PIL import Image, ImageDraw, UnidentifiedImageError
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.stamp.base import BaseStamp, BaseStampStyle
from pypdf import PdfReader

from engine.errors import InvalidData

from .agency import _TimedPdfSigner
from .appearance import MM, _numbers
from .free_space import free_rect, occupancy
from .issue_fields import add_issue_fields
from .pagecontent import reader_for
from .pdfinput import open_pdf, unreadable
from .placement import Box, page_geometry
from .signers import Signer
from .textfind import containing, find, shown_strings

FIELD_NAME = "NguoiKy"  # "the signer"
BOX_WIDTH = 50 * MM
BOX_HEIGHT = 22 * MM
MIN_HEIGHT = 10 * MM
GAP = 3.0
BLUE = (16, 48, 170, 255)


def signature_box(pdf: bytes, name: str, reader: PdfReader | None = None, *,
                  position: str | None = None) -> tuple[int, Box]:
    """Page index and widget rectangle (user space) where ``name``'s signature goes: centred
    above the printed full name on the last page, below the line above it (the title); without
    the name, centred below the printed title (``position``, e.g. "Chánh Văn phòng", in any
    case); else the free space nearest the bottom right of the last page. ``reader``: pypdf's,
    when the caller has one on ``pdf`` already."""
    reader = reader or reader_for(pdf)
    last = len(reader.pages) - 1
    found = find(reader, last, containing(name)) if name.strip() else []
    if found:
        return last, _above(reader, last, found[-1].box)
    titles = find(reader, last, containing(position)) if position and position.strip() else []
    if titles:
        return last, _below(reader, last, titles[-1].box)
    pyhanko_reader = open_pdf(pdf, "document.pdf")
    geometry = page_geometry(pyhanko_reader, last)
    box = free_rect(occupancy(reader, last, geometry), geometry, BOX_WIDTH, BOX_HEIGHT,
                    15 * MM, "bottom")
    if box is None:
        raise InvalidData("Trang cuối của văn bản không còn chỗ trống cho chữ ký; "
                          "hãy để trống vị trí ký phía trên họ tên người ký")
    return last, box


def _above(reader: PdfReader, page_index: int, name_box: Box) -> Box:
    centre = (name_box[0] + name_box[2]) / 2
    left, right = centre - BOX_WIDTH / 2, centre + BOX_WIDTH / 2
    bottom = name_box[3] + GAP
    ceiling = bottom + BOX_HEIGHT
    for shown in shown_strings(reader, page_index):
        x0, y0, x1, y1 = shown.box
        if y0 >= bottom and x1 > left and x0 < right:  # a line above, across the box: the title
            ceiling = min(ceiling, y0 - GAP)
    return left, bottom, right, bottom + max(ceiling - bottom, MIN_HEIGHT)


def _below(reader: PdfReader, page_index: int, title_box: Box) -> Box:
    centre = (title_box[0] + title_box[2]) / 2
    left, right = centre - BOX_WIDTH / 2, centre + BOX_WIDTH / 2
    top = title_box[1] - GAP
    floor = top - BOX_HEIGHT
    for shown in shown_strings(reader, page_index):
        x0, y0, x1, y1 = shown.box
        if y1 <= top and x1 > left and x0 < right:  # a line below, across the box
            floor = max(floor, y1 + GAP)
    return left, top - max(top - floor, MIN_HEIGHT), right, top


@dataclass(frozen=True)
class ImageStampStyle(BaseStampStyle):
    """Only the image, fitted in the box, keeping its proportions."""

    image: Image.Image | None = None
    border_width: int = 0

    def create_stamp(self, writer, box: layout.BoxConstraints, text_params: dict) -> ImageStamp:
        return ImageStamp(writer=writer, style=self, box=box)


class ImageStamp(BaseStamp):
    style: ImageStampStyle

    def _render_inner_content(self) -> list[bytes]:
        image = self.style.image
        assert image is not None
        width, height = self.box.width, self.box.height
        scale = min(width / image.width, height / image.height)
        shown_w, shown_h = image.width * scale, image.height * scale
        pdf_image = PdfImage(image, writer=self.writer, name="Sig",
                             box=layout.BoxConstraints(shown_w, shown_h))
        position = _numbers((width - shown_w) / 2, (height - shown_h) / 2)
        command = b"q 1 0 0 1 %s cm %s Q" % (position, pdf_image.render())
        self.import_resources(pdf_image.resources)  # filled in by render()
        return [command]


def sign_as_person(pdf: bytes, signer: Signer, *, image_png: bytes, name: str,
                   position: str | None, at: datetime, filename: str = "document.pdf") -> bytes:
    """The PDF with one more revision: ``name``'s visible signature made with ``signer``, and
    the empty number and date fields. Earlier signatures stay valid."""
    if at.tzinfo is None:
        raise ValueError("the signing time must be timezone-aware")
    image = _image(bytes(image_png))
    content = reader_for(pdf)
    page_index, box = signature_box(pdf, name, content, position=position)
    reader = open_pdf(pdf, filename)
    try:
        writer = IncrementalPdfFileWriter.from_reader(reader)
        add_issue_fields(writer, content)
        field_name = _free_name(reader)
        reason = f"{position} ký ban hành" if position else "Ký ban hành"
        pdf_signer = _TimedPdfSigner(
            signers.PdfSignatureMetadata(
                field_name=field_name, md_algorithm="sha256", name=name, reason=reason,
                subfilter=fields.SigSeedSubFilter.PADES),
            signer=signer.pyhanko_signer,
            stamp_style=ImageStampStyle(image=image),
            new_field_spec=fields.SigFieldSpec(sig_field_name=field_name, on_page=page_index,
                                               box=tuple(round(v) for v in box)),
            at=at,
        )
        return pdf_signer.sign_pdf(writer, bytes_reserved=signer.bytes_reserved).getvalue()
    except SigningError as exc:
        raise InvalidData(f"file '{filename}' cannot be signed: {exc}") from exc
    except (PdfError, KeyError) as exc:
        raise unreadable(filename, exc) from exc


def _free_name(reader) -> str:
    taken = {name for name, _, _ in fields.enumerate_sig_fields(reader)}
    return next(n for n in (f"{FIELD_NAME}{i}" if i > 1 else FIELD_NAME for i in range(1, 99))
                if n not in taken)


@lru_cache(maxsize=64)
def _image(png: bytes) -> Image.Image:
    try:
        image = Image.open(BytesIO(png))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise InvalidData("Ảnh chữ ký không phải ảnh PNG đọc được") from exc
    return image.convert("RGBA")


def blue_signature_png(full_name: str, width_px: int = 600, height_px: int = 240) -> bytes:
    """A demo handwritten-looking signature in blue on a transparent ground, the same for the
    same name: a looping stroke per word of the name and an underline flourish."""
    name = unicodedata.normalize("NFC", full_name)
    rng = random.Random(hashlib.sha256(name.encode()).digest())
    image = Image.new("RGBA", (width_px, height_px), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    words = name.split() or ["x"]
    x = width_px * 0.08
    step = width_px * 0.84 / len(words)
    for _ in words:
        points = []
        loops = rng.randint(2, 4)
        amplitude = height_px * rng.uniform(0.18, 0.3)
        for i in range(60):
            t = i / 59
            angle = t * loops * 2 * math.pi
            points.append((x + t * step + 12 * math.cos(angle),
                           height_px * 0.45 - amplitude * math.sin(angle) * (1 - 0.4 * t)))
        draw.line(points, fill=BLUE, width=5, joint="curve")
        x += step
    flourish = [(width_px * (0.1 + 0.8 * t), height_px * (0.78 - 0.12 * math.sin(t * math.pi)))
                for t in (i / 30 for i in range(31))]
    draw.line(flourish, fill=BLUE, width=4, joint="curve")
    out = BytesIO()
    image.save(out, format="PNG", dpi=(300, 300))
    return out.getvalue()
