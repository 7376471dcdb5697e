"""The one table of fields and the one reference service (issue 14 item 4)."""
from __future__ import annotations

import pytest

from repertoire import fields
from repertoire.reference import VOCABULARIES, reference
from repertoire.registry import Registry


def test_the_registry_stores_exactly_the_fields_the_table_says(tmp_path):
    registry = Registry(tmp_path / "r.sqlite3")
    columns = [row[1] for row in registry.iter_rows("PRAGMA table_info(partnerships)")]
    assert set(columns) == set(fields.STORED)


def test_staff_edit_exactly_the_editable_fields():
    from repertoire import editing
    assert editing.EDITABLE == fields.EDITABLE and "funding" in fields.EDITABLE and "id" not in fields.EDITABLE


def test_each_role_sees_what_the_roles_before_it_see():
    public, member, staff = (set(fields.names(role)) for role in fields.ROLES)
    assert public < member < staff
    assert member - public == {"funding", "contacts"}


@pytest.mark.parametrize("vocabulary", [*VOCABULARIES, "countries", "regions", "departements"])
def test_every_code_is_read_back_from_its_name_in_either_language(vocabulary):
    ref = reference()
    for code in ref.codes(vocabulary):
        for lang in ("fr", "en"):
            assert ref.code(vocabulary, ref.name(vocabulary, code, lang)) == code, (code, lang)
        assert ref.code(vocabulary, code) == code


def test_names_are_french_first_and_unknown_codes_stay_as_given():
    ref = reference()
    assert (ref.name("countries", "AM"), ref.name("countries", "AM", "en")) == ("Arménie", "Armenia")
    assert ref.region_name("84") == "Auvergne-Rhône-Alpes" and ref.departement_name("2A") == "Corse-du-Sud"
    assert ref.name("kinds", "contact", "en") and ref.name("countries", "ZZ") == "ZZ"
    assert ref.code("countries", "Allemagne") == "DE" and ref.code("countries", "Bundesrepublik Deutschland") == "DE"
