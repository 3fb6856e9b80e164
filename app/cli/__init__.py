"""The `greenlens` command line: a thin shell over the library packages.

Each command group lives in its own module and registers itself there; a command opens
the store, calls one library function and prints the result. Modules load on first use
(`greenlens --help` and `greenlens check` import neither DuckDB nor the analysis stack):
which module registers which command, and each command's help for `greenlens --help`, are
read from the command modules' source (`commands_index`; tests/test_cli_lazy.py checks it
against the imported modules).
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from app.cli.options import GreenlensGroup

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


def _click_call(node: ast.expr) -> ast.Call | None:
    """`@click.command(...)` / `@click.group(...)` (called or bare) as a Call, else None."""
    target = node.func if isinstance(node, ast.Call) else node
    if (
        isinstance(target, ast.Attribute)
        and target.attr in ("command", "group")
        and isinstance(target.value, ast.Name)
        and target.value.id == "click"
    ):
        return node if isinstance(node, ast.Call) else ast.Call(target, [], [])
    return None


def _default_name(func_name: str) -> str | None:
    """The command name click gives a function of this name (its own rule)."""

    def stand_in() -> None:
        """Stand-in."""

    stand_in.__name__ = func_name
    return click.command()(stand_in).name


def _text(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _module_commands(module: str) -> dict[str, click.Command]:
    """The commands `module.register` adds, read from its source without importing it:
    name and help as click would make them (a stand-in Command, no callback)."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return {}
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    made: dict[str, click.Command] = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for dec in node.decorator_list:
            call = _click_call(dec)
            if call is None:
                continue
            kw = {k.arg: k.value for k in call.keywords if k.arg}
            name = _text(call.args[0]) if call.args else None
            name = name or (_text(kw["name"]) if "name" in kw else None)
            hidden = kw.get("hidden")
            made[node.name] = click.Command(
                name or _default_name(node.name),
                help=_text(kw["help"]) if "help" in kw else ast.get_docstring(node, False),
                short_help=_text(kw["short_help"]) if "short_help" in kw else None,
                hidden=isinstance(hidden, ast.Constant) and hidden.value is True,
            )
    registered = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "register":
            for sub in ast.walk(node):
                if (
                    isinstance(sub, ast.Call)
                    and isinstance(sub.func, ast.Attribute)
                    and sub.func.attr == "add_command"
                    and sub.args
                    and isinstance(sub.args[0], ast.Name)
                    and sub.args[0].id in made
                ):
                    cmd = made[sub.args[0].id]
                    registered[cmd.name or sub.args[0].id] = cmd
    return registered


@functools.lru_cache(maxsize=1)
def commands_index() -> dict[str, tuple[str, click.Command]]:
    """Command name -> (its module, a stand-in with its name and help), from the sources
    of COMMAND_MODULES (tests/test_cli_lazy.py checks it against the imported modules)."""
    index = {}
    for module in COMMAND_MODULES:
        for name, cmd in _module_commands(module).items():
            index[name] = (module, cmd)
    return index


# commands that never open a store: no need to register every package's tables first
STORE_FREE = frozenset({"check"})


class _Commands(dict[str, click.Command]):
    """The group's loaded commands; `commands[name]` loads a known command's module."""

    def __init__(self, group: LazyGroup, loaded: Mapping[str, click.Command]) -> None:
        super().__init__(loaded)
        self.group = group

    def __missing__(self, name: str) -> click.Command:
        if name in commands_index() and self.group.get_command(None, name) is not None:
            return dict.__getitem__(self, name)
        raise KeyError(name)

    def _all(self) -> None:
        for name in commands_index():
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
        return sorted(set(commands_index()) | set(dict.keys(self.loaded)))

    def get_command(self, ctx: click.Context | None, name: str) -> click.Command | None:
        index = commands_index()
        if not dict.__contains__(self.loaded, name) and name in index:
            try:
                module = importlib.import_module(index[name][0])
            except ModuleNotFoundError as exc:  # an optional part not installed
                if exc.name != index[name][0]:
                    raise
                return None
            module.register(self)
        return dict.get(self.loaded, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """As click's, with the help of commands not imported yet read from their source."""
        index = commands_index()
        names = [
            n
            for n in self.list_commands(ctx)
            if not (self.loaded[n] if n in self.loaded else index[n][1]).hidden
        ]
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = [
            (
                n,
                self.loaded[n].get_short_help_str(limit)
                if n in self.loaded
                else index[n][1].get_short_help_str(limit),
            )
            for n in names
        ]
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
