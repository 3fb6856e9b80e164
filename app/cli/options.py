"""Helpers shared by every CLI command: the --db option, opening the store, the error
contract.

The contract, for every command (enforced by `GreenlensGroup`, the `greenlens` group):
a `GreenlensError` prints one line `error: ...` on stderr and exits with its code (2; 127
for `meter`'s command not found); a file the environment refuses (no space, permission,
read-only file system) or an input file that is not text is one line and exit 2 too;
Ctrl-C exits 130 after one line. Any other exception is a bug and the only thing that
prints a traceback.
"""

from __future__ import annotations

import errno
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from corpus.errors import GreenlensError

if TYPE_CHECKING:  # DuckDB loads when a command opens the store, not for --help or check
    from corpus.store import Store

INTERRUPTED_EXIT = 130  # 128 + SIGINT, what a shell reports for Ctrl-C
OS_ERROR_EXIT = 2
_INTERRUPTED = "interrupted: what was done is stored; rerun the same command to resume"


def db_option(func: Callable) -> Callable:
    """Add `--db FILE` (default `$GREENLENS_DB` or ./greenlens.duckdb)."""
    return click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="DuckDB store file [default: $GREENLENS_DB or ./greenlens.duckdb].",
    )(func)


def lock_wait_s() -> float:
    """Seconds to wait for another process to release the store ($GREENLENS_LOCK_WAIT_S, 5)."""
    try:
        return max(0.0, float(os.environ.get("GREENLENS_LOCK_WAIT_S") or 5.0))
    except ValueError:
        return 5.0


def open_store(db_path: Path | None, *, read_only: bool = False) -> Store:
    """Open the store named by --db (or the default), waiting a few seconds for a writer."""
    from corpus.store import Store, default_db_path

    store = Store(
        db_path or default_db_path(), read_only=read_only, wait_s=lock_wait_s(), refuse_newer=True
    )  # the CLI registers every package's migrations
    if store.unknown_migrations:
        click.echo(
            f"warning: {store.path} was written by a newer greenlens "
            f"({', '.join(store.unknown_migrations)}); reading it anyway",
            err=True,
        )
    return store


def one_line(text: str) -> str:
    """`text` with its lines joined, so an error is one line however it was worded."""
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


def fail(message: str, code: int) -> NoReturn:
    """Print `error: message` as one line on stderr and exit with code."""
    click.echo(f"error: {one_line(message)}", err=True)
    sys.exit(code)


def os_error_message(exc: OSError) -> str:
    """'cannot use FILE: reason' for an OSError the environment raised."""
    name = exc.filename if exc.filename is not None else ""
    reason = exc.strerror or str(exc)
    return f"cannot use {name}: {reason}" if name else reason


def handle_errors(call: Callable[[], object]) -> object:
    """Run `call` under the error contract (see the module docstring)."""
    try:
        return call()
    except GreenlensError as exc:
        fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        click.echo(f"\n{_INTERRUPTED}", err=True)
        sys.exit(INTERRUPTED_EXIT)
    except UnicodeDecodeError as exc:  # an input file that is not text: bad input
        fail(
            f"cannot read an input file as {exc.encoding} text (byte {exc.start}: "
            f"{exc.object[exc.start : exc.start + 1]!r}); is it the right file?",
            OS_ERROR_EXIT,
        )
    except OSError as exc:
        if exc.errno == errno.EPIPE:  # stdout closed by a pager or `head`: click's job
            raise
        if exc.errno is None and not exc.filename:
            raise  # not from the file system or a syscall: a bug, keep the traceback
        fail(os_error_message(exc), OS_ERROR_EXIT)


def clean_errors(func: Callable) -> Callable:
    """Apply the error contract to one command (the `greenlens` group applies it to all)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return handle_errors(lambda: func(*args, **kwargs))

    return wrapper


class GreenlensGroup(click.Group):
    """A click group whose every command runs under the error contract."""

    def invoke(self, ctx: click.Context):
        """Invoke the subcommand under `handle_errors`."""
        return handle_errors(lambda: super(GreenlensGroup, self).invoke(ctx))


def prepare_out(path: Path | None) -> None:
    """Make `--out FILE` writable before any work: create its folder, open it for append.

    DiskError (one line, exit 2) if the folder cannot be made, the file cannot be written,
    or it is a DuckDB store (an export never replaces a store)."""
    from corpus.errors import DiskError

    if path is None:
        return
    path = Path(path)
    if path.is_dir():
        raise DiskError(f"cannot write {path}: it is a directory")
    if _is_duckdb_file(path):
        raise DiskError(
            f"refusing to write over {path}: it is a DuckDB store (a typo in "
            f"--out?); name another file"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "ab"):
            pass
    except OSError as exc:
        raise DiskError(f"cannot write {path}: {exc.strerror or exc}") from exc


# Options several commands take, declared once (the same name, type, help everywhere).
YEARS_HELP = "Years: 2020, a range 2018-2024, or a list 2016,2019-2020."


def years_option(func: Callable) -> Callable:
    """Add `--years TEXT` (one grammar: corpus.crawl_job.parse_years)."""
    return click.option("--years", default=None, help=YEARS_HELP)(func)


def cache_dir_option(func: Callable) -> Callable:
    """Add `--cache-dir DIR` (the PDF and HTTP cache)."""
    return click.option(
        "--cache-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="PDF and HTTP cache [default: $GREENLENS_CACHE or ./.greenlens-cache].",
    )(func)


def no_progress_option(func: Callable) -> Callable:
    """Add `--no-progress` (no progress bars)."""
    return click.option("--no-progress", is_flag=True, help="No progress bars.")(func)


def _is_duckdb_file(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(12)[8:12] == b"DUCK"  # DuckDB's magic bytes follow its checksum
    except OSError:
        return False
