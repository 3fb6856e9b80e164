"""The CLI loads command modules on use; its static help table says what they say."""

from __future__ import annotations

import importlib
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner
from conftest import REPO

import app.cli as cli_module


def test_source_index_matches_the_imported_modules():
    found = {}
    for module in cli_module.COMMAND_MODULES:
        group = click.Group()
        importlib.import_module(module).register(group)
        for name, cmd in group.commands.items():
            found[name] = (module, [cmd.get_short_help_str(n) for n in (30, 45, 300)], cmd.hidden)
    index = {
        name: (module, [cmd.get_short_help_str(n) for n in (30, 45, 300)], cmd.hidden)
        for name, (module, cmd) in cli_module.commands_index().items()
    }
    assert index == found


def test_help_lists_every_command_as_the_loaded_commands_would():
    cli = cli_module.cli
    loaded = dict(cli.commands)
    cli.commands.clear()
    try:
        lazy = CliRunner().invoke(cli, ["--help"]).output
        for module in cli_module.COMMAND_MODULES:
            importlib.import_module(module).register(cli)
        eager = CliRunner().invoke(cli, ["--help"]).output  # every command's own help
    finally:
        cli.commands.clear()
        cli.commands.update(loaded)
    assert lazy == eager
    for name in cli_module.commands_index():
        assert f"  {name} " in lazy


HEAVY = ("duckdb", "pyarrow", "spacy", "sklearn", "scipy", "pandas", "requests", "numpy")


def test_help_and_check_import_no_heavy_library():
    code = (
        "import sys; from click.testing import CliRunner; import app.cli as c; "
        "CliRunner().invoke(c.cli, ['--help']); "
        "CliRunner().invoke(c.cli, ['check', '--help']); "
        "from extractors.single import extract_file; "
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"


@pytest.mark.shared
def test_checking_a_paper_imports_no_heavy_library(pdfs_dir):
    # the worker's whole analysis, target included: its model runs in plain Python
    code = (
        "import sys; from extractors.extract_pdf import analyse_pdf; "
        "r = analyse_pdf(sys.argv[1]); "
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]; print(r.target, heavy)"
    )
    paper = pdfs_dir / "arxiv2017-howard-mobilenets.pdf"
    out = subprocess.run(
        [sys.executable, "-c", code, str(paper)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert out.endswith(" []")
    assert out.split()[0] in ("accuracy", "efficiency", "both", "other")


def test_a_store_command_registers_every_table_first(tmp_path):
    code = (
        "import sys; from click.testing import CliRunner; import app.cli as c; "
        "from corpus.migrations import owners; before = set(owners().values()); "
        "CliRunner().invoke(c.cli, ['check', '--help']); after_check = set(owners().values()); "
        "CliRunner().invoke(c.cli, ['status', '--db', sys.argv[1]]); "
        "print(sorted(before), sorted(after_check), sorted(set(owners().values())))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "s.duckdb")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert out == "[] [] ['corpus', 'extractors', 'replication']"
