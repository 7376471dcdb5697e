"""The répertoire's own flowables: paragraphs measured once, entry blocks, index markers, map slots."""
from __future__ import annotations

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph

from .typography import RULE


class MeasuringCanvas(Canvas):
    """The canvas of a layout pass whose pages are thrown away: paragraphs are placed, not drawn."""

    measuring = True


class Para(Paragraph):
    """A Paragraph that breaks its lines once per width.

    ReportLab wraps a flowable each time it is measured: the KeepTogether of an entry, the
    KeepTogether that keepWithNext makes, the frame, and again at every pass of the build.
    The lines depend on the width only, so they are kept.
    """

    def wrap(self, availWidth, availHeight):
        if self.__dict__.get("_wrapped_at") == availWidth and "blPara" in self.__dict__:  # split() may drop it
            return self.width, self.height
        size = super().wrap(availWidth, availHeight)
        self._wrapped_at = availWidth
        return size

    def drawOn(self, canvas, x, y, _sW=0):
        if not getattr(canvas, "measuring", False):
            super().drawOn(canvas, x, y, _sW)


class EntryPara(Para):
    """A paragraph of an entry: cut at a column's or page's foot, its rest is announced by a
    « Collectivité – Partenaire (suite) » line at the head of the next column."""

    def __init__(self, text, style, continued: str = "", **kw):
        super().__init__(text, style, **kw)
        self.continued = continued

    def split(self, availWidth, availHeight):
        parts = super().split(availWidth, availHeight)
        for part in parts:
            part.continued = self.continued
        if len(parts) == 2 and self.continued:
            from reportlab.platypus.doctemplate import FrameBreak

            from .typography import rich, styles
            return [parts[0], FrameBreak(), Para(rich(self.continued, "Sans"), styles()["entry-continued"]), parts[1]]
        return parts


class Heading(Para):
    """A heading the document bookmarks, and lists in its contents when `toc` is true.

    `level` is the outline level (0 chapter, 1 section, 2 collectivité); a `running` heading
    names the page in the running header.
    """

    def __init__(self, text: str, style, level: int, plain: str, toc: bool = True, running: bool = False):
        super().__init__(text, style)
        self.level, self.plain, self.toc, self.running = level, plain, toc, running
        self.key: str | None = None  # its bookmark, set before the build (document._seed)

    def split(self, availWidth, availHeight):
        return []  # a heading moves whole to the next frame


class Marker(Flowable):
    """A zero-size flowable whose page the document notes (index terms).

    `terms` are (index name, term, sort key, group) tuples; group is "" in a flat index.
    """

    # Zero-size, and passing the space after the flowable above it on to the one below: else the
    # frame forgets that space, sets the next one's space before in full, and an entry that
    # KeepTogether measured as fitting (it skips zero-size flowables) is cut, its « Thèmes »
    # line alone at the head of the next column.
    _ZEROSIZE = True
    _SPACETRANSFER = True

    def __init__(self, terms=()):
        super().__init__()
        self.terms = list(terms)
        self.keepWithNext = True  # noted on the page of what follows it

    def wrap(self, aw, ah):
        return 0, 0

    def draw(self):
        pass


class Block(KeepTogether):
    """One entry with the headings that announce it: on one page, unless longer than a page.

    KeepTogether measures its content as if it stood at the top of a frame, and the frame
    takes the space before the block from its first flowable: here a zero-size Marker, so the
    heading's space before was counted nowhere and an entry that just missed the page was cut
    between two (18 in the Franco-German répertoire). The space is that of the first visible
    flowable.
    """

    def getSpaceBefore(self, content=None):
        return super().getSpaceBefore([f for f in (self._content if content is None else content)
                                       if not isinstance(f, Marker)])

    def split(self, aW, aH):
        parts = super().split(aW, aH)
        if self._H <= aH:
            # It fits: its headings need not be kept with what follows them again (the document
            # would wrap them in one more KeepTogether and measure them again). Undone after the
            # pass, as ReportLab undoes its own keepWithNext edits.
            undo = self._doctemplateAttr("_multiBuildEdits")
            for f in self._content[:-1]:
                if f.getKeepWithNext():
                    if undo:
                        undo((setattr, f, "keepWithNext", f.keepWithNext) if "keepWithNext" in f.__dict__
                             else (delattr, f, "keepWithNext"))
                    f.__dict__["keepWithNext"] = 0
        return parts


class MapSlot(Flowable):
    """A vector map (the page of a one-page PDF, read with pypdf) drawn as a form XObject of
    the book (vector_forms.py), scaled to `width` × `height`, in a thin frame."""

    def __init__(self, page, width: float, height: float):
        super().__init__()
        self.page, self.width, self.height = page, width, height
        self.hAlign = "CENTER"

    def wrap(self, aw, ah):
        return self.width, self.height

    def draw(self):
        canv = self.canv
        if not getattr(canv, "measuring", False):
            from .vector_forms import add_form

            n = 0
            while canv.hasForm(f"Map{n}"):
                n += 1
            add_form(canv._doc, f"Map{n}", self.page)
            left, bottom, right, top = (float(v) for v in self.page.mediabox)
            scale = min(self.width / (right - left), self.height / (top - bottom))
            canv.saveState()
            canv.transform(scale, 0, 0, scale, -left * scale, -bottom * scale)
            canv.doForm(f"Map{n}")
            canv.restoreState()
        canv.setStrokeColor(RULE)
        canv.rect(0, 0, self.width, self.height, stroke=1, fill=0)


class AtFoot(Flowable):
    """Flowables set at the foot of what is left of the frame (the colophon under the cover's
    figures): it takes the rest of the frame, or goes to the next one when it does not fit."""

    def __init__(self, flowables: list[Flowable]):
        super().__init__()
        self.flowables = flowables

    def _heights(self, aw: float) -> list[float]:
        return [f.wrap(aw, 10 ** 6)[1] for f in self.flowables]

    def wrap(self, aw, ah):
        heights = self._heights(aw)
        spaces = sum(f.getSpaceAfter() for f in self.flowables[:-1]) + \
            sum(f.getSpaceBefore() for f in self.flowables[1:])
        self._aw, self._needed = aw, sum(heights) + spaces
        self.width, self.height = aw, max(ah, self._needed) if ah < 10 ** 5 else self._needed
        return self.width, self.height

    def draw(self):
        y = self._needed
        for i, f in enumerate(self.flowables):
            if i:
                y -= f.getSpaceBefore()
            _, h = f.wrap(self._aw, 10 ** 6)
            y -= h
            f.drawOn(self.canv, 0, y)
            y -= f.getSpaceAfter()
