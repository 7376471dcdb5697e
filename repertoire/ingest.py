"""Survey files → registry: read, normalize, resolve, merge; one report per file."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Iterable

import orjson
import pandas as pd

from . import readback
from .collector import collector_paused
from .columns import ColumnMap
from .gazetteer import Gazetteer
from .model import FileReport, HistoryEntry, Reject
from .normalize import Vocabulary, count_unmapped, normalize_frame
from .places import Countries, FrenchPlaces, UnresolvedPlace
from .reasons import Reason
from .same_place import merge_same_places
from .placenames import french_name, french_region, native_name
from .registry import Registry, now, partnership_id
from .surveys import SurveyError, check_file, read_survey
from .text import fold

# Fields a later survey overwrites; themes and keywords are united instead.
UPDATED_FIELDS = ("partner_name", "partner_region", "kind", "status", "since", "since_date",
                  "until", "description", "projects", "funding", "contacts")
REPORTED_REJECTS = 1000  # a report keeps this many in memory; memory stays bounded on huge files
ROW_VALUES = ("french_id", "partner_name", "partner_country", "since", "kind", "status", "themes")


def _to_json(value) -> str:
    """A row's cells as JSON text (twice a row: its values, its raw cells): orjson, eight times
    the standard encoder's speed; a value JSON has no type for is written as its text."""
    return orjson.dumps(value, default=str).decode()


@dataclass
class References:
    """What ingestion looks things up in, loaded once."""

    places: FrenchPlaces = field(default_factory=FrenchPlaces)
    countries: Countries = field(default_factory=Countries)
    gazetteer: Gazetteer = field(default_factory=Gazetteer)
    vocabulary: Vocabulary = field(default_factory=Vocabulary)


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def survey_date_of(path: Path) -> str:
    """When a file reports: a year in its name (`reponses-2019.csv`), else its date on disk."""
    if m := re.search(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)", path.stem):
        return m.group(1)
    return date.fromtimestamp(path.stat().st_mtime).isoformat()


def ingest_files(registry: Registry, paths: Iterable[Path | str], references: References | None = None,
                 columns: ColumnMap | None = None,
                 progress: Callable[[Path, float], None] | None = None,
                 saved: Callable[[Iterable[dict]], None] | None = None) -> list[FileReport]:
    """Ingest survey files in order; a later report of a link merges into it.

    A file that cannot be read gets a report with `error` set; the others go on.
    `progress(path, share)` is called as each block of rows is recorded, `saved(partnerships)`
    with the partnerships each block wrote (in the file's transaction: they may be rolled
    back; index/feed.py indexes them meanwhile and checks them against the registry after).
    """
    references = references or References()
    columns = columns or ColumnMap.load()
    reports = []
    for path in map(Path, paths):
        report = FileReport(path.name)
        try:
            _ingest_file(registry, path, references, columns, report, progress, saved)
            # one link written twice (same_place.py), settled by a rule strong enough to apply
            # alone: such a row merged into its link, and the report says so
            settled = len(merge_same_places(registry))
            report.accepted, report.merged = report.accepted - settled, report.merged + settled
        except SurveyError as error:
            report.error = str(error)
        except (OSError, UnicodeError, ValueError) as error:
            report.error = f"unreadable file ({error.__class__.__name__}: {error})"
        reports.append(report)
    return reports


@collector_paused()
def _ingest_file(registry: Registry, path: Path, references: References, columns: ColumnMap,
                 report: FileReport, progress, saved=None) -> None:
    """One file, one transaction (issue 6): until the whole file is recorded, readers see the
    registry as before, and a failure or a kill -9 at any moment leaves it as before. Each
    block of rows is still written as it is worked on, so memory stays bounded."""
    check_file(path)  # before hashing: a device or a pipe would never end
    digest = file_hash(path)
    from . import campaign  # builds on this module: imported when used
    answer = campaign.read_answer(path) if campaign.is_campaign_workbook(path) else None
    exported = None if answer is not None else readback.file_edition(path)  # an export of this app
    try:
        with registry.transaction():
            if exported:
                _record_export(registry, path, digest, references, report, progress)
            else:
                chunks = None if answer is None else campaign.record_answer(registry, path, digest, answer, references, report)
                _record_file(registry, path, digest, references, columns, report, progress, chunks, saved)
    except BaseException:
        # Nothing of the file was recorded: its report counts no row either.
        report.read = report.accepted = report.merged = report.rejected = report.unchanged = 0
        report.rejects.clear()
        report.unmapped.clear()
        report.cut.clear()
        raise


def _record_file(registry: Registry, path: Path, digest: str, references: References, columns: ColumnMap,
                 report: FileReport, progress, chunks: Iterable | None = None, saved=None) -> None:
    """Record the rows of a file (`chunks`: rows already read, as a campaign answer's new ones)."""
    seen = registry.seen_rows(digest)
    file_date = survey_date_of(path)
    absent: set[tuple[str, str]] = set()  # partners the registry has no point for (place_from_registry)
    for chunk in read_survey(path, columns, references) if chunks is None else chunks:
        if chunk.sheet not in report.sheets:
            report.sheets.append(chunk.sheet)
            registry.save_layout(digest, chunk.sheet, chunk.layout)  # how a reject is rebuilt (review.py)
        if seen:  # a file ingested before: only rows not yet recorded are worked on
            fresh = [(chunk.sheet, row) not in seen for row in chunk.frame["row"]]
            report.read += len(fresh) - sum(fresh)
            report.unchanged += len(fresh) - sum(fresh)
            chunk.frame, chunk.raw = chunk.frame[fresh].reset_index(drop=True), chunk.raw[fresh].reset_index(drop=True)
            if chunk.frame.empty:
                if progress:
                    progress(path, chunk.done)
                continue
        frame = normalize_frame(chunk.frame.copy(), references.vocabulary)
        frame = resolve_places(frame, references)
        accepted = frame[frame["reason"].isna()]
        count_unmapped(report.unmapped, accepted)
        known = registry.keyed(zip(accepted["french_id"], accepted["partner_country"], accepted["partner_key"]))
        touched: dict[str, dict] = {}
        sources, rejects, history = [], [], []
        stamp = now()
        raw_records = _records(chunk.raw)
        for position, row in enumerate(_records(frame)):
            report.read += 1
            raw = {k: v for k, v in raw_records[position].items() if v not in (None, "")}
            raw_json = _to_json(raw)
            if row["reason"]:
                report.rejected += 1
                if len(report.rejects) < REPORTED_REJECTS:  # all of them are in the registry
                    report.rejects.append(Reject(path.name, chunk.sheet, row["row"], row["reason"], raw))
                rejects.append((path.name, digest, chunk.sheet, row["row"], row["reason"], raw_json, stamp))
                continue
            if row.get("cut") and len(report.cut) < REPORTED_REJECTS:
                report.cut.append(f"{chunk.sheet + ', ' if chunk.sheet else ''}row {row['row']}: {row['cut']} characters")
            survey_date = row_date(row.get("submitted")) or file_date
            record, changes = record_row(row, known, survey_date, (path.name, chunk.sheet, row["row"]), references, stamp)
            verdict = "merged" if changes is not None else "accepted"
            if changes is None:
                report.accepted += 1
            else:
                history += changes
                report.merged += 1
            touched[record["id"]] = record
            sources.append(source_entry(record["id"], (path.name, digest, chunk.sheet, row["row"]), survey_date,
                                        verdict, row, raw_json, stamp))
        place_from_registry(registry, touched.values(), absent)
        registry.save(touched.values(), sources, rejects, history)
        if saved:
            saved(touched.values())
        if progress:
            progress(path, chunk.done)


def _record_export(registry: Registry, path: Path, digest: str, references: References, report: FileReport,
                   progress) -> None:
    """An export of this app (readback.py): each row is a partnership as it was exported, its
    identity, place and coordinates kept; a link the registry knows merges as a survey's would."""
    seen = registry.seen_rows(digest)
    file_date = survey_date_of(path)
    report.sheets.append("")
    for share, block in readback.read(path):
        fresh = [(n, found, raw) for n, found, raw in block if ("", n) not in seen]
        report.read += len(block) - len(fresh)
        report.unchanged += len(block) - len(fresh)
        records = [found for _, found, _ in fresh if isinstance(found, dict)]
        known = registry.keyed((r["french_id"], r["partner_country"], r["partner_key"]) for r in records)
        touched: dict[str, dict] = {}
        sources, rejects, history = [], [], []
        stamp = now()
        for number, found, raw in fresh:
            report.read += 1
            raw_json = _to_json(raw)
            if isinstance(found, str):
                report.rejected += 1
                if len(report.rejects) < REPORTED_REJECTS:
                    report.rejects.append(Reject(path.name, "", number, found, raw))
                rejects.append((path.name, digest, "", number, found, raw_json, stamp))
                continue
            survey_date = found.get("survey_date") or file_date
            key = (found["french_id"], found["partner_country"], found["partner_key"])
            record = known.get(key)
            if record is None:
                record = known[key] = found | {"id": partnership_id(*key), "survey_date": survey_date,
                                               "created_at": stamp, "updated_at": stamp}
                report.accepted += 1
                verdict = "accepted"
            else:
                history += merge_into(record, found, survey_date, (path.name, "", number), stamp)
                report.merged += 1
                verdict = "merged"
            touched[record["id"]] = record
            sources.append(source_entry(record["id"], (path.name, digest, "", number), survey_date, verdict,
                                        found, raw_json, stamp))
        registry.save(touched.values(), sources, rejects, history)
        if progress:
            progress(path, share)


def record_row(row: dict, known: dict, survey_date: str, origin: tuple, references: References,
               stamp: str) -> tuple[dict, list[HistoryEntry] | None]:
    """The partnership an accepted row reports, and the changes it made to a known one
    (None when the row makes a new partnership, then added to `known`)."""
    key = (row["french_id"], row["partner_country"], row["partner_key"])
    record = known.get(key)
    if record is None:
        known[key] = new_partnership(row, survey_date, references, stamp)
        return known[key], None
    return record, merge_into(record, row, survey_date, origin, stamp)


def source_entry(pid: str, origin: tuple[str, str, str, int], survey_date: str, verdict: str, row: dict,
                 raw_json: str, stamp: str) -> tuple:
    """The `sources` row of a survey row: (file, file hash, sheet, row) it came from, what it said."""
    values = _to_json({k: row.get(k) for k in ROW_VALUES})
    return (pid, *origin, survey_date, verdict, values, raw_json, stamp)


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts of Python values, faster than DataFrame.to_dict (no per-cell boxing)."""
    columns = list(frame.columns)
    values = [frame[c].tolist() for c in columns]
    return [dict(zip(columns, row)) for row in zip(*values)]


def row_date(value: str | None) -> str | None:
    """A form's submission date as an ISO date."""
    if value and (m := re.match(r"(\d{4})-(\d\d)-(\d\d)", value)):
        return m.group(0)
    if value and (m := re.match(r"(\d{1,2})/(\d{1,2})/(\d{4})", value)):
        return f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}"
    return None


def resolve_places(frame: pd.DataFrame, references: References) -> pd.DataFrame:
    """French side → official id, partner country → ISO code; failures become reasons."""
    countries = [references.countries.code(v) if v else None for v in _column(frame, "partner_country")]
    partners = [fold(v) if v else None for v in _column(frame, "partner_name")]
    french, reasons = [], []
    for name, dep, code, kind, reason, country, partner, since in zip(
            _column(frame, "french_name"), _column(frame, "departement"), _column(frame, "french_code"),
            _column(frame, "french_type"), _column(frame, "reason"), countries, partners,
            _column(frame, "since")):
        if reason:
            french.append(None)
            reasons.append(reason)
            continue
        try:
            french.append(references.places.resolve(name, dep, code, kind, (country, partner, str(int(since)) if since else "")))
            reasons.append(None)
        except UnresolvedPlace as error:
            french.append(None)
            reasons.append(error.reason)
    for at, (written, code) in enumerate(zip(_column(frame, "partner_country"), countries)):
        if reasons[at] is None and code is None:
            reasons[at] = Reason("unknown_country", text=written)
        elif reasons[at] is None and code == "FR":
            reasons[at] = Reason("domestic_pair")
    frame["reason"] = pd.Series(reasons, index=frame.index, dtype=object)
    countries = pd.Series(countries, index=frame.index, dtype=object)
    frame["partner_country"] = countries
    frame["collectivite"] = pd.Series(french, index=frame.index, dtype=object)
    frame["french_id"] = pd.Series([c.french_id if c else None for c in french], index=frame.index, dtype=object)
    frame["partner_key"] = pd.Series(partners, index=frame.index, dtype=object)
    return frame.astype(object).where(frame.notna(), None)


def _column(frame: pd.DataFrame, name: str) -> list:
    """A column as Python values, None for missing (pandas 3 keeps missing text as NaN)."""
    if name not in frame:
        return [None] * len(frame)
    return [None if v is None or v != v else v for v in frame[name]]


def new_partnership(row: dict, survey_date: str, references: References, stamp: str) -> dict:
    """A partnership from its first report, placed on both sides."""
    place = row["collectivite"]
    record = {
        "id": partnership_id(row["french_id"], row["partner_country"], row["partner_key"]),
        "french_id": place.french_id, "french_name": place.name, "french_type": place.type,
        "departement": place.departement, "region": place.region,
        "french_lat": place.lat, "french_lon": place.lon,
        "partner_key": row["partner_key"], "partner_country": row["partner_country"],
        "themes": row["themes"] or "", "keywords": row["keywords"] or "",
        "survey_date": survey_date, "created_at": stamp, "updated_at": stamp,
    }
    for name in UPDATED_FIELDS:
        record[name] = row.get(name)
    place_partner(record, references.gazetteer)
    return record


def place_from_registry(registry: Registry, records: Iterable[dict], absent: set | None = None) -> None:
    """A partner the gazetteer cannot place takes the point the registry already has for it
    (placed by staff on /staff/localiser, or by an earlier survey): one click serves its
    later links too.

    `absent`, kept by the caller over one transaction's blocks of rows: the (country, key)
    pairs the registry had no point for, not asked again; a pair leaves it once one of these
    records has a point (the transaction's own writes are the only ones it sees)."""
    records = list(records)
    absent = set() if absent is None else absent
    unplaced = [r for r in records if r.get("partner_lat") is None]
    asked = {(r["partner_country"], r["partner_key"]) for r in unplaced} - absent
    points = registry.partner_points(asked) if asked else {}
    absent |= asked - points.keys()
    for record in unplaced:
        if point := points.get((record["partner_country"], record["partner_key"])):
            record["partner_lat"], record["partner_lon"] = point
    absent -= {(r["partner_country"], r["partner_key"]) for r in records if r.get("partner_lat") is not None}


def place_partner(record: dict, gazetteer: Gazetteer) -> None:
    """Partner coordinates, region and native-script name from the gazetteer."""
    name = record["partner_name"]
    if not _is_latin(name):
        record["partner_native"] = name
    found = gazetteer.place(name, record["partner_country"], region=record.get("partner_region"),
                            french_id=record.get("french_id"))  # the row's context settles homonyms
    if found:
        record["partner_lat"], record["partner_lon"] = found.lat, found.lon
        record["partner_geonameid"] = found.geonameid or None  # 0: an area, or a twinning list's point
        if not record.get("partner_region"):
            record["partner_region"] = french_region(record["partner_country"], found.region)
        record.setdefault("partner_native", None)
        if not record.get("partner_native"):  # only from a source tied to that place (placenames)
            record["partner_native"] = native_name(found.geonameid, name)
        if french := french_name(found.geonameid, name):  # Munich for München, Tanger for Tangier:
            record["partner_name"] = french  # the survey's spelling stays the partner_key, searched too


def _is_latin(text: str) -> bool:
    return text.isascii() or all(ord(c) < 0x0370 or 0x1E00 <= ord(c) <= 0x1EFF for c in text)


def merge_into(record: dict, row: dict, survey_date: str, origin: tuple, stamp: str) -> list[HistoryEntry]:
    """A later report of the same link: later values win, themes are united, changes kept."""
    changes = []
    later = survey_date >= (record.get("survey_date") or "")
    for name in UPDATED_FIELDS:
        new, old = row.get(name), record.get(name)
        if new is None or new == old or (old is not None and not later):
            continue
        if name == "partner_name" and french_name(record.get("partner_geonameid"), new) == old:
            continue  # a spelling that gives way to the French name shown (München: Munich)
        record[name] = new
        changes.append(HistoryEntry(record["id"], name, _text(old), _text(new), *origin, stamp))
    for name in ("themes", "keywords"):
        old = record.get(name) or ""
        united = ";".join(dict.fromkeys([v for v in old.split(";") + (row.get(name) or "").split(";") if v]))
        if united != old:
            record[name] = united
            changes.append(HistoryEntry(record["id"], name, old, united, *origin, stamp))
    if later:
        record["survey_date"] = survey_date
    if changes:
        record["updated_at"] = stamp
    return changes


def _text(value) -> str | None:
    return None if value is None else str(value)
