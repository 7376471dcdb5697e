"""Shared fixtures: the sample surveys ingested once into a temporary instance folder."""
from __future__ import annotations

from pathlib import Path

import pytest

from app import create_app
from repertoire.ingest import References, ingest_files
from repertoire.registry import Registry

FIXTURES = Path(__file__).parent / "fixtures"
# The order in which expected.csv lists them: a later report of a link merges into it.
SAMPLE_SURVEYS = ["enquete-partenariats-2024.xlsx", "questionnaire-export.csv",
                  "reponses-2019.csv", "mise-a-jour-2025.csv"]


@pytest.fixture(scope="session")
def references() -> References:
    """Reference data, loaded once for the whole run."""
    return References()


@pytest.fixture(scope="session")
def sample_instance(tmp_path_factory, references) -> Path:
    """An instance folder whose registry holds the four sample surveys."""
    instance = tmp_path_factory.mktemp("instance")
    registry = Registry(instance / "registry.sqlite3")
    reports = ingest_files(registry, [FIXTURES / name for name in SAMPLE_SURVEYS], references)
    registry.close()
    instance.joinpath("ingest-reports.txt").write_text(
        "\n".join(f"{r.source} {r.read} {r.accepted} {r.merged} {r.rejected}" for r in reports))
    return instance


@pytest.fixture(scope="session")
def sample_registry(sample_instance) -> Registry:
    registry = Registry(sample_instance / "registry.sqlite3")
    yield registry
    registry.close()


@pytest.fixture(scope="session")
def app(sample_instance):
    """The Flask app on the sample registry (read-only use: tests must not change it)."""
    app = create_app({"TESTING": True, "INSTANCE": str(sample_instance)})
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def empty_app(tmp_path):
    """An app on a fresh, empty instance folder, for tests that write."""
    return create_app({"TESTING": True, "INSTANCE": str(tmp_path / "instance")})
