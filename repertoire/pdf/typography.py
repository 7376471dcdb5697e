"""French typography and the paragraph styles of the répertoire."""
from __future__ import annotations

import re
from functools import lru_cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.styles import ParagraphStyle

from .fonts import markup
from .language import LANG

# French hyphenation patterns (pyphen) for justified text: lines no longer gape.
HYPHENATION = {"fr": "fr_FR", "en": "en_GB"}
NBSP = "\u00A0"  # between words that stay together (stretches with the justification)
FINE = "\u202F"  # before « : ; ! ? », inside « », in numbers: fixed width, never a break (fonts.py)

_BEFORE_HIGH_PUNCT = re.compile(r"(?<=[^\s\u00A0\u202F:/])[ \t\u202F\u00A0]*([;!?»])|"
                                r"(?<=[^\s\u00A0\u202F:/])[ \t\u202F\u00A0]*(:)(?=\s|$)")
# An apostrophe inside a word (l'eau, Xi'an) or closing one, as a transliteration's soft sign
# does (« Tverskaya oblast' », Perm'); a quote mark opening a word ('mot') is left alone.
APOSTROPHE = re.compile(r"(?<=\w)'(?=\w|[\s,.;:!?)»]|$)")
_AFTER_GUILLEMET = re.compile(r"«[ \t\u202F\u00A0]*")


def french(text: str | None) -> str:
    """French spacing: a fixed no-break space before ; : ! ? » and after «, one apostrophe (’).

    >>> french("Attention: « oui » ; non!")
    'Attention\\u202f: «\\u202foui\\u202f»\\u202f; non\\u202f!'
    """
    if not text:
        return ""
    text = APOSTROPHE.sub("’", text)
    text = _AFTER_GUILLEMET.sub("«" + FINE, text)
    text = _BEFORE_HIGH_PUNCT.sub(lambda m: FINE + (m.group(1) or m.group(2)), text)
    # "?!" and "!!" stay together; a URL scheme "http://" is left alone by the lookbehinds.
    return re.sub(FINE + r"([!?])" + FINE + r"([!?])", FINE + r"\1\2", text)


def spaced(markup: str) -> str:
    """Our own text (markup, no survey text in it) with the spacing of the book's language."""
    return french(markup) if LANG.get() == "fr" else markup


def plain_spaced(text: str) -> str:
    """A heading's plain text where the book shows it as text (contents, running header): the
    apostrophe of the book, and French spacing in a French book."""
    return french(text) if LANG.get() == "fr" else APOSTROPHE.sub("’", text or "")


_LEADING_PUNCT = re.compile(r"^[ \t\u00A0]*(?=[;!?»]|:(?:\s|$))")


def joined_punctuation(text: str, after_word: bool) -> str:
    """A run of text that follows markup (« **47 préfectures** : la… », « **mot** » »): the
    space before its first high punctuation becomes the fixed one when the markup ended on a
    word, as french() does within one run."""
    return _LEADING_PUNCT.sub(FINE, text, count=1) if after_word and LANG.get() == "fr" else text


def colon() -> str:
    """« : » after a label: a fixed space before it in French, none in English."""
    return FINE + ":" if LANG.get() == "fr" else ":"


def number(n: int) -> str:
    """`1\u202F298`: French digit grouping, with a fixed space that never breaks."""
    return f"{n:,}".replace(",", FINE)


def rich(text: str | None, family: str = "Serif") -> str:
    """Plain survey text → safe Paragraph markup: French spacing (in a French book), escaped,
    fonts per script."""
    return _rich(text, family, LANG.get())


@lru_cache(maxsize=65536)
def _rich(text: str | None, family: str, lang: str) -> str:
    return markup(french(text) if lang == "fr" else APOSTROPHE.sub("’", text or ""), family)


INK = colors.HexColor("#1f2a44")
ACCENT = colors.HexColor("#1d5c8c")
MUTED = colors.HexColor("#5b6472")
RULE = colors.HexColor("#c9d3df")


def styles() -> dict[str, ParagraphStyle]:
    """The named paragraph styles: body, headings (kept with what follows), entries, indexes.

    Made once per language (its hyphenation patterns) and shared: no code changes a style after this.
    """
    return _styles(LANG.get())


@lru_cache(maxsize=None)
def _styles(lang: str) -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName="Serif", fontSize=9.5, leading=13.2, textColor=INK,
                          alignment=TA_JUSTIFY, spaceAfter=5, hyphenationLang=HYPHENATION[lang],
                          embeddedHyphenation=1, uriWasteReduce=0.3)
    sans = ParagraphStyle("sans", parent=body, fontName="Sans", alignment=TA_LEFT, hyphenationLang=None)  # ragged: no need
    s = {
        "body": body,
        "sans": sans,
        "cover-kicker": ParagraphStyle("cover-kicker", parent=sans, fontSize=11, leading=14,
                                       textColor=colors.white, spaceAfter=8),
        "cover-title": ParagraphStyle("cover-title", parent=sans, fontName="Sans-Bold", fontSize=26,
                                      leading=32, textColor=colors.white, spaceAfter=14),
        "cover-sub": ParagraphStyle("cover-sub", parent=sans, fontSize=13, leading=18,
                                    textColor=colors.white),
        "cover-figure": ParagraphStyle("cover-figure", parent=sans, fontSize=10, leading=26, textColor=INK,
                                       leftIndent=8),
        "cover-text": ParagraphStyle("cover-text", parent=sans, fontSize=10.5, leading=15, textColor=INK,
                                     spaceAfter=4),
        "colophon": ParagraphStyle("colophon", parent=sans, fontSize=8, leading=11, textColor=MUTED, spaceAfter=3),
        "cover-small": ParagraphStyle("cover-small", parent=sans, fontSize=10, leading=14, textColor=MUTED),
        "h1": ParagraphStyle("h1", parent=sans, fontName="Sans-Bold", fontSize=20, leading=25,
                             textColor=ACCENT, spaceBefore=22, spaceAfter=14, keepWithNext=1),  # none at a page's top
        "h2": ParagraphStyle("h2", parent=sans, fontName="Sans-Bold", fontSize=14, leading=18,
                             textColor=ACCENT, spaceBefore=14, spaceAfter=6, keepWithNext=1),
        "h3": ParagraphStyle("h3", parent=sans, fontName="Sans-Bold", fontSize=11, leading=14,
                             textColor=INK, spaceBefore=10, spaceAfter=4, keepWithNext=1),
        "h4": ParagraphStyle("h4", parent=sans, fontName="Sans-Bold", fontSize=9.5, leading=12,
                             textColor=MUTED, spaceBefore=6, spaceAfter=2, keepWithNext=1),
        "bullet": ParagraphStyle("bullet", parent=body, leftIndent=14, bulletIndent=4, spaceAfter=2),
        "quote": ParagraphStyle("quote", parent=body, leftIndent=16, rightIndent=16, fontName="Serif-Italic",
                                textColor=MUTED),
        "entry-title": ParagraphStyle("entry-title", parent=sans, fontName="Sans-Bold", fontSize=10,
                                      leading=13, spaceBefore=6, spaceAfter=1, keepWithNext=1),
        "entry-meta": ParagraphStyle("entry-meta", parent=sans, fontSize=8.3, leading=11,
                                     textColor=MUTED, spaceAfter=2),
        "entry-text": ParagraphStyle("entry-text", parent=body, fontSize=8.8, leading=11.8, spaceAfter=2),
        "entry-note": ParagraphStyle("entry-note", parent=body, fontName="Serif-Italic", fontSize=8, leading=10.5,
                                     textColor=MUTED, spaceAfter=2),
        "entry-continued": ParagraphStyle("entry-continued", parent=sans, fontName="Sans-Bold", fontSize=8.3,
                                          leading=11, textColor=MUTED, spaceAfter=2),
        "toc0": ParagraphStyle("toc0", parent=sans, fontName="Sans-Bold", fontSize=10.5, leading=15,
                               leftIndent=0, firstLineIndent=0, spaceBefore=5),
        "toc1": ParagraphStyle("toc1", parent=sans, fontSize=9.5, leading=13, leftIndent=14, firstLineIndent=0),
        "index": ParagraphStyle("index", parent=sans, fontSize=8, leading=10, leftIndent=8,
                                firstLineIndent=-8, alignment=TA_LEFT, spaceAfter=0.6),
        "index-title": ParagraphStyle("index-title", parent=sans, fontName="Sans-Bold", fontSize=12, leading=15,
                                      textColor=ACCENT, spaceBefore=12, spaceAfter=4, keepWithNext=1),
        "index-letter": ParagraphStyle("index-letter", parent=sans, fontName="Sans-Bold", fontSize=10,
                                       leading=14, textColor=ACCENT, spaceBefore=4, keepWithNext=1),
        "index-group": ParagraphStyle("index-group", parent=sans, fontName="Sans-Bold", fontSize=9,
                                      leading=12, textColor=ACCENT, spaceBefore=7, spaceAfter=2, keepWithNext=1),
        "small": ParagraphStyle("small", parent=sans, fontSize=8, leading=10.5, textColor=MUTED),
        "caption": ParagraphStyle("caption", parent=sans, fontSize=8, leading=10.5, textColor=MUTED,
                                  alignment=TA_CENTER, spaceBefore=4),
        "cell": ParagraphStyle("cell", parent=sans, fontSize=8.5, leading=10.5),
    }
    return s
