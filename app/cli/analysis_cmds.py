"""`greenlens trends` and `greenlens report`: analysis tables and the static HTML report."""

from __future__ import annotations

from pathlib import Path

import click

from analysis.compute import DEFAULT_PRECISION, DEFAULT_UTILISATION, PRECISIONS
from analysis.export import FORMATS
from analysis.tables import KINDS
from app.cli.options import clean_errors, db_option, open_store, prepare_out, years_option
from extractors.schema import CATEGORIES


@click.command("trends")
@db_option
@click.option(
    "--venue", "venues", multiple=True, help="Venue as stored (repeatable); default: every venue."
)
@years_option
@click.option(
    "--category",
    "categories",
    multiple=True,
    type=click.Choice(CATEGORIES),
    help="Category (repeatable); default: all seven.",
)
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    default="shares",
    show_default=True,
    help="shares per venue and year; targets (Figure 2 of Green AI); tests "
    "(logistic trend per category); compute (estimates beside reported "
    "FLOPs); figure2 (published, raw and adjusted Green AI shares).",
)
@click.option(
    "--source",
    type=click.Choice(["fulltext", "abstract", "both"]),
    default="fulltext",
    show_default=True,
    help="For --kind targets and figure2: the target from the full text of extracted PDFs, "
    "from title + abstract of every paper that has one, or both (full text "
    "where extracted, else the abstract).",
)
@click.option("--pool", is_flag=True, help="One row per year over all selected venues.")
@click.option(
    "--extractor-version",
    default=None,
    help="Count this extractor version [default: the latest in the store].",
)
@click.option(
    "--utilisation",
    type=click.FloatRange(0, 1, min_open=True),
    default=DEFAULT_UTILISATION,
    show_default=True,
    help="Assumed utilisation for compute estimates.",
)
@click.option(
    "--precision",
    type=click.Choice(PRECISIONS),
    default=DEFAULT_PRECISION,
    show_default=True,
    help="Which peak FLOP/s compute estimates use.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to FILE (needed for parquet) instead of stdout.",
)
@clean_errors
def trends_cmd(
    db_path,
    venues,
    years,
    categories,
    kind,
    source,
    pool,
    extractor_version,
    utilisation,
    precision,
    fmt,
    out,
):
    """Shares of papers reporting each category per venue and year, with Wilson 95%
    intervals and a misclassification-adjusted share (Rogan-Gladen from the gold error
    rates, bootstrap 95% interval); target shares, trend tests, compute estimates with
    --kind."""
    from analysis.db import Filters
    from analysis.export import export
    from analysis.tables import trends_table
    from corpus.errors import ConfigError

    y0, y1, only = _years(years)
    if fmt == "parquet" and out is None:
        raise ConfigError("--format parquet needs --out FILE")
    with open_store(db_path, read_only=True) as store:
        filters = Filters(
            stored_venues(store, venues),
            y0,
            y1,
            tuple(categories) or CATEGORIES,
            extractor_version,
            pool_venues=pool,
            years=only,
        )
        prepare_out(out)
        rows, meta = trends_table(
            store, filters, kind, utilisation=utilisation, precision=precision, source=source
        )
    text = export(rows, fmt, out, meta)
    if text is not None:
        click.echo(text, nl=False)
    else:
        click.echo(f"wrote {len(rows)} rows to {out}", err=True)


@click.command("report")
@db_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("report.html"),
    show_default=True,
    help="The HTML file to write.",
)
@click.option(
    "--png-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also save every chart as a PNG in this folder.",
)
@click.option("--venue", "venues", multiple=True, help="Venue (repeatable); default: all.")
@years_option
@clean_errors
def report_cmd(db_path, out, png_dir, venues, years):
    """Write one static HTML report (charts and tables, no server needed)."""
    from analysis.db import Filters
    from analysis.report import write_report

    y0, y1, only = _years(years)
    with open_store(db_path, read_only=True) as store:
        filters = Filters(stored_venues(store, venues), y0, y1, years=only)
        prepare_out(out)
        if png_dir is not None:
            prepare_out(Path(png_dir) / ".greenlens-write-test")
            (Path(png_dir) / ".greenlens-write-test").unlink()
        written = write_report(store, out, png_dir=png_dir, filters=filters)
    click.echo(f"wrote {out}" + (f" and {len(written)} PNG charts in {png_dir}" if png_dir else ""))


def _years(text: str | None) -> tuple[int | None, int | None, tuple[int, ...]]:
    """--years as `crawl` reads it -> (first, last, the years if not one whole range)."""
    from corpus.crawl_job import parse_years

    years = parse_years(text)
    if not years:
        return None, None, ()
    whole = years == tuple(range(years[0], years[-1] + 1))
    return years[0], years[-1], () if whole else years


def stored_venues(store, venues: tuple[str, ...]) -> tuple[str, ...]:
    """--venue values as the store spells them (matched case-insensitively, as crawl
    matches them); ConfigError naming the stored venues for one the store does not hold."""
    from corpus.errors import ConfigError

    if not venues:
        return ()
    stored = (
        [r[0] for r in store.fetchall("SELECT DISTINCT venue FROM papers ORDER BY 1")]
        if "papers" in _tables(store)
        else []
    )
    by_lower: dict[str, list[str]] = {}
    for v in stored:
        by_lower.setdefault(v.lower(), []).append(v)
    out: list[str] = []
    for v in venues:
        found = by_lower.get(v.strip().lower())
        if not found:
            shown = ", ".join(stored[:20]) + (" ..." if len(stored) > 20 else "")
            raise ConfigError(f"no venue {v!r} in the store (it holds: {shown or 'none'})")
        out.extend(found)
    return tuple(dict.fromkeys(out))


def _tables(store) -> set[str]:
    return {
        r[0]
        for r in store.fetchall(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
            "AND database_name = current_database()"
        )
    }


def register(group: click.Group) -> None:
    """Add `trends` and `report` to the CLI."""
    group.add_command(trends_cmd)
    group.add_command(report_cmd)
