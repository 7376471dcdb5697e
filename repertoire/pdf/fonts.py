"""Fonts for the PDF: embedded TrueType faces, found on the system, with a per-script fallback.

ReportLab has no automatic font fallback and takes TrueType only (Noto CJK is CFF:
refused), so text is split into runs, each set in the first font of a chain whose cmap
(read with fontTools) has the glyph (DESIGN.md, "PDF"). Arabic runs are reshaped and
reordered (arabic-reshaper + python-bidi); Hebrew runs are reordered.
"""
from __future__ import annotations

import re
import subprocess
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics

from .font_cache import ttfont

NOTO = "/usr/share/fonts/truetype/noto"


class FontError(RuntimeError):
    """A font the PDF needs is not installed: the message names the Debian package."""


@dataclass(frozen=True)
class Face:
    """One font file: its ReportLab name, where to look for it, and which package ships it."""

    name: str
    family: str              # fontconfig family, for fc-match
    style: str               # fontconfig style
    paths: tuple[str, ...]   # known Debian paths, tried first
    package: str
    index: int = 0           # face inside a .ttc


FACES: dict[str, Face] = {f.name: f for f in (
    Face("Serif", "Noto Serif", "Regular", (f"{NOTO}/NotoSerif-Regular.ttf",), "fonts-noto-core"),
    Face("Serif-Bold", "Noto Serif", "Bold", (f"{NOTO}/NotoSerif-Bold.ttf",), "fonts-noto-core"),
    Face("Serif-Italic", "Noto Serif", "Italic", (f"{NOTO}/NotoSerif-Italic.ttf",), "fonts-noto-core"),
    Face("Serif-BoldItalic", "Noto Serif", "Bold Italic", (f"{NOTO}/NotoSerif-BoldItalic.ttf",), "fonts-noto-core"),
    Face("Sans", "Noto Sans", "Regular", (f"{NOTO}/NotoSans-Regular.ttf",), "fonts-noto-core"),
    Face("Sans-Bold", "Noto Sans", "Bold", (f"{NOTO}/NotoSans-Bold.ttf",), "fonts-noto-core"),
    Face("Sans-Italic", "Noto Sans", "Italic", (f"{NOTO}/NotoSans-Italic.ttf",), "fonts-noto-core"),
    Face("Sans-BoldItalic", "Noto Sans", "Bold Italic", (f"{NOTO}/NotoSans-BoldItalic.ttf",), "fonts-noto-core"),
    Face("Armenian", "Noto Sans Armenian", "Regular", (f"{NOTO}/NotoSansArmenian-Regular.ttf",), "fonts-noto-core"),
    Face("Armenian-Bold", "Noto Sans Armenian", "Bold", (f"{NOTO}/NotoSansArmenian-Bold.ttf",), "fonts-noto-core"),
    Face("Georgian", "Noto Sans Georgian", "Regular", (f"{NOTO}/NotoSansGeorgian-Regular.ttf",), "fonts-noto-core"),
    Face("Georgian-Bold", "Noto Sans Georgian", "Bold", (f"{NOTO}/NotoSansGeorgian-Bold.ttf",), "fonts-noto-core"),
    Face("Hebrew", "Noto Sans Hebrew", "Regular", (f"{NOTO}/NotoSansHebrew-Regular.ttf",), "fonts-noto-core"),
    Face("Hebrew-Bold", "Noto Sans Hebrew", "Bold", (f"{NOTO}/NotoSansHebrew-Bold.ttf",), "fonts-noto-core"),
    Face("Arabic", "Noto Naskh Arabic", "Regular", (f"{NOTO}/NotoNaskhArabic-Regular.ttf",), "fonts-noto-core"),
    Face("Arabic-Bold", "Noto Naskh Arabic", "Bold", (f"{NOTO}/NotoNaskhArabic-Bold.ttf",), "fonts-noto-core"),
    Face("DejaVu", "DejaVu Sans", "Book", ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",), "fonts-dejavu-core"),
    Face("DejaVu-Bold", "DejaVu Sans", "Bold", ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",), "fonts-dejavu-core"),
    Face("CJK", "WenQuanYi Micro Hei", "Regular", ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",), "fonts-wqy-microhei"),
)}

# The families a style may name, each with its four faces.
FAMILIES = ("Serif", "Sans")
# After the family's own face, where a missing glyph is looked for, in order.
FALLBACK = ("Armenian", "Georgian", "Hebrew", "Arabic", "DejaVu", "CJK")
PACKAGES = tuple(sorted({f.package for f in FACES.values()}))

_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
_HEBREW = re.compile(r"[\u0590-\u05FF\uFB1D-\uFB4F]")
# A right-to-left run: RTL letters, and the spaces and marks between them.
_RTL_RUN = re.compile(r"[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]"
                      r"(?:[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF\s\u00A0'’\-]*"
                      r"[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF])?")


def locate(face: Face) -> str:
    """The file of a face: a known Debian path, else what fc-match finds for it."""
    for path in face.paths:
        if Path(path).exists():
            return path
    try:
        found = subprocess.run(["fc-match", "-f", "%{file}", f"{face.family}:style={face.style}"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        found = ""
    # fc-match always answers with something: accept it only if it is the family asked for.
    if found and Path(found).suffix.lower() in (".ttf", ".ttc") and \
            face.family.replace(" ", "").lower() in Path(found).stem.replace("-", "").lower():
        return found
    raise FontError(f"Font « {face.family} {face.style} » not found: install the Debian "
                    f"package {face.package} (apt-get install {' '.join(PACKAGES)}).")


@lru_cache(maxsize=None)
def coverage(name: str) -> frozenset[int]:
    """The code points a face has glyphs for (its best cmap, read with fontTools), kept on
    disk between processes (repertoire/diskcache.py): reading the cmaps of the fallback fonts
    for one Japanese name was a third of a small book's time."""
    from ..diskcache import DiskCache

    face = FACES[name]
    path = locate(face)
    cache = DiskCache(f"font-coverage-{Path(path).name}", [Path(path)])  # one folder per font file
    kept = cache.get(f"{name}-{face.index}")
    if kept is not None:
        return frozenset(kept)
    from fontTools.ttLib import TTFont as FTFont

    font = FTFont(path, fontNumber=face.index, lazy=True)
    try:
        return frozenset(cache.put(f"{name}-{face.index}", sorted(font.getBestCmap() or {})))
    finally:
        font.close()


_registered = False


def _register_face(name: str) -> None:
    if name not in pdfmetrics.getRegisteredFontNames():
        face = FACES[name]
        pdfmetrics.registerFont(ttfont(face.name, locate(face), face.index))


@lru_cache(maxsize=None)
def register_fallback(name: str) -> str:
    """Register a fallback script's faces the first time a text needs them: parsing them all
    (the CJK collection alone is 5 MB) was most of a small book's time."""
    bold = f"{name}-Bold" if f"{name}-Bold" in FACES else name
    for face in {name, bold}:
        _register_face(face)
    for b, i, face in ((0, 0, name), (1, 0, bold), (0, 1, name), (1, 1, bold)):
        addMapping(name, b, i, face)
    return name


def _narrow_space_never_breaks() -> None:
    """French spacing wants a fixed-width space that never breaks before « : ; ! ? » and inside
    « ». ReportLab breaks lines at U+202F (narrow no-break space) and stretches U+00A0 with the
    justification like any space; here U+202F joins the words on each side (it is no longer a
    place to break), and keeps its own width (it is not the space the justification widens)."""
    from reportlab.platypus import paragraph

    if "\u202f" not in paragraph._wsc:
        return
    paragraph._wsc = paragraph._wsc.replace("\u202f", "")
    paragraph._wsc_re_split = re.compile("[%s]+" % re.escape(paragraph._wsc)).split
    paragraph._wsc_end_search = re.compile("[%s]+$" % re.escape(paragraph._wsc)).search
    split = paragraph.split

    def split_words(text, delim=None):
        if delim is None and isinstance(text, str) and "\u202f" in text:
            return paragraph._wsc_re_split(text)
        return split(text, delim)

    paragraph.split = split_words


def register() -> None:
    """Register the main faces and families with ReportLab (once per process); the fallback
    scripts' faces are registered when a text first needs them (register_fallback)."""
    global _registered
    if _registered:
        return
    _narrow_space_never_breaks()
    for family in FAMILIES:
        for suffix in ("", "-Bold", "-Italic", "-BoldItalic"):
            _register_face(family + suffix)
    for name in FALLBACK:
        locate(FACES[name])  # a missing font is said at once, not in the middle of a book
    for family in FAMILIES:
        for bold in (0, 1):
            for italic in (0, 1):
                suffix = {(0, 0): "", (1, 0): "-Bold", (0, 1): "-Italic", (1, 1): "-BoldItalic"}[bold, italic]
                addMapping(family, bold, italic, family + suffix)
    # ReportLab graphics (the decade chart) open every drawing with this font: make it an
    # embedded one, or pdffonts lists an unembedded Helvetica.
    from reportlab.graphics import shapes
    shapes.STATE_DEFAULTS["fontName"] = "Sans"
    # Compressed streams are written as binary, not ASCII85 on top: a quarter smaller, and the
    # pure-Python encoder took a tenth of the time of the Franco-German répertoire.
    from reportlab import rl_config
    rl_config.useA85 = 0
    _registered = True


def _needs_glyph(char: str) -> bool:
    return not (unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"))


@lru_cache(maxsize=65536)
def font_for(char: str, family: str) -> str | None:
    """The family (own or fallback) that draws `char`: None keeps the current one."""
    code = ord(char)
    if not _needs_glyph(char) or code in coverage(family):
        return None
    for name in FALLBACK:
        if code in coverage(name):
            return name
    return None  # no font has it: let the main font show its .notdef rather than drop it


def visual(text: str) -> str:
    """Right-to-left runs in display order: Arabic shaped (joined), then reordered."""
    if not (_ARABIC.search(text) or _HEBREW.search(text)):
        return text
    from arabic_reshaper import reshape
    from bidi import get_display

    def fix(match: re.Match) -> str:
        run = match.group(0)
        if _ARABIC.search(run):
            run = reshape(run)
        return get_display(run, base_dir="R")

    return _RTL_RUN.sub(fix, text)


def runs(text: str, family: str = "Serif") -> list[tuple[str | None, str]]:
    """Split text into (fallback family or None, text) runs."""
    out: list[tuple[str | None, str]] = []
    for char in text:
        font = font_for(char, family)
        if font is None and char in " \u00A0\u202F" and out:
            font = out[-1][0]  # a space between two foreign words stays in their run
        if out and out[-1][0] == font:
            out[-1] = (font, out[-1][1] + char)
        else:
            out.append((font, char))
    return out


@lru_cache(maxsize=65536)
def markup(text: str | None, family: str = "Serif") -> str:
    """Escaped Paragraph markup of plain text, each script in a font that has it.

    >>> markup("Goris (Գորիս)", "Sans")
    'Goris (<font face="Armenian">Գորիս</font>)'
    """
    if not text:
        return ""
    register()
    parts = []  # cached: a name comes back in its entry, its heading and up to three indexes
    for font, run in runs(visual(text), family):
        run = escape(run)
        parts.append(f'<font face="{register_fallback(font)}">{run}</font>' if font else run)
    return "".join(parts)
