"""Helpers shared by every CLI command: the --db option, opening the store, clean errors."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path

import click

from corpus.errors import GreenlensError
from corpus.store import Store, default_db_path


def db_option(func: Callable) -> Callable:
    """Add `--db FILE` (default `$GREENLENS_DB` or ./greenlens.duckdb)."""
    return click.option(
        "--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
        help="DuckDB store file [default: $GREENLENS_DB or ./greenlens.duckdb].",
    )(func)


def open_store(db_path: Path | None, *, read_only: bool = False) -> Store:
    """Open the store named by --db (or the default)."""
    return Store(db_path or default_db_path(), read_only=read_only)


def clean_errors(func: Callable) -> Callable:
    """Turn GreenlensError into a one-line message on stderr and the error's exit code."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except GreenlensError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)

    return wrapper
