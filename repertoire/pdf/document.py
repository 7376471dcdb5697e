"""The country répertoire: page templates, contents, bookmarks, entries and indexes."""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from babel.dates import format_date
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm
from reportlab.platypus import (BaseDocTemplate, CondPageBreak, Flowable, Frame, FrameBreak, Image, KeepTogether,
                                NextPageTemplate, PageBreak, PageTemplate, Paragraph, Spacer, Table,
                                TableStyle)
from reportlab.platypus.tableofcontents import TableOfContents
from reportlab.platypus.flowables import DocAssign

from ..model import FRENCH_TYPES, KINDS, STATUSES, THEMES
from ..places import DATA
from ..text import fold
from .chapters import Heading, chapters
from .fonts import register
from .indexes import PageIndex
from .stats import departement_name, label, region_name, summary_flowables, themes_of
from .typography import ACCENT, INK, MUTED, RULE, french, rich, styles

PAGE_W, PAGE_H = A4
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 2.0 * cm, 2.2 * cm, 2.0 * cm
TEXT_W = PAGE_W - 2 * MARGIN_X
AUTHOR = "Réseau des collectivités — Répertoire des partenariats"
INDEXES = (("collectivites", "Index des collectivités françaises"),
           ("localites", "Index des localités partenaires"),
           ("themes", "Index thématique"))


class RepertoireError(ValueError):
    """A répertoire that cannot be made (unknown country, no partnership…): a readable reason."""


@dataclass
class Country:
    """What the PDF says of a country: its code, French name and adjective."""

    code: str
    name: str
    demonym: str  # masculine singular, as in data/countries.csv

    @property
    def adjective(self) -> str:
        """`franco-japonais`, `franco-allemand`, `franco-sud-coréen` (masculine singular)."""
        return "franco-" + self.demonym.lower()

    @property
    def adjective_plural(self) -> str:
        """`franco-allemands`: agrees with « partenariats » in the title."""
        adj = self.adjective
        return adj if adj.endswith(("s", "x")) else adj + "s"


@lru_cache(maxsize=None)
def _countries() -> dict[str, dict]:
    with open(DATA / "countries.csv", encoding="utf-8") as f:
        return {row["code"]: row for row in csv.DictReader(f)}


def country(code: str) -> Country:
    """The country of an ISO code, from data/countries.csv."""
    row = _countries().get((code or "").upper())
    if row is None:
        raise RepertoireError(f"Pays inconnu : « {code} » (code ISO 3166-1 à deux lettres attendu).")
    return Country(row["code"], row["name_fr"], row["demonym_fr_m"] or row["name_fr"])


def title(c: Country) -> str:
    return f"Répertoire des partenariats de coopération décentralisée {c.adjective_plural}"


@dataclass
class Options:
    """One edition: public (never contacts) or members'."""

    members: bool = False
    map_image: object = None          # bytes (PNG, JPEG, PDF) or a ReportLab Drawing / Flowable
    chapters_dir: str | None = None
    edition: date = field(default_factory=date.today)
    network: str = AUTHOR


class Marker(Flowable):
    """A zero-size flowable whose page the document notes (index terms, the map slot)."""

    def __init__(self, terms=()):
        super().__init__()
        self.terms = list(terms)
        self.keepWithNext = True  # noted on the page of what follows it

    def wrap(self, aw, ah):
        return 0, 0

    def draw(self):
        pass


class MapSlot(Flowable):
    """Room for a vector map (PDF bytes), merged onto its page after the build (pypdf)."""

    def __init__(self, width, height):
        super().__init__()
        self.width, self.height = width, height
        self.placed = None

    def wrap(self, aw, ah):
        return self.width, self.height

    def draw(self):
        x, y = self.canv.absolutePosition(0, 0)
        self.placed = (self.canv.getPageNumber(), x, y, self.width, self.height)
        self.canv.setStrokeColor(RULE)
        self.canv.rect(0, 0, self.width, self.height, stroke=1, fill=0)


class RepertoireDoc(BaseDocTemplate):
    """A4 pages: the cover, body pages with running header and footer, two-column indexes."""

    def __init__(self, buffer, country: Country, options: Options, **kw):
        super().__init__(buffer, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X,
                         topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM, title=title(country),
                         author=options.network, subject=f"Coopération décentralisée avec : {country.name}",
                         keywords=["coopération décentralisée", "jumelage", country.name],
                         creator="Répertoire (repertoire pdf)", lang="fr-FR",
                         initialFontName="Sans", initialFontSize=10, **kw)  # no unembedded Helvetica
        self.country, self.options = country, options
        self.section, self.headings = "", 0
        body = Frame(MARGIN_X, MARGIN_BOTTOM, TEXT_W, PAGE_H - MARGIN_TOP - MARGIN_BOTTOM, id="body")
        gap = 0.8 * cm
        col = (TEXT_W - gap) / 2
        left = Frame(MARGIN_X, MARGIN_BOTTOM, col, PAGE_H - MARGIN_TOP - MARGIN_BOTTOM, id="left")
        right = Frame(MARGIN_X + col + gap, MARGIN_BOTTOM, col, PAGE_H - MARGIN_TOP - MARGIN_BOTTOM, id="right")
        head_h = 2.6 * cm
        top = Frame(MARGIN_X, PAGE_H - MARGIN_TOP - head_h, TEXT_W, head_h, id="index-head")
        left1 = Frame(MARGIN_X, MARGIN_BOTTOM, col, PAGE_H - MARGIN_TOP - MARGIN_BOTTOM - head_h, id="left1")
        right1 = Frame(MARGIN_X + col + gap, MARGIN_BOTTOM, col, PAGE_H - MARGIN_TOP - MARGIN_BOTTOM - head_h,
                       id="right1")
        cover = Frame(0, 0, PAGE_W, PAGE_H, leftPadding=MARGIN_X, rightPadding=MARGIN_X,
                      topPadding=3 * cm, bottomPadding=2 * cm, id="cover")
        self.addPageTemplates([
            PageTemplate("cover", [cover], onPage=self.draw_cover),
            PageTemplate("page", [body], onPageEnd=self.draw_running),
            PageTemplate("index-first", [top, left1, right1], onPageEnd=self.draw_running),
            PageTemplate("index", [left, right], onPageEnd=self.draw_running),
        ])
        self.index_column = col

    # --- page furniture ----------------------------------------------------------------

    def draw_cover(self, canv, doc):
        canv.saveState()
        canv.setFillColor(ACCENT)
        canv.rect(0, PAGE_H * 0.52, PAGE_W, PAGE_H * 0.48, stroke=0, fill=1)
        canv.setFillColor(INK)
        canv.rect(0, 0, PAGE_W, 0.6 * cm, stroke=0, fill=1)
        canv.restoreState()

    def draw_running(self, canv, doc):
        page = canv.getPageNumber()
        canv.saveState()
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.5)
        top = PAGE_H - MARGIN_TOP + 0.5 * cm
        canv.line(MARGIN_X, top - 0.15 * cm, PAGE_W - MARGIN_X, top - 0.15 * cm)
        canv.setFont("Sans", 7.5)
        canv.setFillColor(MUTED)
        canv.drawString(MARGIN_X, top, f"Répertoire {self.country.adjective}")
        canv.drawRightString(PAGE_W - MARGIN_X, top, self.section[:90])
        canv.setFont("Sans", 8.5)
        canv.setFillColor(INK)
        canv.drawCentredString(PAGE_W / 2, MARGIN_BOTTOM - 1.0 * cm, str(page))
        if self.options.members:
            canv.setFont("Sans", 6.5)
            canv.setFillColor(MUTED)
            canv.drawRightString(PAGE_W - MARGIN_X, MARGIN_BOTTOM - 1.0 * cm,
                                 "Édition réservée aux membres — contient des données personnelles")
        canv.restoreState()

    # --- contents, bookmarks, indexes -----------------------------------------------------

    def beforeDocument(self):
        self.section, self.headings = "", 0  # each pass makes the same bookmark keys

    def afterFlowable(self, flowable):
        if isinstance(flowable, Heading):
            self.headings += 1
            key = f"h{self.headings}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(flowable.plain, key, flowable.level, closed=flowable.level > 0)
            if flowable.level == 0:
                self.section = flowable.plain
            elif getattr(flowable, "running", False):
                self.section = flowable.plain
            if flowable.toc:
                self.notify("TOCEntry", (flowable.level, flowable.getPlainText(), self.page, key))
        elif isinstance(flowable, Marker):
            for name, term, sort in flowable.terms:
                self.notify("IndexEntry", (name, term, sort, self.page))


# --- the story ---------------------------------------------------------------------------

def _cover(c: Country, n: int, options: Options) -> list[Flowable]:
    st = styles()
    edition = format_date(options.edition, "MMMM y", locale="fr")
    story: list[Flowable] = [
        Paragraph(rich(options.network, "Sans"), st["cover-kicker"]),
        Spacer(1, 1.2 * cm),
        Paragraph(rich(title(c), "Sans"), st["cover-title"]),
        Paragraph(rich(f"France – {c.name}", "Sans"), st["cover-sub"]),
        Spacer(1, PAGE_H * 0.48 - 9.5 * cm),
        Paragraph(f"<b>{n}</b> partenariat{'s' if n > 1 else ''}", styles()["h2"]),
        Paragraph(french(f"Édition de {edition}"), st["cover-small"]),
    ]
    if options.members:
        story.append(Paragraph(french("Édition réservée aux membres du réseau : contient les contacts "
                                      "des collectivités (données personnelles, ne pas diffuser)."),
                               st["cover-small"]))
    else:
        story.append(Paragraph(french("Édition publique."), st["cover-small"]))
    return story


def _toc() -> list[Flowable]:
    st = styles()
    # Every table names its font: the default cell font is an unembedded Helvetica.
    toc = TableOfContents(levelStyles=[st["toc0"], st["toc1"]], dotsMinLevel=0,
                          tableStyle=TableStyle([("FONT", (0, 0), (-1, -1), "Sans"), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                                 ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                                                 ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
    return [Paragraph("Sommaire", st["h1"]), toc]


def _map(map_image, c: Country) -> list[Flowable]:
    st = styles()
    head = [Heading("Carte des partenariats", st["h1"], 0, "Carte des partenariats")]
    caption = Paragraph(rich(f"Les liens entre les collectivités françaises et leurs partenaires ({c.name})."),
                        st["caption"])
    max_h = PAGE_H - MARGIN_TOP - MARGIN_BOTTOM - 3 * cm
    if isinstance(map_image, Drawing):
        scale = min(TEXT_W / map_image.width, max_h / map_image.height)
        map_image.scale(scale, scale)
        map_image.width, map_image.height = map_image.width * scale, map_image.height * scale
        return head + [map_image, caption]
    if isinstance(map_image, Flowable):
        return head + [map_image, caption]
    data = bytes(map_image)
    if data[:5] == b"%PDF-":
        from pypdf import PdfReader
        box = PdfReader(io.BytesIO(data)).pages[0].mediabox
        w, h = float(box.width), float(box.height)
        scale = min(TEXT_W / w, max_h / h)
        slot = MapSlot(w * scale, h * scale)
        slot.pdf = data
        return head + [slot, caption]
    if data.lstrip()[:5] in (b"<?xml", b"<svg ") or b"<svg" in data[:300]:
        try:
            from svglib.svglib import svg2rlg
        except ImportError as exc:
            raise RepertoireError("Carte SVG : installez svglib, ou donnez la carte en PDF ou PNG.") from exc
        return _map(svg2rlg(io.BytesIO(data)), c)
    img = Image(io.BytesIO(data))
    scale = min(TEXT_W / img.imageWidth, max_h / img.imageHeight)
    img.drawWidth, img.drawHeight = img.imageWidth * scale, img.imageHeight * scale
    return head + [img, caption]


def _collectivite_heading(p: dict) -> str:
    kind = p.get("french_type")
    dep = p.get("departement")
    where = f"{departement_name(dep)} ({dep})" if dep and kind in ("commune", "epci") else ""
    label_ = "" if kind == "commune" else label(FRENCH_TYPES, kind)
    extra = " · ".join(x for x in (label_, where) if x)
    head = rich(p.get("french_name") or p["french_id"], "Sans")
    return head + (f' <font face="Sans" size="8.5" color="#5b6472">— {rich(extra, "Sans")}</font>' if extra else "")


def _since(p: dict) -> str:
    if p.get("since_date"):
        try:
            return "depuis le " + format_date(date.fromisoformat(p["since_date"][:10]), "d MMMM y", locale="fr")
        except ValueError:
            pass
    return f"depuis {p['since']}" if p.get("since") else "date non précisée"


def entry(p: dict, members: bool) -> list[Flowable]:
    """One partnership's flowables: partner (native name, region), kind, year, status, themes, texts."""
    st = styles()
    name = rich(p.get("partner_name"), "Sans")
    native = p.get("partner_native")
    if native and native != p.get("partner_name"):
        name += f' <font size="9.5">({rich(native, "Sans")})</font>'
    if p.get("partner_region"):
        name += f' <font face="Sans" size="8.5" color="#5b6472">— {rich(p["partner_region"], "Sans")}</font>'
    meta = " · ".join([label(KINDS, p.get("kind")), _since(p), label(STATUSES, p.get("status"))])
    flows: list[Flowable] = [Paragraph(name, st["entry-title"]), Paragraph(rich(meta, "Sans"), st["entry-meta"])]
    themes = [label(THEMES, t) for t in themes_of(p)]
    keywords = [k for k in (p.get("keywords") or "").split(";") if k]
    if themes or keywords:
        flows.append(Paragraph("<b>Thèmes</b>\u00A0: " + rich(", ".join(themes + keywords), "Sans"), st["entry-meta"]))
    for field_, head in (("description", None), ("projects", "Projets"), ("funding", "Financements")) + \
            ((("contacts", "Contacts"),) if members else ()):
        text = p.get(field_)
        if text:
            lead = f"<b>{head}</b>\u00A0: " if head else ""
            flows.append(Paragraph(lead + rich(text), st["entry-text"]))
    terms = [("localites", (p.get("partner_name") or "") + (f" ({native})" if native and native != p.get("partner_name") else ""),
              fold(p.get("partner_name") or ""))]
    terms += [("themes", t, fold(t)) for t in themes]
    return [Marker(terms)] + flows + [Spacer(1, 3)]


def entries(partnerships: list[dict], members: bool) -> list[Flowable]:
    """The entries, grouped by French région, then collectivité."""
    st = styles()
    by_region: dict[str, list[dict]] = defaultdict(list)
    for p in partnerships:
        by_region[region_name(p.get("region")) if p.get("region") else "Région non précisée"].append(p)
    story: list[Flowable] = [Heading("Les partenariats", st["h1"], 0, "Les partenariats")]
    for region in sorted(by_region, key=fold):
        h = Heading(rich(region, "Sans"), st["h2"], 1, region)
        h.running = True
        story.append(CondPageBreak(4 * cm))
        lead: list[Flowable] = [h]  # headings go into the KeepTogether of the entry they announce:
        # ReportLab's keepWithNext does not chain into a KeepTogether
        groups: dict[str, list[dict]] = defaultdict(list)
        for p in by_region[region]:
            groups[p["french_id"]].append(p)
        for fid in sorted(groups, key=lambda k: (fold(groups[k][0].get("french_name") or k), k)):
            items = sorted(groups[fid], key=lambda p: fold(p.get("partner_name") or ""))
            first = items[0]
            dep = first.get("departement")
            term = (first.get("french_name") or fid) + (f" ({dep})" if dep and first.get("french_type") != "region" else "")
            lead += [Marker([("collectivites", term, fold(term))]),
                     Heading(_collectivite_heading(first), st["h3"], 2, first.get("french_name") or fid, toc=False)]
            for p in items:
                story.append(KeepTogether(lead + entry(p, members)))  # one page, unless longer than a page
                lead = []
    return story


def story(partnerships: list[dict], c: Country, options: Options, doc: RepertoireDoc) -> list[Flowable]:
    st = styles()
    flows: list[Flowable] = [NextPageTemplate("page")] + _cover(c, len(partnerships), options)
    flows += [PageBreak()] + _toc()
    chapter = chapters(c.code, options.chapters_dir)
    if chapter:
        flows += [PageBreak()] + chapter
    flows += [PageBreak(), Heading("La coopération en chiffres", st["h1"], 0, "La coopération en chiffres")]
    flows += summary_flowables(partnerships, TEXT_W)
    if options.map_image is not None:
        flows += [PageBreak()] + _map(options.map_image, c)
    flows += [PageBreak()] + entries(partnerships, options.members)
    for name, heading in INDEXES:
        flows += [NextPageTemplate(["index-first", "*", "index"]), PageBreak(),
                  Heading(heading, st["h1"], 0, heading), FrameBreak(),
                  PageIndex(name, st["index"], st["index-letter"], doc.index_column)]
    return flows


def render(partnerships: list[dict], code: str, options: Options | None = None) -> bytes:
    """Typeset a country répertoire from its partnerships; returns the PDF.

    >>> pdf = render(registry.partnerships("partner_country = ?", ["JP"]), "JP")  # doctest: +SKIP
    """
    options = options or Options()
    c = country(code)
    partnerships = [p for p in partnerships if p.get("partner_country", c.code) == c.code]
    if not partnerships:
        raise RepertoireError(f"Aucun partenariat avec ce pays ({c.name}) dans le registre.")
    if not options.members:
        partnerships = [{k: v for k, v in p.items() if k != "contacts"} for p in partnerships]
    register()
    buffer = io.BytesIO()
    doc = RepertoireDoc(buffer, c, options)
    flows = story(partnerships, c, options, doc)
    doc.multiBuild(flows, maxPasses=8)
    pdf = buffer.getvalue()
    slots = [f for f in flows if isinstance(f, MapSlot) and f.placed]
    return _merge_maps(pdf, slots) if slots else pdf


def _merge_maps(pdf: bytes, slots: list[MapSlot]) -> bytes:
    """Draw vector maps (PDF pages) into their slots."""
    from pypdf import PdfReader, PdfWriter, Transformation

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for slot in slots:
        page_no, x, y, w, h = slot.placed
        src = PdfReader(io.BytesIO(slot.pdf)).pages[0]
        box = src.mediabox
        scale = min(w / float(box.width), h / float(box.height))
        writer.pages[page_no - 1].merge_transformed_page(
            src, Transformation().translate(-float(box.left), -float(box.bottom)).scale(scale, scale).translate(x, y))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
