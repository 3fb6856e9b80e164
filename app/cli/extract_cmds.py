"""CLI: extract (a store's papers), check (one PDF's reporting card)."""

from __future__ import annotations

from pathlib import Path

import click

from app.cli.options import (
    cache_dir_option,
    clean_errors,
    db_option,
    no_progress_option,
    open_store,
)


@click.command()
@db_option
@cache_dir_option
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes [default: one per core].",
)
@click.option("--force", is_flag=True, help="Re-extract papers already done with this version.")
@click.option(
    "--timeout",
    "timeout_s",
    type=click.FloatRange(min=0.01),
    default=None,
    help="Seconds allowed per PDF [default: 120].",
)
@no_progress_option
@click.option(
    "--executor",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="Local worker processes, or a Ray cluster.",
)
@click.option(
    "--address",
    default=None,
    help="Ray cluster address (e.g. ray://head:10001 or auto) [default: start a "
    "local Ray instance]. Only with --executor ray.",
)
@click.option(
    "--results-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where Ray workers write Parquet parts [default: "
    "<cache-dir>/results]. Only with --executor ray.",
)
@click.option(
    "--no-abstracts",
    is_flag=True,
    help="Skip the target from title + abstract of papers that have one.",
)
@clean_errors
def extract(
    db_path,
    cache_dir,
    workers,
    force,
    timeout_s,
    no_progress,
    executor,
    address,
    results_dir,
    no_abstracts,
) -> None:
    """Extract what each fetched paper reports (FLOPs, energy, ...) into the store, and
    classify the target of every paper that has an abstract from title + abstract (kept
    apart from the full-text target: `trends --kind targets --source`)."""
    from corpus.errors import ConfigError
    from corpus.pdfcache import default_cache_dir
    from extractors.isolate import Limits

    limits = Limits(timeout_s=timeout_s) if timeout_s else Limits()
    cache_dir = cache_dir or default_cache_dir()
    if executor == "local" and (address or results_dir):
        raise ConfigError("--address and --results-dir need --executor ray")
    with open_store(db_path) as store:
        if executor == "ray":
            from extractors.raypool import extract_ray

            s = extract_ray(
                store,
                cache_dir,
                results_dir or Path(cache_dir) / "results",
                address=address,
                num_cpus=workers,
                force=force,
                limits=limits,
                progress=not no_progress,
            )
        else:
            from extractors.batch import extract_store

            s = extract_store(
                store,
                cache_dir,
                workers=workers,
                force=force,
                progress=not no_progress,
                limits=limits,
            )
        a = None
        if not no_abstracts:
            from extractors.abstract_targets import classify_abstracts

            a = classify_abstracts(store, force=force, progress=not no_progress, workers=workers)
    click.echo(
        f"extractor {s.version}: {s.considered} fetched papers, {s.extracted} "
        f"extracted, {s.skipped} already up to date, {s.errors} errors "
        f"({s.pages} pages in {s.seconds:.1f} s)"
    )
    if getattr(s, "from_text", 0):
        click.echo(
            f"{s.from_text} of them from stored text (no PDF opened: only the "
            f"detectors or the target changed)"
        )
    if getattr(s, "redetected", 0):
        rerun = ", ".join(f"{k} {v}" for k, v in s.rerun.items()) or "nothing"
        click.echo(
            f"{s.redetected} of them re-detected (only what changed re-run; papers per "
            f"category: {rerun})"
        )
    if s.not_papers:
        click.echo(
            f"{s.not_papers} of them read as a volume's front matter or a form (preface, "
            f"organisers' list, publication agreement): recorded, left out of the trends"
        )
    if s.error_reasons:
        click.echo(
            "errors by reason: " + ", ".join(f"{k} {v}" for k, v in sorted(s.error_reasons.items()))
        )
    if a is not None:
        click.echo(
            f"target from title + abstract ({a.model}): {a.classified} papers "
            f"classified in {a.seconds:.1f} s"
        )


@click.command()
@click.argument("paper", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--timeout",
    "timeout_s",
    type=click.FloatRange(min=0.01),
    default=None,
    help="Seconds allowed for the PDF [default: 120].",
)
@clean_errors
def check(paper: Path, fmt: str, timeout_s) -> None:
    """Show what PAPER.pdf reports about its cost, with evidence, and what it misses."""
    from extractors.card import render
    from extractors.isolate import Limits
    from extractors.single import extract_file

    # fork: this process is single-threaded and holds no store, so the isolated worker
    # starts in milliseconds instead of a fresh interpreter
    report = extract_file(
        paper, limits=Limits(timeout_s=timeout_s) if timeout_s else Limits(), start="fork"
    )
    click.echo(render(report, fmt))


@click.command("ingest-results")
@db_option
@click.argument("results_dir", type=click.Path(file_okay=False, path_type=Path))
@clean_errors
def ingest_results(db_path, results_dir: Path) -> None:
    """Load Parquet parts written by `extract --executor ray` workers (idempotent)."""
    from extractors.parts import ingest_parts

    with open_store(db_path) as store:
        s = ingest_parts(store, results_dir)
    click.echo(f"{s.parts} parts, {s.papers} papers loaded from {results_dir}")
    for line in s.skipped_parts:
        click.echo(f"skipped {line}", err=True)


def register(group: click.Group) -> None:
    """Add this module's commands to the CLI."""
    group.add_command(extract)
    group.add_command(ingest_results)
    group.add_command(check)
