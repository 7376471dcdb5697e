"""The yearly survey campaign: pre-filled workbooks out, answers back as confirmations and changes.

A collectivité used to answer the survey from scratch, so the same links came back with new
spellings every year and dormant links never left. Here it receives its current partnerships
already written (`write_workbook`), each row carrying the partnership's id in a hidden column
and the values it was sent with in a hidden sheet. Reading the answer back (`read_answer`,
then `apply_answer`, called by `ingest`) compares each row with what was *sent*, not with
the registry of today, so only what the collectivité edited changes:

- a row as sent → no change, one history entry `confirmed` dated by the answer;
- an edited status, year, theme… → exactly that change, in the history, dated by the answer;
- a row deleted, or marked « Terminé » → status `termine`, never a deletion;
- rows of the « Nouveaux partenariats » sheet → new partnerships through the usual checks
  (returned as survey chunks for ingest.py to record as any survey row).

The web form (web/campaign.py) builds the same `Answer` and goes through the same code.
Events (sent, answered) are kept in the registry's `campaign_events` table; a link whose last
confirmation (a survey reporting it, or a campaign answer) is older than `STALE_YEARS` is
"à vérifier" (`stale_ids`).
"""
from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Iterable

import pandas as pd

from .editing import EditError, _alias, validate
from .model import KINDS, STATUS_LABELS, THEMES, UNSPECIFIED, FileReport, Reject
from .reasons import Reason
from .registry import Registry, now
from .surveys import SurveyChunk
from .text import fold

FORMAT = "repertoire-campaign/1"
STALE_YEARS = 3
LINKS_SHEET = "Partenariats"
NEW_SHEET = "Nouveaux partenariats"
HELP_SHEET = "Instructions"
STATE_SHEET = "_repertoire"  # very hidden: what was sent
LISTS_SHEET = "_listes"  # hidden: the drop-down lists
NEW_ROWS = 25  # empty rows offered for new partnerships
MIN_THEME_COLUMNS = 3
ANSWER_DATE_CELL = "B6"  # on the instructions sheet, "Date de votre réponse"

# The values a campaign row carries, compared between what was sent and what came back.
COMPARED = ("partner_name", "partner_region", "kind", "status", "since", "until", "themes", "description")

SCHEMA = """
CREATE TABLE IF NOT EXISTS campaign_events (
    id INTEGER PRIMARY KEY, french_id TEXT NOT NULL, event TEXT NOT NULL,
    channel TEXT, detail TEXT, at TEXT NOT NULL
)"""


# --- what was sent and what came back ----------------------------------------------------

@dataclass
class AnswerRow:
    """One row of an answer: an existing partnership (`pid`) or a new one (`pid` None)."""

    sheet: str
    row: int
    values: dict
    pid: str | None = None
    french_id: str | None = None


@dataclass
class Answer:
    """A collectivité's answer, from a workbook or the web form."""

    french_ids: list[str]
    survey_date: str
    sent: dict[str, dict]  # pid → values as sent (COMPARED fields, themes as a list of codes)
    rows: list[AnswerRow] = field(default_factory=list)
    channel: str = "xlsx"


def ensure_tables(registry: Registry) -> None:
    """The campaign table, created on first use (inside any transaction: no executescript)."""
    registry.db.execute(SCHEMA)


def sent_values(record: dict) -> dict:
    """A partnership's values as a campaign row shows them."""
    values = {name: record.get(name) for name in COMPARED}
    values["themes"] = [t for t in (record.get("themes") or "").split(";") if t]
    return values


def links_of(registry: Registry, french_ids: Iterable[str]) -> list[dict]:
    """The partnerships of these collectivités, in the order a workbook lists them."""
    ids = list(french_ids)
    if not ids:  # no filter would be every partnership
        return []
    return registry.matching({"french_id": ids}, order=("french_name", "partner_country", "partner_name"))


def record_event(registry: Registry, french_ids: Iterable[str], event: str, channel: str, detail: str = "") -> None:
    """`sent` or `answered`, per collectivité, for the staff's campaign page."""
    ensure_tables(registry)
    stamp = now()
    with registry.transaction():
        registry.db.executemany("INSERT INTO campaign_events (french_id, event, channel, detail, at) VALUES (?,?,?,?,?)",
                                [(fid, event, channel, detail, stamp) for fid in french_ids])


# --- writing the workbook ----------------------------------------------------------------

def _labels(vocabulary: dict[str, tuple[str, str]]) -> list[str]:
    return [fr for fr, _ in vocabulary.values()]


def _label(vocabulary: dict[str, tuple[str, str]], code: str | None) -> str | None:
    return vocabulary[code][0] if code in vocabulary else None


def write_workbook(registry: Registry, french_ids: list[str], path: Path | str, country_name,
                   names: dict[str, str] | None = None, today: date | None = None) -> int:
    """Write the pre-filled survey of these collectivités to `path`; the number of links in it.

    `country_name(code)` gives a country's French name; `names` the collectivités' names for
    those with no partnership yet (their sheet then only offers new rows).
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    today = today or date.today()
    links = links_of(registry, french_ids)
    names = dict(names or {}) | {r["french_id"]: r["french_name"] for r in links}
    theme_columns = max([MIN_THEME_COLUMNS] + [len(sent_values(r)["themes"]) for r in links])
    header = (["id", "Collectivité française", "Collectivité partenaire", "Pays", "Région ou province",
               "Type de lien", "Statut", "Depuis (année)", "Jusqu'en (année)"]
              + [f"Thématique {n}" for n in range(1, theme_columns + 1)] + ["Description"])
    col = {name: index + 1 for index, name in enumerate(header)}
    bold, grey = Font(bold=True), PatternFill("solid", fgColor="EEEEEE")
    new_fill = PatternFill("solid", fgColor="FFF8DC")
    wrap = Alignment(wrap_text=True, vertical="top")

    book = Workbook()
    help_sheet = book.active
    help_sheet.title = HELP_SHEET
    _write_help(help_sheet, [names.get(f, f) for f in french_ids], today, len(links))

    lists = book.create_sheet(LISTS_SHEET)
    countries = sorted({country_name(code) for code in _all_country_codes(registry)} | {country_name(r["partner_country"]) for r in links})
    columns = {"kinds": _labels(KINDS), "statuses": _labels(STATUS_LABELS), "themes": _labels(THEMES),
               "countries": countries, "collectivites": [names.get(f, f) for f in french_ids]}
    ranges = {}
    for number, (name, values) in enumerate(columns.items(), start=1):
        letter = lists.cell(1, number).column_letter
        for row, value in enumerate(values, start=1):
            lists.cell(row, number, value)
        ranges[name] = f"'{LISTS_SHEET}'!${letter}$1:${letter}${max(len(values), 1)}"
    lists.sheet_state = "hidden"

    def sheet_with_header(title: str, columns_shown: list[str]):
        sheet = book.create_sheet(title)
        for index, name in enumerate(columns_shown, start=1):
            cell = sheet.cell(1, index, name)
            cell.font, cell.alignment = bold, Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "C2" if columns_shown[0] == "id" else "B2"
        for index, name in enumerate(columns_shown, start=1):
            width = 40 if name == "Description" else 28 if name in ("Collectivité française", "Collectivité partenaire") else 18
            sheet.column_dimensions[sheet.cell(1, index).column_letter].width = width
        return sheet

    def validations(sheet, first: int, last: int, offset: int) -> None:
        """Drop-down lists and year checks on rows first..last; `offset`: columns left of the id's place."""
        def rule(source: str, name: str, columns_named: list[str]) -> None:
            check = DataValidation(type="list", formula1=source, allow_blank=True, showErrorMessage=True,
                                   errorTitle="Valeur inconnue", error=f"Choisissez une valeur de la liste ({name}).")
            sheet.add_data_validation(check)
            for column in columns_named:
                letter = sheet.cell(1, col[column] - offset).column_letter
                check.add(f"{letter}{first}:{letter}{last}")
        rule(ranges["kinds"], "type de lien", ["Type de lien"])
        rule(ranges["statuses"], "statut", ["Statut"])
        rule(ranges["themes"], "thématiques", [f"Thématique {n}" for n in range(1, theme_columns + 1)])
        rule(ranges["countries"], "pays", ["Pays"])
        rule(ranges["collectivites"], "collectivité", ["Collectivité française"])
        year = DataValidation(type="whole", operator="between", formula1="1900", formula2=str(today.year + 50),
                              allow_blank=True, showErrorMessage=True, errorTitle="Année",
                              error="Une année sur quatre chiffres, par exemple 1998.")
        sheet.add_data_validation(year)
        for column in ("Depuis (année)", "Jusqu'en (année)"):
            letter = sheet.cell(1, col[column] - offset).column_letter
            year.add(f"{letter}{first}:{letter}{last}")

    sheet = sheet_with_header(LINKS_SHEET, header)
    sheet.cell(1, 1).comment = Comment("Identifiant du partenariat : ne pas modifier.", "Répertoire")
    sent = {}
    for row, record in enumerate(links, start=2):
        values = sent_values(record)
        sent[record["id"]] = values | {"french_id": record["french_id"]}
        cells = {"id": record["id"], "Collectivité française": record["french_name"],
                 "Collectivité partenaire": values["partner_name"], "Pays": country_name(record["partner_country"]),
                 "Région ou province": values["partner_region"], "Type de lien": _label(KINDS, values["kind"]),
                 "Statut": _label(STATUS_LABELS, values["status"] or UNSPECIFIED), "Depuis (année)": values["since"],
                 "Jusqu'en (année)": values["until"], "Description": values["description"]}
        for n, theme in enumerate(values["themes"], start=1):
            cells[f"Thématique {n}"] = _label(THEMES, theme)
        for name, value in cells.items():
            cell = sheet.cell(row, col[name], _inert(value))
            if name == "Description":
                cell.alignment = wrap
        for name in ("Collectivité française", "Pays"):
            sheet.cell(row, col[name]).fill = grey
    validations(sheet, 2, max(len(links) + 1, 2), 0)
    sheet.column_dimensions["A"].hidden = True

    new_header = header[1:]
    new = sheet_with_header(NEW_SHEET, new_header)
    for row in range(2, NEW_ROWS + 2):  # the partner's name cell coloured: where to write (a style per cell costs)
        new.cell(row, 2).fill = new_fill
        if len(french_ids) == 1:
            new.cell(row, 1, names.get(french_ids[0], french_ids[0]))
    validations(new, 2, NEW_ROWS + 1, 1)

    state = book.create_sheet(STATE_SHEET)
    meta = {"format": FORMAT, "french_ids": french_ids, "names": {f: names.get(f, f) for f in french_ids},
            "generated": today.isoformat(), "theme_columns": theme_columns}
    state.cell(1, 1, json.dumps(meta, ensure_ascii=False))
    for row, (pid, values) in enumerate(sent.items(), start=2):
        state.cell(row, 1, pid)
        state.cell(row, 2, json.dumps(values, ensure_ascii=False, default=str))
    state.sheet_state = "veryHidden"
    book.active = 1  # the links sheet opens first; instructions are the first tab
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return len(links)


def _inert(value):
    """Survey text is data: a value that a spreadsheet would read as a formula is made inert."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _all_country_codes(registry: Registry) -> list[str]:
    """The partner countries of the country list: those of babel's territories (every country)."""
    from babel import Locale

    return [code for code in Locale("fr").territories if len(code) == 2 and code.isalpha() and code not in ("FR", "ZZ", "EU", "EZ", "UN", "QO")]


def _write_help(sheet, names: list[str], today: date, count: int) -> None:
    from openpyxl.styles import Alignment, Font

    who = names[0] if len(names) == 1 else f"{len(names)} collectivités"
    lines = [
        ("Enquête annuelle sur les partenariats de coopération décentralisée", None),
        ("Collectivité(s)", who),
        ("Partenariats déjà connus", f"{count} (onglet « {LINKS_SHEET} »)"),
        ("Envoyé le", today.strftime("%d/%m/%Y")),
        ("", None),
        ("Date de votre réponse", None),
        ("", None),
        ("Comment répondre", None),
        ("1.", f"Dans l'onglet « {LINKS_SHEET} », vérifiez chaque ligne : ce sont les partenariats que le répertoire connaît pour vous."),
        ("2.", "Corrigez ce qui a changé (statut, années, thématiques, description). Les listes déroulantes donnent les valeurs possibles."),
        ("3.", "Un partenariat qui a pris fin : choisissez le statut « Terminé » (ou supprimez la ligne). Il restera dans l'historique."),
        ("4.", f"Un nouveau partenariat : remplissez une ligne de l'onglet « {NEW_SHEET} » (pays et collectivité partenaire au minimum)."),
        ("5.", "Une ligne inchangée vaut confirmation : le partenariat sera marqué « confirmé » à la date de votre réponse."),
        ("6.", "Ne modifiez pas les colonnes grisées ni l'ordre des onglets ; renvoyez ce fichier tel quel (format .xlsx)."),
        ("", None),
        ("Merci de votre participation.", None),
    ]
    for row, (left, right) in enumerate(lines, start=1):
        sheet.cell(row, 1, left)
        if right is not None:
            sheet.cell(row, 2, right)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A8"].font = Font(bold=True)
    sheet["A6"].font = Font(bold=True)
    sheet[ANSWER_DATE_CELL].number_format = "DD/MM/YYYY"
    sheet.column_dimensions["A"].width = 26
    sheet.column_dimensions["B"].width = 110
    for row in sheet.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


# --- reading an answer ---------------------------------------------------------------------

def is_campaign_workbook(path: Path | str) -> bool:
    """A workbook written by `write_workbook`: its sheet list names the state sheet (read from
    the zip's workbook.xml, without opening the workbook)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return f'name="{STATE_SHEET}"'.encode() in archive.read("xl/workbook.xml")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False


class AnswerError(ValueError):
    """A campaign workbook that cannot be read back (its hidden state sheet was damaged)."""


def read_answer(path: Path | str) -> Answer:
    """A campaign workbook as filled in by a collectivité."""
    from openpyxl import load_workbook

    book = load_workbook(path, data_only=True)
    if STATE_SHEET not in book.sheetnames:
        raise AnswerError(f"not a campaign workbook: no {STATE_SHEET} sheet")
    state = book[STATE_SHEET]
    try:
        meta = json.loads(state.cell(1, 1).value)
        sent = {state.cell(r, 1).value: json.loads(state.cell(r, 2).value) for r in range(2, state.max_row + 1)
                if state.cell(r, 1).value}
    except (TypeError, ValueError) as error:
        raise AnswerError(f"the hidden sheet {STATE_SHEET} was damaged ({error})") from None
    if meta.get("format") != FORMAT:
        raise AnswerError(f"unknown campaign format {meta.get('format')!r}")
    answer = Answer(list(meta["french_ids"]), _answer_date(book, path, meta), sent)
    by_name = {fold(name): fid for fid, name in meta.get("names", {}).items()}
    for title in (LINKS_SHEET, NEW_SHEET):
        if title not in book.sheetnames:
            continue
        rows = book[title].iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
        if title == LINKS_SHEET and sent and "id" not in header:  # every row would look new, every link deleted
            raise AnswerError(f"sheet {LINKS_SHEET!r}: its hidden column 'id' was removed; without it the answer "
                              "cannot be matched to the partnerships sent (send the workbook again, or copy the "
                              "answers into a fresh one)")
        for number, cells in enumerate(rows, start=2):
            values = dict(zip(header, cells))
            if not any(v not in (None, "") and str(v).strip() for k, v in values.items()
                       if k not in ("id", "Collectivité française")):
                continue  # an empty row (the new rows come with the collectivité's name written)
            pid = values.get("id") if title == LINKS_SHEET else None
            pid = str(pid).strip() if pid else None
            french = values.get("Collectivité française")
            french_id = sent[pid]["french_id"] if pid in sent else by_name.get(fold(str(french or "")))
            if french_id is None and len(answer.french_ids) == 1:
                french_id = answer.french_ids[0]
            answer.rows.append(AnswerRow(title, number, _row_values(values), pid, french_id))
    return answer


def _answer_date(book, path: Path | str, meta: dict) -> str:
    """The date the answer gives, else the day the workbook was last saved, else its file's date."""
    cell = book[HELP_SHEET][ANSWER_DATE_CELL].value if HELP_SHEET in book.sheetnames else None
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, str) and (m := re.match(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})", cell)):
        return f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}"
    modified = book.properties.modified
    if isinstance(modified, datetime) and modified.date().isoformat() >= meta.get("generated", ""):
        return modified.date().isoformat()
    if isinstance(path, (str, Path)):
        return date.fromtimestamp(Path(path).stat().st_mtime).isoformat()
    return date.today().isoformat()  # a workbook read from memory (an upload)


def _row_values(cells: dict) -> dict:
    """A workbook row as the texts of COMPARED fields (themes: the texts of the theme columns)."""
    def text(name: str) -> str | None:
        value = cells.get(name)
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        value = str(value).strip()
        return value.removeprefix("'") or None
    return {"partner_name": text("Collectivité partenaire"), "partner_country": text("Pays"),
            "partner_region": text("Région ou province"), "kind": text("Type de lien"), "status": text("Statut"),
            "since": text("Depuis (année)"), "until": text("Jusqu'en (année)"), "description": text("Description"),
            "themes": [t for name, v in cells.items() if name.startswith("Thématique") and (t := text(name))]}


# --- applying an answer --------------------------------------------------------------------

def _code(text: str | None, vocabulary: dict[str, tuple[str, str]], rules) -> str | None:
    """A drop-down label (French or English) → its code; any other text through the vocabulary
    rules; ValueError when neither knows it."""
    if text is None:
        return None
    folded = fold(text)
    for code, labels in vocabulary.items():
        if folded in (fold(labels[0]), fold(labels[1]), code):
            return code
    found = rules.best(text)
    if found is None:
        raise _Unknown(text)
    return found


class _Unknown(ValueError):
    """A text no drop-down label nor vocabulary rule knows (`text`)."""

    def __init__(self, text: str):
        super().__init__(f"unknown value {text!r}")
        self.text = text


def _theme_codes(texts: list[str], vocabulary) -> list[str]:
    codes = []
    for text in texts:
        folded = fold(text)
        code = next((c for c, labels in THEMES.items() if folded in (fold(labels[0]), fold(labels[1]), c)), None)
        found = [code] if code else vocabulary.themes.match(text)
        if not found:
            raise _Unknown(text)
        codes += [c for c in found if c not in codes]
    return codes


def coded(values: dict, vocabulary) -> dict:
    """An answer row's texts as the registry's values; EditError naming the bad cell's field."""
    out = dict(values)
    name = "kind"
    try:
        out["kind"] = _code(values.get("kind"), KINDS, vocabulary.kinds)
        name = "status"
        status = _code(values.get("status"), STATUS_LABELS, vocabulary.statuses)
        out["status"] = None if status == UNSPECIFIED else status  # « Non précisé »: no status given
        name = "themes"
        out["themes"] = _theme_codes(values.get("themes") or [], vocabulary)
        for name in ("since", "until"):
            if values.get(name) is not None:
                out[name] = int(str(values[name])) if str(values[name]).isdigit() else values[name]
    except _Unknown as error:
        raise EditError(name, Reason("not_in_vocabulary", field=name, text=error.text)) from None
    return out


@dataclass
class Outcome:
    """What an answer did, per partnership: the counts a report prints."""

    confirmed: int = 0  # rows as sent
    changed: int = 0  # rows edited
    ended: int = 0  # links set to `termine`, by a row or by a deleted row
    deleted: int = 0  # links sent whose row was deleted
    new_rows: int = 0
    rejected: int = 0
    changes: list[tuple] = field(default_factory=list)  # history rows written


def apply_answer(registry: Registry, answer: Answer, source: str, digest: str, vocabulary,
                 report: FileReport | None = None, dry_run: bool = False) -> tuple[Outcome, list[AnswerRow]]:
    """Record an answer's rows for existing partnerships (in the caller's transaction); the new
    rows are returned for the usual checks (`new_rows_chunk`).

    Each row is compared with what was sent: fields the collectivité left as sent keep the
    registry's value (another survey may have changed it since), edited fields take the
    answer's, themes removed and added one by one. A partnership sent but absent from the
    answer ended (status `termine`). Rows already recorded from this file are skipped, so
    reading the same answer twice changes nothing. An answer dated before the partnership's
    last survey confirms it but changes nothing: the later survey knows better.
    `dry_run`: work out the outcome, write nothing (the upload's preview, inspect.py).
    """
    if not dry_run:
        ensure_tables(registry)
    outcome = Outcome()
    seen = registry.seen_rows(digest)
    stamp = now()
    when = answer.survey_date
    history, sources, rejects, touched = [], [], [], {}
    present = set()
    new = []
    for row in answer.rows:
        if row.pid is None or row.pid not in answer.sent:
            if row.pid is not None:  # an id the workbook did not send: a row copied from elsewhere
                row.pid = None
            new.append(row)
            continue
        present.add(row.pid)
        if (row.sheet, row.row) in seen:
            continue
        origin = (source, row.sheet, row.row)
        raw_json = json.dumps(row.values, ensure_ascii=False, default=str)
        record = registry.partnership(row.pid)
        if record is None:  # merged into another since it was sent: the alias's keeper is unknown here
            reason = Reason("partnership_gone")
            rejects.append((source, digest, row.sheet, row.row, reason, raw_json, stamp))
            outcome.rejected += 1
            _report_reject(report, Reject(source, row.sheet, row.row, reason, row.values))
            continue
        try:
            values = coded(row.values, vocabulary)
            changes = _edits(answer.sent[row.pid], values, record)
            checked = validate({k: v for k, v in changes.items()})
            if when < (record.get("survey_date") or ""):
                checked = {}
        except EditError as error:
            reason = error.reason
            rejects.append((source, digest, row.sheet, row.row, reason, raw_json, stamp))
            outcome.rejected += 1
            _report_reject(report, Reject(source, row.sheet, row.row, reason, row.values))
            continue
        written = _write(registry, record, checked, origin, when, stamp, dry_run=dry_run)
        history += written
        if written:
            outcome.changed += 1
            outcome.ended += any(h[1] == "status" and h[3] == "termine" for h in written)
            touched[record["id"]] = record
        else:
            outcome.confirmed += 1
        history.append((record["id"], "confirmed", None, when, *origin, when))
        sources.append((record["id"], source, digest, row.sheet, row.row, when, "merged" if written else "confirmed",
                        json.dumps({k: record.get(k) for k in ("french_id", "partner_name", "partner_country", "status")},
                                   ensure_ascii=False), raw_json, stamp))
    if not seen:  # ended by deletion: once, the first time this file is read
        for pid in answer.sent:
            record = registry.partnership(pid) if pid not in present else None
            if record is None or record.get("status") == "termine" or when < (record.get("survey_date") or ""):
                continue
            written = _write(registry, record, {"status": "termine"}, (source, LINKS_SHEET, 0), when, stamp,
                             field_note="row deleted from the survey", dry_run=dry_run)
            history += written
            touched[pid] = record
            outcome.ended += 1
            outcome.deleted += 1
    outcome.changes = history
    if dry_run:
        return outcome, [r for r in new if (r.sheet, r.row) not in seen]
    registry.save(touched.values(), sources, rejects, history)
    if not seen:
        record_event(registry, answer.french_ids, "answered", answer.channel, f"{source} ({when})")
    return outcome, [r for r in new if (r.sheet, r.row) not in seen]


def _report_reject(report: FileReport | None, reject: Reject) -> None:
    if report is not None:
        report.rejects.append(reject)


def _edits(sent: dict, answer: dict, record: dict) -> dict:
    """The fields the collectivité edited, as the registry's new values."""
    changes = {}
    for name in COMPARED:
        if name == "themes":
            before, after = set(sent.get("themes") or []), set(answer.get("themes") or [])
            if before != after:
                current = set(filter(None, (record.get("themes") or "").split(";")))
                changes["themes"] = sorted((current - (before - after)) | (after - before))
            continue
        old, new = sent.get(name), answer.get(name)
        if (str(old) if old is not None else None) != (str(new) if new is not None else None):
            changes[name] = new
    if not answer.get("partner_name"):
        changes.pop("partner_name", None)  # a name wiped out is no rename
    return changes


def _write(registry: Registry, record: dict, checked: dict, origin: tuple, when: str, stamp: str,
           field_note: str | None = None, dry_run: bool = False) -> list[tuple]:
    """Apply checked values to `record` (in memory, saved by the caller); the history rows,
    dated by the answer."""
    history = []
    source = origin[0] + (f" — {field_note}" if field_note else "")
    for name, value in checked.items():
        old = record.get(name)
        if name == "themes":
            if set(filter(None, (old or "").split(";"))) == set(filter(None, (value or "").split(";"))):
                continue
            value = value or ""
        if value == old:
            continue
        record[name] = value
        history.append((record["id"], name, None if old is None else str(old), None if value is None else str(value),
                        source, origin[1], origin[2], when))
    if any(h[1] == "since" for h in history) and record.get("since_date") and record["since_date"][:4] != str(record["since"]):
        history.append((record["id"], "since_date", record["since_date"], None, source, origin[1], origin[2], when))
        record["since_date"] = None  # a full date of another year no longer holds
    if any(h[1] == "partner_name" for h in history) and not dry_run:
        _alias(registry, record)
    if history:
        record["survey_date"] = max(record.get("survey_date") or "", when)
        record["updated_at"] = stamp
    return history


NEW_HEADER = ["Collectivité française", "Code", "Type de collectivité", "Collectivité partenaire", "Pays",
              "Région ou province", "Type de partenariat", "Statut", "Depuis", "Jusqu'en", "Thématiques",
              "Description", "Date de soumission"]
NEW_FIELDS = ["french_name", "french_code", "french_type", "partner_name", "partner_country", "partner_region",
              "kind", "status", "since", "until", "themes", "description", "submitted"]


def new_rows_chunk(rows: list[AnswerRow], answer: Answer, places, source: str) -> list[SurveyChunk]:
    """The answer's new partnerships as survey chunks (one per sheet), so that ingest.py records
    them as any survey row: the same checks, the same merging, the same rejects."""
    chunks = []
    for sheet in dict.fromkeys(r.sheet for r in rows):
        raw, frame = [], []
        for row in (r for r in rows if r.sheet == sheet):
            place = places.record(row.french_id) if row.french_id else None
            values = row.values
            cells = [place.name if place else values.get("french_name"), place.french_id.split(":", 1)[1] if place else None,
                     place.type if place else None, values.get("partner_name"), values.get("partner_country"),
                     values.get("partner_region"), values.get("kind"), values.get("status"), values.get("since"),
                     values.get("until"), ";".join(values.get("themes") or []) or None, values.get("description"),
                     answer.survey_date]
            raw.append([None if v is None else str(v) for v in cells])
            frame.append(row.row)
        raw_frame = pd.DataFrame(raw, columns=NEW_HEADER, dtype=object)
        canonical = pd.DataFrame({"row": frame}, dtype=object)
        for name, header in zip(NEW_FIELDS, NEW_HEADER):
            canonical[name] = raw_frame[header].values
        chunks.append(SurveyChunk(source, sheet, canonical, raw_frame,
                                  layout={h: (f, None) for h, f in zip(NEW_HEADER, NEW_FIELDS)}))
    return chunks


# --- the campaign's state --------------------------------------------------------------------

def stale_cutoff(today: date | None = None) -> str:
    today = today or date.today()
    try:
        return today.replace(year=today.year - STALE_YEARS).isoformat()
    except ValueError:  # 29 February
        return (today - timedelta(days=365 * STALE_YEARS + 1)).isoformat()


LAST_CONFIRMED = """
SELECT p.id, max(coalesce(p.survey_date, ''), coalesce(h.confirmed, ''))
FROM partnerships p LEFT JOIN (SELECT partnership_id, max(new) AS confirmed FROM history
                               WHERE field = 'confirmed' GROUP BY partnership_id) h ON h.partnership_id = p.id"""


def last_confirmed(registry: Registry, where: str = "", params: Iterable = ()) -> dict[str, str]:
    """Partnership id → the date a survey or a campaign answer last confirmed it ('' if never)."""
    sql = LAST_CONFIRMED + (f" WHERE {where}" if where else "")
    return dict(registry.iter_rows(sql, params).fetchall())


def stale_ids(registry: Registry, where: str = "", params: Iterable = (), today: date | None = None) -> set[str]:
    """Links not confirmed for STALE_YEARS years and not ended: « à vérifier »."""
    cutoff = stale_cutoff(today)
    ended = {r[0] for r in registry.iter_rows("SELECT id FROM partnerships WHERE status = 'termine'")}
    return {pid for pid, when in last_confirmed(registry, where, params).items() if when < cutoff and pid not in ended}


def is_stale(registry: Registry, pid: str, today: date | None = None) -> bool:
    return pid in stale_ids(registry, "p.id = ?", [pid], today)


def overview(registry: Registry, today: date | None = None) -> list[dict]:
    """Per French collectivité: links, links to verify, last survey sent and last answer
    (counted by SQLite: the staff page of a 100,000-link registry in a fraction of a second)."""
    ensure_tables(registry)
    sql = ("SELECT p.french_id, max(p.french_name), max(p.departement), count(*), "
           "sum(coalesce(p.status, '') != 'termine' AND max(coalesce(p.survey_date, ''), coalesce(h.confirmed, '')) < ?) "
           "FROM partnerships p LEFT JOIN (SELECT partnership_id, max(new) AS confirmed FROM history "
           "WHERE field = 'confirmed' GROUP BY partnership_id) h ON h.partnership_id = p.id "
           "GROUP BY p.french_id ORDER BY 2, 1")
    rows = {fid: {"french_id": fid, "name": name, "departement": dep, "links": links, "to_verify": stale or 0,
                  "sent": None, "answered": None}
            for fid, name, dep, links, stale in registry.iter_rows(sql, [stale_cutoff(today)])}
    for fid, event, at, channel in registry.iter_rows(
            "SELECT french_id, event, max(at), channel FROM campaign_events GROUP BY french_id, event"):
        if fid in rows:
            rows[fid][event] = {"at": at[:10], "channel": channel}
    return list(rows.values())


def record_answer(registry: Registry, path: Path, digest: str, answer: Answer, references,
                  report: FileReport) -> list[SurveyChunk]:
    """ingest.py's step for a campaign workbook: existing partnerships confirmed or changed,
    counted in `report` (confirmed and changed rows as merged, rows of an answer read before as
    unchanged); the new rows returned as chunks for the usual recording."""
    seen = registry.seen_rows(digest)
    already = sum((r.sheet, r.row) in seen for r in answer.rows if r.pid in answer.sent)
    outcome, new = apply_answer(registry, answer, path.name, digest, references.vocabulary, report)
    report.read += outcome.confirmed + outcome.changed + outcome.rejected + already
    report.merged += outcome.confirmed + outcome.changed
    report.rejected += outcome.rejected
    report.unchanged += already
    report.sheets += [s for s in (LINKS_SHEET, NEW_SHEET) if s not in report.sheets]
    report.campaign = {"confirmed": outcome.confirmed, "changed": outcome.changed, "ended": outcome.ended,
                       "deleted": outcome.deleted, "survey_date": answer.survey_date}
    return new_rows_chunk(new, answer, references.places, path.name)



def preview(registry: Registry | None, path: Path, references) -> dict:
    """What ingesting a campaign answer would do, written nowhere (the upload's preview)."""
    from .ingest import file_hash

    answer = read_answer(path)
    new = [r for r in answer.rows if r.pid not in answer.sent]
    summary = {"french_ids": answer.french_ids, "survey_date": answer.survey_date, "new_rows": len(new)}
    if registry is None:
        return summary | {"rows": len(answer.rows) - len(new)}
    outcome, _ = apply_answer(registry, answer, path.name, file_hash(path), references.vocabulary, dry_run=True)
    return summary | {"confirmed": outcome.confirmed, "changed": outcome.changed, "ended": outcome.ended,
                      "deleted": outcome.deleted, "rejected": outcome.rejected}
