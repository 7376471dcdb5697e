"""Every third-party package the code imports is declared, pinned, in pyproject.toml: a fresh
`pip install .` brings what the code needs (svglib was once imported and not declared).

The imports are read with `ast` from the four stages and app.py; an import name is mapped to
its distribution by the environment's own metadata (importlib.metadata), never by a list here.
"""
from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("repertoire", "index", "maps", "web")
FIRST_PARTY = {*STAGES, "app"}


def _normal(name: str) -> str:
    """A distribution name as PyPI compares them (PEP 503): `Flask_Babel` = `flask-babel`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement(line: str) -> tuple[str, str]:
    """`flask==3.1.3` → (`flask`, `==3.1.3`); extras and markers dropped."""
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*([^;]*)", line)
    return _normal(m.group(1)), m.group(2).strip()


def _declared() -> tuple[dict[str, str], dict[str, str]]:
    """(run-time requirements, requirements of the extras): distribution → version spec."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = dict(_requirement(line) for line in project["dependencies"])
    extras = dict(_requirement(line) for group in project.get("optional-dependencies", {}).values() for line in group)
    return runtime, extras


def _guarded(tree: ast.AST) -> set[int]:
    """Line numbers of imports inside `try: … except ImportError` (an optional package)."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
                isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
                or isinstance(h.type, ast.Tuple) and any(getattr(e, "id", "") in ("ImportError", "ModuleNotFoundError") for e in h.type.elts)
                for h in node.handlers):
            for inner in node.body:
                lines |= {n.lineno for n in ast.walk(inner) if isinstance(n, (ast.Import, ast.ImportFrom))}
    return lines


def third_party_imports() -> dict[str, list[tuple[str, bool]]]:
    """Top-level module names imported by the project's code that are neither the standard
    library nor the project → [(file:line, optional)]."""
    files = [ROOT / "app.py"] + [p for stage in STAGES for p in sorted((ROOT / stage).rglob("*.py"))]
    found: dict[str, list[tuple[str, bool]]] = {}
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        optional = _guarded(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in FIRST_PARTY or top == "__future__":
                    continue
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                found.setdefault(top, []).append((where, node.lineno in optional))
    return found


def test_every_imported_package_is_a_declared_dependency():
    runtime, extras = _declared()
    distributions = packages_distributions()
    undeclared = []
    for module, places in sorted(third_party_imports().items()):
        required = any(not optional for _, optional in places)
        names = {_normal(d) for d in distributions.get(module, [])}
        if not names and not required and any(_normal(module) in extra for extra in extras):
            continue  # an optional package of an extra, not installed here: named after its module (icu: pyicu)
        if not names:
            undeclared.append(f"{module} (not installed) imported at {places[0][0]}")
            continue
        allowed = set(runtime) if required else set(runtime) | set(extras)
        if not names & allowed:
            where = ", ".join(w for w, _ in places[:3])
            undeclared.append(f"{module} → {'/'.join(sorted(names))}, imported at {where}"
                              + ("" if required else " (optional: an extra would do)"))
    assert not undeclared, "imported but not declared in pyproject.toml:\n" + "\n".join(undeclared)


def test_the_import_reader_sees_the_packages_the_code_is_known_to_use():
    """The reader finds imports in functions and try blocks too (the check above is only as good)."""
    found = third_party_imports()
    assert {"flask", "pandas", "whoosh", "reportlab", "folium"} <= set(found)
    assert "repertoire" not in found and "json" not in found


def test_every_declared_dependency_is_pinned_to_one_version():
    runtime, extras = _declared()
    loose = [f"{name}{spec}" for name, spec in {**runtime, **extras}.items() if not spec.startswith("==")]
    assert not loose, f"not pinned with ==: {loose}"


def test_the_stages_after_the_registry_pass_it_no_sql():
    """The registry owns its SQL: web/, maps/, index/ and app.py call its named methods and never
    hand it a query (`iter_rows`, `registry.db.execute`, a WHERE clause for `partnerships`)."""
    files = [ROOT / "app.py"] + [p for stage in ("index", "maps", "web") for p in sorted((ROOT / stage).rglob("*.py"))]
    passed = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            owner = node.func.value
            owner_name = getattr(owner, "attr", getattr(owner, "id", ""))
            if (node.func.attr == "iter_rows"
                    or node.func.attr in ("execute", "executemany", "executescript") and owner_name == "db"
                    and getattr(getattr(owner, "value", None), "id", "") in ("registry", "reg")
                    or node.func.attr == "partnerships" and node.args):
                passed.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not passed, f"SQL handed to the registry at: {passed}"


# Which stage may import which: app.py wires web/, web/ shows what index/ and maps/ make of
# repertoire/'s registry. repertoire/api.py, the Python API for notebooks, is the one module of
# the core that reaches up to index/ and maps/ (lazily, inside its methods).
MAY_NOT_IMPORT = {"repertoire": {"web", "app", "index", "maps"}, "index": {"web", "app"},
                  "maps": {"web", "app"}, "web": {"app"}}
FACADES = {"repertoire/api.py": {"index", "maps"}}


def test_imports_point_one_way_and_app_py_holds_no_view():
    backwards = []
    for stage, forbidden in MAY_NOT_IMPORT.items():
        for path in sorted((ROOT / stage).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    tops = {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                    tops = {node.module.split(".")[0]}
                else:
                    continue
                wrong = tops & (forbidden - FACADES.get(name, set()))
                backwards += [f"{name}:{node.lineno} imports {top}" for top in wrong]
    assert not backwards, backwards
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    routes = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == "route"]
    commands = [node.lineno for node in ast.walk(tree)
                if isinstance(node, ast.Attribute) and node.attr == "command" and getattr(node.value, "id", "") == "cli"]
    assert not routes and not commands, "views belong in web/ (one blueprint each), commands in web/cli.py"
