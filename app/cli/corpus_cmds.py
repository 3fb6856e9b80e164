"""CLI: crawl, ingest, status."""

from __future__ import annotations

import json

import click

from app.cli.common import clean_errors, db_option, open_store


@click.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@clean_errors
def status(db_path, as_json: bool) -> None:
    """Say what the store holds, per venue and year."""
    from corpus.status import store_status

    with open_store(db_path) as store:
        report = store_status(store)
    if as_json:
        click.echo(json.dumps(report, indent=2, default=str))
        return
    click.echo(f"store: {report['db']}  schema: {report['schema_version']}")
    click.echo(f"{'venue':<14}{'year':>6}{'papers':>8}{'fetched':>9}{'failed':>8}")
    for row in report["venues"]:
        click.echo(f"{row['venue']:<14}{row['year']:>6}{row['papers']:>8}"
                   f"{row['fetched']:>9}{row['failed']:>8}")


def register(group: click.Group) -> None:
    """Add this module's commands to the CLI."""
    group.add_command(status)
