"""Editorial chapters: one Markdown file per country, typeset with the répertoire's styles.

Staff write `<CC>.md` in the instance's chapters folder; the samples shipped in
repertoire/data/chapters/ are the fallback. Each `# heading` opens a chapter on a new page.
A country without a file has no chapter (never a placeholder).
"""
from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import quoteattr

from markdown_it import MarkdownIt
from reportlab.platypus import CondPageBreak, Flowable, ListFlowable, ListItem, Spacer

from ..places import DATA
from .flowables import Heading, Para
from .typography import joined_punctuation, rich, styles

SAMPLES = DATA / "chapters"
CHAPTER_ROOM = 340  # points (12 cm): a chapter starts on a new page only when less is left


def chapter_file(country: str, chapters_dir: Path | str | None = None) -> Path | None:
    """The Markdown file of a country: the instance's first, else the shipped sample."""
    for folder in (chapters_dir, SAMPLES):
        if folder:
            path = Path(folder) / f"{country.upper()}.md"
            if path.is_file():
                return path
    return None


# The chapters' Markdown, for the PDF and the staff's preview alike: staff text is data, so
# raw HTML shows as text ("html": False); markdown-it refuses javascript: and data: links.
MARKDOWN = MarkdownIt("commonmark", {"html": False})

# Inline Markdown tokens that become fixed ReportLab markup.
INLINE_MARKUP = {
    "softbreak": " ", "hardbreak": "<br/>", "strong_open": "<b>", "strong_close": "</b>",
    "em_open": "<i>", "em_close": "</i>", "link_close": "</u></link>",
}


def _inline(children, family: str = "Serif") -> str:
    """Inline tokens → ReportLab paragraph markup; survey-free text, but escaped all the same."""
    out: list[str] = []
    after_word = False  # the last text ended on a word: French spacing carries over the markup
    for tok in children or []:
        if tok.type == "text":
            content = joined_punctuation(tok.content, after_word)
            out.append(rich(content, family))
            after_word = bool(content) and not content[-1].isspace()
            continue
        if tok.type in ("softbreak", "hardbreak"):
            after_word = False
        if tok.type in INLINE_MARKUP:
            out.append(INLINE_MARKUP[tok.type])
        elif tok.type == "code_inline":
            out.append(f'<font face="Sans">{rich(tok.content, "Sans")}</font>')
        elif tok.type == "link_open":
            href = tok.attrs.get("href", "")
            out.append(f'<link href={quoteattr(str(href))} color="#1d5c8c"><u>')
        else:  # text, images (their alt text) and anything else: as text
            out.append(rich(tok.content, family))
    return "".join(out)


def plain_text(children) -> str:
    return "".join(t.content for t in children or [] if t.type in ("text", "code_inline"))


def chapter_flowables(source: str) -> list[Flowable]:
    """Markdown text → flowables: headings, paragraphs, lists, quotes, emphasis, links."""
    st = styles()
    tokens = MARKDOWN.parse(source)
    story: list[Flowable] = []
    lists: list[list] = []       # open lists: their items
    items: list[list] = []       # open list items: their flowables
    ordered: list[bool] = []
    quote = 0
    first_h1 = True

    def emit(flowable: Flowable) -> None:
        (items[-1] if items else story).append(flowable)

    i = 0
    while i < len(tokens):
        tok = tokens[i]
        kind = tok.type
        if kind == "heading_open":
            inline = tokens[i + 1]
            level = int(tok.tag[1])
            text = _inline(inline.children, "Sans")
            plain = plain_text(inline.children)
            if level == 1:
                if not first_h1:
                    story.append(CondPageBreak(CHAPTER_ROOM))  # a chapter follows on when room is left
                first_h1 = False
                story.append(Heading(text, st["h1"], 0, plain))
            elif level == 2:
                story.append(CondPageBreak(60))
                story.append(Heading(text, st["h2"], 1, plain))
            else:
                story.append(Para(text, st["h3" if level == 3 else "h4"]))
            i += 3
            continue
        if kind == "paragraph_open":
            inline = tokens[i + 1]
            style = st["quote"] if quote else st["bullet" if items else "body"]
            if items:
                style = st["body"]
            emit(Para(_inline(inline.children), style))
            i += 3
            continue
        if kind in ("bullet_list_open", "ordered_list_open"):
            lists.append([])
            ordered.append(kind == "ordered_list_open")
        elif kind == "list_item_open":
            items.append([])
        elif kind == "list_item_close":
            flows = items.pop()
            lists[-1].append(ListItem(flows, leftIndent=14))
        elif kind in ("bullet_list_close", "ordered_list_close"):
            entries = lists.pop()
            is_ordered = ordered.pop()
            lf = ListFlowable(entries, bulletType="1" if is_ordered else "bullet", start=None if is_ordered else "–",
                              leftIndent=14, bulletFontName="Serif", bulletFontSize=9.5, spaceAfter=4)
            emit(lf)
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
        elif kind in ("fence", "code_block"):
            emit(Para(rich(tok.content, "Sans").replace("\n", "<br/>"), st["small"]))
        elif kind == "hr":
            emit(Spacer(1, 8))
        i += 1
    return story


def chapters(country: str, chapters_dir: Path | str | None = None) -> list[Flowable]:
    """The editorial chapters of a country as flowables, or [] when it has none."""
    path = chapter_file(country, chapters_dir)
    if path is None:
        return []
    return chapter_flowables(path.read_text(encoding="utf-8"))
