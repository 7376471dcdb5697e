"""The summary of a country's cooperation: counts by kind, status, theme, région, decade."""
from __future__ import annotations

import csv
from collections import Counter
from functools import lru_cache

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib.units import cm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from ..model import FRENCH_TYPES, KINDS, STATUSES, THEMES
from ..places import DATA
from .flowables import Para
from .typography import ACCENT, INK, MUTED, RULE, french, number, rich, styles


@lru_cache(maxsize=None)
def place_names() -> tuple[dict[str, str], dict[str, str]]:
    """(région code → name, département code → name) from data/ (French side)."""
    def load(name: str) -> dict[str, str]:
        with open(DATA / name, encoding="utf-8") as f:
            return {row["code"]: row["nom"] for row in csv.DictReader(f)}
    return load("regions.csv"), load("departements.csv")


def region_name(code: str | None) -> str:
    return place_names()[0].get(code or "", code or "Région non précisée")


def departement_name(code: str | None) -> str:
    return place_names()[1].get(code or "", code or "")


def label(vocabulary: dict, code: str | None) -> str:
    return vocabulary.get(code, (code or "non précisé",))[0] if code else "Non précisé"


def themes_of(p: dict) -> list[str]:
    return [t for t in (p.get("themes") or "").split(";") if t]


def counts(partnerships: list[dict]) -> dict[str, Counter]:
    """The tallies the summary shows, keyed by facet."""
    c = {"kind": Counter(), "status": Counter(), "theme": Counter(), "region": Counter(),
         "type": Counter(), "decade": Counter()}
    for p in partnerships:
        c["kind"][label(KINDS, p.get("kind"))] += 1
        c["status"][label(STATUSES, p.get("status"))] += 1
        c["type"][label(FRENCH_TYPES, p.get("french_type"))] += 1
        c["region"][region_name(p.get("region"))] += 1
        for t in themes_of(p):
            c["theme"][label(THEMES, t)] += 1
        if p.get("since"):
            c["decade"][int(p["since"]) // 10 * 10] += 1
    return c


def _table(title: str, counter: Counter, total: int, width: float) -> Flowable:
    st = styles()
    rows = [[Para(f"<b>{rich(title, 'Sans')}</b>", st["cell"]), "Nombre", ""]]
    for name, n in counter.most_common():
        share = f"{100 * n / total:.0f}\u00A0%" if total else ""
        rows.append([Para(rich(str(name), "Sans"), st["cell"]), number(n), share])
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
    d.add(String(0, height - 10, "Partenariats par décennie de signature", fontName="Sans-Bold",
                 fontSize=8.5, fillColor=INK))
    return d


def summary_flowables(partnerships: list[dict], width: float) -> list[Flowable]:
    """The summary section body: key figures, the decade chart, the tables by facet."""
    st = styles()
    c = counts(partnerships)
    total = len(partnerships)
    collectivites = len({p["french_id"] for p in partnerships})
    partners = len({(p.get("partner_name") or "").lower() for p in partnerships})
    actifs = sum(1 for p in partnerships if p.get("status") == "actif")
    years = [int(p["since"]) for p in partnerships if p.get("since")]
    lines = [f"<b>{number(total)}</b> partenariats réunissent <b>{number(collectivites)}</b> collectivités "
             f"françaises et <b>{number(partners)}</b> collectivités partenaires ; <b>{number(actifs)}</b> sont "
             "déclarés actifs."]
    if years:
        lines.append(f"Le plus ancien date de <b>{min(years)}</b>, le plus récent de <b>{max(years)}</b>.")
    # Only numbers are interpolated: the text is ours, Latin, safe as markup.
    story: list[Flowable] = [Para(french(" ".join(lines)), st["body"]), Spacer(1, 6)]
    if c["decade"]:
        story += [decade_chart(c["decade"], width), Spacer(1, 10)]
    half = (width - 0.8 * cm) / 2
    pairs = [("Type de partenariat", c["kind"]), ("Statut", c["status"]),
             ("Collectivités françaises", c["type"]), ("Région française", c["region"])]
    for (t1, c1), (t2, c2) in zip(pairs[::2], pairs[1::2]):
        grid = Table([[_table(t1, c1, total, half), _table(t2, c2, total, half)]],
                     colWidths=[half + 0.4 * cm, half + 0.4 * cm])
        grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONT", (0, 0), (-1, -1), "Sans"),
                                  ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        story += [grid, Spacer(1, 10)]
    if c["theme"]:
        story.append(KeepTogether([_table("Thématique (un partenariat peut en avoir plusieurs)",
                                          c["theme"], total, width)]))
    return story
