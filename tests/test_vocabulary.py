"""Kinds, statuses and themes in six languages, matched after folding and stemming.

The held-out tables below were written before the vocabulary files, from how people phrase
these things in each language; none of their values is listed in `repertoire/data/vocabulary/`
(`test_held_out_values_are_not_listed_in_the_files` checks it), so they measure how far the
matching generalises rather than what was memorised.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from app import cli
from repertoire.normalize import Vocabulary, count_unmapped, map_themes, map_vocabulary, normalize_frame
from repertoire.registry import Registry
from repertoire.text import fold
from repertoire.vocabulary import Rules, tokens

VOCABULARY = Vocabulary()

HELD_OUT_KINDS = [
    # French
    ("Jumelage franco-allemand", "jumelage"), ("Jumelage officiel", "jumelage"), ("Ville jumelée", "jumelage"),
    ("Convention de partenariat", "cooperation"), ("Conventions de coopération", "cooperation"),
    ("Accord-cadre de coopération", "cooperation"), ("Pacte d'amitié et de coopération", "amitie"),
    ("Premiers contacts", "contact"), ("Déclaration d'intention commune", "intention"),
    ("Coopération décentralisée (accord signé en 2004)", "cooperation"),
    # English
    ("Town twinning", "jumelage"), ("Twin towns", "jumelage"), ("Sister Cities", "jumelage"),
    ("Sister-city relationship", "jumelage"), ("Partner cities", "jumelage"),
    ("Friendship cities", "amitie"), ("Memorandum of Understanding (MoU)", "intention"),
    ("Letters of intent", "intention"), ("Decentralised cooperation agreements", "cooperation"),
    ("Cooperation agreements", "cooperation"), ("Informal contacts", "contact"), ("Initial contact", "contact"),
    # German
    ("Städtepartnerschaften", "jumelage"), ("Städtepartnerschaft (offiziell)", "jumelage"),
    ("Partnerschaftsverträge", "jumelage"), ("Freundschaftsverträge", "amitie"),
    ("Kooperationsvereinbarungen", "cooperation"), ("Absichtserklärungen", "intention"),
    ("Kontakte", "contact"), ("Partnerstädte", "jumelage"),
    # Spanish
    ("Hermanamientos", "jumelage"), ("Ciudad hermana", "jumelage"), ("Convenios de cooperación", "cooperation"),
    ("Cooperación descentralizada", "cooperation"), ("Acuerdo de amistad", "amitie"),
    ("Cartas de intención", "intention"), ("Memorandos de entendimiento", "intention"),
    ("Contactos informales", "contact"),
    # Italian
    ("Gemellaggi", "jumelage"), ("Gemellaggio ufficiale", "jumelage"), ("Patti d'amicizia", "amitie"),
    ("Protocolli d'intesa", "intention"), ("Accordi di cooperazione", "cooperation"),
    ("Cooperazione decentrata", "cooperation"), ("Lettera d'intenti", "intention"), ("Contatti", "contact"),
    # Portuguese
    ("Geminações", "jumelage"), ("Cidade irmã", "jumelage"), ("Acordos de cooperação técnica", "cooperation"),
    ("Cooperação descentralizada", "cooperation"), ("Acordo de amizade", "amitie"),
    ("Protocolo de intenções", "intention"), ("Memorando de entendimento", "intention"),
    ("Contatos informais", "contact"),
    # Not kinds at all: stays unmapped rather than guessed
    ("Land Hessen", None), ("Estado de México", None), ("Projet", None), ("???", None),
]

HELD_OUT_STATUSES = [
    # French
    ("Actuellement actif", "actif"), ("Très active", "actif"), ("Partenariat en veille", "en_sommeil"),
    ("N'est plus actif", "en_sommeil"), ("Pas actif actuellement", "en_sommeil"),
    ("Terminée", "termine"), ("Terminé en 2015", "termine"), ("Suspendue", "en_sommeil"),
    ("Inactive depuis 2018", "en_sommeil"), ("Non renseigné", None), ("Ne sait pas", None),
    # English
    ("Currently active", "actif"), ("Very active", "actif"), ("Dormant since 2019", "en_sommeil"),
    ("Not active", "en_sommeil"), ("No longer active", "en_sommeil"),
    ("Lapsed since 2016", "en_sommeil"), ("Ended in 2012", "termine"), ("Suspended (COVID)", "en_sommeil"),
    ("Put on hold", "en_sommeil"), ("Closed in 2010", "termine"), ("Unknown", None),
    # German
    ("Aktive Partnerschaft", "actif"), ("Sehr aktiv", "actif"), ("Derzeit ruhend", "en_sommeil"), ("ruhende Partnerschaft", "en_sommeil"),
    ("Partnerschaft beendet", "termine"), ("Nicht aktiv", "en_sommeil"),
    ("Nicht mehr aktiv", "en_sommeil"), pytest.param("Aufgelöst", "termine", marks=pytest.mark.xfail(
        strict=True, reason="a word of its own, in no file: staff add it from the report")),
    ("Nicht bekannt", None),
    # Spanish
    ("Activa", "actif"), ("Inactiva", "en_sommeil"), ("Finalizada", "termine"),
    ("Suspendido", "en_sommeil"), ("No activo", "en_sommeil"), ("Sin actividad", "en_sommeil"),
    ("Terminado", "termine"), ("No sabe", None),
    # Italian
    ("Attiva", "actif"), ("Sospesa", "en_sommeil"), ("Conclusa", "termine"),
    ("Non attivo", "en_sommeil"), ("Inattiva", "en_sommeil"), ("Terminato", "termine"),
    # Portuguese
    ("Ativa", "actif"), ("Inativa", "en_sommeil"), ("Encerrada", "termine"),
    ("Suspensa", "en_sommeil"), ("Não ativo", "en_sommeil"), ("Concluída", "termine"),
]

HELD_OUT_THEMES = [
    # French
    ("Échange scolaire", ["education"]), ("Coopération dans le domaine de la santé", ["sante"]),
    ("Accès à l'eau potable", ["eau"]), ("Gestion des déchets ménagers", ["dechets"]),
    ("Énergies renouvelables", ["environnement"]), ("Lutte contre le changement climatique", ["environnement"]),
    ("Patrimoine culturel", ["culture"]), ("Échanges de jeunes", ["jeunesse"]),
    ("Formation professionnelle", ["education"]), ("Appui à la gouvernance locale", ["gouvernance"]),
    ("Égalité entre les femmes et les hommes", ["genre"]), ("Aide humanitaire d'urgence", ["crises"]),
    ("Mobilité urbaine", ["urbanisme"]), ("Transition numérique", ["numerique"]), ("Santé et éducation", ["sante", "education"]),
    # English
    ("Health care", ["sante"]), ("Water supply", ["eau"]), ("Projects on water and sanitation", ["eau"]),
    ("Youth exchanges", ["jeunesse"]), ("School exchange", ["education"]), ("Climate change", ["environnement"]),
    ("Renewable energies", ["environnement"]), ("Solid waste management", ["dechets"]),
    ("Good governance", ["gouvernance"]), ("Cultural heritage", ["culture"]), ("Sports collectifs", ["jeunesse"]),
    ("Women's rights", ["genre"]), ("Higher education and research", ["education"]),
    ("Local economic development", ["economie"]), ("Culture and sport", ["culture", "jeunesse"]),
    # German
    ("Jugendbegegnungen", ["jeunesse"]), ("Schüleraustausch", ["education"]), ("Gesundheitswesen", ["sante"]),
    ("Trinkwasserversorgung", ["eau"]), ("Erneuerbare Energien", ["environnement"]), ("Klimaschutz", ["environnement"]),
    ("Abfallwirtschaft", ["dechets"]), ("Kultur und Sport", ["culture", "jeunesse"]),
    ("Kommunale Verwaltung", ["gouvernance"]), ("Öffentlicher Nahverkehr", ["urbanisme"]),
    # Spanish
    ("Salud pública", ["sante"]), ("Agua potable y saneamiento", ["eau"]), ("Intercambios juveniles", ["jeunesse"]),
    ("Intercambio escolar", ["education"]), ("Cambio climático", ["environnement"]),
    ("Energías renovables", ["environnement"]), ("Gestión de residuos sólidos", ["dechets"]),
    ("Turismo rural", ["economie"]), ("Gobernanza local", ["gouvernance"]), ("Patrimonio cultural", ["culture"]),
    ("Deportes", ["jeunesse"]),
    # Italian
    ("Scambi giovanili", ["jeunesse"]), ("Scambi scolastici", ["education"]), ("Sanità pubblica", ["sante"]),
    ("Acqua potabile", ["eau"]), ("Gestione dei rifiuti", ["dechets"]), ("Energie rinnovabili", ["environnement"]),
    ("Patrimonio culturale", ["culture"]), ("Turismo sostenibile", ["economie"]),
    # Portuguese
    ("Saúde pública", ["sante"]), ("Abastecimento de água", ["eau"]), ("Saneamento básico", ["eau"]),
    ("Intercâmbio de jovens", ["jeunesse"]), ("Intercâmbio escolar", ["education"]),
    ("Alterações climáticas", ["environnement"]), ("Energias renováveis", ["environnement"]),
    ("Resíduos sólidos", ["dechets"]), ("Governança local", ["gouvernance"]), ("Património cultural", ["culture"]),
    ("Desportos e lazer", ["jeunesse"]),
    # No theme: kept as a keyword
    ("Jeux vidéo", []), ("Coopération", []), ("Divers", []), ("Mobilisation citoyenne", []),
]


# Written after the vocabulary files and run once, untouched: 100 of 107 mapped right on that
# first run; 103 after fixes of classes, not of cases (Portuguese -ões plurals read as their
# -ão singular; stems shared across languages; the closer stem wins). No word was added to
# the files for them. What still fails is marked, with why.
FRESH_KINDS = [
    ("Jumelage avec Bamako", "jumelage"), ("Jumelage et coopération", "jumelage"), ("Twin-town agreement", "jumelage"),
    ("Sister-cities agreement", "jumelage"), ("Official twinning (1987)", "jumelage"),
    ("Friendship agreement signed", "amitie"), ("Cooperation project", "cooperation"),
    ("Decentralized cooperation partnership", "cooperation"), ("Letter of intention", "intention"),
    ("MoU signed in 2019", "intention"), ("Städtepartnerschaftsvertrag", "jumelage"),
    ("Partnerschaftsabkommen", "jumelage"), ("Freundschaftsabkommen", "amitie"), ("Kooperationsvertrag", "cooperation"),
    ("Erste Kontakte", "contact"), ("Hermanamiento oficial", "jumelage"), ("Acuerdo de hermanamiento", "jumelage"),
    ("Convenio marco de colaboración", "cooperation"), ("Carta de amistad", "amitie"),
    ("Protocolo de intención", "intention"), ("Primeros contactos", "contact"), ("Gemellaggio tra comuni", "jumelage"),
    ("Patto di gemellaggio", "jumelage"), ("Accordo di amicizia", "amitie"), ("Accordo di partenariato", "cooperation"),
    ("Primi contatti", "contact"), ("Acordo de geminação", "jumelage"), pytest.param("Cidades gémeas", "jumelage", marks=pytest.mark.xfail(strict=True, reason="a word in no file (gémeas): the report lists it for staff")),
    pytest.param("Acordo de amizade e cooperação", "amitie", marks=pytest.mark.xfail(strict=True, reason="two kinds in one cell: the longer rule (acordo de cooperação) wins")), ("Carta de intenções", "intention"), ("Contactos iniciais", "contact"),
    ("Autre", None), ("Land Baden-Württemberg", None),
]
FRESH_STATUSES = [
    ("Oui, actif", "actif"), ("Oui mais peu actif", "en_sommeil"), ("Actif depuis 2001", "actif"),
    ("En sommeil depuis la pandémie", "en_sommeil"), ("Partenariat dissous en 2008", "termine"),
    ("Active partnership", "actif"), ("Inactive since 2015", "en_sommeil"),
    ("Not currently active", "en_sommeil"), ("Terminated in 2011", "termine"),
    ("Temporarily suspended", "en_sommeil"), ("Derzeit nicht aktiv", "en_sommeil"),
    ("Aktiv seit 1990", "actif"), ("Ruhend seit 2010", "en_sommeil"), ("Seit 2005 beendet", "termine"),
    ("Activo desde 1995", "actif"), ("Actualmente inactivo", "en_sommeil"), ("Finalizado en 2010", "termine"),
    ("Suspendido temporalmente", "en_sommeil"), ("Attivo dal 1998", "actif"), ("Attualmente sospeso", "en_sommeil"),
    ("Concluso nel 2012", "termine"), ("Non più attivo", "en_sommeil"), ("Ativo desde 2000", "actif"),
    ("Atualmente inativo", "en_sommeil"), ("Encerrado em 2014", "termine"),
    ("Suspenso temporariamente", "en_sommeil"), ("Já não está ativo", "en_sommeil"),
    ("À relancer", None), ("Inconnu", None), ("Unbekannt", None), ("Desconocido", None), ("Sconosciuto", None),
]
FRESH_THEMES = [
    ("Échanges culturels et sportifs", ["culture", "jeunesse"]), ("Coopération hospitalière", ["sante"]),
    ("Appui aux écoles", ["education"]), ("Gestion de l'eau", ["eau"]), ("Agriculture durable", ["agriculture"]),
    ("Jumelage scolaire", ["education"]), ("Échanges universitaires", ["education"]), ("Tourisme durable", ["economie"]),
    ("Énergie solaire", ["environnement"]), ("Protection de l'environnement", ["environnement"]),
    ("Égalité de genre", ["genre"]), ("Reconstruction après le séisme", ["crises"]),
    ("Francophonie et langue française", ["francophonie"]), ("Numérique éducatif", ["numerique", "education"]),
    ("Public health", ["sante"]), ("Drinking water", ["eau"]), ("Waste collection", ["dechets"]),
    ("Economic cooperation", ["economie"]), ("Cultural exchange programme", ["culture"]),
    pytest.param("Student exchanges", ["education"], marks=pytest.mark.xfail(strict=True, reason="a word in no file (student)")), ("Urban development", ["urbanisme"]), ("Vocational training", ["education"]),
    ("Gender equality and women's empowerment", ["genre"]), ("Kulturaustausch", ["culture"]),
    ("Sportaustausch", ["jeunesse"]), ("Umweltschutz", ["environnement"]), ("Wirtschaftsförderung", ["economie"]),
    ("Berufsausbildung", ["education"]), ("Feuerwehr", []), ("Salud y educación", ["sante", "education"]),
    ("Agua y saneamiento básico", ["eau"]), ("Cooperación cultural", ["culture"]), ("Desarrollo urbano", ["urbanisme"]),
    ("Medio ambiente y cambio climático", ["environnement"]), pytest.param("Educazione ambientale", ["education", "environnement"], marks=pytest.mark.xfail(strict=True, reason="words in no file (educazione, ambientale)")),
    ("Scambi culturali", ["culture"]), ("Cooperazione sanitaria", ["sante"]), ("Gestão da água", ["eau"]),
    ("Educação e cultura", ["education", "culture"]), ("Mudanças climáticas", ["environnement"]),
    ("Saúde materno-infantil", ["sante"]), ("Intercâmbios desportivos", ["jeunesse"]),
]


def _texts(cases: list) -> list[str]:
    return [case.values[0] if hasattr(case, "values") else case[0] for case in cases]


def test_held_out_values_are_not_listed_in_the_files():
    listed = [(t, VOCABULARY.kinds) for t in _texts(HELD_OUT_KINDS + FRESH_KINDS)] \
        + [(t, VOCABULARY.statuses) for t in _texts(HELD_OUT_STATUSES + FRESH_STATUSES)] \
        + [(t, VOCABULARY.themes) for t in _texts(HELD_OUT_THEMES + FRESH_THEMES)]
    assert [t for t, rules in listed if fold(t) in rules.exact] == []


@pytest.mark.parametrize("text, code", [
    ("Oui", "actif"), ("Yes", "actif"), ("Ja", "actif"), ("Sí", "actif"), ("Sim", "actif"),
    ("Non", "en_sommeil"), ("No", "en_sommeil"), ("Nein", "en_sommeil"),
    ("Não", "en_sommeil"),
])
def test_a_yes_or_no_answer_is_a_status_in_six_languages(text, code):
    assert map_vocabulary(text, VOCABULARY.statuses) == code


@pytest.mark.parametrize("text, code", HELD_OUT_KINDS + FRESH_KINDS)
def test_should_map_kinds_written_in_six_languages(text, code):
    assert map_vocabulary(text, VOCABULARY.kinds) == code


@pytest.mark.parametrize("text, code", HELD_OUT_STATUSES + FRESH_STATUSES)
def test_should_map_statuses_written_in_six_languages(text, code):
    assert map_vocabulary(text, VOCABULARY.statuses) == code


@pytest.mark.parametrize("text, codes", HELD_OUT_THEMES + FRESH_THEMES)
def test_should_map_themes_written_in_six_languages(text, codes):
    found, keywords = map_themes(text, VOCABULARY.themes)
    assert found == codes
    assert keywords == ([] if codes else [text])


def test_folding_and_stemming_make_inflections_and_word_order_one_key():
    plural, singular = tokens("Les échanges scolaires"), tokens("échange scolaire")
    assert len(plural) == len(singular) == 2
    assert all(a & b for a, b in zip(plural, singular))
    rules = Rules.parse(["echange scolaire => education", "eau, assainissement => eau"])
    assert rules.match("Les échanges scolaires") == ("education",)
    assert rules.match("Projets d'assainissement et d'eau potable") == ("eau",)


def test_the_longest_rule_wins_and_a_cell_can_give_several_themes():
    rules = Rules.parse(["education => education", "education a la citoyennete => ecsi", "culture => culture"])
    assert rules.match("Éducation à la citoyenneté") == ("ecsi",)
    assert rules.match("Culture, éducation à la citoyenneté et éducation") == ("culture", "ecsi", "education")
    assert rules.best("Éducation à la citoyenneté") == "ecsi"


def test_answer_words_and_single_letters_match_only_a_whole_cell():
    rules = Rules.parse(["non, no => en_sommeil", "p => jumelage"])
    assert rules.best("Non") == "en_sommeil"
    assert rules.best("non renseigné") is None
    assert rules.best("P") == "jumelage"
    assert rules.best("P. Müller") is None


def test_a_negation_binds_to_the_word_after_it():
    rules = Rules.parse(["actif => actif", "pas actif => en_sommeil"])
    assert rules.best("Pas actif") == "en_sommeil"
    assert rules.best("Actif, pas de budget") == "actif"


def test_staff_words_in_the_instance_folder_are_added_to_the_defaults(tmp_path):
    (tmp_path / "kinds.txt").write_text("Bürgerbegegnung => contact\n", encoding="utf-8")
    vocabulary = Vocabulary(extra=tmp_path)
    assert vocabulary.kind("Bürgerbegegnungen") == "contact"
    assert vocabulary.kind("Twinning") == "jumelage"
    assert Vocabulary().kind("Bürgerbegegnungen") is None


def test_a_value_can_be_asked_which_vocabulary_it_belongs_to():
    assert VOCABULARY.fields_of("Städtepartnerschaft") == {"kind"}
    assert VOCABULARY.fields_of("Ruhend") == {"status"}
    assert VOCABULARY.fields_of("Wasserversorgung; Kultur") == {"themes"}
    assert VOCABULARY.fields_of("Montpellier") == set()


def test_unmapped_kinds_statuses_and_themes_are_counted_most_frequent_first():
    frame = pd.DataFrame({
        "row": [2, 3, 4, 5],
        "french_name": ["Nancy"] * 4, "partner_name": ["Karlsruhe"] * 4, "partner_country": ["DE"] * 4,
        "kind": ["Twinning", "Bürgerbegegnung", "Bürgerbegegnung", "Schulprojekt"],
        "status": ["aktiv", "???", None, "???"],
        "themes": ["Kultur; Jeux vidéo", "Jeux vidéo", "Sport", "Astronomie"],
    })
    frame = normalize_frame(frame, VOCABULARY)
    unmapped: dict[str, Counter] = {}
    count_unmapped(unmapped, frame)
    assert unmapped["kind"].most_common() == [("Bürgerbegegnung", 2), ("Schulprojekt", 1)]
    assert unmapped["status"].most_common() == [("???", 2)]
    assert unmapped["themes"].most_common() == [("Jeux vidéo", 2), ("Astronomie", 1)]
    assert list(frame["kind"]) == ["jumelage", None, None, None]
    assert list(frame["kind_text"]) == ["Twinning", "Bürgerbegegnung", "Bürgerbegegnung", "Schulprojekt"]


def test_place_names_are_seldom_read_as_kinds_statuses_or_themes():
    """Stems of six languages make short words meet (`Santa` and `santé`, `Cours` and `en
    cours`): on the official names of French communes, a column of names must not look like
    a column of kinds, statuses or themes (column profiling asks `fields_of`)."""
    names = pd.read_csv(Path(__file__).resolve().parent.parent / "repertoire" / "data" / "communes.csv.gz", usecols=["nom"], dtype=str)["nom"].dropna().unique()[::10]
    read = [name for name in names if VOCABULARY.fields_of(name)]
    assert len(names) > 3000
    assert len(read) / len(names) < 0.01, read


def test_ingest_prints_the_words_no_vocabulary_knows_and_reads_the_instance_files(empty_app, tmp_path):
    survey = tmp_path / "partners.csv"
    survey.write_text(
        "Collectivité;Collectivité partenaire;Pays;Type d'accord;Statut;Thématiques\n"
        "Nancy;Karlsruhe;Allemagne;Städtepartnerschaft;aktiv;Kultur, Jeux vidéo\n"
        "Metz;Trier;Allemagne;Bürgerbegegnung;ruhend;Jeux vidéo\n"
        "Lille;Erfurt;Allemagne;Bürgerbegegnung;???;Sport\n", encoding="utf-8")
    runner = empty_app.test_cli_runner()
    result = runner.invoke(cli, ["ingest", str(survey)])
    assert result.exit_code == 0, result.output
    assert "kind not recognised (1 distinct; vocabulary/kinds.txt): Bürgerbegegnung (2)" in result.output
    assert "status not recognised (1 distinct; vocabulary/statuses.txt): ??? (1)" in result.output
    assert "themes not recognised (1 distinct; vocabulary/themes.txt): Jeux vidéo (2)" in result.output

    folder = Path(empty_app.instance_path) / "vocabulary"
    folder.mkdir()
    (folder / "kinds.txt").write_text("Bürgerbegegnung => contact\n", encoding="utf-8")
    again = tmp_path / "partners-2.csv"
    again.write_text(survey.read_text(encoding="utf-8").replace("Lille;Erfurt", "Lyon;Erfurt"), encoding="utf-8")
    result = runner.invoke(cli, ["ingest", str(again)])
    assert "kind not recognised" not in result.output
    kinds = {r["french_name"]: r["kind"] for r in Registry(empty_app.config["REGISTRY"]).partnerships()}
    assert kinds == {"Nancy": "jumelage", "Metz": "contact", "Lille": None, "Lyon": "contact"}


def test_a_negation_stops_at_a_comma():
    assert VOCABULARY.status("Non, il est en sommeil") == "en_sommeil"
    assert VOCABULARY.status("Non, terminé en 2012") == "termine"
    assert VOCABULARY.status("Non actif, en sommeil") == "en_sommeil"


def test_a_german_compound_is_read_by_its_first_word_as_german_joins_it():
    assert VOCABULARY.themes.match("Schulaustausch") == ("education",)  # Schule → Schul-
    assert VOCABULARY.themes.match("Gesundheitsförderung") == ("sante",)  # Gesundheit + s
    assert VOCABULARY.themes.match("Informations") == ()  # in|formation is no compound


@pytest.mark.parametrize("text, field, expected", [
    # choices of form exports, cut short: the words they begin, when those say one code
    ("coop_decentralisee", "kind", "cooperation"), ("agri_alim", "themes", ["agriculture"]),
    ("educ", "themes", ["education"]), ("gouv_locale", "themes", ["gouvernance"]),
    # a short word that begins words of several codes, or a place name, says nothing
    ("Lyon", "themes", []), ("Mont Blanc", "themes", []),
])
def test_abbreviated_choices_read_as_the_words_they_begin(text, field, expected):
    if field == "kind":
        assert VOCABULARY.kind(text) == expected
    else:
        assert map_themes(text, VOCABULARY.themes)[0] == expected


@pytest.mark.parametrize("text, themes", [
    # two phrasings of one theme overlapping in a cell: their words are that theme's, no other
    ("Global citizenship education", ["ecsi"]), ("Education for global citizenship", ["ecsi"]),
    ("Development education and global citizenship", ["ecsi"]),
    # two themes side by side stay two
    ("Education et culture", ["education", "culture"]), ("Educación para la ciudadanía global y salud", ["ecsi", "sante"]),
])
def test_overlapping_phrasings_of_a_theme_read_as_that_theme(text, themes):
    assert map_themes(text, VOCABULARY.themes)[0] == themes
