"""The country répertoire PDF: metadata, fonts embedded, valid file, every partnership in the text."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

from app import cli, create_app
from repertoire.ingest import ingest_files
from repertoire.pdf import Options, RepertoireError, country, render
from repertoire.pdf.document import RepertoireDoc
from repertoire.pdf.fonts import markup, runs
from repertoire.pdf.typography import french
from repertoire.registry import Registry

FIXTURES = Path(__file__).parent / "fixtures"
needs_poppler = pytest.mark.skipif(not shutil.which("pdffonts"), reason="poppler-utils not installed")

JAPAN = [
    dict(id="p1", french_id="commune:33063", french_name="Bordeaux", french_type="commune", departement="33",
         region="75", partner_name="Fukuoka", partner_native="福岡市", partner_country="JP", partner_region="Fukuoka",
         kind="jumelage", status="actif", since=1982, since_date="1982-11-06", themes="culture;education",
         keywords="", description="Échanges: lycées, « semaine japonaise » ; musées!", projects="Festival",
         funding="Ville de Bordeaux", contacts="secret@bordeaux.example"),
    dict(id="p2", french_id="region:84", french_name="Auvergne-Rhône-Alpes", french_type="region", departement=None,
         region="84", partner_name="Shizuoka", partner_native="静岡県", partner_country="JP", partner_region=None,
         kind="cooperation", status="en_sommeil", since=2013, since_date=None, themes="economie",
         keywords="", description=None, projects=None, funding=None, contacts=None),
]


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def pages_of(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def synthetic(n: int) -> list[dict]:
    """n partnerships, one per collectivité, whose descriptions of 1 to 5 lines end pages at
    every height (with these lengths the old layout cut entries 71, 131 and 191)."""
    return [dict(id=f"s{i}", french_id=f"commune:{10000 + i}", french_name=f"Ville{i:03d}", french_type="commune",
                 departement="33", region="75", partner_name=f"Partenaire{i:03d}", partner_country="DE",
                 kind="jumelage", status="actif", since=1960 + i % 60, themes="culture",
                 description=f"Début{i:03d} {' '.join(['mot'] * (5 + (i * 37) % 60))} Fin{i:03d}")
            for i in range(n)]


def japan_book() -> list[dict]:
    """The two Japanese partnerships and ten more: a full book (contents, chart, indexes)."""
    return JAPAN + [dict(p, partner_country="JP", id=f"j{i}") for i, p in enumerate(synthetic(10))]


@pytest.fixture(scope="module")
def japan_pdf() -> bytes:
    return render(japan_book(), "JP")


@pytest.fixture(scope="module")
def am_instance(tmp_path_factory, references) -> Path:
    """An instance whose registry holds the Armenia/Morocco fixture only (real twinnings)."""
    instance = tmp_path_factory.mktemp("pdf-instance")
    registry = Registry(instance / "registry.sqlite3")
    ingest_files(registry, [FIXTURES / "partenaires-armenie-maroc.csv"], references)
    registry.close()
    return instance


@pytest.fixture(scope="module")
def am_registry(am_instance):
    registry = Registry(am_instance / "registry.sqlite3")
    yield registry
    registry.close()


def test_french_spacing_uses_a_fixed_space_that_never_breaks():
    assert french("Thèmes: « eau » ; oui!") == "Thèmes\u202f: «\u202feau\u202f»\u202f; oui\u202f!"
    assert french("http://x.fr 10:30 l'eau") == "http://x.fr 10:30 l’eau"
    assert french("Tverskaya oblast', Perm'.") == "Tverskaya oblast’, Perm’."  # a soft sign closes the word
    assert french("a\u00a0;") == "a\u202f;"


def test_the_fixed_spaces_keep_their_width_in_justified_lines_and_never_start_a_line():
    import pdfplumber

    text = ("Les échanges : un texte assez long pour que la ligne soit justifiée ; encore des mots « ici » "
            "puis d'autres : " * 12)
    pdf = render([dict(JAPAN[1], description=text)], "JP")
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        chars = [c for page in doc.pages for c in page.chars]
    fine: dict[tuple, set] = {}
    for c in chars:
        if c["text"] == "\u202f":
            fine.setdefault((c["fontname"], round(c["size"], 1)), set()).add(round(c["width"], 2))
    assert fine and all(len(widths) == 1 for widths in fine.values())  # however much a line is stretched
    lines: dict[float, list] = {}
    for c in chars:
        lines.setdefault(round(c["top"]), []).append(c)
    for line in lines.values():
        first = min(line, key=lambda c: c["x0"])["text"]
        assert first not in ":;»!?\u202f"  # never a line that starts with the punctuation


def test_french_spacing_crosses_markup_and_follows_numbers_in_chapters_contents_and_headers(tmp_path):
    import pdfplumber

    (tmp_path / "JP.md").write_text(
        "# Le Japon : villes et d'autres\n\n- **47 préfectures** : la métropole et « *to* » ;\n"
        "- environ 1 700 : bien des communes.\n\n" + "Un texte qui remplit la page. " * 200 +  # on to the next
        "\n\n## Provence-Alpes-Côte d'Azur\n\nTexte.\n", encoding="utf-8")
    pdf = render(japan_book(), "JP", Options(chapters_dir=str(tmp_path)))
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        pages = [(page.extract_text() or "", "".join(c["text"] for c in page.chars)) for page in doc.pages]
        heads = ["".join(c["text"] for c in page.chars if c["top"] < 50) for page in doc.pages]
    body = "".join(chars for _, chars in pages)
    for phrase in ("préfectures\u202f: la", "«\u202fto\u202f»\u202f;", "1 700\u202f: bien",
                   "Le Japon\u202f: villes et d’autres"):  # chapter, header and contents alike
        assert phrase in body, phrase
    contents = next(text for text, _ in pages if "Sommaire" in text)
    assert "Côte d’Azur" in contents and "d'" not in contents
    assert "Répertoire franco-japonaisLe Japon\u202f: villes et d’autres" in heads


def test_adjective_from_demonym():
    assert country("JP").adjective == "franco-japonais"
    assert country("DE").adjective == "franco-allemand"
    assert country("AM").adjective == "franco-arménien"
    assert country("MA").adjective_plural == "franco-marocains"
    with pytest.raises(RepertoireError):
        country("XX")


def test_script_runs_pick_fonts_with_glyphs():
    assert [f for f, _ in runs("Goris Գորիս 福岡 الصويرة תל אביב Москва", "Serif")] == \
        [None, "Armenian", "CJK", "Arabic", "Hebrew", None]
    assert "&lt;b&gt;" in markup("<b>")  # survey text is never markup


def test_metadata_outline_and_contents(japan_pdf):
    reader = PdfReader(io.BytesIO(japan_pdf))
    meta = reader.metadata
    assert meta.title == "Répertoire des partenariats de coopération décentralisée franco-japonais"
    assert meta.author
    assert reader.trailer["/Root"]["/Lang"] == "fr-FR"
    titles = [o.title for o in reader.outline if not isinstance(o, list)]
    assert "Avant-propos" in titles and "Les partenariats" in titles and "Index" in titles
    assert reader.mediabox_size if hasattr(reader, "mediabox_size") else True
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4


def test_public_edition_has_no_contacts_and_members_has(japan_pdf):
    text = text_of(japan_pdf)
    for p in JAPAN:
        assert p["partner_name"] in text and p["french_name"] in text
    assert "福岡市" in text
    assert "secret@bordeaux.example" not in text
    members = text_of(render(japan_book(), "JP", Options(members=True)))
    assert "secret@bordeaux.example" in members
    # the open licence is the public data's: the colophon says the contacts are not under it
    assert "personnelles" not in " ".join(text.split()).split("Licence.")[1][:200]
    assert "Les contacts de cette édition sont des données personnelles" in " ".join(members.split())
    english_pdf = render(japan_book(), "JP", Options(members=True, lang="en"))
    english = text_of(english_pdf)
    assert PdfReader(io.BytesIO(english_pdf)).metadata.subject == "Decentralised cooperation with: Japan"
    assert "Members’ edition — contains personal data" in english and "Édition réservée" not in english


def test_chapter_typeset_from_markdown(japan_pdf, tmp_path):
    text = text_of(japan_pdf)
    assert "Deux niveaux de collectivités" in text and "Sommaire" in text
    (tmp_path / "JP.md").write_text("# Préface locale\n\nUn *texte* avec un [lien](https://example.org).\n")
    own = text_of(render(japan_book(), "JP", Options(chapters_dir=str(tmp_path))))
    assert "Préface locale" in own and "Deux niveaux" not in own


def test_country_without_chapter_has_none(am_registry):
    pdf = render(am_registry.partnerships("partner_country = 'AM'"), "AM")
    titles = [o.title for o in PdfReader(io.BytesIO(pdf)).outline if not isinstance(o, list)]
    assert "Avant-propos" not in titles and titles[0] == "La coopération en chiffres"


@needs_poppler
def test_fonts_embedded_and_file_valid(am_registry, tmp_path):
    path = tmp_path / "am.pdf"
    path.write_bytes(render(am_registry.partnerships("partner_country = 'AM'"), "AM"))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows), fonts  # the "emb" column
    assert any("Armenian" in row for row in rows)
    if shutil.which("qpdf"):
        subprocess.run(["qpdf", "--check", str(path)], capture_output=True, check=True)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for p in am_registry.partnerships("partner_country = 'AM'"):
        assert p["partner_name"] in text and p["french_name"] in text
    assert "Գորիս" in text


def test_arabic_names_present(am_registry):
    rows = am_registry.partnerships("partner_country = 'MA'")
    text = text_of(render(rows, "MA"))
    for p in rows:
        assert p["partner_name"] in text and p["french_name"] in text
    # Shaped (presentation forms, joined): NFKC gives the letters back, in either order.
    letters = unicodedata.normalize("NFKC", text)
    assert "الصويرة" in letters or "الصويرة"[::-1] in letters


def test_route_caches_until_registry_changes(am_instance):
    app = create_app({"TESTING": True, "INSTANCE": str(am_instance)})
    client = app.test_client()
    first = client.get("/pays/am/repertoire.pdf")
    assert first.status_code == 200 and first.data[:5] == b"%PDF-"
    cached = list((am_instance / "cache" / "pdf").glob("repertoire-AM-public-*.pdf"))
    assert len(cached) == 1
    assert client.get("/pays/AM/repertoire.pdf").data == first.data
    assert client.get("/pays/FR/repertoire.pdf").status_code == 404
    assert client.get("/pays/AM/repertoire-membres.pdf").status_code == 302  # members only: to the login page


def test_cli_all(am_instance, am_registry, tmp_path):
    app = create_app({"TESTING": True, "INSTANCE": str(am_instance)})
    result = app.test_cli_runner().invoke(cli, ["pdf", "--all", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repertoire-am.pdf", "repertoire-ma.pdf"]
    said = sorted(line.split(" → ")[0] for line in result.output.splitlines() if " → " in line)
    assert said == [f"AM: {len(am_registry.matching({'country': 'AM'}))} partnerships",
                    f"MA: {len(am_registry.matching({'country': 'MA'}))} partnerships"]


def test_cli_says_one_partnership_in_the_singular(references, tmp_path):
    """A one-link country is « 1 partnership », not « 1 partnerships »."""
    survey = tmp_path / "one.csv"
    survey.write_text("\n".join((FIXTURES / "partenaires-armenie-maroc.csv").read_text().splitlines()[:2]) + "\n")
    registry = Registry(tmp_path / "registry.sqlite3")
    ingest_files(registry, [survey], references)
    registry.close()
    app = create_app({"TESTING": True, "INSTANCE": str(tmp_path)})
    result = app.test_cli_runner().invoke(cli, ["pdf", "AM", "--no-map", "-o", str(tmp_path / "am.pdf")])
    assert result.exit_code == 0, result.output
    assert "AM: 1 partnership →" in result.output


def test_an_entry_is_never_cut_between_pages_nor_its_heading_left_at_a_page_foot():
    pages = pages_of(render(synthetic(240), "DE"))
    entries_end = next(i for i, text in enumerate(pages) if text.startswith("Index\nCollectivités"))

    def page_of(word: str) -> int:
        return next(i for i, text in enumerate(pages[:entries_end]) if word in text)

    assert [i for i in range(240) if page_of(f"Partenaire{i:03d}") != page_of(f"Fin{i:03d}")] == []
    assert [i for i in range(240) if page_of(f"Ville{i:03d}") != page_of(f"Partenaire{i:03d}")] == []


def test_the_build_settles_in_two_passes_and_a_compact_book_in_one(monkeypatch, am_registry):
    passes = []
    build = RepertoireDoc.build
    monkeypatch.setattr(RepertoireDoc, "build", lambda self, *a, **kw: passes.append(1) or build(self, *a, **kw))
    render(synthetic(120), "DE")
    render(am_registry.partnerships("partner_country = 'AM'"), "AM")  # 7 links: compact, nothing to settle
    assert len(passes) == 3


def test_thematic_index_gives_each_partnership_its_page(japan_pdf):
    pages = pages_of(japan_pdf)
    index = next(i for i, text in enumerate(pages) if "\nThèmes\n" in text and "Culture et patrimoine" in text)
    text = "\n".join(pages[index:])
    assert text.index("Culture et patrimoine") < text.index("Bordeaux (33) – Fukuoka")
    assert text.index("Développement économique") < text.index("Auvergne-Rhône-Alpes – Shizuoka")
    page = int(re.search(r"Bordeaux \(33\) – Fukuoka\s+(\d+)", text).group(1))
    assert "Fukuoka" in pages[page - 1] and "Jumelage" in pages[page - 1]


def test_map_page_shows_the_links_then_the_french_collectivites(am_registry, tmp_path):
    from maps import static

    rows = am_registry.partnerships("partner_country = 'AM'")
    links, france = static.country_map(rows, "AM"), static.france_map(rows)
    plain = render(rows, "AM")
    pdf = render(rows, "AM", Options(map_image=links, france_image=france))
    # a compact book (7 links): the map of links at full width under the figures (it shows the
    # French side too), the entries after it
    page = next(p for p in PdfReader(io.BytesIO(pdf)).pages if "Les liens entre" in (p.extract_text() or ""))
    assert "La coopération en chiffres" in page.extract_text()
    assert sorted(page["/Resources"]["/XObject"]) == ["/FormXob.Map0"]
    full = render(rows + [dict(p, partner_country="AM", id=f"x{i}") for i, p in enumerate(synthetic(5))], "AM",
                  Options(map_image=links, france_image=france))
    page = next(p for p in PdfReader(io.BytesIO(full)).pages
                if "Carte des partenariats" in (p.extract_text() or "") and "Sommaire" not in p.extract_text())
    assert "Les collectivités françaises concernées" in page.extract_text()  # on the same page: it fits
    assert sorted(page["/Resources"]["/XObject"]) == ["/FormXob.Map0", "/FormXob.Map1"]
    assert len(pdf) < len(plain) + len(links) + len(france) + 40_000  # drawn in, not copied apart
    if shutil.which("qpdf"):
        (tmp_path / "am.pdf").write_bytes(pdf)
        subprocess.run(["qpdf", "--check", str(tmp_path / "am.pdf")], capture_output=True, check=True)


# --- what an editor reads -----------------------------------------------------------------------

def test_a_small_book_is_compact_with_french_plurals():
    one = [dict(JAPAN[0], partner_country="EG", partner_name="Le Caire", partner_native="القاهرة",
                partner_region=None)]
    pdf = render(one, "EG")
    pages = pages_of(pdf)
    text = "\n".join(pages)
    assert len(pages) <= 4
    assert "1 partenariat réunit 1 collectivité française et 1 collectivité partenaire" in " ".join(text.split())
    assert "Index" not in text and "Sommaire" not in text and "décennie" not in text
    assert "À propos de ce répertoire" in text and "Licence" in text  # the colophon


def test_the_colophon_is_set_at_the_foot_of_the_cover_at_the_page_s_width(japan_pdf):
    """Not in the indexes' third column, nor under the contents (it pushed the figures on)."""
    import pdfplumber

    for pdf in (japan_pdf, render([JAPAN[0]], "JP")):  # a full book and a compact one
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            cover = doc.pages[0]
            lines = cover.extract_text_lines()
            width, height = float(cover.width), float(cover.height)
        starts = [line for line in lines if line["text"].startswith(("Sources.", "Licence.", "Corriger une fiche."))]
        assert len(starts) == 3
        assert all(line["x1"] - line["x0"] > width / 2 for line in starts)
        assert max(line["bottom"] for line in lines) > height - 3 * 72 / 2.54  # at the foot


def test_a_chapter_that_follows_on_a_page_is_set_apart_from_the_text_above(japan_pdf):
    import pdfplumber

    gaps = []
    with pdfplumber.open(io.BytesIO(japan_pdf)) as doc:
        for page in doc.pages[1:]:
            lines = [line for line in page.extract_text_lines() if line["top"] > 60]  # below the running header
            for above, line in zip(lines, lines[1:]):
                if round(line["chars"][0]["size"]) == 20 != round(above["chars"][0]["size"]):  # a chapter title
                    gaps.append(line["top"] - above["bottom"])
    assert gaps and min(gaps) >= 20


def test_no_word_is_printed_twice_in_a_row_in_either_edition():
    """« The entries come from from the network's surveys »: a template and its filling both said « from »."""
    rows = JAPAN + [dict(q, partner_country="JP", id=f"j{i}", description=f"Échanges de lycéens, saison {i}.")
                    for i, q in enumerate(synthetic(10))]  # a full book: contents, colophon, indexes
    for lang in ("fr", "en"):
        text = text_of(render(rows, "JP", Options(lang=lang)))
        doubled = re.findall(r"\b([^\W\d_]{2,})\s+\1\b", text, flags=re.IGNORECASE)
        assert not doubled, (lang, doubled)


def test_the_figures_tables_have_a_total_each_and_a_facet_of_one_value_is_a_line_not_a_table(japan_pdf):
    figures = next(page for page in pages_of(japan_pdf) if "Type de partenariat" in page)
    assert figures.count("Total") == 4  # kinds, statuses, types of collectivité, French régions
    same = [dict(q, partner_country="JP") for q in synthetic(12)]  # all communes, twinnings, active, in one région
    text = " ".join(" ".join(pages_of(render(same, "JP"))).split())
    assert "100 %" not in text and "100%" not in text
    assert "Type de partenariat : Jumelage (12)" in text and "Statut : Actif (12)" in text


def test_an_ended_link_was_signed_and_a_one_link_map_caption_is_singular(am_registry):
    from maps import static

    ended = dict(JAPAN[0], partner_country="EG", partner_name="Le Caire", partner_region=None, status="termine",
                 since_date="2007-02-07")
    rows = [ended, dict(JAPAN[1], partner_country="EG", id="p3", status="termine", since=2013)]
    text = " ".join(text_of(render(rows, "EG")).split())
    assert "signé le 7 février 2007 · Terminé" in text and "signé en 2013 · Terminé" in text and "depuis" not in text
    assert "signed on 7 February 2007 · Ended" in " ".join(text_of(render(rows, "EG", Options(lang="en"))).split())
    one = am_registry.partnerships("partner_country = 'AM'")[:1]
    pdf = render(one, "AM", Options(map_image=static.country_map(one, "AM")))
    text = " ".join(text_of(pdf).split())
    assert "Le lien entre la collectivité française et son partenaire (Arménie)." in text
    assert "Les liens entre" not in text


def test_a_departement_number_never_starts_a_line():
    rows = [dict(q, partner_country="JP", french_name=f"Saint-Gengoux-le-National{i}", departement="71")
            for i, q in enumerate(synthetic(12))]
    lines = [line.strip() for page in pages_of(render(rows, "JP")) for line in page.splitlines()]
    assert any(line.endswith("Saône-et-Loire (71)") for line in lines)
    assert not any(line.startswith("(71)") for line in lines)
    assert not any(line.endswith("—") for line in lines)  # the dash starts the line of what it introduces


def test_entry_text_is_what_an_editor_prints():
    p = dict(JAPAN[0], since=1982, since_date="1982-06-01", themes="ecsi;environnement", keywords="Humanitaire",
             description="Jumelage entre Bordeaux et Fukuoka (Japon) depuis 1982 : ecsi, environnement. "
                         "Échanges de lycéens chaque été. Mise à jour 2025.", status="en_sommeil_ou_termine",
             partner_name="Fukuoka (Kreis) (Fukuoka, Stadt)")
    text = " ".join(text_of(render([p] + [dict(q, partner_country="JP") for q in synthetic(12)], "JP")).split())
    assert "depuis le 1er juin 1982" in text
    assert "Éducation à la citoyenneté et à la solidarité internationale · Environnement, climat, énergie · " \
           "Humanitaire" in text
    assert "Échanges de lycéens chaque été." in text
    assert "Mise à jour" not in text and "Jumelage entre Bordeaux" not in text
    assert "(Kreis)" not in text and "Fukuoka (福岡市)" in text
    assert "Inactif (en sommeil ou terminé)" not in text and "Jumelage · depuis le 1er juin 1982 · En sommeil" in text


def test_a_sentence_restating_the_entry_line_keeps_only_what_it_adds():
    # the Moroccan and Armenian sample surveys write « Jumelage entre A et B (Pays) : … »
    p = dict(JAPAN[0], themes="culture", keywords="",
             description="Jumelage entre Bordeaux et Fukuoka (Japon) : échanges de lycéens et festival du film. "
                         "Projet de jardin japonais.",
             projects="Jumelage entre Bordeaux et Fukuoka (Japon) depuis 1982 : culture.")
    text = " ".join(text_of(render([p] + [dict(q, partner_country="JP") for q in synthetic(12)], "JP")).split())
    assert "Jumelage entre Bordeaux" not in text
    assert "Échanges de lycéens et festival du film. Projet de jardin japonais." in text
    assert "Projets" not in text  # it only said the kind, the names, the date and the theme
    # the English edition reads the survey's French list of themes as its themes too
    q = dict(p, themes="culture;dechets", keywords="", projects=None,
             description="Jumelage entre Bordeaux et Fukuoka (Japon) depuis 1982 : gestion des déchets, culture, "
                         "humanitaire.")
    english = " ".join(text_of(render([q] + [dict(r, partner_country="JP") for r in synthetic(12)], "JP",
                                      Options(lang="en"))).split())
    assert "Waste management" in english and "gestion des déchets" not in english.lower()


def test_partner_names_print_without_register_brackets_or_english_units_and_no_region_repeats_the_name():
    from maps import static

    def book(name: str, country: str, region: str | None, lang: str = "fr") -> str:
        row = dict(JAPAN[0], partner_name=name, partner_native=None, partner_country=country, partner_region=region)
        return " ".join(text_of(render([row], country, Options(lang=lang))).split())

    district = book("Dongcheng District", "CN", "Pékin")
    assert "District de Dongcheng — Pékin" in district and "Dongcheng District" not in district
    assert "District d’Arabkir — Erevan" in book("Arabkir District", "AM", "Erevan")
    assert "Olhão — Faro" in book("Olhão Municipality", "PT", "Faro")
    assert "Dongcheng District — Beijing" in book("Dongcheng District", "CN", "Pékin", "en")  # English as written
    register = book("Oldenburg (Kreis) (Wildeshausen, Stadt)", "DE", "Basse-Saxe")
    assert "Wildeshausen — Basse-Saxe" in register and "Kreis" not in register
    assert "Kastellaun — Rhénanie-Palatinat" in book("Kastellaun (Verbandsgemeinde)", "DE", "Rhénanie-Palatinat")
    cairo = book("Le Caire", "EG", "Le Caire")
    assert "Le Caire — Le Caire" not in cairo and "Le Caire" in cairo
    link = dict(JAPAN[0], partner_name="Futian District", partner_country="CN", french_lat=44.84, french_lon=-0.58,
                partner_lat=22.52, partner_lon=114.05)
    words = " ".join(w["text"] for w in _words(static.country_map([link], "CN")))
    assert "District de Futian" in words and "Futian District" not in words  # the map names it as the book


def test_a_probable_duplicate_is_printed_once_with_a_note_for_staff():
    twice = [dict(JAPAN[0], id="a", partner_name="Neustadt bei Coburg", partner_key="neustadt bei coburg",
                  partner_country="DE", partner_geonameid=1, since=1971, status="actif"),
             dict(JAPAN[0], id="b", partner_name="Neustadt", partner_key="neustadt", partner_country="DE",
                  partner_geonameid=2, since=1955, status=None, description=None, themes="")]
    text = " ".join(text_of(render(twice, "DE")).split())
    assert text.count("Neustadt bei Coburg — ") + text.count("Neustadt bei Coburg\n") <= 1
    assert "1 partenariat réunit" in text
    assert "Aussi déclaré sous le nom « Neustadt » (jumelage, 1955, non précisé)" in text


def test_an_entry_cut_between_columns_says_whose_it_continues():
    long = dict(JAPAN[0], description=" ".join(["Un long texte d’échanges entre les deux villes."] * 160))
    pages = pages_of(render([long] + [dict(q, partner_country="JP") for q in synthetic(12)], "JP"))
    assert any("Bordeaux (33) – Fukuoka (suite)" in page for page in pages)


def test_no_column_of_entries_starts_inside_an_entry_without_saying_whose(sample_registry):
    """A column starts with a région, a collectivité, a partner or a « (suite) » line: never with
    the kind or themes line of an entry whose partner is at the foot of the column before."""
    import pdfplumber

    for code in ("CN", "JP", "MA", "RU"):
        pdf = render(sample_registry.partnerships("partner_country = ?", [code]), code)
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            for number, page in enumerate(doc.pages, 1):
                text = (page.extract_text() or "").replace("\u202f", " ")
                if "Thèmes :" not in text or "Index" in text[:300]:
                    continue
                w, h = float(page.width), float(page.height)
                for box in ((0, 60, w / 2, h - 60), (w / 2, 60, w, h - 60)):
                    lines = page.crop(box).extract_text_lines()
                    if lines:
                        first = lines[0]
                        assert first["chars"][0]["size"] >= 10 or "(suite)" in first["text"], (code, number, first["text"])


def test_the_indexes_start_right_under_their_title(japan_pdf):
    """The frame above the indexes' columns is the height of « Index »: 0.7 cm more for each
    column (the Russian book's last index line had a page of its own)."""
    import pdfplumber

    with pdfplumber.open(io.BytesIO(japan_pdf)) as doc:
        page = next(p for p in doc.pages if "\nIndex\n" in (p.extract_text() or ""))
        lines = page.extract_text_lines()
    title = next(line for line in lines if line["text"] == "Index")
    first = min((line for line in lines if line["top"] > title["bottom"]), key=lambda line: line["top"])
    assert first["top"] - title["bottom"] < 30


def test_the_running_header_names_the_first_region_on_the_page():
    rows = [dict(p, region=("11" if i < 60 else "75")) for i, p in enumerate(synthetic(120))]
    seen = []
    for text in pages_of(render(rows, "DE")):
        first = re.search(r"Ville(\d{3}) —", text)
        if first and "Index" not in text:
            header = text.splitlines()[-2]  # drawn last: « Répertoire franco-allemand », the région, the folio
            seen.append(header)
            assert header == ("Île-de-France" if int(first.group(1)) < 60 else "Nouvelle-Aquitaine"), text[:80]
    assert set(seen) == {"Île-de-France", "Nouvelle-Aquitaine"}


# --- print maps ---------------------------------------------------------------------------------

def _words(pdf: bytes) -> list[dict]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return doc.pages[0].extract_words(extra_attrs=["size"], keep_blank_chars=True)


def test_a_map_of_many_links_shows_flows_between_regions_named_at_seven_points(sample_registry):
    from maps import static

    rows = sample_registry.partnerships("partner_country = 'DE'")
    words = _words(static.country_map(rows, "DE"))
    text = " ".join(w["text"] for w in words)
    metropole = sum(1 for p in rows if p["partner_lat"] is not None and p["french_lat"] is not None
                    and p["region"] and p["region"] > "10")  # the overseas ones are in insets
    assert f"{metropole:,}".replace(",", "\u00a0") + " partenariats, par région" in text  # thousands space
    assert "Bavière" in text and "Basse-Saxe" in text  # partner regions, in French
    assert min(w["size"] for w in words) >= 7
    svg = static.country_map(rows, "DE", fmt="svg").decode()
    assert svg.count("<path") < 1200  # not one arc per link (1,268 links)


def test_a_map_of_few_links_tells_kinds_apart_in_grayscale_and_names_every_partner(sample_registry):
    from maps import static

    rows = sample_registry.partnerships("partner_country = 'JP'")
    words = _words(static.country_map(rows, "JP"))
    text = " ".join(w["text"] for w in words)
    named = {p["partner_name"] for p in rows if p["partner_name"] in text}
    assert len(named) >= 0.8 * len({p["partner_name"] for p in rows})  # in a zoom on Japan, some by a line
    assert min(w["size"] for w in words) >= 7
    svg = static.country_map(rows, "JP", fmt="svg").decode()
    assert "stroke-dasharray" in svg  # coopération dashed, jumelage solid


def test_a_map_name_stands_nearer_its_own_dot_than_any_other(sample_registry):
    """On the map of France of the Japanese links, a name beside another town's dot reads as
    that town's (« Compiègne » beside Honfleur's dot): each name is nearest its own dot."""
    import numpy as np

    from maps import static

    rows = sample_registry.partnerships("partner_country = 'JP'")
    places = {(p["french_lon"], p["french_lat"]): p["french_name"] for p in rows if p["french_lat"] is not None}
    fig, ax = static._figure(120, 120)
    west, south, east, north = static.METROPOLE
    static._frame(ax, [west, east], [south, north], 120, 120, margin=0.02)
    written = static._labels(ax, [(x, y, name) for (x, y), name in places.items()], size=9.5,
                             dots=[(x, y, 2) for x, y in places])
    renderer = fig.canvas.get_renderer()
    at = ax.transData.transform(np.array(list(places), dtype=float))
    assert written >= 0.8 * len(places)
    for note in ax.texts:
        box = note.get_window_extent(renderer)
        own = ax.transData.transform(note.xy)
        distance = np.hypot(np.maximum(np.maximum(box.x0 - at[:, 0], 0), at[:, 0] - box.x1),
                            np.maximum(np.maximum(box.y0 - at[:, 1], 0), at[:, 1] - box.y1))
        others = np.hypot(*(at - own).T) > 3 * fig.dpi / 72  # dots 3 pt apart are drawn over each other
        own_distance = distance[~others].min()
        assert distance[others].min() > own_distance, note.get_text()


def test_the_legend_of_a_map_hides_none_of_its_dots():
    """Grenoble – Le Caire: the upper left corner, where the legend goes first, holds Grenoble."""
    from maps import static

    link = dict(JAPAN[0], french_name="Grenoble", french_lat=45.19, french_lon=5.72, partner_name="Le Caire",
                partner_country="EG", partner_lat=30.06, partner_lon=31.25, kind="cooperation")
    words = _words(static.country_map([link], "EG"))
    legend = [w for w in words if w["text"].startswith("Collectivité")]
    width = max(w["x1"] for w in words)
    assert legend and legend[0]["x0"] > width / 2  # in the upper right corner, over the sea
    assert any(w["text"] == "Grenoble" for w in words)  # a one-link map names its French end too


def test_overseas_collectivites_get_an_inset_instead_of_lines_leaving_the_frame(sample_registry):
    from maps import static

    rows = sample_registry.partnerships("partner_country = 'MA'")
    assert any(p["region"] == "04" for p in rows)  # La Réunion
    text = " ".join(w["text"] for w in _words(static.country_map(rows, "MA")))
    assert "La Réunion" in text


# --- English edition ----------------------------------------------------------------------------

def test_the_english_edition_speaks_english_and_the_french_one_stays_french():
    rows = japan_book()
    english = " ".join(text_of(render(rows, "JP", Options(lang="en"))).split())
    french = " ".join(text_of(render(rows, "JP")).split())
    assert "Directory of decentralised cooperation partnerships: France – Japan" in english
    assert "The partnerships" in english and "Index of themes" in english and "About this directory" in english
    assert "since 6 November 1982" in english and "Culture and heritage · Education, training, research" in english
    assert "12 partnerships bring together 12 French local authorities" in english
    assert "Les partenariats" not in english and "Thèmes" not in english and "Avant-propos" not in english
    assert "depuis le 6 novembre 1982" in french and "Culture et patrimoine · Éducation" in french  # unchanged
    assert "Échanges : lycées" in french  # fine spaces in French only


def test_the_english_edition_is_served_beside_the_french_one_and_linked_from_english_pages(am_instance):
    app = create_app({"TESTING": True, "INSTANCE": str(am_instance)})
    client = app.test_client()
    english = client.get("/pays/AM/repertoire.pdf?lang=en")
    assert english.status_code == 200 and "repertoire-am-en.pdf" in english.headers["Content-Disposition"]
    assert "partnerships" in text_of(english.data)
    french = client.get("/pays/AM/repertoire.pdf")
    assert "partenariats" in text_of(french.data) and french.data != english.data
    assert client.get("/pays/AM/repertoire.pdf?lang=en").data == english.data  # both cached, neither evicted
    page = client.get("/pays/AM?lang=en").get_data(as_text=True)
    assert "/pays/AM/repertoire.pdf?lang=en" in page


def test_the_themes_index_lists_selective_themes_only_and_names_the_common_ones():
    """A theme in more than a quarter of the links (culture: all of them here) would index
    nearly every page; it is named in a note instead. A rarer one (sport, one link in ten)
    keeps its entries, each with its page; keywords that only name the partner are no theme."""
    rows = [dict(p, themes="culture;sport" if i % 10 == 0 else "culture",
                 keywords=f"Partenaire{i:03d} (Kreis)" if i % 7 == 0 else "") for i, p in enumerate(synthetic(80))]
    pages = pages_of(render(rows, "DE"))
    text = "\n".join(pages)
    index = text[text.rindex("\nThèmes\n"):]
    flat = " ".join(index.replace("\u202f", " ").split())
    assert "Non indexés, car présents dans plus d’un lien sur quatre : Culture et patrimoine (80 liens)" in flat
    assert "\nSport\n" in index and index.count(" – Partenaire") == 8
    for i in range(0, 80, 10):
        page = int(re.search(rf"Ville{i:03d} \(33\) – Partenaire{i:03d}\s+(\d+)", index).group(1))
        assert f"Partenaire{i:03d}" in pages[page - 1]
    assert "Kreis" not in "\n".join(pages)  # the keyword naming the partner: neither theme nor index entry


def test_partner_regions_print_in_the_book_s_language_whatever_the_registry_holds():
    """The registry keeps a French name, or an older spelling (ISO's « Turinge »), or what a
    survey wrote (Nordrhein-Westfalen): each edition prints the division's name in its language."""
    written = ["Bavière", "Turinge", "Nordrhein-Westfalen", "Puglia"]
    rows = [dict(p, partner_region=written[i % 4], partner_country="DE" if i % 4 < 3 else "IT")
            for i, p in enumerate(synthetic(12))]
    french = " ".join(pages_of(render([r for r in rows if r["partner_country"] == "DE"], "DE")))
    english = " ".join(pages_of(render([r for r in rows if r["partner_country"] == "DE"], "DE", Options(lang="en"))))
    assert all(name in french for name in ("Bavière", "Thuringe", "Rhénanie-du-Nord-Westphalie"))
    assert "Turinge" not in french and "Nordrhein" not in french
    assert all(name in english for name in ("Bavaria", "Thuringia", "North Rhine-Westphalia"))
    italian = " ".join(pages_of(render([r for r in rows if r["partner_country"] == "IT"], "IT")))
    assert "Pouilles" in italian
