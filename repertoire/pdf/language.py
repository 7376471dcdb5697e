"""The language of the book being typeset: French, or English for partners abroad.

One book is made at a time in a thread (or a process): the language is a context variable set
by `render`, read where a fixed text is written (`t`). Survey text is never translated; the
vocabularies (kinds, statuses, themes) have their English labels in model.py.
"""
from __future__ import annotations

from contextvars import ContextVar

LANGUAGES = ("fr", "en")
LANG: ContextVar[str] = ContextVar("repertoire_pdf_lang", default="fr")

# The book's own words, French → English (survey text and names are never translated).
ENGLISH: dict[str, str] = {
    "Sommaire": "Contents",
    "La coopération en chiffres": "Cooperation in figures",
    "Carte des partenariats": "Map of the partnerships",
    "Les collectivités françaises concernées": "The French local authorities concerned",
    "Les partenariats": "The partnerships",
    "Index": "Index",
    "Index des collectivités françaises": "Index of French local authorities",
    "Index des localités partenaires": "Index of partner localities",
    "Index thématique": "Index of themes",
    "Collectivités françaises": "French local authorities", "Localités partenaires": "Partner localities",
    "À propos de ce répertoire": "About this directory",
    "partenariat": "partnership", "partenariats": "partnerships",
    "collectivité française": "French local authority", "collectivités françaises": "French local authorities",
    "collectivité partenaire": "partner authority", "collectivités partenaires": "partner authorities",
    "Régions françaises les plus engagées : {top}.": "French regions most involved: {top}.",
    "Des liens noués de {first} à {last}.": "Links made from {first} to {last}.",
    "Édition de {edition}": "Edition of {edition}",
    "Édition publique.": "Public edition.",
    "Édition réservée aux membres du réseau : contient les contacts des collectivités (données personnelles, "
    "ne pas diffuser).": "Members' edition: contains the contacts of local authorities (personal data, do not "
                        "circulate).",
    "Les liens entre les collectivités françaises et leurs partenaires ({country}).":
        "The links between French local authorities and their partners ({country}).",
    "{n} {what} ({country}) : un point par collectivité, d'autant plus gros qu'elle a de partenariats.":
        "{n} {what} ({country}): one dot per local authority, the larger the more partnerships it has.",
    "Thèmes": "Themes", "Projets": "Projects", "Financements": "Funding", "Contacts": "Contacts",
    "depuis le {date}": "since {date}", "depuis {year}": "since {year}", "date non précisée": "date not given",
    "signé le {date}": "signed on {date}", "signé en {year}": "signed in {year}",
    "Édition réservée aux membres — contient des données personnelles":
        "Members’ edition — contains personal data",
    "Les contacts de cette édition sont des données personnelles : ni licence ni réutilisation.":
        "The contacts in this edition are personal data: neither licensed nor to be reused.",
    "Le lien entre la collectivité française et son partenaire ({country}).":
        "The link between the French local authority and its partner ({country}).",
    "(suite)": "(continued)",
    "Aussi déclaré sous le nom « {name} » ({facts}) : probablement le même lien, à vérifier par l'équipe du "
    "réseau.": "Also reported as “{name}” ({facts}): probably the same link, to be checked by the network's staff.",
    "à vérifier (non confirmé depuis 3 ans)": "to be checked (not confirmed for 3 years)",
    "Région non précisée": "Region not given",
    "liens": "links",
    "Non indexés, car présents dans plus d'un lien sur quatre : {themes}. Ils figurent sur chaque fiche.":
        "Not indexed, as each is found in more than one link in four: {themes}. Every entry names its themes.",
    "Type non précisé": "Kind not given",
    "Premiers contacts": "First contacts",
    # figures
    "Type de partenariat": "Kind of partnership", "Statut": "Status", "Nombre": "Number", "Total": "Total",
    "Collectivités françaises, par type": "French local authorities, by type",
    "Partenariats par région française": "Partnerships by French region",
    "Thématique (un partenariat peut en avoir plusieurs)": "Themes (a partnership may have several)",
    "Partenariats par décennie de signature": "Partnerships by decade of signature",
    # colophon
    "Sources.": "Sources.", "Édition.": "Edition.", "Licence.": "Licence.", "Corriger une fiche.": "Correcting an entry.",
    "Les fiches viennent {surveys}, réunies dans le registre du répertoire. Collectivités françaises : Code officiel "
    "géographique (Insee). Localités partenaires : GeoNames (CC BY 4.0) ; leurs régions : Wikipédia et ISO 3166-2. "
    "Fonds de carte : Natural Earth "
    "(domaine public).": "The entries come {surveys}, gathered in the directory's registry. French local "
                         "authorities: Code officiel géographique (Insee). Partner localities: GeoNames (CC BY 4.0); "
                         "their regions: Wikipedia and ISO 3166-2. "
                         "Base maps: Natural Earth (public domain).",
    "des enquêtes annuelles du réseau auprès des collectivités ({years})":
        "from the network's yearly surveys of local authorities ({years})",
    "des enquêtes du réseau": "from the network's surveys",
    "Composée le {date} par {network}.": "Typeset on {date} by {network}.",
    # the figures' sentence
    "{partnerships} {verb} {collectivites} et {partners}": "{partnerships} {verb} {collectivites} and {partners}",
    "réunissent": "bring together", "réunit": "brings together",
    " ; {n} sont déclarés actifs": "; {n} are reported active", " ; {n} est déclaré actif": "; {n} is reported active",
    "Le plus ancien date de {first}, le plus récent de {last}.": "The oldest dates from {first}, the latest from {last}.",
    "Signé en {year}.": "Signed in {year}.", "Signés en {year}.": "Signed in {year}.",
    "Dont {n} premiers contacts, liens pas encore formalisés.": "Of which {n} first contacts, links not yet formalised.",
    "Dont {n} premier contact, lien pas encore formalisé.": "Of which {n} first contact, a link not yet formalised.",
}


def english() -> bool:
    return LANG.get() == "en"


def t(french: str, **values) -> str:
    """The book's text in its language (`values` filled in)."""
    text = ENGLISH.get(french, french) if english() else french
    return text.format(**values) if values else text


def label(entry: tuple[str, str]) -> str:
    """A vocabulary's (French, English) label in the book's language."""
    return entry[1] if english() else entry[0]
