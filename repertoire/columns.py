"""Recognising survey columns: a header score per field, a content score per field
(profiling.py), and one best assignment of fields to columns, with a confidence per column.

A header scores by its phrases and its words (`repertoire/data/vocabulary/columns.toml`, six
languages); the values score by what they look like. Both are combined per (column, field),
and fields are assigned to columns as one optimal assignment (each field once; theme
checkbox columns apart), so that two columns that both look like the partner are told apart
by which one looks more so. A column whose best field is uncertain is left unmapped and asked
about; a saved template mapping (templates.py) is taken as it is.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from dataclasses import field as _field
from pathlib import Path

import lap
import numpy as np

from .datafiles import DATA
from .layout import ColumnChoice, Layout, column_names, missing_fields
from .model import SURVEY_FIELDS
from .profiling import Profile, Profiler, content_scores
from .templates import TemplateStore, signature
from .text import fold

DEFAULT_COLUMNS = DATA / "vocabulary" / "columns.toml"
_NUMBERING = re.compile(r"^\s*(?:(?:q(?:uestion)?|frage|pregunta|domanda|pergunta)\s*)?\d+[a-z]?\s*[.):\-]\s*"
                        r"|^\s*q\d+[a-z]?\s+", re.I)
_FLAG = re.compile(r"^(.*?)\s*[\[(](.+)[\])]\s*$")
_QUALIFIER = re.compile(r"\s*[(\[][^)\]]*[)\]]\s*")
ACCEPT = 0.5  # a column is mapped from this confidence on; below, it is a question
ASK = 0.3  # a column whose best field scores less than this is simply left out
# A form's longest questions run to a few hundred characters; a longer cell is an answer, and
# scoring it costs time in its length (a 1 MB cell took four minutes).
HEADER_MAX = 1_000
COMPOUND_MAX = 40  # German compounds of two listed words are split up to this length
# Fields whose values have one clear shape: a header naming them over values of another
# shape counts for less.
TYPED = {"partner_country", "french_code", "since", "until", "contacts", "submitted"}


@dataclass
class ColumnMap:
    """Header vocabulary (phrases, word classes and their weights per field), and the store of
    saved template mappings; `layout` recognises a sheet's columns."""

    synonyms: dict[str, list[str]]
    flag_prefixes: list[str] = _field(default_factory=list)
    checked: set[str] = _field(default_factory=set)
    words: dict[str, set[str]] = _field(default_factory=dict)  # word → its classes
    weights: dict[str, dict[str, float]] = _field(default_factory=dict)  # field → class → weight
    unlisted: float = -0.2
    templates: TemplateStore | None = None

    def __post_init__(self) -> None:
        self._scores: dict[str, dict[str, float]] = {}
        self._phrases: dict[str, list[str]] = {}
        for name, phrases in self.synonyms.items():
            for phrase in phrases:
                if name not in self._phrases.setdefault(phrase, []):
                    self._phrases[phrase].append(name)

    @classmethod
    def load(cls, *paths: Path | str | None, templates: TemplateStore | None = None) -> "ColumnMap":
        """Read the default vocabulary, then each extra file in turn, adding to it.

        >>> ColumnMap.load("instance/columns.toml", templates=TemplateStore("instance/templates.json"))
        """
        synonyms: dict[str, list[str]] = {}
        prefixes: list[str] = []
        checked: set[str] = set()
        words: dict[str, set[str]] = {}
        weights: dict[str, dict[str, float]] = {}
        unlisted = -0.2
        for path in (DEFAULT_COLUMNS, *paths):
            if path is None or not Path(path).exists():
                continue
            with open(path, "rb") as handle:
                config = tomllib.load(handle)
            for name, phrases in config.get("fields", {}).items():
                synonyms.setdefault(name, []).extend(fold(w) for w in phrases)
            for kind, members in config.get("words", {}).items():
                for word in members:
                    words.setdefault(fold(word), set()).add(kind)
            for name, table in config.get("weights", {}).items():
                if isinstance(table, dict):
                    weights.setdefault(name, {}).update({k: float(v) for k, v in table.items()})
                elif name == "unlisted":
                    unlisted = float(table)
            flags = config.get("theme_flags", {})
            prefixes += [fold(p) for p in flags.get("prefixes", [])]
            checked |= {fold(c) for c in flags.get("checked", [])}
        return cls(synonyms, prefixes, checked, words, weights, unlisted, templates)

    # --- headers -------------------------------------------------------------------

    def theme_flag(self, header: object, siblings: int = 2) -> str | None:
        """The theme of a checkbox column (`Thématiques [Culture]` → `Culture`), else None;
        `(…)` counts only when `siblings` columns share the prefix (`Thèmes (plusieurs choix)`
        alone is a themes column with a qualifier)."""
        if header is None or not (flag := _FLAG.match(str(header))):
            return None
        prefix = fold(_NUMBERING.sub("", flag.group(1)))
        if not (prefix in self.flag_prefixes or (prefix and "themes" in self._classes(prefix))):
            return None
        if not str(header).rstrip().endswith("]") and siblings < 2:
            return None
        return flag.group(2).strip()

    def _flag_prefix(self, header: object) -> str | None:
        flag = _FLAG.match(str(header)) if header is not None else None
        return fold(_NUMBERING.sub("", flag.group(1))) if flag else None

    def header_scores(self, header: object) -> dict[str, float]:
        """Field → how much the header alone says the column is that field (0–1).

        >>> ColumnMap.load().header_scores("Quel est le pays de votre collectivité partenaire ?")["partner_country"]
        1.0
        """
        text = "" if header is None else str(header)
        if len(text) > HEADER_MAX:
            return {}
        if text not in self._scores:
            if len(self._scores) > 50_000:
                self._scores.clear()
            self._scores[text] = self._score_header(text)
        return self._scores[text]

    def _score_header(self, text: str) -> dict[str, float]:
        unnumbered = _NUMBERING.sub("", text)
        main = fold(_QUALIFIER.sub(" ", unnumbered)) or fold(unnumbered)
        totals = self._totals(main)
        scores = {name: min(1.0, total) for name, total in totals.items() if total > 0}
        if (whole := fold(unnumbered)) != main:  # the qualifier counts too: `Département (France)`
            for name, total in self._totals(whole).items():
                if total > 0 and 0.9 * min(1.0, total) > scores.get(name, 0.0):
                    scores[name] = 0.9 * min(1.0, total)
        for key in dict.fromkeys((main, fold(unnumbered))):
            tokens = key.split()
            for a in range(len(tokens)):
                for b in range(a + 1, min(len(tokens), a + 8) + 1):
                    for name in self._phrases.get(" ".join(tokens[a:b]), ()):
                        share = (b - a) / len(tokens)
                        if a == 0 and b == len(tokens):
                            score = 1.0
                        elif totals.get(name, 0.0) < 0:
                            continue  # "pays de votre collectivité partenaire" is not the partner
                        elif a == 0:
                            score = 0.8 + 0.15 * share
                        else:
                            score = 0.6 + 0.3 * share
                        scores[name] = max(scores.get(name, 0.0), score)
        return scores

    def _totals(self, folded: str) -> dict[str, float]:
        """Field → the sum of the weights of the header's word classes (may be negative)."""
        classes = self._classes(folded)
        return {name: sum(table.get(c, self.unlisted) for c in classes) for name, table in self.weights.items()}

    def _classes(self, folded: str) -> set[str]:
        """The word classes of a folded header: words as listed, a plural `s` dropped, German
        compounds split into two known words (`partnerstadt` = partner + stadt)."""
        found: set[str] = set()
        for word in folded.split():
            classes = self.words.get(word) or (len(word) > 3 and self.words.get(word.rstrip("s")))
            if classes:
                found |= classes
                continue
            if len(word) > COMPOUND_MAX:
                continue
            for cut in range(3, len(word) - 2):
                head, tail = word[:cut], word[cut:]
                left = self.words.get(head) or self.words.get(head.rstrip("s"))
                right = self.words.get(tail) or self.words.get(tail.rstrip("s"))
                if left and right:
                    found |= left | right
                    break
        return found

    def match(self, header: object) -> tuple[str, str | None] | None:
        """(field, None) for a header that alone names a field, ("theme_flag", label) for a
        checkbox column, None otherwise."""
        if (label := self.theme_flag(header)) is not None:
            return "theme_flag", label
        scores = self.header_scores(header)
        if not scores:
            return None
        best = max(scores, key=scores.get)
        return (best, None) if scores[best] >= ACCEPT else None

    def map_header(self, cells: list[object]) -> dict[int, tuple[str, str | None]]:
        """Column index → meaning from the headers alone (each field once): how review.py
        rebuilds a row whose file it no longer has (its non-empty cells under their headers;
        a saved mapping that names all of them is used as it is)."""
        names = column_names(list(cells))
        for saved in self.templates.mappings() if self.templates else ():
            if set(names) <= set(saved):
                return {i: (saved[n], self.theme_flag(n) or n if saved[n] == "theme_flag" else None)
                        for i, n in enumerate(names) if saved[n]}
        return self.layout(list(cells)).mapping()

    def row_evidence(self, cells: list[object]) -> float:
        """How much a row looks like the header of a partnership table: the header scores of
        its best cells, one per field, the French side and the partner counting double."""
        best: dict[str, float] = {}
        for cell in cells:
            if cell in (None, ""):
                continue
            if self.theme_flag(cell) is not None:
                best["theme_flag"] = 1.0
                continue
            for name, score in self.header_scores(cell).items():
                if score >= ACCEPT and score > best.get(name, 0.0):
                    best[name] = score
        if not {"french_name", "partner_name", "partner_country"} & set(best):
            return 0.0
        return sum(best.values()) + best.get("partner_name", 0.0) + best.get("french_name", 0.0)

    # --- one sheet -----------------------------------------------------------------

    def layout(self, header: list, rows: list[list] | None = None, profiler: Profiler | None = None,
               group: list | None = None) -> Layout:
        """Recognise a sheet's columns from its header, the rows under it (a sample), and the
        heading row above it when there is one (a two-row header)."""
        rows = rows or []
        width = min(max([len(header)] + [len(r) for r in rows[:50]]), len(header) + 50)
        names = column_names(header, width)
        sign = signature(header)
        samples = [[r[i] if i < len(r) else None for r in rows] for i in range(width)]
        saved = self.templates.get(sign) if self.templates else None
        if saved is not None:
            return self._saved_layout(header, names, samples, saved, sign)
        profiles = self._profiles(samples, profiler)
        groups = _forward_fill(group, width) if group else [None] * width
        choices = [ColumnChoice(i, names[i], "" if i >= len(header) or header[i] is None else str(header[i]),
                                sample=(profiles[i].samples if profiles[i] else _first(samples[i])))
                   for i in range(width)]
        scores = np.zeros((width, len(SURVEY_FIELDS)))
        sources: dict[tuple[int, int], str] = {}
        prefixes = [self._flag_prefix(c.header) for c in choices]
        heard = [self._heard(c.header, groups[i]) for i, c in enumerate(choices)]
        _untie(heard)
        for i, choice in enumerate(choices):
            if (label := self.theme_flag(choice.header, prefixes.count(prefixes[i]) if prefixes[i] else 0)) is not None:
                choice.field, choice.label, choice.confidence, choice.source = "theme_flag", label, 1.0, "header"
                continue
            seen = content_scores(profiles[i]) if profiles[i] else {}
            strongest = max(seen.values(), default=0.0)
            for j, name in enumerate(SURVEY_FIELDS):
                h, c = heard[i].get(name, 0.0), seen.get(name, 0.0)
                if name in TYPED and c < 0.15 and strongest >= 0.7 and profiles[i].count >= 5:
                    h *= 0.4  # a header naming a field over values of another shape
                scores[i, j] = 1.0 - (1.0 - 0.9 * h) * (1.0 - 0.9 * c)
                sources[i, j] = "header+content" if h >= 0.3 and c >= 0.3 else "header" if h >= c else "content"
        layout = self._assign(choices, scores, sources, sign)
        if profiler is not None:
            _check_code(layout, samples, profiler)
        return layout

    def _heard(self, header: str, group: str | None) -> dict[str, float]:
        """Header scores of a column, its group heading's words counting for a little less."""
        heard = dict(self.header_scores(header))
        if group:
            for name, score in self.header_scores(f"{group} {header}").items():
                heard[name] = max(heard.get(name, 0.0), 0.85 * score)
        return heard

    def _profiles(self, samples: list[list], profiler: Profiler | None) -> list[Profile | None]:
        if profiler is None or not any(any(v not in (None, "") for v in s) for s in samples):
            return [None] * len(samples)
        profiles = [profiler.profile(s) for s in samples]
        # a column of countries lets the gazetteer tell partner names (places) from regions
        best = max(range(len(profiles)), key=lambda i: profiles[i].share("country"))
        # (asked only when two columns look like localities: a gazetteer costs an index per country)
        places = [i for i, p in enumerate(profiles) if p.share("locality") >= 0.3 and i != best]
        if profiler.gazetteer is not None and profiles[best].share("country") >= 0.7 and len(places) > 1:
            codes = [profiler.countries.code(v) if v else None for v in samples[best]]
            for i in places:
                profiles[i] = profiler.profile(samples[i], codes)
        return profiles

    def _assign(self, choices: list[ColumnChoice], scores: np.ndarray, sources: dict, sign: str) -> Layout:
        """One best assignment of fields to columns; confidence = score, lessened by the
        nearest rival (another field for this column, another column for this field)."""
        free = [c.index for c in choices if c.field is None]
        if free:  # Jonker-Volgenant (lap): scipy.optimize's import was a quarter of an ingest's start
            _, fields, _ = lap.lapjv(-scores[free], extend_cost=True)
            assigned = {free[r]: int(c) for r, c in enumerate(fields) if c >= 0 and scores[free[r], c] > 0}
        else:
            assigned = {}
        owner = {j: i for i, j in assigned.items()}
        layout = Layout(choices, sign)
        for i in free:
            choice, row = choices[i], scores[i]
            order = [j for j in np.argsort(-row) if row[j] >= 0.2]
            j = assigned.get(i)
            choice.alternatives = [(SURVEY_FIELDS[k], round(float(row[k]), 4)) for k in order if k != j][:3]
            if j is None or row[j] < ASK:
                continue
            # another field for this column, unless a column that fits it better has it
            rival = max([row[k] for k in range(len(SURVEY_FIELDS))
                         if k != j and (k not in owner or scores[owner[k], k] < row[k])] + [0.0])
            for other in free:  # another column that would rather be this field
                mine = owner.get(j)
                if other != i and other != mine and scores[other, j] > 0:
                    theirs = assigned.get(other)
                    if theirs is None or scores[other, theirs] < scores[other, j]:
                        rival = max(rival, scores[other, j])
            ratio = min(1.0, rival / row[j])
            confidence = float(row[j]) * (1.0 - 0.5 * ratio ** 3)
            choice.confidence, choice.source = round(float(confidence), 4), sources.get((i, j), "")
            if confidence >= ACCEPT:
                choice.field = SURVEY_FIELDS[j]
            else:
                choice.alternatives.insert(0, (SURVEY_FIELDS[j], round(float(row[j]), 4)))
                layout.questions.append(choice)
        layout.missing = missing_fields(layout.columns)
        return layout

    def _saved_layout(self, header: list, names: list[str], samples: list[list], saved: dict[str, str],
                      sign: str) -> Layout:
        choices = []
        for i, name in enumerate(names):
            field_ = saved.get(name) or None
            label = None
            if field_ == "theme_flag":
                label = self.theme_flag(name) or name
            choices.append(ColumnChoice(i, name, "" if i >= len(header) or header[i] is None else str(header[i]),
                                        field_, label, 1.0 if field_ else 0.0, "template" if field_ else "",
                                        sample=_first(samples[i])))
        layout = Layout(choices, sign, saved=True)
        layout.missing = missing_fields(choices)
        return layout


def _check_code(layout: Layout, samples: list[list], profiler: Profiler) -> None:
    """A French code that names another collectivité than the row's name is not its code
    (record ids that look like INSEE codes): the column becomes a question."""
    by_field = {c.field: c for c in layout.columns if c.field}
    code, name = by_field.get("french_code"), by_field.get("french_name")
    if code is None or name is None:
        return
    agreement = profiler.agreement(samples[code.index], samples[name.index])
    if agreement is not None and agreement < 0.5:
        code.field = None
        code.alternatives.insert(0, ("french_code", round(code.confidence * agreement, 4)))
        code.confidence = round(code.confidence * agreement, 4)
        layout.questions.append(code)


def _untie(heard: list[dict[str, float]]) -> None:
    """Headers that say one field equally (`Partenaire (1)`, `Partenaire (2)`) do not tell the
    columns apart: they count for half, and the values decide."""
    for name in {name for scores in heard for name in scores}:
        top = max(scores.get(name, 0.0) for scores in heard)
        tied = [scores for scores in heard if top >= 0.5 and scores.get(name, 0.0) >= top - 0.1]
        if len(tied) > 1:
            for scores in tied:
                scores[name] *= 0.5


def _first(cells: list, count: int = 3) -> list[str]:
    values = []
    for cell in cells:
        if cell not in (None, "") and str(cell).strip() and str(cell).strip() not in values:
            values.append(str(cell).strip())
            if len(values) == count:
                break
    return values


def _forward_fill(cells: list, width: int) -> list[str | None]:
    """A heading row whose merged cells span the columns under them: each empty cell takes
    the heading on its left."""
    filled, last = [], None
    for i in range(width):
        cell = cells[i] if i < len(cells) else None
        if cell not in (None, "") and str(cell).strip():
            last = str(cell).strip()
        filled.append(last)
    return filled
