"""The one table of a partnership's fields: what is stored, what is exported, who may see it,
what staff may edit, and its French and English labels.

Every output — pages, API, exports, search index, maps, PDF, history — takes a record
through `visible()` (or asks `names()`) with the reader's role, instead of keeping its own
list of fields: a field marked `member` (funding, contacts) cannot reach an anonymous reader
through an output that forgot it (issue 13).

>>> visible({"partner_name": "Goris", "funding": "MEAE"}, "public")
{'partner_name': 'Goris'}
>>> [f.name for f in FIELDS if f.editable][:3]
['partner_name', 'partner_region', 'kind']
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal, Mapping

Role = Literal["public", "member", "staff"]
ROLES: tuple[Role, ...] = ("public", "member", "staff")  # each sees what the ones before it see


@dataclass(frozen=True)
class Field:
    """One field of a partnership.

    `stored`: a column of the registry's `partnerships` table (else derived when read).
    `exported`: a column of `repertoire export` and of the web exports (for the roles that see it).
    `visibility`: the least role that may see it. `editable`: on the staff edit form.
    `vocabulary`: the reference vocabulary its codes come from (repertoire/reference.py), which
    readable exports turn into names. `type`: `text`, `int`, `float` or `codes` (`;`-joined).
    """

    name: str
    fr: str
    en: str
    visibility: Role = "public"
    stored: bool = True
    exported: bool = True
    editable: bool = False
    vocabulary: str | None = None
    type: str = "text"

    def label(self, lang: str = "fr") -> str:
        return self.en if lang == "en" else self.fr

    def seen_by(self, role: str) -> bool:
        return ROLES.index(role if role in ROLES else "public") >= ROLES.index(self.visibility)


FIELDS: tuple[Field, ...] = (
    Field("id", "Identifiant", "Identifier"),
    Field("french_id", "Code de la collectivité", "Collectivité code"),
    Field("french_name", "Collectivité française", "French local authority"),
    Field("french_type", "Type de collectivité", "Type of collectivité", vocabulary="french_types"),
    Field("departement", "Département", "Département", vocabulary="departements"),
    Field("region", "Région", "Region", vocabulary="regions"),
    Field("partner_name", "Collectivité partenaire", "Partner local authority", editable=True),
    Field("partner_native", "Nom dans l'écriture du pays", "Name in the country's script"),
    Field("partner_country", "Pays", "Country", vocabulary="countries"),
    Field("partner_region", "Région du partenaire", "Partner's region", editable=True),
    Field("kind", "Type de lien", "Kind of link", editable=True, vocabulary="kinds"),
    Field("status", "Statut", "Status", editable=True, vocabulary="statuses"),
    Field("since", "Depuis", "Since", editable=True, type="int"),
    Field("since_date", "Date de signature", "Date signed"),
    Field("until", "Jusqu'à", "Until", editable=True, type="int"),
    Field("themes", "Thématiques", "Themes", editable=True, vocabulary="themes", type="codes"),
    Field("keywords", "Mots-clés", "Keywords", type="codes"),
    Field("description", "Description", "Description", editable=True),
    Field("projects", "Projets", "Projects", editable=True),
    Field("funding", "Financements", "Funding", visibility="member", editable=True),
    Field("contacts", "Contacts", "Contacts", visibility="member", editable=True),
    Field("french_lat", "Latitude (France)", "Latitude (France)", type="float"),
    Field("french_lon", "Longitude (France)", "Longitude (France)", type="float"),
    Field("partner_lat", "Latitude du partenaire", "Partner latitude", type="float"),
    Field("partner_lon", "Longitude du partenaire", "Partner longitude", type="float"),
    # The partner's name as surveys first wrote it, folded: the link's identity (its id is a
    # hash of it), so an export read back by ingest keeps the same ids (`Munich` shown,
    # `munchen` the key). The gazetteer place settles homonyms and duplicates.
    Field("partner_key", "Clé du partenaire", "Partner key"),
    Field("partner_geonameid", "Identifiant GeoNames", "GeoNames id", type="int"),
    Field("survey_date", "Date des informations", "Date of the information"),
    Field("sources", "Sources", "Sources", stored=False, type="codes"),
    # No survey nor campaign answer confirmed the link for 3 years (campaign.py): marked in the books
    Field("to_verify", "À vérifier", "To verify", stored=False, exported=False, type="int"),
    Field("created_at", "Créé le", "Created", visibility="staff", exported=False),
    Field("updated_at", "Modifié le", "Updated", visibility="staff", exported=False),
)
BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}

# History rows that record an event rather than a field's value: the public sees that they
# happened (never their values, as for every history row).
EVENTS: dict[str, tuple[str, str]] = {
    "merged": ("Fusion de deux graphies", "Two spellings merged"),
    "mended": ("Ligne corrigée par l'équipe", "Row mended by staff"),
    "confirmed": ("Confirmé par la collectivité (campagne d'enquête)", "Confirmed by the collectivité (survey campaign)"),
    "import undone": ("Import d'un fichier annulé par l'équipe", "A file's import undone by staff"),
}


def names(role: str = "staff", *, stored: bool | None = None, exported: bool | None = None,
          editable: bool | None = None) -> tuple[str, ...]:
    """The fields `role` may see, in the table's order, optionally only those stored/exported/editable.

    >>> "funding" in names("public", exported=True), "funding" in names("member", exported=True)
    (False, True)
    """
    return tuple(f.name for f in FIELDS if f.seen_by(role)
                 and (stored is None or f.stored == stored)
                 and (exported is None or f.exported == exported)
                 and (editable is None or f.editable == editable))


def visible(record: Mapping, role: str) -> dict:
    """The part of a record `role` may see: fields of the table it may see, nothing else
    (a key the table does not know is dropped: a new column is private until described)."""
    return {k: v for k, v in record.items() if k in BY_NAME and BY_NAME[k].seen_by(role)}


def seen_by(name: str, role: str) -> bool:
    """Whether `role` may see field `name` (an unknown name: staff only)."""
    found = BY_NAME.get(name)
    return found.seen_by(role) if found else role == "staff"


def labels(lang: str = "fr", among: Iterable[str] | None = None) -> dict[str, str]:
    """Field name → label in `lang`, for the given names (all by default)."""
    return {f.name: f.label(lang) for f in FIELDS if among is None or f.name in set(among)}


def label(name: str, lang: str = "fr") -> str:
    """The label of a field or of a history event in `lang`; the name itself when unknown."""
    if name in BY_NAME:
        return BY_NAME[name].label(lang)
    pair = EVENTS.get(name)
    return (pair[1] if lang == "en" else pair[0]) if pair else name


STORED: tuple[str, ...] = names(stored=True)  # the columns of the partnerships table
EDITABLE: tuple[str, ...] = names(editable=True)
