"""Value cleaning for survey rows, as small named steps applied per column.

Each step takes the frame of canonical columns (see `model.SURVEY_FIELDS`) and returns it
with normalized columns added; a row a step cannot accept gets a `reason` and is left
for the ingest to report. Per-value work is cached: surveys repeat the same spellings.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from functools import lru_cache

import pandas as pd

from .reasons import Reason
from .text import clean, fold
from .vocabulary import Rules, Vocabulary, map_themes  # noqa: F401 (map_themes: part of this module's API)

MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "january": 1, "fevrier": 2, "fevr": 2, "fev": 2,
    "february": 2, "feb": 2, "mars": 3, "march": 3, "mar": 3, "avril": 4, "avr": 4,
    "april": 4, "apr": 4, "mai": 5, "may": 5, "juin": 6, "june": 6, "jun": 6,
    "juillet": 7, "juil": 7, "july": 7, "jul": 7, "aout": 8, "august": 8, "aug": 8,
    "septembre": 9, "sept": 9, "sep": 9, "september": 9, "octobre": 10, "oct": 10,
    "october": 10, "novembre": 11, "nov": 11, "november": 11, "decembre": 12, "dec": 12,
    "december": 12,
}
FIRST_YEAR = 1900  # the oldest French twinnings date from the 1920s–1950s
EXCEL_EPOCH = dt.date(1899, 12, 30)


@lru_cache(maxsize=100_000)
def parse_since(value: str | None) -> tuple[int | None, str | None, str | None]:
    """A date cell as (year, ISO date when the day is known, error).

    >>> parse_since("06/08/1995")
    (1995, '1995-08-06', None)
    >>> parse_since("mars 1998")
    (1998, None, None)
    """
    if value is None:
        return None, None, None
    text = value.strip()
    this_year = dt.date.today().year
    try:
        date = _parse_date(text)
    except ValueError:
        return None, None, "impossible date"
    if date is None:  # "inconnue", "années 80": kept in the raw values, not a reason to reject
        return None, None, None
    year, iso = date
    if not FIRST_YEAR <= year <= this_year + 1:
        return None, None, "impossible date"
    return year, iso, None


def _parse_date(text: str) -> tuple[int, str | None] | None:
    """Parse the date shapes surveys use; ValueError for a date that cannot exist."""
    if re.fullmatch(r"\d{4}(\.0+)?", text):
        return int(float(text)), None
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", text):
        year, month, day = map(int, m.groups())
        return year, dt.date(year, month, day).isoformat()
    if m := re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", text):
        day, month, year = map(int, m.groups())
        return year, dt.date(year, month, day).isoformat()
    if m := re.fullmatch(r"(\d{1,2})[/.\-](\d{4})", text):
        month, year = map(int, m.groups())
        dt.date(year, month, 1)
        return year, None
    if re.fullmatch(r"\d{5}(\.0+)?", text):  # an Excel serial day number
        date = EXCEL_EPOCH + dt.timedelta(days=int(float(text)))
        return date.year, date.isoformat()
    words = fold(text).split()
    if words and words[-1].isdigit() and len(words[-1]) == 4:
        year = int(words[-1])
        rest = [w for w in words[:-1] if w not in {"en", "le", "depuis", "in", "of"}]
        if not rest:
            return year, None
        if rest[-1] in MONTHS:
            month = MONTHS[rest[-1]]
            if len(rest) >= 2 and rest[-2].isdigit():
                return year, dt.date(year, month, int(rest[-2])).isoformat()
            return year, None
    return None


def map_vocabulary(text: str | None, rules: Rules) -> str | None:
    """One kind or status cell through its vocabulary; None when nothing matches."""
    return rules.best(text) if text else None


def count_unmapped(counts: dict[str, Counter], frame: pd.DataFrame) -> None:
    """Add the kind and status texts that mapped to nothing, and the theme keywords, to `counts`:
    the words staff may add to the vocabulary files (the report prints the most frequent)."""
    for column in ("kind", "status"):
        if f"{column}_text" in frame:
            texts = frame[f"{column}_text"].where(frame[column].isna()).dropna()
            counts.setdefault(column, Counter()).update(texts)
    if "keywords" in frame:
        counts.setdefault("themes", Counter()).update(
            k for cell in frame["keywords"].dropna() for k in cell.split(";") if k)


def _mapped(series: pd.Series, function) -> pd.Series:
    """Apply a per-value function once per distinct value."""
    table: dict = {}
    values = []
    # as a list: a text column iterated cell by cell boxes each one (pandas 3), 0.5 s of a
    # 100,000-row ingest
    for value in series.tolist():
        if value is None or value != value:  # None or NaN: pandas 3 stores missing text as NaN
            values.append(None)
            continue
        if value not in table:
            table[value] = function(value)
        values.append(table[value])
    return pd.Series(values, index=series.index, dtype=object)


def _pick(series: pd.Series, getter) -> pd.Series:
    """One element of per-row tuples, as an object column that keeps None."""
    return pd.Series([getter(v) if isinstance(v, tuple) else None for v in series.tolist()],
                     index=series.index, dtype=object)


def clean_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as tidy text or None."""
    for column in frame.columns:
        if column != "row":
            frame[column] = _mapped(frame[column], clean)
    return frame


# Characters a survey value may hold once read (issue 13: one 131,072-character description
# made a 3-link book 67 pages and 101 s). Long texts get a page of the book at most; any other
# cell (names, places, vocabularies) the length of a long paragraph. A value cut keeps its
# start, ends with "…", and is listed in the file's report; the raw cell stays in the provenance.
FIELD_LIMITS = {"description": 5_000, "projects": 5_000, "funding": 2_000, "contacts": 2_000}
CELL_LIMIT = 1_000


def limit_of(column: str) -> int:
    return FIELD_LIMITS.get(column, CELL_LIMIT)


def _cut(text: str, limit: int) -> str:
    """The start of `text` in `limit` characters, ending at a word when one ends near."""
    head = text[:limit - 1]
    space = head.rfind(" ")
    return (head[:space] if space > limit * 0.8 else head).rstrip() + "…"


def cap_lengths(frame: pd.DataFrame) -> pd.DataFrame:
    """Cut values over their field's length; column `cut` says which, and how long they were."""
    notes = pd.Series(None, index=frame.index, dtype=object)
    for column in frame.columns:
        if column in ("row", "reason", "cut") or frame[column].dtype != object:
            continue
        lengths = frame[column].map(lambda v: len(v) if isinstance(v, str) else 0)
        limit = limit_of(column)
        over = lengths > limit
        if not over.any():
            continue
        frame.loc[over, column] = frame.loc[over, column].map(lambda v: _cut(v, limit))
        note = column + " " + lengths[over].astype(str) + " → " + str(limit)
        notes[over] = notes[over].where(notes[over].isna(), notes[over] + "; " + note).fillna(note)
    frame["cut"] = notes
    return frame


def add_reasons(frame: pd.DataFrame, reasons) -> None:
    """Give the rows without a reason yet these (one per row, None for none): a row keeps the
    first reason found. Done in Python: pandas' where/mask would turn a Reason into a plain str."""
    frame["reason"] = pd.Series([old if isinstance(old, str) else new for old, new in zip(frame["reason"], reasons)],
                                index=frame.index, dtype=object)


def check_complete(frame: pd.DataFrame) -> pd.DataFrame:
    """Form exports: a questionnaire never submitted, or left on an early page, is incomplete."""
    incomplete = pd.Series(False, index=frame.index)
    if "submitted" in frame:
        incomplete |= frame["submitted"].isna()
    if "progress" in frame:
        pages = pd.to_numeric(frame["progress"], errors="coerce")
        incomplete |= pages.notna() & (pages < pages.max())
    add_reasons(frame, [Reason("incomplete_response") if flag else None for flag in incomplete])
    return frame


def check_required(frame: pd.DataFrame) -> pd.DataFrame:
    """Both sides must be named, and the partner's country given."""
    for column in ("french_name", "partner_name", "partner_country"):
        reason = Reason("missing_field", field=column)
        if column not in frame:
            frame[column] = None
        if column == "french_name" and "french_code" in frame:
            missing = frame[column].isna() & frame["french_code"].isna()
        else:
            missing = frame[column].isna()
        add_reasons(frame, [reason if flag else None for flag in missing])
    return frame


def normalize_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """`since` and `until` as years, with the full date when given."""
    for column in ("since", "until"):
        source = frame[column] if column in frame else pd.Series(None, index=frame.index, dtype=object)
        parsed = _mapped(source, parse_since)
        frame[column] = _pick(parsed, lambda p: p[0])
        frame[f"{column}_date"] = _pick(parsed, lambda p: p[1])
        add_reasons(frame, _pick(parsed, lambda p, c=column: Reason("impossible_date", field=c) if p[2] else None))
    return frame


def normalize_vocabularies(frame: pd.DataFrame, vocabulary: Vocabulary) -> pd.DataFrame:
    """Kinds, statuses and themes onto the codes of DESIGN.md."""
    for column, rules in (("kind", vocabulary.kinds), ("status", vocabulary.statuses)):
        source = frame[column] if column in frame else pd.Series(None, index=frame.index, dtype=object)
        frame[f"{column}_text"] = source
        frame[column] = _mapped(source, lambda v, r=rules: map_vocabulary(v, r))
    themes = frame["themes"] if "themes" in frame else pd.Series(None, index=frame.index, dtype=object)
    mapped = _mapped(themes, lambda v: map_themes(v, vocabulary.themes))
    flags = frame["theme_flags"] if "theme_flags" in frame else pd.Series(None, index=frame.index, dtype=object)
    flagged = _mapped(flags, lambda v: map_themes(v, vocabulary.themes))
    codes, keywords = [], []
    for one, two in zip(mapped, flagged):
        one = one if isinstance(one, tuple) else ([], [])
        two = two if isinstance(two, tuple) else ([], [])
        codes.append(";".join(dict.fromkeys(one[0] + two[0])))
        keywords.append(";".join(dict.fromkeys(one[1] + two[1])))
    frame["themes"] = pd.Series(codes, index=frame.index, dtype=object)
    frame["keywords"] = pd.Series(keywords, index=frame.index, dtype=object)
    return frame


def normalize_frame(frame: pd.DataFrame, vocabulary: Vocabulary) -> pd.DataFrame:
    """The cleaning pipeline, in order; place resolution comes after (places.py)."""
    frame["reason"] = pd.Series(None, index=frame.index, dtype=object)
    steps = (clean_text, cap_lengths, check_complete, check_required, normalize_dates)
    for step in steps:
        frame = frame.pipe(step)
    return normalize_vocabularies(frame, vocabulary)
