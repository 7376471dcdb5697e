"""The entries of a répertoire: one per partnership, grouped by French région, then collectivité."""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from babel.dates import format_date
from reportlab.lib.units import cm
from reportlab.platypus import CondPageBreak, Flowable, FrameBreak, Spacer

from .. import fields
from ..model import FRENCH_TYPES, status_code
from ..text import fold
from .content import (THEME_SEPARATOR, kind_label, native, partner_name, partner_region, public_text, status_label,
                      theme_labels)
from .language import english, t
from .flowables import Block, EntryPara, Heading, Marker, Para
from .stats import departement_name, label, region_name
from .typography import colon, rich, styles


def _collectivite_heading(p: dict) -> str:
    kind = p.get("french_type")
    dep = p.get("departement")
    where = f"{departement_name(dep)}\u00A0({dep})" if dep and kind in ("commune", "epci") else ""  # « (71) » never alone
    label_ = "" if kind == "commune" else label(FRENCH_TYPES, kind)
    extra = " · ".join(x for x in (label_, where) if x)
    head = rich(p.get("french_name") or p["french_id"], "Sans")
    return head + (f' <font face="Sans" size="8.5" color="#5b6472">—\u00A0{rich(extra, "Sans")}</font>' if extra else "")


def collectivite_term(p: dict) -> str:
    """How the indexes name a French collectivité: `Argentan (61)`; a région by its name."""
    dep = p.get("departement")
    name = p.get("french_name") or p["french_id"]
    return name + (f" ({dep})" if dep and p.get("french_type") != "region" else "")


def french_date(day: date) -> str:
    """`1er juin 1982`, `15 mars 1991`: the first of the month is an ordinal in French
    (`1 June 1982` in an English book)."""
    if english():
        return format_date(day, "d MMMM y", locale="en")
    text = format_date(day, "d MMMM y", locale="fr")
    return "1er" + text[1:] if day.day == 1 else text


def _since(p: dict) -> str:
    """`depuis le 1er juin 1982`; a link that has ended was `signé le 7 février 2007`."""
    ended = status_code(p.get("status")) == "termine"
    if p.get("since_date"):
        try:
            return t("signé le {date}" if ended else "depuis le {date}",
                     date=french_date(date.fromisoformat(p["since_date"][:10])))
        except ValueError:
            pass
    if p.get("since"):
        return t("signé en {year}" if ended else "depuis {year}", year=p["since"])
    return t("date non précisée")


def partner_heading(p: dict) -> str:
    """« Partner (native) — Region » as markup: the name a French reader writes, then the
    region that tells homonyms apart."""
    printed, own = partner_name(p), native(p)
    name = rich(printed, "Sans")
    if own:
        name += f' <font size="9">({rich(own, "Sans")})</font>'
    region = partner_region(p)
    if region and fold(region) != fold(printed):  # not « Le Caire — Le Caire »
        name += f' <font face="Sans" size="8.3" color="#5b6472">—\u00A0{rich(region, "Sans")}</font>'
    return name


def entry(p: dict, members: bool, country_name: str = "") -> list[Flowable]:
    """One partnership's flowables: partner (native name, region), kind, date, status, themes, texts."""
    st = styles()
    title = partner_heading(p)
    printed = partner_name(p)  # placenames.printed_name: read once per entry, not at each use
    cont = f"{collectivite_term(p)} – {printed} {t('(suite)')}"
    meta = " · ".join([kind_label(p.get("kind")), _since(p), status_label(p.get("status"))]
                      + ([t("à vérifier (non confirmé depuis 3 ans)")] if p.get("to_verify") else []))  # campaign.py
    flows: list[Flowable] = [Para(title, st["entry-title"]), Para(rich(meta, "Sans"), st["entry-meta"])]
    themes = theme_labels(p)
    if themes:
        flows.append(Para(f"<b>{t('Thèmes')}</b>{colon()} " + rich(THEME_SEPARATOR.join(themes), "Sans"), st["entry-meta"]))
    for field_ in ("description", "projects", "funding", "contacts"):  # as the edition's reader may see them
        if not fields.seen_by(field_, "member" if members else "public"):
            continue
        head = (fields.BY_NAME[field_].en if english() else fields.BY_NAME[field_].fr) if field_ != "description" else None
        text = public_text(p.get(field_), p, country_name) if field_ in ("description", "projects") else p.get(field_)
        if text:
            lead = f"<b>{head}</b>{colon()} " if head else ""
            flows.append(EntryPara(lead + rich(text), st["entry-text"], cont))
    for other in p.get("_also") or ():  # a probable duplicate, printed once: staff settle it
        flows.append(EntryPara(rich(duplicate_note(other)), st["entry-note"], cont))
    # The thematic index lists partnerships, « Collectivité – Partenaire », under each theme.
    pair = f"{collectivite_term(p)} – {printed}"
    own = native(p)
    shown = printed + (f" ({own})" if own else "")
    terms = [("localites", shown, fold(printed), "")]
    terms += [("themes", pair, fold(pair), t) for t in themes]
    return [Marker(terms)] + flows + [Spacer(1, 3)]


def duplicate_note(other: dict) -> str:
    """The note under an entry that stands for a probable duplicate too."""
    facts = ", ".join(x for x in (kind_label(other.get("kind")).lower(), str(other.get("since") or ""),
                                  status_label(other.get("status")).lower()) if x)
    return t("Aussi déclaré sous le nom « {name} » ({facts}) : probablement le même lien, à vérifier par "
             "l'équipe du réseau.", name=other.get("partner_name"), facts=facts)


THEME_LIST_MAX = 40  # a theme of more links is indexed by French région (pages), not link by link
COMMON_SHARE = 0.25  # a theme of more than this share of the links is not indexed: its pages are most pages


def common_themes(partnerships: list[dict]) -> list[tuple[str, int]]:
    """Themes too common to index, with their number of links, most common first: under
    « Culture et patrimoine » (half of Germany's links) an index would list nearly every
    page, and helps nobody find anything. A book of fewer than 40 links has none."""
    if len(partnerships) < THEME_LIST_MAX:
        return []
    counts = Counter(t for p in partnerships for t in theme_labels(p))
    return sorted(((name, n) for name, n in counts.items() if n > COMMON_SHARE * len(partnerships)),
                  key=lambda item: (-item[1], fold(item[0])))


def entries(partnerships: list[dict], members: bool, country_name: str = "", columns: bool = False) -> list[Flowable]:
    """The entries, grouped by French région, then collectivité; each one a Block. In `columns`
    (two columns under a full-width title), the title goes in the top frame."""
    st = styles()
    per_theme = Counter(t for p in partnerships for t in theme_labels(p))
    common = {name for name, _ in common_themes(partnerships)}
    by_region: dict[str, list[dict]] = defaultdict(list)
    for p in partnerships:
        by_region[region_name(p.get("region")) if p.get("region") else t("Région non précisée")].append(p)
    story: list[Flowable] = [Heading(t("Les partenariats"), st["h1"], 0, t("Les partenariats"))]
    if columns:
        story.append(FrameBreak())
    for region in sorted(by_region, key=fold):
        story.append(CondPageBreak(4 * cm))
        # Headings go into the Block of the entry they announce: ReportLab's keepWithNext
        # does not chain into a KeepTogether, and a heading is never alone at a page foot.
        lead: list[Flowable] = [Heading(rich(region, "Sans"), st["h2"], 1, region, running=True)]
        groups: dict[str, list[dict]] = defaultdict(list)
        for p in by_region[region]:
            groups[p["french_id"]].append(p)
        for fid in sorted(groups, key=lambda k: (fold(groups[k][0].get("french_name") or k), k)):
            items = sorted(groups[fid], key=lambda p: fold(partner_name(p)))
            term = collectivite_term(items[0])
            lead += [Marker([("collectivites", term, fold(term), "")]),
                     Heading(_collectivite_heading(items[0]), st["h3"], 2, items[0].get("french_name") or fid,
                             toc=False)]
            for p in items:
                flows = entry(p, members, country_name)
                # the thematic index: a large theme by French région (its pages), a small one link by link
                flows[0].terms = [(name, region, fold(region), group) if name == "themes" and
                                  per_theme[group] > THEME_LIST_MAX else (name, term, sort, group)
                                  for name, term, sort, group in flows[0].terms
                                  if not (name == "themes" and group in common)]
                story.append(Block(lead + flows))  # one entry per block: not a whole collectivité
                lead = []
    return story
