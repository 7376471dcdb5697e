"""Why a survey row is rejected: a code and its particulars, worded by whoever reads it.

The registry stores a reject's reason as its code and parameters (`rejects.code`,
`rejects.params`: `missing_field` with `{"field": "partner_country"}`), so that each reader
words it in its own language: the web pages through Flask-Babel, French first
(web/staff/rejects.py), the CLI and the ingest report in English (ENGLISH below).

A Reason is also a `str`, its English sentence: what prints reasons or compares them as text
(the CLI, the CSV of rejects, the `reason` column kept for readers of an older registry)
goes on working unchanged. Rows recorded before codes existed have none: they are read back
as their sentence, as written (`Reason.as_written`).

>>> r = Reason("unknown_country", text="Atlantide")
>>> str(r), r.code, r.params
('unknown country: Atlantide', 'unknown_country', {'text': 'Atlantide'})
>>> Reason.stored(r.code, r.params_json(), "anything") == r
True
"""
from __future__ import annotations

import json
from typing import Any, Mapping

# code → its English sentence, parameters by name; `field` is a field's name (fields.py), as
# the data edition of the export names it
ENGLISH: dict[str, str] = {
    "incomplete_response": "incomplete response",
    "missing_field": "missing field: {field}",
    "impossible_date": "impossible date: {field}",
    "unknown_country": "unknown country: {text}",
    "domestic_pair": "domestic pair: the partner is in France",
    "unknown_collectivite": "unknown collectivité {name!r}",
    "unknown_collectivite_in_departement": "unknown collectivité {name!r} in département {departement}",
    "unknown_departement": "unknown département {name!r}",
    "unknown_region": "unknown région {name!r}",
    "unknown_epci": "unknown intercommunalité {name!r}",
    "unknown_french_code": "unknown French code {code}",
    "ambiguous_commune": "ambiguous collectivité {name!r}: {candidates}; give the département",
    "ambiguous_commune_in_departement": "ambiguous collectivité {name!r}: {candidates}; give the INSEE code",
    "ambiguous_epci": "ambiguous intercommunalité {name!r}: {candidates}; give the département or the SIREN",
    # an export of this app read back (readback.py)
    "not_a_french_id": "not a French collectivité code: {code}",
    "unknown_value": "unknown {field}: {text}",
    "not_a_number": "not a number in {field}: {text}",
    # a campaign answer (campaign.py)
    "partnership_gone": "partnership no longer in the registry (merged or removed since the survey was sent)",
    # a value staff or a campaign answer gives that the registry cannot take (editing.py)
    "not_a_year": "{field}: not a year: {text!r}",
    "year_out_of_range": "{field}: year out of range {first}–{last}: {year}",
    "not_in_vocabulary": "{field}: unknown value {text!r}",
    "too_long": "{field}: too long: {length} characters, {limit} at most",
    "not_editable": "{field}: not a field staff can edit",
    "partner_name_needed": "{field}: a partnership needs its partner's name",
    "ends_before_start": "{field}: ends ({until}) before it began ({since})",
    "partner_taken": "{field}: another partnership of this collectivité has this partner: {other} "
                     "(merge the two on the duplicates page)",
    # a mend asked for a row no longer rejected (review.py)
    "no_such_reject": "no such rejected row (mended already?)",
}

# parameters that name a field of the partnership (fields.py), not words of the survey: a page
# shows the field's label in its language
FIELD_PARAMS = ("field",)


class Reason(str):
    """A reject's reason: `code` and `params`, and as a str its English sentence.

    `code` is None for a reason recorded before codes existed: its text is all there is.
    """

    code: str | None
    params: dict[str, str]

    def __new__(cls, code: str | None, text_as_written: str | None = None, /, **params: Any) -> "Reason":
        if code is None:
            self = super().__new__(cls, text_as_written or "")
        else:
            if code not in ENGLISH:
                raise ValueError(f"unknown reject reason code: {code}")
            params = {name: str(value) for name, value in params.items()}
            self = super().__new__(cls, english(code, params))
        self.code = code
        self.params = params if code is not None else {}
        return self

    def __reduce__(self):  # pickled (a worker process) as what makes it again
        return (_remake, (self.code, str(self), self.params))

    @classmethod
    def as_written(cls, text: str) -> "Reason":
        """A reason known only by its sentence (a row of an older registry)."""
        return cls(None, text)

    @classmethod
    def stored(cls, code: str | None, params: str | Mapping | None, text: str | None) -> "Reason":
        """A reason as the registry keeps it: its code and parameters, else its sentence."""
        if not code or code not in ENGLISH:
            return cls.as_written(text or "")
        if isinstance(params, str):
            params = json.loads(params or "{}")
        return cls(code, **dict(params or {}))

    @classmethod
    def of(cls, value: "Reason | Mapping | str | None") -> "Reason | None":
        """Whatever a reader holds — a Reason, its `to_dict()` (a job's saved result), or a
        bare sentence (a result saved before codes) — as a Reason; None for none."""
        if value is None or isinstance(value, Reason):
            return value
        if isinstance(value, Mapping):
            return cls.stored(value.get("code"), value.get("params"), value.get("text"))
        return cls.as_written(str(value))

    def params_json(self) -> str | None:
        return json.dumps(self.params, ensure_ascii=False, sort_keys=True) if self.code else None

    def to_dict(self) -> dict:
        """For JSON (a job's result, an inspection): code, parameters and the English sentence."""
        return {"code": self.code, "params": self.params, "text": str(self)}

    def quoted(self) -> list[str]:
        """The survey's own words in the reason (a name, a country as written…), not field names."""
        return [value for name, value in self.params.items() if name not in FIELD_PARAMS]


def _remake(code: str | None, text: str, params: dict) -> Reason:
    return Reason(code, text, **params) if code else Reason.as_written(text)


def english(code: str, params: Mapping[str, str]) -> str:
    """The English sentence of a code with its parameters."""
    return ENGLISH[code].format(**params)
