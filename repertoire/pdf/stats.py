"""The summary of a country's cooperation: counts by kind, status, theme, région, decade."""
from __future__ import annotations

from collections import Counter

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib.units import cm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from ..model import FRENCH_TYPES, STATUS_LABELS
from .language import english, label as label_of, t as tr
from .content import CONTACT, kind_label, partner_key, status_label, theme_labels
from ..reference import reference
from .flowables import Para
from .typography import ACCENT, FINE, INK, MUTED, RULE, colon, number, rich, spaced as rich_markup, styles


def region_name(code: str | None) -> str:
    return reference().region_name(code) if code else "Région non précisée"


def departement_name(code: str | None) -> str:
    return reference().departement_name(code)


def label(vocabulary: dict, code: str | None) -> str:
    """A vocabulary's label in the book's language; « Non précisé » for no value."""
    if not code:
        return status_label(None)
    return label_of(vocabulary[code]) if code in vocabulary else code


def themes_of(p: dict) -> list[str]:
    return [t for t in (p.get("themes") or "").split(";") if t]


def counts(partnerships: list[dict]) -> dict[str, Counter]:
    """The tallies the summary shows, keyed by facet; each table adds up to what its title says.

    `kind` counts partnerships by kind, first contacts apart (not a kind of partnership);
    `status` in one vocabulary (actif, inactif: en sommeil / terminé / sans précision, non précisé);
    `type` counts collectivités, not partnerships.
    """
    c = {"kind": Counter(), "status": Counter(), "theme": Counter(), "region": Counter(),
         "type": Counter(), "decade": Counter()}
    seen: set[str] = set()
    for p in partnerships:
        c["kind"][kind_label(p.get("kind"))] += 1
        c["status"][status_label(p.get("status"))] += 1
        if p["french_id"] not in seen:
            seen.add(p["french_id"])
            c["type"][label(FRENCH_TYPES, p.get("french_type"))] += 1
        c["region"][region_name(p.get("region"))] += 1
        for t in theme_labels(p)[:len(themes_of(p))]:
            c["theme"][t] += 1
        if p.get("since"):
            c["decade"][int(p["since"]) // 10 * 10] += 1
    return c


def status_rows(status: Counter) -> list[tuple[str, int]]:
    """Statuses in the vocabulary's order (actif, en sommeil, terminé, non précisé): one value
    each, none containing another."""
    return [(label_of(e), status[label_of(e)]) for e in STATUS_LABELS.values() if status.get(label_of(e))]


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """`1 partenariat`, `2 partenariats`, `1 298 partenariats` (French: plural from 2; English from 0)."""
    many = plural_form or singular + "s"
    from .language import english
    one = n < 2 if not english() else n == 1
    return f"{number(n)}\u00A0{tr(singular) if one else tr(many)}"


def _table(title: str, values: list[tuple[str, int]], total: int, width: float, sums: bool = True) -> Flowable:
    """A facet's (value, count) rows as a table, with shares of `total`, and their sum when `sums`."""
    st = styles()
    rows = [[Para(f"<b>{rich(title, 'Sans')}</b>", st["cell"]), tr("Nombre"), ""]]
    for name, n in values:
        share = f"{100 * n / total:.0f}{'' if english() else FINE}%" if total else ""
        rows.append([Para(rich(str(name), "Sans"), st["cell"]), number(n), share])
    if sums and len(values) > 1:
        rows.append([Para(f"<b>{tr('Total')}</b>", st["cell"]), number(sum(n for _, n in values)), ""])
    t = Table(rows, colWidths=[width - 3.2 * cm, 1.6 * cm, 1.6 * cm], repeatRows=1)
    t.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), "Sans", 8.5),
        ("SPAN", (1, 0), (2, 0)),
        ("FONT", (1, 0), (2, 0), "Sans-Bold", 8.5),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("TEXTCOLOR", (2, 1), (2, -1), MUTED),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    return t


def decade_chart(decades: Counter, width: float = 16 * cm, height: float = 6 * cm) -> Drawing:
    """Signatures per decade, as a bar chart (ReportLab graphics)."""
    d = Drawing(width, height)
    if not decades:
        return d
    keys = list(range(min(decades), max(decades) + 10, 10))
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 30, width - 45, height - 50
    chart.data = [[decades.get(k, 0) for k in keys]]
    chart.categoryAxis.categoryNames = [f"{k}" for k in keys]
    chart.categoryAxis.labels.fontName = "Sans"
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 0 if len(keys) <= 10 else 30
    chart.categoryAxis.labels.boxAnchor = "n" if len(keys) <= 10 else "ne"
    chart.valueAxis.labels.fontName = "Sans"
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    top = max(decades.values())
    step = max(1, round(top / 5 / (10 ** max(0, len(str(top)) - 2))) * (10 ** max(0, len(str(top)) - 2)))
    chart.valueAxis.valueStep = step
    chart.valueAxis.valueMax = (top // step + 1) * step
    chart.bars[0].fillColor = ACCENT
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = "Sans"
    chart.barLabels.fontSize = 6.5
    chart.barLabels.nudge = 6
    d.add(chart)
    d.add(String(0, height - 10, tr("Partenariats par décennie de signature"), fontName="Sans-Bold",
                 fontSize=8.5, fillColor=INK))
    return d


def figures(partnerships: list[dict]) -> dict[str, int]:
    """The key figures the text, the cover and the tables share (one count, said once)."""
    return {"partnerships": len(partnerships),
            "collectivites": len({p["french_id"] for p in partnerships}),
            "partners": len({partner_key(p) for p in partnerships}),
            "active": sum(1 for p in partnerships if p.get("status") == "actif"),
            "contacts": sum(1 for p in partnerships if p.get("kind") == CONTACT)}


def summary_text(partnerships: list[dict]) -> str:
    """The summary's sentence, its figures those of the tables (French plurals)."""
    f = figures(partnerships)
    years = [int(p["since"]) for p in partnerships if p.get("since")]
    text = tr("{partnerships} {verb} {collectivites} et {partners}",
             partnerships=f"<b>{plural(f['partnerships'], 'partenariat')}</b>",
             verb=tr("réunissent" if f["partnerships"] > 1 else "réunit"),
             collectivites=f"<b>{plural(f['collectivites'], 'collectivité française', 'collectivités françaises')}</b>",
             partners=f"<b>{plural(f['partners'], 'collectivité partenaire', 'collectivités partenaires')}</b>")
    if f["active"]:
        text += tr(" ; {n} sont déclarés actifs" if f["active"] > 1 else " ; {n} est déclaré actif",
                  n=f"<b>{number(f['active'])}</b>")
    text += "."
    if f["contacts"]:
        text += " " + tr("Dont {n} premiers contacts, liens pas encore formalisés." if f["contacts"] > 1 else
                        "Dont {n} premier contact, lien pas encore formalisé.", n=f"<b>{number(f['contacts'])}</b>")
    if years and min(years) != max(years):
        text += " " + tr("Le plus ancien date de {first}, le plus récent de {last}.", first=f"<b>{min(years)}</b>",
                        last=f"<b>{max(years)}</b>")
    elif years:
        text += " " + tr("Signés en {year}." if len(years) > 1 else "Signé en {year}.", year=f"<b>{years[0]}</b>")
    return text


def summary_flowables(partnerships: list[dict], width: float, compact: bool = False) -> list[Flowable]:
    """The summary section body: key figures, the decade chart, the tables by facet
    (a compact book: the sentence alone)."""
    st = styles()
    c = counts(partnerships)
    total = len(partnerships)
    # Only numbers are interpolated: the text is ours, Latin, safe as markup.
    story: list[Flowable] = [Para(rich_markup(summary_text(partnerships)), st["body"]), Spacer(1, 6)]
    if compact:
        return story
    if len(c["decade"]) > 1:
        story += [decade_chart(c["decade"], width), Spacer(1, 10)]
    half = (width - 0.8 * cm) / 2
    collectivites = sum(c["type"].values())
    # Each facet as (value, count) rows: most common first, statuses in their vocabulary's order.
    pairs = [(tr("Type de partenariat"), c["kind"].most_common(), total),
             (tr("Statut"), status_rows(c["status"]), total),
             (tr("Collectivités françaises, par type"), c["type"].most_common(), collectivites),
             (tr("Partenariats par région française"), c["region"].most_common(), total)]
    # A facet of one value is a line above the tables, not a table of one row at 100 %.
    themes = (tr("Thématique (un partenariat peut en avoir plusieurs)"), c["theme"].most_common(), total)
    single = [(t_, rows[0]) for t_, rows, _ in pairs + [themes] if len(rows) == 1]
    if single:
        said = [(f"{t_}{colon()} {name} ({number(n)})") for t_, (name, n) in single]
        story += [Para(rich(("; " if english() else " ; ").join(said) + "."), st["body"]), Spacer(1, 4)]
    pairs = [pair for pair in pairs if len(pair[1]) > 1]
    for i in range(0, len(pairs), 2):
        cells = [_table(t_, c_, n_, half) for t_, c_, n_ in pairs[i:i + 2]]
        grid = Table([cells], colWidths=[half + 0.4 * cm] * len(cells), hAlign="LEFT")
        grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONT", (0, 0), (-1, -1), "Sans"),
                                  ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        story += [grid, Spacer(1, 10)]
    if len(c["theme"]) > 1:
        story.append(KeepTogether([_table(*themes, width, sums=False)]))
    return story
