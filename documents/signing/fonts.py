"""The stamp font: DejaVu Sans VN, a subset of DejaVu Sans at 1000 units per em (assets/).

pyHanko writes glyph widths in font units, which PDF reads as thousandths of an em, so the font
must have exactly 1000 units per em or every glyph is drawn too far apart.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from io import BytesIO
from weakref import WeakKeyDictionary

from fontTools.ttLib import TTFont
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.api import FontEngineFactory
from pyhanko.pdf_utils.font.opentype import CIDFontType2, GlyphAccumulator
from pyhanko.pdf_utils.generic import pdf_name

FONT_FILE = "DejaVuSansVN.ttf"


@cache
def font_bytes() -> bytes:
    return resources.files(__package__).joinpath("assets", FONT_FILE).read_bytes()


@dataclass(frozen=True)
class FontMetrics:
    units_per_em: int
    advances: dict[int, int]  # code point -> advance width in font units
    fallback: int

    def width(self, text: str, size: float) -> float:
        """Width of ``text`` at ``size`` points, without kerning (so never too small)."""
        units = sum(self.advances.get(ord(ch), self.fallback) for ch in text)
        return units * size / self.units_per_em

    def covers(self, text: str) -> bool:
        return all(ord(ch) in self.advances for ch in text if ch not in "\n\r\t")


@cache
def metrics() -> FontMetrics:
    font = TTFont(BytesIO(font_bytes()))
    units_per_em = font["head"].unitsPerEm
    if units_per_em != 1000:  # pyHanko would draw every glyph at the wrong advance
        raise RuntimeError(f"{FONT_FILE} has {units_per_em} units per em; pyHanko needs 1000")
    hmtx = font["hmtx"]
    advances = {cp: hmtx[name][0] for cp, name in font.getBestCmap().items()}
    return FontMetrics(units_per_em, advances, hmtx[".notdef"][0])


@cache
def _deflated_font() -> bytes:
    return zlib.compress(font_bytes(), 9)


class _EmbeddedWholeFont(CIDFontType2):
    def set_font_file(self, writer):
        stream = generic.StreamObject(
            {pdf_name("/Filter"): pdf_name("/FlateDecode"),
             pdf_name("/Length1"): generic.NumberObject(len(font_bytes()))},
            encoded_data=_deflated_font())
        ref = writer.add_object(stream)
        self._font_descriptor[pdf_name("/FontFile2")] = ref
        return ref


class WholeFontAccumulator(GlyphAccumulator):
    """Shapes like pyHanko's GlyphAccumulator but embeds the shipped font file as it is (already
    a 46 KB subset, 20 KB deflated) instead of cutting and recompiling a subset per signature:
    fontTools took 32 of the 52 ms a signature cost. Overrides pyHanko 0.38's private hooks."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cidfont_obj = _EmbeddedWholeFont(self.tt, self.cidfont_obj.name.split("+", 1)[1],
                                              self.subset_prefix)

    def _extract_subset(self, options=None) -> None:
        pass


@dataclass(frozen=True)
class StampFontFactory(FontEngineFactory):
    """pyHanko's GlyphAccumulatorFactory opens the font file per use and never closes it; this
    one shapes from the bytes read once, and gives every drawing of one revision (a writer) the
    same engine: the font is parsed and embedded once, not once per stamp or filled field."""

    font_size: int = 7

    def create_font_engine(self, writer, obj_stream=None) -> GlyphAccumulator:
        engine = _ENGINES.get(writer)
        if engine is None or engine.obj_stream is not obj_stream:
            engine = WholeFontAccumulator(writer=writer, font_handle=BytesIO(font_bytes()),
                                          font_size=self.font_size, bcp47_lang_code="vi",
                                          obj_stream=obj_stream)
            _ENGINES[writer] = engine
        return engine


_ENGINES: WeakKeyDictionary = WeakKeyDictionary()  # writer -> its engine
