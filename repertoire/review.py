"""Staff review of rejected survey rows: what staff can pick for one, and the row mended.

A mended row takes the path of an ingested one: rebuilt from its raw cells and original
headers (surveys.rows_chunk), then normalize_frame → resolve_places → ingest.record_row (a
new partnership, or merged) → save, with the staff's corrections standing in for what the
survey wrote. It is then recorded as an ingested row is (a `sources` row for its file,
sheet and row), and its reject is deleted in the same transaction: the row stays counted
once. A partnership edited by hand is editing.py's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import pandas as pd
from rapidfuzz import fuzz, process

from .columns import ColumnMap
from .ingest import References, record_row, resolve_places, row_date, source_entry
from .model import HistoryEntry
from .normalize import normalize_frame
from .places import Ambiguous, Collectivite, UnresolvedPlace, fold_place
from .reasons import Reason
from .registry import Registry, now
from .surveys import rows_chunk
from .text import clean, fold

RejectKey = tuple[str, str, int]  # (file_hash, sheet, row): the rejects table's primary key

# Reasons no correction of the form addresses (by code): a questionnaire left on an early page is
# judged against the file's last page, which one row rebuilt alone cannot see.
STICKY_REASONS = ("incomplete_response",)


@dataclass(frozen=True)
class Candidate:
    """A collectivité staff may pick for a row."""

    french_id: str
    name: str
    departement: str | None


@dataclass
class Review:
    """What staff see to mend a rejected row: the row as read and what they can pick."""

    reason: Reason
    french_name: str | None
    departement: str | None
    partner_name: str | None
    country_text: str | None
    country_code: str | None
    since: str | None
    homonyms: list[Candidate] = field(default_factory=list)  # the row's French name, several communes
    suggestions: list[Candidate] = field(default_factory=list)  # near spellings of an unknown name
    known: list[dict] = field(default_factory=list)  # the collectivité's partnerships in that country


@dataclass
class Outcome:
    """A mend's result: recorded (`partnership_id`, `verdict`) or still rejected (`reason`)."""

    mended: bool
    reason: Reason | None = None
    partnership_id: str | None = None
    verdict: str | None = None  # "mended" (a new partnership) or "mended, merged"


# --- reading rejects ---------------------------------------------------------------------

def _reject(found: dict | None, registry: Registry | None = None) -> dict | None:
    """A rejected row with its key and, when `registry` is given, how its sheet was read (to
    rebuild the row the same way)."""
    if found is None:
        return None
    found["key"] = (found["file_hash"], found["sheet"], found["row"])
    if registry is not None:
        found["layout"] = registry.layout(found["file_hash"], found["sheet"])
    return found


def reject(registry: Registry, rowid: int) -> dict | None:
    """A rejected row by its SQLite rowid (the staff pages' address for it), raw values parsed."""
    return _reject(registry.reject(rowid=rowid), registry)


def reject_by_key(registry: Registry, key: RejectKey) -> dict | None:
    return _reject(registry.reject(key=key), registry)


def file_counts(registry: Registry) -> list[dict]:
    """Per survey file, what became of its rows: accepted, merged, mended, rejected; they add up."""
    counts: dict[str, dict] = {}
    blank = {"accepted": 0, "merged": 0, "mended": 0, "rejected": 0}
    for source, verdicts in registry.verdicts_per_file().items():
        entry = counts.setdefault(source, dict(blank, source=source))
        for verdict, n in verdicts.items():
            kind = "mended" if verdict.startswith("mended") else verdict
            entry[kind] = entry.get(kind, 0) + n
    for entry in counts.values():
        entry["rows"] = entry["accepted"] + entry["merged"] + entry["mended"] + entry["rejected"]
    return sorted(counts.values(), key=lambda e: e["source"])


def rejects_page(registry: Registry, source: str | None = None, page: int = 1, per_page: int = 50) -> dict:
    """One page of rejected rows, of one file or all, with the total and the page count."""
    total = registry.reject_count(source)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    items = [_reject(r) for r in registry.rejects_of(source, per_page, (page - 1) * per_page)]
    return {"rows": items, "total": total, "page": page, "pages": pages, "source": source}


# --- a row rebuilt from its raw cells ------------------------------------------------------

def rebuild_frame(found: dict, columns: ColumnMap) -> pd.DataFrame:
    """The canonical one-row frame of a rejected row, as reading its file made it.

    The raw values keep the original headers in order (empty cells left out). The mapping is
    the one ingest recorded for the row's sheet, columns recognised by their content included;
    for a file read before mappings were kept, the headers alone.
    """
    header = list(found["raw"])
    values = [found["raw"][name] for name in header]
    layout = found.get("layout")
    mapping = ({i: tuple(layout[name]) for i, name in enumerate(header) if name in layout} if layout
               else columns.map_header(header))
    chunk = rows_chunk(found["source"], found["sheet"], header, [values], found["row"], mapping, columns.checked)
    return chunk.frame.reset_index(drop=True)


class _Chosen:
    """Stands in for FrenchPlaces in resolve_places: the collectivité staff picked."""

    def __init__(self, place: Collectivite):
        self.place = place

    def resolve(self, *args, **kwargs) -> Collectivite:
        return self.place


def _rerun(found: dict, references: References, columns: ColumnMap, corrections: dict,
           place: Collectivite | None) -> dict:
    """The row through normalize and resolve, with the corrections replacing what was read."""
    frame = rebuild_frame(found, columns)
    for name, value in corrections.items():
        frame[name] = pd.Series([value], dtype=object)
    if place is not None and ("french_name" not in frame or frame.at[0, "french_name"] in (None, "")):
        frame["french_name"] = pd.Series([place.name], dtype=object)
    frame = normalize_frame(frame, references.vocabulary)
    if found["reason"].code in STICKY_REASONS and not isinstance(frame.at[0, "reason"], str):
        frame["reason"] = pd.Series([found["reason"]], dtype=object)
    if place is not None:
        references = replace(references, places=_Chosen(place))
    frame = resolve_places(frame, references)
    return frame.to_dict("records")[0]


def _as_read(frame: pd.DataFrame, name: str) -> str | None:
    if name not in frame:
        return None
    return clean(frame.at[0, name])


# --- what staff can pick --------------------------------------------------------------------

def candidates(registry: Registry, found: dict, references: References,
               columns: ColumnMap | None = None, limit: int = 8) -> Review:
    """For a rejected row: the homonyms when its French side is ambiguous, else near spellings
    of its French name; its country as read and the ISO code guessed; the partnerships the
    collectivité already has in that country (the row may be one of them)."""
    frame = rebuild_frame(found, columns or ColumnMap.load())
    name, dep = _as_read(frame, "french_name"), _as_read(frame, "departement")
    country_text = _as_read(frame, "partner_country")
    review = Review(found["reason"], name, dep, _as_read(frame, "partner_name"), country_text,
                    references.countries.code(country_text) if country_text else None,
                    _as_read(frame, "since"))
    places = references.places
    place = None
    try:
        place = places.resolve(name, dep, _as_read(frame, "french_code"), _as_read(frame, "french_type"))
    except Ambiguous as error:
        review.homonyms = [_commune(places, code) for code in error.codes]
    except UnresolvedPlace:
        if name:
            review.suggestions = near_communes(references, name, places.departement_code(dep) if dep else None, limit)
    if place is not None:
        review.suggestions = [Candidate(place.french_id, place.name, place.departement)]
    french_ids = [c.french_id for c in (review.homonyms or review.suggestions)]
    if french_ids and review.country_code:
        review.known = registry.matching({"french_id": french_ids, "country": review.country_code})
    return review


def _commune(places, code: str) -> Candidate:
    record = places.commune_record(code)
    return Candidate(record.french_id, record.name, record.departement)


def near_communes(references: References, name: str, departement: str | None = None,
                  limit: int = 8) -> list[Candidate]:
    """Communes whose name is near `name`, those of the département first."""
    places = references.places
    folded = fold_place(re.sub(r"\s*[(\[][^)\]]*[)\]]\s*$", "", name) or name)  # `Nancy (54)`: no hint
    found = process.extract(folded, list(places.commune_names), scorer=fuzz.WRatio, score_cutoff=80, limit=limit * 3)
    listed: list[Candidate] = []
    for spelling, _, _ in found:
        for code, dep, current in places.commune_names[spelling]:
            if current and code in places.communes.index:
                listed.append(_commune(places, code))
    listed = list(dict.fromkeys(listed))
    listed.sort(key=lambda c: c.departement != departement)  # stable: score order within
    return listed[:limit]


def find_collectivite(text: str, references: References) -> Collectivite:
    """What staff typed as the French side: `commune:14446`, an INSEE code, a SIREN, a
    département or région code with its level (`departement:14`), or a name as surveys
    write them (`Montigny (14)`); UnresolvedPlace with a reason otherwise."""
    text = text.strip()
    places = references.places
    if re.fullmatch(r"(commune|departement|region|epci):[0-9AB]+", text, re.I):
        found = places.record(text.lower().replace("2a", "2A").replace("2b", "2B"))
        if found is None:
            raise UnresolvedPlace(Reason("unknown_french_code", code=text))
        return found
    if re.fullmatch(r"\d[\dAB]\d{3}|\d{9}", text, re.I):
        return places.resolve(None, code=text)
    return places.resolve(text)


def country_choices(references: References, lang: str = "fr") -> list[tuple[str, str]]:
    """(ISO code, name) of every country in the page's language, in alphabetical order."""
    table = references.countries.table
    names = table["name_en" if lang == "en" else "name_fr"]
    return sorted(((code, name) for code, name in names.items() if code != "FR" and isinstance(name, str) and name),
                  key=lambda pair: fold(pair[1]))


# --- mending a rejected row --------------------------------------------------------------

def _file_date(found: dict) -> str:
    """The survey's date as ingest gave it: the year in the file's name, else the day it
    was ingested (ingest took the file's date on disk, which the registry does not keep)."""
    if m := re.search(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)", found["source"].rsplit(".", 1)[0]):
        return m.group(1)
    return (found.get("ingested_at") or now())[:10]


def mend(registry: Registry, reject_key: RejectKey, references: References, columns: ColumnMap,
         french_id: str | None = None, country: str | None = None, partner_name: str | None = None,
         since: str | None = None, user: str = "") -> Outcome:
    """Run a rejected row again with staff's corrections; record it if it now passes.

    `french_id` is the collectivité picked, `country` an ISO code, `partner_name` and
    `since` replace what the survey wrote. A row that passes becomes a new partnership or
    merges into the existing one, with a `sources` row (verdict "mended" or "mended,
    merged") and history entries naming `staff: <user>`; its reject is deleted, all in one
    transaction. A row that still fails keeps its reject and the outcome gives the reason.

    >>> mend(registry, ("9f…", "", 221), references, ColumnMap.load(),
    ...      french_id="commune:14446", user="agent@reseau.fr").verdict
    'mended'
    """
    place = None
    if french_id:
        place = references.places.record(french_id)
        if place is None:
            return Outcome(False, Reason("unknown_french_code", code=french_id))
    corrections = {name: value.strip() for name, value in
                   (("partner_country", country), ("partner_name", partner_name), ("since", since))
                   if value and value.strip()}
    with registry.transaction():  # BEGIN IMMEDIATE: no other writer between the read and the write
        found = reject_by_key(registry, reject_key)
        if found is None:
            return Outcome(False, Reason("no_such_reject"))
        row = _rerun(found, references, columns, corrections, place)
        if row["reason"]:
            return Outcome(False, row["reason"])
        stamp = now()
        survey_date = row_date(row.get("submitted")) or _file_date(found)
        known = registry.keyed([(row["french_id"], row["partner_country"], row["partner_key"])])
        record, changes = record_row(row, known, survey_date, (found["source"], found["sheet"], found["row"]),
                                     references, stamp)
        history, verdict = (changes, "mended, merged") if changes is not None else ([], "mended")
        as_read = rebuild_frame(found, columns)
        staff = (f"staff: {user}" if user else "staff", found["sheet"], found["row"], stamp)
        history.append(HistoryEntry(record["id"], "mended", found["reason"], verdict, *staff))
        if place is not None:
            history.append(HistoryEntry(record["id"], "french_id", _as_read(as_read, "french_name"), place.french_id, *staff))
        for name, value in corrections.items():
            if value != _as_read(as_read, name):
                history.append(HistoryEntry(record["id"], name, _as_read(as_read, name), value, *staff))
        source = source_entry(record["id"], (found["source"], found["file_hash"], found["sheet"], found["row"]),
                              survey_date, verdict, row, found["raw_json"], stamp)
        registry.forget_reject(reject_key)
        registry.save([record], [source], [], history)
    return Outcome(True, None, record["id"], verdict)
