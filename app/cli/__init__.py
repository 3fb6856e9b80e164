"""The `greenlens` command line: a thin shell over the library packages.

Each command group lives in its own module and registers itself here; a command opens
the store, calls one library function and prints the result.
"""

from __future__ import annotations

import importlib

import click

from app.cli.options import GreenlensGroup
from app.wiring import wire

COMMAND_MODULES = (
    "app.cli.corpus_cmds",
    "app.cli.gold_cmds",
    "app.cli.extract_cmds",
    "app.cli.eval_cmds",
    "app.cli.analysis_cmds",
    "app.cli.app_cmds",
    "app.cli.replication_cmds",
    "app.cli.pipeline_cmds",
)


@click.group(cls=GreenlensGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="greenlens")
def cli() -> None:
    """greenlens: what do ML, NLP and vision papers report about their cost?

    Crawl proceedings into a DuckDB store, extract what each paper reports (FLOPs,
    energy, runtime, hardware, parameters, training curves, search budget), analyse
    trends, browse them in an app, and rerun baselines under an energy meter.
    """


wire()  # every package's tables, before any command opens a store
for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(_name)
    except ModuleNotFoundError as _exc:
        if _exc.name != _name:
            raise
        continue
    _module.register(cli)


def main() -> None:
    """Console-script entry point."""
    cli()
