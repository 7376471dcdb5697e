"""Staff edit of a partnership: its fields checked against the vocabularies of model.py, each
change into the history as `staff: <user>`.

Edits and later surveys: a staff edit dates the partnership today (its `survey_date`, the
date `ingest.merge_into` compares). A survey dated before the edit (a form submitted
earlier, a file named for the edit's year or an earlier one) does not overwrite an edited
field; a later survey does, and the history keeps both. Themes are united whatever the
dates: a survey only ever adds themes.
"""
from __future__ import annotations

from datetime import date

from . import fields
from .ingest import place_partner
from .model import KINDS, STATUSES, THEMES, HistoryEntry
from .normalize import FIRST_YEAR
from .reasons import Reason
from .registry import Registry, now
from .text import clean, fold

EDITABLE = fields.EDITABLE  # the table of fields says which ones (fields.py)
TEXT_LIMIT = 20_000
NAME_LIMIT = 300


class EditConflict(Exception):
    """The partnership changed since the form was filled (another staff member, a survey):
    `changes` are the history rows written since, for the page to show."""

    def __init__(self, pid: str, changes: list[dict], current: str | None):
        super().__init__(f"{pid} changed since the form was filled ({len(changes)} changes)")
        self.changes, self.current = changes, current


class EditError(ValueError):
    """A value staff (or a campaign answer) cannot record: `field` names the input, `reason`
    (reasons.py) says why as a code the pages word in their language; `message` is its
    English sentence."""

    def __init__(self, field_name: str, reason: Reason):
        super().__init__(str(reason))
        self.field = field_name
        self.reason = reason
        self.message = str(reason)


def _year(name: str, value, latest: int) -> int | None:
    if value in (None, ""):
        return None
    try:
        year = int(str(value).strip())
    except ValueError:
        raise EditError(name, Reason("not_a_year", field=name, text=value)) from None
    if not FIRST_YEAR <= year <= latest:
        raise EditError(name, Reason("year_out_of_range", field=name, first=FIRST_YEAR, last=latest, year=year))
    return year


def _code(name: str, value, vocabulary: dict) -> str | None:
    if value in (None, ""):
        return None
    if value not in vocabulary:
        raise EditError(name, Reason("not_in_vocabulary", field=name, text=value))
    return value


def _themes(value) -> str:
    codes = value.split(";") if isinstance(value, str) else list(value or [])
    codes = [c.strip() for c in codes if c and c.strip()]
    for code in codes:
        _code("themes", code, THEMES)
    return ";".join(c for c in THEMES if c in codes)  # the thesaurus's order


def _text(name: str, value, limit: int = TEXT_LIMIT) -> str | None:
    text = clean(value) if value is not None else None
    if text and len(text) > limit:
        raise EditError(name, Reason("too_long", field=name, length=len(text), limit=limit))
    return text


def validate(changes: dict) -> dict:
    """Staff's values checked against the vocabularies of model.py; EditError otherwise."""
    for name in changes:
        if name not in EDITABLE:
            raise EditError(name, Reason("not_editable", field=name))
    this_year = date.today().year
    checked = {}
    for name, value in changes.items():
        if name in ("kind", "status"):
            checked[name] = _code(name, value, KINDS if name == "kind" else STATUSES)
        elif name == "since":
            checked[name] = _year(name, value, this_year + 1)
        elif name == "until":
            checked[name] = _year(name, value, this_year + 50)
        elif name == "themes":
            checked[name] = _themes(value)
        elif name in ("partner_name", "partner_region"):
            checked[name] = _text(name, value, NAME_LIMIT)
        else:
            checked[name] = _text(name, value)
    if "partner_name" in checked and not checked["partner_name"]:
        raise EditError("partner_name", Reason("partner_name_needed", field="partner_name"))
    return checked


def edit(registry: Registry, pid: str, changes: dict, user: str, gazetteer=None,
         version: str | None = None) -> list[str]:
    """Record staff's changes to a partnership; the names of the fields that changed.

    Each change goes to the history with source `staff: <user>`, the partnership is dated
    today (see the module's note on later surveys) and the registry version moves on.
    A new partner name keeps the partnership's identity; it becomes an alias, so that a
    survey writing either spelling merges into it. KeyError for an unknown `pid`.
    `version`: the partnership's `updated_at` when the form was filled; if it moved on since,
    nothing is written and EditConflict says what changed (checked under the write lock, so
    two saves at once cannot both pass).

    >>> edit(registry, "p-4efbf2232e", {"status": "en_sommeil", "themes": ["culture"]}, "agent@reseau.fr")
    ['status', 'themes']
    """
    checked = validate(changes)
    with registry.transaction():
        record = registry.partnership(pid)
        if record is None:
            raise KeyError(pid)
        if version is not None and version != (record.get("updated_at") or ""):
            since_then = [h for h in registry.history(pid) if (h["changed_at"] or "") > version]
            raise EditConflict(pid, since_then, record.get("updated_at"))
        since, until = checked.get("since", record["since"]), checked.get("until", record["until"])
        if since and until and until < since:
            raise EditError("until", Reason("ends_before_start", field="until", until=until, since=since))
        stamp = now()
        who = (f"staff: {user}", "", 0, stamp)
        history = []
        for name, value in checked.items():
            old = record.get(name)
            if name == "themes" and set(filter(None, (old or "").split(";"))) == set(filter(None, value.split(";"))):
                continue
            if value == old:
                continue
            record[name] = value if name != "themes" else value or ""
            history.append(HistoryEntry(pid, name, None if old is None else str(old), None if value is None else str(value), *who))
        if not history:
            return []
        if "since" in checked and record.get("since_date") and record["since_date"][:4] != str(record["since"]):
            history.append(HistoryEntry(pid, "since_date", record["since_date"], None, *who))
            record["since_date"] = None
        if any(h.field == "partner_name" for h in history):
            _alias(registry, record)
            if gazetteer is not None:
                place_partner(record, gazetteer)
        record["survey_date"] = max(record.get("survey_date") or "", date.today().isoformat())
        record["updated_at"] = stamp
        registry.save([record], [], [], history)
    return [h.field for h in history]


def _alias(registry: Registry, record: dict) -> None:
    """The new spelling as an alias of the partnership; refused when another link has it."""
    key = fold(record["partner_name"])
    if key == record["partner_key"]:
        return
    sql = ("SELECT id FROM partnerships WHERE french_id = ? AND partner_country = ? AND partner_key = ? "
           "UNION SELECT partnership_id FROM aliases WHERE french_id = ? AND partner_country = ? AND partner_key = ?")
    identity = (record["french_id"], record["partner_country"], key)
    other = [r[0] for r in registry.iter_rows(sql, identity * 2) if r[0] != record["id"]]
    if other:
        raise EditError("partner_name", Reason("partner_taken", field="partner_name", other=other[0]))
    registry.db.execute("INSERT OR REPLACE INTO aliases VALUES (?,?,?,?)", (*identity, record["id"]))
