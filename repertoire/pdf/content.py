"""What a book says of a partnership, as an editor would print it: the partner's name as a French
reader writes it (without the gazetteer's bookkeeping), its region, clean labels, and the
survey's text without what the entry already says.

Everything here works on the registry's dicts and returns plain text; typesetting is elsewhere.
"""
from __future__ import annotations

import re

from ..model import KINDS, STATUS_LABELS, THEMES, UNSPECIFIED, status_code
from ..text import fold
from ..placenames import names_of, native_name, printed_name, region_label
from .language import english, label, t

# One status vocabulary (model.STATUS_LABELS); a value of an earlier vocabulary is read as the
# value it now is (model.status_code), « Non précisé » when no survey gave one.
UNKNOWN_STATUS = STATUS_LABELS[UNSPECIFIED][0]
CONTACT = "contact"  # « Premiers contacts »: a link not yet formalised, not a kind of partnership
THEME_SEPARATOR = " · "  # no theme name holds it (theme names hold commas)
assert not any(THEME_SEPARATOR.strip() in label for label, _ in THEMES.values())


def status_label(code: str | None) -> str:
    return label(STATUS_LABELS[status_code(code)])


def kind_label(code: str | None) -> str:
    return label(KINDS[code]) if code in KINDS else t("Type non précisé")


def capitalised(text: str) -> str:
    """`ecsi` → `Ecsi`? No: a keyword in capitals stays (`ECSI`), a lower-case one gets its first
    letter up (`humanitaire` → `Humanitaire`), as the theme labels beside it."""
    return text[:1].upper() + text[1:] if text[:1].islower() else text


def theme_labels(p: dict) -> list[str]:
    """Theme labels then free keywords, capitalised, each once (folded). A keyword naming the
    partner or the collectivité (a survey's other spelling, "Erding (Kreis) (Erding, Stadt)"
    for Erding) is not a theme: neither printed as one nor indexed."""
    out, seen = [], set()
    for code in (p.get("themes") or "").split(";"):
        if code:
            name = label(THEMES[code]) if code in THEMES else code
            out.append(capitalised(name))
            seen.update({fold(name), fold(code)})
    own = {w for n in (p.get("partner_name"), p.get("partner_key"), p.get("french_name")) for w in fold(n or "").split()
           if len(w) > 3}
    for word in (p.get("keywords") or "").split(";"):
        if word and fold(word) not in seen and not own & set(fold(word).split()):
            seen.add(fold(word))
            out.append(capitalised(word.strip()))
    return out


# --- names -----------------------------------------------------------------------------------

_BRACKET = re.compile(r"\s*\(([^()]*)\)")


def partner_name(p: dict) -> str:
    """The partner's name as the book prints it (placenames.printed_name): without the
    bookkeeping a gazetteer or a list added to it, units in the book's language."""
    return printed_name(p.get("partner_name"), p.get("partner_country") or "", p.get("partner_geonameid"),
                        "en" if english() else "fr")


def partner_region(p: dict) -> str | None:
    """The partner's Land, province, prefecture… in the book's language when the reference knows
    the division by the name the registry holds (Thüringen, Thuringia, an older French
    spelling → Thuringe; Bavaria in the English edition), else as the registry writes it."""
    return region_label(p.get("partner_country") or "", p.get("partner_region"), "en" if english() else "fr")


def native(p: dict) -> str | None:
    """The name in the partner's own script, when the registry holds one that differs and is
    confidently the partner's: one the survey wrote, or the gazetteer place's native name
    only when it writes the survey's spelling (placenames.native_name). Registries filled
    before that rule hold 甘地 (the locality Amaji) for a survey's "Ichikawa": not printed."""
    value = (p.get("partner_native") or "").strip()
    if not value or value == partner_name(p):
        return None
    place = names_of(p.get("partner_geonameid"))
    if place is not None and value == place.native:
        written = p.get("partner_key") or p.get("partner_name") or ""
        if native_name(p["partner_geonameid"], written) is None:
            return None
    return value


# --- text ------------------------------------------------------------------------------------

_SENTENCE = re.compile(r"(?<=[.!?])(?<!\b[A-Z][a-z]\.)(?<!\b[A-Z]\.)\s+(?=[A-ZÀ-Ý«\"(])")  # not after St., N.
_EDIT_NOTE = re.compile(r"^\W*(mise? a jour|maj|mis a jour|actualise[e]?|updated?|revised?|modifie[e]?)\b"
                        r"[\w\s/.-]{0,20}\b(19|20)\d\d\b\W*$")
_GLUE = set("a au aux avec d de depuis des du en entre et l la le les par pour sur un une".split())


def _known_words(p: dict, country_name: str) -> set[str]:
    words: set[str] = set(_GLUE)
    for text in [p.get("french_name"), p.get("partner_name"), p.get("partner_key"), partner_name(p), country_name,
                 *(label for label, _ in KINDS.values()), *(label for _, label in KINDS.values()),
                 str(p.get("since") or ""), str(p.get("until") or "")]:
        words.update(fold(text or "").split())
    return words


def _restating_head(sentence: str, p: dict, country_name: str) -> bool:
    """Whether a sentence's head (before its colon) is made from the entry's own fields:
    « Jumelage entre Tours et Ragusa (Italie) depuis 1956 » — both names, and at most two
    other words."""
    head = sentence.partition(":")[0]
    folded = f" {fold(head)} "
    names = [fold(p.get("french_name") or "")], [fold(n) for n in (p.get("partner_name"), p.get("partner_key"),
                                                                    partner_name(p)) if n]
    if not names[0][0] or f" {names[0][0]} " not in folded or not any(f" {n} " in folded for n in names[1]):
        return False
    unknown = [w for w in fold(_BRACKET.sub(" ", head)).split() if w not in _known_words(p, country_name)]
    return len(unknown) <= 2


_ITEMS = re.compile(r"[,;]")


def _only_themes(tail: str, p: dict) -> bool:
    """Whether the list after a restating head is a list of themes, which the entry's « Thèmes »
    line prints: short items (« culture, eau et assainissement, humanitaire »), half of them at
    least among the entry's themes or keywords, in either language of the books (survey text
    is French in the English edition too), or a single word."""
    codes = [c for c in (p.get("themes") or "").split(";") if c]
    themes = {fold(t) for t in theme_labels(p)} | {fold(c) for c in codes}
    themes |= {fold(name) for c in codes if c in THEMES for name in THEMES[c]}

    def listed(item: str) -> bool:
        return any(t.startswith(item) or item.startswith(t) for t in themes)

    def parts(item: str) -> list[str]:  # « culture et sport »: two themes; « eau et assainissement »: one
        return [x.strip() for x in re.split(r"\bet\b", item) if x.strip()]

    items = [fold(i) for i in _ITEMS.split(tail) if fold(i)]
    short = all(len([w for w in x.split() if w not in _GLUE]) <= 3 for i in items for x in parts(i))
    themed = sum(1 for i in items if listed(i) or all(listed(x) for x in parts(i)))
    return short and (2 * themed >= len(items) or items == [items[0]] and len(items[0].split()) == 1)  # « humanitaire »


def _unrestated(sentence: str, p: dict, country_name: str) -> str:
    """A survey sentence without what the entry's own line says: dropped when it only restates
    kind, names, date and themes; its list alone, as a sentence, when the list says more
    (« Jumelage entre Sète et El Jadida (Maroc) : échanges sportifs. » → « Échanges sportifs. »)."""
    if not _restating_head(sentence, p, country_name):
        return sentence
    tail = sentence.partition(":")[2].strip()
    if not tail or _only_themes(tail.rstrip(".!?… "), p):
        return ""
    return capitalised(tail)


def public_text(text: str | None, p: dict, country_name: str = "") -> str:
    """Survey text as a book prints it: without what restates the entry's own line (kind,
    names, date, themes) and without editing notes (« Mise à jour 2025. »)."""
    if not text:
        return ""
    kept = [_unrestated(s, p, country_name) for s in _SENTENCE.split(text.strip())
            if s.strip() and not _EDIT_NOTE.match(fold(s))]
    return " ".join(s for s in kept if s).strip()


def partner_key(p: dict) -> str:
    """What makes two partners one in counts and indexes: the gazetteer place, else the name."""
    return f"g{p['partner_geonameid']}" if p.get("partner_geonameid") else fold(partner_name(p))


def printed_once(partnerships: list[dict]) -> list[dict]:
    """Each link once: of the probable duplicates staff have not settled yet (one collectivité,
    the same place or near-identical names: what `repertoire duplicates` lists), the fuller one
    is printed, the others as a note under it (`_also`)."""
    from rapidfuzz import fuzz

    by_french: dict[str, list[dict]] = {}
    for p in partnerships:
        by_french.setdefault(p["french_id"], []).append(p)
    out: list[dict] = []
    for group in by_french.values():
        if len(group) == 1:
            out += group
            continue
        group = sorted(group, key=lambda p: (-sum(1 for v in p.values() if v), p["id"]))
        kept: list[dict] = []
        for p in group:
            twin = next((k for k in kept if partner_key(k) == partner_key(p) or
                         fuzz.token_set_ratio(fold(k.get("partner_key") or partner_name(k)),
                                              fold(p.get("partner_key") or partner_name(p))) >= 90), None)
            if twin is None:
                kept.append(dict(p))
            else:
                twin.setdefault("_also", []).append(p)
        out += kept
    return out
