"""Back-of-book indexes (term → pages), filled from the previous pass of a multiBuild.

Works like ReportLab's TableOfContents: the document notifies `IndexEntry` as it lays
out the pages; the index shows what the previous pass found, and the build repeats
until nothing moves.
"""
from __future__ import annotations

from reportlab.platypus import Paragraph, Table, TableStyle
from reportlab.platypus.doctemplate import IndexingFlowable

from ..text import fold
from .fonts import markup


def page_ranges(pages: set[int]) -> str:
    """{3, 4, 5, 9} → `3–5, 9`."""
    out, run = [], []
    for p in sorted(pages):
        if run and p == run[-1] + 1:
            run.append(p)
            continue
        if run:
            out.append(f"{run[0]}–{run[-1]}" if len(run) > 2 else ", ".join(map(str, run)))
        run = [p]
    if run:
        out.append(f"{run[0]}–{run[-1]}" if len(run) > 2 else ", ".join(map(str, run)))
    return ", ".join(out)


class PageIndex(IndexingFlowable):
    """One index, named: it keeps the terms notified under its name, with their pages."""

    def __init__(self, name: str, style, letter_style, width: float):
        super().__init__()
        self.name, self.style, self.letter_style, self.width = name, style, letter_style, width
        self._entries: dict[tuple[str, str], set[int]] = {}
        self._last: dict[tuple[str, str], set[int]] = {}
        self._table = None

    def notify(self, kind, stuff):
        if kind == "IndexEntry" and stuff[0] == self.name:
            _, term, sort, page = stuff
            self._entries.setdefault((sort, term), set()).add(page)

    def beforeBuild(self):
        self._last, self._entries = self._entries, {}

    def isSatisfied(self):
        return self._last == self._entries

    def terms(self) -> dict[str, set[int]]:
        """Term → pages, as last laid out."""
        return {term: pages for (_, term), pages in self._entries.items()}

    def _build_table(self, width: float) -> Table:
        rows, letter = [], None
        for (sort, term), pages in sorted(self._last.items()):
            first = (fold(sort)[:1] or "#").upper()
            if not first.isalpha():
                first = "#"
            line = Paragraph(f"{markup(term, 'Sans')}\u00A0\u00A0<font color='#1d5c8c'>"
                             f"{page_ranges(pages)}</font>", self.style)
            if first != letter:  # the letter shares its first term's row: never alone at a column foot
                letter = first
                rows.append([[Paragraph(letter, self.letter_style), line]])
            else:
                rows.append([line])
        if not rows:
            rows = [[Paragraph("…", self.style)]]
        table = Table(rows, colWidths=[width])
        table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), "Sans", 8), ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                                   ("TOPPADDING", (0, 0), (-1, -1), 0.6), ("BOTTOMPADDING", (0, 0), (-1, -1), 0.6)]))
        return table

    def wrap(self, availWidth, availHeight):
        self._table = self._build_table(availWidth)
        return self._table.wrap(availWidth, availHeight)

    def split(self, availWidth, availHeight):
        self._table = self._build_table(availWidth)
        return self._table.split(availWidth, availHeight)

    def drawOn(self, canvas, x, y, _sW=0):
        self._table.drawOn(canvas, x, y, _sW)
