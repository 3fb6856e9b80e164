"""The floors: no package imports or names (as a module path) a package above it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from conftest import REPO

# package -> the packages it may use; a package never names one outside its floor and below
FLOORS = {
    "corpus": set(),
    "extractors": {"corpus"},
    "replication": {"corpus"},
    "analysis": {"corpus", "extractors", "replication"},
    "app": {"corpus", "extractors", "replication", "analysis"},
}
_NAMED = re.compile("^(" + "|".join(FLOORS) + r")(\.[A-Za-z_][\w.]*)?$")


def _names(path: Path) -> list[tuple[int, str]]:
    """Every module the file imports, and every string constant that is a module path."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and "." in node.value
            and _NAMED.match(node.value)
        ):
            found.append((node.lineno, node.value))
    return found


@pytest.mark.parametrize("package", sorted(FLOORS))
def test_no_package_names_a_floor_above_it(package):
    allowed = FLOORS[package] | {package}
    bad = []
    for path in sorted((REPO / package).rglob("*.py")):
        for line, name in _names(path):
            top = name.split(".")[0]
            if top in FLOORS and top not in allowed:
                bad.append(f"{path.relative_to(REPO)}:{line}: {name}")
    assert not bad, "\n".join(bad)


def test_the_store_opens_every_registered_table(tmp_path):
    from app.wiring import wire
    from corpus.migrations import owners
    from corpus.store import Store

    wire()
    by_owner = set(owners().values())
    assert by_owner == {"corpus", "extractors", "replication"}
    with Store(tmp_path / "s.duckdb") as store:
        tables = {r[0] for r in store.fetchall("SELECT table_name FROM information_schema.tables")}
    assert {"papers", "extractions", "findings", "runs", "trials"} <= tables


def test_no_module_outside_the_store_touches_its_connection():
    offenders = []
    for package in [*FLOORS, "bench", "tests"]:
        for path in sorted((REPO / package).rglob("*.py")):
            if path == REPO / "corpus" / "store.py":
                continue
            for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if re.search("store" + r"\.con\b", line):  # spelled so grep skips it
                    offenders.append(f"{path.relative_to(REPO)}:{i}")
    assert not offenders, offenders


def test_shared_options_are_declared_once():
    """--years, --cache-dir and --no-progress come from app.cli.options, nowhere else."""
    for path in sorted((REPO / "app" / "cli").glob("*.py")):
        if path.name == "options.py":
            continue
        text = path.read_text(encoding="utf-8")
        for flag in ('"--years"', '"--cache-dir"', '"--no-progress"'):
            assert flag not in text, f"{path.name} declares {flag}"


def test_no_duplicate_module_names():
    """No two packages have a module of the same name (schema.py and app pages aside)."""
    seen: dict[str, Path] = {}
    dupes = []
    for package in FLOORS:
        for path in sorted((REPO / package).rglob("*.py")):
            rel = path.relative_to(REPO)
            if path.name in ("__init__.py", "schema.py") or rel.parts[:2] == ("app", "pages"):
                continue
            if path.name in seen:
                dupes.append(f"{seen[path.name]} and {rel}")
            seen.setdefault(path.name, rel)
    assert not dupes, dupes
