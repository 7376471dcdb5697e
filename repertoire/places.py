"""Places in France: collectivités as people write them → official ids.

French names come in every form people write them (`Ville de Nancy`, `NANCY (54)`,
`Conseil départemental de l'Essonne`, an old name of a merged commune, a foreign
partner's spelling). Exact matching on folded names comes first; fuzzy matching only
where it fails; a homonym the row cannot settle is refused with its candidates named.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz, process

from .countries import Countries  # noqa: F401  (re-exported: places are French and foreign)
from .text import fold, strip_articles

DATA = Path(__file__).resolve().parent.parent / "data"

_PAREN = re.compile(r"\s*[(\[]([^)\]]*)[)\]]\s*$")
_TRAILING_DEPT = re.compile(r"\s*[-,]\s*(\d[\dab]|97\d)\s*$", re.I)

# Leading words that say which level of collectivité a name is (folded).
PREFIXES: tuple[tuple[str, str], ...] = tuple(
    (fold(prefix), level)
    for level, prefixes in {
        "departement": ["conseil départemental", "conseil general", "département",
                        "departement", "conseil departemental", "cd"],
        "region": ["conseil régional", "région", "region", "collectivité territoriale",
                   "collectivite de", "cr"],
        "epci": ["communauté d'agglomération", "communauté de communes", "communauté urbaine",
                 "métropole", "eurométropole", "agglomération", "établissement public territorial",
                 "ca", "cc", "cu", "ept"],
        "commune": ["ville", "mairie", "commune", "municipalité", "cité"],
    }.items()
    for prefix in prefixes
)
EPCI_ABBREVIATIONS = {"cc": "communaute de communes", "ca": "communaute d agglomeration",
                      "cu": "communaute urbaine", "metro": "metropole"}
TYPE_WORDS = {"commune": "commune", "ville": "commune", "municipalite": "commune",
              "departement": "departement", "region": "region", "epci": "epci",
              "intercommunalite": "epci", "communaute": "epci", "metropole": "epci",
              "agglomeration": "epci", "syndicat": "epci", "collectivite territoriale": "region"}


def fold_place(text: str) -> str:
    """Fold a French place name: `St-Jean` and `Saint Jean` are one name."""
    words = fold(text).split()
    words = ["saint" if w == "st" else "sainte" if w == "ste" else w for w in words]
    return " ".join(words)


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
    """A name that matches no collectivité, or several: the message names them."""


class Ambiguous(UnresolvedPlace):
    """A name several communes bear; `codes` lists them."""

    def __init__(self, message: str, codes: list[str]):
        super().__init__(message)
        self.codes = codes


class FrenchPlaces:
    """The reference of French collectivités (data/communes.csv.gz and friends)."""

    def __init__(self, data: Path = DATA):
        communes = pd.read_csv(data / "communes.csv.gz", dtype=str, keep_default_na=False)
        self.departements = pd.read_csv(data / "departements.csv", dtype=str, keep_default_na=False).set_index("code")
        self.regions = pd.read_csv(data / "regions.csv", dtype=str, keep_default_na=False).set_index("code")
        self.epci = pd.read_csv(data / "epci.csv", dtype=str, keep_default_na=False).set_index("siren")
        current = communes[communes["type"] == "commune"].set_index("code")
        self.communes = current
        self._commune_rows: dict[str, dict] | None = None
        # folded name → [(current code, departement, is_current)]
        self.commune_names: dict[str, list[tuple[str, str, bool]]] = {}
        for code, name, kind, cur, dep in communes[["code", "nom", "type", "current", "departement"]].itertuples(index=False):
            if kind == "arrondissement":
                continue
            entries = self.commune_names.setdefault(fold_place(name), [])
            entry = (cur, dep, kind == "commune")
            if entry not in entries:
                entries.append(entry)
        self.code_to_current = dict(zip(communes["code"], communes["current"]))
        self.departement_names = self._index_names(self.departements["nom"])
        self.region_names = self._index_names(self.regions["nom"])
        self.epci_names = {}
        self.epci_full_names = {fold_place(name): siren for siren, name in self.epci["nom"].items()}
        for siren, name in self.epci["nom"].items():
            for variant in self._epci_variants(name):
                self.epci_names.setdefault(variant, siren)
        self._by_departement: dict[str, list[str]] = {}
        for name, entries in self.commune_names.items():
            for _, dep, _ in entries:
                self._by_departement.setdefault(dep, []).append(name)
        self._all_names = list(self.commune_names)
        self.known_pairs: dict[tuple[str, str], dict[str, str]] = {}
        pairs = pd.read_csv(data / "twinnings.csv.gz", dtype=str, keep_default_na=False)
        for insee, country, key, since in pairs[["insee", "country", "partner_key", "since"]].itertuples(index=False):
            self.known_pairs.setdefault((country, key), {})[insee] = since

    @staticmethod
    def _index_names(names: pd.Series) -> dict[str, str]:
        index = {}
        for code, name in names.items():
            index[fold_place(name)] = code
            index[strip_articles(fold_place(name))] = code
        return index

    @staticmethod
    def _epci_variants(name: str) -> set[str]:
        words = fold_place(name).split()
        if words and words[0] in EPCI_ABBREVIATIONS:
            words = EPCI_ABBREVIATIONS[words[0]].split() + words[1:]
        full = " ".join(words)
        variants = {full}
        for prefix, level in PREFIXES:
            if level == "epci" and full.startswith(prefix + " "):
                variants.add(strip_articles(full[len(prefix) + 1:]))
        return variants

    # --- public --------------------------------------------------------------------

    def resolve(self, name: str | None, departement: str | None = None,
                code: str | None = None, type_text: str | None = None,
                partner: tuple[str, str, str] | None = None) -> Collectivite:
        """The collectivité a survey row names; UnresolvedPlace with a reason otherwise.

        `partner` (country code, folded partner name, year) settles a homonym when a public
        list of twinnings (data/twinnings.csv.gz) knows which of them has that partner
        (and, when two have it, which one since that year).

        >>> places.resolve("Ville de Nancy").french_id
        'commune:54395'
        """
        found = self._resolve(name, departement, code, type_text)
        if isinstance(found, Ambiguous) and partner:
            known = self.known_pairs.get(partner[:2], {})
            settled = [c for c in found.codes if c in known]
            if len(settled) > 1:
                settled = [c for c in settled if known[c] and known[c] == partner[2]]
            if len(settled) == 1:
                return self.commune_record(settled[0])
        if isinstance(found, UnresolvedPlace):
            raise found
        return found

    @lru_cache(maxsize=200_000)
    def _resolve(self, name, departement, code, type_text) -> "Collectivite | UnresolvedPlace":
        """Resolution without the partner, cached: surveys repeat the same spellings."""
        try:
            return self._resolve_uncached(name, departement, code, type_text)
        except UnresolvedPlace as error:
            return error

    def _resolve_uncached(self, name, departement, code, type_text) -> Collectivite:
        level = self._level_from_type(type_text)
        if code and (found := self._from_code(code.strip(), level)):
            return found
        if not name:
            raise UnresolvedPlace(f"unknown French code {code}")
        departement = self.departement_code(departement) if departement else None
        text, hint = self._split_hint(name)
        if hint and fold_place(name) in self.commune_names:  # `Château-Chinon (Ville)`
            text, hint = name, None
        if hint and not departement:
            departement = self.departement_code(hint)
        folded = fold_place(text)
        prefixed_level, remainder = self._strip_prefix(folded)
        rest = strip_articles(remainder) if remainder is not None else None
        level = prefixed_level or level
        if level == "epci" and (siren := self.epci_names.get(folded) or (rest and self.epci_names.get(rest))):
            return self.epci_record(siren)
        if level == "departement":
            if code_ := ((rest and self.departement_names.get(rest)) or self.departement_names.get(folded)
                         or self.departement_code(text)):
                return self.departement_record(code_)
            raise UnresolvedPlace(f"unknown département {name!r}")
        if level == "region":
            key = rest if rest is not None else folded
            if code_ := self.region_names.get(key) or self.region_names.get(strip_articles(key)):
                return self.region_record(code_)
            raise UnresolvedPlace(f"unknown région {name!r}")
        if level == "epci":
            if siren := self._fuzzy_epci(rest or folded):
                return self.epci_record(siren)
            raise UnresolvedPlace(f"unknown intercommunalité {name!r}")
        if prefixed_level == "commune":
            folded = _after_preposition(remainder)
        try:
            return self._commune(folded, departement, name)
        except Ambiguous:
            raise
        except UnresolvedPlace:
            # not a commune: an intercommunalité, département or région named without its title
            if level is None and (siren := self.epci_full_names.get(folded)):
                return self.epci_record(siren)
            if level is None and (code_ := self.departement_names.get(folded)):
                return self.departement_record(code_)
            if level is None and (code_ := self.region_names.get(folded)):
                return self.region_record(code_)
            raise

    def departement_code(self, text: str) -> str | None:
        """`54`, `2a`, `54.0`, `Drôme`, `Meurthe-et-Moselle` → département code."""
        value = text.strip().upper().removesuffix(".0")
        if value.isdigit() and len(value) <= 3:
            value = value.zfill(2)
        if value in self.departements.index:
            return value
        folded = fold_place(text)
        return self.departement_names.get(folded) or self.departement_names.get(strip_articles(folded))

    # --- records -------------------------------------------------------------------

    @lru_cache(maxsize=None)
    def commune_record(self, code: str) -> Collectivite:
        if self._commune_rows is None:  # plain dicts: .loc costs a quarter of a millisecond
            self._commune_rows = self.communes[["nom", "departement", "region", "lat", "lon"]].to_dict("index")
        row = self._commune_rows[code]
        return Collectivite(f"commune:{code}", row["nom"], "commune", row["departement"],
                            row["region"], _float(row["lat"]), _float(row["lon"]))

    def departement_record(self, code: str) -> Collectivite:
        row = self.departements.loc[code]
        return Collectivite(f"departement:{code}", row["nom"], "departement", code,
                            row["region"], _float(row["lat"]), _float(row["lon"]))

    def region_record(self, code: str) -> Collectivite:
        row = self.regions.loc[code]
        return Collectivite(f"region:{code}", row["nom"], "region", None, code,
                            _float(row["lat"]), _float(row["lon"]))

    def epci_record(self, siren: str) -> Collectivite:
        row = self.epci.loc[siren]
        return Collectivite(f"epci:{siren}", row["nom"], "epci", row["departement"] or None,
                            row["region"] or None, _float(row["lat"]), _float(row["lon"]))

    def record(self, french_id: str) -> Collectivite | None:
        """A collectivité by its `french_id`, or None."""
        level, _, code = french_id.partition(":")
        getter = {"commune": (self.communes, self.commune_record),
                  "departement": (self.departements, self.departement_record),
                  "region": (self.regions, self.region_record),
                  "epci": (self.epci, self.epci_record)}.get(level)
        if getter and code in getter[0].index:
            return getter[1](code)
        return None

    # --- steps ---------------------------------------------------------------------

    @staticmethod
    def _level_from_type(type_text: str | None) -> str | None:
        if not type_text:
            return None
        folded = fold(type_text)
        for word, level in TYPE_WORDS.items():
            if word in folded:
                return level
        return None

    def _from_code(self, code: str, level: str | None) -> Collectivite | None:
        code = code.upper().removesuffix(".0")
        if code.isdigit() and len(code) == 9 and code in self.epci.index:
            return self.epci_record(code)
        if len(code) == 4 and code.isdigit():
            code = code.zfill(5)  # a spreadsheet dropped the leading zero
        if len(code) == 5 and code in self.code_to_current:
            return self.commune_record(self.code_to_current[code])
        if level == "departement" and (dep := self.departement_code(code)):
            return self.departement_record(dep)
        if level == "region" and code.zfill(2) in self.regions.index:
            return self.region_record(code.zfill(2))
        return None

    @staticmethod
    def _split_hint(name: str) -> tuple[str, str | None]:
        """`Nancy (54)`, `Nyons (Drôme)`, `Nancy - 54` → (name, hint)."""
        if m := _PAREN.search(name):
            return name[: m.start()], m.group(1)
        if m := _TRAILING_DEPT.search(name):
            return name[: m.start()], m.group(1)
        return name, None

    @staticmethod
    def _strip_prefix(folded: str) -> tuple[str | None, str | None]:
        for prefix, level in PREFIXES:
            if folded.startswith(prefix + " "):
                return level, folded[len(prefix) + 1:]
        return None, None

    def _commune(self, folded: str, departement: str | None, written: str) -> Collectivite:
        entries = self.commune_names.get(folded) or self.commune_names.get(strip_articles(folded), [])
        if not entries:
            entries = self._fuzzy(folded, departement)
        if departement:
            entries = [e for e in entries if e[1] == departement] or (
                [] if any(e[1] for e in entries) else entries)
        codes = list(dict.fromkeys(e[0] for e in entries if e[2])) or list(dict.fromkeys(e[0] for e in entries))
        if len(codes) == 1:
            return self.commune_record(codes[0])
        if not codes:
            where = f" in département {departement}" if departement else ""
            raise UnresolvedPlace(f"unknown collectivité {written!r}{where}")
        named = ", ".join(f"{self.communes.loc[c, 'nom']} ({self.communes.loc[c, 'departement']}, {c})" for c in codes[:6])
        raise Ambiguous(f"ambiguous collectivité {written!r}: {named}; give the département", codes)

    def _fuzzy_epci(self, folded: str) -> str | None:
        """`Grand Besançon` for `CU Grand Besançon Métropole`: one clear best or nothing."""
        found = process.extract(folded, list(self.epci_names), scorer=fuzz.token_set_ratio,
                                score_cutoff=90, limit=5)
        sirens = {self.epci_names[name] for name, score, _ in found if score >= found[0][1] - 1} if found else set()
        return sirens.pop() if len(sirens) == 1 else None

    def _fuzzy(self, folded: str, departement: str | None) -> list[tuple[str, str, bool]]:
        """Near spellings, only when exact matching failed and one candidate stands out."""
        choices = self._by_departement.get(departement, []) if departement else self._all_names
        found = process.extract(folded, choices, scorer=fuzz.ratio, score_cutoff=88, limit=3)
        if not found:
            return []
        best = [name for name, score, _ in found if score >= found[0][1] - 1]
        entries = [e for name in best for e in self.commune_names[name]]
        return entries


def _after_preposition(folded: str) -> str:
    """`de le coteau` → `le coteau`, `du havre` → `le havre`: what `Ville de …` names."""
    words = folded.split()
    if words and words[0] in ("de", "d") and len(words) > 1:
        return " ".join(words[1:])
    if words and words[0] in ("du", "des") and len(words) > 1:
        return " ".join(["le" if words[0] == "du" else "les"] + words[1:])
    return folded


def _float(value: str) -> float | None:
    return float(value) if value not in ("", None) else None
