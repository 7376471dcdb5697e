"""The entries of a répertoire: one per partnership, grouped by French région, then collectivité."""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from babel.dates import format_date
from reportlab.lib.units import cm
from reportlab.platypus import CondPageBreak, Flowable, Spacer

from ..model import FRENCH_TYPES, KINDS, STATUSES, THEMES
from ..text import fold
from .flowables import Block, Heading, Marker, Para
from .stats import departement_name, label, region_name, themes_of
from .typography import rich, styles


def _collectivite_heading(p: dict) -> str:
    kind = p.get("french_type")
    dep = p.get("departement")
    where = f"{departement_name(dep)} ({dep})" if dep and kind in ("commune", "epci") else ""
    label_ = "" if kind == "commune" else label(FRENCH_TYPES, kind)
    extra = " · ".join(x for x in (label_, where) if x)
    head = rich(p.get("french_name") or p["french_id"], "Sans")
    return head + (f' <font face="Sans" size="8.5" color="#5b6472">— {rich(extra, "Sans")}</font>' if extra else "")


def collectivite_term(p: dict) -> str:
    """How the indexes name a French collectivité: `Argentan (61)`; a région by its name."""
    dep = p.get("departement")
    name = p.get("french_name") or p["french_id"]
    return name + (f" ({dep})" if dep and p.get("french_type") != "region" else "")


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
    partner = p.get("partner_name") or ""
    native = p.get("partner_native")
    name = rich(partner, "Sans")
    if native and native != partner:
        name += f' <font size="9.5">({rich(native, "Sans")})</font>'
    if p.get("partner_region"):
        name += f' <font face="Sans" size="8.5" color="#5b6472">— {rich(p["partner_region"], "Sans")}</font>'
    meta = " · ".join([label(KINDS, p.get("kind")), _since(p), label(STATUSES, p.get("status"))]
                      + (["à vérifier (non confirmé depuis 3 ans)"] if p.get("to_verify") else []))  # campaign.py
    flows: list[Flowable] = [Para(name, st["entry-title"]), Para(rich(meta, "Sans"), st["entry-meta"])]
    themes = [label(THEMES, t) for t in themes_of(p)]
    keywords = [k for k in (p.get("keywords") or "").split(";") if k]
    if themes or keywords:
        flows.append(Para("<b>Thèmes</b>\u00A0: " + rich(", ".join(themes + keywords), "Sans"), st["entry-meta"]))
    for field_, head in (("description", None), ("projects", "Projets"), ("funding", "Financements")) + \
            ((("contacts", "Contacts"),) if members else ()):
        text = p.get(field_)
        if text:
            lead = f"<b>{head}</b>\u00A0: " if head else ""
            flows.append(Para(lead + rich(text), st["entry-text"]))
    # The thematic index lists partnerships, « Collectivité – Partenaire », under each theme.
    pair = f"{collectivite_term(p)} – {partner}"
    terms = [("localites", partner + (f" ({native})" if native and native != partner else ""), fold(partner), "")]
    terms += [("themes", pair, fold(pair), t) for t in themes]
    return [Marker(terms)] + flows + [Spacer(1, 3)]


def entries(partnerships: list[dict], members: bool) -> list[Flowable]:
    """The entries, grouped by French région, then collectivité; each one a Block."""
    st = styles()
    by_region: dict[str, list[dict]] = defaultdict(list)
    for p in partnerships:
        by_region[region_name(p.get("region")) if p.get("region") else "Région non précisée"].append(p)
    story: list[Flowable] = [Heading("Les partenariats", st["h1"], 0, "Les partenariats")]
    for region in sorted(by_region, key=fold):
        story.append(CondPageBreak(4 * cm))
        # Headings go into the Block of the entry they announce: ReportLab's keepWithNext
        # does not chain into a KeepTogether, and a heading is never alone at a page foot.
        lead: list[Flowable] = [Heading(rich(region, "Sans"), st["h2"], 1, region, running=True)]
        groups: dict[str, list[dict]] = defaultdict(list)
        for p in by_region[region]:
            groups[p["french_id"]].append(p)
        for fid in sorted(groups, key=lambda k: (fold(groups[k][0].get("french_name") or k), k)):
            items = sorted(groups[fid], key=lambda p: fold(p.get("partner_name") or ""))
            term = collectivite_term(items[0])
            lead += [Marker([("collectivites", term, fold(term), "")]),
                     Heading(_collectivite_heading(items[0]), st["h3"], 2, items[0].get("french_name") or fid,
                             toc=False)]
            for p in items:
                story.append(Block(lead + entry(p, members)))  # one entry per block: not a whole collectivité
                lead = []
    return story
