"""Build the stamp font shipped beside this script (a developer tool, not run by the system).

pyHanko writes glyph widths in font units, so a stamp font must have 1000 units per em;
DejaVu Sans has 2048. This takes DejaVu Sans 2.37 (Debian's fonts-dejavu-core), keeps the
characters Vietnamese needs plus Latin and punctuation, drops hinting, rescales to 1000 units
per em and renames the family (the Bitstream Vera and Arev licences allow modified copies
under names without "Bitstream", "Vera" or "Arev"; LICENSE-DejaVu.txt travels with it).

    python documents/signing/assets/build_font.py /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
"""
from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem

OUT = Path(__file__).resolve().parent / "DejaVuSansVN.ttf"
FAMILY = "DejaVu Sans VN"
POSTSCRIPT = "DejaVuSansVN"
RANGES = [
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x017F),  # Latin-1 Supplement, Latin Extended-A (Ă ă Đ đ Ĩ ĩ Ũ ũ)
    (0x01A0, 0x01A1), (0x01AF, 0x01B0),  # Ơ ơ Ư ư
    (0x0300, 0x0303), (0x0309, 0x0309), (0x0323, 0x0323),  # tone marks, for text not in NFC
    (0x1EA0, 0x1EF9),  # Latin Extended Additional: the precomposed Vietnamese letters
    (0x2010, 0x2027), (0x2030, 0x2030), (0x2039, 0x203A),  # dashes, quotes, bullet, ellipsis
    (0x20AB, 0x20AB), (0x20AC, 0x20AC), (0x2116, 0x2116), (0x2212, 0x2212),  # ₫ € № −
]


def build(source: str) -> None:
    font = TTFont(source, recalcTimestamp=False)  # reproducible: keep the source's date
    options = subset.Options()
    options.hinting = False
    options.desubroutinize = True
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.drop_tables += ["FFTM", "MATH"]
    unicodes = [cp for low, high in RANGES for cp in range(low, high + 1)]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    scale_upem(font, 1000)
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 3, 4, 16):
            names.setName(FAMILY, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 6:
            names.setName(POSTSCRIPT, 6, record.platformID, record.platEncID, record.langID)
    font.save(OUT)
    print(f"{OUT}: {OUT.stat().st_size} bytes, {len(font.getGlyphOrder())} glyphs, "
          f"{font['head'].unitsPerEm} units/em")


if __name__ == "__main__":
    build(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
