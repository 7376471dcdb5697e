"""The build of a répertoire in two passes: one to find the pages, one to draw them.

ReportLab's multiBuild starts with empty contents and indexes, which then grow and push
every page along: three passes or more (Germany, 1,300 entries: 10.8 s). Here they start
with all their lines, known from the story, and guessed pages, so that the first pass lays
out the final pages; it is only measured (MeasuringCanvas), and the second one draws them
with their numbers. A third pass follows only if something still moved.
"""
from __future__ import annotations

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable
from reportlab.platypus.doctemplate import LayoutError
from reportlab.platypus.tableofcontents import TableOfContents

from .flowables import Block, Heading, Marker, MeasuringCanvas
from .fonts import markup
from .indexes import PageIndex
from .typography import plain_spaced


def toc_text(heading: Heading) -> str:
    """A heading as the contents show it: its plain text, each script in a font that has it."""
    return markup(plain_spaced(heading.plain), "Sans")


def walk(flows):
    """Every flowable of a story, those inside a KeepTogether included, in reading order."""
    for f in flows:
        yield f
        yield from walk(getattr(f, "_content", None) or ())
        for row in getattr(f, "_cellvalues", None) or ():  # a table's cells (the compact book's maps)
            for cell in row:  # a flowable, or (once laid out) a list of them
                yield from walk(cell if isinstance(cell, (list, tuple)) else [cell] if isinstance(cell, Flowable) else [])


def seed(story: list[Flowable], indexing: list) -> None:
    """Fill the contents and indexes before the first pass: every line, with a guessed page.

    Headings get their bookmark keys here, the same at every pass. A term's page is guessed
    from its entry's rank (about eight entries a page), so that the index lines have about
    the width they will have.
    """
    contents, terms, rank = [], [], 0
    for n, f in enumerate(walk(story)):
        if isinstance(f, Heading):
            f.key = f"h{n}"
            if f.toc:
                contents.append((f.level, toc_text(f), 0, f.key))
        elif isinstance(f, Block):
            rank += 1
        elif isinstance(f, Marker):
            terms += [(term, 8 + rank // 16) for term in f.terms]  # two columns of entries
    for f in indexing:
        if isinstance(f, TableOfContents):
            f.addEntries(contents)
        elif isinstance(f, PageIndex):
            for (name, term, sort, group), page in terms:
                if name == f.name:
                    f.add(term, sort, group, page)


def settle(doc: BaseDocTemplate, story: list[Flowable], max_passes: int = 6) -> int:
    """Build `doc` until its contents and indexes show the pages they are on; returns the passes.

    What ReportLab's multiBuild does, less its first passes: the same indexing flowables,
    and the same undoing of the keepWithNext edits between passes.
    """
    doc._indexingFlowables = [f for f in story if f.isIndexing()]
    if not doc._indexingFlowables:  # no contents nor index (a compact book): one pass draws it
        doc.build(story[:])
        return 1
    seed(story, doc._indexingFlowables)
    doc._doSave = 0
    edits: list = []
    doc._multiBuildEdits = edits.append
    measuring = True
    for passes in range(1, max_passes + 1):
        for f in doc._indexingFlowables:
            f.beforeBuild()
        doc.build(story[:], canvasmaker=MeasuringCanvas if measuring else Canvas)
        for f in doc._indexingFlowables:
            f.afterBuild()
        if doc._allSatisfied() and not measuring:
            doc.canv.save()
            return passes
        measuring = False
        while edits:
            action, *args = edits.pop(0)
            action(*args)
    raise LayoutError(f"page numbers still moving after {max_passes} passes")
