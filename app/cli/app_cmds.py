"""`greenlens app`: serve the Streamlit app on a store (read-only)."""

from __future__ import annotations

import sys

import click

from app.cli.options import clean_errors, db_option


@click.command("app")
@db_option
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8501,
    show_default=True,
    help="Port to listen on.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (127.0.0.1 = this machine only).",
)
@clean_errors
def app_cmd(db_path, port, host):
    """Browse trends, papers and replication runs in a Streamlit app; check a PDF."""
    from app.serve import serve
    from corpus.store import Store, StoreLocked, default_db_path

    path = db_path or default_db_path()
    try:  # fail early, with a clear message, if there is no readable store there
        Store(path, read_only=True).close()
    except StoreLocked:  # a run is writing it: the app waits and says so on its pages
        click.echo(
            f"note: the store {path} is being written by another process; the app "
            f"shows it once that run ends",
            err=True,
        )
    click.echo(f"greenlens app on http://{host}:{port} (store {path}, read-only)", err=True)
    sys.exit(serve(path, host, port))


def register(group: click.Group) -> None:
    """Add `app` to the CLI."""
    group.add_command(app_cmd)
