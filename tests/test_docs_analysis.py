"""Docs checked by tests: each analysis/app command has help and is documented with its
options in docs/analysis.md or docs/app.md."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import cli

DOCS = Path(__file__).resolve().parents[1] / "docs"
COMMANDS = {"trends": "analysis.md", "report": "analysis.md", "app": "app.md"}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_has_help_and_is_documented(name):
    command = cli.commands[name]
    assert command.help and len(command.help) > 20
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output
    doc = (DOCS / COMMANDS[name]).read_text()
    assert f"greenlens {name}" in doc
    for param in command.params:
        for opt in param.opts:
            if opt.startswith("--") and opt != "--help":
                assert opt in doc, f"{opt} of `greenlens {name}` is not in {COMMANDS[name]}"
