"""What ingesting survey files would do, written nowhere: per sheet, each column → field with
its confidence and sample values, the questions, and what the rows would become.

The rows go through ingest's own steps (surveys.read_tables → normalize_frame →
resolve_places), so the prediction is what `repertoire ingest` does: a row is `accepted` (a
new partnership), `merged` (its link is already in the registry, or earlier in the files
inspected) or `rejected` with a reason; rows of a file already ingested are `unchanged`.
The staff upload page shows this before anything is written, and saves a corrected mapping
with templates.TemplateStore; `repertoire inspect` prints it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from . import campaign
from .columns import ColumnMap, Layout
from .filecheck import SurveyError
from .ingest import References, file_hash, place_partner, resolve_places
from .normalize import normalize_frame
from .reasons import FIELD_PARAMS, Reason
from .registry import Registry
from .same_place import same_link
from .surveys import read_tables

EXAMPLES = 3  # rejected rows shown per reason
_REASON = re.compile(r"\s*(?::|'|\"|«|\(| in département).*$", re.S)


def reason_kind(reason: str) -> str:
    """A reject reason without the survey's words in it: its code, with the field it names
    (`unknown_country`, `missing_field(partner_country)`); for a reason known only by its
    sentence, the sentence cut before them (`unknown country: Xyz` → `unknown country`)."""
    if isinstance(reason, Reason) and reason.code:
        named = [reason.params[name] for name in FIELD_PARAMS if name in reason.params]
        return f"{reason.code}({', '.join(named)})" if named else reason.code
    return _REASON.sub("", reason).strip() or reason


@dataclass
class SheetInspection:
    """One table of a file: its layout and the predicted verdicts of its rows."""

    sheet: str
    header_row: int
    layout: Layout
    problem: str | None = None  # why the sheet would not be read (a required column missing)
    read: int = 0
    accepted: int = 0
    merged: int = 0
    rejected: int = 0
    unchanged: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    examples: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"sheet": self.sheet, "header_row": self.header_row, "problem": self.problem,
                **self.layout.to_dict(),
                "rows": {"read": self.read, "accepted": self.accepted, "merged": self.merged,
                         "rejected": self.rejected, "unchanged": self.unchanged},
                "reasons": dict(sorted(self.reasons.items(), key=lambda r: -r[1])),
                "examples": [e | {"reason": Reason.of(e["reason"]).to_dict()} for e in self.examples]}


@dataclass
class FileInspection:
    """One file: its sheets, or the error that stops it being read (one message)."""

    source: str
    path: str
    sheets: list[SheetInspection] = field(default_factory=list)
    error: str | None = None
    campaign: dict | None = None  # a campaign answer (campaign.py): what it would confirm, change, end, add

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict:
        return {"source": self.source, "path": self.path, "error": self.error,
                "sheets": [s.to_dict() for s in self.sheets], "campaign": self.campaign}


def inspect_files(paths: Iterable[Path | str], references: References | None = None,
                  columns: ColumnMap | None = None, registry: Registry | None = None,
                  max_rows: int | None = None) -> list[FileInspection]:
    """Inspect survey files in order, writing nothing; a link reported twice counts as merged.

    `registry` (read only) tells which links exist already; `max_rows` bounds the rows
    predicted per sheet (None: all).

    >>> [result] = inspect_files(["tests/fixtures/reponses-2019.csv"], References(), ColumnMap.load())
    >>> result.sheets[0].layout.columns[3].field, result.sheets[0].accepted > 0
    ('partner_country', True)
    """
    references = references or References()
    columns = columns or ColumnMap.load()
    earlier = _Seen()
    results = []
    for path in map(Path, paths):
        result = FileInspection(path.name, str(path))
        try:
            if campaign.is_campaign_workbook(path):  # read back as confirmations and changes, not as rows
                result.campaign = campaign.preview(registry, path, references)
                results.append(result)
                continue
            _inspect_file(path, references, columns, registry, max_rows, earlier, result)
        except SurveyError as error:
            result.error = str(error)
        except (OSError, UnicodeError, ValueError) as error:
            result.error = f"unreadable file ({error.__class__.__name__}: {error})"
        if result.error is None:
            problems = [s.problem for s in result.sheets if s.problem]
            if problems:
                result.error = problems[0]  # what ingest would say, and stop at
            elif not any(s.read for s in result.sheets):
                result.error = "headers only: no data rows under the header"
        results.append(result)
    return results


def _inspect_file(path: Path, references: References, columns: ColumnMap, registry: Registry | None,
                  max_rows: int | None, earlier: _Seen, result: FileInspection) -> None:
    seen = registry.seen_rows(file_hash(path)) if registry is not None else set()
    for table in read_tables(path, columns, references):
        sheet = SheetInspection(table.sheet, table.header_row, table.layout, table.problem())
        result.sheets.append(sheet)
        if sheet.problem:
            continue
        for chunk in table.chunks():
            frame = chunk.frame
            if max_rows is not None:
                frame = frame.head(max(0, max_rows - sheet.read))
            fresh = [(chunk.sheet, row) not in seen for row in frame["row"]]
            sheet.read += len(fresh)
            sheet.unchanged += len(fresh) - sum(fresh)
            frame = frame[fresh].reset_index(drop=True)
            if not frame.empty:
                _predict(frame, references, registry, earlier, sheet)
            if max_rows is not None and sheet.read >= max_rows:
                break


@dataclass
class _Seen:
    """Links the files inspected so far would have made: by key, and by the gazetteer place of
    their partner (a new spelling of one of them merges by the same-place rule)."""

    keys: set = field(default_factory=set)
    places: dict = field(default_factory=dict)


_PLACE_FIELDS = ["french_id", "partner_country", "partner_geonameid", "partner_name", "partner_key"]


def _predict(frame, references: References, registry: Registry | None, seen: _Seen,
             sheet: SheetInspection) -> None:
    """Verdicts of a block of rows, as ingest would give them (same_place.py's rule included:
    a new link whose partner the gazetteer puts on the place of one of its collectivité's
    links, under a name sharing a word with it, is that link written again)."""
    frame = resolve_places(normalize_frame(frame.copy(), references.vocabulary), references)
    keys = list(zip(frame["french_id"], frame["partner_country"], frame["partner_key"]))
    accepted = [k for k, reason in zip(keys, frame["reason"]) if not reason]
    known = set(registry.keyed(accepted)) if registry is not None and accepted else set()
    fresh = [k for k in accepted if k not in known and k not in seen.keys]
    existing: dict[tuple, list[dict]] = {}
    if registry is not None and fresh:
        for p in registry.matching({"french_id": sorted({k[0] for k in fresh})}, columns=_PLACE_FIELDS, order=()):
            existing.setdefault((p["french_id"], p["partner_country"], p["partner_geonameid"]), []).append(p)
    records = {k: r for k, r in zip(keys, frame.to_dict("records"))}
    for key, reason, row in zip(keys, frame["reason"], frame["row"]):
        if reason:
            sheet.rejected += 1
            kind = reason_kind(reason)
            sheet.reasons[kind] = sheet.reasons.get(kind, 0) + 1
            if sum(1 for e in sheet.examples if e["kind"] == kind) < EXAMPLES:
                sheet.examples.append({"row": int(row), "kind": kind, "reason": reason})
        elif key in known or key in seen.keys:
            sheet.merged += 1
        else:
            seen.keys.add(key)
            record = _placed(records[key], references)
            place = (record["french_id"], record["partner_country"], record.get("partner_geonameid"))
            others = existing.get(place, []) + seen.places.get(place, [])
            if record.get("partner_geonameid") and any(same_link(record, other) for other in others):
                sheet.merged += 1
            else:
                sheet.accepted += 1
                seen.places.setdefault(place, []).append(record)


def _placed(row: dict, references: References) -> dict:
    """The fields of a row the same-place rule compares, the partner placed as ingest places it."""
    record = {"french_id": row["french_id"], "partner_country": row["partner_country"],
              "partner_key": row["partner_key"], "partner_name": row.get("partner_name"),
              "partner_region": row.get("partner_region") or None}
    place_partner(record, references.gazetteer)
    return record


def format_inspection(result: FileInspection) -> str:
    """An inspection as text: one line per column, the questions, the predicted verdicts."""
    lines = [result.source]
    for sheet in result.sheets:
        saved = ", saved template" if sheet.layout.saved else ""
        where = f"sheet {sheet.sheet!r}, " if sheet.sheet else ""
        lines.append(f"  {where}header on row {sheet.header_row} (signature {sheet.layout.signature}{saved})")
        for column in sheet.layout.columns:
            field = (f"{column.field} [{column.label}]" if column.label else column.field) or "-"
            sample = " | ".join(value[:25] for value in column.sample)
            lines.append(f"    {column.name[:38]:38} → {field:22} {column.confidence:4.2f}  {sample}")
        for question in sheet.layout.questions:
            guesses = ", ".join(f"{name}? ({score:.2f})" for name, score in question.alternatives[:3])
            lines.append(f"    question: {question.name!r} ({' | '.join(question.sample)}): {guesses}")
        if not sheet.problem:
            lines.append(f"    rows: {sheet.read} read → {sheet.accepted} accepted, {sheet.merged} merged, "
                         f"{sheet.rejected} rejected" + (f", {sheet.unchanged} unchanged" if sheet.unchanged else ""))
            for reason, count in sorted(sheet.reasons.items(), key=lambda r: -r[1]):
                lines.append(f"      {count:6} {reason}")
    if c := result.campaign:
        lines.append(f"  campaign answer of {c['survey_date']} ({', '.join(c['french_ids'][:5])}"
                     + (", …" if len(c["french_ids"]) > 5 else "") + ")")
        if "confirmed" in c:
            lines.append(f"    known partnerships: {c['confirmed']} confirmed unchanged, {c['changed']} changed, "
                         f"{c['ended']} ended ({c['deleted']} by a deleted row), {c['rejected']} rejected")
        lines.append(f"    new rows: {c['new_rows']} (read as any survey row at ingest)")
    if result.error:
        lines.append(f"  ERROR — {result.error}")
    return "\n".join(lines)
