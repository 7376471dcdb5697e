"""TrueType faces as ReportLab parsed them, kept on disk between processes.

ReportLab reads a TrueType file in pure Python (TTFontFile.extractInfo: names, metrics,
cmap, widths, glyph offsets) each time a process registers it: the CJK collection (5 MB,
49,531 glyphs) took 0.15 s, a seventh of a small Japanese or Chinese book, and the eight Noto
faces 0.05 s more. What the parse yields is plain data (dicts and lists of numbers): it is
kept with repertoire/diskcache.py, under the font file's content and ReportLab's version, and
a later process rebuilds the face from it and the file's bytes (which subsetting reads).

This relies on the attributes ReportLab's TTFont and TTFontFace set in their constructors:
tests/test_pdf_adapters.py checks that a face rebuilt from the cache equals a parsed one,
so that a ReportLab upgrade that changes them fails there, not in a book.
"""
from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path
from weakref import WeakKeyDictionary

import reportlab
from reportlab import rl_config
from reportlab.pdfbase.ttfonts import TTEncoding, TTFNameBytes, TTFont, TTFontFace

from ..diskcache import DiskCache


def _kept(face: TTFontFace) -> dict:
    """The parsed state of a face as plain data: names (bytes with their text) apart, and
    without the file's bytes, the read position nor the scaling function."""
    names, plain = {}, {}
    for key, value in vars(face).items():
        if key in ("_ttf_data", "_pos") or callable(value):
            continue
        if isinstance(value, TTFNameBytes):
            names[key] = value.ustr
        else:
            plain[key] = value
    return {"names": names, "plain": plain}


def _face(path: str, kept: dict) -> TTFontFace:
    face = TTFontFace.__new__(TTFontFace)
    vars(face).update(kept["plain"])
    for key, text in kept["names"].items():
        setattr(face, key, TTFNameBytes(text.encode("utf8")))
    face._ttf_data, face._pos = Path(path).read_bytes(), 0
    per_mille = 1000 / face.unitsPerEm
    face._pdfScale = (lambda x: x) if face.unitsPerEm == 1000 else (lambda x: x * per_mille)
    return face


def _font(name: str, face: TTFontFace) -> TTFont:
    """A TTFont around an already parsed face: what TTFont.__init__ sets, less the parse."""
    font = TTFont.__new__(TTFont)
    font.fontName, font.face, font.encoding = name, face, TTEncoding()
    font.state = WeakKeyDictionary()
    font._asciiReadable = rl_config.ttfAsciiReadable
    # as TTFont's default: shaped if uharfbuzz is installed, unless the settings exclude the name
    font.shapable = not any(fnmatch(name, glob) for glob in rl_config.unShapedFontGlob or ())
    return font


def ttfont(name: str, path: str, index: int = 0) -> TTFont:
    """ReportLab's TTFont(name, path, subfontIndex=index), from the disk cache when it holds
    this file's parse (made on the first call)."""
    cache = DiskCache(f"ttfont-{Path(path).name}", [Path(path), Path(__file__)], versions=[reportlab.Version])
    kept = cache.get(f"face-{index}")
    if kept is not None:
        try:
            return _font(name, _face(path, kept))
        except (KeyError, TypeError, ValueError, AttributeError, OSError, ZeroDivisionError):
            pass  # an unreadable entry: parsed again below
    font = TTFont(name, path, subfontIndex=index)
    cache.put(f"face-{index}", _kept(font.face))
    return font
