"""Small PDFs written by hand, so the tests control every byte (version, page size, rotation)."""
from __future__ import annotations

A4 = (595.28, 841.89)


def make_pdf(pages: int = 3, version: str = "1.7", size: tuple[float, float] = A4,
             rotate: int = 0, crop: tuple[float, float, float, float] | None = None) -> bytes:
    """A PDF with ``pages`` pages, each saying its number in Helvetica near its top left."""
    width, height = size
    objects: list[bytes] = []  # object n is objects[n - 1]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(pages))
    extra = f" /Rotate {rotate}" if rotate else ""
    if crop:
        extra += " /CropBox [{} {} {} {}]".format(*crop)
    objects.append(f"<< /Type /Pages /Count {pages} /Kids [{kids}] "
                   f"/MediaBox [0 0 {width} {height}]{extra} >>".encode())
    font_ref = 3 + 2 * pages
    for i in range(pages):
        text = (f"BT /F1 24 Tf 72 {height - 100} Td (Trang {i + 1} / Page {i + 1}) Tj ET\n"
                f"BT /F1 12 Tf 72 {height - 130} Td (Van ban thu nghiem - test document) Tj ET\n"
                f"0.8 0.8 0.8 RG 2 w 36 36 {width - 72} {height - 72} re S\n").encode()
        objects.append(f"<< /Type /Page /Parent 2 0 R /Contents {4 + 2 * i} 0 R "
                       f"/Resources << /Font << /F1 {font_ref} 0 R >> >> >>".encode())
        objects.append(b"<< /Length %d >>\nstream\n%sendstream" % (len(text), text))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")

    return write_pdf(objects, version)


def write_pdf(objects: list[bytes], version: str = "1.7") -> bytes:
    """A PDF file of ``objects`` (object n is objects[n - 1], the catalog first)."""
    out = bytearray(f"%PDF-{version}\n%\xe2\xe3\xcf\xd3\n".encode("latin-1"))
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)
