"""CLI: crawl, ingest, status."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import click

from app.cli.options import (
    cache_dir_option,
    clean_errors,
    db_option,
    no_progress_option,
    open_store,
    years_option,
)


@click.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@clean_errors
def status(db_path, as_json: bool) -> None:
    """Say what the store holds, per venue and year, and every item that failed and why."""
    from corpus.status import store_status

    with open_store(db_path, read_only=True) as store:
        report = store_status(store)
    if as_json:
        click.echo(json.dumps(report, indent=2, default=str))
        return
    click.echo(f"store: {report['db']}  schema: {report['schema_version']}")
    click.echo(
        f"{'venue':<14}{'year':>6}{'papers':>8}{'fetched':>9}{'failed':>8}"
        f"{'extracted':>11}{'extract errors':>16}"
    )
    for row in report["venues"]:
        click.echo(
            f"{row['venue']:<14}{row['year']:>6}{row['papers']:>8}"
            f"{row['fetched']:>9}{row['failed']:>8}{row['extracted']:>11}"
            f"{row['extract_errors']:>16}"
        )
    failures = report["failures"]
    if not any(failures.values()):
        return
    click.echo("failures (the store keeps each with its reason; --json lists all):")
    for kind, items in failures.items():
        if not items:
            continue
        click.echo(f"  {kind}: {len(items)}")
        _some([f"{_where(f)}: {f['reason']}" for f in items], most=10, indent=4)


def _where(failure: dict) -> str:
    return " ".join(str(failure[k]) for k in ("location", "item", "paper_id") if failure.get(k))


_DIR = click.Path(file_okay=False, path_type=Path)


@click.command()
@click.argument("source")
@years_option
@click.option("--venue", "venues", multiple=True, help="Venue id (repeatable).")
@click.option(
    "--limit", type=click.IntRange(min=1), default=None, help="Only the first N papers listed."
)
@click.option(
    "--sample",
    type=click.IntRange(min=1),
    default=None,
    help="A seeded random sample of N listed papers (stable across runs).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for --sample.")
@click.option("--pdfs", is_flag=True, help="Also fetch, verify and cache the PDFs.")
@click.option(
    "--mirror",
    type=_DIR,
    default=None,
    help="A wget --mirror directory (host/path) read before the network.",
)
@click.option("--offline", is_flag=True, help="Never touch the network.")
@click.option(
    "--snapshot",
    type=_DIR,
    default=None,
    help="A local snapshot laid out like ../shared/corpus (implies --offline).",
)
@click.option("--anthology-dir", type=_DIR, default=None, help="ACL Anthology data/xml.")
@click.option("--mlanthology-dir", type=_DIR, default=None, help="mlanthology JSON folder.")
@click.option("--pmlr-dir", type=_DIR, default=None, help="PMLR volume repositories.")
@cache_dir_option
@click.option(
    "--contact",
    default=None,
    envvar="GREENLENS_CONTACT",
    help="Your e-mail, sent in the User-Agent [$GREENLENS_CONTACT].",
)
@click.option(
    "--rewrite",
    "rewrites",
    multiple=True,
    metavar="PREFIX=REPLACEMENT",
    help="Fetch URLs starting PREFIX from REPLACEMENT instead (proxy, local mirror).",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    help="Minimum seconds between requests to one host (arXiv API: 3 s always).",
)
@click.option("--retry-failed", is_flag=True, help="Retry PDFs that failed in earlier runs.")
@click.option(
    "--query",
    default=None,
    help="arxiv only: an API search query, e.g. 'cat:cs.CL AND abs:energy'.",
)
@click.option(
    "--arxiv-id",
    "arxiv_ids",
    multiple=True,
    help="arxiv only: an arXiv id to fetch (repeatable), e.g. 1706.03762.",
)
@click.option(
    "--max-results",
    type=click.IntRange(min=1),
    default=None,
    help="arxiv only: at most this many results (the API allows 30,000).",
)
@no_progress_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@db_option
@clean_errors
def crawl(
    source,
    years,
    venues,
    limit,
    sample,
    seed,
    pdfs,
    mirror,
    offline,
    snapshot,
    anthology_dir,
    mlanthology_dir,
    pmlr_dir,
    cache_dir,
    contact,
    rewrites,
    interval,
    retry_failed,
    query,
    arxiv_ids,
    max_results,
    no_progress,
    as_json,
    db_path,
) -> None:
    """Crawl SOURCE's papers into the store (and with --pdfs their PDFs into the cache)."""
    from corpus.crawl_job import CrawlOptions, parse_rewrites, parse_years, run_crawl
    from corpus.errors import ConfigError

    source_options: dict = {}
    if query or arxiv_ids or max_results:
        if source != "arxiv":
            raise ConfigError("--query, --arxiv-id and --max-results are for source arxiv")
        source_options = {
            k: v
            for k, v in (
                ("search_query", query),
                ("id_list", tuple(arxiv_ids) or None),
                ("max_results", max_results),
            )
            if v
        }
    local_dirs = {
        k: v
        for k, v in (
            ("anthology_dir", anthology_dir),
            ("mlanthology_dir", mlanthology_dir),
            ("pmlr_dir", pmlr_dir),
        )
        if v is not None
    }
    opts = CrawlOptions(
        source=source,
        years=parse_years(years),
        venues=tuple(venues),
        limit=limit,
        sample=sample,
        seed=seed,
        pdfs=pdfs,
        mirror=mirror,
        offline=offline,
        snapshot=snapshot,
        local_dirs=local_dirs,
        cache_dir=cache_dir,
        contact=contact,
        rewrite=parse_rewrites(rewrites),
        interval_s=interval,
        retry_failed=retry_failed,
        progress=not no_progress and not as_json,
        source_options=source_options,
    )
    with open_store(db_path) as store:
        try:
            summary = run_crawl(store, opts)
        except KeyboardInterrupt:
            click.echo(
                "\ninterrupted: what was done is stored; rerun the same command to resume", err=True
            )
            raise SystemExit(130) from None
    if as_json:
        click.echo(json.dumps(summary.as_dict(), indent=2))
    else:
        _print_crawl(summary, pdfs)
    if summary.listing_error:
        raise SystemExit(1)
    if summary.listed == 0:  # a venue id or year the source does not have: say so
        what = " ".join([f"--venue {v}" for v in venues] + ([f"--years {years}"] if years else []))
        hint = f" ({summary.source_issues[0]})" if summary.source_issues else ""
        raise ConfigError(
            f"source {source!r} listed no papers for {what or 'its defaults'}"
            f"{hint}: check the venue ids and years (docs/sources.md)"
        )


def _some(lines: list[str], most: int = 20, indent: int = 2) -> None:
    for line in lines[:most]:
        click.echo(" " * indent + line)
    if len(lines) > most:
        click.echo(" " * indent + f"... and {len(lines) - most} more (--json lists all)")


def _print_crawl(s, pdfs: bool) -> None:
    click.echo(
        f"papers: {s.listed} listed ({s.listed_new} new, {s.listed_updated} updated, "
        f"{s.listed_unchanged} unchanged)"
    )
    if s.listing_error:
        click.echo(f"listing stopped early: {s.listing_error}", err=True)
    if s.source_issues:
        click.echo(f"{len(s.source_issues)} records or files the source could not read:")
        _some(s.source_issues)
    if not pdfs:
        return
    click.echo(
        f"pdfs: {s.pdf_new} new, {s.pdf_cached} cached, {len(s.pdf_failed)} failed, "
        f"{s.no_pdf} without PDF, {len(s.missing_offline)} missing offline"
    )
    if s.pdf_failed:
        kinds = Counter(reason.split(":")[0] for reason in s.pdf_failed.values())
        click.echo("  failures by kind: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
    _some([f"failed {pid}: {r}" for pid, r in sorted(s.pdf_failed.items())])
    _some([f"missing offline {pid}: {url}" for pid, url in sorted(s.missing_offline.items())])
    if s.skipped_failed:
        click.echo(
            f"  {s.skipped_failed} failed in an earlier run, not retried (use --retry-failed)"
        )


@click.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--manifest",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="CSV: file,id,title,authors(;-separated),abstract,url,venue,year.",
)
@click.option(
    "--venue",
    default=None,
    help="Venue to record, e.g. MYCONF (required unless the manifest has venue).",
)
@click.option(
    "--year",
    default=None,
    type=click.IntRange(1900, 2100),
    help="Year to record (required unless the manifest has year).",
)
@cache_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@db_option
@clean_errors
def ingest(directory, manifest, venue, year, cache_dir, as_json, db_path) -> None:
    """Ingest the PDFs in DIRECTORY (e.g. submissions on disk) into the store and cache."""
    from corpus.errors import ConfigError
    from corpus.ingest import ingest_directory
    from corpus.pdfcache import PdfCache

    if manifest is None and (venue is None or year is None):
        raise ConfigError("give --venue and --year (or a --manifest with venue and year columns)")
    with open_store(db_path) as store:
        s = ingest_directory(
            store, PdfCache(cache_dir), directory, manifest_csv=manifest, venue=venue, year=year
        )
    if as_json:
        click.echo(json.dumps(s.as_dict(), indent=2))
    else:
        click.echo(
            f"ingested: {s.new} new, {s.updated} updated, {s.unchanged} unchanged, "
            f"{len(s.failed)} rejected"
        )
        for r in s.failed:
            label = r.item if r.item == r.file else f"{r.item} ({r.file or 'no file'})"
            click.echo(f"  rejected {label}: {r.reason}")
        if s.unlisted:
            click.echo(f"  {len(s.unlisted)} PDFs in the directory are not in the manifest")
    if s.failed:  # recorded in the store (`greenlens status`); the rest was ingested
        raise SystemExit(1)


def register(group: click.Group) -> None:
    """Add this module's commands to the CLI."""
    group.add_command(status)
    group.add_command(crawl)
    group.add_command(ingest)
