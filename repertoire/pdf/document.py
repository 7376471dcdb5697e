"""The country répertoire: page templates, contents, bookmarks, maps, and the build in two passes."""
from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from babel.dates import format_date
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm
from reportlab.platypus import (ActionFlowable, BaseDocTemplate, CondPageBreak, Flowable, Frame, FrameBreak, Image, NextPageTemplate, PageBreak,
                                PageTemplate, Spacer, Table, TableStyle)
from reportlab.platypus.tableofcontents import TableOfContents

from .. import fields
from ..collector import collector_paused
from ..places import DATA
from .chapters import chapters
from .entries import common_themes, entries
from .flowables import AtFoot, Heading, MapSlot, Marker, Para
from .fonts import register
from .indexes import PageIndex
from .passes import settle, toc_text
from .content import printed_once, theme_labels
from .stats import figures, region_name, summary_flowables
from .language import LANG, LANGUAGES, english, t
from .typography import ACCENT, INK, MUTED, RULE, number, plain_spaced, rich, styles

PAGE_W, PAGE_H = A4
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 2.0 * cm, 2.2 * cm, 2.0 * cm
TEXT_W = PAGE_W - 2 * MARGIN_X
# What a flowable gets inside the body frame, which pads 6 pt on each side (ReportLab's default).
BODY_W, BODY_H = TEXT_W - 12, PAGE_H - MARGIN_TOP - MARGIN_BOTTOM - 12
MIN_FRANCE_H = 9 * cm  # below this, the map of France goes to a page of its own
AUTHOR = "Réseau des collectivités — Répertoire des partenariats"
# (name, title in the contents, heading under « Index »: short, for a column a third of the page wide)
INDEXES = (("collectivites", "Index des collectivités françaises", "Collectivités françaises"),
           ("localites", "Index des localités partenaires", "Localités partenaires"),
           ("themes", "Index thématique", "Thèmes"))


class RepertoireError(ValueError):
    """A répertoire that cannot be made (unknown country, no partnership…): a readable reason."""


@dataclass
class Country:
    """What the PDF says of a country: its code, French name and adjective."""

    code: str
    name: str
    demonym: str  # masculine singular, as in repertoire/data/countries.csv

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
    """The country of an ISO code, from repertoire/data/countries.csv."""
    row = _countries().get((code or "").upper())
    if row is None:
        raise RepertoireError(f"Pays inconnu : « {code} » (code ISO 3166-1 à deux lettres attendu).")
    return Country(row["code"], row["name_fr"], row["demonym_fr_m"] or row["name_fr"])


def title(c: Country) -> str:
    if english():
        return f"Directory of decentralised cooperation partnerships: France – {english_name(c.code)}"
    return f"Répertoire des partenariats de coopération décentralisée {c.adjective_plural}"


def english_name(code: str) -> str:
    """The country's English short name (babel, CLDR)."""
    from babel import Locale

    return Locale("en").territories.get(code, code)


def country_name(c: Country) -> str:
    return english_name(c.code) if english() else c.name


@dataclass
class Options:
    """One edition: public (never contacts) or members'."""

    members: bool = False
    map_image: object = None          # the links: bytes (PDF, SVG, PNG, JPEG) or a ReportLab Drawing / Flowable
    france_image: object = None       # the French collectivités concerned, likewise
    chapters_dir: str | None = None
    edition: date = field(default_factory=date.today)
    network: str = AUTHOR
    licence: str = ("Données publiées sous Licence Ouverte 2.0 (Etalab) : libres de réutilisation, "
                    "source à citer.")
    lang: str = "fr"                  # "en": the English edition, for partners abroad
    licence_en: str = "Data published under the Licence Ouverte 2.0 (Etalab): free to reuse, with the source cited."
    corrections_en: str = ("A wrong or incomplete entry is corrected at the next yearly survey, or sooner by writing "
                           "to the network's staff (names of the local authority and of the partner, what changes): "
                           "the correction appears in the next edition.")
    corrections: str = ("Une fiche inexacte ou incomplète se corrige au prochain questionnaire annuel, "
                        "ou plus tôt en écrivant à l'équipe du réseau (nom de la collectivité et du partenaire, "
                        "ce qui change) : la correction paraît dans l'édition suivante.")


def _columns(gap: float, height: float, ids: list[str]) -> list[Frame]:
    """Side-by-side columns across the text width, as many as `ids`, from the bottom margin up."""
    width = (TEXT_W - (len(ids) - 1) * gap) / len(ids)
    return [Frame(MARGIN_X + i * (width + gap), MARGIN_BOTTOM, width, height, id=name) for i, name in enumerate(ids)]


class RepertoireDoc(BaseDocTemplate):
    """A4 pages: the cover, body pages with running header and footer, two-column indexes."""

    def __init__(self, buffer, country: Country, options: Options, **kw):
        super().__init__(buffer, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X,
                         topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM, title=title(country),
                         author=options.network, subject=(
                             f"Decentralised cooperation with: {english_name(country.code)}" if options.lang == "en"
                             else f"Coopération décentralisée avec : {country.name}"),
                         keywords=(["decentralised cooperation", "twinning", english_name(country.code)]
                                   if options.lang == "en" else ["coopération décentralisée", "jumelage", country.name]),
                         creator="Répertoire (repertoire pdf)", lang="en-GB" if options.lang == "en" else "fr-FR",
                         initialFontName="Sans", initialFontSize=10, **kw)  # no unembedded Helvetica
        self.country, self.options = country, options
        self.section, self.unnamed = "", 0
        self.page_section, self.page_started = "", False  # the running header: the first région on the page
        body = Frame(MARGIN_X, MARGIN_BOTTOM, TEXT_W, PAGE_H - MARGIN_TOP - MARGIN_BOTTOM, id="body")
        full = PAGE_H - MARGIN_TOP - MARGIN_BOTTOM
        head_h = 1.6 * cm  # a title of one line (« Index », « Les partenariats »: 25 pt) and the frame's padding
        top = Frame(MARGIN_X, PAGE_H - MARGIN_TOP - head_h, TEXT_W, head_h, id="index-head")
        left, right = _columns(0.8 * cm, full, ["left", "right"])
        left1, right1 = _columns(0.8 * cm, full - head_h, ["left1", "right1"])
        # indexes in three columns: their lines are short (a name, a département, pages)
        thirds = _columns(0.6 * cm, full, [f"third{i}" for i in range(3)])
        thirds1 = _columns(0.6 * cm, full - head_h, [f"third1-{i}" for i in range(3)])
        cover = Frame(0, 0, PAGE_W, PAGE_H, leftPadding=MARGIN_X, rightPadding=MARGIN_X,
                      topPadding=3 * cm, bottomPadding=2 * cm, id="cover")
        self.addPageTemplates([
            PageTemplate("cover", [cover], onPage=self.draw_cover),
            PageTemplate("page", [body], onPage=self.start_page, onPageEnd=self.draw_running),
            PageTemplate("index-first", [top, left1, right1], onPage=self.start_page, onPageEnd=self.draw_running),
            PageTemplate("index", [left, right], onPage=self.start_page, onPageEnd=self.draw_running),
            PageTemplate("index3-first", [Frame(top.x1, top.y1, top.width, top.height, id="index3-head"), *thirds1],
                         onPage=self.start_page, onPageEnd=self.draw_running),
            PageTemplate("index3", thirds, onPage=self.start_page, onPageEnd=self.draw_running),
        ])

    # --- page furniture ----------------------------------------------------------------

    def draw_cover(self, canv, doc):
        canv.saveState()
        canv.setFillColor(ACCENT)
        canv.rect(0, PAGE_H * 0.52, PAGE_W, PAGE_H * 0.48, stroke=0, fill=1)
        canv.setFillColor(INK)
        canv.rect(0, 0, PAGE_W, 0.6 * cm, stroke=0, fill=1)
        canv.restoreState()

    def start_page(self, canv, doc):
        self.page_section, self.page_started = self.section, False

    def draw_running(self, canv, doc):
        page = canv.getPageNumber()
        canv.saveState()
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.5)
        top = PAGE_H - MARGIN_TOP + 0.5 * cm
        canv.line(MARGIN_X, top - 0.15 * cm, PAGE_W - MARGIN_X, top - 0.15 * cm)
        canv.setFont("Sans", 7.5)
        canv.setFillColor(MUTED)
        canv.drawString(MARGIN_X, top, f"France – {english_name(self.country.code)}" if self.options.lang == "en"
                        else f"Répertoire {self.country.adjective}")
        canv.drawRightString(PAGE_W - MARGIN_X, top, plain_spaced(self.page_section[:90]))
        canv.setFont("Sans", 8.5)
        canv.setFillColor(INK)
        canv.drawCentredString(PAGE_W / 2, MARGIN_BOTTOM - 1.0 * cm, str(page))
        if self.options.members:
            canv.setFont("Sans", 6.5)
            canv.setFillColor(MUTED)
            canv.drawRightString(PAGE_W - MARGIN_X, MARGIN_BOTTOM - 1.0 * cm,
                                 t("Édition réservée aux membres — contient des données personnelles"))
        canv.restoreState()

    # --- contents, bookmarks, indexes -----------------------------------------------------

    def beforeDocument(self):
        self.section, self.unnamed = "", 0  # each pass makes the same bookmark keys
        self.page_section, self.page_started = "", False

    def afterFlowable(self, flowable):
        if isinstance(flowable, Heading) and (flowable.level == 0 or flowable.running):
            if not self.page_started:  # nothing above it on the page: it names the page
                self.page_section = flowable.plain
        elif not isinstance(flowable, (Marker, ActionFlowable, Spacer)):
            self.page_started = True
        if isinstance(flowable, Heading):
            self.unnamed += flowable.key is None
            key = flowable.key or f"x{self.unnamed}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(flowable.plain, key, flowable.level, closed=flowable.level > 0)
            if flowable.level == 0 or flowable.running:
                self.section = flowable.plain
            if flowable.toc:
                self.notify("TOCEntry", (flowable.level, toc_text(flowable), self.page, key))
        elif isinstance(flowable, Marker):
            for name, term, sort, group in flowable.terms:
                self.notify("IndexEntry", (name, term, sort, group, self.page))


# --- the story ---------------------------------------------------------------------------

def _cover(c: Country, partnerships: list[dict], options: Options) -> list[Flowable]:
    """The cover: title on the coloured half; the key figures, the régions most engaged and
    the edition on the white half (no half-empty page)."""
    st = styles()
    edition = format_date(options.edition, "MMMM y", locale=options.lang)
    f = figures(partnerships)
    cells = [(f["partnerships"], "partenariat", "partenariats"),
             (f["collectivites"], "collectivité française", "collectivités françaises"),
             (f["partners"], "collectivité partenaire", "collectivités partenaires")]
    row = [Para(f'<font size="22"><b>{number(n)}</b></font><br/>{t(one) if (n == 1 if english() else n < 2) else t(many)}',
                st["cover-figure"]) for n, one, many in cells]
    grid = Table([row], colWidths=[BODY_W / 3] * 3)
    grid.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), "Sans"), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                              ("LEFTPADDING", (0, 0), (-1, -1), 0), ("LINEBEFORE", (1, 0), (-1, 0), 0.5, RULE)]))
    regions = Counter(region_name(p.get("region")) for p in partnerships if p.get("region"))
    story: list[Flowable] = [
        Para(rich(options.network, "Sans"), st["cover-kicker"]),
        Spacer(1, 1.2 * cm),
        Para(rich(title(c), "Sans"), st["cover-title"]),
        Para(rich(f"France – {country_name(c)}", "Sans"), st["cover-sub"]),
        Spacer(1, PAGE_H * 0.48 - 8.3 * cm),
        grid, Spacer(1, 0.8 * cm),
    ]
    if len(regions) > 1:
        top = ", ".join(f"{name} ({number(n)})" for name, n in regions.most_common(5))
        story.append(Para(rich(t("Régions françaises les plus engagées : {top}.", top=top)), st["cover-text"]))
    years = [int(p["since"]) for p in partnerships if p.get("since")]
    if years and min(years) != max(years):
        story.append(Para(rich(t("Des liens noués de {first} à {last}.", first=min(years), last=max(years))),
                          st["cover-text"]))
    story += [Spacer(1, 0.5 * cm), Para(rich(t("Édition de {edition}", edition=edition)), st["cover-small"])]
    if options.members:
        story.append(Para(rich(t("Édition réservée aux membres du réseau : contient les contacts des collectivités "
                                 "(données personnelles, ne pas diffuser).")), st["cover-small"]))
    else:
        story.append(Para(rich(t("Édition publique.")), st["cover-small"]))
    return story


def _colophon(partnerships: list[dict], options: Options) -> list[Flowable]:
    """Sources, date, licence and how to correct an entry: what a published directory says of itself."""
    st = styles()
    dates = sorted(p["survey_date"][:4] for p in partnerships if p.get("survey_date"))
    surveys = (t("des enquêtes annuelles du réseau auprès des collectivités ({years})",
                 years=dates[0] + ("–" + dates[-1] if dates[-1] != dates[0] else "")) if dates
               else t("des enquêtes du réseau"))
    edition = format_date(options.edition, "d MMMM y", locale=options.lang)
    lines = [
        f"<b>{t('Sources.')}</b> " + rich(t(
            "Les fiches viennent {surveys}, réunies dans le registre du répertoire. Collectivités françaises : "
            "Code officiel géographique (Insee). Localités partenaires : GeoNames (CC BY 4.0) ; leurs régions : "
            "Wikipédia et ISO 3166-2. Fonds de carte : "
            "Natural Earth (domaine public).", surveys=surveys), "Sans"),
        f"<b>{t('Édition.')}</b> " + rich(t("Composée le {date} par {network}.", date=edition,
                                             network=options.network), "Sans"),
        f"<b>{t('Licence.')}</b> " + rich((options.licence_en if english() else options.licence) + (
            " " + t("Les contacts de cette édition sont des données personnelles : ni licence ni réutilisation.")
            if options.members else ""), "Sans"),  # the open licence is the public data's, not the contacts
        f"<b>{t('Corriger une fiche.')}</b> " + rich(options.corrections_en if english() else options.corrections,
                                                      "Sans"),
    ]
    head = t("À propos de ce répertoire")
    return [Para(head, st["h4"])] + [Para(line, st["colophon"]) for line in lines]


def _toc() -> list[Flowable]:
    st = styles()
    # Every table names its font: the default cell font is an unembedded Helvetica.
    toc = TableOfContents(levelStyles=[st["toc0"], st["toc1"]], dotsMinLevel=0,
                          tableStyle=TableStyle([("FONT", (0, 0), (-1, -1), "Sans"), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                                 ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                                                 ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
    return [Para(t("Sommaire"), st["h1"]), toc]


def map_flowable(image, max_w: float, max_h: float) -> Flowable:
    """A map at most max_w × max_h: PDF bytes (vector, drawn in as a form), SVG, PNG or JPEG
    bytes, a ReportLab Drawing (scaled) or any Flowable (as it is)."""
    if isinstance(image, Drawing):
        scale = min(max_w / image.width, max_h / image.height)
        drawing = Drawing(image.width * scale, image.height * scale)
        drawing.add(image, name="map")
        drawing.scale(scale, scale)
        return drawing
    if isinstance(image, Flowable):
        return image
    data = bytes(image)
    if data[:5] == b"%PDF-":
        from pypdf import PdfReader
        page = PdfReader(io.BytesIO(data)).pages[0]
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        scale = min(max_w / w, max_h / h)
        return MapSlot(page, w * scale, h * scale)
    if data.lstrip()[:5] in (b"<?xml", b"<svg ") or b"<svg" in data[:300]:
        try:
            from svglib.svglib import svg2rlg
        except ImportError as exc:
            raise RepertoireError("Carte SVG : installez svglib, ou donnez la carte en PDF ou PNG.") from exc
        return map_flowable(svg2rlg(io.BytesIO(data)), max_w, max_h)
    img = Image(io.BytesIO(data))
    scale = min(max_w / img.imageWidth, max_h / img.imageHeight)
    img.drawWidth, img.drawHeight = img.imageWidth * scale, img.imageHeight * scale
    return img


def _height(flows: list[Flowable]) -> float:
    """The height of flowables set one after the other at the top of a page."""
    total = 0.0
    for i, f in enumerate(flows):
        total += f.wrap(BODY_W, BODY_H)[1] + f.getSpaceAfter() + (f.getSpaceBefore() if i else 0)
    return total


def _maps(options: Options, c: Country, partnerships: list[dict], compact: bool = False) -> list[Flowable]:
    """The map page: the links, then the French collectivités concerned, under it if they fit
    at a readable size (MIN_FRANCE_H), else on the next page. A compact book sets both side by
    side under its figures."""
    st = styles()
    if compact:  # the map of links at full width (its names print at 7 pt); it shows the French side too
        image = options.map_image if options.map_image is not None else options.france_image
        caption = ("Le lien entre la collectivité française et son partenaire ({country})." if len(partnerships) == 1
                   else "Les liens entre les collectivités françaises et leurs partenaires ({country}).")
        return [map_flowable(image, BODY_W, 11 * cm), Para(rich(t(caption, country=country_name(c))), st["caption"]),
                Spacer(1, 6)]
    flows: list[Flowable] = [Heading(t("Carte des partenariats"), st["h1"], 0, t("Carte des partenariats"))]
    if options.map_image is not None:
        flows += [map_flowable(options.map_image, BODY_W, BODY_H - 3 * cm),
                  Para(rich(t("Les liens entre les collectivités françaises et leurs partenaires ({country}).",
                              country=country_name(c))), st["caption"])]
    if options.france_image is not None:
        n = len({p["french_id"] for p in partnerships})
        head = Heading(t("Les collectivités françaises concernées"), st["h2"], 1,
                       t("Les collectivités françaises concernées"))
        what = t("collectivité française" if n < 2 else "collectivités françaises")
        caption = Para(rich(t("{n} {what} ({country}) : un point par collectivité, d'autant plus gros qu'elle a de "
                              "partenariats.", n=number(n), what=what, country=country_name(c))), st["caption"])
        room = BODY_H - _height(flows + [head, caption]) - 6  # a little slack for rounding
        if len(flows) > 1 and room < MIN_FRANCE_H:
            flows.append(PageBreak())
            room = BODY_H - _height([head, caption])
        flows += [head, map_flowable(options.france_image, BODY_W, room), caption]
    return flows


COMPACT = 10  # fewer links than this: a compact book (no contents, indexes nor chart), ≤ 4 pages
GAP = 9 * cm  # a section starts on the same page when this much room is left


def story(partnerships: list[dict], c: Country, options: Options) -> list[Flowable]:
    """Everything the répertoire says, in order: cover and colophon, contents, chapters, figures,
    maps, entries, indexes. A small book (fewer than COMPACT links) has its entries under its
    figures and maps, and no contents, chart or indexes: an index of one line helps nobody."""
    st = styles()
    compact = len(partnerships) < COMPACT
    # The colophon at the foot of the cover, at the width of the page (after the indexes it stood
    # in their third column; under the contents it pushed the figures to the next page).
    flows: list[Flowable] = [NextPageTemplate("page")] + _cover(c, partnerships, options) + \
        [AtFoot(_colophon(partnerships, options)), PageBreak()]
    if not compact:
        flows += _toc()
    # The network's own chapter on the country, small book or not: staff wrote it for it.
    chapter = chapters(c.code, options.chapters_dir) if not english() else []  # written in French
    if chapter:
        flows += [CondPageBreak(GAP)] + chapter
    if not compact:
        flows.append(CondPageBreak(GAP))
    flows += [Heading(t("La coopération en chiffres"), st["h1"], 0, t("La coopération en chiffres"))]
    flows += summary_flowables(partnerships, BODY_W, compact=compact)
    if options.map_image is not None or options.france_image is not None:
        flows += ([] if compact else [PageBreak()]) + _maps(options, c, partnerships, compact)
    if compact:
        return flows + [CondPageBreak(4 * cm)] + entries(partnerships, options.members, c.name)
    flows += [NextPageTemplate(["index-first", "*", "index"]), PageBreak()]
    flows += entries(partnerships, options.members, c.name, columns=True)
    # The three indexes follow one another in the columns, and the colophon closes the book.
    flows += [NextPageTemplate(["index3-first", "*", "index3"]), PageBreak(),
              Heading(t("Index"), st["h1"], 0, t("Index")), FrameBreak()]
    common = common_themes(partnerships)
    # no themes index when every theme is too common to index (Germany: four themes, each in
    # half the links): its heading then only says so
    selective = {name for p in partnerships for name in theme_labels(p)} - {name for name, _ in common}
    for name, heading, short in INDEXES:
        flows += [CondPageBreak(3 * cm), Heading(t(short), st["index-title"], 1, t(heading))]
        if name == "themes" and common:
            listed = ", ".join(f"{theme} ({number(n)}\u00a0{t('liens')})" for theme, n in common)
            flows.append(Para(rich(t("Non indexés, car présents dans plus d'un lien sur quatre : {themes}. "
                                     "Ils figurent sur chaque fiche.", themes=listed), "Sans"), st["index"]))
        if name != "themes" or selective or not common:
            flows.append(PageIndex(name, st["index"], st["index-group" if name == "themes" else "index-letter"]))
    return flows


@collector_paused()  # a book's flowables come in a burst (repertoire/collector.py)
def render(partnerships: list[dict], code: str, options: Options | None = None) -> bytes:
    """Typeset a country répertoire from its partnerships; returns the PDF.

    >>> pdf = render(registry.matching({"country": "JP"}), "JP")  # doctest: +SKIP
    """
    options = options or Options()
    c = country(code)
    partnerships = [p for p in partnerships if p.get("partner_country", c.code) == c.code]
    if not partnerships:
        raise RepertoireError(f"Aucun partenariat avec ce pays ({c.name}) dans le registre.")
    # Through the table of fields: the public edition never holds funding nor contacts.
    partnerships = [fields.visible(p, "member" if options.members else "public") for p in partnerships]
    partnerships = printed_once(partnerships)
    register()
    if options.lang not in LANGUAGES:
        raise RepertoireError(f"Langue inconnue : « {options.lang} » ({', '.join(LANGUAGES)}).")
    token = LANG.set(options.lang)
    try:
        buffer = io.BytesIO()
        doc = RepertoireDoc(buffer, c, options)
        flows = story(partnerships, c, options)
        settle(doc, flows)
    finally:
        LANG.reset(token)
    return buffer.getvalue()
