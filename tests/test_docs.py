"""Docs stay true: every CLI command has help text and appears in docs/cli.md and README."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner
from conftest import REPO

from app.cli import cli


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out = []
    ctx = click.Context(group)
    for name in sorted(group.list_commands(ctx)):  # a lazy group loads them here
        cmd = group.get_command(ctx, name)
        full = f"{prefix}{name}"
        out.append((full, cmd))
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, full + " "))
    return out


COMMANDS = _commands(cli)


def test_every_expected_command_is_registered():
    names = {n for n, _ in COMMANDS}
    expected = {
        "crawl",
        "ingest",
        "status",
        "extract",
        "check",
        "eval",
        "train-target",
        "gold",
        "gold validate",
        "gold agreement",
        "trends",
        "report",
        "app",
        "meter",
        "replicate",
        "evp",
        "pipeline",
    }
    assert expected <= names, expected - names


@pytest.mark.parametrize("name,cmd", COMMANDS, ids=[n for n, _ in COMMANDS])
def test_command_has_help_and_is_documented(name, cmd):
    assert (cmd.help or "").strip(), f"`greenlens {name}` has no help text"
    result = CliRunner().invoke(cli, [*name.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.output
    cli_md = (REPO / "docs" / "cli.md").read_text()
    assert f"greenlens {name}" in cli_md, f"`greenlens {name}` missing from docs/cli.md"


def test_readme_quick_start_is_what_ci_runs():
    readme = (REPO / "README.md").read_text()
    ci = (REPO / ".ci" / "run").read_text()
    assert "scripts/test" in readme and "scripts/test" in ci
    assert "scripts/greenlens pipeline --snapshot ../shared/corpus" in readme


def test_docs_links_point_at_files():
    import re

    for doc in [REPO / "README.md", *(REPO / "docs").glob("*.md")]:
        for target in re.findall(r"\]\(([^)#:]+)\)", doc.read_text()):
            assert (doc.parent / target).exists(), f"{doc.name} links to missing {target}"
