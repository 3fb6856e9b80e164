"""CLI: gold validate, gold agreement."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from app.cli.options import clean_errors

GOLD_DIR = Path(__file__).resolve().parents[2] / "extractors" / "gold"
SHARED = Path(os.environ.get("GREENLENS_SHARED", GOLD_DIR.parents[2] / "shared"))
_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_DIR = click.Path(exists=True, file_okay=False, path_type=Path)


@click.group()
def gold() -> None:
    """Gold annotations: validate them, measure inter-annotator agreement."""


@gold.command()
@click.option(
    "--papers",
    "papers",
    type=_FILE,
    multiple=True,
    help="Paper gold JSONL (repeatable) [default: extractors/gold/papers.jsonl if present].",
)
@click.option(
    "--abstracts",
    "abstracts",
    type=_FILE,
    multiple=True,
    help="Abstract gold JSONL (repeatable) [default: extractors/gold/abstracts.jsonl].",
)
@click.option(
    "--pdfs",
    "pdfs_dir",
    type=_DIR,
    default=None,
    help="PDF folder the `file` fields are relative to [default: ../shared/corpus/pdfs].",
)
@click.option(
    "--corpus",
    "corpus_dir",
    type=_DIR,
    default=None,
    help="Also check that abstract ids resolve in this corpus (../shared/corpus).",
)
@click.option("--no-quotes", is_flag=True, help="Skip the verbatim quote check (schema only).")
@clean_errors
def validate(papers, abstracts, pdfs_dir, corpus_dir, no_quotes: bool) -> None:
    """Check gold files; print one line per problem, exit 1 if there is any."""
    from extractors.gold.validate import validate_abstracts, validate_papers

    if not papers and not abstracts:
        papers = tuple(p for p in [GOLD_DIR / "papers.jsonl"] if p.is_file())
        abstracts = tuple(p for p in [GOLD_DIR / "abstracts.jsonl"] if p.is_file())
    if papers and pdfs_dir is None:
        default = SHARED / "corpus" / "pdfs"
        if not default.is_dir():
            raise click.UsageError(f"no PDF folder at {default}; pass --pdfs DIR")
        pdfs_dir = default
    issues = []
    for path in papers:
        issues += validate_papers(path, pdfs_dir, check_quotes=not no_quotes)
    for path in abstracts:
        issues += validate_abstracts(path, corpus_dir)
    for issue in issues:
        click.echo(str(issue))
    checked = len(papers) + len(abstracts)
    click.echo(f"{checked} file(s) checked, {len(issues)} error(s)", err=bool(issues))
    if issues:
        sys.exit(1)


@gold.command()
@click.argument("first", type=_FILE)
@click.argument("second", type=_FILE)
@clean_errors
def agreement(first: Path, second: Path) -> None:
    """Cohen's kappa and raw agreement per category and for target, with disagreements."""
    from extractors.gold.agreement import compare, format_report, load_gold

    click.echo(format_report(compare(load_gold(first), load_gold(second))))


@gold.command("rebuild-pdfs")
@click.option(
    "--repos",
    type=_DIR,
    required=True,
    help="Folder holding clones of the PMLR volumes: vNN/ (git clone "
    "https://github.com/mlresearch/vNN) for every volume the gold file names.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write the PDFs [default: $GREENLENS_GOLD_PDFS or ../gold-pdfs beside the repo].",
)
@clean_errors
def rebuild_pdfs(repos: Path, out: Path | None) -> None:
    """Rebuild the PMLR gold papers' PDF folder from clones of their volumes (sha256-checked)."""
    from extractors.gold.pmlr_sample import DEFAULT_PDF_DIR, load_all_gold_papers, rebuild

    out = out or DEFAULT_PDF_DIR
    papers = load_all_gold_papers()
    written, problems = rebuild(repos, out, papers)
    for line in problems:
        click.echo(line, err=True)
    click.echo(f"{written} of {len(papers)} PDFs written to {out}")
    if problems:
        sys.exit(1)


@gold.command("error-rates")
@click.option(
    "--pdfs",
    "pdfs_dir",
    type=_DIR,
    default=None,
    help="PDFs of papers.jsonl [default: ../shared/corpus/pdfs].",
)
@click.option(
    "--gold-pdfs",
    type=_DIR,
    default=None,
    help="PDFs of the papers_pmlr*.jsonl files [default: $GREENLENS_GOLD_PDFS or ../gold-pdfs; "
    "`greenlens gold rebuild-pdfs` makes it].",
)
@click.option(
    "--corpus",
    "corpus_dir",
    type=_DIR,
    default=None,
    help="Corpus snapshot with the gold abstracts' text [default: ../shared/corpus].",
)
@click.option(
    "--pmlr-repos",
    type=_DIR,
    default=None,
    help="Clones of the PMLR volumes, for the pmlr: gold abstracts' text "
    "[default: $GREENLENS_PMLR_REPOS, else ../pmlr-repos beside the repo if it exists].",
)
@clean_errors
def error_rates(pdfs_dir, gold_pdfs, corpus_dir, pmlr_repos) -> None:
    """Measure the extractors and the target model on the gold papers nobody trains on
    (val and test) and the abstracts' test split, and write the shipped error-rate file
    that trends use to adjust shares."""
    from extractors.error_rates import (
        ERROR_RATES_PATH,
        measure_abstracts,
        measure_fulltext,
        write_error_rates,
    )
    from extractors.gold import paper_sources
    from extractors.gold.corpus_abstracts import load_wide_index
    from extractors.gold.pmlr_sample import DEFAULT_PDF_DIR, default_repos
    from extractors.gold.sample_wide_abstracts import iter_pmlr_posts
    from extractors.target import GOLD_ABSTRACT_FILES

    pdfs_dir = pdfs_dir or SHARED / "corpus" / "pdfs"
    gold_pdfs = gold_pdfs or DEFAULT_PDF_DIR
    corpus_dir = corpus_dir or SHARED / "corpus"
    pmlr_repos = pmlr_repos or default_repos()
    for need in (pdfs_dir, gold_pdfs, corpus_dir):
        if not Path(need).is_dir():
            raise click.UsageError(f"{need} is not a folder (see --help)")
    fulltext = measure_fulltext(paper_sources(pdfs_dir, gold_pdfs), split="val+test")
    index = load_wide_index(corpus_dir)
    texts = {k: (r.title, r.abstract) for k, r in index.items()}
    if pmlr_repos:
        texts |= {r.id: (r.title, r.abstract) for r in iter_pmlr_posts(pmlr_repos)}
    abstract = measure_abstracts([path for path in GOLD_ABSTRACT_FILES if path.is_file()], texts)
    if abstract["left_out"]:
        click.echo(
            f"warning: {len(abstract['left_out'])} gold test abstracts have no text "
            f"here and are left out of the abstract error rates (e.g. "
            f"{abstract['left_out'][0]}; pmlr: ones need --pmlr-repos)",
            err=True,
        )
    path = write_error_rates({"fulltext": fulltext, "abstract": abstract})
    click.echo(
        f"wrote {path.relative_to(ERROR_RATES_PATH.parents[2])}: full text "
        f"{fulltext['n']} papers ({fulltext['version']}), abstracts {abstract['n']} "
        f"({abstract['version']})"
    )


def register(group: click.Group) -> None:
    """Add the `gold` command group."""
    group.add_command(gold)
