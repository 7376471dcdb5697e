"""Keep the catalogues whole: extract the interface's strings, write the French catalogue,
compile both, and list the English messages still untranslated (the run then fails).

    python scripts/translations.py            # after adding or changing a string

French is the source language, so French needs no translation, but it needs a catalogue of
its own for plurals: without one, gettext falls back to "n == 1 is singular" and writes
« 0 partenariats »; the French catalogue carries CLDR's rule (0 and 1 singular) and its
plural messages. New English messages go into en/LC_MESSAGES/messages.po by hand (or
`pybabel update`), and this script compiles it.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = ROOT / "web" / "translations"


def extract() -> Catalog:
    pot = ROOT / "build" / "messages.pot"
    pot.parent.mkdir(exist_ok=True)
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / "babel.cfg"),
                    "-k", "_l", "-k", "lazy_gettext", "--ignore-dirs=tests", "--ignore-dirs=build",
                    "--no-location", "-o", str(pot), str(ROOT)], check=True, capture_output=True)
    with open(pot, "rb") as f:
        return read_po(f)


def french(template: Catalog) -> Catalog:
    """French messages are their own translation; the catalogue brings the French plural rule."""
    catalog = Catalog(locale=Locale("fr"), project="repertoire")
    for message in template:
        if message.id and message.pluralizable:
            catalog.add(message.id, message.id, flags=())
    return catalog


def main() -> int:
    template = extract()
    english_path = CATALOGUES / "en" / "LC_MESSAGES" / "messages.po"
    with open(english_path, "rb") as f:
        english = read_po(f, locale="en")
    folder = CATALOGUES / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "messages.po", "wb") as f:
        write_po(f, french(template), width=100, no_location=True, sort_output=True)
    for lang in ("en", "fr"):
        folder = CATALOGUES / lang / "LC_MESSAGES"
        with open(folder / "messages.po", "rb") as f:
            catalog = read_po(f, locale=lang)
        with open(folder / "messages.mo", "wb") as f:
            write_mo(f, catalog)
    translated = {m.id for m in english if m.id and (all(m.string) if m.pluralizable else m.string)}
    missing = [m.id for m in template if m.id and m.id not in translated]
    for message in missing:
        print("untranslated:", message, file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
