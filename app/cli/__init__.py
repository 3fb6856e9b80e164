"""The `greenlens` command line: a thin shell over the library packages.

Each command group lives in its own module and registers itself there; a command opens
the store, calls one library function and prints the result. Modules load on first use
(`greenlens --help` and `greenlens check` import neither DuckDB nor the analysis stack):
COMMANDS names each command's module and its one-line help, and
tests/test_cli_lazy.py checks that table against the modules themselves.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import click

from app.cli.options import GreenlensGroup

# command -> (module that registers it, its help's first paragraph, for `greenlens --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    "app": ("app.cli.app_cmds",
            "Browse trends, papers and replication runs in a Streamlit app; check a PDF."),
    "check": ("app.cli.extract_cmds",
              "Show what PAPER.pdf reports about its cost, with evidence, and what it misses."),
    "crawl": ("app.cli.corpus_cmds",
              "Crawl SOURCE's papers into the store (and with --pdfs their PDFs into the "
              "cache)."),
    "eval": ("app.cli.eval_cmds",
             "Precision, recall and F1 per category and for target, with every miss listed."),
    "evp": ("app.cli.replication_cmds",
            "Expected validation performance of stored trials vs budget, as in Show Your "
            "Work."),
    "extract": ("app.cli.extract_cmds",
                "Extract what each fetched paper reports (FLOPs, energy, ...) into the store, "
                "and classify the target of every paper that has an abstract from title + "
                "abstract (kept apart from the full-text target: `trends --kind targets "
                "--source`)."),
    "gold": ("app.cli.gold_cmds",
             "Gold annotations: validate them, measure inter-annotator agreement."),
    "ingest": ("app.cli.corpus_cmds",
               "Ingest the PDFs in DIRECTORY (e.g. submissions on disk) into the store and "
               "cache."),
    "ingest-results": ("app.cli.extract_cmds",
                       "Load Parquet parts written by `extract --executor ray` workers "
                       "(idempotent)."),
    "meter": ("app.cli.replication_cmds",
              "Run COMMAND under the energy meter and exit with its exit code."),
    "pipeline": ("app.cli.pipeline_cmds",
                 "The main job: crawl (a sample) -> extract -> trends -> report, on the "
                 "embedded store."),
    "replicate": ("app.cli.replication_cmds",
                  "Run RECIPE's hyperparameter search, each trial metered; resumes where it "
                  "stopped."),
    "report": ("app.cli.analysis_cmds",
               "Write one static HTML report (charts and tables, no server needed)."),
    "status": ("app.cli.corpus_cmds",
               "Say what the store holds, per venue and year, and every item that failed and "
               "why."),
    "train-target": ("app.cli.eval_cmds",
                     "Retrain the target classifier on the dev split of the gold abstracts."),
    "trends": ("app.cli.analysis_cmds",
               "Shares of papers reporting each category per venue and year, with Wilson 95% "
               "intervals and a misclassification-adjusted share (Rogan-Gladen from the gold "
               "error rates, bootstrap 95% interval); target shares, trend tests, compute "
               "estimates with --kind."),
}
# commands that never open a store: no need to register every package's tables first
STORE_FREE = frozenset({"check"})


class _Commands(dict[str, click.Command]):
    """The group's loaded commands; `commands[name]` loads a known command's module."""

    def __init__(self, group: LazyGroup, loaded: Mapping[str, click.Command]) -> None:
        super().__init__(loaded)
        self.group = group

    def __missing__(self, name: str) -> click.Command:
        if name in COMMANDS and self.group.get_command(None, name) is not None:
            return dict.__getitem__(self, name)
        raise KeyError(name)

    def _all(self) -> None:
        for name in COMMANDS:
            if not dict.__contains__(self, name):
                self.group.get_command(None, name)

    # whoever walks the group's commands (tests, tools) sees every one, loaded
    def __iter__(self):
        self._all()
        return super().__iter__()

    def __len__(self) -> int:
        self._all()
        return super().__len__()

    def keys(self):
        self._all()
        return super().keys()

    def values(self):
        self._all()
        return super().values()

    def items(self):
        self._all()
        return super().items()


class LazyGroup(GreenlensGroup):
    """A group whose commands are imported when run (or asked for their own --help)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.loaded = _Commands(self, self.commands)
        self.commands = self.loaded

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(dict.keys(self.loaded)))

    def get_command(self, ctx: click.Context | None, name: str) -> click.Command | None:
        if not dict.__contains__(self.loaded, name) and name in COMMANDS:
            try:
                module = importlib.import_module(COMMANDS[name][0])
            except ModuleNotFoundError as exc:  # an optional part not installed
                if exc.name != COMMANDS[name][0]:
                    raise
                return None
            module.register(self)
        return dict.get(self.loaded, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """As click's, with the help of commands not imported yet taken from COMMANDS."""
        names = [n for n in self.list_commands(ctx)
                 if n in COMMANDS or not self.loaded[n].hidden]
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = [(n, self.loaded[n].get_short_help_str(limit) if n in self.loaded
                 else click.Command(n, help=COMMANDS[n][1]).get_short_help_str(limit))
                for n in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="greenlens")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """greenlens: what do ML, NLP and vision papers report about their cost?

    Crawl proceedings into a DuckDB store, extract what each paper reports (FLOPs,
    energy, runtime, hardware, parameters, training curves, search budget), analyse
    trends, browse them in an app, and rerun baselines under an energy meter.
    """
    if ctx.invoked_subcommand not in STORE_FREE:
        from app.wiring import wire

        wire()  # every package's tables, before any command opens a store


def main() -> None:
    """Console-script entry point."""
    cli()
