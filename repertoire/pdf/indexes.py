"""Back-of-book indexes (term → pages), filled from the previous pass of the build.

Works like ReportLab's TableOfContents: the document notifies `IndexEntry` as it lays
out the pages; the index shows what the previous pass found, and the build repeats
until nothing moves. An index is flat (terms under their initial letter) or grouped
(the thematic index: the partnerships under each theme).
"""
from __future__ import annotations

from reportlab.platypus.doctemplate import IndexingFlowable, NullActionFlowable

from ..text import fold
from .flowables import Heading, Para
from .fonts import markup
from .typography import APOSTROPHE

Key = tuple[str, str, str, str]  # (group sort, group, term sort, term)


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


def _letter(sort: str) -> str:
    first = (fold(sort)[:1] or "#").upper()
    return first if first.isalpha() else "#"


class PageIndex(IndexingFlowable):
    """One index, named: it keeps the terms notified under its name, with their pages.

    It lays itself out as one paragraph per term, so that the terms flow down the columns
    as any text does (a table of thousands of rows is re-measured at each column break).
    """

    def __init__(self, name: str, style, group_style):
        super().__init__()
        self.name, self.style, self.group_style = name, style, group_style
        self._entries: dict[Key, set[int]] = {}
        self._last: dict[Key, set[int]] = {}
        self._parsed: dict[str, list] = {}  # term → its line's fragments, parsed once for all passes

    def add(self, term: str, sort: str, group: str, page: int) -> None:
        """Note that `term` (under `group`, "" for its initial letter) is on `page`."""
        group = group or _letter(sort)
        term = APOSTROPHE.sub("’", term)  # one apostrophe style, as in the entries (Xi’an, Villeneuve-d’Ascq)
        self._entries.setdefault((fold(group) if group != "#" else "", group, sort, term), set()).add(page)

    def notify(self, kind, stuff):
        if kind == "IndexEntry" and stuff[0] == self.name:
            self.add(*stuff[1:])

    def beforeBuild(self):
        self._last, self._entries = self._entries, {}

    def isSatisfied(self):
        return self._last == self._entries

    def terms(self) -> dict[str, set[int]]:
        """Term → pages, as last laid out."""
        return {term: pages for (_, _, _, term), pages in self._entries.items()}

    def flowables(self) -> list:
        """The index as paragraphs: each group's heading (kept with its first term), then its terms."""
        out, group = [], None
        for (_, name, _, term), pages in sorted(self._last.items()):
            if name != group:
                group = name
                out.append(Heading(markup(name, "Sans"), self.group_style, 1, name, toc=False, running=True)
                           if len(name) > 1 else Para(name, self.group_style))
            out.append(self._line(term, page_ranges(pages)))
        return out or [Para("…", self.style)]

    def _line(self, term: str, pages: str) -> Para:
        """`term  pages`, from fragments: thousands of lines, each made again at every pass.

        A term in Latin script takes the fragments of a sample line with its text; one with
        other scripts (several fonts) is parsed, once for all passes.
        """
        sample = self._parsed.get("")
        if sample is None:
            sample = self._parsed[""] = Para("x\u00A0\u00A0<font color='#1d5c8c'>0</font>", self.style).frags
        frags = self._parsed.get(term)
        if frags is None:
            text = markup(term, "Sans")
            frags = self._parsed[term] = ([sample[0].clone(text=term + "\u00A0\u00A0"), sample[1]]
                                          if "<" not in text else
                                          Para(f"{text}\u00A0\u00A0<font color='#1d5c8c'>0</font>", self.style).frags)
        return Para(None, self.style, frags=[f.clone() for f in frags[:-1]] + [frags[-1].clone(text=pages)])

    def wrap(self, availWidth, availHeight):
        return availWidth, 0xFFFFFF  # never fits whole: split into its paragraphs, as KeepTogether does

    def split(self, availWidth, availHeight):
        return [NullActionFlowable()] + self.flowables()

    def draw(self):
        pass
