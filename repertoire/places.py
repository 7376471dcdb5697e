"""Places in France: collectivités as people write them → official ids.

French names come in every form people write them (`Ville de Nancy`, `NANCY (54)`,
`Conseil départemental de l'Essonne`, an old name of a merged commune, a typo). A name is
read first as written, then without a trailing département hint (`(54)`, `- 54`), then
without a leading title (`Ville de`, `CC`, `Région`): a rewrite is tried only when the
forms before it name nothing, so that no rule eats part of a real name (Ville-d'Avray,
Château-Chinon (Ville), Commune de … is never a commune's name, but Ville-la-Grand is).
Every reading is matched exactly before any is matched approximately; a homonym the row
cannot settle is refused with its candidates named. The rules of writing (titles, type
words, hints, folding) are in french_names.py.

The overseas collectivités (COM: 975 Saint-Pierre-et-Miquelon … 989 Clipperton) are in
the official geography: their code is the département of their communes (Arue, 987), and
they are collectivités of their own, `departement:<code>` (repertoire/data/README.md).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version as _version
from pathlib import Path
from typing import NamedTuple

import pandas as pd
from rapidfuzz import fuzz, process

from .countries import Countries  # noqa: F401  (re-exported: places are French and foreign)
from . import french_names, text
from .datafiles import DATA
from .diskcache import DiskCache
from .reasons import Reason
# PREFIXES, TYPE_WORDS and fold_place are also read from here by other modules
from .french_names import (PAREN, PREFIXES, TYPE_WORDS, after_title, epci_full_forms,  # noqa: F401
                           fold_place, level_from_type, split_hint, strip_title)
from .text import ARTICLES, strip_articles


_CODE_TOKEN = re.compile(r"(?<![\w-])(\d{2,3}|2[ab])(?![\w-])", re.I)
_PART_SEPARATORS = re.compile(r"\s+[-–—/|:]\s+|[()\[\],;]")


@dataclass(frozen=True)
class Collectivite:
    """A resolved French collectivité."""

    french_id: str
    name: str
    type: str
    departement: str | None
    region: str | None
    lat: float | None
    lon: float | None


class UnresolvedPlace(Exception):
    """A name that matches no collectivité, or several: `reason` (reasons.py) names them, and
    the message is its English sentence."""

    def __init__(self, reason: Reason):
        super().__init__(reason)
        self.reason = reason


class Ambiguous(UnresolvedPlace):
    """A name several communes bear; `codes` lists them."""

    def __init__(self, reason: Reason, codes: list[str]):
        super().__init__(reason)
        self.codes = codes


class Reading(NamedTuple):
    """One way of reading what a survey wrote: a folded key, at a level, in a département."""

    key: str
    level: str | None
    departement: str | None
    fuzzy: bool  # may be matched approximately when no reading matches exactly


CommuneEntry = tuple[str, str, bool]  # (code of today, département, is a commune of today)


class FrenchPlaces:
    """The reference of French collectivités (repertoire/data/communes.csv.gz and friends)."""

    def __init__(self, data: Path = DATA):
        read = lambda name: pd.read_csv(data / name, dtype=str, keep_default_na=False)  # noqa: E731
        communes = read("communes.csv.gz")
        self.departements = read("departements.csv").set_index("code")
        self.regions = read("regions.csv").set_index("code")
        self.epci = read("epci.csv").set_index("siren")
        self.communes = communes[communes["type"] == "commune"].set_index("code")
        self.com_codes = frozenset(self.departements.index[self.departements["zone"] == "com"])
        # Plain tuples per code: a DataFrame .loc costs a quarter of a millisecond a call.
        self._rows = {kind: _rows(frame, columns) for kind, frame, columns in (
            ("commune", self.communes, ["nom", "departement", "region", "lat", "lon"]),
            ("departement", self.departements, ["nom", "region", "lat", "lon"]),
            ("region", self.regions, ["nom", "lat", "lon"]),
            ("epci", self.epci, ["nom", "departement", "region", "lat", "lon"]))}
        self.code_to_current = dict(zip(communes["code"].tolist(), communes["current"].tolist()))
        self._index_communes(communes, data / "communes.csv.gz")
        self.departement_names = _index_names(self.departements["nom"])
        self.region_names = _index_names(self.regions["nom"])
        self._index_epci()
        self.known_pairs: dict[tuple[str, str], dict[str, str]] = {}
        pairs = read("twinnings.csv.gz")
        for insee, country, key, since in zip(*(pairs[c].tolist() for c in ("insee", "country", "partner_key", "since"))):
            self.known_pairs.setdefault((country, key), {})[insee] = since

    def _index_communes(self, communes: pd.DataFrame, source: Path) -> None:
        """Names of communes, of today and of old (merged) ones, and the shorter forms people
        write; kept between processes (diskcache.py): folding the 74,000 names was most of
        loading the reference, before every ingest could start."""
        cache = DiskCache("communes", [source, Path(__file__), Path(french_names.__file__), Path(text.__file__)],
                          [_version("Unidecode"), _version("pandas")])
        kept = cache.get("names")
        if kept:
            self.commune_names, self._commune_short_names = kept
        else:
            self._fold_communes(communes)
            cache.put("names", (self.commune_names, self._commune_short_names))
        self._by_departement: dict[str, list[str]] = {}
        for name, entries in self.commune_names.items():
            for dep in dict.fromkeys(e[1] for e in entries):
                self._by_departement.setdefault(dep, []).append(name)
        self._all_names = list(self.commune_names)

    def _fold_communes(self, communes: pd.DataFrame) -> None:
        # folded official name → [(current code, departement, is_current)]
        self.commune_names: dict[str, list[CommuneEntry]] = {}
        columns = [communes[c].tolist() for c in ("nom", "type", "current", "departement")]
        for name, kind, current, dep in zip(*columns):
            if kind == "arrondissement":
                continue
            entries = self.commune_names.setdefault(fold_place(name), [])
            if (entry := (current, dep, kind == "commune")) not in entries:
                entries.append(entry)
        # Second-rank keys, looked up only when no official name of any level matches: the
        # name without its qualifier (`Bors` for Bors (Canton de Charente-Sud)) or its article.
        self._commune_short_names: dict[str, list[CommuneEntry]] = {}
        for name in dict.fromkeys(name for name, kind in zip(columns[0], columns[1]) if kind != "arrondissement"):
            folded = fold_place(name)
            shorts = {fold_place(PAREN.sub("", name)) if "(" in name else folded,
                      strip_articles(folded) if folded.split(" ", 1)[0] in ARTICLES else folded}
            for short in shorts - {folded}:
                listed = self._commune_short_names.setdefault(short, [])
                listed.extend(e for e in self.commune_names[folded] if e not in listed)

    def _index_epci(self) -> None:
        """EPCI names: official (also with `CC` spelt out, without a trailing acronym) and short."""
        self.epci_full_names: dict[str, list[str]] = {}
        self.epci_names: dict[str, list[str]] = {}
        for siren, name in zip(self.epci.index.tolist(), self.epci["nom"].tolist()):
            full = epci_full_forms(name)
            for form in full:
                _add(self.epci_full_names, form, siren)
            for form in full | {after_title(rest, level) for level, rest in map(strip_title, full)
                                if level == "epci"}:
                _add(self.epci_names, form, siren)
        self._epci_choices = list(self.epci_names)

    # --- public --------------------------------------------------------------------

    def resolve(self, name: str | None, departement: str | None = None,
                code: str | None = None, type_text: str | None = None,
                partner: tuple[str, str, str] | None = None) -> Collectivite:
        """The collectivité a survey row names; UnresolvedPlace with a reason otherwise.

        `partner` (country code, folded partner name, year) settles a homonym when a public
        list of twinnings (repertoire/data/twinnings.csv.gz) knows which of them has that partner
        (and, when two have it, which one since that year).

        >>> places.resolve("Ville de Nancy").french_id
        'commune:54395'
        >>> places.resolve("Ville-d'Avray", "92").french_id
        'commune:92077'
        >>> places.resolve("Arue", "987").french_id
        'commune:98712'
        """
        found = self._resolve(name, departement, code, type_text)
        if type(found) is Collectivite:
            return found
        if isinstance(found, Ambiguous) and partner:
            known = self.known_pairs.get(partner[:2], {})
            settled = [c for c in found.codes if c in known]
            if len(settled) > 1:
                settled = [c for c in settled if known[c] and known[c] == partner[2]]
            if len(settled) == 1:
                return self.commune_record(settled[0])
        raise found

    @lru_cache(maxsize=200_000)
    def _resolve(self, name, departement, code, type_text) -> "Collectivite | UnresolvedPlace":
        """Resolution without the partner, cached: surveys repeat the same spellings."""
        try:
            return self._resolve_uncached(name, departement, code, type_text)
        except UnresolvedPlace as error:
            return error

    def _resolve_uncached(self, name, departement, code, type_text) -> Collectivite:
        level = level_from_type(type_text)
        if code and (found := self._from_code(code.strip(), level)):
            return found
        if not name:
            raise UnresolvedPlace(Reason("unknown_french_code", code=code))
        departement = self.departement_code(departement) if departement else None
        if found := self._exact(Reading(fold_place(name), level, departement, True), name):
            return found  # the name as written: most rows end here
        readings = self._readings(name, level, departement)
        for tier in (self._exact, self._short, self._approximate):
            for reading in readings:
                if found := tier(reading, name):
                    return found
        last = readings[-1]
        if last.level in ("departement", "region", "epci"):
            raise UnresolvedPlace(Reason(f"unknown_{last.level}", name=name))
        if last.departement:
            raise UnresolvedPlace(Reason("unknown_collectivite_in_departement", name=name, departement=last.departement))
        raise UnresolvedPlace(Reason("unknown_collectivite", name=name))

    def departement_code(self, text: str) -> str | None:
        """`54`, `2a`, `54.0`, `054`, `987`, `Drôme`, `Meurthe-et-Moselle` → département code."""
        value = text.strip().upper().removesuffix(".0")
        if value.isdigit() and len(value) <= 3:
            value = value.zfill(2)
        if value in self._rows["departement"]:
            return value
        if len(value) == 3 and value.startswith("0") and value[1:] in self._rows["departement"]:
            return value[1:]
        folded = fold_place(text)
        return (self.departement_names.get(folded) or self.departement_names.get(strip_articles(folded))
                or self._departement_from_parts(text))

    def _departement_from_parts(self, text: str) -> str | None:
        """A cell that holds a code and a name, with or without a title (`CD 66 - Pyrénées-Orientales`,
        `54 - Meurthe-et-Moselle`, `Drôme (26)`, `Conseil départemental du Nord`): the département
        when every part that names one names the same; None when they disagree or none does."""
        found = set()
        for code in _CODE_TOKEN.findall(text):
            code = code.upper().zfill(2)
            if code in self._rows["departement"]:
                found.add(code)
        for part in _PART_SEPARATORS.split(text):
            folded = fold_place(part)
            level, rest = strip_title(folded)
            for key in (folded, rest if level == "departement" else None):
                if key and (code := self.departement_names.get(key) or self.departement_names.get(strip_articles(key))):
                    found.add(code)
        return found.pop() if len(found) == 1 else None

    # --- records -------------------------------------------------------------------

    @lru_cache(maxsize=None)
    def commune_record(self, code: str) -> Collectivite:
        name, dep, region, lat, lon = self._rows["commune"][code]
        return Collectivite(f"commune:{code}", name, "commune", dep, region, lat, lon)

    @lru_cache(maxsize=None)
    def departement_record(self, code: str) -> Collectivite:
        name, region, lat, lon = self._rows["departement"][code]
        kind = "com" if code in self.com_codes else "departement"  # filed with the départements, named as what it is
        return Collectivite(f"departement:{code}", name, kind, code, region, lat, lon)

    @lru_cache(maxsize=None)
    def region_record(self, code: str) -> Collectivite:
        if code in self.com_codes:  # one collectivité, one id: a COM is filed with the départements
            return self.departement_record(code)
        name, lat, lon = self._rows["region"][code]
        return Collectivite(f"region:{code}", name, "region", None, code, lat, lon)

    @lru_cache(maxsize=None)
    def epci_record(self, siren: str) -> Collectivite:
        name, dep, region, lat, lon = self._rows["epci"][siren]
        return Collectivite(f"epci:{siren}", name, "epci", dep or None, region or None, lat, lon)

    def record(self, french_id: str) -> Collectivite | None:
        """A collectivité by its `french_id`, or None."""
        level, _, code = french_id.partition(":")
        getter = {"commune": self.commune_record, "departement": self.departement_record,
                  "region": self.region_record, "epci": self.epci_record}.get(level)
        return getter(code) if getter and code in self._rows[level] else None

    # --- steps ---------------------------------------------------------------------

    def _from_code(self, code: str, level: str | None) -> Collectivite | None:
        code = code.upper().removesuffix(".0")
        if code.isdigit() and len(code) == 9 and code in self._rows["epci"]:
            return self.epci_record(code)
        if len(code) == 4 and code.isdigit():
            code = code.zfill(5)  # a spreadsheet dropped the leading zero
        if len(code) == 5 and code in self.code_to_current:
            return self.commune_record(self.code_to_current[code])
        if level == "departement" and (dep := self.departement_code(code)):
            return self.departement_record(dep)
        if level == "region" and code.zfill(2) in self._rows["region"]:
            return self.region_record(code.zfill(2))
        return None

    _split_hint = staticmethod(split_hint)  # scripts/reference/build_twinnings.py reads names with it

    def _readings(self, name: str, level: str | None, departement: str | None) -> list[Reading]:
        """The ways to read a name, most literal first; each later one rewrites more.

        1. the name as written; 2. without a trailing hint, the hint giving the département
        when it names one (`Nancy (54)`), dropped otherwise (`Lyon (Métropole)`); then each
        of those 3. without a leading title, whose level it gives (`Ville de`, `Région`).
        A name whose hint is a département is not matched approximately as written.
        """
        texts = [(name, departement, True)]
        text, hint = split_hint(name)
        if hint is not None and text.strip():
            hinted = self.departement_code(hint) or self.departement_code(strip_title(fold_place(hint))[1] or "")
            texts = [(name, departement, hinted is None), (text, departement or hinted, True)]
        readings = [Reading(fold_place(t), level, d, f) for t, d, f in texts]
        for t, d, f in texts:
            title_level, rest = strip_title(fold_place(t))
            if title_level:
                readings.append(Reading(after_title(rest, title_level), title_level, d, f))
        return readings

    def _exact(self, reading: Reading, written: str) -> Collectivite | None:
        """The collectivité whose official name a reading is; None if none, Ambiguous if several."""
        key, level, dep, _ = reading
        if level in (None, "commune") and (entries := self.commune_names.get(key)):
            if found := self._pick_commune(entries, dep, written):
                return found
        if level is None and (sirens := self.epci_full_names.get(key)):
            return self._pick_epci(sirens, dep, written)
        if level == "epci" and (sirens := self.epci_names.get(key) or self.epci_names.get(strip_articles(key))):
            return self._pick_epci(sirens, dep, written)
        if level in (None, "departement"):
            if code := self.departement_names.get(key) if level is None else self.departement_code(key):
                return self.departement_record(code)
        if level in (None, "region"):
            if code := self.region_names.get(key) or (level and self.region_names.get(strip_articles(key))):
                return self.region_record(code)
        return None

    def _short(self, reading: Reading, written: str) -> Collectivite | None:
        """A commune named without its article or qualifier, or with an article too many."""
        key, level, dep, _ = reading
        if level not in (None, "commune"):
            return None
        entries = self._commune_short_names.get(key) or self.commune_names.get(strip_articles(key))
        return self._pick_commune(entries, dep, written) if entries else None

    def _approximate(self, reading: Reading, written: str) -> Collectivite | None:
        """Near spellings of a reading, for communes and intercommunalités."""
        if not reading.fuzzy:
            return None
        if reading.level in (None, "commune"):
            if entries := self._fuzzy(reading.key, reading.departement):
                return self._pick_commune(entries, reading.departement, written)
        if reading.level == "epci" and (siren := self._fuzzy_epci(reading.key)):
            return self.epci_record(siren)
        return None

    def _pick_commune(self, entries: list[CommuneEntry], departement: str | None,
                      written: str) -> Collectivite | None:
        """The one commune of today among entries (in the département when given)."""
        if len(entries) == 1:
            code, dep, _ = entries[0]
            return self.commune_record(code) if not departement or dep == departement else None
        if departement:
            entries = [e for e in entries if e[1] == departement]
        codes = list(dict.fromkeys(e[0] for e in entries if e[2])) or list(dict.fromkeys(e[0] for e in entries))
        if not codes:
            return None
        if len(codes) == 1:
            return self.commune_record(codes[0])
        rows = [(self._rows["commune"][c], c) for c in codes]
        named = ", ".join(f"{row[0]} ({row[1]}, {c})" for row, c in rows[:6])
        # Within one département (Bors, Bors; Château-Chinon (Ville), (Campagne)) only the code settles it.
        code = "ambiguous_commune_in_departement" if len({row[1] for row, _ in rows}) == 1 else "ambiguous_commune"
        raise Ambiguous(Reason(code, name=written, candidates=named), codes)

    def _pick_epci(self, sirens: list[str], departement: str | None, written: str) -> Collectivite:
        if departement and len(sirens) > 1:
            sirens = [s for s in sirens if self._rows["epci"][s][1] == departement] or sirens
        if len(sirens) == 1:
            return self.epci_record(sirens[0])
        named = ", ".join(f"{self._rows['epci'][s][0]} ({self._rows['epci'][s][1]}, {s})" for s in sirens)
        raise UnresolvedPlace(Reason("ambiguous_epci", name=written, candidates=named))

    def _fuzzy_epci(self, folded: str) -> str | None:
        """`Grand Besançon` for `CU Grand Besançon Métropole`: one clear best or nothing."""
        found = process.extract(folded, self._epci_choices, scorer=fuzz.token_set_ratio,
                                score_cutoff=90, limit=5)
        sirens = {s for name, score, _ in found if score >= found[0][1] - 1 for s in self.epci_names[name]}
        return sirens.pop() if len(sirens) == 1 else None

    def _fuzzy(self, folded: str, departement: str | None) -> list[CommuneEntry]:
        """Near spellings, only when exact matching failed and one candidate stands out."""
        choices = self._by_departement.get(departement, []) if departement else self._all_names
        found = process.extract(folded, choices, scorer=fuzz.ratio, score_cutoff=88, limit=3)
        if not found:
            return []
        return [e for name, score, _ in found if score >= found[0][1] - 1 for e in self.commune_names[name]]


def _index_names(names: pd.Series) -> dict[str, str]:
    index = {}
    for code, name in zip(names.index.tolist(), names.tolist()):
        index[fold_place(name)] = code
        index[strip_articles(fold_place(name))] = code
    return index


def _add(index: dict[str, list[str]], key: str, value: str) -> None:
    listed = index.setdefault(key, [])
    if value not in listed:
        listed.append(value)


def _rows(frame: pd.DataFrame, columns: list[str]) -> dict[str, tuple]:
    """{code: (values…)} with coordinates as floats (None when absent)."""
    values = [frame[c].tolist() if c not in ("lat", "lon") else [_float(v) for v in frame[c].tolist()] for c in columns]
    return dict(zip(frame.index.tolist(), zip(*values)))


def _float(value: str) -> float | None:
    return float(value) if value not in ("", None) else None
