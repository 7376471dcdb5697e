"""Value cleaning steps, each alone."""
from __future__ import annotations

import pytest

from repertoire.normalize import Vocabulary, map_themes, map_vocabulary, parse_since
from repertoire.text import clean, fold, split_values

VOCABULARY = Vocabulary()


@pytest.mark.parametrize("text, expected", [
    ("1984", (1984, None, None)),
    ("1984.0", (1984, None, None)),
    ("06/08/1995", (1995, "1995-08-06", None)),
    ("1963-11-14 00:00:00", (1963, "1963-11-14", None)),
    ("mars 1998", (1998, None, None)),
    ("12 mars 1998", (1998, "1998-03-12", None)),
    ("March 1998", (1998, None, None)),
    ("35000", (1995, "1995-10-28", None)),  # an Excel day number
    ("31/02/1987", (None, None, "impossible date")),
    ("1850", (None, None, "impossible date")),
    ("3012", (None, None, "impossible date")),
    ("inconnue", (None, None, None)),
])
def test_should_read_signature_dates(text, expected):
    assert parse_since(text) == expected


@pytest.mark.parametrize("text, codes, keywords", [
    ("culture et patrimoine; Education", ["culture", "education"], []),
    ("ÉCHANGES CULTURELS, TOURISME", ["culture", "economie"], []),
    ("CULTURE/PATRIMOINE", ["culture"], []),
    ("Jeunesse & sports\nYouth", ["jeunesse"], []),
    ("climat, Water, Health", ["environnement", "eau", "sante"], []),
    ("Culture et éducation", ["culture", "education"], []),
    ("Jeux vidéo; sport", ["jeunesse"], ["Jeux vidéo"]),
])
def test_should_map_themes_and_keep_the_rest_as_keywords(text, codes, keywords):
    assert map_themes(text, VOCABULARY.themes) == (codes, keywords)


@pytest.mark.parametrize("text, rules, code", [
    ("Twinning", "kinds", "jumelage"), ("JUMELAGE", "kinds", "jumelage"),
    ("Accord de coopération décentralisée", "kinds", "cooperation"),
    ("Protocole d'accord", "kinds", "intention"), ("Relations informelles", "kinds", "contact"),
    ("Charte d'amitié", "kinds", "amitie"), ("en cours", "statuses", "actif"),
    ("peu actif", "statuses", "en_sommeil"), ("Terminé", "statuses", "termine"),
    ("Non", "statuses", "en_sommeil"), ("???", "statuses", None),
])
def test_should_map_kinds_and_statuses(text, rules, code):
    assert map_vocabulary(text, getattr(VOCABULARY, rules)) == code


def test_text_helpers():
    assert fold("Onet-le-Château") == "onet le chateau"
    assert fold("Kōbe") == "kobe"
    assert clean("  Ville\u00a0de  Nancy ") == "Ville de Nancy"
    assert clean(1984.0) == "1984" and clean(float("nan")) is None and clean(" - ") is None
    assert split_values("a; b, c / d\ne") == ["a", "b", "c", "d", "e"]
