"""`greenlens app`: serve the Streamlit app on a store (read-only)."""

from __future__ import annotations

import sys

import click

from app.cli.options import clean_errors, db_option, open_store


@click.command("app")
@db_option
@click.option("--port", type=click.IntRange(1, 65535), default=8501, show_default=True,
              help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (127.0.0.1 = this machine only).")
@clean_errors
def app_cmd(db_path, port, host):
    """Browse trends, papers and replication runs in a Streamlit app; check a PDF."""
    from app.serve import serve

    with open_store(db_path, read_only=True) as store:  # fail early, with a clear message
        path = store.path
    click.echo(f"greenlens app on http://{host}:{port} (store {path}, read-only)", err=True)
    sys.exit(serve(path, host, port))


def register(group: click.Group) -> None:
    """Add `app` to the CLI."""
    group.add_command(app_cmd)
