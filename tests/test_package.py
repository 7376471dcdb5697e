"""The package installs as a package: `pip install .` (not editable) brings the templates, styles,
map assets, translations and reference data with it, and the installed copy ingests, maps, prints
and serves pages from a folder that is not the checkout.

The wheel is built once and installed with `pip install --target` into a temporary folder; the
commands then run from another temporary folder with only that folder (and the dependencies
of this environment) to import from. A fresh virtualenv with the dependencies downloaded is
the same check, too slow for the suite (README, "Install as a package").
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The package built into a wheel and installed, non-editable, into a folder of its own."""
    wheels, target = tmp_path_factory.mktemp("wheel"), tmp_path_factory.mktemp("site")
    build = tmp_path_factory.mktemp("build")  # a copy of the sources: the checkout gets no build/
    _copy_sources(build)
    subprocess.run(PIP + ["wheel", "--no-deps", "-w", str(wheels), str(build)], check=True, capture_output=True)
    wheel = next(wheels.glob("repertoire-*.whl"))
    subprocess.run(PIP + ["install", "--no-deps", "--target", str(target), str(wheel)], check=True, capture_output=True)
    return target


def _copy_sources(build: Path) -> None:
    """The files git knows or would add, as they are in the working tree (edits included)."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-c", "-o", "--exclude-standard"],
                            capture_output=True, text=True, check=True).stdout.splitlines()
    for name in listed:
        source = ROOT / name
        if source.is_file() and not name.startswith("tests/"):
            (build / name).parent.mkdir(parents=True, exist_ok=True)
            (build / name).write_bytes(source.read_bytes())


def run(installed: Path, folder: Path, *args: str) -> subprocess.CompletedProcess:
    """A command of the installed copy, run from `folder` with nothing of the checkout importable."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(installed),
           "REPERTOIRE_INSTANCE": str(folder / "instance"), "HOME": str(folder)}
    return subprocess.run(args, cwd=folder, env=env, capture_output=True, text=True, timeout=300)


def test_the_wheel_holds_data_templates_assets_and_translations_but_not_the_build_scripts(installed):
    files = {p.relative_to(installed).as_posix() for p in installed.rglob("*") if p.is_file()}
    for needed in ("repertoire/data/communes.csv.gz", "repertoire/data/vocabulary/themes.txt",
                   "repertoire/data/world/countries-110m.geojson", "repertoire/data/chapters/JP.md",
                   "web/templates/base.html", "web/static/site.css", "web/openapi.json",
                   "web/translations/en/LC_MESSAGES/messages.mo", "maps/browser/vendor/leaflet/leaflet.js"):
        assert needed in files
    assert not any("build_" in name for name in files)
    assert not any(name.startswith(("tests/", "scripts/")) for name in files)


def test_the_installed_copy_ingests_maps_prints_and_serves_from_another_folder(installed, tmp_path):
    python = sys.executable
    cli = "from app import cli; cli()"
    where = run(installed, tmp_path, python, "-c", "import repertoire, web, maps; print(repertoire.__file__, web.__file__)")
    assert where.returncode == 0 and all(path.startswith(str(installed)) for path in where.stdout.split())

    survey = FIXTURES / "partenaires-armenie-maroc.csv"
    ingest = run(installed, tmp_path, python, "-c", cli, "ingest", str(survey))
    assert ingest.returncode == 0, ingest.stderr
    assert "Registry:" in ingest.stdout

    mapped = run(installed, tmp_path, python, "-c", cli, "map", "--country", "AM", "-o", "carte.html")
    assert mapped.returncode == 0, mapped.stderr
    page = (tmp_path / "carte.html").read_text(encoding="utf-8")
    assert "Leaflet" in page and not re.search(r'<(?:script|link)[^>]*(?:src|href)="https?://', page)  # inlined

    printed = run(installed, tmp_path, python, "-c", cli, "pdf", "AM", "-o", "am.pdf")
    assert printed.returncode == 0, printed.stderr
    assert (tmp_path / "am.pdf").read_bytes().startswith(b"%PDF")

    pages = run(installed, tmp_path, python, "-c", """
import json
from app import create_app
client = create_app().test_client()
answers = {url: client.get(url) for url in ("/", "/?lang=en", "/static/site.css",
           "/static/maps/vendor/leaflet/leaflet.js", "/carte/pays/AM", "/carte/contours/monde.geojson")}
print(json.dumps({url: [r.status_code, r.get_data(as_text=True)[:20000]] for url, r in answers.items()}))
""")
    assert pages.returncode == 0, pages.stderr
    answers = json.loads(pages.stdout.splitlines()[-1])
    assert all(status == 200 for status, _ in answers.values()), {u: s for u, (s, _) in answers.items()}
    assert 'lang="fr"' in answers["/"][1] and 'lang="en"' in answers["/?lang=en"][1]
    assert answers["/"][1] != answers["/?lang=en"][1]  # the English catalogue was found
