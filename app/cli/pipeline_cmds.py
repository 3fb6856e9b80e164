"""CLI: pipeline (the main job: crawl a sample -> extract -> trends -> report)."""

from __future__ import annotations

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

_DIR = click.Path(file_okay=False, path_type=Path)


@click.command("pipeline")
@click.option(
    "--snapshot",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Run offline on a local snapshot laid out like "
    "../shared/corpus; without it, crawl the live sites.",
)
@click.option(
    "--sample",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Seeded metadata sample per source.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for --sample.")
@click.option(
    "--whole",
    "whole",
    multiple=True,
    metavar="VENUE",
    help="Crawl this ACL/ML Anthology venue whole, no sampling (repeatable: acl, "
    "emnlp, naacl, neurips, icml, iclr, cvpr, iccv; or 'all'), for --years "
    "[default years: 2015-2024; on a snapshot, those its ML Anthology files "
    "hold, or all they hold if none is in that range].",
)
@years_option
@click.option(
    "--out-dir",
    type=_DIR,
    default=Path("greenlens-out"),
    show_default=True,
    help="Where report.html and its charts go.",
)
@cache_dir_option
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Extraction worker processes [default: the number of cores].",
)
@click.option(
    "--contact",
    default=None,
    envvar="GREENLENS_CONTACT",
    help="Your e-mail, sent in the User-Agent when crawling live sites.",
)
@no_progress_option
@db_option
@clean_errors
def pipeline(
    snapshot, sample, seed, whole, years, out_dir, cache_dir, workers, contact, no_progress, db_path
) -> None:
    """The main job: crawl (a sample) -> extract -> trends -> report, on the embedded store.

    Rerunning resumes: nothing already fetched or extracted is done again.
    """
    from app.main_job import PipelineOptions, run_pipeline
    from corpus.crawl_job import parse_years

    opts = PipelineOptions(
        snapshot=snapshot,
        sample=sample,
        seed=seed,
        years=parse_years(years),
        cache_dir=cache_dir,
        out_dir=out_dir,
        workers=workers,
        contact=contact,
        progress=not no_progress,
        whole=tuple(w.lower() for w in whole),
    )
    with open_store(db_path) as store:
        result = run_pipeline(store, opts, echo=click.echo)
        db = store.path
    click.echo(
        f"\ndone. Open {result.report} in a browser, or browse the store with:\n"
        f"  scripts/greenlens app --db {db}"
    )


def register(group: click.Group) -> None:
    """Add this module's commands to the CLI."""
    group.add_command(pipeline)
