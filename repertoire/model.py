"""The record: a partnership, a reject, and the closed vocabularies of DESIGN.md."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

KINDS: dict[str, tuple[str, str]] = {
    "jumelage": ("Jumelage", "Twinning"),
    "cooperation": ("Coopération décentralisée", "Decentralised cooperation"),
    "amitie": ("Pacte d'amitié", "Friendship pact"),
    "intention": ("Lettre d'intention", "Letter of intent"),
    "contact": ("Premiers contacts", "First contacts"),  # a link not yet formalised (DESIGN.md)
}

# One vocabulary, no overlapping values. A survey that only says "not active" (a yes/no
# question) says the link is in abeyance, not that it was ended: `en_sommeil` (DESIGN.md).
STATUSES: dict[str, tuple[str, str]] = {
    "actif": ("Actif", "Active"),
    "en_sommeil": ("En sommeil", "Dormant"),
    "termine": ("Terminé", "Ended"),
}
# A partnership whose status no survey gave: stored as NULL, shown and filtered as this value.
UNSPECIFIED = "non_precise"
STATUS_LABELS: dict[str, tuple[str, str]] = STATUSES | {UNSPECIFIED: ("Non précisé", "Not specified")}
# Statuses of earlier versions and the value they now are (the registry rewrites them on open).
RETIRED_STATUSES: dict[str, str] = {"en_sommeil_ou_termine": "en_sommeil"}


def status_code(value: str | None) -> str:
    """The status as shown and filtered: one of STATUS_LABELS (`non_precise` when unknown)."""
    value = RETIRED_STATUSES.get(value or "", value)
    return value if value in STATUSES else UNSPECIFIED

THEMES: dict[str, tuple[str, str]] = {
    "culture": ("Culture et patrimoine", "Culture and heritage"),
    "education": ("Éducation, formation, recherche", "Education, training, research"),
    "jeunesse": ("Jeunesse et sport", "Youth and sport"),
    "economie": ("Développement économique et tourisme", "Economic development and tourism"),
    "agriculture": ("Agriculture et alimentation", "Agriculture and food"),
    "eau": ("Eau et assainissement", "Water and sanitation"),
    "environnement": ("Environnement, climat, énergie", "Environment, climate, energy"),
    "sante": ("Santé et action sociale", "Health and social action"),
    "gouvernance": ("Gouvernance locale et appui institutionnel", "Local governance"),
    "urbanisme": ("Urbanisme, aménagement, mobilités", "Urban planning and mobility"),
    "dechets": ("Gestion des déchets", "Waste management"),
    "francophonie": ("Francophonie", "French-speaking world"),
    "genre": ("Égalité femmes-hommes", "Gender equality"),
    "crises": ("Urgence, crises et reconstruction", "Emergencies, crises, reconstruction"),
    "ecsi": ("Éducation à la citoyenneté et à la solidarité internationale",
             "Global citizenship education"),
    "numerique": ("Numérique", "Digital"),
}

FRENCH_TYPES: dict[str, tuple[str, str]] = {
    "commune": ("Commune", "Municipality"),
    "departement": ("Département", "Department"),
    "region": ("Région", "Region"),
    "epci": ("Intercommunalité", "Inter-municipal body"),
    "com": ("Collectivité d'outre-mer", "Overseas collectivity"),
}

# What a survey row may tell, once its columns are recognised.
SURVEY_FIELDS: tuple[str, ...] = (
    "french_name", "french_code", "departement", "french_type", "partner_name",
    "partner_country", "partner_region", "kind", "status", "since", "until", "themes",
    "description", "projects", "funding", "contacts", "submitted", "progress",
)


class HistoryEntry(NamedTuple):
    """One change of one field of a partnership: what it was, what it became, who said so.

    Written by ingest (a later survey), staff edits, merges and mends; read back with its
    row `id` and the sides staff redacted (`redacted`: "old", "new" or "old,new"), whose
    values are then None. Who may read which part: web/assemble.py, through repertoire.fields.
    """

    partnership_id: str
    field: str
    old: str | None
    new: str | None
    source: str
    sheet: str
    row: int
    changed_at: str
    id: int | None = None
    redacted: str = ""

    def __getitem__(self, key):
        """`entry["field"]` as well as `entry.field` (the history was read as dicts before)."""
        return getattr(self, key) if isinstance(key, str) else tuple.__getitem__(self, key)


@dataclass
class Reject:
    """A survey row that could not become a partnership, and why."""

    source: str
    sheet: str
    row: int
    reason: str  # a reasons.Reason: its code and parameters, and as a str its English sentence
    raw: dict[str, str] = field(default_factory=dict)


@dataclass
class FileReport:
    """What one survey file gave: counts that add up to the rows read."""

    source: str
    read: int = 0
    accepted: int = 0
    merged: int = 0
    rejected: int = 0
    unchanged: int = 0
    error: str | None = None
    rejects: list[Reject] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)
    # kind, status and theme texts of accepted rows that no vocabulary rule maps: words to add
    unmapped: dict[str, Counter] = field(default_factory=dict)
    # a campaign answer (campaign.py): links confirmed, changed, ended, and the answer's date
    campaign: dict | None = None
    # values cut to their field's length (normalize.cap_lengths): "sheet, row N: description 131072 → 5000"
    cut: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None
